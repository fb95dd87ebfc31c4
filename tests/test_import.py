"""Imports into tables against moto servers: export folders (ours and AWS's layout, local and in
S3 through another account's bucket), JSON Lines, CSV and Parquet, the copy's rules (plan,
confirmation, backup, modes), and refusals that leave the table untouched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from export_folders import upload, write_export

from dynamo_magic import environments
from dynamo_magic.copying import import_files
from dynamo_magic.copying.import_files import InvalidFile, check, locate
from dynamo_magic.schema import KeyAttribute, KeySchema

from conftest import B
from moto_servers import MotoServer

KEY = KeySchema(KeyAttribute("pk", "S"), KeyAttribute("sk", "N"))


def item(pk: str, sk: int, **more: Any) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, **more}


def s3_for(profile: str) -> Any:
    """A plain boto3 S3 client of ``profile``: the test's own view of a bucket."""
    return boto3.Session(profile_name=profile).client("s3")


@pytest.fixture
def bucket(servers: tuple[MotoServer, MotoServer]) -> str:
    """A bucket in account B (server B), empty."""
    s3_for(B).create_bucket(Bucket="exchange")
    return "exchange"


def test_an_export_in_s3_is_found_checked_and_read(bucket: str, tmp_path: Path) -> None:
    files = [[item("a", 1, v={"B": "AAE="})], [item("b", 2), item("c", 3)]]
    write_export(tmp_path / "dump", files, prefix="nightly/")
    upload(s3_for(B), tmp_path / "dump", bucket, "nightly/")
    env = environments.resolve(B)
    for source in (f"s3://{bucket}/nightly", f"s3://{bucket}/nightly/", f"s3://{bucket}"):
        found = locate(source, env)
        result = check(found, KEY)
        assert [f.items for f in result.files] == [1, 2]
        read = [
            i
            for s in import_files.sources(result, KEY)
            for page in s.pages(None, _NoStop())
            for i in page.items
        ]
        assert read == [i for f in files for i in f]


def test_an_s3_file_changed_after_the_check_is_not_read(bucket: str) -> None:
    s3 = s3_for(B)
    s3.put_object(Bucket=bucket, Key="in/a.jsonl", Body=json.dumps(item("a", 1)).encode())
    result = check(locate(f"s3://{bucket}/in", environments.resolve(B)), KEY)
    s3.put_object(Bucket=bucket, Key="in/a.jsonl", Body=json.dumps(item("z", 1)).encode())
    (source,) = import_files.sources(result, KEY)
    with pytest.raises(import_files.UsageProblem) as error:
        list(source.pages(None, _NoStop()))
    assert "changed after it was checked" in str(error.value)


def test_a_damaged_file_in_s3_is_named_by_its_url(bucket: str, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "dump", [[item("a", 1)], [item("b", 1)]])
    data = sorted((folder / "data").iterdir())[1]
    data.write_bytes(data.read_bytes()[:-4])
    upload(s3_for(B), tmp_path / "dump", bucket)
    with pytest.raises(InvalidFile) as error:
        check(locate(f"s3://{bucket}", environments.resolve(B)), KEY)
    assert f"s3://{bucket}/AWSDynamoDB/" in str(error.value) and data.name in str(error.value)


def test_s3_globs_and_missing_prefixes(bucket: str) -> None:
    s3 = s3_for(B)
    for name in ("in/a.csv", "in/b.csv", "in/c.txt", "in2/d.csv"):
        s3.put_object(Bucket=bucket, Key=name, Body=b"pk,sk\nx,1\n")
    env = environments.resolve(B)
    assert [f.file.name for f in locate(f"s3://{bucket}/in/*.csv", env).files] == [
        "a.csv",
        "b.csv",
    ]
    with pytest.raises(import_files.UsageProblem) as error:
        locate(f"s3://{bucket}/nothing-here", env)
    assert "nothing-here" in str(error.value)


class _NoStop:
    def stopped(self) -> bool:
        return False
