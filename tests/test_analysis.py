"""Unique values and attribute summaries for values of every type (missing is its own row)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

import dynamo_magic as dm
from dynamo_magic import analysis, api, environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.errors import InvalidQuery

from tables import BIG, create_orders, orders_items, put_all

C1 = range(1, 11)  # order numbers of customer c1


@pytest.fixture
def orders(mock_dynamo: None) -> str:
    put = clients.client(environments.resolve("dev"))
    create_orders(put)
    put_all(put, "orders", orders_items())
    return "orders"


NA = "NA cell"  # what rows() writes for a pd.NA cell (pd.NA == x is NA, not a bool)


def rows(frame: Any) -> list[tuple[Any, str, int]]:
    """A unique table's rows; the row of items without the attribute is (NA, NA, count)."""
    return [
        (NA if value is pd.NA else value, NA if type_ is pd.NA else type_, int(count))
        for value, type_, count in frame.itertuples(index=False)
    ]


# -- unique -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ("paid", [(False, "BOOL", 4), (True, "BOOL", 4), (NA, NA, 2)]),
        ("region", [("us", "S", 4), ("ap", "S", 3), ("eu", "S", 3)]),
        ("big", [(Decimal(BIG), "N", 10)]),
        ("note", [(None, "NULL", 10)]),
        ("lines", [(["x", 2, {"k": True}], "L", 10)]),
        ("nothing", [(NA, NA, 10)]),
        ("tags", [({"a", f"t{n}"}, "SS", 1) for n in C1]),
        ("scores", [({1, n}, "NS", 1) for n in C1]),
        ("chunks", [({b"\x01", bytes([n])}, "BS", 1) for n in C1]),
        ("blob", [(bytes([n, 0, 255]), "B", 1) for n in C1]),
        ("address", [({"city": "Paris", "zip": 75000 + n}, "M", 1) for n in C1]),
    ],
)
def test_unique_on_every_type(orders, attribute, expected):
    frame = dm.unique(orders, attribute, "c1", env="dev")
    assert list(frame.columns) == [attribute, "type", "count"]
    assert str(frame["count"].dtype) == "Int64"
    got = rows(frame)
    if len(expected) == 10:  # ten distinct values, each once: any order among them
        assert len(got) == 10 and all(row in got for row in expected)
    else:
        assert got == expected


def test_unique_treats_sets_regardless_of_order_and_types_apart():
    items = [
        {"a": {"SS": ["x", "y"]}},
        {"a": {"SS": ["y", "x"]}},
        {"a": {"S": "1"}},
        {"a": {"N": "1"}},
        {"a": {"NULL": True}},
        {"b": {"S": "other"}},
        {"a": {"M": {"k": {"B": b"\x00"}}}},
    ]
    frame = analysis.unique(items, "a", numbers="decimal")
    assert rows(frame) == [
        ({"x", "y"}, "SS", 2),
        (NA, NA, 1),
        ({"k": b"\x00"}, "M", 1),
        (Decimal(1), "N", 1),
        (None, "NULL", 1),
        ("1", "S", 1),
    ]


def test_unique_orders_numbers_by_value_among_equal_counts():
    """Equal counts: numbers by value (1, 2, 10, 100, 103; not 1, 10, 100, 103, 2 as text),
    number sets too, the other types by canonical text, types in one fixed order; the same
    order whatever order the items came in (a parallel scan's varies)."""
    numbers = ["103", "10", "2", "100", "1", "-3", "9.5", "0.001", "1E+3"]
    items = [{"v": {"N": n}} for n in numbers] + [
        {"v": {"NS": ["10", "1"]}},
        {"v": {"NS": ["2", "1"]}},
        {"v": {"S": "b"}},
        {"v": {"S": "a"}},
        {"v": {"N": "7"}},
        {"v": {"N": "7.0"}},  # the same number: counted twice, so first
        {},
    ]
    expected = [
        (Decimal(7), "N", 2),
        (NA, NA, 1),
        *[(Decimal(n), "N", 1) for n in ("-3", "0.001", "1", "2", "9.5", "10", "100", "103")],
        (Decimal(1000), "N", 1),
        ({Decimal(1), Decimal(2)}, "NS", 1),
        ({Decimal(1), Decimal(10)}, "NS", 1),
        ("a", "S", 1),
        ("b", "S", 1),
    ]
    for order in (items, items[::-1], items[3:] + items[:3]):
        assert rows(analysis.unique(order, "v", numbers="decimal")) == expected


def test_summary_top_values_order_numbers_by_value_among_equal_counts():
    items = [{"n": {"N": n}} for n in ("100", "10", "9", "9", "1")]
    for order in (items, items[::-1]):
        frame = analysis.summary(order, numbers="decimal")
        assert frame.loc[0, "top values"] == [(Decimal(9), 2), (Decimal(1), 1), (Decimal(10), 1)]


def test_unique_of_empty_result(orders):
    frame = dm.unique(orders, "qty", "nobody", env="dev")
    assert frame.empty and list(frame.columns) == ["qty", "type", "count"]


@pytest.mark.parametrize(
    ("attribute", "columns"),
    [
        ("type", ["type", "_type", "_count"]),
        ("count", ["count", "_type", "_count"]),
        ("kind", ["kind", "type", "count"]),
    ],
)
def test_unique_columns_never_clash(attribute, columns):
    """An attribute named like a helper column keeps its name; the helpers are renamed."""
    items = [{attribute: {"S": "<missing>"}}, {attribute: {"NULL": True}}, {}, {}]
    frame = analysis.unique(items, attribute)
    assert list(frame.columns) == columns
    # the real string "<missing>", a NULL and the items without it are three different rows
    assert rows(frame) == [(NA, NA, 2), (None, "NULL", 1), ("<missing>", "S", 1)]
    assert analysis.missing_rows(frame).tolist() == [True, False, False]


# -- summary ------------------------------------------------------------------------------------
def test_summary_of_a_query(orders):
    frame = dm.summary(orders, "c1", env="dev")
    by_name = frame.set_index("attribute")
    assert len(frame) == len(orders_items()[0])  # one row per attribute
    assert list(frame["attribute"][-1:]) == ["paid"]  # the only one not always present
    assert by_name.loc["paid", "present"] == 0.8
    assert by_name.loc["paid", "types"] == "BOOL" and by_name.loc["paid", "distinct"] == 2
    assert by_name.loc["customer", "top values"] == [("c1", 10)]
    assert by_name.loc["big", "top values"] == [(Decimal(BIG), 10)]
    assert by_name.loc["qty", "distinct"] == 10
    assert by_name.loc["region", "top values"] == [("us", 4), ("ap", 3), ("eu", 3)]
    assert by_name.loc["note", "types"] == "NULL"


def test_summary_mixed_types_and_long_values():
    """Top values stay whole and typed; only the text for people (top_values_text) cuts."""
    long = "x" * 100
    items = [{"a": {"S": "x"}}, {"a": {"N": "1.5"}}, {"a": {"N": "1.5"}, "b": {"S": long}}]
    frame = analysis.summary(items)
    assert frame.to_dict("records") == [
        {
            "attribute": "a",
            "present": 1.0,
            "types": "N, S",
            "distinct": 2,
            "top values": [(1.5, 2), ("x", 1)],
        },
        {
            "attribute": "b",
            "present": 0.3333,  # 1 of 3, rounded to 4 places
            "types": "S",
            "distinct": 1,
            "top values": [(long, 1)],
        },
    ]
    texts = frame["top values"].map(analysis.top_values_text).tolist()
    assert texts == ["1.5 (2), x (1)", "x" * 39 + "… (1)"]


def test_summary_of_nothing():
    frame = analysis.summary([])
    assert frame.empty and frame.columns[0] == "attribute"


# -- explore (the view a front end shows) -------------------------------------------------------
def test_explore_views(orders):
    unique = api.explore(orders, "c1", env="dev", unique="region", head=2)
    assert rows(unique.frame) == [("us", "S", 4), ("ap", "S", 3)]
    assert unique.kind == "unique" and unique.count is None
    assert unique.summary_line.startswith("10 item(s) from orders, query")
    counted = api.explore(orders, "c1", env="dev", count=True)
    assert (counted.kind, counted.count, counted.frame) == ("count", 10, None)
    items = api.explore(orders, "c1", env="dev", head=3)
    assert len(items.frame) == 3 and items.title == items.kind == "items"
    with pytest.raises(InvalidQuery, match="choose one of unique, summary and count"):
        api.explore(orders, "c1", env="dev", unique="region", summary=True)


# -- values compare and print as every text output writes them ----------------------------------
def test_unique_identity_is_canonical_at_any_depth():
    items = [
        {"a": {"M": {"s": {"SS": ["x", "y"]}, "n": {"N": "1.50"}}}},
        {"a": {"M": {"n": {"N": "1.5"}, "s": {"SS": ["y", "x"]}}}},  # the same map
        {"a": {"L": [{"B": b"\x00\xff"}]}},
        {"a": {"L": [{"B": "AP8="}]}},  # the same binary, in wire form
        {"a": {"L": [{"S": "AP8="}]}},  # a string is not a binary
    ]
    frame = analysis.unique(items, "a")
    assert rows(frame) == [  # most frequent first; ties by type, then value
        ([b"\x00\xff"], "L", 2),
        ({"s": {"x", "y"}, "n": 1.5}, "M", 2),
        (["AP8="], "L", 1),
    ]


def test_summary_top_values_use_the_text_encoding():
    items = [
        {
            "b": {"B": b"\x00\x01\xff"},
            "s": {"SS": ["pear", "fig", "apple"]},
            "m": {"M": {"z": {"N": "1.5"}, "a": {"BS": [b"\x02", b"\x01"]}}},
            "n": {"NULL": True},
            "f": {"BOOL": False},
            "d": {"N": "0.00001"},
        }
    ]
    frame = analysis.summary(items, numbers="decimal").set_index("attribute")
    text = frame["top values"].map(analysis.top_values_text)
    assert text["b"] == "AAH/ (1)"
    assert text["s"] == '["apple", "fig", "pear"] (1)'
    assert text["m"] == '{"a": ["AQ==", "Ag=="], "z": 1.5} (1)'
    assert text["n"] == "null (1)"
    assert text["f"] == "false (1)"
    assert text["d"] == "0.00001 (1)"
    assert frame.loc["d", "top values"] == [(Decimal("0.00001"), 1)]
