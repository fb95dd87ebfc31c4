"""The DataFrame -> DynamoDB encoder (``dynamo_magic.encoding``), rule by rule of issue 17's
"Types", and its round trip with ``codec.items_to_frame`` (the frames ``query`` returns)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from dynamo_magic.codec import encode_binaries, items_to_frame
from dynamo_magic.encoding import frame_items, row_item
from dynamo_magic.errors import InvalidQuery

from tables import BIG, keyed, order_item


def one(df: pd.DataFrame, **options) -> dict:
    (item,) = frame_items(df, **options)
    return item


def column(values, dtype=None, **options) -> dict | None:
    """The attribute value of a one-row frame's column ``c`` (``None``: left out)."""
    return one(pd.DataFrame({"c": pd.Series([values], dtype=dtype)}), **options).get("c")


def test_numbers_are_exact_in_dynamodb_s_canonical_form():
    assert column(0.1) == {"N": "0.1"}  # the shortest text, not 0.1000000000000000055...
    assert column(2.0) == {"N": "2"}
    assert column(1e-05) == {"N": "0.00001"}
    assert column(1.5e20) == {"N": "150000000000000000000"}
    assert column(np.int64(7)) == {"N": "7"}
    assert column(np.uint8(255)) == {"N": "255"}
    assert column(7, dtype="Int64") == {"N": "7"}
    assert column(0.25, dtype="Float64") == {"N": "0.25"}
    assert column(Decimal(BIG)) == {"N": BIG}  # 38 digits kept
    assert column(Decimal("1.50")) == {"N": "1.5"}
    frame = pd.DataFrame({"i": [1, 2**62], "f": [0.1, 1 / 3]})
    assert [i["i"]["N"] for i in frame_items(frame)] == ["1", str(2**62)]
    assert [i["f"]["N"] for i in frame_items(frame)] == ["0.1", repr(1 / 3)]


def test_booleans_strings_bytes_and_datetimes():
    assert column(True) == {"BOOL": True}
    assert column(np.bool_(False)) == {"BOOL": False}
    assert column(True, dtype="boolean") == {"BOOL": True}
    assert column("x") == {"S": "x"}
    assert column("x", dtype="string") == {"S": "x"}
    assert column(b"\x00\xff") == {"B": "AP8="}  # the wire form: base64 text
    stamp = pd.Timestamp("2024-05-01T12:30:00.5")
    assert column(stamp) == {"S": "2024-05-01T12:30:00.500000"}
    assert column(stamp, datetimes="epoch") == {"N": "1714566600.5"}
    aware = pd.Timestamp("2024-05-01T12:30:00+02:00")
    assert column(aware) == {"S": "2024-05-01T12:30:00+02:00"}
    assert column(aware, datetimes="epoch") == {"N": "1714559400"}
    assert column(dt.date(2024, 5, 1)) == {"S": "2024-05-01"}


def test_sets_maps_lists_and_arrays():
    assert column({"b", "a"}) == {"SS": ["a", "b"]}
    assert column({3, 1.5, Decimal("2")}) == {"NS": ["1.5", "2", "3"]}
    assert column(frozenset({b"\x02", b"\x01"})) == {"BS": ["AQ==", "Ag=="]}
    assert column({"k": {"n": 1, "none": None}}) == {
        "M": {"k": {"M": {"n": {"N": "1"}, "none": {"NULL": True}}}}
    }
    assert column([1, "a", None, (True,)]) == {
        "L": [{"N": "1"}, {"S": "a"}, {"NULL": True}, {"L": [{"BOOL": True}]}]
    }
    assert column(np.array([1, 2])) == {"L": [{"N": "1"}, {"N": "2"}]}
    assert column([]) == {"L": []} and column({}) == {"M": {}}


@pytest.mark.parametrize(
    ("missing", "dtype"),
    [
        (None, object),
        (np.nan, "float64"),
        (pd.NA, "Int64"),
        (pd.NaT, "datetime64[ns]"),
        (pd.NA, "boolean"),
        (pd.NA, "string"),
    ],
)
def test_a_missing_cell_is_left_out_or_written_as_null(missing, dtype):
    frame = pd.DataFrame({"k": ["a"], "c": pd.Series([missing], dtype=dtype)})
    assert frame_items(frame) == [{"k": {"S": "a"}}]
    assert frame_items(frame, nulls="null") == [{"k": {"S": "a"}, "c": {"NULL": True}}]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("inf"), "DynamoDB cannot store the number inf"),
        ([float("nan")], "cannot store NaN inside a list, map or set"),
        ({"x": float("-inf")}, "cannot store the number -inf"),
        (set(), "cannot store an empty set"),
        ({1, "a"}, "a set must hold only strings, only numbers or only bytes"),
        (Decimal("1." + "1" * 38), "more than 38 significant digits"),
        (pd.Timedelta(1), "cannot store a Timedelta"),
        (object(), "cannot store a object"),
    ],
)
def test_what_dynamodb_cannot_store_is_one_line_naming_row_and_column(value, message):
    frame = pd.DataFrame({"k": ["a", "b"], "bad": [1, value]}, index=["first", "second"])
    with pytest.raises(InvalidQuery) as caught:
        frame_items(frame)
    text = str(caught.value)
    assert "\n" not in text and text.startswith("row 'second', column 'bad': ") and message in text


def test_an_infinite_float_column_names_its_row():
    frame = pd.DataFrame({"f": [1.0, np.inf]}, index=[10, 11])
    with pytest.raises(InvalidQuery, match=r"^row 11, column 'f': .*inf"):
        frame_items(frame)


def test_an_item_over_400_kb_is_refused_naming_its_row():
    frame = pd.DataFrame({"k": ["a", "b"], "text": ["x", "y" * 410_000]}, index=["r1", "r2"])
    with pytest.raises(InvalidQuery, match=r"^row 'r2': the item is 410,006 bytes, over"):
        frame_items(frame)


def test_bad_options_and_column_names_are_refused():
    with pytest.raises(InvalidQuery, match="unknown nulls"):
        frame_items(pd.DataFrame({"a": [1]}), nulls="drop")
    with pytest.raises(InvalidQuery, match="unknown datetimes"):
        frame_items(pd.DataFrame({"a": [1]}), datetimes="unix")
    with pytest.raises(InvalidQuery, match="column names must be non-empty text"):
        frame_items(pd.DataFrame({0: [1]}))
    with pytest.raises(InvalidQuery, match="column 'a' appears twice"):
        frame_items(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_a_plain_row_is_encoded_by_the_same_rules():
    assert row_item({"a": "x", "n": 1.5, "e": None, "l": [None]}, "line 3") == {
        "a": {"S": "x"},
        "n": {"N": "1.5"},
        "l": {"L": [{"NULL": True}]},
    }
    assert row_item({"e": None}, "line 3", nulls="null") == {"e": {"NULL": True}}
    with pytest.raises(InvalidQuery, match=r"^file a\.csv, line 3, attribute 'n': .*inf"):
        row_item({"n": float("inf")}, "file a.csv, line 3")


def test_a_frame_of_every_type_encodes_back_to_its_items():
    """items -> items_to_frame (what query returns) -> frame_items: the same items (numbers
    compared as DynamoDB compares them), every type of ``order_item`` but the top-level NULL
    (a missing cell either way: see the next test)."""
    # n from 2: order_item(c, 1)'s sets hold one member twice (no set DynamoDB would store)
    items = [encode_binaries(order_item(c, n)) for c in range(2) for n in range(2, 11)]
    for item in items:
        del item["note"]
    frame = items_to_frame(items, ("customer", "order-date"))
    assert keyed(frame_items(frame)) == keyed(items)


def test_top_level_nulls_come_back_with_nulls_null_when_no_attribute_is_absent():
    items = [encode_binaries(order_item(0, n)) for n in (2, 3, 4, 6)]  # all have "paid"
    frame = items_to_frame(items, ("customer", "order-date"))
    assert keyed(frame_items(frame, nulls="null")) == keyed(items)
