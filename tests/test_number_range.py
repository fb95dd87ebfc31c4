"""DynamoDB's number range, exactly at both ends (issue 17 findings): a magnitude from 1E-130
to 9.9999999999999999999999999999999999999E+125 (38 digits), or 0. Python's default decimal
context has 28 digits: judged in it, DynamoDB's own maximum was refused (a table holding it
exported but did not import back) and 9.99999999999999999999999999999E-131 (under the
smallest) was accepted and then failed mid-write. Checked through ``put_df`` (values and keys)
and through an import of a JSON Lines file (plain and DynamoDB JSON) against moto servers."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import dynamo_magic as dm
from dynamo_magic.codec import number_value
from dynamo_magic.errors import InvalidFile, InvalidQuery
from dynamo_magic.item_size import number_problem
from dynamo_magic.transfer.digest import item_digest

from conftest import A, client_for
from tables import create_keyed, scan_all

TABLE = "numbers"
LARGEST = "9.9999999999999999999999999999999999999E+125"  # 38 digits: DynamoDB's maximum
SMALLEST = "1E-130"  # DynamoDB's smallest positive magnitude
JUST_UNDER = "9.99999999999999999999999999999E-131"  # 30 digits: rounds to 1E-130 in 28
STORABLE = [LARGEST, "-" + LARGEST, SMALLEST, "-" + SMALLEST]
UNSTORABLE = [JUST_UNDER, "-" + JUST_UNDER, "1E+126", "-1E+126", "1E-131", "-1E-131"]


@pytest.mark.parametrize("text", STORABLE)
def test_the_limits_themselves_are_storable(text: str) -> None:
    assert number_problem(text) is None
    assert number_problem(Decimal(text)) is None


@pytest.mark.parametrize("text", UNSTORABLE)
def test_just_outside_the_limits_is_refused_as_outside_the_range(text: str) -> None:
    problem = number_problem(text)
    assert problem is not None and "outside DynamoDB's range" in problem


def test_a_38_digit_integer_written_with_an_exponent_reads_as_an_int() -> None:
    assert number_value("9.9999999999999999999999999999999999999E+37") == 10**38 - 1
    assert isinstance(number_value("9.9999999999999999999999999999999999999E+37"), int)


def test_numbers_that_differ_past_the_28th_digit_have_different_digests() -> None:
    """A verification compares content digests: two 38-digit numbers that agree in their first
    28 digits are different numbers, whatever Python's default context."""
    one = "12345678901234567890123456789012345678"
    other = "12345678901234567890123456789012345679"
    assert item_digest({"n": {"N": one}}) != item_digest({"n": {"N": other}})
    assert item_digest({"n": {"N": one + "E-20"}}) == item_digest({"n": {"N": one + "0E-21"}})


@pytest.fixture
def table(servers: Any) -> Any:
    """``TABLE`` (pk S, sk N) in A, empty."""
    client = client_for(A)
    create_keyed(client, TABLE, ("pk", "S"), ("sk", "N"))
    return client


def stored(client: Any) -> dict[str, tuple[Decimal, Decimal]]:
    """Each item's pk -> (sk, v) as numbers."""
    return {
        i["pk"]["S"]: (Decimal(i["sk"]["N"]), Decimal(i["v"]["N"])) for i in scan_all(client, TABLE)
    }


def test_put_df_writes_the_limits_as_values_and_keys(table: Any) -> None:
    numbers = [Decimal(t) for t in STORABLE]
    frame = pd.DataFrame(
        {"pk": [f"p{i}" for i in range(len(numbers))], "sk": numbers, "v": numbers}
    )
    result = dm.put_df(frame, TABLE, env=A, yes=True)
    assert result.ok and result.written == len(numbers)
    assert stored(table) == {f"p{i}": (n, n) for i, n in enumerate(numbers)}


def test_put_df_refuses_a_number_just_outside_the_range(table: Any) -> None:
    for text in UNSTORABLE:
        for column in ("sk", "v"):
            frame = pd.DataFrame({"pk": ["a", "b"], "sk": [Decimal(1), Decimal(2)], "v": [1, 2]})
            frame[column] = frame[column].astype(object)
            frame.loc[1, column] = Decimal(text)
            with pytest.raises(InvalidQuery) as caught:
                dm.put_df(frame, TABLE, env=A, yes=True)
            line = str(caught.value)
            assert "outside DynamoDB's range" in line and "\n" not in line, (text, column)
    assert scan_all(table, TABLE) == []


def plain_line(pk: str, number: str) -> str:
    return f'{{"pk": "{pk}", "sk": {number}, "v": {number}}}'


def typed_line(pk: str, number: str) -> str:
    return json.dumps({"pk": {"S": pk}, "sk": {"N": number}, "v": {"N": number}})


@pytest.mark.parametrize("line", [plain_line, typed_line], ids=["plain", "dynamodb"])
def test_an_import_writes_the_limits_as_values_and_keys(
    table: Any, tmp_path: Path, line: Any
) -> None:
    source = tmp_path / "n.jsonl"
    source.write_text("".join(line(f"p{i}", t) + "\n" for i, t in enumerate(STORABLE)))
    result = dm.import_table(TABLE, str(source), env=A, yes=True)
    assert result.ok and result.written == len(STORABLE)
    assert stored(table) == {f"p{i}": (Decimal(t), Decimal(t)) for i, t in enumerate(STORABLE)}


@pytest.mark.parametrize("line", [plain_line, typed_line], ids=["plain", "dynamodb"])
def test_an_import_refuses_a_number_just_outside_the_range(
    table: Any, tmp_path: Path, line: Any
) -> None:
    source = tmp_path / "n.jsonl"
    for text in UNSTORABLE:
        source.write_text(line("a", "1") + "\n" + line("b", text) + "\n")
        with pytest.raises(InvalidFile) as caught:
            dm.import_table(TABLE, str(source), env=A, yes=True)
        message = str(caught.value)
        assert "n.jsonl line 2" in message and "outside DynamoDB's range" in message, text
        assert "\n" not in message
    assert scan_all(table, TABLE) == []
