"""``%dynamo_export``: in this process (the package's in-process moto) and in a real kernel
against moto servers, the bucket in another "account" reached through ``--storage-env``."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from IPython.core.error import UsageError

import dynamo_magic

from conftest import A, B, subprocess_env
from live_kernel import errors, live_kernel, printed
from moto_servers import MotoServer
from tables import create_orders, orders_items, put_all


def test_the_magic_returns_or_stores_the_export(shell, tmp_path, capsys):
    result = shell.run_line_magic(
        "dynamo_export", f"orders --env dev --to {tmp_path / 'a'} --segments 3 --no-progress"
    )
    assert isinstance(result, dynamo_magic.ExportResult) and result.ok
    assert result.written == 30 and len(result.files) == 3
    assert capsys.readouterr().out.startswith("export OK: 30 items in 3 file(s)")
    assert (
        shell.run_line_magic(
            "dynamo_export",
            f"-t orders --env dev --to {tmp_path / 'b'} -pk c1 --no-progress -o res",
        )
        is None
    )
    assert shell.user_ns["res"].written == 10


@pytest.mark.parametrize(
    "line, message",
    [
        ("nope --env dev --to {out}", "nope"),
        ("orders --env dev --to {out} --index nope", "no index 'nope'"),
        ("orders --env dev --to {out} -sk x", "give --pk too"),
        ("--env dev --to {out}", "usage: %dynamo_export TABLE"),
        ("orders --env dev", "--to"),
    ],
)
def test_bad_lines_are_one_line_usage_errors(shell, tmp_path, line, message):
    out = tmp_path / "out"
    with pytest.raises(UsageError) as refused:
        shell.run_line_magic("dynamo_export", line.format(out=out))
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert not out.exists()


CHECK = """
import boto3, json, gzip
s3 = boto3.Session(profile_name="{store}").client("s3")
prefix = res.folder.split("/", 3)[3]
key = prefix + "/manifest-summary.json"
summary = json.loads(s3.get_object(Bucket="kernel-exchange", Key=key)["Body"].read())
print(json.dumps({{"ok": res.ok, "items": summary["itemCount"], "files": len(res.files)}}))
"""


def test_a_kernel_exports_into_another_accounts_bucket(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path
) -> None:
    create_orders(servers[0].client())
    put_all(servers[0].client(), "orders", orders_items())
    boto3.Session(profile_name=B).client("s3").create_bucket(Bucket="kernel-exchange")
    line = (
        f"%dynamo_export orders --env {A} --to s3://kernel-exchange/k --storage-env {B} "
        "--segments 2 --no-progress -o res"
    )
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        assert errors(kernel.run("%load_ext dynamo_magic")) == []
        assert errors(kernel.run(line)) == []
        seen = printed(kernel.run(CHECK.format(store=B)))
        missing = kernel.run(
            f"%dynamo_export orders --env {A} --to s3://nowhere/k --storage-env {B}"
        )
    assert seen == {"ok": True, "items": 30, "files": 2}
    (error,) = errors(missing)
    assert error.startswith("UsageError: bucket 'nowhere' in env") and "does not exist" in error
