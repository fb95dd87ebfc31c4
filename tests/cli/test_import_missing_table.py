"""``dynamo import`` into a table that does not exist: the one ``Error:`` line says how the
import creates it (``--create --key ...``), for a run and for its dry run, in the terminal,
the magic and Python; nothing is created or written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from export_folders import write_export
from IPython.core.error import UsageError

import dynamo_magic as dm
from dynamo_magic.errors import TableNotFound


def item(pk: str, sk: int) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}}


@pytest.fixture
def dump(
    profiles: dict[str, str], moto_pair: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """An export folder of two items; the profiles of server A (``dev``)."""
    for var, value in profiles.items():
        monkeypatch.setenv(var, value)
    write_export(tmp_path / "dump", [[item("a", 1), item("a", 2)]])
    return tmp_path / "dump"


def tables(moto_pair: Any) -> list[str]:
    names: list[str] = moto_pair[0].client().list_tables()["TableNames"]
    return names


@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)])
def test_the_command_says_to_add_create_and_key(
    dump: Path, in_process: Any, moto_pair: Any, dry_run: Any
) -> None:
    run = in_process("import", "-t", "nope", "-e", "dev", "--from", str(dump), *dry_run)
    assert run.returncode == 2, run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("Error: table 'nope' not found"), line
    assert "--create --key pk:S" in line and "whole_items" not in line, line
    assert "nope" not in tables(moto_pair)


def test_python_and_the_magic_name_their_own_keywords(
    dump: Path, shell: Any, moto_pair: Any
) -> None:
    with pytest.raises(TableNotFound, match=r"add create key pk:S"):
        dm.import_table("nope", dump, env="dev")
    with pytest.raises(UsageError, match="--create --key pk:S"):
        shell.run_line_magic("dynamo_import", f"nope --env dev --from {dump}")
    assert "nope" not in tables(moto_pair)
