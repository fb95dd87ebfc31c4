"""What the plot tests share: figures closed after each test, and the ``orders`` table."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from tables import create_orders, order_item, orders_items, put_all


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def orders(servers) -> Any:
    """``orders`` on server A (profile ``dev``): customers c0..c2 with 10 orders each, and a
    hot partition c7 with 25."""
    client = servers[0].client()
    create_orders(client)
    put_all(client, "orders", orders_items() + [order_item(7, n) for n in range(1, 26)])
    return client
