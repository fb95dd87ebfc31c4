"""``dynamo_magic.export_table``: a table, an index or a slice to files in DynamoDB's own export
format, in a local folder or an S3 bucket, against moto servers (two "accounts": the table in
A, the bucket in B, reached through another environment).

Every check reads the files back independently: gzip, JSON lines, MD5s and counts computed
here, items compared with the table's own scan (boto3's view) as DynamoDB JSON.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import inspect
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

import dynamo_magic
from dynamo_magic.errors import CopyFailed, IndexNotFound, TableNotFound, UsageProblem

from conftest import A, B, client_for, table_items
from tables import BIG, ORDER_KEY, create_orders, keyed, orders_items, put_all

BUCKET = "exchange"


def _client_form(value: Any) -> Any:
    """A DynamoDB JSON value of a file (binaries as base64 text) in boto3's form (bytes), to
    compare with what boto3's own scan returns."""
    if isinstance(value, dict):
        if set(value) == {"B"}:
            return {"B": base64.b64decode(value["B"])}
        if set(value) == {"BS"}:
            return {"BS": [base64.b64decode(v) for v in value["BS"]]}
        return {k: _client_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_client_form(v) for v in value]
    return value


def _lines(data: bytes) -> list[dict[str, Any]]:
    """The ``{"Item": ...}`` lines of a data file's bytes (each line checked to be one)."""
    text = gzip.decompress(data).decode("utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert all(set(line) == {"Item"} for line in lines)
    return lines


class Export:
    """An export folder read back: ``read(relative)`` gives a file's bytes."""

    def __init__(self, read: Any, folder: str):
        self.read, self.folder = read, folder
        self.summary = json.loads(read(f"{folder}/manifest-summary.json"))
        listing = read(f"{folder}/manifest-files.json")
        self.entries = [json.loads(line) for line in listing.decode().splitlines()]

    def data(self, entry: dict[str, Any]) -> bytes:
        raise NotImplementedError

    def check(self) -> list[dict[str, Any]]:
        """Every manifest fact against the files; returns every item, in client form."""
        summary = self.summary
        assert summary["version"] == "2020-06-30"
        assert summary["outputFormat"] == "DYNAMODB_JSON"
        assert summary["exportType"] == "FULL_EXPORT"
        export_id = self.folder.rsplit("/", 1)[1]
        assert summary["exportArn"] == f"{summary['tableArn']}/export/{export_id}"
        for name in ("manifest-summary", "manifest-files"):
            md5 = hashlib.md5(self.read(f"{self.folder}/{name}.json")).hexdigest()
            for suffix in (".md5", ".checksum"):
                assert self.read(f"{self.folder}/{name}{suffix}").decode().strip() == md5
        assert self.read(f"{self.folder}/_started") == b""
        items = []
        for entry in self.entries:
            data = self.data(entry)
            assert base64.b64encode(hashlib.md5(data).digest()).decode() == entry["md5Checksum"]
            lines = _lines(data)
            assert entry["itemCount"] == len(lines)
            assert "/data/" in entry["dataFileS3Key"]
            items += [_client_form(line["Item"]) for line in lines]
        assert summary["itemCount"] == len(items) == sum(e["itemCount"] for e in self.entries)
        return items


class LocalExport(Export):
    def __init__(self, root: Path, result: Any):
        self.root = root
        folder = str(Path(result.folder).relative_to(root))
        super().__init__(lambda relative: (root / relative).read_bytes(), folder)

    def data(self, entry: dict[str, Any]) -> bytes:
        data = (self.root / entry["dataFileS3Key"]).read_bytes()
        assert entry["etag"] == hashlib.md5(data).hexdigest()
        return data


def _s3(profile: str) -> Any:
    return boto3.Session(profile_name=profile).client("s3")


class S3Export(Export):
    def __init__(self, profile: str, bucket: str, folder_key: str):
        self.s3, self.bucket = _s3(profile), bucket
        super().__init__(self._get, folder_key)

    def _get(self, key: str) -> bytes:
        body: bytes = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def data(self, entry: dict[str, Any]) -> bytes:
        key = entry["dataFileS3Key"]
        head = self.s3.head_object(Bucket=self.bucket, Key=key)
        assert entry["etag"] == head["ETag"].strip('"')
        return self._get(key)


@pytest.fixture
def orders(servers):
    """Table ``orders`` in account A: 30 items with every attribute type (38-digit numbers,
    binaries, sets of each kind, maps, lists, NULL, BOOL) and indexes of every projection."""
    client = client_for(A)
    create_orders(client)
    put_all(client, "orders", orders_items())
    return table_items(A, "orders")


def test_folder_export_holds_the_table_exactly(orders, tmp_path):
    """Four segments, four data files: their lines are the table's items, every type exact;
    counts, MD5s and ETags in the manifests agree with the files."""
    result = dynamo_magic.export_table("orders", tmp_path / "out", env=A, segments=4, workers=2)
    assert result.ok and result.complete
    assert result.written == result.items_read == 30
    export = LocalExport(tmp_path / "out", result)
    assert len(export.entries) == 4 == len(result.files)
    items = export.check()
    assert keyed(items, ORDER_KEY) == orders
    assert {i["big"]["N"] for i in items} == {BIG}  # 38 digits, as text
    assert export.summary["s3Bucket"] is None
    assert export.summary["tableArn"].endswith(":table/orders")
    assert Path(result.folder).parent == tmp_path / "out" / "AWSDynamoDB"
    assert not list((tmp_path / "out").rglob("*.part"))


def test_empty_segments_write_empty_gzip_files(servers, tmp_path):
    """One item over eight segments: seven valid gzip files of no line, itemCount 0."""
    client = client_for(A)
    create_orders(client)
    put_all(client, "orders", orders_items(1, 1))
    result = dynamo_magic.export_table("orders", str(tmp_path), env=A, segments=8, workers=2)
    export = LocalExport(tmp_path, result)
    assert len(export.check()) == 1
    counts = sorted(e["itemCount"] for e in export.entries)
    assert counts == [0] * 7 + [1]
    empty = next(e for e in export.entries if e["itemCount"] == 0)
    assert gzip.decompress((tmp_path / empty["dataFileS3Key"]).read_bytes()) == b""


def test_s3_export_through_another_account(orders):
    """The table in account A, the bucket in account B, written with B's environment: the
    objects are under PREFIX/AWSDynamoDB/<id>/, their keys, ETags and MD5s in the manifest."""
    _s3(B).create_bucket(Bucket=BUCKET)
    result = dynamo_magic.export_table(
        "orders", f"s3://{BUCKET}/team/shop", env=A, storage_env=B, segments=3, workers=2
    )
    assert result.ok
    prefix = f"team/shop/AWSDynamoDB/{result.export_id}"
    assert result.folder == f"s3://{BUCKET}/{prefix}"
    export = S3Export(B, BUCKET, prefix)
    assert keyed(export.check(), ORDER_KEY) == orders
    assert export.summary["s3Bucket"] == BUCKET and export.summary["s3Prefix"] == "team/shop"
    assert export.summary["manifestFilesS3Key"] == f"{prefix}/manifest-files.json"
    assert all(e["dataFileS3Key"].startswith(f"{prefix}/data/") for e in export.entries)
    assert _s3(A).list_buckets()["Buckets"] == []  # the table's account got nothing


def test_slice_and_index_exports(orders, tmp_path):
    """A slice (pk and sort-key condition) is one file of its items; a whole KEYS_ONLY index
    and a slice of an INCLUDE index export whole items, fetched from the table."""
    sliced = dynamo_magic.export_table(
        "orders", tmp_path / "s", env=A, pk="c1", sk="2024-01-0", sk_op="begins_with"
    )
    items = LocalExport(tmp_path / "s", sliced).check()
    want = {k: v for k, v in orders.items() if '"c1"' in k and '"2024-01-0' in k}
    assert len(sliced.files) == 1 and len(want) == 9
    assert keyed(items, ORDER_KEY) == want

    keys_only = dynamo_magic.export_table(
        "orders", tmp_path / "k", env=A, index="region-keys", segments=2, workers=2
    )
    assert keyed(LocalExport(tmp_path / "k", keys_only).check(), ORDER_KEY) == orders

    include = dynamo_magic.export_table(
        "orders", tmp_path / "i", env=A, index="region-include", pk="eu"
    )
    eu = {k: v for k, v in orders.items() if v["region"] == {"S": "eu"}}
    assert keyed(LocalExport(tmp_path / "i", include).check(), ORDER_KEY) == eu


def test_loky_workers_export_the_same(orders, tmp_path):
    """Worker processes (loky) write the files as threads do."""
    result = dynamo_magic.export_table(
        "orders", tmp_path, env=A, segments=2, workers=2, backend="loky"
    )
    assert keyed(LocalExport(tmp_path, result).check(), ORDER_KEY) == orders


def _nothing_under(path: Path) -> bool:
    return not path.exists() or not any(path.rglob("*"))


def test_bad_input_is_one_line_and_writes_nothing(orders, tmp_path):
    """An unknown table or index, a bad slice, a missing bucket, a file as destination: one
    line each, before anything is written."""
    out = tmp_path / "out"
    with pytest.raises(TableNotFound) as missing:
        dynamo_magic.export_table("nope", out, env=A)
    with pytest.raises(IndexNotFound):
        dynamo_magic.export_table("orders", out, env=A, index="nope")
    with pytest.raises(dynamo_magic.InvalidQuery):
        dynamo_magic.export_table("orders", out, env=A, sk="x")
    with pytest.raises(dynamo_magic.InvalidQuery):
        dynamo_magic.export_table("orders", out, env=A, pk="c1", segments=4)
    assert _nothing_under(out)
    with pytest.raises(UsageProblem) as no_bucket:
        dynamo_magic.export_table("orders", "s3://nowhere/x", env=A, storage_env=B)
    assert "bucket 'nowhere'" in str(no_bucket.value) and "does not exist" in str(no_bucket.value)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(UsageProblem) as not_folder:
        dynamo_magic.export_table("orders", a_file / "sub", env=A)
    assert "is a file" in str(not_folder.value)
    assert a_file.read_text() == "x"
    for error in (missing, no_bucket, not_folder):
        assert "\n" not in str(error.value)
    assert _s3(B).list_buckets()["Buckets"] == []


def test_cancelled_export_writes_no_manifest(orders, tmp_path):
    """An export stopped before it ends says so and writes no manifest."""
    import threading

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CopyFailed) as stopped:
        dynamo_magic.export_table("orders", tmp_path, env=A, segments=2, cancel=cancel)
    result = stopped.value.result
    assert result.interrupted and not result.complete
    assert not list(tmp_path.rglob("manifest-*"))


def test_the_api_function_names_every_keyword_and_is_documented():
    """No ``**options``: help(), tab completion and the front ends see every parameter."""
    signature = inspect.signature(dynamo_magic.export_table)
    assert list(signature.parameters) == [
        *("table", "to", "env", "storage_env", "pk", "sk", "sk_op", "sk2", "index"),
        *("workers", "segments", "backend", "scheduler", "max_read_units", "checkpoint"),
        *("resume", "progress", "cancel"),
    ]
    assert signature.return_annotation == "ExportResult"
    assert "ExportResult" in dynamo_magic.__all__ and "export_table" in dynamo_magic.__all__
    doc = inspect.getdoc(dynamo_magic.export_table) or ""
    for section in ("Parameters", "Returns", "Raises", "Examples"):
        assert f"{section}\n{'-' * len(section)}" in doc
    for name in signature.parameters:
        assert f"\n{name} : " in doc, name


def _wait(describe: Any) -> dict[str, Any]:
    for _ in range(100):
        status: dict[str, Any] = describe()
        if status["ExportStatus"] != "IN_PROGRESS":
            return status
        time.sleep(0.1)
    raise AssertionError("moto's export did not end")


def test_lines_are_those_dynamodbs_export_writes(orders):
    """DynamoDB's own export to S3 (as moto writes it) of the same table: its data lines and
    ours decode to the same items, line for line by key."""
    s3, ddb = _s3(A), boto3.Session(profile_name=A).client("dynamodb")
    s3.create_bucket(Bucket=BUCKET)
    ddb.update_continuous_backups(
        TableName="orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    arn = ddb.describe_table(TableName="orders")["Table"]["TableArn"]
    started = ddb.export_table_to_point_in_time(
        TableArn=arn, S3Bucket=BUCKET, S3Prefix="theirs", ExportFormat="DYNAMODB_JSON"
    )
    export_arn = started["ExportDescription"]["ExportArn"]
    status = _wait(lambda: ddb.describe_export(ExportArn=export_arn)["ExportDescription"])
    assert status["ExportStatus"] == "COMPLETED"
    theirs = []
    for found in s3.list_objects_v2(Bucket=BUCKET, Prefix="theirs/")["Contents"]:
        body = s3.get_object(Bucket=BUCKET, Key=found["Key"])["Body"].read()
        theirs += [line["Item"] for line in _lines(body)]

    result = dynamo_magic.export_table("orders", f"s3://{BUCKET}/ours", env=A, segments=2)
    ours = [
        line["Item"]
        for f in result.files
        for line in _lines(s3.get_object(Bucket=BUCKET, Key=f.key)["Body"].read())
    ]
    assert len(theirs) == len(ours) == 30
    assert keyed(theirs, ORDER_KEY) == keyed(ours, ORDER_KEY)


def test_an_export_folder_that_holds_files_is_refused(orders, tmp_path, monkeypatch):
    """Were an export id ever met twice, the folder (local or in S3) is not written into."""
    from dynamo_magic.transfer import exporting

    monkeypatch.setattr(exporting, "new_export_id", lambda: "00000000000000-deadbeef")
    taken = tmp_path / "AWSDynamoDB" / "00000000000000-deadbeef"
    taken.mkdir(parents=True)
    (taken / "other.txt").write_text("theirs")
    with pytest.raises(UsageProblem, match="holds files"):
        dynamo_magic.export_table("orders", tmp_path, env=A)
    assert [p.name for p in taken.iterdir()] == ["other.txt"]
    _s3(B).create_bucket(Bucket=BUCKET)
    _s3(B).put_object(Bucket=BUCKET, Key="p/AWSDynamoDB/00000000000000-deadbeef/x", Body=b"x")
    with pytest.raises(UsageProblem, match="holds files"):
        dynamo_magic.export_table("orders", f"s3://{BUCKET}/p", env=A, storage_env=B)
    assert len(_s3(B).list_objects_v2(Bucket=BUCKET)["Contents"]) == 1
