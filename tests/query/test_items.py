"""The query engine through the Python API, its items: attribute types into the DataFrame,
selections, reserved words, dashes and dots, and filters end to end (in-process moto)."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

import dynamo_magic as dm
from dynamo_magic import api
from dynamo_magic.errors import InvalidQuery
from dynamo_magic.settings import Settings, set_settings

from .data import ORDERS, expected_numbers, n_of, one_line, order_numbers
from tables import BIG


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
