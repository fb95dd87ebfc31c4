"""The magics' tables, in one in-process moto for the package, and DynamoMagic at its defaults
for every test.

One ``InteractiveShell`` serves the whole session (``InteractiveShell.instance()`` also returns a
shell that ``IPython.testing.globalipapp`` started first; the reverse order would fail).
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from .lines import QUOTED
from conftest import reset_magic
from tables import create_events, create_orders, events_items, orders_items, put_all


@pytest.fixture(scope="package")
def tables() -> Iterator[None]:
    """orders, events and a hash-only ``notes`` table (for PartiQL) in one in-process moto."""
    with mock_aws():
        client = boto3.client(
            "dynamodb",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        create_orders(client)
        put_all(client, "orders", orders_items())
        create_events(client)
        put_all(client, "events", events_items())
        client.create_table(
            TableName="notes",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        put_all(
            client,
            "notes",
            [
                {"id": {"S": QUOTED}, "text": {"S": QUOTED}, "n": {"N": "1"}},
                {"id": {"S": "plain"}, "text": {"S": "plain"}, "n": {"N": "2"}},
                {"id": {"S": "USER#1"}, "text": {"S": "#tag"}, "n": {"N": "3"}},  # '#' is data
            ],
        )
        yield


@pytest.fixture(autouse=True)
def magic(shell, tables, isolated_aws):
    """The registered DynamoMagic with its traits back at their defaults for every test."""
    instance = reset_magic(shell)  # settings reload from this test's (empty) config file
    for name in ("df", "res", "who", "status", "x"):
        shell.user_ns.pop(name, None)
    return instance
