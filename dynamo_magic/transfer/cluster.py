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
- **the capacity budget** (``limits.register``): one budget for the whole cluster. Its
  ``TokenBucket`` stays in the caller's process (a ``Dispenser``), which hands its units out
  as grants (``GRANT_SECONDS`` of the rate each) on a ``distributed.Queue``, one waiting at a
  time; a worker's ``GrantMeter`` takes grants until a request is paid for (polling, so a stop
  wakes it) and keeps what is left for its next one. Throttling and each task's final
  balance (units left over or owed) go back on a second queue, so the bucket slows the whole
  cluster when DynamoDB pushes back, and the units a result reports are those the finished
  tasks' calls cost.

Workers build their own boto3 clients from their own environment (profiles, a role): tasks
carry environments by name, never credentials. A worker's ``distributed`` objects are bound
to it in the task's thread (``_on_worker``), where ``distributed.get_client`` works.

``distributed`` is imported on first use: it is an optional dependency (``dynamo_magic[dask]``).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import pickle
import queue
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..dynamodb import retry
from ..dynamodb.capacity import FIRST_READ_ESTIMATE, BucketState, Budget, Meter, TokenBucket
from ..errors import ClusterUnavailable, literal
from . import channels, limits, parallel

log = logging.getLogger(__name__)

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
        _probe(scheduler, seconds)  # a Client of a port that answers but is no scheduler hangs
        dask_client = distributed.Client(scheduler, timeout=seconds, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ClusterUnavailable(
            f"Dask scheduler '{literal(scheduler)}' unreachable within {seconds:g} s "
            f"({literal(_first_line(error))}): check the address (a scheduler listens on "
            "8786 unless started with another port; 8787 is its dashboard), or start one "
            "with `dask scheduler`",
            parameters=("scheduler",),
        ) from None
    except (ValueError, TypeError) as error:
        raise ClusterUnavailable(
            f"{{scheduler}} '{literal(scheduler)}' is not a scheduler address "
            f"({literal(_first_line(error))}): give tcp://HOST:PORT",
            parameters=("scheduler",),
        ) from None
    return Cluster(dask_client, scheduler, 0, owned=True)


def _probe(scheduler: str, seconds: float) -> None:
    """Ask ``scheduler`` who it is (the ``identity`` call every Dask server answers) on a
    connection of its own, in a thread of its own, for at most ``seconds``: a
    ``distributed.Client`` of a port where something else listens (the dashboard's 8787, an
    SSH server) waits for its handshake forever, or reads a banner as a frame length.

    Raises
    ------
    ClusterUnavailable
        Something answers at the address but it is not a Dask scheduler.
    TimeoutError
        Nothing answered within ``seconds``.
    OSError, ValueError, TypeError
        As ``distributed.comm.connect`` raises them (unreachable; not an address).
    """
    import asyncio

    from distributed.comm import connect

    async def ask() -> Any:
        comm = await connect(scheduler, timeout=seconds)
        try:
            await comm.write({"op": "identity"})
            return await comm.read()
        finally:
            comm.abort()

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["answer"] = asyncio.run(asyncio.wait_for(ask(), seconds))
        except BaseException as error:  # handed to the caller's thread, raised there
            outcome["error"] = error

    thread = threading.Thread(target=run, name="dynamo-scheduler-probe", daemon=True)
    thread.start()
    thread.join(seconds + 1)
    error = outcome.get("error")
    if thread.is_alive() or isinstance(error, asyncio.TimeoutError | TimeoutError):
        raise TimeoutError(f"no answer within {seconds:g} s")
    if isinstance(error, OSError | ValueError | TypeError):
        raise error
    answer = outcome.get("answer")
    if error is not None or not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        what = (
            f"a Dask {answer['type']}"
            if isinstance(answer, dict) and "type" in answer
            else ("something that is not a Dask scheduler")
        )
        raise ClusterUnavailable(
            f"{{scheduler}} '{literal(scheduler)}' answers, but as {what}: give the "
            "scheduler's address (port 8786 unless it was started with another; 8787 is its "
            "dashboard)",
            parameters=("scheduler",),
        )


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
        what = getattr(task, "name", None) or getattr(function, "__name__", "task")
        name = str(what).replace(" ", "_")  # the dashboard's row: copy, verify-source, ...
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
    """Runs on a Dask worker, in the task's thread: binds the channel's queue, stop flag and
    budget to this worker's client (threads the task starts could not find it), runs the task
    as every backend does (``parallel._guarded``), and at its end settles its share of the
    capacity budget (``GrantMeter.settle_up``)."""
    meters = [m for m in (channel.budget.reads, channel.budget.writes) if m is not None]
    for part in (channel.messages, channel.flag, *meters):
        bind = getattr(part, "bind", None)
        if bind is not None:
            bind()
    try:
        return parallel._guarded(function, task, channel, worker_logs)
    finally:
        for meter in meters:
            if isinstance(meter, GrantMeter):
                meter.settle_up()


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


# -- the capacity budget ----------------------------------------------------------------------
GRANT_SECONDS = 0.1  # seconds of the budget's rate in one grant; the dispenser's pace
TAKE_EVERY = 0.05  # seconds between a worker's looks for a grant while it waits for one


class GrantMeter(Meter):
    """A task's end of one budget on the cluster (``Dispenser``): ``acquire`` takes grants
    (one round trip to the scheduler each) until the request's units are paid for, and keeps
    the rest as its ``balance`` for the next request; ``charge`` settles a request's real cost
    against that balance (no round trip); ``throttled`` tells the dispenser (one round trip).
    The task's end (``settle_up``) sends back the units its calls cost and the balance it
    holds (left over, or owed by a request that cost more than it reserved).

    Pickled by name: each task gets its own, bound to its worker's client (``bind``). The
    caller's own (``dispenser`` given) answers ``state``."""

    def __init__(self, name: str, dispenser: Dispenser | None = None):
        # every method of ``Meter`` is its own here: no bucket (grants); the read estimate
        self.estimate = FIRST_READ_ESTIMATE
        self.name = name
        self._dispenser = dispenser
        self._grants: Any = None
        self._returns: Any = None
        self.balance = 0.0  # units paid for and not yet used (negative: owed)
        self.used = 0.0  # units the task's calls cost
        self._lock = threading.Lock()  # the balance and the units used
        self._turn = threading.Lock()  # held by the thread waiting for grants

    def __reduce__(self) -> tuple[Any, ...]:
        return (GrantMeter, (self.name,))

    def bind(self) -> None:
        """The budget's queues, made with this process's client (in a worker: its task's
        thread)."""
        if self._grants is None:
            import distributed

            client = _worker_client()
            self._grants = distributed.Queue(f"{self.name}-grants", client=client)
            self._returns = distributed.Queue(f"{self.name}-returns", client=client)

    def acquire(self, units: float, interrupt: retry.Interrupt | None = None) -> None:
        """Pay for ``units`` from the balance, taking grants while it is short; waits (on
        ``interrupt``: ``retry.Interrupted`` the moment it is set) while none is waiting.

        Raises
        ------
        retry.Interrupted
            ``interrupt`` was set, or the budget's queue is gone (its caller ended): no one
            is left to pay for the request.
        """
        self.bind()
        # a task's threads share the meter: one waits for grants at a time, so requests leave
        # one by one as they are paid for (all waiting at once would leave together, a burst)
        with self._turn:
            with self._lock:
                self.balance -= units
                self.used += units
            try:
                while not self._paid():
                    retry.pause(TAKE_EVERY * random.uniform(0.5, 1.5), interrupt)
            except retry.Interrupted:  # the request is not sent: nor is it paid for
                self.charge(units, 0.0)
                raise

    def _paid(self) -> bool:
        """The balance covers the request waiting, grants taken as needed (the balance's lock
        is not held while a thread waits: another's ``charge`` never waits for grants)."""
        with self._lock:
            if self.balance < 0:
                try:
                    taken = self._grants.get(batch=True)  # at once: [] when none is waiting
                except Exception:  # the queue was released: the operation's caller is gone
                    raise retry.Interrupted("the capacity budget's caller is gone") from None
                self.balance += sum(float(grant) for grant in taken)
            return self.balance >= 0

    def charge(self, reserved: float, used: float) -> None:
        with self._lock:
            self.balance -= used - reserved
            self.used += used - reserved

    def throttled(self) -> None:
        self.bind()
        with contextlib.suppress(Exception):  # the caller is gone: no one left to slow down
            self._returns.put(["throttled"])

    def settle_up(self) -> None:
        """The task ended: send back the units it used and its balance (once)."""
        with self._lock:
            used, balance, self.used, self.balance = self.used, self.balance, 0.0, 0.0
        if (used or balance) and self._returns is not None:
            with contextlib.suppress(Exception):
                self._returns.put(["settled", used, balance])

    def state(self) -> BucketState:
        """The budget's figures (the caller's meter only: ``Dispenser.state``)."""
        if self._dispenser is None:
            raise RuntimeError("a cluster budget's state is read where it was opened")
        return self._dispenser.state()


class Dispenser:
    """One budget of ``rate`` units per second for every worker of a cluster: a
    ``TokenBucket`` in the caller's process (throttling slows it; it holds at most a second of
    its rate: ``dynamodb.capacity``) and a thread that takes ``GRANT_SECONDS`` of the current
    rate from it whenever the grants queue is empty and puts them there, so grants leave at
    the bucket's rate and at most one waits. What tasks send back (``GrantMeter``) slows the
    rate (throttled) or settles what a task took against what it used: units left over go
    back into the bucket, units owed are taken from it."""

    def __init__(self, rate: float, dask_client: Any, name: str):
        import distributed

        self.bucket = TokenBucket(rate)
        self.name = name
        self._grants = distributed.Queue(f"{name}-grants", client=dask_client)
        self._returns = distributed.Queue(f"{name}-returns", client=dask_client)
        self._used = 0.0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._dispense, name="dynamo-budget", daemon=True)
        self._thread.start()

    def _dispense(self) -> None:
        try:
            while not self._closed.is_set():
                self._take_returns()
                if self._grants.qsize():
                    self._closed.wait(GRANT_SECONDS)
                    continue
                grant = self.bucket.state().rate * GRANT_SECONDS
                if self._closed.wait(self.bucket.reserve(grant)):
                    break
                self._grants.put(grant)
        except Exception as error:  # the cluster went away: the operation's tasks fail too
            if not self._closed.is_set():
                log.warning("capacity budget on the cluster stopped: %s", _first_line(error))

    def _take_returns(self) -> None:
        with self._lock:
            for entry in self._returns.get(batch=True):
                if entry[0] == "throttled":
                    self.bucket.throttled()
                else:  # ["settled", used, balance]: a task's end
                    self._used += float(entry[1])
                    self.bucket.settle(-float(entry[2]))

    def state(self) -> BucketState:
        """The bucket's figures, ``consumed`` being what the calls of every task that ended
        cost (a task cut off by its worker's death reports none; Dask's rerun of it does)."""
        with contextlib.suppress(Exception):
            self._take_returns()
        now = self.bucket.state()
        return BucketState(now.asked, now.rate, self._used, now.throttles)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        for part in (self._grants, self._returns):
            with contextlib.suppress(Exception):
                part.close()


@contextlib.contextmanager
def _open_budget(asked: limits.Limits) -> Iterator[Budget]:
    """The budget of an operation on the current cluster (``limits.open_budget``): a
    ``Dispenser`` per limited kind, closed when the block ends."""
    dask_client = current().dask_client
    run = uuid.uuid4().hex
    opened: dict[str, Dispenser] = {}
    try:
        for kind, rate in (("reads", asked.reads.units), ("writes", asked.writes.units)):
            if rate is not None:
                opened[kind] = Dispenser(rate, dask_client, f"dynamo_magic-{kind}-{run}")
        meters = {kind: GrantMeter(dispenser.name, dispenser) for kind, dispenser in opened.items()}
        yield Budget(reads=meters.get("reads"), writes=meters.get("writes"))
    finally:
        for dispenser in opened.values():
            dispenser.close()


limits.register(DASK, _open_budget)


# -- what workers must reach ------------------------------------------------------------------
def check_workers(envs: list[Any], transform: Any = None) -> None:
    """On the operation's cluster (none: nothing done), check before anything is written that
    every worker can build the clients of ``envs`` (``environments.Environment``: its own AWS
    profiles or role, as the caller's process can) and load ``transform`` (a function pickled
    as Dask pickles a task: by reference to its module unless defined in ``__main__``).

    Raises
    ------
    ClusterUnavailable
        A worker that cannot, named by its address, with what it lacks and what to do.
    """
    cluster = _current.get()
    if cluster is None:
        return
    import cloudpickle

    shipped = cloudpickle.dumps(transform) if transform is not None else None
    answers = cluster.dask_client.run(_worker_problem, envs, shipped, on_error="return")
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            answer = f"its check failed ({_first_line(answer)})"
        if answer:
            raise ClusterUnavailable(f"Dask worker {literal(worker)} {literal(answer)}")


def _worker_problem(envs: list[Any], shipped: bytes | None) -> str | None:
    """Runs on each worker (``check_workers``): what it cannot do, in words, or ``None``."""
    from ..dynamodb import clients

    for env in envs:
        try:
            clients.client(env)
        except Exception as error:
            return (
                f"cannot reach environment '{env.label}' ({_first_line(error)}): give the "
                "worker the AWS profiles or role of every environment the operation uses "
                "(AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE where it starts, or its "
                "instance role)"
            )
    if shipped is not None:
        try:
            pickle.loads(shipped)
        except Exception as error:
            return (
                f"cannot load the transform ({_first_line(error)}): install its module on "
                "every worker (or define the function in the notebook or script itself)"
            )
    return None
