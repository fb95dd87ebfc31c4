"""The channel that carries worker messages back to the caller, chosen by backend.

A worker holds a ``Channel`` (picklable): ``send(message)`` reports, ``stopped()`` says the
caller was interrupted (threads cannot be killed: they stop between requests, each worker's
reads and writes waiting on ``stop`` as their ``retry.Interrupt`` flag). Underneath, a
channel is a queue and a stop flag that both ends can reach:

- ``threading``: a ``queue.Queue`` and a ``threading.Event`` (the workers share the process);
- ``loky`` (and any other backend of local processes): a ``multiprocessing`` manager's queue
  and event, reached over a local socket; the manager ignores Ctrl-C so that it can still tell
  the workers to stop;
- a distributed backend (a Dask cluster, next issues) plugs its own in with
  ``register(backend, opener)``: e.g. ``distributed.Queue`` and ``distributed.Event``, which
  workers on other machines reach through the scheduler. Nothing else changes.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from multiprocessing.managers import SyncManager
from typing import Any, Protocol

from ..dynamodb.capacity import NO_BUDGET, Budget
from .messages import Kind, Message, Progressed, Retried


class Queue(Protocol):
    """What a channel needs of a queue (``queue.Queue`` and a manager's queue have it)."""

    def put(self, item: Any) -> None: ...

    def get(self, block: bool = True, timeout: float | None = None) -> Any: ...

    def get_nowait(self) -> Any: ...


class Flag(Protocol):
    """What a channel needs of a stop flag (``threading.Event`` and a manager's event); workers
    ``wait`` on it during backoff waits, so a stop wakes them at once."""

    def set(self) -> None: ...

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Channel:
    """The end workers hold. ``progress=False``: ``Progressed`` messages are not sent (work that
    must not move the bar, e.g. a verification count running in the copy's phase); retries,
    checkpoints and failures still are. ``budget``: the operation's capacity budget
    (``copying.limits.open_budget``: one for the whole copy, its buckets in this process for
    threads, in a manager for processes), which every read and write of a worker meters."""

    def __init__(
        self,
        messages: Queue | None,
        stop: Flag | None = None,
        progress: bool = True,
        budget: Budget = NO_BUDGET,
    ):
        self.messages = messages
        self.stop = stop
        self.progress = progress
        self.budget = budget

    def send(self, message: Message) -> None:
        if self.messages is not None and (self.progress or not isinstance(message, Progressed)):
            self.messages.put(message)

    def progressed(self, count: int, kind: Kind = "written") -> None:
        if count:
            self.send(Progressed(count, kind))

    def retried(self, count: int = 1) -> None:
        if count:
            self.send(Retried(count))

    def quiet(self) -> Channel:
        """The same channel without progress (retries and the stop flag still count)."""
        return Channel(self.messages, self.stop, progress=False, budget=self.budget)

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()


Opener = Callable[[], contextlib.AbstractContextManager[tuple[Queue, Flag]]]


@contextlib.contextmanager
def _in_process() -> Iterator[tuple[Queue, Flag]]:
    yield queue.Queue(), threading.Event()


@contextlib.contextmanager
def _manager() -> Iterator[tuple[Queue, Flag]]:
    manager = SyncManager()
    manager.start(_ignore_interrupts)  # survives Ctrl-C, so workers can be told to stop
    try:
        yield manager.Queue(), manager.Event()
    finally:
        manager.shutdown()


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_OPENERS: dict[str, Opener] = {"threading": _in_process}


def register(backend: str, opener: Opener) -> None:
    """Use ``opener`` for the channels of ``backend`` (a context manager giving a queue and a
    stop flag both the caller and the backend's workers can reach)."""
    _OPENERS[backend] = opener


@contextlib.contextmanager
def open_channel(backend: str) -> Iterator[tuple[Channel, Queue]]:
    """A channel for workers of ``backend`` and the queue its messages arrive on; closed (the
    manager shut down) when the block ends."""
    with _OPENERS.get(backend, _manager)() as (messages, stop):
        yield Channel(messages, stop), messages
