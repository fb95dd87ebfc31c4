"""Imports into tables against moto servers: export folders (ours and AWS's layout, local and in
S3 through another account's bucket), JSON Lines, CSV and Parquet, the copy's rules (plan,
confirmation, backup, modes), and refusals that leave the table untouched."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from export_folders import gzipped_lines, upload, write_export

import dynamo_magic
from dynamo_magic import CopyPlan, CopyResult, environments
from dynamo_magic.codec import decode_binaries, encode_binaries
from dynamo_magic.errors import ConfirmationRequired, InvalidFile, TableNotFound, UsageProblem
from dynamo_magic.schema import KeyAttribute, KeySchema
from dynamo_magic.transfer import import_files
from dynamo_magic.transfer.import_files import check, locate

from conftest import A, B, client_for
from moto_servers import MotoServer
from tables import create_keyed, keyed, put_all, scan_all

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


# -- imports into tables ---------------------------------------------------------------------
RICH = [
    item(
        "a",
        1,
        big={"N": "12345678901234567890123456789012345678"},
        small={"N": "0.1"},
        b={"B": "AAEC/w=="},
        ss={"SS": ["x", "y"]},
        ns={"NS": ["1", "2.5"]},
        bs={"BS": ["AAE=", "Ag=="]},
        m={"M": {"k": {"L": [{"NULL": True}, {"BOOL": False}, {"S": "é"}]}}},
        t={"BOOL": True},
    ),
    item("a", 2, s={"S": "two"}),
    item("b", 1),
]


def make_table(profile: str = A, name: str = "target") -> Any:
    client = client_for(profile)
    create_keyed(client, name, ("pk", "S"), ("sk", "N"))
    return client


def contents(profile: str = A, name: str = "target") -> dict[str, Any]:
    """The table's items by key, in wire form (binaries as base64), sets order-free."""
    return keyed([encode_binaries(i) for i in scan_all(client_for(profile), name)], ("pk", "sk"))


def wire(items: list[dict[str, Any]]) -> dict[str, Any]:
    return keyed(items, ("pk", "sk"))


def test_an_export_in_another_accounts_bucket_imported_exactly(bucket: str, tmp_path: Path) -> None:
    """Exported in account B's bucket, imported into account A's table through B's
    credentials (``storage_env``): every type, every digit."""
    make_table()
    write_export(tmp_path / "dump", [RICH[:1], [], RICH[1:]], prefix="nightly/")
    upload(s3_for(B), tmp_path / "dump", bucket, "nightly/")
    result = dynamo_magic.import_table("target", f"s3://{bucket}/nightly", env=A, storage_env=B)
    assert isinstance(result, CopyResult)
    assert (result.items_read, result.written, result.failed) == (3, 3, 0)
    assert result.verification.ok and result.verification.target_count == 3
    assert contents() == wire(RICH)
    assert result.summary_line().startswith("import OK: 3 written")
    assert [(f.items, f.read, f.written, f.failed) for f in result.files] == [
        (1, 1, 1, 0),
        (0, 0, 0, 0),
        (2, 2, 2, 0),
    ]
    assert ("file", f"{result.files[2].url}: 2 items: 2 read, 2 written, 0 failed") in result.rows()


def _damaged(src: Path, kind: str) -> Path:
    """An export (or files) under ``src`` damaged in one way; returns the SRC to import."""
    files = [[item("n", k) for k in range(5)], [item("o", k) for k in range(5)]]
    if kind in ("missing key", "wrong key type", "duplicate key"):
        bad = {
            "missing key": {"sk": {"N": "9"}},
            "wrong key type": {"pk": {"N": "1"}, "sk": {"N": "9"}},
            "duplicate key": item("n", 3),
        }[kind]
        files[1].append(bad)
        return write_export(src, files)
    folder = write_export(src, files)
    data = sorted((folder / "data").iterdir())[1]
    if kind == "bad md5":
        data.write_bytes(gzip.compress(gzip.decompress(data.read_bytes()), mtime=7))
    elif kind == "wrong count":
        data.write_bytes(gzipped_lines(files[1][:4]))
    elif kind == "truncated gzip":
        data.write_bytes(data.read_bytes()[:-8])
    elif kind == "bad line":
        (src / "extra").mkdir()
        (src / "extra" / "x.jsonl").write_text('{"pk": {"S": "z"}, "sk": {"N": "1"}}\nnot json\n')
        return src / "extra"
    return folder


@pytest.mark.parametrize(
    "kind",
    [
        "bad md5",
        "wrong count",
        "truncated gzip",
        "bad line",
        "duplicate key",
        "missing key",
        "wrong key type",
    ],
)
def test_every_refusal_leaves_the_table_untouched(servers: Any, tmp_path: Path, kind: str) -> None:
    client = make_table()
    put_all(client, "target", [item("keep", 1, v={"S": "old"}), item("n", 3, v={"S": "old"})])
    before = contents()
    source = _damaged(tmp_path / "src", kind)
    for mode in ("merge", "truncate"):
        with pytest.raises(InvalidFile) as error:
            dynamo_magic.import_table("target", source, env=A, mode=mode, yes=True)
        assert "\n" not in str(error.value)
    assert contents() == before
    assert client_for(A).list_backups(TableName="target")["BackupSummaries"] == []


def test_dry_run_states_every_file_and_writes_nothing(servers: Any, tmp_path: Path) -> None:
    make_table()
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.jsonl").write_text(json.dumps({"Item": RICH[0]}) + "\n")
    (src / "b.jsonl").write_text('{"pk": "c", "sk": 1, "n": 0.5}\n{"pk": "c", "sk": 2}\n')
    (src / "c.csv").write_text("pk,sk,price\nd,1,2.50\n")
    plan = dynamo_magic.import_table("target", src, env=A, dry_run=True)
    assert isinstance(plan, CopyPlan)
    text = str(plan)
    assert re.search(r"file a.jsonl +1 item, JSON Lines of DynamoDB JSON\n", text), text
    assert re.search(r"file b.jsonl +2 items, JSON Lines of plain JSON\n", text)
    assert re.search(r"file c.csv +1 item, CSV\n", text)
    assert plan.source_items == 4
    assert contents() == {}


def test_csv_jsonl_and_parquet_load_with_the_types_rules(servers: Any, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")  # the test extra installs it: never skipped in CI
    import pyarrow.parquet as pq

    make_table()
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.csv").write_text("pk,sk,price,zip,ok,note\nc,1,0.1,007,true,\n")
    (src / "b.jsonl.gz").write_bytes(
        gzip.compress(b'{"pk": "j", "sk": "2", "n": 12345678901234567890.5, "gone": null}\n')
    )
    pq.write_table(pa.table({"pk": ["p"], "sk": [3], "f": [0.25], "x": [None]}), src / "c.parquet")
    result = dynamo_magic.import_table("target", src, env=A)
    assert result.written == 3 and result.verification.ok
    assert contents() == wire(
        [
            {
                "pk": {"S": "c"},
                "sk": {"N": "1"},
                "price": {"N": "0.1"},
                "zip": {"S": "007"},
                "ok": {"BOOL": True},
            },
            {"pk": {"S": "j"}, "sk": {"N": "2"}, "n": {"N": "12345678901234567890.5"}},
            {"pk": {"S": "p"}, "sk": {"N": "3"}, "f": {"N": "0.25"}},
        ]
    )


def test_modes_follow_the_copy_s_confirmation_and_backup_rules(
    servers: Any, tmp_path: Path
) -> None:
    client = make_table()
    put_all(client, "target", [item("old", 1), RICH[1] | {"s": {"S": "before"}}])
    folder = write_export(tmp_path / "src", [RICH])
    with pytest.raises(ConfirmationRequired):  # a table holding items: --yes
        dynamo_magic.import_table("target", folder, env=A)
    assert contents()[_key("old", 1)]  # nothing written
    merged = dynamo_magic.import_table("target", folder, env=A, yes=True, backup=False)
    assert merged.backup is None and merged.written == 3
    assert set(contents()) == set(wire(RICH)) | {_key("old", 1)}
    replaced = dynamo_magic.import_table("target", folder, env=A, mode="replace", yes=True)
    assert replaced.backup is not None and replaced.deleted == 1
    assert contents() == wire(RICH)
    put_all(client, "target", [item("late", 1)])
    truncated = dynamo_magic.import_table("target", folder, env=A, mode="truncate", yes=True)
    assert truncated.backup is not None and contents() == wire(RICH)


def _key(pk: str, sk: int) -> str:
    (text,) = wire([item(pk, sk)])
    return text


def test_create_makes_the_table_from_the_key_only_after_the_checks(
    servers: Any, tmp_path: Path
) -> None:
    folder = write_export(tmp_path / "src", [RICH])
    with pytest.raises(TableNotFound):
        dynamo_magic.import_table("fresh", folder, env=A)
    with pytest.raises(UsageProblem) as error:  # the key is not in an export's files
        dynamo_magic.import_table("fresh", folder, env=A, create=True)
    assert "pk:S" in str(error.value)
    plan = dynamo_magic.import_table(  # a dry run shows the plan and creates nothing
        "fresh", folder, env=A, create=True, key="pk:S,sk:N", dry_run=True
    )
    assert isinstance(plan, CopyPlan) and plan.create_target and plan.source_items == 3
    with pytest.raises(InvalidFile):  # files checked against the key before it is created
        dynamo_magic.import_table("fresh", folder, env=A, create=True, key="pk:S,sk:S")
    assert "fresh" not in client_for(A).list_tables()["TableNames"]
    result = dynamo_magic.import_table("fresh", folder, env=A, create=True, key="pk:S,sk:N")
    assert result.written == 3
    assert contents(A, "fresh") == wire(RICH)


def test_create_in_a_protected_environment_asks_first(servers: Any, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "src", [RICH])
    with pytest.raises(ConfirmationRequired) as error:
        dynamo_magic.import_table("fresh", folder, env="prod-b", create=True, key="pk:S,sk:N")
    assert "protected" in str(error.value) and "yes" in str(error.value)
    assert client_for("prod-b").list_tables()["TableNames"] == []
    result = dynamo_magic.import_table(
        "fresh", folder, env="prod-b", create=True, key="pk:S,sk:N", yes=True
    )
    assert result.written == 3


def test_round_trip_export_from_one_account_import_in_the_other(
    bucket: str, tmp_path: Path
) -> None:
    """``export_table`` of account B's table into B's bucket, ``import_table`` of it into
    account A's table through B's credentials: identical items, every type and digit; and
    the same through a local folder."""
    source = make_table(B, "orders")
    put_all(source, "orders", [decode_binaries(i) for i in RICH])
    dynamo_magic.export_table("orders", f"s3://{bucket}/nightly", env=B, segments=3)
    make_table(A, "orders")
    result = dynamo_magic.import_table("orders", f"s3://{bucket}/nightly", env=A, storage_env=B)
    assert result.ok and result.written == 3 and len(result.files) == 3
    assert contents(A, "orders") == contents(B, "orders") == wire(RICH)
    dynamo_magic.export_table("orders", tmp_path / "local", env=B)
    make_table(A, "again")
    assert dynamo_magic.import_table("again", tmp_path / "local", env=A).written == 3
    assert contents(A, "again") == wire(RICH)
