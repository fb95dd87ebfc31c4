"""The joblib backend that runs ``Parallel`` on an executor one operation owns.

joblib's own ``loky`` backend runs on loky's *reusable* executor: one per process, shared by
every ``Parallel`` call that asks for the same settings, kept alive for joblib's idle timeout
(300 s) after the last call, and reachable only through private names. A copy wants the
opposite: workers that belong to it, are warm for all its phases (copy, deletes,
verification) and end with it. ``PoolBackend`` is a backend in joblib's public backend API
(``joblib.parallel.ParallelBackendBase``, given to ``joblib.parallel_config(backend=...)`` as
an instance) that submits to an executor the caller owns (``parallel.WorkerPool``: a loky
``ProcessPoolExecutor`` or a ``concurrent.futures.ThreadPoolExecutor``) and leaves its end to
the owner. ``Parallel`` is used as before (results as they finish, ``delayed`` calls); only
where the calls run changes. Any other backend name (``"dask"``, a registered one) still goes
to joblib as a name: this module is not in that path.

Imported on first use (it imports joblib: ~0.15 s, with numpy).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from joblib.parallel import ParallelBackendBase


class PoolBackend(ParallelBackendBase):  # type: ignore[misc]  # joblib has no type hints
    """Runs a ``Parallel`` call's batches on ``executor()`` (called at the first submit, so a
    call that joblib runs in the calling thread, one job, makes no executor); ``abort`` runs
    when joblib gives the call up (a worker process died: its executor is broken) and must
    leave the owner able to make a fresh executor. ``threads``: the executor's workers are
    threads of this process (joblib then allows ``require="sharedmem"``)."""

    supports_retrieve_callback = True  # results as they finish (``return_as="generator..."``)
    default_n_jobs = 1

    def __init__(
        self,
        executor: Callable[[], Executor],
        abort: Callable[[], None],
        threads: bool,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._executor = executor
        self._abort = abort
        self.uses_threads = self.supports_sharedmem = threads

    def effective_n_jobs(self, n_jobs: int | None) -> int:
        """``n_jobs`` as asked (at least 1): the owner sized the executor."""
        return max(1, n_jobs or 1)

    def configure(self, n_jobs: int = 1, parallel: Any = None, **backend_kwargs: Any) -> int:
        """No executor is made here (joblib's options for its own backends are ignored)."""
        self.parallel = parallel
        return self.effective_n_jobs(n_jobs)

    def submit(self, func: Callable[[], Any], callback: Any = None) -> Future[Any]:
        future = self._executor().submit(func)
        if callback is not None:
            future.add_done_callback(callback)
        return future

    def retrieve_result_callback(self, out: Future[Any]) -> Any:
        return out.result()

    def abort_everything(self, ensure_ready: bool = True) -> None:
        """joblib gave the call up: the owner drops the executor (killing its processes) and
        makes a new one if it is asked again."""
        self._abort()

    def terminate(self) -> None:
        """The end of a ``Parallel`` call: the executor stays for the operation's next call
        (its owner shuts it down when the operation ends)."""
