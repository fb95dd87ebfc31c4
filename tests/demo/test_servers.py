"""The demo in this process: its two moto servers and profiles seen through the package's own
API, port conflicts, start, stop and reset."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import dynamo_magic as dm
from dynamo_magic import environments
from dynamo_magic.demo import (
    ACCOUNTS,
    DEV,
    PROD,
    TABLE,
    PortInUse,
    data,
    start_demo,
)
from dynamo_magic.demo.servers import MotoServer

from conftest import reset_caches
from moto_servers import port_pair


# -- the demo in this process: servers, profiles, data through the package's API ---------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    with start_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture
def demo_env(demo, monkeypatch: pytest.MonkeyPatch):
    for name, value in demo.variables.items():
        monkeypatch.setenv(name, value)
    reset_caches()
    yield demo
    reset_caches()


def test_demo_environments_are_two_accounts_with_the_shop_table(demo_env, shop):
    demo = demo_env
    assert set(demo.variables) == {
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "DYNAMO_MAGIC_CONFIG",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    }
    assert all(
        Path(demo.variables[name]).parent == demo.folder for name in list(demo.variables)[:3]
    )
    assert {PROD, DEV} <= set(dm.list_environments())
    assert dm.list_tables(env=PROD) == [TABLE] and dm.list_tables(env=DEV) == [TABLE]
    assert environments.resolve(None).name == DEV  # the demo's config: default_env
    assert environments.resolve(PROD).protected and not environments.resolve(DEV).protected
    assert environments.resolve(PROD).endpoint_url == demo.prod.url
    assert environments.resolve(DEV).endpoint_url == demo.dev.url
    # two account ids: the tables' ARNs differ, as between real accounts
    arns = {
        server.client().describe_table(TableName=TABLE)["Table"]["TableArn"]
        for server in (demo.prod, demo.dev)
    }
    assert {arn.split(":")[4] for arn in arns} == {ACCOUNTS[PROD], ACCOUNTS[DEV]}
    # two servers, two sets of data: the counts are those of the data each was seeded with
    assert dm.count(TABLE, env=PROD) == len(shop.prod)
    assert dm.count(TABLE, env=DEV) == len(shop.dev)


def test_demo_indexes_answer_as_documented(demo_env, shop):
    schema = dm.describe(TABLE, env=PROD)
    text = str(schema.describe_rows())
    assert data.GSI in text and data.LSI in text
    shipped = dm.query(TABLE, pk="SHIPPED", index=data.GSI, env=PROD)
    expected = [i for i in shop.prod if i.get("status") == {"S": "SHIPPED"}]
    assert len(shipped) == len(expected) and set(shipped["status"]) == {"SHIPPED"}
    by_total = dm.query(TABLE, pk="CUSTOMER#c001", index=data.LSI, env=PROD)
    totals = list(by_total["total"])
    assert len(totals) >= 5 and totals == sorted(totals)
    lines = dm.query(TABLE, pk="ORDER#o0001", env=DEV)
    assert len(lines) >= 2 and isinstance(lines["thumbnail"].iloc[0], bytes)


def test_a_port_in_use_is_one_clear_error_and_starts_nothing(tmp_path):
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    port = port_pair()
    for taken_port in (port, port + 1):  # demo-prod's port, then demo-dev's (N+1)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", taken_port))
            taken.listen()
            with pytest.raises(PortInUse, match=f"^port {taken_port} on 127.0.0.1 is in use"):
                start_demo(tmp_path / str(taken_port), port=port)
    # demo-prod's server, started before demo-dev's port was found taken, was stopped
    after = {child.pid for child in psutil.Process().children(recursive=True)}
    assert after <= before


def test_moto_server_start_stop_reset(tmp_path):
    server = MotoServer.start(log=tmp_path / "moto.log")
    try:
        data.create_table(server.client())
        assert server.client().list_tables()["TableNames"] == [TABLE]
        server.reset()
        assert server.client().list_tables()["TableNames"] == []
    finally:
        server.stop()
    assert not server.answers() and server.process.poll() is not None
    server.stop()  # twice is harmless
