"""``dynamo_magic.pages`` and ``page_size``/``start_after``: reading a query, an index or a
whole table a page at a time, forward and back, and resuming after a printed key (issue 19
§1), against in-process moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic import api
from dynamo_magic.errors import InvalidQuery

from .data import EVENTS, ORDERS, order_numbers, request_log


def test_pages_walk_forward_and_back_reading_each_page_once(db):
    queries = request_log("Query")
    walk = dm.pages("orders", "c0", env="dev", page_size=4)
    assert walk.number == 0 and not queries  # nothing read before a page is asked for
    first = walk.first()
    assert order_numbers(first) == [1, 2, 3, 4] and walk.has_next() and not walk.has_previous()
    second = walk.next()
    assert order_numbers(second) == [5, 6, 7, 8] and walk.number == 2
    third = walk.next()
    assert order_numbers(third) == [9, 10] and not walk.has_next()
    assert walk.start_after is None and walk.start_after_json is None
    with pytest.raises(IndexError, match="last"):
        walk.next()
    read = len(queries)
    assert order_numbers(walk.previous()) == [5, 6, 7, 8]
    assert order_numbers(walk.previous()) == [1, 2, 3, 4]
    assert order_numbers(walk.next()) == [5, 6, 7, 8]
    assert len(queries) == read  # back and forth again: nothing read twice
    with pytest.raises(IndexError, match="first"):
        walk.first() is not None and walk.previous()
    assert order_numbers(walk.frames_read()) == list(range(1, 11))
    assert walk.items_read == 10


def test_each_page_is_one_read_of_page_size_items(db):
    queries = request_log("Query")
    walk = dm.pages("orders", "c1", env="dev", page_size=3)
    walk.first()
    # one request per page: Limit page_size + 1 (the probe that tells whether more follow)
    assert [q.get("Limit") for q in queries] == [4]
    assert "ExclusiveStartKey" not in queries[0]
    walk.next()
    assert queries[1]["ExclusiveStartKey"] == {
        "customer": {"S": "c1"},
        "order-date": {"S": "2024-01-03"},
    }


def test_the_summary_line_says_which_page_and_whether_more_follow(db):
    walk = dm.pages("orders", "c0", env="dev", page_size=6)
    walk.first()
    assert walk.summary_line().startswith("page 1: 6 item(s) from orders, query")
    assert walk.summary_line().endswith("more follow: next page")
    walk.next()
    assert walk.summary_line().startswith("page 2: 4 item(s) from orders, query")
    assert walk.summary_line().endswith("the last page")
    assert walk.result.to_frame().attrs["dynamo_magic"]["page"] == 2


def test_a_whole_table_pages_through_every_item_once(db):
    walk = dm.pages("events", env="dev", page_size=15)
    sizes = [len(walk.first())]
    while walk.has_next():
        sizes.append(len(walk.next()))
    assert sizes == [15, 15, 10]
    seen = walk.frames_read()
    assert sorted(zip(seen["device"], seen["seq"], strict=True)) == sorted(
        (int(e["device"]["N"]), int(e["seq"]["N"])) for e in EVENTS
    )
    assert walk.summary_line().startswith("page 3: 10 item(s) from events, scan")


def test_the_printed_key_resumes_where_the_page_ended(db):
    walk = dm.pages("orders", "c2", env="dev", page_size=4)
    walk.first()
    key = walk.start_after_json
    assert json.loads(key) == {"customer": {"S": "c2"}, "order-date": {"S": "2024-01-04"}}
    again = dm.pages("orders", "c2", env="dev", page_size=4, start_after=key)
    assert order_numbers(again.first()) == order_numbers(walk.next()) == [5, 6, 7, 8]
    plain = dm.pages(  # plain values typed from the key schema do too
        "orders",
        "c2",
        env="dev",
        page_size=4,
        start_after={"customer": "c2", "order-date": "2024-01-04"},
    )
    assert order_numbers(plain.first()) == [5, 6, 7, 8]


def test_an_index_pages_with_its_keys_and_the_table_s(db):
    """A GSI's LastEvaluatedKey names the index's key and the table's: so does the key after a
    page, and resuming from it continues the index's order."""
    walk = dm.pages("orders", "open", env="dev", index="status-total", page_size=2)
    walk.first()
    key = json.loads(walk.start_after_json)
    assert set(key) == {"status", "total", "customer", "order-date"}
    rest = dm.pages(
        "orders", "open", env="dev", index="status-total", page_size=100, start_after=key
    ).first()
    everything = dm.query("orders", "open", env="dev", index="status-total")
    assert len(walk.result.items) + len(rest) == len(everything)


def test_binary_and_number_keys_round_trip_through_the_printed_key(db):
    walk = dm.pages("blobs", env="dev", page_size=3)
    walk.first()
    text = walk.start_after_json
    assert set(json.loads(text)["id"]) == {"B"}  # base64 in DynamoDB JSON
    again = dm.pages("blobs", env="dev", page_size=3, start_after=text)
    assert list(again.first()["id"]) == list(walk.next()["id"])
    events = dm.pages("events", 1, env="dev", page_size=7)
    events.first()
    assert json.loads(events.start_after_json) == {"device": {"N": "1"}, "seq": {"N": "6"}}


def test_a_filtered_page_holds_page_size_matches_and_says_more_may_follow(db):
    walk = dm.pages("orders", "c0", env="dev", filter="total > :n", params={"n": 0}, page_size=3)
    frame = walk.first()
    assert len(frame) == 3 and walk.summary_line().endswith("more may follow: next page")
    expected = [o for o in ORDERS if o["customer"]["S"] == "c0"]
    walked = len(frame)
    while walk.has_next():
        walked += len(walk.next())
    assert walked == len(expected)


def test_a_filtered_walk_reads_every_item_once_as_dynamodb_pages_it(db):
    """Before: each filtered page read on until page_size items matched (the rest of the table
    in one 1 MB page), then the next page read again from its last match (4,790, 4,740, 4,690
    items evaluated for pages of 50)."""
    scans = request_log("Scan")
    walk = dm.pages("events", env="dev", filter="seq < :n", params={"n": 10}, page_size=8)
    frames = [walk.first()]
    while walk.has_next():
        frames.append(walk.next())
    assert all(scan.get("Limit") == 8 for scan in scans)  # evaluated per page: DynamoDB's Limit
    starts = [json.dumps(scan.get("ExclusiveStartKey"), sort_keys=True) for scan in scans]
    # once each; DynamoDB may end on an empty page (a LastEvaluatedKey at the very end)
    assert (
        len(starts) == len(set(starts)) == len(frames) in (len(EVENTS) // 8, len(EVENTS) // 8 + 1)
    )
    matches = sum(len(frame) for frame in frames)
    assert matches == sum(1 for e in EVENTS if int(e["seq"]["N"]) < 10)
    assert all(len(frame) <= 8 for frame in frames)


@pytest.mark.parametrize(
    ("start_after", "message"),
    [
        ("not json", "start_after is not JSON"),
        ('{"customer": {"S": "c0"}}', "exactly the key attributes read (customer, order-date)"),
        ('{"customer": {"N": "1"}, "order-date": {"S": "x"}}', "'customer' is S in the key"),
        ("[1, 2]", "got list"),
    ],
)
def test_a_bad_start_key_is_refused_in_one_line_before_any_read(db, start_after, message):
    queries = request_log("Query")
    with pytest.raises(InvalidQuery) as refused:
        dm.pages("orders", "c0", env="dev", start_after=start_after)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert not queries


@pytest.mark.parametrize("size", [0, -1, 2.5])
def test_a_bad_page_size_is_refused(db, size):
    with pytest.raises(InvalidQuery, match="page_size"):
        dm.pages("orders", "c0", env="dev", page_size=size)


def test_explore_reads_one_page_and_gives_the_key_after_it(db):
    found = api.explore("orders", "c1", env="dev", page_size=4)
    assert found.kind == "items" and len(found.frame) == 4
    assert json.loads(found.start_after)["order-date"] == {"S": "2024-01-04"}
    nxt = api.explore("orders", "c1", env="dev", page_size=4, start_after=found.start_after)
    assert order_numbers(nxt.frame) == [5, 6, 7, 8]
    unique = api.explore("orders", "c1", env="dev", page_size=4, unique="status")
    assert unique.result.stats.count == 4  # the analysis is of the page read, and says so
    assert unique.summary_line.startswith("page 1: 4 item(s)")
    last = api.explore("orders", "c1", env="dev", page_size=50)
    assert last.start_after is None and last.summary_line.endswith("the last page")
    # head shows the page's first rows (before: refused as a limit, naming --limit)
    headed = api.explore("orders", "c1", env="dev", page_size=4, head=2)
    assert order_numbers(headed.frame) == [1, 2] and headed.result.stats.count == 4
    with pytest.raises(InvalidQuery, match="page_size"):  # before: 0 read a page of 100
        api.explore("orders", "c1", env="dev", page_size=0)


@pytest.mark.parametrize("other", [{"count": True}, {"limit": 5}, {"scan": True, "segments": 2}])
def test_paging_refuses_options_that_read_otherwise(db, other: dict[str, Any]):
    with pytest.raises(InvalidQuery, match="page_size"):
        api.explore("orders", env="dev", page_size=4, **other)
