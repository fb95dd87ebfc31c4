"""The ``dynamo`` command's tables: server A of the session's moto pair, filled once for the
package, and the profiles pointing at it; ``in_process`` runs ``cli.main`` with them."""

from __future__ import annotations

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
def profiles(moto_pair, tmp_path_factory) -> dict[str, str]:
    """Server A emptied and filled with the test tables; AWS config variables pointing at it."""
    server = moto_pair[0]
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
    folder = tmp_path_factory.mktemp("cli-aws")
    return write_profiles(folder, {"default": server.url, "dev": server.url})


@pytest.fixture
def in_process(in_process, profiles, monkeypatch):
    """``cli.main`` in this process, with the package's profiles (server A filled)."""
    for var, value in profiles.items():
        monkeypatch.setenv(var, value)
    reset_caches()
    return in_process
