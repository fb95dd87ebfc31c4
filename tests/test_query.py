"""The query engine through the Python API: key conditions, indexes, types, filters, paging,
limits, scans, previews, counts and PartiQL, against in-process moto (and a few against a moto
server over real HTTP). Expected results are computed from the test data in ``tables.py``."""

from __future__ import annotations

import base64
import inspect
import operator
import re
import threading
import time
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

import dynamo_magic as dm
from dynamo_magic import api, environments
from dynamo_magic.dynamodb import clients, read
from dynamo_magic.dynamodb.retry import RetryPolicy
from dynamo_magic.errors import IndexNotFound, InvalidQuery, TableNotFound, UsageProblem
from dynamo_magic.settings import Settings, set_settings

from conftest import client_for
from tables import (
    BIG,
    blobs_items,
    create_blobs,
    create_events,
    create_keyed,
    create_orders,
    create_reserved,
    events_items,
    keyed,
    orders_items,
    put_all,
    reserved_items,
)

ORDERS = orders_items()  # customers c0..c2, orders n = 1..10 each
EVENTS = events_items()  # devices 1..2, seq 0..19


# -- helpers ------------------------------------------------------------------------------------
def load(client: Any) -> None:
    for create, name, items in (
        (create_orders, "orders", ORDERS),
        (create_events, "events", EVENTS),
        (create_blobs, "blobs", blobs_items()),
        (create_reserved, "reserved", reserved_items()),
    ):
        create(client)
        put_all(client, name, items)


def dev_client() -> Any:
    """dynamo_magic's own (cached) client of env ``dev``: one session per test keeps tests fast."""
    return clients.client(environments.resolve("dev"))


@pytest.fixture
def db(mock_dynamo: None) -> Any:
    """In-process moto with every test table loaded; returns a client."""
    client = dev_client()
    load(client)
    return client


def n_of(order_date: str) -> int:
    """The order number ``n`` of an order-date ``2024-01-NN``."""
    return int(order_date[-2:])


def order_numbers(frame: pd.DataFrame) -> list[int]:
    return sorted(n_of(d) for d in frame["order-date"])


def expected_numbers(customer: str, keep: Any) -> list[int]:
    """Order numbers of ``customer`` whose typed item passes ``keep``."""
    return sorted(
        n_of(it["order-date"]["S"]) for it in ORDERS if it["customer"]["S"] == customer and keep(it)
    )


def key_pairs(frame: pd.DataFrame, *names: str) -> list[tuple[Any, ...]]:
    return sorted(zip(*(frame[n] for n in names), strict=True))


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(exc.value)
    assert "\n" not in text, text
    return text


def request_log(event: str) -> list[dict[str, Any]]:
    """Parameters of every ``event`` call (e.g. ``Scan``) made by dynamo_magic's dev client."""
    calls: list[dict[str, Any]] = []
    reader = clients.client(environments.resolve("dev"))
    reader.meta.events.register(
        f"provide-client-params.dynamodb.{event}", lambda params, **_: calls.append(dict(params))
    )
    return calls


# -- sort-key operators -------------------------------------------------------------------------
CMP = {"=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@pytest.mark.parametrize(
    ("op", "sk", "sk2"),
    [
        ("=", "2024-01-05", None),
        ("<", "2024-01-04", None),
        ("<=", "2024-01-04", None),
        (">", "2024-01-07", None),
        (">=", "2024-01-07", None),
        ("between", "2024-01-03", "2024-01-06"),
        ("begins_with", "2024-01-0", None),
    ],
)
def test_sort_key_operators_on_string_key(db, op, sk, sk2):
    def keep(it: dict[str, Any]) -> bool:
        date = it["order-date"]["S"]
        if op == "between":
            return sk <= date <= sk2
        if op == "begins_with":
            return date.startswith(sk)
        return CMP[op](date, sk)

    expected = expected_numbers("c1", keep)
    assert 0 < len(expected) < 10  # the condition really selects
    frame = dm.query("orders", "c1", env="dev", sk=sk, sk_op=op, sk2=sk2)
    assert order_numbers(frame) == expected


@pytest.mark.parametrize(
    ("op", "sk", "sk2"),
    [
        ("=", "5", None),
        ("<", "5", None),
        ("<=", 5, None),
        (">", "15", None),
        (">=", Decimal(15), None),
        ("between", "3", "12"),  # numeric order: "12" < "3" as text
    ],
)
def test_sort_key_operators_on_number_key(db, op, sk, sk2):
    low, high = Decimal(str(sk)), Decimal(str(sk2)) if sk2 else None
    expected = sorted(
        int(it["seq"]["N"])
        for it in EVENTS
        if it["device"]["N"] == "1"
        and (
            low <= Decimal(it["seq"]["N"]) <= high
            if op == "between"
            else CMP[op](Decimal(it["seq"]["N"]), low)
        )
    )
    assert 0 < len(expected) < 20
    frame = dm.query("events", "1", env="dev", sk=sk, sk_op=op, sk2=sk2)
    assert sorted(frame["seq"]) == expected
    assert str(frame["seq"].dtype) == "Int64"


@pytest.mark.parametrize("alias", ["==", "eq", " EQ "])
def test_operator_aliases(db, alias):
    frame = dm.query("orders", "c1", env="dev", sk="2024-01-05", sk_op=alias)
    assert order_numbers(frame) == [5]


def test_sort_key_without_operator_is_begins_with_on_strings_and_equals_on_numbers(db):
    assert list(dm.query("events", 2, env="dev", sk="7")["seq"]) == [7]  # seq is N: =
    begins = dm.query("orders", "c1", env="dev", sk="2024-01-0")  # order-date is S: begins_with
    assert order_numbers(begins) == expected_numbers(
        "c1", lambda it: it["order-date"]["S"].startswith("2024-01-0")
    )
    assert 0 < len(begins) < len(expected_numbers("c1", lambda it: True))


def test_reverse_orders_sort_key_descending(db):
    frame = dm.query("events", 2, env="dev", sk="10", sk_op="<", reverse=True)
    assert list(frame["seq"]) == list(range(9, -1, -1))


@pytest.mark.parametrize(
    ("table", "pk", "options", "message"),
    [
        ("events", "1", {"sk": "1", "sk_op": "begins_with"}, "begins_with.*'seq' is a number"),
        ("orders", "c1", {"sk": "2024", "sk_op": "between"}, "between needs two bounds"),
        (
            "orders",
            "c1",
            {"sk": "2024", "sk_op": ">", "sk2": "2025"},
            "sk2 is only for sk_op between",
        ),
        ("orders", "c1", {"sk_op": "between", "sk2": "2025"}, "give sk too"),
        ("orders", "c1", {"sk": "b", "sk_op": "between", "sk2": "a"}, "LOW <= HIGH"),
        ("events", "1", {"sk": "10", "sk_op": "between", "sk2": "9"}, "LOW <= HIGH"),
        ("blobs", b"\x01\x07", {"sk": "x", "sk_op": "="}, "table 'blobs' has no sort key"),
        (
            "orders",
            "eu",
            {"index": "region-keys", "sk": "x"},
            "index 'region-keys' has no sort key",
        ),
        ("orders", "c1", {"sk": "x", "sk_op": "~"}, "unknown sort-key operator '~'.*begins_with"),
        ("orders", None, {"sk": "2024"}, "needs a partition key"),
    ],
)
def test_bad_key_conditions(db, table, pk, options, message):
    with pytest.raises(InvalidQuery, match=message) as exc:
        dm.query(table, pk, env="dev", **options)
    one_line(exc)


# -- partition key types ------------------------------------------------------------------------
@pytest.mark.parametrize("pk", ["1", " 1 ", 1, Decimal("1"), 1.0])
def test_number_partition_key(db, pk):
    frame = dm.query("events", pk, env="dev")
    assert len(frame) == 20
    assert set(frame["device"]) == {1}


@pytest.mark.parametrize(
    "pk", [bytes([3, 7]), bytearray([3, 7]), base64.b64encode(bytes([3, 7])).decode()]
)
def test_binary_partition_key(db, pk):
    frame = dm.query("blobs", pk, env="dev")
    assert frame.to_dict("records") == [{"id": bytes([3, 7]), "payload": "p3"}]


def test_string_partition_key_accepts_plain_values(db):
    db.put_item(TableName="orders", Item={"customer": {"S": "42"}, **_date(1)})
    assert len(dm.query("orders", 42, env="dev")) == 1


def _date(n: int) -> dict[str, Any]:
    return {"order-date": {"S": f"2024-01-{n:02d}"}}


@pytest.mark.parametrize(
    ("table", "pk", "message"),
    [
        ("events", "abc", "partition key 'device' is a number \\(N\\)"),
        ("events", "NaN", "partition key 'device' is a number \\(N\\)"),
        ("events", True, "partition key 'device' is a number \\(N\\)"),
        ("blobs", "not base64!", "partition key 'id' is binary \\(B\\).*base64"),
        ("blobs", 5, "partition key 'id' is binary \\(B\\)"),
        ("orders", b"c1", "partition key 'customer' is a string \\(S\\)"),
    ],
)
def test_wrongly_typed_partition_key(db, table, pk, message):
    with pytest.raises(InvalidQuery, match=message) as exc:
        dm.query(table, pk, env="dev")
    one_line(exc)


def test_wrongly_typed_sort_key(db):
    with pytest.raises(InvalidQuery, match="sort key 'seq' is a number"):
        dm.query("events", "1", env="dev", sk="five", sk_op="=")


# -- indexes ------------------------------------------------------------------------------------
def _status_total(it: dict[str, Any]) -> bool:
    return it["status"]["S"] == "open" and Decimal(it["total"]["N"]) >= 5


@pytest.mark.parametrize(
    ("index", "pk", "options", "keep", "columns"),
    [
        pytest.param(
            "status-total",
            "open",
            {"sk": "5", "sk_op": ">="},
            _status_total,
            None,  # ALL: every attribute
            id="GSI-ALL",
        ),
        pytest.param(
            "region-keys",
            "eu",
            {},
            lambda it: it["region"]["S"] == "eu",
            ["region", "customer", "order-date"],
            id="GSI-KEYS_ONLY",
        ),
        pytest.param(
            "region-include",
            "eu",
            {"sk": "2024-01-0", "sk_op": "begins_with"},
            lambda it: it["region"]["S"] == "eu" and it["order-date"]["S"] < "2024-01-10",
            ["region", "order-date", "customer", "total"],
            id="GSI-INCLUDE",
        ),
        pytest.param(
            "by-total",
            "c1",
            {"sk": "5", "sk_op": "<", "consistent": True},
            lambda it: it["customer"]["S"] == "c1" and Decimal(it["total"]["N"]) < 5,
            None,
            id="LSI",
        ),
    ],
)
def test_every_index_kind(db, index, pk, options, keep, columns):
    expected = sorted((it["customer"]["S"], it["order-date"]["S"]) for it in ORDERS if keep(it))
    assert 0 < len(expected) < len(ORDERS)
    frame = dm.query("orders", pk, env="dev", index=index, **options)
    assert key_pairs(frame, "customer", "order-date") == expected
    key = dm.describe("orders", env="dev").item_key_names(index)
    assert list(frame.columns[: len(key)]) == list(key)  # the index's keys, then the table's
    if columns is None:
        assert {"big", "tags", "address"} <= set(frame.columns)
    else:
        assert sorted(frame.columns) == sorted(columns)


def test_unknown_index_lists_the_indexes(db):
    with pytest.raises(IndexNotFound, match="no index 'nope'") as exc:
        dm.query("orders", "c1", env="dev", index="nope")
    for name in ("status-total", "region-keys", "region-include", "by-total"):
        assert name in one_line(exc)


def test_consistent_read_on_gsi_refused(db):
    with pytest.raises(InvalidQuery, match="'status-total' is a GSI"):
        dm.query("orders", "open", env="dev", index="status-total", consistent=True)


def test_consistent_read_on_table(db):
    calls = request_log("Query")
    assert len(dm.query("orders", "c2", env="dev", consistent=True)) == 10
    assert calls[0]["ConsistentRead"] is True


def test_describe_reports_keys_and_indexes(db):
    schema = dm.describe("orders", env="dev")
    assert str(schema.key) == "customer (S) + order-date (S)"
    kinds = {name: (i.kind, i.projection, i.included) for name, i in schema.indexes.items()}
    assert kinds == {
        "status-total": ("GSI", "ALL", ()),
        "region-keys": ("GSI", "KEYS_ONLY", ()),
        "region-include": ("GSI", "INCLUDE", ("total",)),
        "by-total": ("LSI", "ALL", ()),
    }
    assert schema.type_of("total") == "N" and schema.type_of("qty") is None
    assert schema.billing_mode == "PAY_PER_REQUEST"
    assert schema.item_count == len(ORDERS)
    assert [r["kind"] for r in schema.describe_rows()] == ["table", "GSI", "GSI", "GSI", "LSI"]


def test_unknown_table(db):
    with pytest.raises(TableNotFound, match="table 'nope' not found in env 'dev'") as exc:
        dm.query("nope", "x", env="dev")
    one_line(exc)


# -- attribute types into the DataFrame ---------------------------------------------------------
def test_every_attribute_type(db):
    frame = dm.query("orders", "c2", env="dev")
    dtypes = {name: str(dtype) for name, dtype in frame.dtypes.items()}
    assert dtypes["customer"] == dtypes["status"] == "string"
    assert dtypes["paid"] == "boolean"
    assert dtypes["qty"] == dtypes["size"] == "Int64"
    assert dtypes["total"] == "Float64"
    assert list(frame.columns[:2]) == ["customer", "order-date"]
    for row in frame.to_dict("records"):
        n = n_of(row["order-date"])
        assert row["qty"] == n and row["total"] == n * 1.25
        assert row["big"] == Decimal(BIG) and isinstance(row["big"], Decimal)
        assert pd.isna(row["note"])
        assert pd.isna(row["paid"]) if n % 5 == 0 else row["paid"] == (n % 2 == 0)
        assert row["blob"] == bytes([n, 0, 255])
        assert row["tags"] == {"a", f"t{n}"}
        assert row["scores"] == {1, n}
        assert row["chunks"] == {b"\x01", bytes([n])}
        assert row["address"] == {"city": "Paris", "zip": 75000 + n}
        assert row["lines"] == ["x", 2, {"k": True}]


@pytest.mark.parametrize(
    ("numbers", "qty_dtype", "total", "big"),
    [
        ("auto", "Int64", 2.5, Decimal(BIG)),
        ("decimal", "object", Decimal("2.5"), Decimal(BIG)),
        ("float", "Float64", 2.5, float(BIG)),
    ],
)
def test_number_policies(db, numbers, qty_dtype, total, big):
    frame = dm.query("orders", "c0", env="dev", sk="2024-01-02", sk_op="=", numbers=numbers)
    assert str(frame["qty"].dtype) == qty_dtype
    assert frame["total"][0] == total and isinstance(frame["total"][0], type(total))
    assert frame["big"][0] == big


def test_number_policy_from_settings_and_unknown_policy(db):
    set_settings(Settings(numbers="decimal"))
    assert isinstance(dm.query("orders", "c0", env="dev")["qty"][0], Decimal)
    with pytest.raises(InvalidQuery, match="numbers must be one of auto, decimal, float"):
        dm.query("orders", "c0", env="dev", numbers="exact")


def test_flatten_maps(db):
    frame = dm.query("orders", "c1", env="dev", flatten=True)
    assert "address" not in frame.columns
    assert str(frame["address.city"].dtype) == "string"
    assert str(frame["address.zip"].dtype) == "Int64"
    assert sorted(frame["address.zip"]) == [75000 + n for n in range(1, 11)]
    assert list(frame.columns[:2]) == ["customer", "order-date"]


def wire_form(av: Any) -> Any:
    """A typed value as DynamoDB JSON on the wire: binaries as base64 text."""
    ((tag, value),) = av.items()
    if tag == "B":
        return {"B": base64.b64encode(value).decode()}
    if tag == "BS":
        return {"BS": [base64.b64encode(v).decode() for v in value]}
    if tag == "M":
        return {"M": {k: wire_form(v) for k, v in value.items()}}
    if tag == "L":
        return {"L": [wire_form(v) for v in value]}
    return av


def test_raw_typed_items_stay_available(db):
    result = api.fetch("orders", "c1", env="dev", sk="2024-01-03", sk_op="=")
    expected = [it for it in ORDERS if it["customer"]["S"] == "c1"][2:3]
    assert result.items == [{k: wire_form(v) for k, v in it.items()} for it in expected]


def test_select_always_includes_keys(db):
    frame = dm.query("orders", "c1", env="dev", columns="qty, big", filter="status = 'open'")
    assert list(frame.columns) == ["customer", "order-date", "qty", "big"]
    assert sorted(frame["qty"]) == [1, 3, 5, 7, 9]


def test_select_on_index_includes_index_and_table_keys(db):
    frame = dm.query("orders", "open", env="dev", index="status-total", columns=["qty"])
    assert list(frame.columns) == ["status", "total", "customer", "order-date", "qty"]


def test_empty_select_refused(db):
    with pytest.raises(InvalidQuery, match=r"^columns needs attribute names"):
        dm.query("orders", "c1", env="dev", columns=" , ")


# -- reserved words, dashes and dots ------------------------------------------------------------
def test_reserved_words_in_keys_filters_and_select(db):
    """A name with a dot is written in backquotes (issue 6: a bare dot is a nested path)."""
    frame = dm.query(
        "reserved",
        "n0",
        env="dev",
        sk="2",
        sk_op=">=",
        filter="`data.value` <> 'dot4' AND order-id > 100 AND size < 7 AND name = 'n0'",
        columns="`data.value`,order-id",
    )
    assert list(frame.columns) == ["name", "size", "data.value", "order-id"]
    assert frame.to_dict("records") == [
        {"name": "n0", "size": 2, "data.value": "dot2", "order-id": 102},
        {"name": "n0", "size": 6, "data.value": "dot6", "order-id": 106},
    ]


def test_a_bare_dotted_name_is_a_nested_path_and_the_summary_says_how_to_quote(db):
    """Issue 6: ``data.value`` now means key ``value`` of map ``data``, as in DynamoDB."""
    hint = (
        "(data.value is key 'value' of map 'data'; "
        "an attribute named 'data.value' is written `data.value`)"
    )
    selected = api.fetch("reserved", "n0", env="dev", columns="data.value")
    assert [sorted(it) for it in selected.items] == [["name", "size"]] * 4
    assert f"no item had attribute 'data.value' {hint}" in selected.summary_line()
    filtered = api.fetch("reserved", "n0", env="dev", filter="data.value = 'dot2'")
    assert filtered.items == []
    assert f"0 of 4 evaluated items matched the filter {hint}" in filtered.summary_line()
    quoted = api.fetch("reserved", "n0", env="dev", filter="`data.value` = 'dot2'")
    assert [it["data.value"]["S"] for it in quoted.items] == ["dot2"]


def test_dashed_sort_key_name(db):
    frame = dm.query("orders", "c0", env="dev", sk="2024-01-09", sk_op=">", columns="order-date")
    assert list(frame["order-date"]) == ["2024-01-10"]


# -- filters end to end -------------------------------------------------------------------------
def _n(it: dict[str, Any]) -> int:
    return int(it["qty"]["N"])


@pytest.mark.parametrize(
    ("text", "params", "keep"),
    [
        ("qty > 5", None, lambda it: _n(it) > 5),
        ("qty BETWEEN 3 AND 6", None, lambda it: 3 <= _n(it) <= 6),
        ("region IN ('eu', 'ap')", None, lambda it: it["region"]["S"] in ("eu", "ap")),
        ("status = 'open' AND NOT qty < 5", None, lambda it: _n(it) % 2 and _n(it) >= 5),
        (
            "(status = 'open' OR qty = 4) AND region != 'us'",
            None,
            lambda it: (_n(it) % 2 or _n(it) == 4) and it["region"]["S"] != "us",
        ),
        ("attribute_exists(paid)", None, lambda it: "paid" in it),
        ("attribute_not_exists(paid)", None, lambda it: "paid" not in it),
        ("begins_with(order-date, '2024-01-0')", None, lambda it: _n(it) < 10),
        ("contains(tags, 't3')", None, lambda it: _n(it) == 3),
        ("size(status) = 4", None, lambda it: it["status"]["S"] == "open"),
        ("attribute_type(paid, :t)", {"t": "BOOL"}, lambda it: "paid" in it),
        ("qty >= :low AND region = :r", {"low": 7, "r": "eu"}, lambda it: _n(it) == 9),
        ("paid = true", None, lambda it: it.get("paid", {}).get("BOOL") is True),
        ("note = null and qty <= 2", None, lambda it: _n(it) <= 2),
        ("total = :t", {"t": 3.75}, lambda it: _n(it) == 3),
        ("big = " + BIG + " AND qty < 2", None, lambda it: _n(it) < 2),
    ],
)
def test_filters(db, text, params, keep):
    expected = expected_numbers("c2", keep)
    assert 0 < len(expected) < 10
    frame = dm.query("orders", "c2", env="dev", filter=text, params=params)
    assert order_numbers(frame) == expected


def test_filter_parameter_without_value(db):
    with pytest.raises(InvalidQuery, match=r"':who' has no value.*given: low") as exc:
        dm.query("orders", "c1", env="dev", filter="customer = :who", params={"low": 1})
    assert "example:" in one_line(exc)


@pytest.mark.parametrize(
    "text",
    [
        "status =",
        "status 'open'",
        "(status = 'open'",
        "status = 'open')",
        "status ~ 'x'",
        "status = 'open",
        "qty BETWEEN 1",
        "region IN ('eu'",
        "and",
        "attribute_exists()",
        "status = 'open' AND",
        "= 'x'",
        "status = = 'x'",
    ],
)
def test_malformed_filters(db, text):
    with pytest.raises(InvalidQuery, match=r"^bad filter: .*example: status = 'active'") as exc:
        dm.query("orders", "c1", env="dev", filter=text)
    one_line(exc)


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


MANY_SEGMENTS = 2_000  # far above read.MAX_SCAN_THREADS; moto answers ~1,000 empty scans a second


def test_many_segments_scan_in_few_threads(db):
    """A thread per segment would start 2,000 threads (1,000,000 are allowed): the threads are
    capped and take segments in turn, and every segment is still scanned once."""
    calls = request_log("Scan")
    threads: set[str] = set()
    started = time.monotonic()
    result = api.fetch(
        "orders",
        env="dev",
        scan=True,
        segments=MANY_SEGMENTS,
        on_page=lambda n: threads.add(threading.current_thread().name),
    )
    assert time.monotonic() - started < 60
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


# -- PartiQL ------------------------------------------------------------------------------------
# moto's PartiQL is unreliable beyond ``SELECT ... WHERE key = ?`` and may return nothing on
# tables with many attribute types, so these tests use a simple hash-only table and only that
# statement shape; the binding logic itself is covered in test_expressions.py.
@pytest.fixture
def people(mock_dynamo: None) -> str:
    client = dev_client()
    client.create_table(
        TableName="people",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(3):
        item = {"id": {"S": f"p{i}"}, "age": {"N": str(30 + i)}, "city": {"S": "Oslo"}}
        client.put_item(TableName="people", Item=item)
    return "people"


@pytest.mark.parametrize(
    ("statement", "params", "lookup"),
    [
        ('SELECT * FROM "people" WHERE id = ?', ["p1"], None),
        ('SELECT * FROM "people" WHERE id = :who', {"who": "p1"}, None),
        ("SELECT * FROM people WHERE id = :who;", None, {"who": "p1"}.__getitem__),
    ],
)
def test_partiql(people, statement, params, lookup):
    calls = request_log("ExecuteStatement")
    result = api.run_partiql(statement, params, env="dev", lookup=lookup)
    frame = result.to_frame()
    assert frame.to_dict("records") == [{"id": "p1", "age": 31, "city": "Oslo"}]
    assert str(frame["age"].dtype) == "Int64"
    assert calls[0]["Parameters"] == [{"S": "p1"}]
    assert "p1" not in calls[0]["Statement"]
    assert result.table == "people" and result.mode == "partiql"


def test_partiql_dataframe_function(people):
    frame = dm.partiql('SELECT * FROM "people" WHERE id = ?', ["p2"], env="dev", numbers="decimal")
    assert frame["age"][0] == Decimal(32)


@pytest.mark.parametrize(
    ("statement", "params", "message"),
    [
        ('DELETE FROM "people" WHERE id = ?', ["p1"], "only SELECT statements"),
        ('UPDATE "people" SET age = 1 WHERE id = ?', ["p1"], "only SELECT statements"),
        ('SELECT * FROM "people" WHERE id = :who', {}, "no variable 'who'"),
        ('SELECT * FROM "people" WHERE id = ?', [], "more \\? markers than parameters"),
        ('SELECT * FROM "people" WHERE id = ?', ["a", "b"], "1 \\? marker\\(s\\) but 2"),
    ],
)
def test_partiql_refusals(people, statement, params, message):
    calls = request_log("ExecuteStatement")
    with pytest.raises(InvalidQuery, match=message):
        dm.partiql(statement, params, env="dev")
    assert calls == []  # refused before anything is sent


# -- over real HTTP (moto server) ---------------------------------------------------------------
def test_query_types_and_index_over_http(servers):
    load(client_for("acct-b"))
    frame = dm.query("orders", "c1", env="prod-b", sk="2024-01-08", sk_op=">=")
    assert order_numbers(frame) == [8, 9, 10]
    assert frame["big"][0] == Decimal(BIG) and frame["blob"][0] == bytes([8, 0, 255])
    frame = dm.query("orders", "eu", env="acct-b", index="region-keys")
    assert sorted(frame.columns) == ["customer", "order-date", "region"]
    with pytest.raises(TableNotFound):  # server A has no tables: two separate accounts
        dm.query("orders", "c1", env="acct-a")


def test_scan_count_and_paging_over_http(servers):
    load(client_for("dev"))
    frame = dm.scan("orders", env="dev", segments=3)
    assert key_pairs(frame, "customer", "order-date") == sorted(
        (it["customer"]["S"], it["order-date"]["S"]) for it in ORDERS
    )
    assert dm.count("events", env="dev") == len(EVENTS)
    result = api.fetch("events", 2, env="dev", limit=20)
    assert result.stats.count == 20 and not result.stats.truncated


# -- one documented item form for every read (wire form), the client's form on request ----------
FILE_ITEM = {
    "id": {"S": "f1"},
    "data": {"B": b"\x00\x01\xff"},
    "parts": {"BS": [b"\x02", b"\x01"]},
    "meta": {"M": {"thumb": {"B": b"\xfe"}, "sizes": {"L": [{"B": b"\x03"}, {"N": "2"}]}}},
    "size": {"N": BIG},
}
FILE_ITEM_WIRE = {  # the same item as DynamoDB sends it: binaries as base64 text
    "id": {"S": "f1"},
    "data": {"B": "AAH/"},
    "parts": {"BS": ["Ag==", "AQ=="]},
    "meta": {"M": {"thumb": {"B": "/g=="}, "sizes": {"L": [{"B": "Aw=="}, {"N": "2"}]}}},
    "size": {"N": BIG},
}


def test_fetch_and_partiql_items_share_the_wire_form(servers):
    # moto's PartiQL handles key equality and full-table SELECTs on a hash-only table
    client = client_for("dev")
    client.create_table(
        TableName="files",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="files", Item=FILE_ITEM)
    client.put_item(TableName="files", Item={"id": {"S": "f2"}, "data": {"B": b"\x07"}})
    expected = keyed([FILE_ITEM_WIRE], ("id",))
    fetched = api.fetch("files", "f1", env="dev")
    by_key = api.run_partiql('SELECT * FROM "files" WHERE id = ?', ["f1"], env="dev")
    everything = api.run_partiql("SELECT * FROM files", env="dev")
    assert keyed(fetched.items, ("id",)) == keyed(by_key.items, ("id",)) == expected
    f1 = next(item for item in everything.items if item["id"] == {"S": "f1"})
    assert keyed([f1], ("id",)) == expected
    assert {item["id"]["S"]: item["data"] for item in everything.items}["f2"] == {"B": "Bw=="}

    # decoded_items(): the form boto3's client returns and accepts (binaries as bytes)
    stored = client.get_item(TableName="files", Key={"id": {"S": "f1"}})["Item"]
    for result in (fetched, by_key):
        (decoded,) = result.decoded_items()
        assert keyed([decoded], ("id",)) == keyed([stored], ("id",)) == keyed([FILE_ITEM], ("id",))
    client.put_item(TableName="files", Item=by_key.decoded_items()[0] | {"id": {"S": "copy"}})
    copy = client.get_item(TableName="files", Key={"id": {"S": "copy"}})["Item"]
    assert copy["data"] == {"B": b"\x00\x01\xff"}  # not base64 text encoded a second time
    assert copy["meta"]["M"]["thumb"] == {"B": b"\xfe"}

    # both forms make the same DataFrame
    for result in (fetched, by_key):
        frame = result.to_frame()
        assert frame["data"][0] == b"\x00\x01\xff" and frame["parts"][0] == {b"\x01", b"\x02"}
        assert frame["size"][0] == Decimal(BIG)
