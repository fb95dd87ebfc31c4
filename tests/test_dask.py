"""Copies, exports and imports on a Dask cluster (``backend="dask"``): a ``LocalCluster`` of
worker processes on loopback, shared by the module, against the moto servers.

The workers read the same AWS profiles as this process (a folder of the module's, pointed at
by the variables the workers were started with): they build their own clients, nothing but
environment names travels in a task.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import distributed
import pytest

import dynamo_magic.api as api
from dynamo_magic.dynamodb.capacity import BURST_SECONDS, write_cost
from dynamo_magic.errors import ClusterUnavailable
from dynamo_magic.transfer import cluster as dask_cluster

from conftest import client_for, dynamo, server_profiles, use_profiles, write_profiles
from moto_servers import MotoServer
from proxy import Answer, FaultProxy, Forward
from tables import create_orders, keyed, orders_items, put_all, scan_all


@pytest.fixture(scope="module")
def aws_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dask-aws")


@pytest.fixture(scope="module")
def dask_client(
    moto_pair: tuple[MotoServer, MotoServer], aws_folder: Path
) -> Iterator[distributed.Client]:
    """Two worker processes (two threads each), started with the module's AWS profiles."""
    with pytest.MonkeyPatch.context() as patch:
        for var, value in write_profiles(aws_folder, server_profiles(*moto_pair)).items():
            patch.setenv(var, value)
        local = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=2,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address=None,
        )
    client = distributed.Client(local, set_as_default=False)
    client.wait_for_workers(2)
    yield client
    client.close()
    local.close()


@pytest.fixture
def on_cluster(
    servers: tuple[MotoServer, MotoServer],
    dask_client: distributed.Client,
    aws_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> distributed.Client:
    """Emptied servers, this process on the module's profiles (the workers' own)."""
    use_profiles(server_profiles(*servers), aws_folder, monkeypatch)
    return dask_client


def _orders(profile: str = "acct-a", customers: int = 8, each: int = 25) -> list[dict[str, Any]]:
    client = client_for(profile)
    create_orders(client)
    items = orders_items(customers, each)
    put_all(client, "orders", items)
    return items


def test_copy_on_a_cluster_is_exact_and_runs_on_its_workers(
    on_cluster: distributed.Client,
) -> None:
    items = _orders()
    with distributed.get_task_stream(client=on_cluster) as stream:
        result = api.copy(
            "orders",
            source="acct-a",
            target="acct-b",
            backend="dask",
            scheduler=on_cluster.scheduler.address,
            segments=6,
            yes=True,
        )
    assert keyed(scan_all(client_for("acct-b"), "orders")) == keyed(items)
    assert (result.items_read, result.written, result.failed) == (len(items), len(items), 0)
    assert result.verification is not None and result.verification.ok
    copies = [task for task in stream.data if str(task["key"]).startswith("dynamo_magic-copy")]
    assert len(copies) == 6  # one Dask task a segment
    assert {task["worker"] for task in stream.data} <= set(on_cluster.nthreads())


def test_the_active_client_is_used_without_an_address(on_cluster: distributed.Client) -> None:
    items = _orders(customers=2, each=10)
    with (
        distributed.Client(on_cluster.scheduler.address) as active,  # the notebook's habit
        distributed.get_task_stream(client=active) as stream,
    ):
        result = api.copy("orders", source="acct-a", target="acct-b", backend="dask", yes=True)
    assert result.written == len(items)
    assert keyed(scan_all(client_for("acct-b"), "orders")) == keyed(items)
    assert any(str(task["key"]).startswith("dynamo_magic-copy") for task in stream.data)


def test_a_worker_killed_mid_copy_loses_and_doubles_nothing(
    servers: tuple[MotoServer, MotoServer],
    on_cluster: distributed.Client,
    aws_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker process dies while its segments write (slowed by the proxy): Dask reruns its
    tasks on the other worker (and on its restarted self); the target ends exact and the
    counts are the finished tasks', not the dead run's writes added to the rerun's."""
    a, b = servers
    items = _orders(customers=8, each=30)
    create_orders(client_for("acct-b"))
    try:
        with FaultProxy(b.url, lambda op, body: Forward(0.03)) as proxy:
            use_profiles({**server_profiles(a, b), "acct-b": proxy.url}, aws_folder, monkeypatch)
            job = api.start_copy(
                "orders",
                source="acct-a",
                target="acct-b",
                backend="dask",
                scheduler=on_cluster.scheduler.address,
                segments=8,
                workers=4,
                yes=True,
            )
            victim = _busy_worker(on_cluster, proxy)
            pids = on_cluster.run(os.getpid)
            os.kill(pids[victim], signal.SIGKILL)
            result = job.result()
        use_profiles(server_profiles(a, b), aws_folder, monkeypatch)  # the proxy is closed
        assert keyed(scan_all(client_for("acct-b"), "orders")) == keyed(items)
        assert (result.items_read, result.written, result.failed) == (len(items), len(items), 0)
        assert result.verification is not None and result.verification.ok
    finally:
        on_cluster.wait_for_workers(2)  # the nanny's new worker, for the next tests


def _busy_worker(client: distributed.Client, proxy: FaultProxy) -> str:
    """A worker running a copy task once some of its writes reached the target."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        writes = [call for call in proxy.calls if call.op == "BatchWriteItem"]
        busy = [
            worker
            for worker, keys in client.processing().items()
            if any(str(key).startswith("dynamo_magic-copy") for key in keys)
        ]
        if len(writes) >= 4 and busy:
            return busy[0]
        time.sleep(0.02)
    raise AssertionError("no worker was seen copying")


# -- the checks before anything is written ------------------------------------------------
def test_an_unreachable_scheduler_is_one_line(
    servers: tuple[MotoServer, MotoServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    _orders(customers=1, each=5)
    monkeypatch.setattr(dask_cluster, "CONNECT_TIMEOUT", 0.5)
    with pytest.raises(ClusterUnavailable, match=r"unreachable within 0\.5 s") as caught:
        api.copy(
            "orders",
            source="acct-a",
            target="acct-b",
            backend="dask",
            scheduler="tcp://127.0.0.1:9",
            yes=True,
        )
    assert "\n" not in str(caught.value)
    assert "orders" not in client_for("acct-b").list_tables()["TableNames"]


@pytest.mark.parametrize("listener", ["http", "banner", "silent"])
def test_a_port_where_no_scheduler_listens_is_one_line(
    servers: tuple[MotoServer, MotoServer], monkeypatch: pytest.MonkeyPatch, listener: str
) -> None:
    """The dashboard's port (HTTP), a server that greets with a banner (SSH) and one that
    accepts and says nothing: a ``distributed.Client`` of them waited forever or died of a
    banner read as a frame length. Each is one line within the connect timeout."""
    _orders(customers=1, each=5)
    monkeypatch.setattr(dask_cluster, "CONNECT_TIMEOUT", 1.0)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        answers = {"http": b"HTTP/1.1 400 Bad Request\r\n\r\n", "banner": b"SSH-2.0-OpenSSH\r\n"}

        def serve() -> None:
            with contextlib.suppress(OSError):
                while True:
                    conn, _ = server.accept()
                    if listener in answers:
                        conn.sendall(answers[listener])

        threading.Thread(target=serve, daemon=True).start()
        with pytest.raises(ClusterUnavailable) as caught:
            api.copy(
                "orders",
                source="acct-a",
                target="acct-b",
                backend="dask",
                scheduler=f"tcp://127.0.0.1:{port}",
                yes=True,
            )
    line = str(caught.value)
    assert "\n" not in line and "8786" in line, line
    assert "orders" not in client_for("acct-b").list_tables()["TableNames"]


def test_a_worker_without_an_environment_s_profile_is_one_line_before_writing(
    servers: tuple[MotoServer, MotoServer],
    on_cluster: distributed.Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The caller knows profile ``acct-c``, the workers (started with the module's AWS files)
    do not: one line naming a worker and what to give it, and the target is not created."""
    a, b = servers
    _orders(customers=1, each=5)
    use_profiles({**server_profiles(a, b), "acct-c": b.url}, tmp_path / "own", monkeypatch)
    with pytest.raises(ClusterUnavailable) as caught:
        api.copy(
            "orders",
            source="acct-a",
            target="acct-c",
            backend="dask",
            scheduler=on_cluster.scheduler.address,
            yes=True,
        )
    line = str(caught.value)
    assert "\n" not in line and line.startswith("Dask worker tcp://"), line
    assert "cannot reach environment 'acct-c'" in line and "AWS_CONFIG_FILE" in line, line
    assert "orders" not in client_for("acct-b").list_tables()["TableNames"]


def test_an_export_from_a_worker_without_the_environment_is_one_line_before_writing(
    servers: tuple[MotoServer, MotoServer],
    on_cluster: distributed.Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An export's workers read the table too: one the workers cannot reach is refused before
    the destination gets a file."""
    a, b = servers
    use_profiles({**server_profiles(a, b), "acct-c": a.url}, tmp_path / "own", monkeypatch)
    _orders(profile="acct-c", customers=1, each=5)
    with pytest.raises(ClusterUnavailable, match="cannot reach environment 'acct-c'"):
        api.export_table(
            "orders",
            str(tmp_path / "out"),
            env="acct-c",
            backend="dask",
            scheduler=on_cluster.scheduler.address,
        )
    assert not (tmp_path / "out").exists()


def test_a_transform_the_workers_cannot_import_is_one_line_before_writing(
    on_cluster: distributed.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transform in a module only the caller's folder holds: the workers cannot load it."""
    _orders(customers=1, each=5)
    (tmp_path / "only_here.py").write_text("def scrub(item):\n    return item\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ClusterUnavailable) as caught:
        api.copy(
            "orders",
            source="acct-a",
            target="acct-b",
            backend="dask",
            scheduler=on_cluster.scheduler.address,
            transform="only_here:scrub",
            yes=True,
        )
    line = str(caught.value)
    assert "cannot load the transform" in line and "only_here" in line, line
    assert "orders" not in client_for("acct-b").list_tables()["TableNames"]


def test_no_active_client_and_no_address_is_one_line(
    servers: tuple[MotoServer, MotoServer],
) -> None:
    with pytest.raises(ClusterUnavailable, match=r"no active distributed\.Client"):
        api.export_table("orders", "out", env="acct-a", backend="dask")


def test_a_scheduler_without_dask_is_refused(servers: tuple[MotoServer, MotoServer]) -> None:
    with pytest.raises(Exception, match="give backend dask with it"):
        api.copy("orders", source="acct-a", target="acct-b", scheduler="tcp://127.0.0.1:1")


def test_a_scheduler_without_workers_is_one_line(
    servers: tuple[MotoServer, MotoServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    _orders(customers=1, each=5)
    monkeypatch.setattr(dask_cluster, "WORKERS_TIMEOUT", 0.5)
    with (
        distributed.LocalCluster(
            n_workers=0, processes=True, host="127.0.0.1", scheduler_port=0, dashboard_address=":0"
        ) as empty,
        pytest.raises(ClusterUnavailable, match="has no workers: start some with"),
    ):
        api.copy(
            "orders",
            source="acct-a",
            target="acct-b",
            backend="dask",
            scheduler=empty.scheduler_address,
            yes=True,
        )
    assert "orders" not in client_for("acct-b").list_tables()["TableNames"]


# a worker process as `dask worker` starts it, its package removed or another version
WORKER = """
import sys
import dynamo_magic
{change}
from distributed.cli.dask_worker import main
sys.argv = ["dask worker", sys.argv[1], "--no-nanny", "--nthreads", "1", "--host", "127.0.0.1",
            "--no-dashboard"]
main()
"""


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ("sys.modules['dynamo_magic'] = None", "cannot import dynamo_magic"),
        ("dynamo_magic.__version__ = '0.0.1'", "has dynamo_magic 0.0.1, this process"),
    ],
)
def test_a_worker_without_the_package_or_of_another_version_is_one_line(
    servers: tuple[MotoServer, MotoServer], change: str, said: str
) -> None:
    _orders(customers=1, each=5)
    with distributed.LocalCluster(
        n_workers=0, processes=True, host="127.0.0.1", scheduler_port=0, dashboard_address=":0"
    ) as bare:
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER.format(change=change), bare.scheduler_address],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with distributed.Client(bare.scheduler_address, set_as_default=False) as watch:
                watch.wait_for_workers(1, timeout=60)
            with pytest.raises(ClusterUnavailable, match=said) as caught:
                api.copy(
                    "orders",
                    source="acct-a",
                    target="acct-b",
                    backend="dask",
                    scheduler=bare.scheduler_address,
                    yes=True,
                )
        finally:
            worker.terminate()
            worker.wait(30)
    assert "\n" not in str(caught.value)
    assert "orders" not in client_for("acct-b").list_tables()["TableNames"]


def test_dask_threads_do_not_leak_into_the_caller(on_cluster: distributed.Client) -> None:
    """After a copy on the cluster, no stop-flag watcher is left running here."""
    _orders(customers=1, each=5)
    api.copy(
        "orders",
        source="acct-a",
        target="acct-b",
        backend="dask",
        scheduler=on_cluster.scheduler.address,
        yes=True,
    )
    deadline = time.monotonic() + 10
    while any(t.name == "dynamo-stop-flag" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "a stop-flag watcher outlived its copy"
        time.sleep(0.05)


def _plain(profile: str, n: int = 0) -> list[dict[str, Any]]:
    """Table ``plain`` (key ``id``) with ``n`` items of strings, numbers and maps."""
    client = client_for(profile)
    client.create_table(  # type: ignore[attr-defined]
        TableName="plain",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    items = [
        {"id": {"S": f"k{i:04}"}, "n": {"N": str(i)}, "m": {"M": {"x": {"S": "y" * (i % 7)}}}}
        for i in range(n)
    ]
    put_all(client, "plain", items)
    return items


def test_export_and_import_on_a_cluster_round_trip_exactly(
    on_cluster: distributed.Client, tmp_path: Path
) -> None:
    """Each segment's file is written by a Dask task, and each file imported by one."""
    items = _plain("acct-a", 60)
    address = on_cluster.scheduler.address
    with distributed.get_task_stream(client=on_cluster) as stream:
        exported = api.export_table(
            "plain", tmp_path / "out", env="acct-a", segments=4, backend="dask", scheduler=address
        )
        assert exported.ok and exported.complete
        assert exported.written == exported.items_read == len(items)
        _plain("acct-b")
        imported = api.import_table(
            "plain", tmp_path / "out", env="acct-b", backend="dask", scheduler=address, yes=True
        )
    assert imported.written == len(items)
    assert keyed(scan_all(client_for("acct-b"), "plain"), ("id",)) == keyed(items, ("id",))
    keys = [str(task["key"]) for task in stream.data]
    assert sum(key.startswith("dynamo_magic-export") for key in keys) == 4
    assert any(key.startswith("dynamo_magic-copy") for key in keys)  # an import's file tasks


def test_export_refuses_an_unreachable_scheduler_before_writing(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _orders(customers=1, each=5)
    monkeypatch.setattr(dask_cluster, "CONNECT_TIMEOUT", 0.5)
    with pytest.raises(ClusterUnavailable, match="unreachable"):
        api.export_table(
            "orders", tmp_path / "out", env="acct-a", backend="dask", scheduler="tcp://127.0.0.1:9"
        )
    assert not (tmp_path / "out").exists()


def test_the_copy_panel_offers_the_cluster(on_cluster: distributed.Client) -> None:
    from dynamo_magic.notebook.panels import CopyPanel

    items = _orders(customers=2, each=10)
    panel = CopyPanel(source="acct-a", target="acct-b", table="orders")
    assert "dask" in panel.backend.options
    panel.backend.value = "dask"
    panel.scheduler.value = on_cluster.scheduler.address
    panel.plan_button.click()
    assert panel.error is None and panel.plan is not None
    with distributed.get_task_stream(client=on_cluster) as stream:
        panel.copy_button.click()
        result = panel.wait(120)
    assert result is not None and result.ok and result.written == len(items)
    assert any(str(task["key"]).startswith("dynamo_magic-copy") for task in stream.data)


# -- one capacity budget for the whole cluster ---------------------------------------------
def _window_excess(calls: list[tuple[float, float]], rate: float) -> float:
    """The most the units of any run of consecutive calls (arrival, units) exceed ``rate``
    times the seconds between the first's and the last's arrival plus a second of burst."""
    worst = float("-inf")
    for i in range(len(calls)):
        units = 0.0
        for k in range(i, len(calls)):
            units += calls[k][1]
            allowed = rate * (calls[k][0] - calls[i][0] + BURST_SECONDS)
            worst = max(worst, units - allowed)
    return worst


@pytest.mark.parametrize("throttle", [False, True], ids=["steady", "throttled"])
def test_one_write_budget_for_the_whole_cluster(
    servers: tuple[MotoServer, MotoServer],
    on_cluster: distributed.Client,
    aws_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    throttle: bool,
) -> None:
    """Four tasks at once on two worker processes, 60 write units/s: in no stretch of the copy
    did the target receive more than the rate over it, its second of burst, and what grants
    can hold besides (one waiting, one left in each running task, one request's debt) — four
    budgets, one a task, would take four times the rate. The result's units are what the calls
    cost. Throttled (every third write refused outright), the whole cluster slows and the
    target still ends exact."""
    a, b = servers
    items = _orders(customers=4, each=50)
    create_orders(client_for("acct-b"))
    caplog.set_level(logging.INFO, logger="dynamo_magic")
    count = itertools.count(1)
    rule = (
        (
            lambda op, body: (
                Answer.throttled() if op == "BatchWriteItem" and next(count) % 3 == 0 else None
            )
        )
        if throttle
        else (lambda op, body: None)
    )
    rate = 60.0
    with FaultProxy(b.url, rule) as proxy:
        use_profiles({**server_profiles(a, b), "acct-b": proxy.url}, aws_folder, monkeypatch)
        result = api.copy(
            "orders",
            source="acct-a",
            target="acct-b",
            backend="dask",
            scheduler=on_cluster.scheduler.address,
            segments=8,
            workers=4,
            max_write_units=rate,
            verify="none",
            yes=True,
        )
    use_profiles(server_profiles(a, b), aws_folder, monkeypatch)
    assert result.ok, result.summary_line()
    assert keyed(scan_all(client_for("acct-b"), "orders")) == keyed(items)
    taken = sorted(
        (call.arrived, write_cost(*call.body["RequestItems"].values()))
        for call in proxy.calls_of("BatchWriteItem")
        if call.status == 200
    )
    assert sum(units for _, units in taken) == len(items)  # one unit an item, each sent once
    biggest = max(units for _, units in taken)
    slack = biggest + rate * dask_cluster.GRANT_SECONDS * (4 + 1)
    assert _window_excess(taken, rate) <= slack, "the cluster took more than its budget"
    assert result.write_units == len(items)
    assert result.write_rate == "60 write units/s (asked)"
    spent = [r.getMessage() for r in caplog.records if "write units consumed" in r.message]
    assert spent and ("0 throttle(s)" in spent[0]) != throttle, spent


def test_the_command_copies_on_the_cluster_within_its_write_budget(
    on_cluster: distributed.Client,
) -> None:
    """``dynamo copy --backend dask --scheduler ADDRESS --max-write-units N`` as a user runs
    it (a real process): the target exact, the result line states the budget and the units
    the cluster's calls cost."""
    items = _orders(customers=3, each=20)
    address = on_cluster.scheduler.address
    done = dynamo(
        "copy", "-t", "orders", "-src", "acct-a", "-tgt", "acct-b", "--yes",
        "--backend", "dask", "--scheduler", address, "--max-write-units", "500",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert keyed(scan_all(client_for("acct-b"), "orders")) == keyed(items)
    assert "writes 500 write units/s (asked), 60 units consumed" in done.stdout, done.stdout


def test_a_cluster_of_threads_in_this_process_shares_the_budget(
    on_cluster: distributed.Client,
) -> None:
    """A ``LocalCluster(processes=False)`` (workers as threads of the caller's process, the
    Dask habit on a laptop) takes grants like any other, and the result's units are what the
    calls cost."""
    items = _orders(customers=2, each=20)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as local,
        distributed.Client(local, set_as_default=False) as threads,
    ):
        result = api.copy(
            "orders",
            source="acct-a",
            target="acct-b",
            backend="dask",
            scheduler=threads.scheduler.address,
            segments=4,
            max_write_units=400,
            yes=True,
        )
    assert result.ok and result.written == len(items), result.summary_line()
    assert result.write_units == len(items)
    assert keyed(scan_all(client_for("acct-b"), "orders")) == keyed(items)


def test_a_read_budget_on_a_cluster_meters_the_export(
    on_cluster: distributed.Client, tmp_path: Path
) -> None:
    """An export's reads on the cluster go through the same grants: the result says the
    units its pages cost, and the files hold every item."""
    items = _orders(customers=4, each=25)
    result = api.export_table(
        "orders",
        str(tmp_path / "out"),
        env="acct-a",
        backend="dask",
        scheduler=on_cluster.scheduler.address,
        segments=4,
        max_read_units=50,
    )
    assert result.ok and result.written == len(items), result.summary_line()
    assert result.read_units is not None and result.read_units > 0
