"""The copy engine's parts against two real moto servers: tasks of a source, a transform and a
sink run by the one worker loop; the messages workers send (progress, checkpoints, failures,
results) over the channel of each backend; resuming a source from a checkpoint; and a task
that carries everything a worker needs (pickled, run in a fresh process and by loky)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import pickle
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

import dynamo_magic.api as api
from dynamo_magic.codec import WireItem
from dynamo_magic.dynamodb.retry import RetryPolicy
from dynamo_magic.environments import Environment
from dynamo_magic.settings import get_settings
from dynamo_magic.transfer import channels, engine, operation, parallel
from dynamo_magic.transfer.channels import Channel, open_channel
from dynamo_magic.transfer.messages import Checkpoint, Failed, Finished, Progressed, Retried
from dynamo_magic.transfer.sinks import FailedItemsFile, TableSink
from dynamo_magic.transfer.sources import Page, Side, TableSource
from dynamo_magic.transfer.tasks import Task, TaskResult, run_task

from conftest import A, B, client_for
from tables import create_events, events_items, put_all, scan_all

POLICY = RetryPolicy(max_retries=2, base=0.001, cap=0.002)


def endpoint_env(url: str, name: str = "made-in-the-caller") -> Environment:
    """An environment no profile or config file names: only the task itself says where it is."""
    return Environment(
        name=name, profile=None, region="us-east-1", endpoint_url=url, protected=False
    )


def copy_task(
    source: Environment, target: Environment, failed: Path, page_items: int | None = None
) -> Task:
    request = {"Limit": page_items} if page_items else {}
    return Task(
        "copy",
        TableSource(Side(source, "events"), request=request),
        TableSink(Side(target, "events"), FailedItemsFile(str(failed))),
        POLICY,
        checkpoints=True,
    )


def drain(messages: queue.Queue) -> list[Any]:
    found = []
    while not messages.empty():
        found.append(messages.get_nowait())
    return found


def event_keys(items: list[WireItem]) -> list[tuple[int, int]]:
    return sorted((int(i["device"]["N"]), int(i["seq"]["N"])) for i in items)


# -- the worker loop, its messages, and resuming from a checkpoint ------------------------------
def test_run_task_reports_progress_and_a_checkpoint_per_page_and_resumes_from_one(
    servers, tmp_path
):
    a, b = servers
    create_events(client_for(A))
    create_events(client_for(B))
    items = events_items(devices=2, per_device=10)
    put_all(client_for(A), "events", items)
    source, target = endpoint_env(a.url), endpoint_env(b.url)
    messages: queue.Queue = queue.Queue()

    result = run_task(copy_task(source, target, tmp_path / "failed.jsonl", 6), Channel(messages))

    assert (result.items_read, result.written, result.failed) == (20, 20, 0)
    sent = drain(messages)
    assert sum(m.count for m in sent if isinstance(m, Progressed)) == 20
    assert {m.kind for m in sent if isinstance(m, Progressed)} == {"written"}
    checkpoints = [m for m in sent if isinstance(m, Checkpoint)]
    assert len(checkpoints) >= 3  # pages of 6 items: 6, 12, 18 (and DynamoDB's "maybe more")
    assert all((c.task, c.segment) == ("copy", 0) for c in checkpoints)
    assert event_keys(scan_all(client_for(B), "events")) == event_keys(items)

    # a source started from the second checkpoint reads exactly what came after it
    resumed = TableSource(Side(source, "events"), start_key=checkpoints[1].last_key)
    channel = Channel(None)
    rest = [item for page in resumed.pages(POLICY, channel) for item in page.items]
    in_pages = TableSource(Side(source, "events"), request={"Limit": 6}).pages(POLICY, channel)
    whole = [item for page in in_pages for item in page.items]
    assert len(rest) == 8 and rest == whole[12:]


def test_unwritable_items_are_saved_and_reported_as_failed_at_once(servers, tmp_path):
    """An item DynamoDB refuses (over 400 KB) is saved to the failed-items file during the
    page that held it (a ``Failed`` message says so), not only when the task ends."""
    _, b = servers
    create_events(client_for(A))
    create_events(client_for(B))
    put_all(client_for(A), "events", events_items(devices=1, per_device=5))
    huge = {"device": {"N": "9"}, "seq": {"N": "0"}, "blob": {"S": "x" * 410_000}}
    failed = tmp_path / "failed.jsonl"
    messages: queue.Queue = queue.Queue()
    sink = TableSink(Side(endpoint_env(b.url), "events"), FailedItemsFile(str(failed)))
    writer = sink.open(POLICY, Channel(messages))
    page = Page([*scan_all(client_for(A), "events"), huge], 6)
    writer.write(page)
    sent = drain(messages)  # before close: the failure is already saved and reported
    assert [m for m in sent if isinstance(m, Failed)] == [Failed(1, str(failed))]
    saved = [json.loads(line) for line in failed.read_text().splitlines()]
    assert saved == [{"PutRequest": {"Item": huge}}]
    result = TaskResult("copy", 0)
    writer.close(result)
    assert (result.written, result.failed) == (5, 1)
    assert len(failed.read_text().splitlines()) == 1  # closing saves nothing twice


# -- a transform between source and sink --------------------------------------------------------
def renumber_and_drop_odd(item: dict[str, Any]) -> dict[str, Any] | None:
    """Keep even sequence numbers, tagged (a top-level function: picklable for processes)."""
    if item["seq"] % 2:
        return None
    return {**item, "copied": True}


@pytest.fixture
def picklable_by_value() -> Any:
    """This test module's functions travel to loky's workers by value (the workers cannot
    import a test module), as a user's notebook functions do."""
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    yield
    cloudpickle.unregister_pickle_by_value(module)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_a_transform_maps_and_drops_items_in_a_real_copy(servers, backend, picklable_by_value):
    create_events(client_for(A))
    items = events_items(devices=3, per_device=10)
    put_all(client_for(A), "events", items)
    plan = api.plan_copy("events", source=A, target=B, transform=renumber_and_drop_odd)
    chosen = engine.Engine.from_settings(
        get_settings(), None, workers=2, segments=3, backend=backend
    )
    with parallel.worker_pool():
        result = engine.execute(plan, chosen)

    copied = scan_all(client_for(B), "events")
    expected = [i for i in items if int(i["seq"]["N"]) % 2 == 0]
    assert event_keys(copied) == event_keys(expected)
    assert all(item["copied"] == {"BOOL": True} for item in copied)
    assert (result.items_read, result.written, result.dropped) == (30, 15, 15)
    assert result.ok and result.verification.ok  # the source as the transform makes it
    assert (result.verification.source_count, result.verification.target_count) == (15, 15)
    assert "15 dropped, 15 produced by the transform" in result.summary_line()
    assert ("items dropped by the transform", 15) in result.rows()


def test_without_a_transform_nothing_is_dropped_or_shown(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=2, per_device=5))
    result = api.copy("events", source=A, target=B, backend="threading")
    assert result.ok and result.dropped == 0 and result.verification.ok
    assert "dropped" not in result.summary_line()
    assert all(name != "items dropped by the transform" for name, _ in result.rows())


# -- the channel of each backend, and tasks that carry their environment ------------------------
class Collect:
    """A consumer of whole messages, as the engine's tally is."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        raise AssertionError("a consumer with receive() gets messages, not advance()")

    def close(self, complete: bool = True) -> None:
        pass

    def receive(self, message: Any) -> None:
        self.messages.append(message)


def test_channels_are_chosen_by_backend():
    with open_channel("threading") as (channel, arrived):
        assert isinstance(arrived, queue.Queue)
        channel.progressed(3, "deleted")
        channel.quiet().progressed(5)  # progress is not sent on a quiet channel ...
        channel.quiet().retried(2)  # ... retries are
        assert drain(arrived) == [Progressed(3, "deleted"), Retried(2)]
    with open_channel("loky") as (channel, arrived):  # a manager's queue: other processes
        assert not isinstance(arrived, queue.Queue)
        worker_end = pickle.loads(pickle.dumps(channel))
        worker_end.progressed(1)
        worker_end.flush()  # sent in batches (a list), at the latest when the task ends
        assert arrived.get(timeout=5) == [Progressed(1, "written")]


def test_a_task_pickled_and_run_by_loky_workers_builds_its_clients_from_its_environment(
    servers, tmp_path
):
    """The environments exist only in the task (no profile names them); the workers are
    processes; their messages come back over the manager's queue, the results as ``Finished``."""
    a, b = servers
    create_events(client_for(A))
    create_events(client_for(B))
    items = events_items(devices=4, per_device=10)
    put_all(client_for(A), "events", items)
    source, target = Side(endpoint_env(a.url), "events"), Side(endpoint_env(b.url), "events")
    failed = FailedItemsFile(str(tmp_path / "failed.jsonl"))
    tasks = [
        Task("copy", TableSource(source, s, 3), TableSink(target, failed), POLICY, checkpoints=True)
        for s in range(3)
    ]
    collect = Collect()
    with parallel.worker_pool():
        results = parallel.run(run_task, tasks, 2, "loky", on_message=collect.receive)

    assert sorted(r.segment for r in results) == [0, 1, 2]
    assert sum(r.written for r in results) == 40
    assert event_keys(scan_all(client_for(B), "events")) == event_keys(items)
    progressed = [m for m in collect.messages if isinstance(m, Progressed)]
    assert sum(m.count for m in progressed) == 40
    finished = [m.result for m in collect.messages if isinstance(m, Finished)]
    assert sorted(r.segment for r in finished) == [0, 1, 2]


def test_a_pickled_task_runs_in_a_fresh_process_without_the_callers_configuration(
    servers, tmp_path
):
    """A fresh interpreter with no AWS config file and no dynamo_magic config: the task alone
    (environment, retry policy) is enough to copy."""
    a, b = servers
    create_events(client_for(A))
    create_events(client_for(B))
    items = events_items(devices=2, per_device=10)
    put_all(client_for(A), "events", items)
    task = copy_task(endpoint_env(a.url), endpoint_env(b.url), tmp_path / "failed.jsonl")
    child = (
        "import pickle, sys\n"
        "from dynamo_magic.transfer.channels import Channel\n"
        "from dynamo_magic.transfer.tasks import run_task\n"
        "task = pickle.load(sys.stdin.buffer)\n"
        "pickle.dump(run_task(task, Channel(None)), sys.stdout.buffer)\n"
    )
    nothing = str(tmp_path / "absent")
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        "AWS_CONFIG_FILE": nothing,
        "AWS_SHARED_CREDENTIALS_FILE": nothing,
        "DYNAMO_MAGIC_CONFIG": nothing,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    run = subprocess.run(
        [sys.executable, "-c", child],
        input=pickle.dumps(task),
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr.decode()
    result = pickle.loads(run.stdout)
    assert (result.items_read, result.written) == (20, 20)
    assert event_keys(scan_all(client_for(B), "events")) == event_keys(items)


# -- a copy stopped half way says where each unfinished segment was: resume from there ------------
def test_a_copy_stopped_by_an_error_keeps_checkpoints_a_resume_starts_from(
    servers, tmp_path, monkeypatch
):
    create_events(client_for(A))
    items = events_items(devices=2, per_device=10)
    put_all(client_for(A), "events", items)
    seen = []

    def fails_on_the_twelfth(item: dict[str, Any]) -> dict[str, Any]:
        seen.append({name: {"N": str(item[name])} for name in ("device", "seq")})
        if len(seen) == 12:
            raise RuntimeError("the transform broke")
        return item

    plan = api.plan_copy("events", source=A, target=B, transform=fails_on_the_twelfth)
    real = engine.run_task

    def in_pages_of_five(task: Task, channel: Channel) -> TaskResult:
        source = dataclasses.replace(task.source, request={"Limit": 5})
        return real(dataclasses.replace(task, source=source), channel)

    monkeypatch.setattr(engine, "run_task", in_pages_of_five)
    chosen = engine.Engine.from_settings(get_settings(), 20, workers=1, segments=1)
    result = engine.execute(plan, chosen)

    assert not result.ok and "RuntimeError: the transform broke" in (result.error or "")
    assert "failed on item {" in (result.error or "")
    assert result.written == 10  # two pages of five, then the third page failed
    ((where, last_key),) = result.checkpoints.items()
    assert where == ("copy", 0)
    target = Side(endpoint_env(servers[1].url), "events")
    assert event_keys(scan_all(client_for(B), "events")) == event_keys(seen[:10])

    resumed = Task(
        "copy",
        TableSource(Side(endpoint_env(servers[0].url), "events"), start_key=last_key),
        TableSink(target, FailedItemsFile(str(tmp_path / "failed.jsonl"))),
        POLICY,
    )
    rest = run_task(resumed, Channel(None))
    assert (rest.items_read, rest.written) == (10, 10)
    assert event_keys(scan_all(client_for(B), "events")) == event_keys(items)


# -- the consumer of messages, and the seam for another backend's channel -----------------------
def test_the_tally_keeps_what_workers_report_and_forgets_finished_segments():
    tally = operation.Tally(parallel.NoProgress())
    for message in [
        Progressed(25),
        Progressed(7, "deleted"),
        Progressed(40, "read"),
        Retried(3),
        Failed(2, "failed.jsonl"),
        Checkpoint("copy", 0, {"id": {"S": "a"}}),
        Checkpoint("copy", 1, {"id": {"S": "b"}}),
        Finished(TaskResult("copy", 1)),
        Checkpoint("copy", 1, {"id": {"S": "c"}}),  # sent before the result, arrived after it
        Checkpoint("copy", 0, {"id": {"S": "d"}}),
    ]:
        tally.receive(message)
    result = engine.CopyResult("s", "t", "replace")
    tally.interrupted(result)
    assert (result.written, result.deleted, result.retried, result.failed) == (25, 7, 3, 2)
    assert result.checkpoints == {("copy", 0): {"id": {"S": "d"}}}
    assert result.interrupted and not result.ok


def test_another_backend_plugs_its_own_channel_in(monkeypatch):
    """The seam a distributed backend uses: its own queue and stop flag, reached by workers."""
    opened = []

    @contextlib.contextmanager
    def remote() -> Any:
        messages, stop = queue.Queue(), threading.Event()
        opened.append((messages, stop))
        yield messages, stop

    monkeypatch.setitem(channels._OPENERS, "remote-cluster", remote)
    with open_channel("remote-cluster") as (channel, arrived):
        channel.retried(4)
        channel.stop.set()
        assert channel.stopped() and arrived.get_nowait() == Retried(4)
    assert opened and opened[0][0] is arrived
    channels.register("another", remote)
    assert channels._OPENERS.pop("another") is remote
