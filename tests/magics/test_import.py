"""``%dynamo_import``: the CLI's words in a notebook (the package's in-process moto): a dry run's
plan, an import stored with ``-o``, a bad file as a one-line ``UsageError`` with nothing
written, and an export in a bucket of the same moto read with ``--storage-env``."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from export_folders import upload, write_export
from IPython.core.error import UsageError

from dynamo_magic import CopyPlan, CopyResult

from .lines import run
from tables import create_keyed, scan_all

TABLE = "imports"


def item(pk: str, sk: int, **more: Any) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, **more}


def _client(service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def table() -> Iterator[Any]:
    client = _client("dynamodb")
    create_keyed(client, TABLE, ("pk", "S"), ("sk", "N"))
    yield client
    client.delete_table(TableName=TABLE)


def test_dry_run_import_and_out(shell: Any, table: Any, tmp_path: Path) -> None:
    write_export(tmp_path / "dump", [[item("a", 1)], [item("b", 2, v={"SS": ["x"]})]])
    line = f"{TABLE} --from {tmp_path / 'dump'} --env dev"
    plan = shell.run_line_magic("dynamo_import", line + " --dry-run")
    assert isinstance(plan, CopyPlan) and plan.source_items == 2
    assert scan_all(table, TABLE) == []
    shell.run_line_magic("dynamo_import", line + " --no-progress -o res")
    result = shell.user_ns["res"]
    assert isinstance(result, CopyResult) and result.written == 2 and result.ok
    assert len(scan_all(table, TABLE)) == 2


def test_a_bad_file_is_a_one_line_usage_error(
    shell: Any, table: Any, tmp_path: Path, capsys: Any
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "x.jsonl.gz").write_bytes(gzip.compress(b'{"pk": "a", "sk": 1}\n')[:-6])
    result, output = run(shell, capsys, f"%dynamo_import -t {TABLE} --from {src} -e dev")
    assert isinstance(result.error_in_exec, UsageError), output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and "x.jsonl.gz" in lines[0] and "truncated" in lines[0]
    assert scan_all(table, TABLE) == []
    result, output = run(shell, capsys, f"%dynamo_import {TABLE} -e dev")
    assert isinstance(result.error_in_exec, UsageError) and "--from" in output


def test_an_export_in_a_bucket(shell: Any, table: Any, tmp_path: Path) -> None:
    s3 = _client("s3")
    s3.create_bucket(Bucket="magic-exchange")
    write_export(tmp_path / "dump", [[item("s", n) for n in range(3)]], prefix="x/")
    upload(s3, tmp_path / "dump", "magic-exchange", "x/")
    result = shell.run_line_magic(
        "dynamo_import",
        f"{TABLE} --from s3://magic-exchange/x --env dev --storage-env stage --no-progress",
    )
    assert result.written == 3
    assert sorted(json.dumps(i, sort_keys=True) for i in scan_all(table, TABLE)) == sorted(
        json.dumps(item("s", n), sort_keys=True) for n in range(3)
    )
