"""``dynamo import`` as a real process and in this process, on the package's server A (profile
``dev``), into tables of its own: the dry run's plan names every file and its format, a real
import prints its summary, a bad file is one ``Error:`` line (exit 2) and nothing is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from export_folders import write_export

from conftest import dynamo, ok, one_error_line
from tables import create_keyed, scan_all

TABLE = "imported"


def item(pk: str, sk: int, **more: Any) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, **more}


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


def test_dry_run_then_import_then_a_refusal(table: Any, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "dump", [[item("a", 1), item("a", 2)], [item("b", 1)]])
    words = ("import", "-t", TABLE, "-e", "dev", "--from", str(tmp_path / "dump"))
    plan = ok(dynamo(*words, "--dry-run"))
    assert "nothing written" in plan and "DynamoDB export" in plan and "2 items" in plan
    assert scan_all(table, TABLE) == []
    summary = ok(dynamo(*words, "--no-progress")).strip()
    assert "3 written" in summary and "verification count: OK" in summary
    assert len(scan_all(table, TABLE)) == 3
    (folder / "data" / sorted(p.name for p in (folder / "data").iterdir())[0]).write_bytes(b"x")
    line = one_error_line(dynamo(*words, "--yes", "--mode", "replace"))
    assert "not a readable gzip" in line or "MD5" in line
    assert len(scan_all(table, TABLE)) == 3


def test_csv_strings_and_bad_flags_in_process(table: Any, tmp_path: Path, in_process: Any) -> None:
    src = tmp_path / "t.csv"
    src.write_text("pk,sk,n\na,1,5\n")
    ok(in_process("import", "-t", TABLE, "-e", "dev", "--from", str(src), "--strings"))
    (stored,) = scan_all(table, TABLE)
    assert stored["n"] == {"S": "5"}
    line = one_error_line(
        in_process("import", "-t", TABLE, "-e", "dev", "--from", str(src), "--key", "pk:S")
    )
    assert "--key" in line and "--create" in line
    missing = one_error_line(
        in_process("import", "-t", TABLE, "-e", "dev", "--from", str(tmp_path / "none"))
    )
    assert "none" in missing
    (tmp_path / "x.jsonl").write_text(json.dumps(item("z", 1)) + "\n")
    line = one_error_line(
        in_process(
            "import",
            "-t",
            "brand-new",
            "-e",
            "dev",
            "--from",
            str(tmp_path / "x.jsonl"),
            "--create",
        )
    )
    assert "--key pk:S" in line
