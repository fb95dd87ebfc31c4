"""The panels' tables: orders and events on server A (account ``A``)."""

from __future__ import annotations

from typing import Any

import pytest

from tables import create_events, create_orders, events_items, orders_items, put_all


@pytest.fixture
def orders(servers) -> Any:
    client = servers[0].client()
    create_orders(client)
    put_all(client, "orders", orders_items())
    create_events(client)
    put_all(client, "events", events_items())
    return client
