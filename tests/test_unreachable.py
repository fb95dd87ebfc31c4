"""botocore's own errors from table management come out as the package's, one line each."""

from __future__ import annotations

import socket

import pytest

from dynamo_magic import api, cli
from dynamo_magic.demo import DEV, PROD
from dynamo_magic.demo.profiles import write_profiles as demo_profiles
from dynamo_magic.errors import EndpointUnreachable

from conftest import reset_caches, use_profiles


@pytest.fixture
def dead_endpoint(isolated_aws, monkeypatch) -> str:
    """A profile ``dead`` whose endpoint is a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    use_profiles({"default": None, "dead": f"http://127.0.0.1:{port}"}, isolated_aws, monkeypatch)
    return "dead"


def test_backups_of_an_unreachable_endpoint(dead_endpoint, capsys):
    with pytest.raises(EndpointUnreachable) as failed:
        api.backups("orders", env=dead_endpoint)
    assert "list backups of 'orders'" in str(failed.value)
    assert "cannot reach the DynamoDB endpoint" in str(failed.value)
    assert "\n" not in str(failed.value)

    assert cli.main(["backups", "-t", "orders", "-e", dead_endpoint]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith("Error: list backups of 'orders': cannot reach the DynamoDB endpoint")


@pytest.fixture
def stopped_demo(isolated_aws, monkeypatch) -> tuple[str, str]:
    """The demo's profiles (as ``dynamo demo`` writes them, marked as the demo's) in a folder,
    their servers gone: ``(folder, endpoint of demo-prod)``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = isolated_aws / "a demo folder"
    url = f"http://127.0.0.1:{port}"
    for name, value in demo_profiles(folder, {PROD: url, DEV: url}, demo=True).items():
        monkeypatch.setenv(name, value)
    reset_caches()
    return str(folder), url


@pytest.mark.parametrize(
    "call",
    [
        lambda: api.list_tables(env=PROD),
        lambda: api.query("shop", "CUSTOMER#c001", env=PROD),
        lambda: api.backups("shop", env=PROD),
        lambda: api.plan_copy("shop", source=PROD, target=DEV),
    ],
    ids=["list_tables", "query", "backups", "plan_copy"],
)
def test_a_stopped_demo_is_named_with_how_to_start_it_again(stopped_demo, call):
    folder, url = stopped_demo
    with pytest.raises(EndpointUnreachable) as failed:
        call()
    message = str(failed.value)
    assert "\n" not in message and "check endpoint_url and network" not in message
    assert f"cannot reach environment '{PROD}': the demo's DynamoDB server at {url} is not " in (
        message
    )
    assert f"start the demo again with `dynamo demo --folder '{folder}'`" in message


def test_a_stopped_demo_in_the_cli(stopped_demo, capsys):
    folder, _ = stopped_demo
    assert cli.main(["query", "-t", "shop", "CUSTOMER#c001", "-e", DEV]) == 2
    out, err = capsys.readouterr()
    (line,) = err.splitlines()
    assert out == "" and line.startswith("Error: ")
    assert f"cannot reach environment '{DEV}'" in line and f"--folder '{folder}'" in line
