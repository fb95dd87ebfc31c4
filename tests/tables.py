"""Test tables covering every key type, index kind and attribute type, and their items.

Used by the query and the copy tests alike; items are DynamoDB typed JSON.
"""

from __future__ import annotations

import json
from typing import Any

from dynamo_magic.transfer.digest import canonical

BIG = "12345678901234567890123456789012345678"  # 38 digits: DynamoDB's maximum precision


def _attrs(**types: str) -> list[dict[str, str]]:
    return [{"AttributeName": n, "AttributeType": t} for n, t in types.items()]


def _key(hash_: str, range_: str | None = None) -> list[dict[str, str]]:
    key = [{"AttributeName": hash_, "KeyType": "HASH"}]
    if range_:
        key.append({"AttributeName": range_, "KeyType": "RANGE"})
    return key


def create_keyed(client: Any, name: str, pk: tuple[str, str], sk: tuple[str, str]) -> None:
    """An on-demand table keyed ``pk``/``sk``, each ``(name, type)``: ``("p", "S")``."""
    client.create_table(
        TableName=name,
        KeySchema=_key(pk[0], sk[0]),
        AttributeDefinitions=_attrs(**{pk[0]: pk[1], sk[0]: sk[1]}),
        BillingMode="PAY_PER_REQUEST",
    )


def create_orders(client: Any, name: str = "orders") -> None:
    """Composite S/S key with a dashed sort key; GSIs of every projection; an LSI."""
    client.create_table(
        TableName=name,
        KeySchema=_key("customer", "order-date"),
        AttributeDefinitions=_attrs(
            **{"customer": "S", "order-date": "S", "status": "S", "total": "N", "region": "S"}
        ),
        GlobalSecondaryIndexes=[
            {
                "IndexName": "status-total",
                "KeySchema": _key("status", "total"),
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "region-keys",
                "KeySchema": _key("region"),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "region-include",
                "KeySchema": _key("region", "order-date"),
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]},
            },
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-total",
                "KeySchema": _key("customer", "total"),
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def order_item(customer: int, n: int) -> dict[str, Any]:
    """One order with every attribute type; ``total`` is n * 1.25."""
    item: dict[str, Any] = {
        "customer": {"S": f"c{customer}"},
        "order-date": {"S": f"2024-01-{n:02d}"},
        "status": {"S": "open" if n % 2 else "shipped"},
        "region": {"S": ["eu", "us", "ap"][n % 3]},
        "total": {"N": str(n * 1.25)},
        "qty": {"N": str(n)},
        "big": {"N": BIG},
        "paid": {"BOOL": n % 2 == 0},
        "note": {"NULL": True},
        "blob": {"B": bytes([n, 0, 255])},
        "tags": {"SS": ["a", f"t{n}"]},
        "scores": {"NS": ["1", str(n)]},
        "chunks": {"BS": [b"\x01", bytes([n])]},
        "address": {"M": {"city": {"S": "Paris"}, "zip": {"N": str(75000 + n)}}},
        "lines": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"k": {"BOOL": True}}}]},
        "size": {"N": str(n)},  # a reserved word as an attribute name
    }
    if n % 5 == 0:
        del item["paid"]  # some items lack an attribute
    return item


def orders_items(customers: int = 3, per_customer: int = 10) -> list[dict[str, Any]]:
    return [order_item(c, n) for c in range(customers) for n in range(1, per_customer + 1)]


def create_events(client: Any, name: str = "events") -> None:
    """Numeric partition and sort keys."""
    client.create_table(
        TableName=name,
        KeySchema=_key("device", "seq"),
        AttributeDefinitions=_attrs(device="N", seq="N"),
        BillingMode="PAY_PER_REQUEST",
    )


def events_items(devices: int = 2, per_device: int = 20) -> list[dict[str, Any]]:
    return [
        {"device": {"N": str(d)}, "seq": {"N": str(s)}, "value": {"N": f"{s}.5"}}
        for d in range(1, devices + 1)
        for s in range(per_device)
    ]


def create_blobs(client: Any, name: str = "blobs") -> None:
    """A binary hash key, no sort key."""
    client.create_table(
        TableName=name,
        KeySchema=_key("id"),
        AttributeDefinitions=_attrs(id="B"),
        BillingMode="PAY_PER_REQUEST",
    )


def blobs_items(n: int = 10) -> list[dict[str, Any]]:
    return [{"id": {"B": bytes([i, 7])}, "payload": {"S": f"p{i}"}} for i in range(n)]


def create_reserved(client: Any, name: str = "reserved") -> None:
    """Reserved words as key names (``name``, ``size``) and a dotted/dashed attributes."""
    client.create_table(
        TableName=name,
        KeySchema=_key("name", "size"),
        AttributeDefinitions=_attrs(name="S", size="N"),
        BillingMode="PAY_PER_REQUEST",
    )


def reserved_items() -> list[dict[str, Any]]:
    return [
        {
            "name": {"S": f"n{i % 2}"},
            "size": {"N": str(i)},
            "data.value": {"S": f"dot{i}"},
            "order-id": {"N": str(100 + i)},
            "status": {"S": "ok" if i % 2 else "bad"},
        }
        for i in range(8)
    ]


def put_all(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": it}} for it in items[start : start + 25]]
        client.batch_write_item(RequestItems={table: batch})


def scan_all(client: Any, table: str) -> list[dict[str, Any]]:
    """Every item of ``table`` (unsegmented scan), as a test's own independent read."""
    items, kwargs = [], {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


ORDER_KEY = ("customer", "order-date")


def keyed(items: list[dict[str, Any]], key_names: tuple[str, ...] = ORDER_KEY) -> dict[str, Any]:
    """Items by a canonical key text, sets order-free: for exact item-by-item comparisons."""

    def text(obj: object) -> str:
        return json.dumps(obj, sort_keys=True, default=lambda b: b.hex())

    return {
        text({k: item[k] for k in key_names}): {n: canonical(v) for n, v in item.items()}
        for item in items
    }
