"""Every operation owns its worker pool (issue 16 §1): loky processes or threads made for it,
the same workers for all its ``run`` calls, ended with its ``worker_pool`` block; joblib's
shared reusable executor (a notebook's own loky work) is neither used nor touched, and any
other joblib backend name still goes to joblib (the seam a Dask cluster plugs into)."""

from __future__ import annotations

import os
import threading
from typing import Any

import joblib
import psutil
import pytest
from joblib.externals.loky import get_reusable_executor
from joblib.parallel import ThreadingBackend

import dynamo_magic.api as api
from dynamo_magic.transfer import parallel

from conftest import A, B, client_for, loky_workers
from tables import create_events, events_items, put_all, scan_all

REAP_SECONDS = 10.0  # killed workers get this long to be reaped (a guard, not a measurement)


def whose(task: int, channel: Any) -> tuple[int, int]:
    """A task: the worker process and thread that ran it."""
    return os.getpid(), threading.get_ident()


def die(task: int, channel: Any) -> int:
    """A task whose worker process dies (as ``kill -9`` of a worker would end it)."""
    os._exit(1)


def gone(pids: set[int]) -> bool:
    processes = []
    for pid in pids:
        try:
            processes.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
    _, alive = psutil.wait_procs(processes, timeout=REAP_SECONDS)
    return not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def test_a_copy_in_processes_leaves_the_notebooks_own_loky_workers_alone(servers):
    """A notebook's own joblib work (loky's reusable executor, two workers, as a copy with two
    workers asks for) keeps its workers through a copy in processes: the copy runs on
    processes of its own, which are gone when it returns."""
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=4, per_device=25))
    create_events(client_for(B))
    theirs = get_reusable_executor(max_workers=2, timeout=600)  # not idle-ended (10 s)
    try:
        assert theirs.submit(abs, -1).result() == 1
        their_workers = loky_workers()
        assert len(their_workers) == 2
        seen: set[int] = set()

        class Watching(parallel.NoProgress):
            def advance(self, count: int) -> None:
                seen.update(loky_workers() - their_workers)

        result = api.copy(
            "events", source=A, target=B, yes=True, backend="loky", workers=2, progress=Watching()
        )
        assert result.ok and result.written == 100 == len(scan_all(client_for(B), "events"))
        assert seen, "the copy ran on the notebook's workers"
        assert their_workers <= loky_workers(), "the copy ended the notebook's workers"
        assert theirs.submit(abs, -2).result() == 2  # still usable
        assert gone(seen), "the copy's workers outlived it"
    finally:
        theirs.shutdown(wait=True, kill_workers=True)


def test_an_operations_warm_up_and_runs_share_its_processes_which_end_with_it():
    tasks = list(range(4))
    with parallel.worker_pool() as pool:
        warming = parallel.warm_up(2, "loky")
        assert warming is not None and warming.pool is pool
        warming.wait()
        assert warming.error is None and len(warming.pids) == 2
        first = parallel.run(whose, tasks, 2, "loky")
        second = parallel.run(whose, tasks, 2, "loky")
        used = {pid for pid, _ in first + second}
        assert used <= warming.pids  # the warmed workers ran both runs
        assert os.getpid() not in used
    assert pool.closed
    assert gone(warming.pids)
    with pytest.raises(RuntimeError, match="worker pool is closed"):
        pool.executor("loky", 2)


def test_concurrent_operations_have_pools_of_their_own():
    """Two operations in two threads (two copy jobs): neither uses the other's threads, and
    each pool's threads end with its operation."""
    pools: dict[str, parallel.WorkerPool] = {}
    threads_of: dict[str, set[int]] = {}
    both_in = threading.Barrier(2)

    def operation(name: str) -> None:
        with parallel.worker_pool() as pool:
            pools[name] = pool
            both_in.wait(10)  # the other operation is under way too
            threads_of[name] = {t for _, t in parallel.run(whose, range(8), 2, "threading")}
            both_in.wait(10)

    runners = [threading.Thread(target=operation, args=(n,)) for n in ("one", "two")]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(30)
    assert pools["one"] is not pools["two"] and pools["one"].closed and pools["two"].closed
    assert threads_of["one"] and threads_of["two"]
    assert not threads_of["one"] & threads_of["two"]
    alive = {t.ident for t in threading.enumerate()}
    assert not (threads_of["one"] | threads_of["two"]) & alive  # ended with their operation


def test_a_worker_process_that_dies_fails_the_run_and_the_next_run_gets_new_ones():
    with parallel.worker_pool():
        with pytest.raises(Exception, match=r"(?i)terminated|died|killed|broken"):
            parallel.run(die, range(2), 2, "loky")
        after = parallel.run(whose, range(2), 2, "loky")
    assert len(after) == 2 and gone({pid for pid, _ in after})


class CountingThreads(ThreadingBackend):  # type: ignore[misc]
    submitted = 0

    def submit(self, func: Any, callback: Any = None) -> Any:
        CountingThreads.submitted += 1
        return super().submit(func, callback)


def test_another_joblib_backend_name_runs_through_joblib():
    """A backend registered with joblib (as joblib's ``dask`` is) is used by name, not
    replaced by the operation's pool."""
    joblib.register_parallel_backend("dm-test-counting", CountingThreads)
    CountingThreads.submitted = 0
    results = parallel.run(whose, range(3), 2, "dm-test-counting")
    assert len(results) == 3 and CountingThreads.submitted >= 3
