"""The query engine through the Python API, how much it reads: paging, limits, empty results,
scans, previews and counts, and what a limit does to a count (in-process moto)."""

from __future__ import annotations

import inspect
import re
import threading
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic import api
from dynamo_magic.dynamodb import read
from dynamo_magic.dynamodb.retry import RetryPolicy
from dynamo_magic.errors import InvalidQuery, UsageProblem
from dynamo_magic.settings import Settings, set_settings

from .data import EVENTS, ORDERS, order_numbers, request_log
from tables import create_events, create_keyed, put_all

# -- paging, limits, empty results --------------------------------------------------------------
LARGE_ITEMS = 15
LARGE_ITEM_BYTES = 100_000  # 15 of them exceed DynamoDB's (and moto's) 1 MB page


@pytest.fixture
def large(db: Any) -> str:
    create_keyed(db, "large", ("pk", "S"), ("n", "N"))
    items = [
        {"pk": {"S": "p"}, "n": {"N": str(i)}, "pad": {"S": str(i) * LARGE_ITEM_BYTES}}
        for i in range(LARGE_ITEMS)
    ]
    put_all(db, "large", items)
    return "large"


@pytest.mark.parametrize("how", [{"pk": "p"}, {"scan": True, "segments": 1}])
def test_paging_beyond_one_page(large, how):
    result = api.fetch(large, env="dev", **how)
    assert result.stats.pages > 1
    assert sorted(int(it["n"]["N"]) for it in result.items) == list(range(LARGE_ITEMS))
    assert not result.stats.truncated


def test_limit_across_pages(large):
    result = api.fetch(large, "p", env="dev", limit=12)
    assert [int(it["n"]["N"]) for it in result.items] == list(range(12))
    assert result.stats.truncated and result.stats.pages > 1


@pytest.mark.parametrize(
    ("limit", "options", "rows", "truncated"),
    [
        (3, {}, 3, True),
        (10, {}, 10, False),  # exactly the partition's size: nothing left out
        (50, {}, 10, False),
        (5, {"filter": "status = 'open'"}, 5, False),
        (2, {"filter": "status = 'open'"}, 2, True),
    ],
)
def test_limit(db, limit, options, rows, truncated):
    result = api.fetch("orders", "c1", env="dev", limit=limit, **options)
    frame = result.to_frame()
    assert len(frame) == rows
    assert result.stats.truncated is truncated
    assert frame.attrs["dynamo_magic"]["truncated"] is truncated
    line = result.summary_line()
    assert line.startswith(f"{rows} item(s) from orders, query")
    assert ("truncated at" in line and "raise or drop the limit" in line) is truncated


class DynamoDBPages:
    """A stub client that pages like DynamoDB (unlike moto): a page that stops at ``Limit``
    carries a LastEvaluatedKey even when no item follows."""

    def __init__(self, total: int):
        self.items = [{"k": {"N": str(i)}} for i in range(total)]

    def query(self, **request: Any) -> dict[str, Any]:
        start = int(request.get("ExclusiveStartKey", {"k": {"N": "-1"}})["k"]["N"]) + 1
        page = self.items[start : start + request.get("Limit", len(self.items))]
        reply: dict[str, Any] = {"Items": page, "Count": len(page), "ScannedCount": len(page)}
        if page and "Limit" in request and len(page) == request["Limit"]:
            reply["LastEvaluatedKey"] = page[-1]
        return reply


@pytest.mark.parametrize(
    ("total", "limit", "truncated"), [(10, 10, False), (10, 9, True), (10, 11, False)]
)
def test_limit_with_dynamodb_paging(total, limit, truncated):
    items, stats = read.read_all(
        DynamoDBPages(total), "query", {"TableName": "t"}, limit, policy=RetryPolicy()
    )
    assert len(items) == min(total, limit) == stats.count
    assert stats.truncated is truncated


def test_bad_limit(db):
    with pytest.raises(InvalidQuery, match=r"^limit must be a positive") as refused:
        dm.query("orders", "c1", env="dev", limit=0)
    # a front end names the parameter its own way
    assert refused.value.render(lambda name: f"--{name}").startswith("--limit must be")


@pytest.mark.parametrize("n", [0, -1])
def test_bad_head_names_the_parameter_given(db, n):
    """dynamo_magic.head(n=...) names n, not the limit it is passed on as."""
    with pytest.raises(InvalidQuery, match=rf"^n must be a positive number of items \(got {n}\)"):
        dm.head("orders", "c1", n=n, env="dev")
    with pytest.raises(InvalidQuery, match=r"^head must be a positive number of rows"):
        api.explore("orders", "c1", head=n, env="dev", summary=True)


@pytest.mark.parametrize(
    "options",
    [
        {"pk": "nobody"},
        {"pk": "c1", "filter": "qty > 100"},
        {"pk": "c1", "sk": "2025", "sk_op": ">="},
        {"pk": "nobody", "index": "region-keys"},
    ],
)
def test_empty_results(db, options):
    result = api.fetch("orders", env="dev", **options)
    frame = result.to_frame()
    assert frame.empty and len(frame) == 0
    assert result.summary_line().startswith("0 item(s)")


def test_empty_table_scan(db):
    create_events(db, "empty")
    assert dm.scan("empty", env="dev").empty
    assert dm.count("empty", env="dev") == 0


# -- scans, previews, counts --------------------------------------------------------------------
def test_parallel_scan_is_complete_and_disjoint(db):
    calls = request_log("Scan")
    result = api.fetch("orders", env="dev", scan=True, segments=4)
    keys = [(it["customer"]["S"], it["order-date"]["S"]) for it in result.items]
    assert len(keys) == len(set(keys)) == len(ORDERS)
    assert set(keys) == {(it["customer"]["S"], it["order-date"]["S"]) for it in ORDERS}
    assert {(c["Segment"], c["TotalSegments"]) for c in calls} == {(s, 4) for s in range(4)}
    assert result.mode == "scan" and not result.stats.truncated


def test_scan_segments_from_settings(db):
    set_settings(Settings(segments=3))
    calls = request_log("Scan")
    assert len(dm.scan("events", env="dev")) == len(EVENTS)
    assert {c["Segment"] for c in calls} == {0, 1, 2}


# ten times read.MAX_SCAN_THREADS (each segment is a Scan call: moto answers ~1,000 empty scans a
# second, and 2,000 proved nothing more)
MANY_SEGMENTS = 10 * read.MAX_SCAN_THREADS


def test_many_segments_scan_in_few_threads(db):
    """A thread per segment would start ten times too many threads (1,000,000 segments are
    allowed): the threads are capped and take segments in turn, and every segment is still
    scanned once."""
    calls = request_log("Scan")
    threads: set[str] = set()
    result = api.fetch(
        "orders",
        env="dev",
        scan=True,
        segments=MANY_SEGMENTS,
        on_page=lambda n: threads.add(threading.current_thread().name),
    )
    keys = [(it["customer"]["S"], it["order-date"]["S"]) for it in result.items]
    assert sorted(keys) == sorted((it["customer"]["S"], it["order-date"]["S"]) for it in ORDERS)
    assert sorted(c["Segment"] for c in calls) == list(range(MANY_SEGMENTS))
    assert {c["TotalSegments"] for c in calls} == {MANY_SEGMENTS}
    assert 1 < len(threads) <= read.MAX_SCAN_THREADS
    assert result.stats.count == len(ORDERS) and not result.stats.truncated


@pytest.mark.parametrize(
    ("segments", "shown"), [(0, "not 0"), (-2, "not -2"), (1_000_001, "not 1000001")]
)
def test_segment_counts_outside_dynamodbs_bounds_are_refused_first(db, segments, shown):
    calls = request_log("Scan")
    for table in ("orders", "no-such-table"):  # refused before the table is even described
        with pytest.raises(UsageProblem, match="segments must be from 1 to 1,000,000") as exc:
            api.fetch(table, env="dev", scan=True, segments=segments)
        assert shown in str(exc.value) and "\n" not in str(exc.value)
    assert calls == []
    with pytest.raises(UsageProblem, match="segments must be"):  # settings built in Python too
        set_settings(Settings(segments=segments))


@pytest.mark.parametrize(("limit", "truncated"), [(7, True), (30, False), (31, False)])
def test_scan_with_limit(db, limit, truncated):
    result = api.fetch("orders", env="dev", scan=True, segments=4, limit=limit)
    keys = {(it["customer"]["S"], it["order-date"]["S"]) for it in result.items}
    assert len(result.items) == len(keys) == min(limit, len(ORDERS))
    assert result.stats.count == len(keys)
    assert result.stats.truncated is truncated


def test_scan_with_filter_select_and_index(db):
    frame = dm.scan("orders", env="dev", filter="status = 'open'", columns="qty")
    assert len(frame) == 15 and list(frame.columns) == ["customer", "order-date", "qty"]
    frame = dm.scan("orders", env="dev", index="region-keys")
    assert len(frame) == len(ORDERS)
    assert list(frame.columns) == ["region", "customer", "order-date"]


def test_scan_with_partition_key_refused(db):
    with pytest.raises(InvalidQuery, match=r"^scan reads the whole table"):
        api.fetch("orders", "c1", env="dev", scan=True)


def test_reverse_without_partition_key_refused(db):
    with pytest.raises(InvalidQuery, match=r"^reverse orders a query's sort key"):
        api.fetch("orders", env="dev", reverse=True, scan=True)


@pytest.mark.parametrize(
    ("limit", "rows", "truncated"), [(None, 4, True), (2, 2, True), (100, 30, False)]
)
def test_preview_without_key_is_limited_and_labelled(db, limit, rows, truncated):
    set_settings(Settings(preview_items=4))
    calls = request_log("Scan")
    result = api.fetch("orders", env="dev", limit=limit)
    frame = result.to_frame()
    assert len(frame) == rows and result.mode == "preview"
    assert all("Segment" not in c for c in calls)
    line = frame.attrs["dynamo_magic"]["summary"]
    assert line.startswith(f"preview: the first {rows} item(s) of orders")
    assert ("give a partition key, or scan the whole table, to read more" in line) is truncated


def test_head(db):
    frame = dm.head("orders", "c1", n=3, env="dev")
    assert order_numbers(frame) == [1, 2, 3]
    assert frame.attrs["dynamo_magic"]["truncated"] is True


@pytest.mark.parametrize(
    ("pk", "options", "expected"),
    [
        ("c1", {}, 10),
        ("c1", {"sk": "2024-01-05", "sk_op": ">"}, 5),
        ("c1", {"filter": "status = 'open'"}, 5),
        ("nobody", {}, 0),
        (None, {}, len(ORDERS)),
        (None, {"filter": "region = 'eu'"}, sum(it["region"]["S"] == "eu" for it in ORDERS)),
        ("open", {"index": "status-total"}, 15),
    ],
)
def test_count(db, pk, options, expected):
    calls = request_log("Query" if pk else "Scan")
    assert dm.count("orders", pk, env="dev", **options) == expected
    assert calls and all(c["Select"] == "COUNT" for c in calls)


@pytest.mark.parametrize("function", ["query", "scan", "head", "unique", "summary", "iter_frames"])
def test_count_is_no_keyword_where_items_are_returned(db, function):
    """``count=True`` reads no items (Select COUNT): a DataFrame of them would be empty, as if
    nothing matched. The functions that return items have no ``count`` keyword; ``count``
    counts them."""
    assert "count" not in inspect.signature(getattr(dm, function)).parameters
    with pytest.raises(TypeError, match="unexpected keyword argument 'count'"):
        getattr(dm, function)("orders", env="dev", count=True)
    assert dm.count("orders", "c1", env="dev") == 10


def test_table_names_are_checked_first(db):
    calls = (
        lambda table: dm.query(table, "c1", env="dev"),
        lambda table: dm.describe(table, env="dev"),
        lambda table: dm.count(table, env="dev"),
    )
    for bad, problem in (("ab", "it has 2 characters"), ("or ders", "' ' is not allowed")):
        for call in calls:
            with pytest.raises(InvalidQuery, match=f"^table: '{bad}' is not a DynamoDB table"):
                call(bad)
            with pytest.raises(InvalidQuery, match=re.escape(problem)):
                call(bad)
    # a table's ARN is a name DynamoDB takes where a table is read
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
    assert dm.describe(arn, env="dev").name == "orders"


def test_count_result_summary(db):
    result = api.fetch("orders", "c1", env="dev", count=True)
    assert result.items == [] and result.mode == "count"
    assert result.summary_line().startswith("10 item(s) from orders, counted")


# -- a limit bounds a count; the item read to detect "more" is not "evaluated" -------------------
@pytest.mark.parametrize(
    ("pk", "options", "limit", "expected", "truncated"),
    [
        ("c1", {}, 5, 5, True),
        ("c1", {}, 10, 10, False),  # exactly the partition: nothing left out
        ("c1", {}, 50, 10, False),
        ("c1", {"filter": "status = 'open'"}, 3, 3, True),
        ("c1", {"filter": "qty > 8"}, 5, 2, False),
        ("open", {"index": "status-total"}, 4, 4, True),
        (None, {"scan": True, "segments": 4}, 7, 7, True),
        (None, {"scan": True, "segments": 4}, 30, 30, False),
        (None, {"scan": True, "segments": 1}, 7, 7, True),
        (None, {"scan": True, "segments": 4, "filter": "region = 'eu'"}, 4, 4, True),
        (None, {}, 6, 6, True),  # a preview counts only what it previews
    ],
)
def test_a_limit_bounds_a_count(db, pk, options, limit, expected, truncated):
    calls = request_log("Query" if pk else "Scan")
    result = api.fetch("orders", pk, env="dev", count=True, limit=limit, **options)
    assert result.stats.count == expected
    assert result.stats.truncated is truncated
    assert all(c["Select"] == "COUNT" for c in calls)
    if "filter" not in options:  # never asks DynamoDB to evaluate more than limit + 1 items
        assert all(c["Limit"] <= limit + 1 for c in calls)
    line = result.summary_line()
    assert (f"truncated at {limit}" in line) is truncated
    # count() without a key always counts the whole table (no scan keyword): as scan=True
    counted = {k: v for k, v in options.items() if k != "scan"}
    assert dm.count("orders", pk, env="dev", limit=limit, **counted) == expected


def test_a_limit_bounds_a_count_across_pages(large):
    result = api.fetch(large, "p", env="dev", count=True, limit=12)
    assert result.stats.count == 12 and result.stats.truncated


@pytest.mark.parametrize("limit", [1, 3])
@pytest.mark.parametrize(
    "how",
    [
        {"pk": "c1"},
        {"pk": "c1", "count": True},
        {},  # a preview
        {"scan": True, "segments": 1},
        {"scan": True, "segments": 4},
        {"scan": True, "segments": 4, "count": True},
    ],
)
def test_a_limit_without_filter_evaluates_only_what_it_returns(db, how, limit):
    result = api.fetch("orders", env="dev", limit=limit, **how)
    assert result.stats.count == result.stats.evaluated == limit
    assert result.stats.truncated
    assert "evaluated" not in result.summary_line()


def test_with_a_filter_evaluated_is_what_dynamodb_evaluated(db):
    result = api.fetch("orders", "c1", env="dev", limit=2, filter="status = 'open'")
    assert result.stats.count == 2 and result.stats.truncated
    assert result.stats.evaluated == 10  # the whole partition was read to apply the filter
    assert "10 evaluated" in result.summary_line()


@pytest.mark.parametrize(("total", "limit"), [(10, 1), (10, 9), (10, 10), (3, 5)])
def test_probe_item_is_not_evaluated_with_dynamodb_paging(total, limit):
    items, stats = read.read_all(
        DynamoDBPages(total), "query", {"TableName": "t"}, limit, policy=RetryPolicy()
    )
    assert stats.evaluated == stats.count == len(items) == min(total, limit)
