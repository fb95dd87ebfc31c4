"""The channel that carries worker messages back to the caller, chosen by backend.

A worker holds a ``Channel`` (picklable): ``send(message)`` reports, ``stopped()`` says the
caller was interrupted (threads cannot be killed: they stop between requests, each worker's
reads and writes waiting on ``stop`` as their ``retry.Interrupt`` flag). Underneath, a
channel is a queue and a stop flag that both ends can reach:

- ``threading``: a ``queue.Queue`` and a ``threading.Event`` (the workers share the process);
- ``loky`` (and any other backend of local processes): a ``multiprocessing`` manager's queue
  and event, reached over a local socket; the manager ignores Ctrl-C so that it can still tell
  the workers to stop;
- ``dask`` (``cluster``): a ``distributed.Queue`` and a ``distributed.Event``, which workers
  on other machines reach through the scheduler, plugged in with ``register(backend,
  opener)``. Nothing else changes.

Reaching a queue or a flag of another process costs a round trip (through a manager, ~0.2 ms
of CPU on both ends); a worker would make one before every request and after every batch. So
a channel whose queue or flag is not in its own process (``queue.Queue``, ``threading.Event``)
sends in batches and reads a local copy of the stop flag:

- **batches**: messages wait in the worker (``Outbox``) and go as one list, at most every
  ``FLUSH_EVERY`` seconds, at once for a checkpoint, a failure or a log record (which the
  caller must see soon, in order after the counts before it), and when the task ends
  (``flush``, called by ``parallel``): counts are exact at the end, and a checkpoint still
  arrives after the writes it stands for are acknowledged (order is kept);
- **stop flag**: a thread of the worker process waits on the shared flag and sets a local
  ``threading.Event`` as soon as it is set (or the caller's end is gone); ``stop`` is that
  local event, one per flag and process, read for free before every request and waited on
  in backoff waits. Once set it stays set (a flag is never cleared), and the first look of a
  process asks the shared flag itself: a task that begins after the stop (a queued segment,
  a verification's count) returns before its first request.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.managers import SyncManager
from typing import Any, Protocol

from ..dynamodb.capacity import NO_BUDGET, Budget
from .messages import Kind, Message, Progressed, Read, Retried, Transformed

FLUSH_EVERY = 0.1  # seconds counts wait in a worker before they are sent (other channels)
WATCH_EVERY = 1.0  # seconds between a stop-flag watcher's looks at whether it is still needed


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
    (``transfer.limits.open_budget``: one for the whole copy, its buckets in this process for
    threads, in a manager for processes), which every read and write of a worker meters.

    ``flag`` is the shared stop flag (the caller sets it: ``stop_all``); ``stop`` is what a
    worker reads and waits on: ``flag`` itself in the caller's process, a local copy kept up
    to date by a watcher thread for a flag of another process (see the module's docstring)."""

    def __init__(
        self,
        messages: Queue | None,
        stop: Flag | None = None,
        progress: bool = True,
        budget: Budget = NO_BUDGET,
        outbox: Outbox | None = None,
    ):
        self.messages = messages
        self.flag = stop
        self.progress = progress
        self.budget = budget
        self._outbox = outbox  # made where first needed (not pickled: one per process)

    def __getstate__(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "flag": self.flag,
            "progress": self.progress,
            "budget": self.budget,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._outbox = None

    @property
    def stop(self) -> Flag | None:
        """The stop flag as this process reads it (``None``: the channel has none)."""
        return _local_flag(self.flag)

    def send(self, message: Message) -> None:
        if self.messages is None or not (self.progress or not isinstance(message, Progressed)):
            return
        if isinstance(self.messages, queue.Queue):  # the same process: a put is cheap
            self.messages.put(message)
            return
        if self._outbox is None:
            self._outbox = Outbox(self.messages)
        self._outbox.add(message)

    def flush(self) -> None:
        """Send what waits in this process's outbox now (a task's end)."""
        if self._outbox is not None:
            self._outbox.flush()

    def progressed(self, count: int, kind: Kind = "written") -> None:
        if count:
            self.send(Progressed(count, kind))

    def retried(self, count: int = 1) -> None:
        if count:
            self.send(Retried(count))

    def quiet(self) -> Channel:
        """The same channel without progress (retries and the stop flag still count); it
        shares this one's outbox, so ``flush`` sends what either holds."""
        remote = self.messages is not None and not isinstance(self.messages, queue.Queue)
        if self._outbox is None and remote and self.messages is not None:
            self._outbox = Outbox(self.messages)
        return Channel(
            self.messages, self.flag, progress=False, outbox=self._outbox, budget=self.budget
        )

    def stopped(self) -> bool:
        stop = self.stop
        return stop is not None and stop.is_set()

    def stop_all(self) -> None:
        """Tell every worker to stop (sets the shared flag; its owner may already be gone: a
        manager shut down, a Dask scheduler lost, each failing in its own way)."""
        with contextlib.suppress(Exception):
            if self.flag is not None:
                self.flag.set()


class Outbox:
    """Messages of a worker waiting to go to another process's queue, as one list a batch;
    thread-safe (a task's reading and writing threads send too)."""

    def __init__(self, messages: Queue):
        self.messages = messages
        self._waiting: list[Message] = []
        self._lock = threading.Lock()
        self._sent = time.monotonic()

    def add(self, message: Message) -> None:
        with self._lock:
            self._waiting.append(message)
            counts = isinstance(message, Progressed | Retried | Read | Transformed)
            if counts and time.monotonic() - self._sent < FLUSH_EVERY:
                return
            self._send()

    def flush(self) -> None:
        with self._lock:
            self._send()

    def _send(self) -> None:
        self._sent = time.monotonic()
        if self._waiting:
            waiting, self._waiting = self._waiting, []
            self.messages.put(waiting)


_mirrors: dict[Any, threading.Event] = {}  # a shared flag's token -> this process's copy
_mirrors_lock = threading.Lock()


def _local_flag(flag: Flag | None) -> Flag | None:
    """``flag`` itself if it lives in this process (or is of a kind not known to be remote);
    for a manager's event or a flag with a ``mirror_key`` (a Dask cluster's), this process's one
    ``threading.Event`` for it, which a watcher thread sets when the flag is set. A flag is
    never cleared, so a copy seen set stays set for every later look; the first look asks the
    flag's owner once (a round trip), so a task that begins after the stop sees it before it
    sends anything."""
    token = getattr(flag, "_token", None)  # a multiprocessing proxy's identity
    key = getattr(flag, "mirror_key", None)  # another remote flag's (a Dask cluster's)
    if flag is None or isinstance(flag, threading.Event) or (token is None and key is None):
        return flag
    if key is None and token is not None:
        key = (token.address, token.id)
    with _mirrors_lock:
        mirror = _mirrors.get(key)
        if mirror is not None:
            return mirror
        mirror = _mirrors[key] = threading.Event()
    try:
        already = flag.is_set()
    except Exception:  # the flag's owner is gone: no one is left to hear from the worker
        already = True
    if already:
        mirror.set()
    threading.Thread(
        target=_watch, args=(flag, mirror, key), name="dynamo-stop-flag", daemon=True
    ).start()
    return mirror


def _watch(flag: Flag, mirror: threading.Event, key: Any) -> None:
    """Set ``mirror`` once ``flag`` is set, or once the flag's owner is gone (no one is left
    to tell the worker to stop, or to hear from it: it had better stop). A manager's mirror is
    kept (later looks find it set) until the owner is gone: the operation has ended, and a later
    look at its flag (there should be none) asks the manager afresh."""
    try:
        while not flag.wait(WATCH_EVERY):
            pass
        mirror.set()
        # a manager's flag, once set, is looked at now and then only to learn when its manager
        # is gone; a Dask cluster's (``mirror_key``) stays set on the scheduler after the run,
        # so a later look asks it afresh (set) and nothing is left to watch
        while getattr(flag, "mirror_key", None) is None:
            time.sleep(WATCH_EVERY)
            flag.is_set()
    except Exception:  # the manager shut down (the operation ended) or died
        pass
    mirror.set()
    with _mirrors_lock:
        if _mirrors.get(key) is mirror:
            _mirrors.pop(key)


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
    manager shut down) when the block ends. What arrives is a ``Message``, or a list of them
    (a batch, in order)."""
    with _OPENERS.get(backend, _manager)() as (messages, stop):
        yield Channel(messages, stop), messages
