"""The demo's data: a single-table shop (customers, orders, order lines), made deterministically.

Table ``shop`` (same key schema and indexes in both environments):

- key ``pk`` (S, HASH) + ``sk`` (S, RANGE); GSI ``by_status`` (``status`` + ``created``, ALL);
  LSI ``by_total`` (``pk`` + ``total`` N, ALL);
- customers ``CUSTOMER#c001`` / ``PROFILE``; orders ``CUSTOMER#c001`` /
  ``ORDER#2024-03-07#o0001``; order lines ``ORDER#o0001`` / ``LINE#01``.

demo-prod holds 200 customers, 1,000+ orders and 3,000+ lines. demo-dev holds an older, smaller
copy: the first 50 customers, their orders up to 2024-06-30 (some with an older status) and
lines, plus a few test items that exist only there.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

TABLE = "shop"
GSI = "by_status"
LSI = "by_total"
SEED = 20240307  # random.Random seed: the same data on every run
CUSTOMERS = 200
DEV_CUSTOMERS = 50  # demo-dev: the first 50 customers
DEV_CUTOFF = "2024-06-30"  # demo-dev: no order created after this date
DEV_RECENT = "2024-06-01"  # demo-dev: orders from here on are older versions (not sent yet)
YEAR = 2024
STATUSES = ("PLACED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED")
BATCH = 25  # BatchWriteItem's limit
MAX_BATCH_TRIES = 20
CENT = Decimal("0.01")

_FIRST = (  # noqa: SIM905 (a list of words)
    "Ada Alan Beatriz Chen Dana Emil Fatima Grace Hiro Ines Jonas Kwame Lena Mateo Nadia "
    "Omar Priya Quinn Rosa Sven Tariq Uma Viktor Wen Yara Zoe"
).split()
_LAST = (  # noqa: SIM905 (a list of words)
    "Lovelace Turing Souza Wei Scully Novak Haddad Hopper Tanaka Ferreira Berg Mensah "
    "Vogel Ruiz Petrova Farouk Sharma Kelly Marin Lund Aziz Rao Ivanov Zhang Costa Weber"
).split()
_CITIES = (
    ("Lisbon", "1100"),
    ("Berlin", "10115"),
    ("Nairobi", "00100"),
    ("Osaka", "530-0001"),
    ("Toronto", "M5H 2N2"),
    ("Austin", "73301"),
    ("Dublin", "D02 X285"),
    ("Seoul", "04524"),
)
_STREETS = ("Harbour Road", "Main Street", "Linden Allee", "Rua Augusta", "Queen Street")
_TAGS = ("newsletter", "wholesale", "returns", "early-adopter", "b2b", "student", "gift-buyer")
_PRODUCTS = (
    ("mug", Decimal("9.50")),
    ("teapot", Decimal("34.00")),
    ("notebook", Decimal("6.25")),
    ("fountain pen", Decimal("48.90")),
    ("desk lamp", Decimal("59.99")),
    ("tote bag", Decimal("14.00")),
    ("coffee beans 1kg", Decimal("24.80")),
    ("headphones", Decimal("129.00")),
    ("poster", Decimal("19.95")),
    ("plant pot", Decimal("12.40")),
)
_COUPONS = ("WELCOME10", "SPRING24", "FREESHIP", "VIP5", "BLACKFRIDAY")
_CARRIERS = ("DHL", "UPS", "Royal Mail", "Yamato", "Canada Post")
_NOTES = ("leave at the door", "ring twice", "gift wrap, no invoice", "call before delivery")
# c001's orders: dates spread over the year, every status among them
_C001_ORDERS = (
    ("01-14", "DELIVERED"),
    ("03-07", "DELIVERED"),
    ("04-22", "CANCELLED"),
    ("06-03", "SHIPPED"),  # PLACED in demo-dev
    ("08-19", "DELIVERED"),
    ("10-05", "PAID"),
    ("12-11", "PLACED"),
)


@dataclass
class ShopData:
    """Items of each environment, in DynamoDB's typed JSON (``{"S": ...}``), in write order."""

    prod: list[dict[str, Any]] = field(default_factory=list)
    dev: list[dict[str, Any]] = field(default_factory=list)


def table_definition(name: str = TABLE) -> dict[str, Any]:
    """CreateTable arguments of the shop table (keys, GSI ``by_status``, LSI ``by_total``)."""
    return {
        "TableName": name,
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "created", "AttributeType": "S"},
            {"AttributeName": "total", "AttributeType": "N"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": GSI,
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "created", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "LocalSecondaryIndexes": [
            {
                "IndexName": LSI,
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "total", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


def build() -> ShopData:
    """Both environments' items (deterministic: ``random.Random(SEED)``)."""
    from boto3.dynamodb.types import TypeSerializer

    rng = random.Random(SEED)
    serializer = TypeSerializer()

    def typed(item: dict[str, Any]) -> dict[str, Any]:
        return {name: serializer.serialize(value) for name, value in item.items()}

    data = ShopData()
    order_number = 0
    for number in range(1, CUSTOMERS + 1):
        customer = _customer(rng, number)
        in_dev = number <= DEV_CUSTOMERS
        data.prod.append(typed(customer))
        if in_dev:
            data.dev.append(typed(_older_customer(customer, number)))
        for date, status in _order_plan(rng, number):
            order_number += 1
            order, lines = _order(rng, customer["pk"], order_number, date, status)
            data.prod.append(typed(order))
            data.prod.extend(typed(line) for line in lines)
            if in_dev and date <= DEV_CUTOFF:
                data.dev.append(typed(_older_order(order, order_number)))
                data.dev.extend(typed(line) for line in lines)
    data.dev.extend(typed(item) for item in _dev_only_items(rng))
    return data


def _customer(rng: random.Random, number: int) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    city, zip_code = rng.choice(_CITIES)
    signup = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
    item: dict[str, Any] = {
        "pk": f"CUSTOMER#c{number:03d}",
        "sk": "PROFILE",
        "name": f"{first} {last}",
        "email": f"{first}.{last}{number}@example.com".lower(),
        "tier": rng.choices(("bronze", "silver", "gold"), weights=(6, 3, 1))[0],
        "signup": signup.isoformat(),
        "vip": rng.random() < 0.15,
        "tags": set(rng.sample(_TAGS, rng.randint(1, 3))),
        "address": {
            "street": f"{rng.randint(1, 250)} {rng.choice(_STREETS)}",
            "city": city,
            "zip": zip_code,
        },
        "avatar": rng.randbytes(12),
    }
    if number % 4 == 0:
        item["nickname"] = None  # NULL: a nickname was never chosen
    if number % 3 == 0:
        item["scores"] = {Decimal(rng.randint(1, 100)) for _ in range(3)}
    return item


def _order_plan(rng: random.Random, number: int) -> list[tuple[str, str]]:
    """(date, status) of each order of customer ``number``, oldest first."""
    if number == 1:
        return [(f"{YEAR}-{day}", status) for day, status in _C001_ORDERS]
    plan = []
    for _ in range(rng.randint(2, 9)):
        date = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(366))
        plan.append((date.isoformat(), _status(rng, date)))
    return sorted(plan)


def _status(rng: random.Random, date: dt.date) -> str:
    """Older orders are mostly delivered; recent ones still on their way."""
    if rng.random() < 0.07:
        return "CANCELLED"
    age = (dt.date(YEAR, 12, 31) - date).days
    if age > 120:
        return "DELIVERED"
    if age > 45:
        return rng.choice(("SHIPPED", "DELIVERED", "DELIVERED"))
    return rng.choice(("PLACED", "PAID", "SHIPPED"))


def _order(
    rng: random.Random, customer_pk: str, number: int, date: str, status: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    order_id = f"o{number:04d}"
    lines: list[dict[str, Any]] = []
    for index in range(1, rng.randint(2, 4) + 1):
        product, price = rng.choice(_PRODUCTS)
        lines.append(
            {
                "pk": f"ORDER#{order_id}",
                "sk": f"LINE#{index:02d}",
                "product": product,
                "qty": rng.randint(1, 4),
                "price": price,
                "gift": rng.random() < 0.1,
                "thumbnail": rng.randbytes(16),
            }
        )
    shipping_cost = Decimal(rng.choice(("0.00", "4.90", "9.90")))
    total = sum((line["qty"] * line["price"] for line in lines), shipping_cost)
    order: dict[str, Any] = {
        "pk": customer_pk,
        "sk": f"ORDER#{date}#{order_id}",
        "order_id": order_id,
        "status": status,
        "created": date,
        "total": total.quantize(CENT),
        "line_count": len(lines),
        "shipping": {
            "carrier": rng.choice(_CARRIERS),
            "cost": shipping_cost,
            "express": rng.random() < 0.2,
        },
    }
    if rng.random() < 0.25:
        order["coupons"] = set(rng.sample(_COUPONS, rng.randint(1, 2)))
    if rng.random() < 0.15:
        order["notes"] = [rng.choice(_NOTES), {"by": "support", "at": date}]
    return order, lines


def _older_customer(customer: dict[str, Any], number: int) -> dict[str, Any]:
    """demo-dev's older profile: every fifth customer was one tier lower then."""
    older = dict(customer)
    if number % 5 == 0 and customer["tier"] != "bronze":
        older["tier"] = "bronze" if customer["tier"] == "silver" else "silver"
    return older


def _older_order(order: dict[str, Any], number: int) -> dict[str, Any]:
    """demo-dev's copy as it was at the end of June: June's orders were not sent yet (PLACED
    where prod says SHIPPED, PAID where it says DELIVERED), and every third older delivered
    order was still SHIPPED."""
    older = dict(order)
    status = order["status"]
    if order["created"] >= DEV_RECENT and status in ("SHIPPED", "DELIVERED"):
        older["status"] = "PLACED" if status == "SHIPPED" else "PAID"
    elif number % 3 == 0 and status == "DELIVERED":
        older["status"] = "SHIPPED"
    return older


def _dev_only_items(rng: random.Random) -> Iterator[dict[str, Any]]:
    """Test items that exist only in demo-dev (a replace copy from prod deletes them)."""
    for number in range(1, 4):
        pk = f"CUSTOMER#t{number:03d}"
        yield {
            "pk": pk,
            "sk": "PROFILE",
            "name": f"Test Customer {number}",
            "email": f"qa+{number}@example.com",
            "tier": "bronze",
            "signup": "2024-05-01",
            "vip": False,
            "tags": {"test"},
            "address": {"street": "1 Test Lane", "city": "Testville", "zip": "00000"},
            "avatar": rng.randbytes(12),
        }
        order_id = f"t{number:04d}"
        yield {
            "pk": pk,
            "sk": f"ORDER#2024-05-0{number}#{order_id}",
            "order_id": order_id,
            "status": "PLACED",
            "created": f"2024-05-0{number}",
            "total": Decimal("1.00"),
            "line_count": 1,
            "shipping": {"carrier": "none", "cost": Decimal("0.00"), "express": False},
            "notes": ["made by a test, safe to delete"],
        }
        yield {
            "pk": f"ORDER#{order_id}",
            "sk": "LINE#01",
            "product": "test item",
            "qty": 1,
            "price": Decimal("1.00"),
            "gift": False,
            "thumbnail": b"\x00" * 4,
        }


def create_table(client: Any, name: str = TABLE) -> None:
    """Create the shop table (deleting an existing one first) and wait until it is ACTIVE."""
    try:
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(
            TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
        )
    except client.exceptions.ResourceNotFoundException:
        pass
    client.create_table(**table_definition(name))
    client.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )


def write_items(client: Any, items: list[dict[str, Any]], name: str = TABLE) -> None:
    """BatchWriteItem in batches of 25, retrying unprocessed items."""
    for start in range(0, len(items), BATCH):
        requests: dict[str, Any] = {
            name: [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH]]
        }
        for _ in range(MAX_BATCH_TRIES):
            requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems")
            if not requests:
                break
        else:
            raise RuntimeError(f"seeding {name}: items stayed unprocessed")


def seed(prod_client: Any, dev_client: Any) -> ShopData:
    """Create table ``shop`` in both environments (replacing any) and write the demo data.

    Both clients are low-level boto3 DynamoDB clients; returns what was written.
    """
    from concurrent.futures import ThreadPoolExecutor

    data = build()
    # the tables one after the other: two servers of one moto account id would give tables
    # created in the same millisecond the same ARN and creation time, i.e. "the same table"
    create_table(prod_client)
    create_table(dev_client)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            pool.submit(write_items, prod_client, data.prod),
            pool.submit(write_items, dev_client, data.dev),
        ]
        for job in jobs:
            job.result()
    return data
