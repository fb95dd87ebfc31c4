"""Start-up of a copy (issue 6 §8): the CLI's copy path imports no pandas or IPython, in the
parent or in its workers, and loky workers are started while the copy is planned, with nothing
left behind when the plan is refused or fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import dynamo_magic
from dynamo_magic import lazy
from dynamo_magic.errors import ConfirmationRequired, TableNotFound
from dynamo_magic.transfer import parallel

from conftest import A, B, client_for, loky_workers, subprocess_env
from tables import create_orders, keyed, orders_items, put_all, scan_all

FRAME_PACKAGES = ("pandas", "IPython", "ipywidgets", "traitlets", "matplotlib", "pyarrow")

# Run in a fresh interpreter: the copy command through the CLI's own entry point (loky workers
# forced, as for a large table), then which of FRAME_PACKAGES the parent and one of its workers
# had loaded. The worker check is a function pickled by value (defined in __main__), so it runs
# in the copy's own worker processes, which must have run copy tasks: they hold
# dynamo_magic.transfer.tasks (a fresh worker would not, and the check would prove nothing). The
# copy's pool is normally shut down when it returns: the script keeps it for the check.
COPY_AND_REPORT = f"""
import json, sys
from dynamo_magic import cli
from dynamo_magic.transfer import parallel
kept = []
parallel.WorkerPool.close = lambda self, wait=True: kept.append(self)  # keep the copy's workers
code = cli.main(sys.argv[1:])

def loaded():
    import os, sys, time
    time.sleep(0.2)  # the other worker takes the other call
    return os.getpid(), sorted(m for m in sys.modules if m.split(".")[0] in {FRAME_PACKAGES!r}), (
        "dynamo_magic.transfer.tasks" in sys.modules)

(pool,) = kept  # the copy's one pool: the warm-up's workers ran its phases
executor = pool.executor("loky", 2)
workers = [call.result() for call in [executor.submit(loaded) for _ in range(2)]]
parent = sorted(m for m in sys.modules if m.split(".")[0] in {FRAME_PACKAGES!r})
print(json.dumps({{"code": code, "parent": parent, "workers": workers}}))
"""


def test_cli_copy_imports_no_dataframe_or_notebook_packages(servers):
    client = client_for(A)
    create_orders(client)
    put_all(client, "orders", orders_items())
    argv = ["copy", "-t", "orders", "-src", A, "-tgt", B, "--yes", "--no-progress"]
    run = subprocess.run(
        [sys.executable, "-c", COPY_AND_REPORT, *argv, "--backend", "loky", "--workers", "2"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, run.stdout + run.stderr
    assert "copy OK" in run.stdout
    assert keyed(scan_all(client_for(B), "orders")) == keyed(scan_all(client, "orders"))
    assert report["parent"] == [], f"the copy command loaded {report['parent']}"
    for pid, modules, ran_copy_tasks in report["workers"]:
        assert ran_copy_tasks, f"worker {pid} is not one the copy used"
        assert modules == [], f"copy worker {pid} loaded {modules}"


def test_the_module_check_sees_pandas_when_a_frame_is_made(servers):
    """Not vacuous: the same kind of check finds pandas once a command makes a DataFrame."""
    code = (
        "import json, sys; from dynamo_magic import cli; import dynamo_magic.codec as c;"
        "c.items_to_frame([{'a': {'S': 'x'}}]);"
        f"print(json.dumps([m for m in {FRAME_PACKAGES!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env()
    )
    # pandas 3 imports pyarrow itself (its default string dtype), where pyarrow is installed
    assert set(json.loads(out.stdout)) - {"pyarrow"} == {"pandas"}, out.stderr


def test_lazy_module_imports_on_first_use_and_pandas_na_is_recognised():
    import pandas as pd

    stand_in = lazy.module("json")
    assert stand_in.dumps([1]) == "[1]"
    assert "imported" in repr(stand_in)
    assert lazy.is_pandas_na(pd.NA) and not lazy.is_pandas_na(None)
    frame = dynamo_magic.codec.items_to_frame([{"n": {"N": "1"}}, {"n": {"N": "2"}}])
    assert isinstance(frame, pd.DataFrame) and str(frame["n"].dtype) == "Int64"


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            continue
    return alive


def _gone(pids: set[int], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(pids)


def test_warm_up_starts_every_worker_and_cancel_leaves_none():
    warming = parallel.warm_up(2, "loky", ("dynamo_magic.transfer.tasks",))
    assert warming is not None
    warming.wait()
    assert warming.error is None
    assert len(warming.pids) == 2 and _alive(warming.pids) == warming.pids
    warming.cancel()
    assert _gone(warming.pids)
    assert parallel.warm_up(2, "threading") is None
    assert parallel.warm_up(1, "loky") is None  # joblib runs one worker in this process


# A seam in every loky worker's own start-up, before loky runs its initializer: a
# sitecustomize (found first through PYTHONPATH, which the workers inherit) that holds a worker
# process until the gate file exists. The test's own interpreter started before it was set.
GATE_SITE = """
import os, sys, time
gate = os.environ.get("DM_TEST_WORKER_GATE")
if gate and "--process-name" in sys.argv:  # a loky worker, not its resource tracker
    deadline = time.monotonic() + 60  # a hang guard
    while not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.02)
"""
HANG_GUARD = 30  # seconds: not a measurement; the fixed code returns in well under one


@pytest.fixture
def worker_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The gate file: new loky workers are held in their start-up until it exists."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GATE_SITE)
    gate = tmp_path / "gate"
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("DM_TEST_WORKER_GATE", str(gate))
    yield gate
    gate.touch()


def _held_workers(before: set[int], count: int) -> set[int]:
    """Wait until ``count`` new loky workers exist (held at the gate); they are returned."""
    deadline = time.monotonic() + HANG_GUARD
    while len(loky_workers() - before) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return loky_workers() - before


def test_cancel_does_not_wait_for_workers_still_starting(worker_gate):
    """A refused or failed plan cancels the warm-up while its workers start: cancel returns
    without waiting for their start-up (they are held in it), and leaves none behind."""
    before = loky_workers()
    warming = parallel.warm_up(2, "loky", ())
    assert warming is not None
    starting = _held_workers(before, 2)
    assert len(starting) == 2
    cancelling = threading.Thread(target=warming.cancel)
    cancelling.start()
    cancelling.join(HANG_GUARD)
    returned_while_held = not cancelling.is_alive() and not worker_gate.exists()
    worker_gate.touch()
    cancelling.join()
    assert returned_while_held, "cancel waited for the workers' start-up"
    assert not warming.running and not warming.pids
    assert _gone(starting) and _gone(loky_workers() - before)


@pytest.mark.parametrize("refusal", ["not confirmed", "no such table"])
def test_a_refused_or_failed_plan_leaves_no_workers_behind(servers, refusal):
    client = client_for(A)
    create_orders(client)
    put_all(client, "orders", orders_items())
    target = client_for(B)
    create_orders(target)
    put_all(target, "orders", orders_items(customers=1))  # not empty: needs confirmation
    before = loky_workers()
    if refusal == "not confirmed":
        with pytest.raises(ConfirmationRequired):
            dynamo_magic.copy("orders", source=A, target=B, backend="loky", workers=2)
    else:
        with pytest.raises(TableNotFound):
            dynamo_magic.copy("missing", source=A, target=B, backend="loky", workers=2, yes=True)
    assert _gone(loky_workers() - before), "loky workers left behind"
    assert len(scan_all(target, "orders")) == len(orders_items(customers=1))  # nothing written


@pytest.mark.parametrize(("backend", "spawned"), [(None, False), ("loky", True)])
def test_workers_are_started_while_planning_only_for_a_copy_in_processes(
    servers, monkeypatch, backend, spawned
):
    """A copy runs in threads by default (auto): no process is started for it; with loky the
    workers were started during planning and the copy ran on them."""
    client = client_for(A)
    create_orders(client)
    put_all(client, "orders", orders_items())
    client.describe_table(TableName="orders")  # moto reports the current ItemCount
    started = []
    original = parallel.warm_up

    def recording(*args, **kwargs):
        started.append(original(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(parallel, "warm_up", recording)
    alive_at_release: list[set[int]] = []
    close = parallel.WorkerPool.close

    def recording_close(self, *args, **kwargs):
        alive_at_release.append(_alive(started[0].pids) if started and started[0] else set())
        close(self, *args, **kwargs)

    monkeypatch.setattr(parallel.WorkerPool, "close", recording_close)
    result = dynamo_magic.copy("orders", source=A, target=B, backend=backend, workers=2, yes=True)
    assert result.ok and result.written == len(orders_items())
    assert keyed(scan_all(client_for(B), "orders")) == keyed(scan_all(client, "orders"))
    (warming,) = started
    if not spawned:  # threads by default, whatever the size: no warm-up at all
        assert warming is None
        return
    assert warming.started and warming.error is None
    assert len(warming.pids) == 2
    if spawned:  # the copy ran on them: still its pool's workers when the copy ended
        assert alive_at_release == [warming.pids]
        deadline = time.monotonic() + 5  # released with the call: gone once reaped
        while _alive(warming.pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(warming.pids)
