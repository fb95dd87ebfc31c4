"""The demo's data (``dynamo_magic.demo.data``): deterministic, of the promised size, as the
notebooks expect; no server."""

from __future__ import annotations

from collections import Counter

from dynamo_magic.demo import (
    data,
)

TYPES = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS"}


# -- the data (no server) ----------------------------------------------------------------------
def _types(items: list[dict]) -> set[str]:
    found: set[str] = set()
    for item in items:
        for value in item.values():
            found.update(value)
    return found


def _key(item: dict) -> tuple[str, str]:
    return item["pk"]["S"], item["sk"]["S"]


def test_data_is_deterministic_and_of_the_promised_size(shop):
    again = data.build()
    assert again.prod == shop.prod and again.dev == shop.dev
    kinds = Counter(item["sk"]["S"].split("#")[0] for item in shop.prod)
    assert kinds["PROFILE"] == data.CUSTOMERS == 200
    assert kinds["ORDER"] >= 1000 and kinds["LINE"] >= 3000
    assert 4000 <= len(shop.prod) <= 5000
    assert len({_key(item) for item in shop.prod}) == len(shop.prod)  # no key twice
    assert _types(shop.prod) == TYPES  # every attribute type the spec names
    assert Counter(i["status"]["S"] for i in shop.prod if "status" in i).keys() == set(
        data.STATUSES
    )


def test_c001_and_o0001_are_as_the_notebooks_expect(shop):
    orders = [
        item
        for item in shop.prod
        if item["pk"]["S"] == "CUSTOMER#c001" and item["sk"]["S"].startswith("ORDER#2024-")
    ]
    assert len(orders) >= 5
    assert len({order["created"]["S"][5:7] for order in orders}) >= 5  # spread over the year
    first = [o for o in orders if o["sk"]["S"].endswith("#o0001")]
    assert len(first) == 1 and first[0]["sk"]["S"] == f"ORDER#{first[0]['created']['S']}#o0001"
    lines = [item for item in shop.prod if item["pk"]["S"] == "ORDER#o0001"]
    assert len(lines) >= 2 and int(first[0]["line_count"]["N"]) == len(lines)


def test_order_totals_add_up(shop):
    from decimal import Decimal

    lines: dict[str, Decimal] = Counter()
    for item in shop.prod:
        if item["sk"]["S"].startswith("LINE#"):
            price = Decimal(item["qty"]["N"]) * Decimal(item["price"]["N"])
            lines[item["pk"]["S"].removeprefix("ORDER#")] += price
    for item in shop.prod:
        if "total" in item:
            shipping = Decimal(item["shipping"]["M"]["cost"]["N"])
            assert Decimal(item["total"]["N"]) == lines[item["order_id"]["S"]] + shipping


def test_dev_is_an_older_smaller_copy(shop):
    prod = {_key(item): item for item in shop.prod}
    dev = {_key(item): item for item in shop.dev}
    only_dev = [key for key in dev if key not in prod]
    assert only_dev and all("#t" in pk for pk, _ in only_dev)  # CUSTOMER#t001, ORDER#t0001
    customers = {pk for pk, sk in dev if sk == "PROFILE" and pk not in {k[0] for k in only_dev}}
    assert customers == {f"CUSTOMER#c{n:03d}" for n in range(1, data.DEV_CUSTOMERS + 1)}
    created = [item["created"]["S"] for item in dev.values() if "created" in item]
    assert created and max(created) <= data.DEV_CUTOFF
    older = [key for key in dev if key in prod and dev[key] != prod[key]]
    statuses = {
        (prod[key]["status"]["S"], dev[key]["status"]["S"]) for key in older if "status" in dev[key]
    }
    assert ("SHIPPED", "PLACED") in statuses  # prod moved on since dev's copy
    assert _types(shop.dev) == TYPES
