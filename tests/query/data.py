"""What the query tests share: the test tables (``tables.py``) loaded into in-process moto,
expected order numbers, and a log of the requests dynamo_magic's own client makes. The ``db``
fixture (tests/query/conftest.py) loads them."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dynamo_magic import environments
from dynamo_magic.dynamodb import clients

from tables import (
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

ORDERS = orders_items()  # customers c0..c2, orders n = 1..10 each
EVENTS = events_items()  # devices 1..2, seq 0..19


def load(client: Any) -> None:
    for create, name, items in (
        (create_orders, "orders", ORDERS),
        (create_events, "events", EVENTS),
        (create_blobs, "blobs", blobs_items()),
        (create_reserved, "reserved", reserved_items()),
    ):
        create(client)
        put_all(client, name, items)


def dev_client() -> Any:
    """dynamo_magic's own (cached) client of env ``dev``: one session per test keeps tests fast."""
    return clients.client(environments.resolve("dev"))


def n_of(order_date: str) -> int:
    """The order number ``n`` of an order-date ``2024-01-NN``."""
    return int(order_date[-2:])


def order_numbers(frame: pd.DataFrame) -> list[int]:
    return sorted(n_of(d) for d in frame["order-date"])


def expected_numbers(customer: str, keep: Any) -> list[int]:
    """Order numbers of ``customer`` whose typed item passes ``keep``."""
    return sorted(
        n_of(it["order-date"]["S"]) for it in ORDERS if it["customer"]["S"] == customer and keep(it)
    )


def key_pairs(frame: pd.DataFrame, *names: str) -> list[tuple[Any, ...]]:
    return sorted(zip(*(frame[n] for n in names), strict=True))


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(exc.value)
    assert "\n" not in text, text
    return text


def request_log(event: str) -> list[dict[str, Any]]:
    """Parameters of every ``event`` call (e.g. ``Scan``) made by dynamo_magic's dev client."""
    calls: list[dict[str, Any]] = []
    reader = clients.client(environments.resolve("dev"))
    reader.meta.events.register(
        f"provide-client-params.dynamodb.{event}", lambda params, **_: calls.append(dict(params))
    )
    return calls
