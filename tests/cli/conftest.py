"""The ``dynamo`` command's tables: server A of the session's moto pair, filled for the
package (and again after a test of another file emptied it: the ``servers`` fixture does, and
pytest-xdist may run such a file between two of these), and the profiles pointing at it;
``in_process`` runs ``cli.main`` with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import reset_caches, write_profiles
from tables import (
    BIG,
    blobs_items,
    create_blobs,
    create_events,
    create_orders,
    create_reserved,
    events_items,
    orders_items,
    put_all,
    reserved_items,
)


@pytest.fixture(scope="package")
def _profiles_folder(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("cli-aws")
    return {"folder": str(folder)}


@pytest.fixture
def profiles(moto_pair, _profiles_folder) -> dict[str, str]:
    """Server A holding the test tables (filled when it does not: the first test of the
    package, or one after a test that emptied the servers); AWS config variables pointing
    at it."""
    server = moto_pair[0]
    if "odd" not in server.client().list_tables()["TableNames"]:  # the last table filled
        _fill(server)
    return write_profiles(
        Path(_profiles_folder["folder"]), {"default": server.url, "dev": server.url}
    )


def _fill(server) -> None:
    """Server A emptied and filled with the test tables."""
    server.reset()
    client = server.client()
    create_orders(client)
    put_all(client, "orders", orders_items())
    create_events(client)
    put_all(client, "events", events_items())
    create_blobs(client)
    put_all(client, "blobs", blobs_items())
    create_reserved(client)
    put_all(client, "reserved", reserved_items())
    for name, type_ in (("users", "S"), ("nums", "N"), ("odd", "S")):
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": type_}],
            BillingMode="PAY_PER_REQUEST",
        )
    client.put_item(TableName="users", Item={"id": {"S": "u1"}, "big": {"N": BIG}})
    client.put_item(TableName="users", Item={"id": {"S": "u2"}, "big": {"N": "2"}})
    client.put_item(TableName="nums", Item={"id": {"N": "42"}, "name": {"S": "answer"}})
    # attributes named like the --unique columns, and a real string "<missing>"
    for item in (
        {"id": {"S": "a"}, "type": {"S": "<missing>"}, "count": {"N": "1.5"}},
        {"id": {"S": "b"}, "type": {"S": "x"}, "count": {"N": BIG}},
        {"id": {"S": "c"}, "type": {"NULL": True}},
        {"id": {"S": "d"}},
    ):
        client.put_item(TableName="odd", Item=item)


@pytest.fixture
def in_process(in_process, profiles, monkeypatch):
    """``cli.main`` in this process, with the package's profiles (server A filled)."""
    for var, value in profiles.items():
        monkeypatch.setenv(var, value)
    reset_caches()
    return in_process
