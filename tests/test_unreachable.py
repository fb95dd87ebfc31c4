"""botocore's own errors from table management come out as the package's, one line each."""

from __future__ import annotations

import socket

import pytest

from dynamo_magic import api, cli
from dynamo_magic.errors import EndpointUnreachable

from conftest import use_profiles


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
