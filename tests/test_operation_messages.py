"""Messages of imports, puts and exports name the operation (issue 17 findings), against moto
servers: an unfinished export folder says how to finish it (``--resume``); checkpoint messages
and plans of an import say "import", of a put "load", never "copy"; export's ``segments``
refusal says "export"; a frame without the key's column says so, as the CSV error does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from export_folders import write_export

import dynamo_magic as dm
from dynamo_magic.errors import InvalidQuery, UsageProblem
from dynamo_magic.transfer.checkpoints import CheckpointMismatch

from conftest import A, client_for
from tables import create_keyed, put_all, scan_all

TABLE = "landing"
ROWS = 5_000  # a frame of many rows: the refusal names the column, not 5,000 rows


def item(pk: str, sk: int) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}}


@pytest.fixture
def table(servers: Any) -> Any:
    """``TABLE`` (pk S, sk N) in A, empty."""
    client = client_for(A)
    create_keyed(client, TABLE, ("pk", "S"), ("sk", "N"))
    return client


def test_an_unfinished_export_folder_says_how_to_finish_it(table: Any, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "dump", [[item("a", 1)]])
    (folder / "manifest-summary.json").unlink()
    (folder / "_started").write_text("")
    with pytest.raises(UsageProblem) as caught:
        dm.import_table(TABLE, str(tmp_path / "dump"), env=A, yes=True)
    line = str(caught.value)
    assert "an export that did not finish" in line and "\n" not in line
    assert f"dynamo export -t TABLE -e ENV --to {tmp_path / 'dump'} --resume" in line
    assert "resume=True" in line and "export again" not in line
    assert scan_all(table, TABLE) == []


def test_an_import_without_an_unfinished_checkpoint_names_the_import(
    table: Any, tmp_path: Path
) -> None:
    (tmp_path / "t.jsonl").write_text(json.dumps(item("a", 1)) + "\n")
    with pytest.raises(InvalidQuery) as caught:
        dm.import_table(TABLE, str(tmp_path / "t.jsonl"), env=A, yes=True, resume=True)
    assert "no unfinished checkpoint of this import in" in str(caught.value)


def test_an_import_resuming_another_import_s_checkpoint_names_the_import(
    table: Any, tmp_path: Path
) -> None:
    """An import's checkpoint (marked unfinished, as one stopped midway is) resumed by an
    import of other files."""
    (tmp_path / "one.jsonl").write_text(json.dumps(item("a", 1)) + "\n")
    (tmp_path / "two.jsonl").write_text(json.dumps(item("b", 1)) + "\n")
    saved = tmp_path / "one.json"
    assert dm.import_table(TABLE, str(tmp_path / "one.jsonl"), env=A, checkpoint=saved).ok
    data = json.loads(saved.read_text())
    data["phases"]["finished"] = False
    saved.write_text(json.dumps(data))
    with pytest.raises(CheckpointMismatch) as caught:
        dm.import_table(TABLE, str(tmp_path / "two.jsonl"), env=A, yes=True, resume=saved)
    assert f"checkpoint {saved} is of another import: " in str(caught.value)


def test_import_and_put_plans_name_the_operation_that_names_the_checkpoint(
    table: Any, tmp_path: Path
) -> None:
    (tmp_path / "t.jsonl").write_text(json.dumps(item("a", 1)) + "\n")
    imported = str(dm.import_table(TABLE, str(tmp_path / "t.jsonl"), env=A, dry_run=True))
    assert "(named when the import starts)" in imported and "copy" not in imported
    frame = pd.DataFrame({"pk": ["a"], "sk": [1]})
    put = str(dm.put_df(frame, TABLE, env=A, dry_run=True))
    assert "(named when the load starts)" in put and "copy" not in put


def test_export_segments_with_a_slice_names_the_export(table: Any, tmp_path: Path) -> None:
    with pytest.raises(InvalidQuery) as caught:
        dm.export_table(TABLE, str(tmp_path / "out"), env=A, pk="a", segments=4)
    line = str(caught.value)
    assert "splits the scan of a whole-table export" in line and "copy" not in line


def test_a_frame_without_the_key_column_says_the_column_is_missing(table: Any) -> None:
    put_all(table, TABLE, [item("keep", 1)])
    frame = pd.DataFrame({"id": [f"p{i}" for i in range(ROWS)], "sk": range(ROWS)})
    with pytest.raises(InvalidQuery) as caught:
        dm.put_df(frame, TABLE, env=A, yes=True)
    line = str(caught.value)
    assert "no column for the key attribute 'pk' (its columns: id, sk)" in line
    assert "row(s)" not in line and "\n" not in line
    assert scan_all(table, TABLE) == [item("keep", 1)]


def test_a_frame_whose_key_is_its_index_says_to_reset_it(table: Any) -> None:
    frame = pd.DataFrame({"pk": ["a", "b"], "sk": [1, 2]}).set_index("pk")
    with pytest.raises(InvalidQuery) as caught:
        dm.put_df(frame, TABLE, env=A, yes=True)
    line = str(caught.value)
    assert "no column for the key attribute 'pk'" in line and "reset_index()" in line
    assert scan_all(table, TABLE) == []
