"""Capacity limits of a copy (``max_write_units``/``max_read_units``): one budget shared by
every worker, charged each call's real cost, slowed (never failed) by throttling, resolved from
DescribeTable for ``P%``, refused with one line for bad values, stated in the plan and result.

The target sits behind a real proxy (tests/proxy.py) that records every call with the time it
arrived: the budget is checked on those records and the sizes of the items they carry (by
DynamoDB's rule, ``dynamodb.capacity.write_cost``), never on how long a test took.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

import botocore.retries.standard
import pytest

import dynamo_magic.api as api
from dynamo_magic.dynamodb.capacity import (
    BURST_SECONDS,
    RECOVERY_SECONDS,
    THROTTLE_SPACING,
    TokenBucket,
    write_cost,
)
from dynamo_magic.errors import InvalidQuery

from conftest import A, B, client_for, use_profiles
from proxy import Action, Answer, Call, FaultProxy, HoldBack, Rule
from tables import keyed, scan_all

KEY = ("id",)
PAD = "x" * 300  # ~320-byte items: one write unit each


def create_plain(client: Any, name: str = "limited", write: int = 0, read: int = 0) -> None:
    """A table keyed by ``id`` (S): on-demand, or provisioned at ``write``/``read`` units."""
    billing: dict[str, Any] = (
        {"ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write}}
        if write
        else {"BillingMode": "PAY_PER_REQUEST"}
    )
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        **billing,
    )


def fill(client: Any, n: int, name: str = "limited", start: int = 0) -> None:
    items = [{"id": {"S": f"k{i:05}"}, "pad": {"S": PAD}} for i in range(start, start + n)]
    for at in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[at : at + 25]]
        client.batch_write_item(RequestItems={name: batch})


def items_of(server: Any) -> dict[str, Any]:
    """Every item of the server's ``limited`` table, by key (the test's own view)."""
    return keyed(scan_all(server.client(), "limited"), KEY)


def writes(proxy: FaultProxy) -> list[tuple[Call, float]]:
    """The BatchWriteItem calls that reached the server, by arrival, each with its units."""
    calls = sorted(
        (c for c in proxy.calls_of("BatchWriteItem") if c.status == 200), key=lambda c: c.arrived
    )
    return [(c, write_cost(*c.body["RequestItems"].values())) for c in calls]


def worst_window_excess(calls: list[tuple[Call, float]], rate: float) -> float:
    """The most the units of any run of consecutive calls exceed ``rate`` times the seconds
    between the first's and the last's arrival, less the bucket's burst (``BURST_SECONDS``)."""
    worst = float("-inf")
    for i in range(len(calls)):
        units = 0.0
        for k in range(i, len(calls)):
            units += calls[k][1]
            allowed = rate * (calls[k][0].arrived - calls[i][0].arrived) + rate * BURST_SECONDS
            worst = max(worst, units - allowed)
    return worst


@pytest.fixture
def no_botocore_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore retries as configured, without waiting (in this process only)."""
    monkeypatch.setattr(
        botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0
    )


# -- one budget for every worker --------------------------------------------------------------
@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_every_worker_shares_one_write_budget(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """4 workers over 8 segments, 80 write units/s: in no stretch of the copy did the target
    receive more than the rate over that stretch plus the bucket's one second of burst and one
    request's debt (4 separate budgets would take 4 times the rate); the result's units are
    exactly what the calls cost."""
    a, b = servers
    create_plain(client_for(A))
    fill(client_for(A), 240)
    create_plain(client_for(B))
    rate = 80.0
    with FaultProxy(b.url) as target:
        use_profiles({A: a.url, B: target.url}, tmp_path / "proxied", monkeypatch)
        result = api.copy(
            "limited",
            source=A,
            target=B,
            max_write_units=rate,
            workers=4,
            segments=8,
            backend=backend,
            verify="none",
        )
    assert result.ok and result.written == 240, result.summary_line()
    sent = writes(target)
    biggest = max(units for _, units in sent)
    assert sum(units for _, units in sent) == 240  # one unit per item: each item sent once
    assert worst_window_excess(sent, rate) <= biggest, "the workers took more than the budget"
    assert result.write_units == 240 and result.write_rate == "80 write units/s (asked)"
    assert "writes 80 write units/s (asked), 240 units consumed" in result.summary_line()


def test_the_prune_s_deletes_count_against_the_write_budget(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replace mode into a target holding 30 items the source lacks: the puts and the deletes
    share the budget, and the units consumed are both (a delete costs at least one unit)."""
    a, b = servers
    create_plain(client_for(A))
    fill(client_for(A), 60)
    create_plain(client_for(B))
    fill(client_for(B), 30, start=1000)
    with FaultProxy(b.url) as target:
        use_profiles({A: a.url, B: target.url}, tmp_path / "proxied", monkeypatch)
        result = api.copy(
            "limited", source=A, target=B, max_write_units=200, yes=True, backup=False
        )
    assert result.ok and (result.written, result.deleted) == (60, 30), result.summary_line()
    sent = writes(target)
    deletes = sum(
        1
        for call, _ in sent
        for request in next(iter(call.body["RequestItems"].values()))
        if "DeleteRequest" in request
    )
    assert deletes == 30 and result.write_units == sum(units for _, units in sent) == 90
    assert result.read_units is None  # reads were not limited: not metered


# -- throttling slows the copy, never fails it ------------------------------------------------
def throttling(every: int) -> Rule:
    """Throttle every ``every``-th BatchWriteItem outright and hold back a third of the next
    one's requests as UnprocessedItems (the service's two ways of pushing back)."""
    count = 0
    lock = threading.Lock()

    def rule(op: str, body: dict[str, Any]) -> Action:
        nonlocal count
        if op != "BatchWriteItem":
            return None
        with lock:
            count += 1
            number = count
        if number % every == 0:
            return Answer.throttled()
        if number % every == 1:
            picked = iter(range(10**6))
            return HoldBack(lambda table, request: next(picked) % 3 == 0)
        return None

    return rule


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_throttling_slows_a_limited_copy_and_it_still_ends_exact(
    servers: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    no_botocore_waits: None,
    backend: str,
) -> None:
    a, b = servers
    create_plain(client_for(A))
    fill(client_for(A), 200)
    create_plain(client_for(B))
    caplog.set_level(logging.INFO, logger="dynamo_magic")
    with FaultProxy(b.url, throttling(every=3)) as target:
        use_profiles({A: a.url, B: target.url}, tmp_path / "proxied", monkeypatch)
        result = api.copy(
            "limited", source=A, target=B, max_write_units=400, workers=2, backend=backend
        )
    throttled = [c for c in target.calls_of("BatchWriteItem") if c.status == 400]
    held = [c for c in target.calls_of("BatchWriteItem") if c.held]
    assert throttled and held  # the service pushed back both ways
    assert result.ok and result.failed == 0 and result.retried > 0, result.summary_line()
    assert items_of(b) == items_of(a) and len(items_of(b)) == 200
    # every write unit is charged once: what the server took, never the throttled attempts
    assert result.write_units == 200
    slowed = [r.getMessage() for r in caplog.records if "write units consumed" in r.message]
    assert slowed and "0 throttle(s)" not in slowed[0], slowed


# -- P% from DescribeTable --------------------------------------------------------------------
def test_a_share_is_of_the_provisioned_capacity(servers: Any) -> None:
    """The write share of the target's provisioned write units, the read share of the
    source's read units; the plan says so, and the estimated time at that rate."""
    create_plain(client_for(A), write=100, read=40)
    fill(client_for(A), 50)
    create_plain(client_for(B), write=60, read=10)
    plan = api.plan_copy("limited", source=A, target=B, max_write_units="50%", max_read_units="25%")
    assert (plan.limits.writes.units, plan.limits.writes.basis) == (30, "50% of provisioned")
    assert (plan.limits.reads.units, plan.limits.reads.basis) == (10, "25% of provisioned")
    rows = dict(plan.rows())
    assert rows["write rate"] == "30 write units/s (50% of provisioned) ~2 s for ~50 units"
    assert rows["read rate"].startswith("10 read units/s (25% of provisioned) ~1 s")
    # the verification (count) reads the source and the target again: the read limit meters it
    assert rows["read units"] == (
        f"~{plan.read_units:,} to copy, ~{3 * plan.read_units:,} with the verification (estimated)"
    )
    assert not [w for w in plan.warnings if "rate" in w]


def test_a_share_of_reads_from_a_global_index_is_of_the_index_s_own_capacity(
    servers: Any,
) -> None:
    """A copy that reads a GSI: a read share is of the index's provisioned read units, not its
    table's (DynamoDB provisions each GSI apart); the plan names the index."""
    client_for(A).create_table(
        TableName="limited",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "pad", "AttributeType": "S"},
        ],
        ProvisionedThroughput={"ReadCapacityUnits": 100, "WriteCapacityUnits": 100},
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_pad",
                "KeySchema": [{"AttributeName": "pad", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 8, "WriteCapacityUnits": 100},
            }
        ],
    )
    fill(client_for(A), 10)
    plan = api.plan_copy(
        "limited", source=A, target=B, index="by_pad", pk=PAD, max_read_units="50%"
    )
    assert (plan.limits.reads.units, plan.limits.reads.basis) == (4, "50% of provisioned")
    assert dict(plan.rows())["read rate"].startswith("4 read units/s (50% of provisioned)")
    unlimited = api.plan_copy("limited", source=A, target=B, index="by_pad", pk=PAD)
    assert dict(unlimited.rows())["read rate"].startswith(
        "unlimited (source 'limited' index 'by_pad': 8 read units/s provisioned"
    )


def test_a_created_target_s_share_is_of_the_source_s_capacity(servers: Any) -> None:
    """The target does not exist: the copy creates it with the source's capacity."""
    create_plain(client_for(A), write=100, read=40)
    fill(client_for(A), 10)
    plan = api.plan_copy("limited", source=A, target=B, max_write_units="10%")
    assert plan.create_target and plan.limits.writes.units == 10


def describe_with(on_demand: dict[str, int], table: str = "limited") -> Rule:
    """Answer DescribeTable of ``table`` as the server does, with ``OnDemandThroughput`` added
    (moto does not return it)."""
    client = client_for(B)

    def rule(op: str, body: dict[str, Any]) -> Action:
        if op != "DescribeTable" or body.get("TableName") != table:
            return None
        description = client.describe_table(TableName=table)["Table"]  # type: ignore[attr-defined]
        description["OnDemandThroughput"] = on_demand
        as_json = json.loads(json.dumps(description, default=lambda d: d.timestamp()))
        return Answer(200, {"Table": as_json})

    return rule


def test_a_share_of_an_on_demand_table_is_of_its_maximum(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = servers
    create_plain(client_for(A))
    fill(client_for(A), 20)
    create_plain(client_for(B))
    rule = describe_with({"MaxReadRequestUnits": -1, "MaxWriteRequestUnits": 400})
    with FaultProxy(b.url, rule) as target:
        use_profiles({A: a.url, B: target.url}, tmp_path / "proxied", monkeypatch)
        plan = api.plan_copy("limited", source=A, target=B, max_write_units="25%")
        assert (plan.limits.writes.units, plan.limits.writes.basis) == (
            100,
            "25% of on-demand maximum",
        )
        over = api.plan_copy("limited", source=A, target=B, max_write_units=1000)
    assert over.limits.writes.exceeds
    assert any(
        "above what 'limited' can take (400 units/s on-demand maximum)" in w for w in over.warnings
    )


def test_a_share_of_an_on_demand_table_without_a_maximum_is_refused_before_writing(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = servers
    create_plain(client_for(A))
    fill(client_for(A), 20)
    create_plain(client_for(B))
    with FaultProxy(b.url) as target:
        use_profiles({A: a.url, B: target.url}, tmp_path / "proxied", monkeypatch)
        with pytest.raises(InvalidQuery) as refused:
            api.copy("limited", source=A, target=B, max_write_units="80%")
    message = str(refused.value)
    assert "\n" not in message and "on-demand without a maximum" in message
    assert "give write units per second instead" in message
    assert not target.calls_of("BatchWriteItem") and items_of(b) == {}


# -- bad values: one line, before any call -----------------------------------------------------
BAD_LIMITS = [
    ("max_write_units", 0, "a number above 0"),
    ("max_write_units", -5, "a number above 0"),
    ("max_write_units", "abc", "a number above 0"),
    ("max_write_units", float("nan"), "a number above 0"),
    ("max_write_units", True, "a number above 0"),
    ("max_read_units", "150%", "at most 100%"),
    ("max_read_units", "0%", "above 0%"),
    ("max_read_units", "x%", "a number and % (e.g. 80%)"),
    ("max_write_units", "50%%", "a number and % (e.g. 80%)"),
]


def test_a_bad_limit_is_refused_in_one_line_before_any_call(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every bad value, by copy, start_copy and plan_copy: no call reaches either server."""
    a, b = servers
    with FaultProxy(a.url) as source, FaultProxy(b.url) as target:
        use_profiles({A: source.url, B: target.url}, tmp_path / "proxied", monkeypatch)
        for keyword, value, says in BAD_LIMITS:
            for function in (api.copy, api.start_copy, api.plan_copy):
                with pytest.raises(InvalidQuery) as refused:
                    function("limited", source=A, target=B, **{keyword: value})
                message = str(refused.value)
                assert message.startswith(f"{keyword} ") and says in message, message
                assert "\n" not in message
    assert source.calls == [] and target.calls == []


# -- the plan's rows and warnings -------------------------------------------------------------
def test_the_plan_says_unlimited_and_warns_of_a_provisioned_target_it_will_overrun(
    servers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """No limit: an on-demand source reads unlimited; a provisioned target slower than the
    copy's writes is warned of (a plan row and a log WARNING), naming what to give."""
    create_plain(client_for(A))
    fill(client_for(A), 50)
    create_plain(client_for(B), write=5, read=5)
    with caplog.at_level(logging.WARNING, logger="dynamo_magic"):
        plan = api.plan_copy("limited", source=A, target=B)
    rows = dict(plan.rows())
    assert rows["read rate"] == "unlimited (source 'limited' is on-demand)"
    assert rows["write rate"] == (
        "unlimited (target 'limited': 5 write units/s provisioned; ~10 s at that rate)"
    )
    warning = "'limited' is provisioned at 5 write units/s and the copy is not limited"
    assert any(warning in w and "max_write_units" in w for w in plan.warnings), plan.warnings
    assert any(warning in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert ("warning", next(w for w in plan.warnings if warning in w)) in plan.rows()


def test_a_target_the_copy_creates_is_warned_of_without_the_traffic_it_does_not_have(
    servers: Any,
) -> None:
    """A provisioned source copied into a target the copy creates (with the source's
    capacity): the warning says the table will be created so, and not that the copy competes
    with the table's own traffic (a new table has none)."""
    create_plain(client_for(A), write=5, read=5)
    fill(client_for(A), 50)
    plan = api.plan_copy("limited", source=A, target=B)
    assert plan.create_target
    (warning,) = [w for w in plan.warnings if "not limited" in w]
    assert warning.startswith("'limited' will be created provisioned at 5 write units/s")
    assert "own traffic" not in warning and "max_write_units" in warning


def test_the_plan_warns_when_the_asked_rate_exceeds_the_provisioned_capacity(
    servers: Any,
) -> None:
    create_plain(client_for(A))
    fill(client_for(A), 5)
    create_plain(client_for(B), write=50, read=5)
    plan = api.plan_copy("limited", source=A, target=B, max_write_units=75)
    assert any(
        w.startswith("write rate 75 units/s is above what 'limited' can take (50 units/s")
        for w in plan.warnings
    ), plan.warnings


# -- the bucket itself (a clock of the test's own) ---------------------------------------------
def test_the_bucket_starts_empty_halves_on_throttling_and_recovers_slowly() -> None:
    now = [100.0]
    bucket = TokenBucket(100, clock=lambda: now[0])
    now[0] = 200.0  # made long before the first request: nothing saved up meanwhile
    assert bucket.reserve(50) == 0.5  # starts empty: the first request waits for its units
    assert bucket.reserve(25) == 0.75  # in debt: the next one waits behind it
    bucket.throttled()
    bucket.throttled()  # the same throttling, met by another worker: lowered once
    assert (bucket.state().rate, bucket.state().throttles) == (50, 1)
    now[0] += THROTTLE_SPACING  # a second later (recovering meanwhile): lowered again
    bucket.throttled()
    lowered = (50 + 100 * THROTTLE_SPACING / RECOVERY_SECONDS) / 2
    assert bucket.state().rate == pytest.approx(lowered)
    now[0] += RECOVERY_SECONDS / 2
    assert bucket.state().rate == pytest.approx(lowered + 50)  # climbs back linearly ...
    now[0] += RECOVERY_SECONDS
    assert bucket.state().rate == 100  # ... to the rate asked, never above
    bucket.settle(-75)  # a refused call gives its units back
    assert bucket.state().consumed == 0
