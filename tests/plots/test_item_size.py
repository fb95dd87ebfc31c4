"""DynamoDB's item-size rule (AWS's "DynamoDB item sizes and formats") for every attribute
type, checked against sizes computed by hand; capacity units; what a bad value is told."""

from __future__ import annotations

import base64

import pytest

import dynamo_magic as dm
from dynamo_magic.errors import InvalidQuery
from dynamo_magic.item_size import (
    MAX_ITEM_SIZE,
    item_size,
    number_size,
    read_units,
    value_size,
    write_units,
)


# -- the size rule ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "héllo"}, 6),  # UTF-8 bytes: é is two
        ({"S": ""}, 0),
        ({"N": "123.4500"}, 4),  # 5 significant digits (trailing zeros trimmed): 3 + 1
        ({"N": "0.001"}, 2),  # leading zeros trimmed: 1 digit
        ({"N": "-1E+10"}, 2),
        ({"N": "12"}, 2),
        ({"N": "123"}, 3),
        ({"N": "12345678901234567890123456789012345678"}, 20),  # 38 digits: 19 + 1
        ({"N": "0"}, 1),
        ({"B": "AAf/"}, 3),  # wire form: base64 of 3 raw bytes
        ({"B": b"\x00\x07\xff"}, 3),  # client form: the bytes
        ({"BOOL": False}, 1),
        ({"NULL": True}, 1),
        ({"SS": ["a", "bc"]}, 3),
        ({"NS": ["1", "22", "333"]}, 7),  # 2 + 2 + 3
        ({"BS": [b"\x01", "YWI="]}, 3),  # 1 + 2 raw bytes
        ({"L": []}, 3),
        ({"M": {}}, 3),
        ({"L": [{"S": "x"}, {"N": "2"}]}, 3 + (1 + 1) + (1 + 2)),
        ({"M": {"city": {"S": "Paris"}}}, 3 + 1 + 4 + 5),
        ({"M": {"in": {"L": [{"NULL": True}]}}}, 3 + 1 + 2 + (3 + 1 + 1)),
    ],
)
def test_value_sizes_follow_the_documented_rule(value, size):
    assert value_size(value) == size


def test_an_item_is_its_names_plus_its_values():
    item = {
        "id": {"S": "a1"},  # 2 + 2
        "n": {"N": "12345"},  # 1 + 4
        "ok": {"BOOL": True},  # 2 + 1
        "blob": {"B": base64.b64encode(b"12345").decode()},  # 4 + 5
        "é": {"NULL": True},  # 2 + 1
        "tags": {"SS": ["x", "yz"]},  # 4 + 3
        "m": {"M": {"k": {"N": "7"}}},  # 1 + 3 + 1 + 1 + 2
    }
    assert item_size(item) == 4 + 5 + 3 + 9 + 3 + 7 + 8
    assert item_size({}) == 0
    with pytest.raises(InvalidQuery, match="unknown DynamoDB type"):
        value_size({"X": 1})


def test_read_and_write_units_round_up_per_4_kb_and_1_kb():
    assert [read_units(s) for s in (0, 1, 4096, 4097, 8192, MAX_ITEM_SIZE)] == [1, 1, 1, 2, 2, 100]
    assert read_units(4097, consistent=False) == 1.0
    assert read_units(100, consistent=False) == 0.5
    assert [write_units(s) for s in (0, 1024, 1025)] == [1, 1, 2]
    assert number_size("99") == 2 and number_size("100") == 2  # "1": trailing zeros trimmed


def test_item_size_errors_show_a_short_value():
    with pytest.raises(InvalidQuery) as caught:
        item_size({"a": "y" * 1000})
    text = str(caught.value)
    assert text.startswith("attribute 'a': not a DynamoDB typed value: 'yyyy")
    assert "…" in text and len(text) < 200
    with pytest.raises(InvalidQuery, match="not an item"):
        item_size(["a"])  # type: ignore[arg-type]
    with pytest.raises(InvalidQuery, match=r"attribute 'b': not a DynamoDB typed value: \{'B'"):
        item_size({"b": {"B": "not base64!"}})


@pytest.mark.parametrize("text", ["abc", "1,5", "inf", "NaN", "1e", "--1", "", " 1"])
def test_a_number_that_is_not_one_is_refused(text):
    with pytest.raises(InvalidQuery) as caught:
        item_size({"n": {"N": text}})
    message = str(caught.value)
    assert message.startswith(f"attribute 'n': not a DynamoDB number: {text!r}")
    assert "\n" not in message
    with pytest.raises(InvalidQuery, match="item 1 is not in DynamoDB's typed form"):
        dm.plot_item_sizes([{"n": {"N": text}}])
    with pytest.raises(InvalidQuery, match="not a DynamoDB number"):
        item_size({"s": {"NS": ["1", text]}})


def test_numbers_in_every_written_form_are_sized():
    # 2 significant digits: 2 bytes, however the number is written
    for text in ("12", "-12", "+12", "1.2", ".12", "12.", "1.2E+3", "0.0012", "1200"):
        assert number_size(text) == 2, text
    assert item_size({"n": {"N": "0"}}) == 1 + 1
