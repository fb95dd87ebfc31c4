"""A long-lived process, as a notebook kernel is: edited AWS files and ``AWS_*`` variables are
followed without a restart, the profile ``AWS_PROFILE`` names is the environment (label and
protection), and no worker process outlives the call that started it. Moto servers A and B.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import botocore.configloader
import psutil
import pytest

import dynamo_magic as dm
import dynamo_magic.api as api
from dynamo_magic.dynamodb import clients
from dynamo_magic.environments import Environment, resolve
from dynamo_magic.errors import (
    ConfirmationRequired,
    DynamoMagicError,
    EnvironmentNotFound,
    TableNotFound,
    UnsafeOperation,
)
from dynamo_magic.transfer.parallel import NoProgress

from conftest import A, B, client_for, server_profiles, write_profiles
from tables import create_events, create_orders, events_items, orders_items, put_all

REAP_SECONDS = 5.0  # killed workers and a stopped tracker get this long to be reaped


def make_marker_tables(servers) -> None:
    """``only-a`` on server A and ``only-b`` on server B, one item each: which server answered."""
    for profile, table in ((A, "only-a"), (B, "only-b")):
        client = client_for(profile)
        client.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName=table, Item={"id": {"S": "k"}, "where": {"S": table}})


def point(folder: Path, servers, **changes: str) -> None:
    """Rewrite the test's AWS config in place (as a user edits ~/.aws/config): no cache reset."""
    a, b = servers
    urls = {"a": a.url, "b": b.url}
    changed = {name: urls[server] for name, server in changes.items()}
    write_profiles(folder, server_profiles(a, b) | changed)


# -- edited files and variables are followed -----------------------------------------------------
def test_an_edited_profile_endpoint_is_followed(servers, isolated_aws):
    make_marker_tables(servers)
    assert dm.query("only-a", "k", env=A)["where"].tolist() == ["only-a"]

    point(isolated_aws, servers, **{"acct-a": "b"})  # acct-a now names server B

    assert resolve(A).endpoint_url == servers[1].url
    assert dm.query("only-b", "k", env=A)["where"].tolist() == ["only-b"]
    with pytest.raises(TableNotFound, match="endpoint " + servers[1].url):
        dm.query("only-a", "k", env=A)


def test_copy_planning_sees_the_edited_identity(servers, isolated_aws):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", orders_items())
    assert api.plan_copy("orders", source=A, target=B).create_target  # B: another server

    point(isolated_aws, servers, **{"acct-b": "a"})  # acct-b now names server A: the same table

    with pytest.raises(UnsafeOperation, match="same table"):
        api.copy("orders", source=A, target=B, yes=True)
    assert client_for("prod-b").list_tables()["TableNames"] == []  # server B untouched


def test_a_changed_aws_variable_is_followed(servers, monkeypatch, tmp_path):
    make_marker_tables(servers)
    assert dm.query("only-a", "k", env=A)["where"].tolist() == ["only-a"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    point(elsewhere, servers, **{"acct-a": "b"})
    first_file = os.environ["AWS_CONFIG_FILE"]
    monkeypatch.setenv("AWS_CONFIG_FILE", str(elsewhere / "config"))  # another config file
    assert dm.query("only-b", "k", env=A)["where"].tolist() == ["only-b"]
    monkeypatch.setenv("AWS_CONFIG_FILE", first_file)  # and back
    assert dm.query("only-a", "k", env=A)["where"].tolist() == ["only-a"]

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", servers[1].url)  # beats the profile's
    assert dm.query("only-b", "k", env="dev")["where"].tolist() == ["only-b"]
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB")
    assert dm.query("only-a", "k", env="dev")["where"].tolist() == ["only-a"]


def test_unchanged_files_reuse_sessions_and_clients(servers, monkeypatch):
    make_marker_tables(servers)
    dm.query("only-a", "k", env=A)
    first = clients.client(resolve(A))
    parsed: list[str] = []
    real_parse = botocore.configloader.raw_config_parse

    def counting_parse(path, *args, **kwargs):
        parsed.append(path)
        return real_parse(path, *args, **kwargs)

    monkeypatch.setattr(botocore.configloader, "raw_config_parse", counting_parse)
    for _ in range(3):
        assert dm.query("only-a", "k", env=A)["where"].tolist() == ["only-a"]
        assert clients.client(resolve(A)) is first  # a cache hit, no rebuild
    assert parsed == []  # no AWS file read again while unchanged

    dm.reset()  # the documented reset: rebuilt on next use
    assert clients.client(resolve(A)) is not first
    assert parsed  # the files were read again


# -- AWS_PROFILE names the environment -----------------------------------------------------------
def test_aws_profile_decides_label_and_protection(servers, monkeypatch):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", orders_items())
    monkeypatch.setenv("AWS_PROFILE", "prod-b")

    env = resolve(None)
    assert env == Environment("prod-b", "prod-b", "us-east-1", servers[1].url, True, True)
    assert env.describe().startswith("env 'prod-b' (profile prod-b, us-east-1")
    with pytest.raises(TableNotFound, match=r"env 'prod-b' \(profile prod-b"):
        dm.query("missing", "x")
    with pytest.raises(ConfirmationRequired, match="protected"):
        api.copy("orders", source=A, target=None, target_table="fresh")
    assert client_for("prod-b").list_tables()["TableNames"] == []
    result = api.copy("orders", source=A, target=None, target_table="fresh", yes=True)
    assert result.ok and result.target == "fresh (prod-b)"
    assert client_for("prod-b").list_tables()["TableNames"] == ["fresh"]


SECRET = "TOPSECRET-never-shown"


def test_aws_profile_without_keys_uses_the_environment_keys_in_workers_and_the_cli(
    servers, isolated_aws, monkeypatch
):
    """As ``boto3.Session()`` does, a profile that AWS_PROFILE names takes its keys from
    AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY when it has none: in this process, in the copy's
    worker processes (which inherit the variables) and in the CLI; never printed. Named with
    ``-e``, the same profile has no credentials (botocore ignores the variables then)."""
    config = isolated_aws / "config"
    config.write_text(
        config.read_text()
        + f"\n[profile keyless]\nregion = us-east-1\nendpoint_url = {servers[0].url}\n"
    )
    create_orders(client_for(A))
    put_all(client_for(A), "orders", orders_items())
    monkeypatch.setenv("AWS_PROFILE", "keyless")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    assert boto3.Session().get_credentials().secret_key == SECRET  # the reference behaviour

    result = api.copy(
        "orders", source=None, target=B, backend="loky", workers=2, segments=4, yes=True
    )
    assert result.ok and result.source == "orders (keyless)"
    assert client_for(B).scan(TableName="orders", Select="COUNT")["Count"] == len(orders_items())

    cli = [sys.executable, "-m", "dynamo_magic.cli", "query", "-t", "orders", "c1", "--count"]
    runs = [
        subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ), timeout=60)
        for argv in (cli, [*cli, "-e", "keyless"])
    ]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stdout.strip().isdigit() and int(runs[0].stdout) > 0
    assert runs[1].returncode == 2 and runs[1].stdout == ""
    assert runs[1].stderr.strip().splitlines() == [runs[1].stderr.strip()]  # one line
    assert runs[1].stderr.startswith("Error: no AWS credentials for env 'keyless'")
    assert "aws configure --profile keyless" in runs[1].stderr
    for run in runs:
        assert SECRET not in run.stdout + run.stderr and "Traceback" not in run.stderr


def test_profile_variables_follow_botocore(servers, monkeypatch, isolated_aws):
    monkeypatch.setenv("AWS_PROFILE", A)
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "prod-b")
    assert resolve(None).profile == boto3.Session().profile_name == "prod-b"  # botocore's order
    monkeypatch.delenv("AWS_DEFAULT_PROFILE")
    assert resolve(None) == Environment(A, A, "us-east-1", servers[0].url, False, True)
    monkeypatch.setenv("AWS_PROFILE", "default")  # the default chain, as without a variable
    assert resolve(None).name is None
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    with pytest.raises(EnvironmentNotFound, match=r"unknown environment 'ghost' \(from AWS_PROF"):
        resolve(None)
    (isolated_aws / "dynamo_magic.toml").write_text('default_env = "dev"\n')  # followed too
    assert resolve(None).name == "dev"  # a configured default wins over the variable


# -- no worker process outlives a call -----------------------------------------------------------
def children() -> list[psutil.Process]:
    return psutil.Process().children(recursive=True)


def is_loky_tracker(process: psutil.Process) -> bool:
    try:
        return "loky.backend.resource_tracker" in " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return False


def left_behind(before: set[int]) -> list[psutil.Process]:
    """Processes started since ``before`` and still running, loky's resource tracker aside
    (kept on purpose: see ``parallel.worker_pool``). The release waits for what it stops;
    the bounded wait only absorbs the kernel's reaping, a worker kept for joblib's 300 s idle
    timeout still fails."""
    new = [p for p in children() if p.pid not in before and not is_loky_tracker(p)]
    _, alive = psutil.wait_procs(new, timeout=REAP_SECONDS)
    return alive


class WatchingProgress(NoProgress):
    """Counts the worker processes alive while items are reported (proof workers ran)."""

    def __init__(self, before: set[int]):
        self.before, self.seen = before, 0

    def advance(self, count: int) -> None:
        self.seen = max(self.seen, sum(p.pid not in self.before for p in children()))


@pytest.fixture
def events_a(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=4, per_device=50))
    create_events(client_for(B))
    return servers


def test_a_copy_leaves_no_worker_processes(events_a):
    before = {p.pid for p in children()}
    trackers = set()
    for _ in range(2):  # the second copy starts new workers and leaves none either
        progress = WatchingProgress(before)
        result = api.copy(
            "events", source=A, target=B, yes=True, backend="loky", workers=2, progress=progress
        )
        assert result.ok and result.written == 200
        assert progress.seen >= 2  # worker processes really ran
        assert left_behind(before) == []
        trackers |= {p.pid for p in children() if is_loky_tracker(p)}
    assert len(trackers) <= 1  # one loky tracker at most, reused: nothing accumulates


class InterruptedAtVerify(WatchingProgress):
    def start(self, phase: str, total: int | None) -> None:
        if phase.startswith("verify"):
            raise KeyboardInterrupt  # Ctrl-C between the copy and its verification


class TargetLost(WatchingProgress):
    def advance(self, count: int) -> None:
        super().advance(count)
        if self.seen and not getattr(self, "deleted", False):
            self.deleted = True
            client_for(B).delete_table(TableName="events")  # the target vanishes mid-copy


@pytest.mark.parametrize("progress_type", [InterruptedAtVerify, TargetLost])
def test_a_failed_copy_leaves_no_worker_processes(events_a, progress_type):
    before = {p.pid for p in children()}
    progress = progress_type(before)
    with pytest.raises(DynamoMagicError):  # CopyFailed; a lost table may also end as itself
        api.copy(
            "events", source=A, target=B, yes=True, backend="loky", workers=2, progress=progress
        )
    assert progress.seen >= 2
    assert left_behind(before) == []


def test_workers_someone_else_started_are_left_alone(events_a):
    from joblib.externals.loky import get_reusable_executor

    theirs = get_reusable_executor(max_workers=1)  # the notebook's own loky work
    assert theirs.submit(abs, -1).result() == 1
    their_workers = [psutil.Process(pid) for pid in theirs._processes]
    assert their_workers
    try:
        result = api.copy("events", source=A, target=B, yes=True, backend="threading")
        assert result.ok
        api.plan_copy("events", source=A, target=B)
        assert all(p.is_running() for p in their_workers)
        assert theirs.submit(abs, -2).result() == 2  # still usable
    finally:
        theirs.shutdown(wait=True, kill_workers=True)  # theirs to end, not the copy's
    _, alive = psutil.wait_procs(their_workers, timeout=REAP_SECONDS)
    assert alive == []
