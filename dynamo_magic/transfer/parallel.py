"""Run picklable tasks on a joblib backend, with progress reported back from the workers.

Workers (processes with the ``loky`` backend, threads with ``threading``, or the workers of a
Dask cluster with ``dask``: ``cluster``, which registers its channel in ``channels``) get a
``channels.Channel`` that sends small typed messages (``messages``: progress, retries,
checkpoints, failures, log records of worker processes) as things happen; a thread in the
caller drains them into the caller's ``on_message`` (``operation.Tally.receive``), and log
records into the caller's logging (``logs``). What a worker reported stays counted even when
its task then fails and never returns its result.

Stopping (``run``): Ctrl-C (or a kernel interrupt) in the caller, its ``cancel`` flag, or a task
that raised sets the channel's stop flag; every worker then ends within the request it has in
flight (its reads, writes and backoff waits watch the flag), which is answered and counted, and
``run`` waits for them before it raises ``KeyboardInterrupt``, ``Cancelled`` or the task's
error: the counts are what the target acknowledged. For that, joblib runs in a thread of its
own (a Ctrl-C never lands in joblib, which would kill loky's workers mid-request, or in a task
that joblib runs in the caller's thread), loky's workers ignore SIGINT (a terminal or a kernel
sends it to the whole process group: the caller stops them instead), and a task's exception
is carried back as a value (joblib would kill the other workers on it). A second Ctrl-C while
``run`` waits stops waiting.

Every operation (a copy with its phases: copy, deletes, verification; a truncate) owns its
worker pool (``worker_pool``): loky worker processes or threads made for it, warm between its
``run`` calls, and shut down when its block ends, however it ends (loky's processes killed:
they hold nothing that needs finishing by then). joblib stays the way tasks are run
(``Parallel``, results as they finish); ``pool_backend.PoolBackend``, a backend in joblib's
public backend API, points it at the pool's executor. ``dask`` runs on a Dask cluster's own
futures (``cluster.run_tasks``, the cluster the operation connected to). Any other backend
name (a registered one) is given to joblib as a name and runs where joblib sends it.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import functools
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .. import lazy
from ..dynamodb.capacity import Budget
from . import channels, logs
from .messages import Finished, Logged, Message
from .result import Outcome

if TYPE_CHECKING:
    import joblib

    from . import cluster, pool_backend
else:  # imported on first use (with numpy, ~0.15 s): by the warm-up thread while a copy plans
    joblib = lazy.module("joblib")
    pool_backend = lazy.module("dynamo_magic.transfer.pool_backend")
    cluster = lazy.module("dynamo_magic.transfer.cluster")  # backend "dask" (distributed)

TRACKER_EXIT_TIMEOUT = 5.0  # seconds a stopped resource tracker gets to exit (it takes ms)
ABANDON_CHECK = 0.05  # seconds between looks at an abandon flag while tasks run
DASK = "dask"  # the backend of a Dask cluster's workers (``cluster``)


class Progress(Protocol):
    """What front ends implement (a tqdm bar, a widget); the core never imports one.

    ``start`` begins a phase; ``total`` is an estimate (``None``: unknown), and a bar whose
    count passes it grows its total. ``close(outcome)`` ends the phase (``Outcome``):
    ``SUCCESS`` (it ran to its end: the bar shows it complete, its total what was done, whatever
    the estimate was), ``CANCELLED`` (stopped by the user: a neutral bar left where it stopped)
    or ``FAILED`` (items failed, verification failed, an error stopped it: a red bar that says
    so). The engine closes every phase it starts; a ``start`` on an open phase ends that one as
    ``SUCCESS``. A phase some of whose items were done before this run (a resumed copy's
    earlier runs) begins with ``start_at(phase, total, done)`` where the front end has it (the
    bar starts there, its rate counts this run's items only), else with ``start`` and
    ``advance(done)``: it is optional, so a ``Progress`` written before it still works.
    """

    def start(self, phase: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...

    def close(self, outcome: Outcome = Outcome.SUCCESS) -> None: ...


class NoProgress:
    """A ``Progress`` that shows nothing."""

    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def close(self, outcome: Outcome = Outcome.SUCCESS) -> None:
        pass


class Cancelled(Exception):
    """The caller's cancel flag (``dynamo_magic.copy(cancel=...)``) was set: the workers were
    told to stop, as on Ctrl-C, and the copy ends ``interrupted``."""


def check_cancel(cancel: threading.Event | None) -> None:
    """Raise ``Cancelled`` if the caller's ``cancel`` flag is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")


def choose_backend(backend: str | None, estimated_items: int | None = None) -> str:
    """``backend`` as given; for ``None``/``"auto"``: threads, whatever the size
    (``estimated_items`` is not needed for that any more). A copy's speed under latency comes
    from its requests in flight, which threads give at the least client CPU: no process to
    start (~1 s of CPU each), no message leaving the process, and one process spends less CPU
    per item than several on this work (docs/performance.md, "Under latency"). Processes
    (``"loky"``) are for work that needs more than one core of client CPU (a heavy transform
    on a large machine), asked for by name."""
    if backend and backend != "auto":
        return backend
    return "threading"


def run(
    function: Callable[..., Any],
    tasks: Iterable[Any],
    workers: int,
    backend: str,
    *,
    on_message: Callable[[Message], None] | None = None,
    on_result: Callable[[Any], None] | None = None,
    cancel: threading.Event | None = None,
    abandon: threading.Event | None = None,
    budget: Budget | None = None,
) -> list[Any]:
    """``function(task, channel)`` for every task on ``workers`` workers of ``backend``; results
    as they finish. Workers' messages (``messages``) reach ``on_message`` as they are sent
    (``operation.Tally.receive``), a task's value last (``Finished``), then ``on_result``;
    their log records go to the caller's logging.

    ``cancel`` set, Ctrl-C in the calling thread, or a task that raises tells the workers to
    stop (the channel's stop flag); once every worker has ended (within the request it had in
    flight) and its messages are delivered, ``Cancelled``, ``KeyboardInterrupt`` or the task's
    exception is raised. ``function`` must return soon once ``channel.stopped()``
    (``tasks.run_task`` does, between requests). ``abandon`` (set after ``cancel``: a second
    Ctrl-C in a job's caller) stops waiting for the workers' requests in flight, as a second
    Ctrl-C in this thread does: ``Cancelled`` at once, what they write then not counted.
    ``budget``: the operation's capacity budget, carried to the workers on the channel."""
    tasks = list(tasks)
    if not tasks:
        return []
    check_cancel(cancel)
    receive = functools.partial(_receive, on_message)
    worker_logs = logs.for_workers()
    if backend == DASK:
        cluster.current()  # registers the cluster's channels (and refuses outside a connection)
    with worker_pool() as pool, channels.open_channel(backend) as (channel, arrived):
        if budget is not None:
            channel.budget = budget
        done = threading.Event()
        drainer = threading.Thread(target=_drain, args=(arrived, receive, done), daemon=True)
        drainer.start()
        if cancel is not None and channel.flag is not None:
            threading.Thread(
                target=_stop_on_cancel, args=(cancel, channel.flag, done), daemon=True
            ).start()
        jobs = min(workers, len(tasks))  # the pool keeps ``workers`` for later runs
        pool.size = max(pool.size, workers)
        work = _Dispatch(
            function, tasks, jobs, backend, pool, channel, worker_logs, receive, on_result
        )
        try:
            work.join(abandon)
            if abandon is not None and abandon.is_set():
                pool.abandoned = True  # its threads are not waited for either
        finally:
            done.set()
            drainer.join(timeout=5)
            _drain_now(arrived, receive)
    if work.error is not None:
        raise work.error
    check_cancel(cancel)
    return work.results


def joblib_config(backend: str, workers: int, pool: WorkerPool) -> dict[str, Any]:
    """``joblib.parallel_config``'s arguments for ``workers`` jobs of ``backend``: for
    ``loky`` and ``threading``, a ``PoolBackend`` on ``pool``'s executor of that backend, of
    ``pool.size`` workers (made at the first task: one job runs in the calling thread, as
    joblib's own backends do it);
    for any other name, the name (joblib's ``dask``, a registered backend: not ours to own)."""
    if backend not in OWNED_BACKENDS:
        return {"backend": backend, "n_jobs": workers}
    return {
        "backend": pool_backend.PoolBackend(
            functools.partial(pool.executor, backend, max(workers, pool.size)),
            functools.partial(pool.discard, backend),
            threads=backend == "threading",
        ),
        "n_jobs": workers,
    }


def _ignore_interrupts() -> None:
    """Runs in each new loky worker process: ignore SIGINT from now on, then let it in again.

    The worker was started with SIGINT blocked (``_hold_interrupts`` in the thread that spawns
    workers; a signal mask is inherited through fork and exec), so a Ctrl-C that reached it
    while it started (importing Python, joblib, loky: about a second) is pending, not raised
    as a ``KeyboardInterrupt`` traceback. Ignored first, then unblocked: the pending one is
    discarded."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _hold_interrupts(backend: str) -> None:
    """Block SIGINT in the calling thread, which must not be the main thread (Python runs its
    handlers there, and the kernel gives a process's signal to a thread that does not block
    it: the main thread still gets Ctrl-C). Called first in the threads that start loky's
    workers (``_Dispatch``, ``WarmUp``): joblib submits from them and loky spawns workers from
    them and from its manager thread, which they start (a new thread inherits the mask), so
    every worker process begins with SIGINT blocked until ``_ignore_interrupts`` ignores it.
    Catching it any other way is too late: a worker imports for about a second before any
    initializer runs.

    For loky, multiprocessing's resource tracker is launched first: Python's launch of it
    (3.11: ``resource_tracker.ensure_running``) *unblocks* SIGINT in the launching thread
    afterwards instead of restoring the mask, which would undo the block before the workers
    are spawned; once it runs, loky's later ``ensure_running`` calls leave the mask alone."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks (and no killpg)
        return
    if backend == "loky":
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


class WorkerTraceback(Exception):
    """The traceback, as text, of an exception a task raised in a worker process (set as its
    ``__cause__``: a traceback does not travel between processes)."""


@dataclass(frozen=True)
class _Raised:
    """What a task raised, carried back as its value (``_guarded``), with its traceback."""

    error: BaseException
    trace: str

    def exception(self) -> BaseException:
        if self.error.__traceback__ is None and self.error.__cause__ is None:  # from a process
            self.error.__cause__ = WorkerTraceback(self.trace)
        return self.error


def _guarded(
    function: Callable[[Any, channels.Channel], Any],
    task: Any,
    channel: Any,
    worker_logs: logs.WorkerLogs | None = None,
) -> Any:
    """Runs in a worker: ``function(task, channel)``, its log records sent to the caller
    (``logs.forwarded``), an exception returned as ``_Raised`` rather than raised (on a raised
    one joblib kills loky's other workers mid-request)."""
    try:
        with logs.forwarded(channel, worker_logs):
            return function(task, channel)
    except Exception as error:
        return _Raised(error, traceback.format_exc())
    finally:  # what the task reported reaches the caller before its result
        with contextlib.suppress(Exception):  # the caller's end may be gone
            channel.flush()


def _stop(channel: channels.Channel) -> None:
    """Set the workers' stop flag (the manager may already be gone)."""
    channel.stop_all()


class _Dispatch:
    """The joblib loop of one ``run``, in a thread of its own, so that the caller's thread (the
    only one Ctrl-C interrupts) just waits (``join``). ``results``: the tasks' values as they
    finished, each handed to ``receive`` (as ``Finished``) and ``on_result`` in this thread;
    ``error``: the first exception of a task (or of joblib), after which the workers were told
    to stop and the loop went on until each had ended."""

    def __init__(
        self,
        function: Callable[..., Any],
        tasks: list[Any],
        workers: int,
        backend: str,
        pool: WorkerPool,
        channel: channels.Channel,
        worker_logs: logs.WorkerLogs | None,
        receive: Callable[[Message], None],
        on_result: Callable[[Any], None] | None,
    ):
        self.results: list[Any] = []
        self.pool = pool
        self.error: BaseException | None = None
        self.channel = channel
        self.worker_logs = worker_logs  # the caller's logging level, carried to each task
        self._ended = threading.Event()
        self._thread = threading.Thread(  # in the caller's context (its operation's cluster)
            target=contextvars.copy_context().run,
            args=(self._loop, function, tasks, workers, backend, receive, on_result),
            name="dynamo-run",
            daemon=True,
        )
        self._thread.start()

    def _loop(
        self,
        function: Callable[..., Any],
        tasks: list[Any],
        workers: int,
        backend: str,
        receive: Callable[[Message], None],
        on_result: Callable[[Any], None] | None,
    ) -> None:
        try:
            _hold_interrupts(backend)
            with contextlib.ExitStack() as stack:
                outputs: Iterator[Any]
                if backend == DASK:  # Dask's own futures: counts from finished tasks
                    outputs = cluster.run_tasks(
                        function, tasks, workers, self.channel, self.worker_logs
                    )
                else:
                    stack.enter_context(
                        joblib.parallel_config(**joblib_config(backend, workers, self.pool))
                    )
                    outputs = joblib.Parallel(return_as="generator_unordered")(
                        joblib.delayed(_guarded)(function, task, self.channel, self.worker_logs)
                        for task in tasks
                    )
                for output in outputs:
                    if isinstance(output, _Raised):
                        self._fail(output.exception())
                        continue
                    self.results.append(output)
                    receive(Finished(output))
                    if on_result:
                        on_result(output)
        except BaseException as error:  # joblib's own (a worker process died), or on_result's
            self._fail(error)
        finally:
            self._ended.set()

    def _fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error
        _stop(self.channel)

    def join(self, abandon: threading.Event | None = None) -> None:
        """Wait for every task, or until ``abandon`` is set (the workers are then told to stop,
        and not waited for). On Ctrl-C: tell the workers to stop, wait for them to end, raise
        ``KeyboardInterrupt``; a second Ctrl-C raises at once, without waiting.

        Waits on an event, not ``Thread.join``: Python 3.11's join, interrupted, can mark the
        thread stopped while it runs (bpo-45274's clean-up), and a second join returns at once.
        """
        try:  # waits in short steps: a Ctrl-C that the OS gave another thread is seen soon
            while not self._ended.wait(ABANDON_CHECK):
                if abandon is not None and abandon.is_set():
                    _stop(self.channel)
                    return
        except KeyboardInterrupt:
            _stop(self.channel)
            self._ended.wait()  # each worker ends within the request it has in flight
            raise


def _receive(consume: Callable[[Message], None] | None, message: Message | list[Message]) -> None:
    """A worker's message (or a batch of them, in order): a log record to the caller's
    logging, the rest to ``consume``."""
    if isinstance(message, list):
        for each in message:
            _receive(consume, each)
    elif isinstance(message, Logged):
        logs.emit(message.record)
    elif consume is not None:
        consume(message)


def _stop_on_cancel(cancel: Any, stop: Any, done: threading.Event) -> None:
    """Set the workers' stop flag when ``cancel`` is set (until ``done``)."""
    while not done.is_set():
        if cancel.wait(0.05):
            with contextlib.suppress(Exception):  # the flag's owner is gone: no one to stop
                stop.set()
            return


def _drain(arrived: Any, receive: Callable[[Message], None], done: threading.Event) -> None:
    while not done.is_set():
        try:
            receive(arrived.get(timeout=0.1))
        except queue.Empty:
            continue
        except (EOFError, OSError, BrokenPipeError):  # the manager went away
            return


def _drain_now(arrived: Any, receive: Callable[[Message], None]) -> None:
    try:
        while True:
            receive(arrived.get_nowait())
    except (queue.Empty, EOFError, OSError, BrokenPipeError):
        return


# -- the worker pool an operation owns ----------------------------------------------------------
OWNED_BACKENDS = ("loky", "threading")  # run on the operation's pool (others: joblib's own)


class WorkerPool:
    """The workers of one operation: per backend, an executor made when first asked for
    (``executor``), kept for the operation's later ``run`` calls (and the warm-up's workers
    are the copy's), shut down by ``close`` (``worker_pool`` calls it when the operation
    ends). ``loky``: a loky ``ProcessPoolExecutor`` (public in loky; joblib's ``LokyBackend``
    would take its *shared* reusable executor instead), every worker ignoring SIGINT
    (``_ignore_interrupts``); ``threading``: a ``ThreadPoolExecutor``. Thread-safe (the
    warm-up thread, a run's dispatch thread and the caller use it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executors: dict[str, tuple[Executor, int]] = {}
        self.size = 1  # workers its executors are made with: the most a run asked for
        self.closed = False
        self.abandoned = False  # a run stopped waiting for its workers: close does not either

    def executor(self, backend: str, workers: int) -> Executor:
        """The pool's executor of ``backend`` (``OWNED_BACKENDS``), with at least ``workers``
        workers (one made for fewer is replaced); loky starts its processes at the first
        submit, from the submitting thread (see ``_hold_interrupts``).

        Raises
        ------
        RuntimeError
            The pool is closed (its operation ended)."""
        with self._lock:
            if self.closed:
                raise RuntimeError("the operation's worker pool is closed")
            made = self._executors.get(backend)
            if made is not None and made[1] >= workers:
                return made[0]
            if made is not None:
                self._executors.pop(backend)
                _shut_down(made[0], wait=True)
            executor = _new_executor(backend, workers)
            self._executors[backend] = (executor, workers)
            return executor

    def discard(self, backend: str) -> None:
        """Shut the executor of ``backend`` down now (loky's processes killed; nothing if none
        was made): a warm-up no one will use, or one joblib gave up (a worker died). The next
        ``executor`` call makes a new one."""
        with self._lock:
            made = self._executors.pop(backend, None)
        if made is not None:
            _shut_down(made[0], wait=not self.abandoned)

    def close(self, wait: bool = True) -> None:
        """End every worker: loky's processes are killed (the operation's tasks are done, or
        were told to stop and waited for, or abandoned: they hold nothing that needs
        finishing); threads end once their task has (waited for, unless ``wait`` is false or
        the pool was ``abandoned``). Later ``executor`` calls raise."""
        with self._lock:
            self.closed = True
            made, self._executors = list(self._executors.values()), {}
        for executor, _ in made:
            _shut_down(executor, wait=wait and not self.abandoned)


def _new_executor(backend: str, workers: int) -> Executor:
    if backend == "loky":
        # public in loky (joblib vendors it); joblib's public API offers only its shared,
        # reusable executor, which outlives the operation and others' work shares
        from joblib.externals.loky import ProcessPoolExecutor

        processes: Executor = ProcessPoolExecutor(
            max_workers=workers, initializer=_ignore_interrupts
        )
        # its first submit starts it (its workers, from this thread, and its manager thread),
        # as the caller's first would: loky's own exit handler is registered by then, so
        # ``at_exit``'s can be registered after it (and run before it)
        processes.submit(int)
        _loky_started()
        return processes
    if backend == "threading":
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dynamo-worker")
    raise ValueError(f"no worker pool of backend {backend!r}: one of {OWNED_BACKENDS}")


def _shut_down(executor: Executor, wait: bool) -> None:
    """Shut ``executor`` down: a process pool's workers are killed now (and waited for: none
    is left running), a thread pool's idle threads end, and its queued tasks are cancelled."""
    with contextlib.suppress(Exception):  # a broken executor (a worker died) ends all the same
        if isinstance(executor, ThreadPoolExecutor):
            executor.shutdown(wait=wait, cancel_futures=True)
        else:
            executor.shutdown(wait=True, kill_workers=True)  # type: ignore[call-arg]


# -- the interpreter's end while an operation runs in another thread ------------------------------
# When a program ends, Python runs ``threading``'s exit handlers (last registered first) before
# it joins threads and runs ``atexit``'s: concurrent.futures' (registered when it is imported)
# and loky's (at the first process pool's start) refuse new tasks and then wait for every task
# that runs: a copy's segment, to its end, while joblib's dispatch prints a traceback for every
# task it can no longer submit. ``at_exit``'s callbacks run before those, so an operation that
# runs in a thread of its own (a ``job.CopyJob``) can be stopped as Cancel stops it. The
# handler list has no public API: ``threading._register_atexit`` (Python 3.9+) is the one that
# concurrent.futures and loky use themselves; without it, ``atexit`` (which runs later).
_exit_callbacks: list[Callable[[], None]] = []
_exit_lock = threading.Lock()
_loky_hooked = False  # loky's exit handler is registered (a loky pool was started)
_hooked_after_loky = False  # ours is registered after it


def at_exit(callback: Callable[[], None]) -> None:
    """Run ``callback`` (once; its exceptions and a Ctrl-C during it are ignored) when the
    interpreter exits, before the worker pools' own exit handlers wait for the tasks that run
    and refuse new ones. Registering the same callback again does nothing."""
    with _exit_lock:
        if callback in _exit_callbacks:
            return
        _exit_callbacks.append(callback)
        first = len(_exit_callbacks) == 1
    if first:
        _register_exit_handler()


def _register_exit_handler() -> None:
    global _hooked_after_loky
    register = getattr(threading, "_register_atexit", None)
    _hooked_after_loky = _loky_hooked
    if register is None:
        atexit.register(_run_exit_callbacks)
        return
    with contextlib.suppress(RuntimeError):  # "can't register atexit after shutdown"
        register(_run_exit_callbacks)


def _loky_started() -> None:
    """A loky pool was started (its exit handler registered): ``at_exit``'s handler, if any,
    is registered once more, after it, so it runs first."""
    global _loky_hooked
    with _exit_lock:
        again = bool(_exit_callbacks) and not _hooked_after_loky
        _loky_hooked = True
    if again:
        _register_exit_handler()


def _run_exit_callbacks() -> None:
    """``at_exit``'s callbacks, each once (the handler may be registered twice)."""
    while True:
        with _exit_lock:
            if not _exit_callbacks:
                return
            callback = _exit_callbacks.pop(0)
        with contextlib.suppress(Exception, KeyboardInterrupt):
            callback()


_current: contextvars.ContextVar[WorkerPool | None] = contextvars.ContextVar(
    "dynamo_magic_worker_pool", default=None
)
_active = 0  # operations inside ``worker_pool`` (the last one out stops the tracker)
_active_lock = threading.Lock()
_tracker_was_running = False  # multiprocessing's tracker ran before the first operation began
_unreaped: list[int] = []  # trackers that had not exited in time: reaped by a later operation


@contextlib.contextmanager
def worker_pool() -> Iterator[WorkerPool]:
    """The worker pool of one whole operation (a copy, a truncate): ``run`` calls and the
    warm-up within the block (in this thread) use it; when the block ends (returned, failed
    or interrupted) its workers are shut down (``WorkerPool.close``), and so is the
    multiprocessing resource tracker if no operation is left and none ran before the first
    began (loky starts it with the workers; stopping one that was there before would make it
    unlink what others registered). A block within another (same thread) uses the outer
    block's pool. Operations in other threads (concurrent jobs) have pools of their own.
    """
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    global _active, _tracker_was_running
    with _active_lock:
        if _active == 0:
            _tracker_was_running = _tracker_running()
        _active += 1
    pool = WorkerPool()
    token = _current.set(pool)
    ended_well = False
    try:
        yield pool
        ended_well = True
    finally:
        _current.reset(token)
        try:
            pool.close(wait=ended_well)
        finally:
            with _active_lock:
                _active -= 1
                last = _active == 0
            if last and not _tracker_was_running and _tracker_running():
                _stop_tracker(_multiprocessing_tracker())
            _reap()


# multiprocessing's resource tracker: loky's spawn starts it (``ensure_running``) for every
# worker process it starts (joblib/loky#242), and it would outlive the operation. The standard
# library has no public way to stop it or to ask whether it runs, so these few lines read its
# private fields (Python 3.9-3.13). Loky's own resource tracker is left running: one small
# process, reused by every later copy, ending with this process.
def _multiprocessing_tracker() -> Any:
    module = sys.modules.get("multiprocessing.resource_tracker")
    return module._resource_tracker if module is not None else None


def _tracker_running() -> bool:
    """Whether this process launched multiprocessing's resource tracker and it runs."""
    tracker = _multiprocessing_tracker()
    return getattr(tracker, "_fd", None) is not None and bool(getattr(tracker, "_pid", None))


def _stop_tracker(tracker: Any) -> None:
    """Stop a resource tracker as its own ``_stop`` does (close the pipe, reap the process),
    but waiting at most ``TRACKER_EXIT_TIMEOUT``: Python 3.11's ``_stop`` waits forever if a
    forked child still holds the pipe. The next user of the tracker launches a new one."""
    if os.name != "posix":  # Windows trackers are process handles: left alone
        return
    with tracker._lock:
        fd, pid = tracker._fd, tracker._pid
        if fd is None or not pid:
            return
        tracker._fd = tracker._pid = None
        with contextlib.suppress(OSError):
            os.close(fd)  # end of file on the tracker's pipe: it cleans up and exits
    _unreaped.append(pid)
    _reap(TRACKER_EXIT_TIMEOUT)


def _reap(timeout: float = 0.0) -> None:
    """Collect stopped trackers' exit status, waiting up to ``timeout`` seconds for them."""
    deadline = time.monotonic() + timeout
    while _unreaped:
        for pid in list(_unreaped):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # already reaped (or not our child)
                done = pid
            if done:
                _unreaped.remove(pid)
        if not _unreaped or time.monotonic() >= deadline:
            return
        time.sleep(0.01)


# -- starting loky workers while a copy is planned ------------------------------------------------
# rounds of one tiny task per worker, until every worker has answered or this many seconds
# have passed (a worker slow to start on a loaded machine answers in a later round; the copy
# then starts on the workers that are up, and the others join as they come)
WARM_UP_SECONDS = 30.0
WARM_UP_TASK_SECONDS = 0.05  # each task holds its worker this long, so the others take the rest
WARM_UP_CANCEL_CHECK = 0.05  # seconds between looks at a cancel flag while waiting for workers


class WarmUp:
    """Loky workers being started in a background thread (``warm_up``); see ``wait``/``cancel``.

    They are the workers of ``pool`` (the operation's): a copy that then runs
    ``run(..., workers, "loky")`` in the same operation starts on workers that are already up
    and have imported ``modules`` (spawning and importing cost ~1 s of CPU per worker,
    measured by benchmarks/copy_cli.py). Without ``pool``, a pool of its own, which
    ``cancel`` shuts down.
    """

    def __init__(
        self,
        workers: int,
        modules: tuple[str, ...] = (),
        wanted: Callable[[], bool] | None = None,
        pool: WorkerPool | None = None,
    ):
        self.workers = workers
        self.modules = modules
        self.wanted = wanted
        self.pool = pool if pool is not None else WorkerPool()
        self.started = False  # workers were asked for (``wanted`` said yes)
        self.pids: set[int] = set()
        self.error: BaseException | None = None
        self._ended = threading.Event()  # waited on, not joined (see ``_Dispatch.join``)
        self._cancelled = threading.Event()  # no more rounds; the executor is being killed
        self._thread = threading.Thread(target=self._start, name="dynamo-warm-up", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            if self.wanted is not None and not self.wanted():
                return
            if self._cancelled.is_set():
                return
            _hold_interrupts("loky")  # loky spawns the workers from this thread
            self.started = True
            self.pool.size = max(self.pool.size, self.workers)
            executor = self.pool.executor("loky", self.pool.size)
            deadline = time.monotonic() + WARM_UP_SECONDS
            while time.monotonic() < deadline:
                if self._cancelled.is_set():
                    return
                answers = [
                    executor.submit(_worker_ready, self.modules, WARM_UP_TASK_SECONDS)
                    for _ in range(self.workers)
                ]
                self.pids.update(answer.result() for answer in answers)
                if len(self.pids) >= self.workers:
                    return
        except BaseException as exc:  # the copy starts its own workers anyway
            self.error = exc
        finally:
            self._ended.set()

    def wait(self, cancel: threading.Event | None = None) -> None:
        """Block until the workers are up (a failure is only kept: the copy spawns anew), or
        ``cancel`` is set. Ctrl-C interrupts it (the warm-up goes on: ``cancel()`` ends it)."""
        while not self._ended.is_set() and not (cancel is not None and cancel.is_set()):
            self._ended.wait(None if cancel is None else WARM_UP_CANCEL_CHECK)

    @property
    def running(self) -> bool:
        """The warm-up thread has not ended yet."""
        return not self._ended.is_set()

    def cancel(self) -> None:
        """The workers will not be used (planning failed, was refused or interrupted, chose
        threads, or the copy ended): stop the warm-up at once, without waiting for the workers
        to finish starting, and shut the pool's loky executor down with the workers it has
        started or is starting, so no process is left behind. Returns once the warm-up thread
        has ended (its wait for an answer fails as soon as the executor is killed)."""
        self._cancelled.set()
        while not self._ended.is_set():
            if self.started:
                self.pool.discard("loky")
            self._ended.wait(WARM_UP_CANCEL_CHECK)
        if self.started:
            self.pool.discard("loky")  # made after the last look, or the workers that are up


def warm_up(
    workers: int,
    backend: str,
    modules: tuple[str, ...] = (),
    wanted: Callable[[], bool] | None = None,
) -> WarmUp | None:
    """Start ``workers`` loky worker processes of this operation's pool (``worker_pool``; a
    pool of the warm-up's own outside one) in the background, each importing ``modules``
    (``None`` when ``backend`` is not loky, or for one worker, which joblib runs in this
    process). ``wanted``, if given, runs first in the background thread and decides whether
    to start them at all (an exception counts as no). Call ``wait()`` before running tasks
    on them, ``cancel()`` if they will not be used."""
    if backend != "loky" or workers < 2:
        return None
    return WarmUp(workers, modules, wanted, _current.get())


def _worker_ready(modules: tuple[str, ...], seconds: float) -> int:
    """Runs in a worker: import ``modules`` now rather than with the first real task, hold
    the worker briefly (so the other workers take the other tasks), say which process this is."""
    import importlib
    import os
    import time

    for name in modules:
        importlib.import_module(name)
    time.sleep(seconds)
    return os.getpid()
