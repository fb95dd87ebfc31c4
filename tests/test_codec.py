"""Typed values <-> Python values and DataFrames, without DynamoDB."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dynamo_magic import codec
from dynamo_magic.errors import InvalidQuery
from dynamo_magic.schema import KeyAttribute

from tables import BIG


def column(values: list[dict[str, Any] | None], numbers: str = "auto") -> pd.Series:
    """One attribute's typed values (``None``: the item lacks it) as a DataFrame column."""
    items = [{"k": {"S": str(i)}} | ({} if v is None else {"a": v}) for i, v in enumerate(values)]
    return codec.items_to_frame(items, ("k",), numbers)["a"]


def same(got: Any, want: Any) -> bool:
    """Equal values, NA for NA, and Decimal exactly where Decimal is expected (never a float)."""
    if want is None or want is pd.NA:
        return bool(pd.isna(got))
    if isinstance(want, Decimal) or isinstance(got, Decimal):
        return isinstance(got, Decimal) and isinstance(want, Decimal) and got == want
    return isinstance(got, str) == isinstance(want, str) and got == want  # "1" is not 1


# -- key values ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("S", "abc", {"S": "abc"}),
        ("S", 42, {"S": "42"}),
        ("N", "7", {"N": "7"}),
        ("N", " -1.5 ", {"N": "-1.5"}),
        ("N", 7, {"N": "7"}),
        ("N", 0.1, {"N": "0.1"}),
        ("N", Decimal(BIG), {"N": BIG}),
        ("N", np.int64(3), {"N": "3"}),
        ("B", b"\x00\x07", {"B": b"\x00\x07"}),
        ("B", base64.b64encode(b"\x00\x07").decode(), {"B": b"\x00\x07"}),
    ],
)
def test_key_value_typed_from_schema(type_, value, expected):
    assert codec.key_value(KeyAttribute("k", type_), value) == expected


@pytest.mark.parametrize(
    ("type_", "value", "message"),
    [
        ("S", b"x", "'k' is a string \\(S\\)"),
        ("S", None, "'k' is a string \\(S\\)"),
        ("N", "abc", "'k' is a number \\(N\\); 'abc' is not a number"),
        ("N", "Infinity", "'k' is a number \\(N\\)"),
        ("N", float("nan"), "cannot store the number nan|'k' is a number"),
        ("N", True, "'k' is a number \\(N\\)"),
        ("B", "%%%", "'k' is binary \\(B\\); give bytes or base64 text$"),
        ("B", 3, "'k' is binary \\(B\\)"),
    ],
)
def test_key_value_wrong_type(type_, value, message):
    with pytest.raises(InvalidQuery, match=message):
        codec.key_value(KeyAttribute("k", type_), value, "key")


# -- Python -> attribute values -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, {"NULL": True}),
        (pd.NA, {"NULL": True}),
        (True, {"BOOL": True}),
        (np.bool_(False), {"BOOL": False}),
        (3, {"N": "3"}),
        (1.1, {"N": "1.1"}),
        (np.float64(2.5), {"N": "2.5"}),
        ("x", {"S": "x"}),
        (b"\x01", {"B": b"\x01"}),
        ({"b", "a"}, {"SS": ["a", "b"]}),
        ({b"\x02", b"\x01"}, {"BS": [b"\x01", b"\x02"]}),
        ({1}, {"NS": ["1"]}),
        ({"m": [1, "x"]}, {"M": {"m": {"L": [{"N": "1"}, {"S": "x"}]}}}),
    ],
)
def test_to_attribute(value, expected):
    assert codec.to_attribute(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (set(), "empty set"),
        ({1, "a"}, "only strings, only numbers or only bytes"),
        (float("inf"), "cannot store the number inf"),
        (object(), "cannot store a object"),
    ],
)
def test_to_attribute_refuses(value, message):
    with pytest.raises(InvalidQuery, match=message):
        codec.to_attribute(value)


# -- numbers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "numbers", "expected"),
    [
        ("5", "auto", 5),
        ("1E+2", "auto", 100),
        ("2.50", "auto", 2.5),
        ("0.1", "auto", 0.1),
        ("0.30000000000000000001", "auto", Decimal("0.30000000000000000001")),
        (BIG, "auto", int(BIG)),
        ("5", "decimal", Decimal(5)),
        ("5", "float", 5.0),
    ],
)
def test_number_value(text, numbers, expected):
    value = codec.number_value(text, numbers)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("texts", "dtype", "expected"),
    [
        (["1", "-2", None], "Int64", [1, -2, pd.NA]),
        (["9223372036854775807"], "Int64", [2**63 - 1]),
        (["1.5", "2", None], "Float64", [1.5, 2.0, pd.NA]),
        (["0.1", "1e-3"], "Float64", [0.1, 0.001]),
        # a number no int64/float holds: the whole column becomes exact Decimals
        ([BIG, "1", None], "object", [Decimal(BIG), Decimal(1), None]),
        (["9223372036854775808"], "object", [Decimal(2**63)]),
        (["9007199254740993.5", "1.5"], "object", [Decimal("9007199254740993.5"), Decimal("1.5")]),
    ],
)
def test_number_columns_auto(texts, dtype, expected):
    col = column([None if t is None else {"N": t} for t in texts])
    assert str(col.dtype) == dtype
    assert all(same(g, w) for g, w in zip(col, expected, strict=True)), list(col)


def test_number_columns_other_policies():
    texts = ["1", BIG]
    assert list(column([{"N": t} for t in texts], "decimal")) == [Decimal(1), Decimal(BIG)]
    floats = column([{"N": t} for t in texts], "float")
    assert str(floats.dtype) == "Float64" and list(floats) == [1.0, float(BIG)]


# -- DataFrames ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "dtype", "expected"),
    [
        ([{"S": "a"}, None, {"NULL": True}], "string", ["a", pd.NA, pd.NA]),
        ([{"BOOL": True}, None], "boolean", [True, pd.NA]),
        ([{"B": b"\x00"}, {"B": base64.b64encode(b"\x01").decode()}], "object", [b"\x00", b"\x01"]),
        ([{"SS": ["a"]}, {"NS": ["1", "2.5"]}], "object", [{"a"}, {1, 2.5}]),
        ([{"BS": [b"\x01"]}, None], "object", [{b"\x01"}, None]),
        ([{"M": {"x": {"N": "1"}}}, {"L": [{"S": "y"}]}], "object", [{"x": 1}, ["y"]]),
        ([{"S": "1"}, {"N": "1"}], "object", ["1", 1]),  # mixed types stay as they are
        ([{"NULL": True}, None], "object", [None, None]),
    ],
)
def test_columns_of_every_type(values, dtype, expected):
    col = column(values)
    assert str(col.dtype) == dtype
    assert all(same(g, w) for g, w in zip(col, expected, strict=True)), list(col)


def test_key_columns_first_and_empty_frame():
    items = [{"x": {"S": "1"}, "sk": {"N": "2"}, "pk": {"S": "a"}}, {"y": {"S": "2"}}]
    frame = codec.items_to_frame(items, ("pk", "sk", "absent"))
    assert list(frame.columns) == ["pk", "sk", "x", "y"]
    empty = codec.items_to_frame([], ("pk",))
    assert empty.empty and list(empty.columns) == ["pk"]  # the key columns, even when empty


def test_flatten_maps_keeps_types_and_rows_without_map():
    items = [
        {"m": {"M": {"a": {"N": "1"}, "n": {"M": {"deep": {"S": "x"}}}}}},
        {"m": {"NULL": True}},
        {"other": {"S": "no map"}},
        {"m": {"M": {"a": {"N": BIG}}}},
        {"mixed": {"M": {}}, "m": {"M": {"a": {"N": "2"}}}},
    ]
    frame = codec.items_to_frame(items, (), flatten=True)
    assert list(frame.columns) == ["m.a", "m.n.deep", "other", "mixed"]
    assert list(frame["m.a"]) == [Decimal(1), None, None, Decimal(BIG), Decimal(2)]
    assert str(frame["m.n.deep"].dtype) == "string"
    assert frame["m.n.deep"][0] == "x" and frame["m.n.deep"].isna().sum() == 4
    assert frame["mixed"][4] == {}  # only empty maps: nothing to expand


def test_flatten_leaves_mixed_columns_alone():
    items = [{"m": {"M": {"a": {"N": "1"}}}}, {"m": {"S": "text"}}]
    frame = codec.items_to_frame(items, (), flatten=True)
    assert list(frame.columns) == ["m"] and list(frame["m"]) == [{"a": 1}, "text"]


def test_flatten_names_columns_by_document_path():
    """Column names read back as the same path (issue 6): dots, brackets and backquotes in a
    name are quoted; key columns keep their names whole."""
    items = [
        {
            "k.id": {"S": "x"},
            "a.b": {"S": "top"},
            "a": {"M": {"b": {"S": "nested"}, "c[0]": {"N": "1"}}},
            "o`k": {"M": {"x.y": {"M": {"z": {"BOOL": True}}}}},
            "true": {"M": {"v": {"N": "2"}}},
            "l": {"L": [{"M": {"s": {"S": "kept whole"}}}]},
        }
    ]
    frame = codec.items_to_frame(items, ("k.id",), flatten=True)
    assert list(frame.columns) == [
        "k.id",
        "`a.b`",
        "a.b",
        "a.`c[0]`",
        "`o``k`.`x.y`.z",
        "`true`.v",
        "l",  # lists are not expanded
    ]
    assert frame["a.b"][0] == "nested" and frame["`a.b`"][0] == "top"
    assert codec.flatten_items(items, ("k.id",))[0]["`o``k`.`x.y`.z"] == {"BOOL": True}


# -- plain JSON and command-line values ---------------------------------------------------------
def test_item_json_keeps_every_digit():
    item = {
        "n": {"N": BIG},
        "b": {"B": b"\x00\xff"},
        "s": {"SS": ["b", "a"]},
        "ns": {"NS": ["2", "1.5"]},
        "bs": {"BS": [b"\x01"]},
        "m": {"M": {"l": {"L": [{"BOOL": True}, {"NULL": True}]}}},
        "t": {"S": 'é"'},
    }
    assert codec.item_json(item) == (
        '{"n": ' + BIG + ', "b": "AP8=", "s": ["a", "b"], "ns": [1.5, 2], "bs": ["AQ=="], '
        '"m": {"l": [true, null]}, "t": "é\\""}'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("1.5", Decimal("1.5")),
        ("true", True),
        ("null", None),
        ("abc", "abc"),
        ('"q"', '"q"'),
        ("[1]", "[1]"),
    ],
)
def test_parse_cli_value(text, expected):
    value = codec.parse_cli_value(text)
    assert value == expected and type(value) is type(expected)


# -- one text encoding for every text output (table, csv, json; items, unique, summary) ---------
@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("12", "12"),
        (BIG, BIG),  # 38 digits from DynamoDB text: every digit
        ("-" + BIG, "-" + BIG),
        ("1.50", "1.5"),  # DynamoDB normalises what it stores; moto does not
        ("1E+3", "1000"),
        ("0.00001", "0.00001"),
        ("-.5", "-0.5"),
        ("-0", "0"),
        (7, "7"),
        (2**70, str(2**70)),
        (1.25, "1.25"),
        (0.1, "0.1"),  # the float's shortest text, not 0.1000000000000000055...
        (1e-05, "0.00001"),
        (1e16, "10000000000000000"),
        (-0.0, "0"),
        (Decimal(BIG), BIG),
        (Decimal("1.2E+3"), "1200"),
        (Decimal("3.14159265358979323846264338327950288"), "3.14159265358979323846264338327950288"),
        (np.int64(5), "5"),
        (np.float64(2.5), "2.5"),
    ],
)
def test_numbers_are_exact_json_numbers(value, text):
    got = codec.number_json(value)  # DynamoDB text (typed path) or a DataFrame's number
    assert got == text
    if not isinstance(value, str):
        assert codec.json_text(value) == codec.text_cell(value) == text
    assert Decimal(str(json_loads_exact(got))) == Decimal(str(value))


def json_loads_exact(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, parse_int=int)


@pytest.mark.parametrize(
    ("value", "json_form", "cell"),
    [
        ("text", '"text"', "text"),
        ('é"', '"é\\""', 'é"'),
        (True, "true", "true"),
        (False, "false", "false"),
        (None, "null", ""),
        (pd.NA, "null", ""),
        (float("nan"), "null", ""),
        (b"\x00\x01\xff", '"AAH/"', "AAH/"),
        ({"pear", "apple", "fig"}, '["apple", "fig", "pear"]', '["apple", "fig", "pear"]'),
        ({10, 9, Decimal("-1.5"), 2.5}, "[-1.5, 2.5, 9, 10]", "[-1.5, 2.5, 9, 10]"),
        ({Decimal(BIG), 1}, f"[1, {BIG}]", f"[1, {BIG}]"),
        ({b"\xff", b"\x00", b"\x10"}, '["/w==", "AA==", "EA=="]', '["/w==", "AA==", "EA=="]'),
        (
            {"z": Decimal("1.5"), "a": {"y", "x"}, "b": b"\x01"},
            '{"a": ["x", "y"], "b": "AQ==", "z": 1.5}',
            '{"a": ["x", "y"], "b": "AQ==", "z": 1.5}',
        ),
        (
            ["x", 2, True, None, {"k": {20, 3}}],
            '["x", 2, true, null, {"k": [3, 20]}]',
            '["x", 2, true, null, {"k": [3, 20]}]',
        ),
        ([], "[]", "[]"),
        ({}, "{}", "{}"),
    ],
)
def test_one_encoding_for_json_and_text_cells(value, json_form, cell):
    assert codec.json_text(value) == json_form
    assert codec.text_cell(value) == cell
    json_loads_exact(json_form)  # valid JSON


def test_text_cell_null_word_and_listing_values():
    assert codec.text_cell(None, null="null") == "null"
    assert codec.text_cell(pd.Timestamp("2024-01-02 03:04:05")) == "2024-01-02 03:04:05"


RICH_ITEM = {
    "n": {"N": BIG},
    "d": {"N": "1.50"},
    "b": {"B": "AAH/"},  # wire form (base64 text)
    "s": {"SS": ["b", "c", "a"]},
    "ns": {"NS": ["10", "9", "-1.5"]},
    "bs": {"BS": ["/w==", "EA==", "AA=="]},
    "m": {"M": {"z": {"N": "1"}, "a": {"SS": ["y", "x"]}, "l": {"L": [{"B": "AQ=="}]}}},
    "l": {"L": [{"BOOL": True}, {"NULL": True}, {"NS": ["3", "20"]}]},
}


@pytest.mark.parametrize("numbers", ["auto", "decimal"])  # "float" rounds by request
def test_item_json_matches_the_encoding_of_the_dataframe_cells(numbers):
    """The typed path (``--format json`` of items) and the DataFrame path (csv, table, unique)
    write every value alike, under either exact number policy of the DataFrame."""
    typed = codec.item_json(RICH_ITEM)
    assert typed == (
        '{"n": ' + BIG + ', "d": 1.5, "b": "AAH/", "s": ["a", "b", "c"], "ns": [-1.5, 9, 10], '
        '"bs": ["/w==", "AA==", "EA=="], "m": {"a": ["x", "y"], "l": ["AQ=="], "z": 1}, '
        '"l": [true, null, [3, 20]]}'
    )
    frame = codec.items_to_frame([RICH_ITEM], numbers=numbers)
    row = frame.iloc[0]
    from_frame = "{" + ", ".join(f'"{c}": {codec.json_text(row[c])}' for c in frame.columns) + "}"
    assert from_frame == typed
    # bytes (botocore's form) and base64 text (wire form) encode alike
    assert codec.item_json(codec.decode_binaries(RICH_ITEM)) == typed


def test_set_order_never_depends_on_the_hash_seed():
    script = (
        "from dynamo_magic import codec;"
        "print(codec.json_text({'pear', 'apple', 'fig', 'kiwi', 'plum', 'lime', 'date'}));"
        "print(codec.item_json({'s': {'SS': ['pear', 'apple', 'fig', 'kiwi', 'plum']}}))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3", "12345")
    }
    assert outputs == {
        '["apple", "date", "fig", "kiwi", "lime", "pear", "plum"]\n'
        '{"s": ["apple", "fig", "kiwi", "pear", "plum"]}\n'
    }


def test_decode_binaries_gives_the_client_form_at_any_depth():
    decoded = codec.decode_binaries(RICH_ITEM)
    assert decoded["b"] == {"B": b"\x00\x01\xff"}
    assert decoded["bs"] == {"BS": [b"\xff", b"\x10", b"\x00"]}
    assert decoded["m"]["M"]["l"] == {"L": [{"B": b"\x01"}]}
    assert decoded["n"] == RICH_ITEM["n"] and decoded["s"] == RICH_ITEM["s"]
    assert codec.decode_binaries(decoded) == decoded  # bytes pass through unchanged
