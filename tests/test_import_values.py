"""Imports of files a fresh user tried (issue 17 findings), against moto servers: one number
key written two ways, numbers DynamoDB refuses, empty keys, a bad typed value, an export that
did not finish, a bucket that does not exist; replace's delete count in the plan; --create
in a dry run and on a table keyed otherwise. Every refusal is one line naming the file and
line (or the bucket), before anything is written: no table created, no backup, no item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from export_folders import write_export

import dynamo_magic as dm
from dynamo_magic import CopyPlan
from dynamo_magic.errors import InvalidFile, UsageProblem

from conftest import A, B, client_for
from tables import create_keyed, put_all, scan_all

TABLE = "landing"


def item(pk: str, sk: int | str, **more: Any) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, **more}


@pytest.fixture
def table(servers: Any) -> Any:
    """``TABLE`` (pk S, sk N) in A holding one item (so a backup would be taken)."""
    client = client_for(A)
    create_keyed(client, TABLE, ("pk", "S"), ("sk", "N"))
    put_all(client, TABLE, [item("keep", 1)])
    return client


def untouched(client: Any) -> bool:
    """Only the one item, and no backup taken."""
    backups = client.list_backups(TableName=TABLE)["BackupSummaries"]
    return scan_all(client, TABLE) == [item("keep", 1)] and backups == []


def refused(
    source: Path | str, client: Any, error: type[Exception] = InvalidFile, **more: Any
) -> str:
    with pytest.raises(error) as caught:
        dm.import_table(TABLE, str(source), env=A, yes=True, **more)
    assert untouched(client)
    line = str(caught.value)
    assert "\n" not in line
    return line


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("t.csv", "pk,sk\na,1\na,1.0\n", "1 key appears more than once: pk=a, sk=1"),
        ("t.csv", "pk,sk\na,1\na,1E0\nb,2\nb,2.00\n", "2 keys appear more than once"),
        ("t.jsonl", '{"pk": "a", "sk": 5}\n{"pk": "a", "sk": 5.0}\n', "1 key appears"),
        (
            "t.jsonl",
            json.dumps(item("a", "5")) + "\n" + json.dumps(item("a", "5.00")) + "\n",
            "1 key appears more than once",
        ),
    ],
)
def test_one_number_key_written_two_ways_is_a_duplicate(
    table: Any, tmp_path: Path, name: str, text: str, says: str
) -> None:
    """Before: the dry run passed, the import wrote 2, the table held 1: MISMATCH."""
    (tmp_path / name).write_text(text)
    assert says in refused(tmp_path / name, table)


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("t.jsonl", '{"pk": "a", "sk": 1, "x": 1e400}\n', "t.jsonl line 1, attribute 'x'"),
        ("t.jsonl", '{"pk": "a", "sk": 1, "x": -1e-131}\n', "outside DynamoDB's range"),
        ("t.jsonl", json.dumps(item("a", 1, x={"N": "1e400"})) + "\n", "outside DynamoDB"),
        ("t.jsonl", json.dumps(item("a", 1, x={"N": "1E126"})) + "\n", "t.jsonl line 1"),
        ("t.csv", "pk,sk\na,1\na," + "1" * 39 + "\n", "t.csv line 3: column 'sk'"),
        ("t.jsonl", '{"pk": "a", "sk": ' + "1" * 39 + "}\n", "more than 38 significant"),
        ("t.csv", "pk,sk\n,1\n", "t.csv line 2: key attribute 'pk' is empty"),
        ("t.jsonl", '{"pk": "", "sk": 1}\n', "key attribute 'pk' is empty"),
        (
            "t.jsonl",
            json.dumps(item("a", 1, v={"N": "Infinity"})) + "\n",
            "t.jsonl line 1: attribute 'v': N holds 'Infinity'",
        ),
    ],
)
def test_values_dynamodb_refuses_are_refused_before_anything_is_written(
    table: Any, tmp_path: Path, name: str, text: str, says: str
) -> None:
    """Before: a backup, the other items written, "N failed" without a reason (or a wrong
    message: the key 'sk' named for attribute 'v', "no key attribute" for an empty one)."""
    (tmp_path / name).write_text(text)
    assert says in refused(tmp_path / name, table)


def test_a_refused_file_creates_no_table(servers: Any, tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_text(json.dumps(item("a", 1, x={"N": "1e400"})) + "\n")
    with pytest.raises(InvalidFile):
        dm.import_table("fresh", str(tmp_path / "t.jsonl"), env=A, create=True, key="pk:S,sk:N")
    assert "fresh" not in client_for(A).list_tables()["TableNames"]


def test_an_export_that_did_not_finish_says_its_manifest_is_missing(
    table: Any, tmp_path: Path
) -> None:
    folder = write_export(tmp_path / "dump", [[item("a", 1)]])
    (folder / "manifest-summary.json").unlink()
    (folder / "_started").write_text("")
    line = refused(tmp_path / "dump", table, UsageProblem)
    assert "an export that did not finish: its manifest-summary.json is missing" in line


def test_a_bucket_that_does_not_exist_gives_advice(table: Any) -> None:
    line = refused("s3://nobkt/x", table, UsageProblem)
    assert "bucket 'nobkt'" in line and "does not exist" in line and "storage_env" in line


def test_a_replace_plan_says_how_many_items_it_would_delete(table: Any, tmp_path: Path) -> None:
    """Before: "deletes: items of the target whose key this load did not write" and the
    confirmation "holds items that will be overwritten", no count."""
    put_all(table, TABLE, [item("old", n) for n in range(9)])  # 10 items in all
    write_export(tmp_path / "dump", [[item("a", 1), item("old", 2)]])
    plan = dm.import_table(TABLE, str(tmp_path / "dump"), env=A, mode="replace", dry_run=True)
    assert isinstance(plan, CopyPlan)
    assert "~8 to ~10 (estimated" in plan.deletes
    assert any(
        c.startswith("mode replace deletes") and "~8 to ~10" in c for c in plan.confirmations
    )


def test_create_in_a_dry_run_shows_the_plan(servers: Any, tmp_path: Path) -> None:
    """Before: TableNotFound, "run it without the dry run" (exit 2 in the CLI)."""
    write_export(tmp_path / "dump", [[item("a", 1), item("b", 2)]])
    plan = dm.import_table(
        "newtab", str(tmp_path / "dump"), env=B, create=True, key="pk:S,sk:N", dry_run=True
    )
    assert isinstance(plan, CopyPlan) and plan.create_target and plan.source_items == 2
    text = str(plan)
    assert "missing: will be created, key pk (S) + sk (N), on demand" in text
    assert "newtab" not in client_for(B).list_tables()["TableNames"]


def test_create_with_another_key_than_the_existing_table_s_is_refused(
    table: Any, tmp_path: Path
) -> None:
    """Before: the key given was silently ignored."""
    (tmp_path / "t.jsonl").write_text(json.dumps({"id": {"N": "1"}}) + "\n")
    for dry_run in (False, True):
        with pytest.raises(UsageProblem) as caught:
            dm.import_table(
                TABLE, str(tmp_path / "t.jsonl"), env=A, create=True, key="id:N", dry_run=dry_run
            )
        line = str(caught.value)
        assert f"table '{TABLE}' exists, keyed pk (S) + sk (N), not id (N)" in line
        assert untouched(table)


def test_create_with_the_existing_table_s_own_key_imports(table: Any, tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_text(json.dumps(item("n", 1)) + "\n")
    result = dm.import_table(
        TABLE, str(tmp_path / "t.jsonl"), env=A, create=True, key="pk:S,sk:N", yes=True
    )
    assert result.ok and result.written == 1


def test_parquet_float32_values_are_written_as_their_own_shortest_text(
    table: Any, tmp_path: Path
) -> None:
    """Before: 0.10000000149011612 (pyarrow's to_pylist widens float32 to float64), where
    put_df writes the same frame's 0.1."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    narrow = pa.array(np.array([0.1, 1e-7, 2.5], dtype="float32"))
    values = pa.array([0.1, None, 1.5], type=pa.float32())  # a null stays missing
    pq.write_table(
        pa.table({"pk": ["a", "b", "c"], "sk": [1, 2, 3], "f": narrow, "g": values}),
        tmp_path / "t.parquet",
    )
    result = dm.import_table(TABLE, str(tmp_path / "t.parquet"), env=A, yes=True, backup=False)
    assert result.ok
    got = {i["pk"]["S"]: i for i in scan_all(table, TABLE) if i["pk"]["S"] != "keep"}
    assert [got[k]["f"] for k in "abc"] == [{"N": "0.1"}, {"N": "0.0000001"}, {"N": "2.5"}]
    assert got["a"]["g"] == {"N": "0.1"} and "g" not in got["b"]
