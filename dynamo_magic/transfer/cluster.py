"""Running an operation's tasks on a Dask cluster (``backend="dask"``).

An operation that runs on Dask (a copy, an export, an import) is wrapped in ``connected``: it
reaches the scheduler (the address given, or the caller's active ``distributed.Client``),
checks the cluster before anything is written (``preflight``: workers there, each with this
version of dynamo_magic), and makes that ``Cluster`` the operation's for ``parallel.run``,
the channels and the capacity budget. Then:

- **tasks** (``run_tasks``): each task (a scan segment, an export or import file) is one Dask
  task (``client.submit``, ``pure=False``), at most ``workers`` of them submitted at a time,
  results taken as they finish (``distributed.as_completed``). Dask reruns a task whose worker
  died (the nanny restarts the worker): tasks are idempotent, and counts come from finished
  tasks' results only. A task Dask gave up on (``KilledWorker``) or one that could not run
  (a worker unable to unpickle it) fails the operation with its result, resumable from its
  checkpoint.
- **messages and the stop flag** (``channels.register``): a ``distributed.Queue`` (progress,
  retries, checkpoints, failures, log records; pickled, as the queue carries only msgpack
  data) and a ``distributed.Event``, both kept by the scheduler, so workers on other machines
  reach them.
- **the capacity budget**: not on a cluster yet (``limits.open_budget`` refuses it): a
  bucket hosted as a Dask actor hung in its first test and was left out.

Workers build their own boto3 clients from their own environment (profiles, a role): tasks
carry environments by name, never credentials. A worker's ``distributed`` objects are bound
to it in the task's thread (``_on_worker``), where ``distributed.get_client`` works.

``distributed`` is imported on first use: it is an optional dependency (``dynamo_magic[dask]``).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import pickle
import queue
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import ClusterUnavailable, literal
from . import channels, parallel

DASK = parallel.DASK  # the backend's name
CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler before it counts as unreachable
WORKERS_TIMEOUT = 5.0  # seconds a scheduler without workers gets for one to join
POLL_EVERY = 0.1  # seconds between looks at the message queue when asked to wait forever
INSTALL = "pip install 'dynamo_magic[dask]'"
# run on every worker by ``client.run``: a builtin (pickled by name), so a worker without the
# package answers with its ImportError instead of failing to load the probe
VERSION_PROBE = "__import__('dynamo_magic').__version__"


@dataclass
class Cluster:
    """The Dask cluster one operation runs on: its ``dask_client`` (a ``distributed.Client``),
    ``address`` and worker
    ``threads`` (all workers': the tasks it runs at once); ``owned``: connected for this
    operation (closed when it ends), else the caller's own client (left open)."""

    dask_client: Any
    address: str
    threads: int
    owned: bool


_current: contextvars.ContextVar[Cluster | None] = contextvars.ContextVar(
    "dynamo_magic_cluster", default=None
)


def current() -> Cluster:
    """The cluster of the operation under way (``connected``).

    Raises
    ------
    ClusterUnavailable
        No operation on Dask is under way in this thread.
    """
    cluster = _current.get()
    if cluster is None:
        raise ClusterUnavailable(
            "backend 'dask' runs inside an operation connected to a cluster; give "
            "{backend} 'dask' to copy, export or import"
        )
    return cluster


@contextlib.contextmanager
def connected(backend: str | None, scheduler: str | None = None) -> Iterator[Cluster | None]:
    """For ``backend == "dask"``: the operation's cluster, reached and checked (``connect``,
    ``preflight``) before the block runs, current for ``parallel.run`` within it, and its
    client closed when the block ends if this made it. Any other backend: ``None``, nothing
    done. A block inside another (same thread) uses the outer block's cluster.

    Raises
    ------
    ClusterUnavailable
        ``scheduler`` given without ``backend="dask"``; ``distributed`` not installed; the
        scheduler unreachable; no workers; a worker without dynamo_magic or with another
        version. One line each, before anything is read or written.
    """
    if backend != DASK:
        if scheduler is not None:
            raise ClusterUnavailable(
                f"{{scheduler}} '{literal(scheduler)}' is for {{backend}} 'dask' only: give "
                "both, or neither",
                parameters=("scheduler", "backend"),
            )
        yield None
        return
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    cluster = connect(scheduler)
    token = None
    try:
        preflight(cluster)
        token = _current.set(cluster)
        yield cluster
    finally:
        if token is not None:
            _current.reset(token)
        if cluster.owned:
            with contextlib.suppress(Exception):
                cluster.dask_client.close()


def connect(scheduler: str | None, timeout: float | None = None) -> Cluster:
    """A client of the scheduler at ``scheduler`` (``tcp://HOST:8786``; tried for ``timeout``
    seconds, default ``CONNECT_TIMEOUT``), or with ``None`` the caller's active
    ``distributed.Client`` (``distributed.get_client()``).

    Raises
    ------
    ClusterUnavailable
        ``distributed`` is not installed, the address is unreachable or not an address, or
        there is no active client and no address.
    """
    try:
        import distributed
    except ImportError:
        raise ClusterUnavailable(
            f"backend 'dask' needs the distributed package: {INSTALL}"
        ) from None
    if scheduler is None:
        try:
            dask_client = distributed.get_client()
        except ValueError:
            raise ClusterUnavailable(
                "backend 'dask' without {scheduler}: no active distributed.Client; give the "
                "scheduler's address (tcp://HOST:8786) or start a Client first",
                parameters=("scheduler",),
            ) from None
        return Cluster(dask_client, dask_client.scheduler.address, 0, owned=False)
    seconds = CONNECT_TIMEOUT if timeout is None else timeout
    try:
        dask_client = distributed.Client(scheduler, timeout=seconds, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ClusterUnavailable(
            f"Dask scheduler '{literal(scheduler)}' unreachable within {seconds:g} s "
            f"({literal(_first_line(error))}): check the address, or start one with "
            "`dask scheduler`",
            parameters=("scheduler",),
        ) from None
    except (ValueError, TypeError) as error:
        raise ClusterUnavailable(
            f"{{scheduler}} '{literal(scheduler)}' is not a scheduler address "
            f"({literal(_first_line(error))}): give tcp://HOST:PORT",
            parameters=("scheduler",),
        ) from None
    return Cluster(dask_client, scheduler, 0, owned=True)


def preflight(cluster: Cluster) -> None:
    """Check ``cluster`` can run our tasks, and count its worker threads: at least one worker
    (waiting ``WORKERS_TIMEOUT`` seconds for one to join), and every worker able to import
    dynamo_magic of this very version (``VERSION_PROBE`` run on each: a task pickled by one
    version may not load in another).

    Raises
    ------
    ClusterUnavailable
        No worker; a worker without the package (``pip install`` it there) or with another
        version, named by its address.
    """
    from .. import __version__  # set once the package has loaded

    dask_client = cluster.dask_client
    if not dask_client.nthreads():
        try:
            dask_client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except (TimeoutError, OSError):
            raise ClusterUnavailable(
                f"Dask scheduler '{literal(cluster.address)}' has no workers: start some with "
                f"`dask worker {literal(cluster.address)}`"
            ) from None
    answers = dask_client.run(eval, VERSION_PROBE, on_error="return")
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            raise ClusterUnavailable(
                f"Dask worker {literal(worker)} cannot import dynamo_magic "
                f"({literal(_first_line(answer))}): install it there ({INSTALL}=={__version__})"
            )
        if answer != __version__:
            raise ClusterUnavailable(
                f"Dask worker {literal(worker)} has dynamo_magic {literal(str(answer))}, this "
                f"process {__version__}: install the same version on every worker"
            )
    cluster.threads = sum(dask_client.nthreads().values())


def _first_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


# -- tasks ----------------------------------------------------------------------------------
def run_tasks(
    function: Callable[..., Any],
    tasks: list[Any],
    jobs: int,
    channel: channels.Channel,
    worker_logs: Any,
) -> Iterator[Any]:
    """``parallel._guarded(function, task, channel, worker_logs)`` of every task on the
    current cluster, at most ``jobs`` at a time; their values as they finish. A task whose
    future raised (``KilledWorker``: Dask gave up after its workers died; a task a worker
    could not load) yields a ``parallel._Raised`` in its place, as a task's own exception
    does. Tasks still queued or running when the caller stops iterating are cancelled."""
    import distributed

    dask_client = current().dask_client
    waiting = iter(tasks)
    running = distributed.as_completed(loop=dask_client.loop)
    submitted = []

    def submit(task: Any) -> None:
        name = str(getattr(task, "name", "task")).replace(" ", "_")
        future = dask_client.submit(
            _on_worker,
            function,
            task,
            channel,
            worker_logs,
            key=f"dynamo_magic-{name}-{uuid.uuid4().hex}",
            pure=False,
        )
        submitted.append(future)
        running.add(future)

    try:
        for task in itertools.islice(waiting, max(1, jobs)):
            submit(task)
        for future in running:
            try:
                yield future.result()
            except Exception as error:  # KilledWorker, a task that could not be loaded
                yield parallel._Raised(error, "")
            following = next(waiting, None)
            if following is not None:
                submit(following)
    finally:
        unfinished = [future for future in submitted if not future.done()]
        if unfinished:
            with contextlib.suppress(Exception):
                dask_client.cancel(unfinished)


def _on_worker(
    function: Callable[..., Any], task: Any, channel: channels.Channel, worker_logs: Any
) -> Any:
    """Runs on a Dask worker, in the task's thread: binds the channel's queue and stop flag
    to this worker's client (threads the task starts could not find it), then runs the
    task as every backend does (``parallel._guarded``)."""
    for part in (channel.messages, channel.flag):
        bind = getattr(part, "bind", None)
        if bind is not None:
            bind()
    return parallel._guarded(function, task, channel, worker_logs)


# -- channels ---------------------------------------------------------------------------------
def _worker_client() -> Any:
    import distributed

    return distributed.get_client()


class Messages:
    """A channel's queue on the cluster: a ``distributed.Queue`` (kept by the scheduler) of
    pickled messages; what ``channels.Queue`` needs (``get`` raises ``queue.Empty``)."""

    def __init__(self, name: str, client: Any = None):
        self.name = name
        self._client = client
        self._queue: Any = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Messages, (self.name,))

    def bind(self) -> Any:
        """The queue, made with this process's client (in a worker: its task's thread)."""
        if self._queue is None:
            import distributed

            client = self._client if self._client is not None else _worker_client()
            self._queue = distributed.Queue(self.name, client=client)
        return self._queue

    def put(self, item: Any) -> None:
        self.bind().put(pickle.dumps(item))

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Every message waiting, as one list; none: ``queue.Empty`` after ``timeout``
        seconds (the scheduler is asked twice, not made to wait: it logs a wait that times
        out as an error)."""
        try:
            return self.get_nowait()
        except queue.Empty:
            if not block:
                raise
        time.sleep(POLL_EVERY if timeout is None else timeout)
        return self.get_nowait()

    def get_nowait(self) -> Any:
        """Every message waiting, as one list."""
        waiting = self.bind().get(batch=True)
        if not waiting:
            raise queue.Empty
        return [pickle.loads(each) for each in waiting]

    def close(self) -> None:
        if self._queue is not None:
            with contextlib.suppress(Exception):
                self._queue.close()


class Flag:
    """A channel's stop flag on the cluster: a ``distributed.Event`` (kept by the scheduler).
    ``mirror_key``: workers read a local copy (``channels._local_flag``), not the scheduler's
    flag before every request."""

    def __init__(self, name: str, client: Any = None):
        self.name = name
        self._client = client
        self._event: Any = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Flag, (self.name,))

    @property
    def mirror_key(self) -> tuple[str, str]:
        return (DASK, self.name)

    def bind(self) -> Any:
        """The event, made with this process's client (in a worker: its task's thread)."""
        if self._event is None:
            import distributed

            client = self._client if self._client is not None else _worker_client()
            self._event = distributed.Event(self.name, client=client)
        return self._event

    def set(self) -> None:
        self.bind().set()

    def is_set(self) -> bool:
        return bool(self.bind().is_set())

    def wait(self, timeout: float | None = None) -> bool:
        return bool(self.bind().wait(timeout))


@contextlib.contextmanager
def _open_channel() -> Iterator[tuple[Messages, Flag]]:
    """A queue and a stop flag on the current cluster; when the block ends the flag is set
    (the workers' watchers of it end: every task has) and the queue released."""
    dask_client = current().dask_client
    run = uuid.uuid4().hex
    messages = Messages(f"dynamo_magic-messages-{run}", dask_client)
    stop = Flag(f"dynamo_magic-stop-{run}", dask_client)
    messages.bind()
    try:
        yield messages, stop
    finally:
        with contextlib.suppress(Exception):
            stop.set()
        messages.close()


channels.register(DASK, _open_channel)
