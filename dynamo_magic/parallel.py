"""Run picklable tasks on a joblib backend, with progress reported back from the workers.

Workers (processes with the default ``loky`` backend, threads with ``threading``, or a Dask
cluster through joblib's ``dask`` backend) get a ``ProgressSink`` they call with counts; a
thread in the caller drains it into a ``Progress`` callback. Ctrl-C in the caller stops the
workers (joblib terminates loky's processes) and re-raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.managers import SyncManager
from typing import Any, Protocol

import joblib

AUTO_THREADS_BELOW = 2_000  # items: smaller jobs run in threads, spared process start-up


class Progress(Protocol):
    """What front ends implement (a tqdm bar, a widget); the core never imports one.

    ``start`` begins a phase (ending the previous one, which ran to its end); ``total`` is an
    estimate (``None``: unknown). ``close(complete=True)``: the work ended as it should, so a
    bar shows it complete whatever the estimate was; ``complete=False``: interrupted or
    failed, and the bar should say so.
    """

    def start(self, phase: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...

    def close(self, complete: bool = True) -> None: ...


class NoProgress:
    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def close(self, complete: bool = True) -> None:
        pass


class ProgressSink:
    """The picklable end workers hold: ``sink(count)`` reports progress, ``sink.stopped()``
    says the caller was interrupted (threads cannot be killed: they stop between pages)."""

    def __init__(self, channel: Any, stop: Any = None):
        self.channel = channel
        self.stop = stop

    def __call__(self, count: int) -> None:
        if self.channel is not None and count:
            self.channel.put(count)

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()


def choose_backend(backend: str | None, estimated_items: int | None) -> str:
    if backend and backend != "auto":
        return backend
    if estimated_items is not None and estimated_items < AUTO_THREADS_BELOW:
        return "threading"
    return "loky"


def run(
    function: Callable[..., Any],
    tasks: Iterable[Any],
    workers: int,
    backend: str,
    progress: Progress,
    on_result: Callable[[Any], None] | None = None,
) -> list[Any]:
    """``function(task, sink)`` for every task on ``workers`` workers; results as they finish."""
    tasks = list(tasks)
    if not tasks:
        return []
    manager = None
    if backend == "threading":
        channel: Any = queue.Queue()
        stop: Any = threading.Event()
    else:
        manager = SyncManager()
        manager.start(_ignore_interrupts)  # survives Ctrl-C, so workers can be told to stop
        channel, stop = manager.Queue(), manager.Event()
    sink = ProgressSink(channel, stop)
    done = threading.Event()
    drainer = threading.Thread(target=_drain, args=(channel, progress, done), daemon=True)
    drainer.start()
    results: list[Any] = []
    try:
        with joblib.parallel_config(backend=backend, n_jobs=min(workers, len(tasks))):
            outputs: Iterator[Any] = joblib.Parallel(return_as="generator_unordered")(
                joblib.delayed(function)(task, sink) for task in tasks
            )
            for result in outputs:
                results.append(result)
                if on_result:
                    on_result(result)
    except BaseException:  # KeyboardInterrupt included: tell workers still running to stop
        with contextlib.suppress(OSError, EOFError):
            stop.set()
        raise
    finally:
        done.set()
        drainer.join(timeout=5)
        _drain_now(channel, progress)
        if manager is not None:
            manager.shutdown()
    return results


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _drain(channel: Any, progress: Progress, done: threading.Event) -> None:
    while not done.is_set():
        try:
            progress.advance(channel.get(timeout=0.1))
        except queue.Empty:
            continue
        except (EOFError, OSError, BrokenPipeError):  # the manager went away
            return


def _drain_now(channel: Any, progress: Progress) -> None:
    try:
        while True:
            progress.advance(channel.get_nowait())
    except (queue.Empty, EOFError, OSError, BrokenPipeError):
        return
