"""``dynamo export``: a table to a folder and to a bucket of another "account" as real
processes; bad input as one ``Error:`` line (exit 2) with nothing written, in this process.

The package's tables are on server A (``profiles``); the bucket is on server B, reached through
profile ``store`` only."""

from __future__ import annotations

import gzip
import json

import boto3
import pytest

from .results import assert_one_error_line
from conftest import dynamo_many, ok, reset_caches, write_profiles

BUCKET = "cli-exchange"


@pytest.fixture
def store(profiles, moto_pair, tmp_path, monkeypatch) -> dict[str, str]:
    """Profiles dev (server A, the tables) and store (server B, bucket ``cli-exchange``),
    set in this process too; returns the variables for child processes."""
    variables = write_profiles(
        tmp_path / "aws-store",
        {"default": moto_pair[0].url, "dev": moto_pair[0].url, "store": moto_pair[1].url},
    )
    for var, value in variables.items():
        monkeypatch.setenv(var, value)
    reset_caches()
    s3 = boto3.Session(profile_name="store").client("s3")
    if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET)
    return variables


def _items(data: bytes) -> list[dict]:
    return [json.loads(line)["Item"] for line in gzip.decompress(data).decode().splitlines()]


def test_export_to_a_folder_and_to_another_accounts_bucket(store, tmp_path):
    base = ["export", "-t", "orders", "-e", "dev", "--segments", "2"]
    done = dynamo_many(
        {
            "folder": [*base, "--to", str(tmp_path / "out")],
            "s3": [*base, "--to", f"s3://{BUCKET}/cli", "--storage-env", "store", "--no-progress"],
        },
        env=store,
    )
    assert " items/s" in done["folder"].stderr  # the copy's progress bar, on stderr
    assert " items/s" not in done["s3"].stderr
    for name, result in done.items():
        line = ok(result).strip()
        assert line.startswith("export OK: 30 items in 2 file(s) to "), (name, line)
        assert "\n" not in line

    (summary,) = (tmp_path / "out").glob("AWSDynamoDB/*/manifest-summary.json")
    assert json.loads(summary.read_text())["itemCount"] == 30
    local = [i for f in summary.parent.glob("data/*.json.gz") for i in _items(f.read_bytes())]
    assert len(local) == 30

    s3 = boto3.Session(profile_name="store").client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="cli/")["Contents"]]
    (summary_key,) = [k for k in keys if k.endswith("/manifest-summary.json")]
    body = json.loads(s3.get_object(Bucket=BUCKET, Key=summary_key)["Body"].read())
    assert body["itemCount"] == 30 and body["s3Bucket"] == BUCKET and body["s3Prefix"] == "cli"
    data = [k for k in keys if k.endswith(".json.gz")]
    remote = [i for k in data for i in _items(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read())]
    assert sorted(map(json.dumps, remote)) == sorted(map(json.dumps, local))


def test_bad_input_is_one_line_and_writes_nothing(store, in_process, tmp_path, monkeypatch):
    for var, value in store.items():  # in_process set the package's profiles: ours again
        monkeypatch.setenv(var, value)
    reset_caches()
    out = tmp_path / "out"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    base = ["export", "-e", "dev", "--no-progress"]
    cases = {
        "no table": ([*base, "-t", "nope", "--to", str(out)], "nope"),
        "no index": ([*base, "-t", "orders", "-i", "nope", "--to", str(out)], "no index 'nope'"),
        "sk alone": ([*base, "-t", "orders", "-sk", "x", "--to", str(out)], "give --pk too"),
        "segments of a slice": (
            [*base, "-t", "orders", "-pk", "c1", "--segments", "2", "--to", str(out)],
            "drop --segments",
        ),
        "no bucket": (
            [*base, "-t", "orders", "--to", "s3://nowhere/x", "--storage-env", "store"],
            "bucket 'nowhere'",
        ),
        "a file": ([*base, "-t", "orders", "--to", str(a_file / "sub")], "is a file"),
        "storage env of a folder": (
            [*base, "-t", "orders", "--to", str(out), "--storage-env", "store"],
            "drop --storage-env",
        ),
        "unknown storage env": (
            [*base, "-t", "orders", "--to", "s3://x/y", "--storage-env", "nope"],
            "nope",
        ),
        "no --to": ([*base, "-t", "orders"], "--to"),
    }
    for name, (argv, message) in cases.items():
        assert_one_error_line(name, in_process(*argv), message)
    assert not out.exists()
    assert a_file.read_text() == "x"
