"""``dynamo import`` of plain JSON Lines holding ``NaN``, ``Infinity`` or ``-Infinity`` (issue 17
findings): none is JSON. Python's ``json`` reads them as floats, and a top-level NaN then
counted as a missing value: ``{"pk": "n1", "v": NaN}`` was written without ``v``, no word.
Each is one ``Error:`` line naming the file and line, and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ok, one_error_line
from tables import create_keyed, scan_all

TABLE = "constants"


@pytest.fixture
def table(
    profiles: dict[str, str], moto_pair: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """``TABLE`` (pk S, sk N) on server A, empty; dropped after the test."""
    for var, value in profiles.items():
        monkeypatch.setenv(var, value)
    client = moto_pair[0].client()
    create_keyed(client, TABLE, ("pk", "S"), ("sk", "N"))
    yield client
    client.delete_table(TableName=TABLE)


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "-Infinity", "[1, NaN]", '{"a": NaN}', "[Infinity]"]
)
def test_a_json_constant_that_is_not_json_is_refused_naming_file_and_line(
    table: Any, tmp_path: Path, in_process: Any, value: str
) -> None:
    source = tmp_path / "n.jsonl"
    source.write_text(f'{{"pk": "ok", "sk": 1, "v": 1}}\n{{"pk": "n1", "sk": 2, "v": {value}}}\n')
    words = ("import", "-t", TABLE, "-e", "dev", "--from", str(source), "--yes")
    line = one_error_line(in_process(*words))
    assert f"{source} line 2" in line and "not JSON" in line
    constant = value.strip("[]{}").split()[-1].lstrip("-")
    assert f"{constant} is not JSON" in line and "null" in line
    assert scan_all(table, TABLE) == []


def test_the_same_file_with_null_imports_leaving_the_attribute_out(
    table: Any, tmp_path: Path, in_process: Any
) -> None:
    source = tmp_path / "n.jsonl"
    source.write_text('{"pk": "n1", "sk": 2, "v": null}\n')
    ok(in_process("import", "-t", TABLE, "-e", "dev", "--from", str(source), "--yes"))
    assert scan_all(table, TABLE) == [{"pk": {"S": "n1"}, "sk": {"N": "2"}}]
