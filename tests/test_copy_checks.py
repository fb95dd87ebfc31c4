"""What a copy checks and says, against real moto servers: the same table under any spelling
is refused before a write; verification never passes a copy that read short; estimates when
DescribeTable's count lags; progress bars that end right; settings a created target lacks.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tqdm import tqdm as terminal_tqdm

import dynamo_magic.api as api
from dynamo_magic import environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.errors import CopyFailed, UnsafeOperation
from dynamo_magic.progress_bars import TqdmProgress
from dynamo_magic.schema import TableSchema
from dynamo_magic.settings import get_settings
from dynamo_magic.transfer import engine as copying
from dynamo_magic.transfer import verify as verification
from dynamo_magic.transfer.plan import MIN_SEGMENT_COUNT, same_table
from dynamo_magic.transfer.result import Outcome

from conftest import (
    A,
    B,
    client_for,
    server_profiles,
    subprocess_env,
    use_profiles,
)
from fault_injection import DropItems, error_response
from tables import create_events, create_orders, events_items, orders_items, put_all, scan_all

EVENT_KEY = ("device", "seq")


@pytest.fixture
def aliases(servers, isolated_aws: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """More profiles for server A, each spelling its endpoint differently."""
    a, b = servers
    endpoints = {
        **server_profiles(a, b),
        "a-localhost": f"http://localhost:{a.port}",
        "a-slash": f"{a.url}/",
        "a-upper": f"http://LOCALHOST:{a.port}/",
    }
    use_profiles(endpoints, isolated_aws, monkeypatch)
    return endpoints


@pytest.fixture
def orders_a(aliases):
    client = client_for(A)
    create_orders(client)
    put_all(client, "orders", orders_items())
    return client


def orders_count() -> int:
    return len(scan_all(client_for(A), "orders"))


# -- 1. the same table, however it is spelled -----------------------------------------------------
@pytest.mark.parametrize(
    ("target", "options"),
    [
        ("a-localhost", {}),
        ("a-slash", {}),
        ("a-upper", {}),
        ("dev", {}),
        ("acct-a", {"target_region": "us-east-1"}),  # the region spelled again
        ("a-localhost", {"target_table": "orders", "target_region": "us-east-1"}),
    ],
)
@pytest.mark.parametrize("mode", ["truncate", "replace", "merge"])
def test_same_table_under_any_spelling_is_refused_before_a_write(orders_a, target, options, mode):
    with pytest.raises(UnsafeOperation, match="same table"):
        api.copy("orders", source=A, target=target, mode=mode, yes=True, **options)
    assert orders_count() == 30
    assert not orders_a.list_backups()["BackupSummaries"]  # not even a backup was taken


def test_cli_refuses_two_profiles_for_one_server(orders_a):
    """The reported case: 127.0.0.1 and localhost, ``--mode truncate --yes``, as a process."""
    run = subprocess.run(
        [
            *(sys.executable, "-m", "dynamo_magic.cli", "copy", "-t", "orders", "-src", A),
            *("-tgt", "a-localhost", "--mode", "truncate", "--yes", "--no-progress"),
        ],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert run.stdout == ""
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("Error: source and target are the same table")
    assert orders_count() == 30


def test_other_tables_on_the_same_server_and_equal_names_on_another_are_copied(orders_a):
    # another table on the very server, through the other spelling: not the same table
    result = api.copy("orders", source=A, target="a-localhost", target_table="orders-copy")
    assert result.ok and result.written == 30
    # an equally named table on another server (same made-up account, same ARN in moto)
    create_orders(client_for(B))
    a_arn = client_for(A).describe_table(TableName="orders")["Table"]["TableArn"]
    assert client_for(B).describe_table(TableName="orders")["Table"]["TableArn"] == a_arn
    result = api.copy("orders", source=A, target=B, mode="truncate", yes=True)
    assert result.ok and len(scan_all(client_for(B), "orders")) == 30
    assert orders_count() == 30


def _schema(**fields: Any) -> TableSchema:
    raw = {
        "TableName": "t",
        "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
        "TableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t",
        **fields,
    }
    return TableSchema.from_description({k: v for k, v in raw.items() if v is not None})


def test_same_table_rule():
    t1 = datetime(2024, 1, 1, 12, 0, 0, 1000, tzinfo=UTC)
    t2 = datetime(2024, 1, 1, 12, 0, 0, 2000, tzinfo=UTC)
    one = _schema(CreationDateTime=t1)
    assert same_table(one, _schema(CreationDateTime=t1))
    assert not same_table(one, None)  # a missing target is never the source
    assert not same_table(one, _schema(CreationDateTime=t2))  # two servers, one fake account
    other_arn = "arn:aws:dynamodb:us-west-2:123456789012:table/t"
    assert not same_table(one, _schema(CreationDateTime=t1, TableArn=other_arn))
    # AWS's TableId decides on its own
    assert same_table(_schema(TableId="x", CreationDateTime=t1), _schema(TableId="x"))
    assert not same_table(_schema(TableId="x"), _schema(TableId="y", CreationDateTime=None))
    # no creation time: an equal ARN is the same table unless STS names two accounts
    bare = _schema()
    assert same_table(bare, _schema(), lambda: (None, None))
    assert same_table(bare, _schema(), lambda: ("1", "1"))
    assert not same_table(bare, _schema(), lambda: ("1", "2"))


# -- 2. verification never passes a short read ----------------------------------------------------
class Recorder:
    """A Progress that records what the engine told it."""

    def __init__(self, interrupt_at: str | None = None):
        self.calls: list[tuple[str, Any]] = []
        self.interrupt_at = interrupt_at

    def start(self, phase: str, total: int | None) -> None:
        self.calls.append(("start", (phase, total)))
        if phase == self.interrupt_at:
            raise KeyboardInterrupt

    def advance(self, count: int) -> None:
        pass

    def close(self, outcome: Outcome = Outcome.SUCCESS) -> None:
        self.calls.append(("close", outcome))


def read_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """Segment 0 of the copy reads short: the server filters out seq 0 of its devices."""
    original = copying.run_task

    def short(task, channel):
        if task.name == "copy" and task.source.segment == 0:
            request = {
                "FilterExpression": "#q <> :zero",
                "ExpressionAttributeNames": {"#q": "seq"},
                "ExpressionAttributeValues": {":zero": {"N": "0"}},
            }
            task = dataclasses.replace(
                task, source=dataclasses.replace(task.source, request=request)
            )
        return original(task, channel)

    monkeypatch.setattr(copying, "run_task", short)


@pytest.mark.parametrize(
    ("per_device", "exact"),
    [(10, True), (40, False)],  # 80 items: the plan counted them; 320: DescribeTable's count
    ids=["plan-count", "recount"],
)
def test_a_copy_that_reads_short_fails_verification(servers, monkeypatch, per_device, exact):
    source = client_for(A)
    create_events(source)
    put_all(source, "events", events_items(devices=8, per_device=per_device))
    total = 8 * per_device
    plan = api.plan_copy("events", source=A, target=B)
    assert plan.source_items_exact is exact
    read_short(monkeypatch)
    progress = Recorder()

    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, segments=4, backend="threading", progress=progress)

    result = failure.value.result
    copied = len(scan_all(client_for(B), "events"))
    assert result.items_read == copied < total  # the copy really read short
    assert result.verification.ok is False and "MISMATCH" in str(result.verification)
    assert (result.verification.source_count, result.verification.target_count) == (total, copied)
    assert "FAILED" in str(failure.value)
    # the reason first: the short read, then the counts
    assert str(result.verification) == (
        f"count: MISMATCH: the copy read {copied:,} of {total:,} source items "
        f"(source {total:,}, target {copied:,})"
    )
    assert progress.calls[-1] == ("close", Outcome.FAILED)  # the last bar says it failed
    copy_at = progress.calls.index(("start", ("copy", total)))
    # the copy's bar ends failed before the next phase when it read less than counted
    ended = Outcome.FAILED if exact else Outcome.SUCCESS
    assert progress.calls[copy_at + 1] == ("close", ended)
    if not exact:  # the source was counted again by its own scans, alongside the copy
        phases = [c[1][0] for c in progress.calls if c[0] == "start"]
        assert phases == ["copy", "verify acct-b"]


class Counting(Recorder):
    """A Recorder that also sums what each phase's bar was advanced by."""

    def __init__(self) -> None:
        super().__init__()
        self.advanced: dict[str, int] = {}

    def advance(self, count: int) -> None:
        phase = [c[1][0] for c in self.calls if c[0] == "start"][-1]
        self.advanced[phase] = self.advanced.get(phase, 0) + count


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_an_estimated_source_is_recounted_alongside_the_copy(servers, backend):
    source = client_for(A)
    create_events(source)
    put_all(source, "events", events_items(devices=8, per_device=40))
    progress = Counting()
    result = api.copy("events", source=A, target=B, segments=4, backend=backend, progress=progress)
    assert result.ok and result.written == 320
    assert (result.verification.source_count, result.verification.target_count) == (320, 320)
    # the recount ran in the copy's run, without moving its bar; verification read the target
    assert progress.advanced == {"copy": 320, "verify acct-b": 320}

    plan = api.plan_copy("events", source=A, target=B)
    assert plan.source_items_exact is False
    engine = copying.Engine.from_settings(get_settings(), 320, segments=4)
    alone = Counting()  # verification on its own counts both sides, in one run
    verification = copying.verify(plan, engine, alone, copied=320)
    assert verification.ok and (verification.source_count, verification.target_count) == (320, 320)
    assert alone.advanced == {"verify acct-a and acct-b": 640}


def test_a_recount_that_fails_alongside_the_copy_is_done_again_by_verification(
    servers, monkeypatch
):
    source = client_for(A)
    create_events(source)
    put_all(source, "events", events_items(devices=8, per_device=40))
    original, calls = verification.run_task, []

    def fails_once(task, channel):
        calls.append(task.source.segment)
        if len(calls) == 1:
            raise ConnectionError("the source went away for a moment")
        return original(task, channel)

    monkeypatch.setattr(verification, "run_task", fails_once)
    progress = Counting()
    result = api.copy(
        "events", source=A, target=B, segments=4, backend="threading", progress=progress
    )
    # the copy was not stopped by its verification's count; verify counted the source again
    assert result.ok and result.written == 320 and result.error is None
    assert (result.verification.source_count, result.verification.target_count) == (320, 320)
    assert progress.advanced == {"copy": 320, "verify acct-a and acct-b": 640}
    assert len(calls) == 4 + 8  # 4 source counts with the copy, then 4 + 4 in verification


# -- 2b. replace never deletes a target item the source has, even after a short read ----------
def event_keys(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(i["device"]["N"], i["seq"]["N"]) for i in items}


@pytest.mark.parametrize("sliced", [True, False], ids=["slice", "whole-table"])
@pytest.mark.parametrize("defence", ["both", "source-check-only"])
def test_replace_after_a_short_read_deletes_nothing_the_source_has(
    servers, monkeypatch, sliced, defence
):
    """The source's reads silently lose 3 items (a proxy dropping a page's tail); the target
    already holds every source item and a few the source lacks. Replace mode must not delete
    the 3 items it did not read. With both defences nothing is deleted at all (the plan's
    count is exact and the copy read fewer); with only the source check (BatchGetItem) the
    items the source lacks go and the unread ones stay. Either way: CopyFailed, MISMATCH."""
    source, target = client_for(A), client_for(B)
    create_events(source)
    create_events(target)
    items = events_items(devices=4, per_device=20)
    put_all(source, "events", items)
    extras = [
        {"device": {"N": str(d)}, "seq": {"N": str(100 + s)}, "value": {"N": "0"}}
        for d in (1, 2)
        for s in range(4)
    ]
    put_all(target, "events", items + extras)
    in_scope = [i for i in items if not sliced or i["device"]["N"] == "1"]
    extras_in_scope = [i for i in extras if not sliced or i["device"]["N"] == "1"]
    drops = DropItems("Query" if sliced else "Scan", 3).install(
        clients.client(environments.resolve(A))
    )
    if defence == "source-check-only":
        monkeypatch.setattr(copying, "_deletes_unsafe", lambda plan, copied: None)
    options: dict[str, Any] = {"pk": 1} if sliced else {"segments": 4}

    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, backend="threading", yes=True, **options)

    result = failure.value.result
    assert len(drops.dropped) == 3 and result.items_read == len(in_scope) - 3  # really read short
    left = event_keys(scan_all(target, "events"))
    assert event_keys(items) <= left  # no item the source has was deleted
    assert event_keys(drops.dropped) <= left
    assert result.verification.ok is False and "MISMATCH" in str(result.verification)
    assert result.verification.source_count == len(in_scope)
    read = f"the copy read {len(in_scope) - 3:,} of {len(in_scope):,} source items"
    assert str(result.verification).startswith(f"count: MISMATCH: {read} (source ")
    if defence == "both":
        assert result.deleted == 0 and event_keys(extras) <= left
        assert result.deletes_skipped and "no target item deleted" in str(failure.value)
        assert f"read {len(in_scope) - 3:,} of the {len(in_scope):,}" in result.deletes_skipped
    else:
        assert result.deleted == len(extras_in_scope)
        assert not event_keys(extras_in_scope) & left and result.deletes_skipped is None


def test_replace_after_a_full_read_deletes_what_the_source_lacks(servers):
    """The other side of the rule: a copy that read everything still prunes the target."""
    source, target = client_for(A), client_for(B)
    create_events(source)
    create_events(target)
    items = events_items(devices=4, per_device=20)
    put_all(source, "events", items)
    extra = {"device": {"N": "1"}, "seq": {"N": "999"}, "value": {"N": "0"}}
    put_all(target, "events", [*items, extra])

    result = api.copy("events", source=A, target=B, backend="threading", pk=1, yes=True)

    assert result.ok and result.deleted == 1 and result.deletes_skipped is None
    assert event_keys(scan_all(target, "events")) == event_keys(items)


# -- 3. estimates when DescribeTable's count lags -------------------------------------------------
def create_flat(client: Any, items: int) -> None:
    """A table whose items each have their own partition key (they spread over segments)."""
    client.create_table(
        TableName="flat",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    put_all(client, "flat", [{"id": {"S": f"item-{i}"}, "n": {"N": str(i)}} for i in range(items)])


def lagging_item_count(profile: str, count: int = 0) -> None:
    """DescribeTable answers ItemCount ``count`` (as AWS does for hours after a load)."""

    def stale(parsed: dict[str, Any], **_: Any) -> None:
        if "Table" in parsed:
            parsed["Table"]["ItemCount"] = count

    client = clients.client(environments.resolve(profile))
    client.meta.events.register("after-call.dynamodb.DescribeTable", stale)


@pytest.mark.parametrize("reported", [0, 50])
def test_lagging_count_is_replaced_by_a_segment_count(servers, reported):
    create_flat(client_for(A), 2000)
    lagging_item_count(A, reported)
    progress = Recorder()

    plan = api.plan_copy("flat", source=A, target=B)

    assert not plan.source_items_exact and 1400 <= plan.source_items <= 2600
    row = dict(plan.rows())["source items"]
    assert row.startswith(f"~{plan.source_items:,} (estimated, from a count of segment 1 of ")
    result = api.copy("flat", source=A, target=B, backend="threading", progress=progress)
    assert result.ok and result.written == 2000
    assert ("start", ("copy", plan.source_items)) in progress.calls  # the bar's total
    assert progress.calls[-1] == ("close", Outcome.SUCCESS)


def test_small_table_with_a_lagging_count_is_counted_exactly(servers):
    create_flat(client_for(A), 600)
    lagging_item_count(A, 0)
    plan = api.plan_copy("flat", source=A, target=B)
    assert plan.source_items_exact and plan.source_items == 600
    assert "600 (exact, counted with a Select COUNT scan)" in str(plan)
    assert MIN_SEGMENT_COUNT > 600 // 8  # why it was counted whole rather than extrapolated


def test_sampled_whole_table_is_exact_whatever_describe_says(servers):
    create_flat(client_for(A), 40)
    lagging_item_count(A, 5000)  # a stale, too high count
    plan = api.plan_copy("flat", source=A, target=B)
    assert (plan.source_items, plan.source_items_exact) == (40, True)


# -- 4. progress bars end right -------------------------------------------------------------------
class FileBars(TqdmProgress):
    def __init__(self, make=terminal_tqdm):
        super().__init__()
        self.out = io.StringIO()
        self._tqdm = lambda **kw: make(file=self.out, **kw)


def test_a_bar_that_ran_to_its_end_is_complete_whatever_the_estimate():
    for estimate, done in [(100, 60), (100, 140), (None, 25), (0, 0)]:
        bars = FileBars()
        bars.start("copy", estimate)
        bars.advance(done)
        bar = bars.bar
        bars.close()
        assert bar.total == bar.n == done
        assert bars.bar is None
    bars = FileBars()
    bars.start("copy", 10)
    bars.advance(10)
    first = bars.bar
    bars.start("verify", None)  # a new phase ends the previous one complete
    assert first.total == first.n == 10
    bars.close()


@pytest.mark.parametrize(
    ("outcome", "words"), [(Outcome.FAILED, "copy FAILED"), (Outcome.CANCELLED, "copy (cancelled)")]
)
def test_a_bar_that_did_not_succeed_keeps_its_total_and_says_so(outcome, words):
    bars = FileBars()
    bars.start("copy", 100)
    bars.advance(60)
    bar = bars.bar
    bars.close(outcome)
    assert (bar.n, bar.total) == (60, 100)
    assert bars.out.getvalue().splitlines()[-1].startswith(f"{words}:  60%")


def test_notebook_bar_ends_green_neutral_or_red_as_its_outcome_says():
    from tqdm.notebook import tqdm as notebook_tqdm

    styles = {}
    for outcome in Outcome:
        bars = FileBars(notebook_tqdm)
        bars.start("copy", 600)
        bars.advance(400)
        widget = bars.bar.container.children[1]
        bars.close(outcome)
        styles[outcome] = (widget.bar_style, widget.value, widget.max)
    assert styles == {
        Outcome.SUCCESS: ("success", 400, 400),
        Outcome.CANCELLED: ("", 400, 600),
        Outcome.FAILED: ("danger", 400, 600),
    }


def test_engine_closes_bars_success_on_success_and_cancelled_on_interrupt(servers):
    source = client_for(A)
    create_events(source)
    put_all(source, "events", events_items(devices=2, per_device=10))
    progress = Recorder()
    api.copy("events", source=A, target=B, backend="threading", progress=progress)
    assert progress.calls[-1] == ("close", Outcome.SUCCESS)
    assert next(c[1][0] for c in progress.calls if c[0] == "start") == "copy"

    progress = Recorder(interrupt_at="copy")
    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, target_table="other", progress=progress)
    assert failure.value.result.interrupted
    assert progress.calls[-1] == ("close", Outcome.CANCELLED)


# -- 5. settings a created target does not get ----------------------------------------------------
def test_plan_and_result_name_the_settings_a_created_target_lacks(servers):
    source = client_for(A)
    create_events(source)
    put_all(source, "events", events_items(devices=2, per_device=5))
    arn = source.describe_table(TableName="events")["Table"]["TableArn"]
    source.update_time_to_live(
        TableName="events", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    source.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "team", "Value": "data"}, {"Key": "cost", "Value": "x"}]
    )
    source.update_continuous_backups(
        TableName="events",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    source.update_table(
        TableName="events",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    source.update_table(TableName="events", DeletionProtectionEnabled=True)
    expected = [
        "TTL on 'expires'",
        "stream (NEW_AND_OLD_IMAGES)",
        "point-in-time recovery",
        "2 tag(s): cost, team",
        "deletion protection",
    ]

    plan = api.plan_copy("events", source=A, target=B)
    assert plan.settings_not_copied == expected
    assert "not copied" in dict(plan.rows())
    assert all(setting in str(plan) for setting in expected)
    result = api.copy("events", source=A, target=B)
    assert result.created_target and result.settings_not_copied == expected
    assert dict(result.rows())["settings not copied"] == "; ".join(expected)
    assert "not copied to the new table: TTL on 'expires'" in result.summary_line()

    # an existing target: nothing is said about settings (they are the target's own)
    assert api.plan_copy("events", source=A, target=B).settings_not_copied == []


def test_settings_that_cannot_be_read_are_unknown_not_fatal(servers):
    source = client_for(A)
    create_events(source)

    def deny(request, **_):
        return error_response(request.url, "AccessDeniedException", "not allowed")

    def unsupported(request, **_):
        return error_response(request.url, "UnknownOperationException", "not supported")

    events = clients.client(environments.resolve(A)).meta.events
    events.register("before-send.dynamodb.DescribeTimeToLive", deny)
    events.register("before-send.dynamodb.DescribeContinuousBackups", unsupported)
    events.register("before-send.dynamodb.ListTagsOfResource", deny)

    plan = api.plan_copy("events", source=A, target=B)

    assert plan.settings_not_copied == [
        "TTL (unknown: AccessDeniedException)",
        "point-in-time recovery (unknown: UnknownOperationException)",
        "tags (unknown: AccessDeniedException)",
    ]
    assert api.copy("events", source=A, target=B).ok
