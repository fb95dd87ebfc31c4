"""The query engine through the Python API, its keys: sort-key operators, partition key types
and indexes, against in-process moto. Expected results are computed from the test data in
``tables.py``; the other modules here cover items, paging and PartiQL."""

from __future__ import annotations

import base64
import operator
from decimal import Decimal
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.errors import IndexNotFound, InvalidQuery, TableNotFound

from .data import EVENTS, ORDERS, expected_numbers, key_pairs, one_line, order_numbers, request_log

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
