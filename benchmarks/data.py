"""Benchmark data: deterministic ~1 KB DynamoDB items (typed JSON), loading, and item-by-item
comparison of two tables.

Shapes:
- ``flat``: S, N (integers and decimals), BOOL, NULL, a list of strings, a small map;
- ``rich``: the flat attributes plus B, SS, NS, BS and nested maps (maps in maps, lists of maps).
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dynamo_magic.transfer.digest import canonical

MAX_BATCH_WRITE = 25  # DynamoDB limit per BatchWriteItem
LOAD_THREADS = 4  # concurrent batch writes while loading (dynalite is one node process)
SCAN_SEGMENTS = 4  # parallel scan segments when reading a table back for verification
SHAPES = ("flat", "rich")
WORDS = ["".join(random.Random(i).choices(string.ascii_lowercase, k=3 + i % 7)) for i in range(400)]

Item = dict[str, Any]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _flat_attributes(rng: random.Random, n: int) -> Item:
    item: Item = {
        "name": {"S": _text(rng, 3)},
        "description": {"S": _text(rng, 50)},
        "category": {"S": rng.choice(["alpha", "beta", "gamma", "delta"])},
        "quantity": {"N": str(rng.randint(0, 10_000))},
        "price": {"N": f"{rng.randint(0, 99_999)}.{rng.randint(0, 99):02d}"},
        "ratio": {"N": repr(round(rng.random(), 6))},
        "sequence": {"N": str(n)},
        "active": {"BOOL": rng.random() < 0.5},
        "tags": {"L": [{"S": rng.choice(WORDS)} for _ in range(rng.randint(2, 6))]},
        "dimensions": {
            "M": {
                "width": {"N": str(rng.randint(1, 500))},
                "height": {"N": str(rng.randint(1, 500))},
                "unit": {"S": "cm"},
            }
        },
        "notes": {"S": _text(rng, 40)},
    }
    if rng.random() < 0.3:
        item["deleted_at"] = {"NULL": True}
    if rng.random() < 0.5:
        item["owner"] = {"S": _text(rng, 2)}  # sometimes missing: a sparse column
    return item


def _rich_attributes(rng: random.Random, n: int) -> Item:
    item = _flat_attributes(rng, n)
    item["notes"] = {"S": _text(rng, 20)}  # room for the richer attributes within ~1 KB
    item["checksum"] = {"B": rng.randbytes(32)}
    item["labels"] = {"SS": sorted({rng.choice(WORDS) for _ in range(4)})}
    item["readings"] = {"NS": sorted({str(rng.randint(0, 10**6)) for _ in range(4)})}
    item["blobs"] = {"BS": sorted({rng.randbytes(8) for _ in range(3)})}
    item["meta"] = {
        "M": {
            "created": {"M": {"by": {"S": rng.choice(WORDS)}, "at": {"N": str(1_700_000_000 + n)}}},
            "history": {
                "L": [
                    {"M": {"v": {"N": str(v)}, "ok": {"BOOL": v % 2 == 0}}}
                    for v in range(rng.randint(1, 3))
                ]
            },
            "flags": {"SS": ["x", "y"]},
        }
    }
    return item


def make_item(shape: str, pk: str, sk: Any, n: int, seed: int = 0) -> Item:
    """Item ``n`` of ``shape`` with key ``pk``/``sk`` (deterministic for a given seed)."""
    rng = random.Random(seed * 1_000_003 + n)
    attributes = _flat_attributes(rng, n) if shape == "flat" else _rich_attributes(rng, n)
    sk_value = {"N": str(sk)} if isinstance(sk, int) else {"S": sk}
    return {"pk": {"S": pk}, "sk": sk_value, **attributes}


def partition_items(shape: str, pk: str, count: int) -> Iterator[Item]:
    """``count`` items in one partition (sort keys ``item#000000`` ...)."""
    for n in range(count):
        yield make_item(shape, pk, f"item#{n:06d}", n)


def spread_items(shape: str, count: int, partitions: int = 200) -> Iterator[Item]:
    """``count`` items over ``partitions`` partition keys (numeric sort keys): a whole table."""
    for n in range(count):
        yield make_item(shape, f"customer#{n % partitions:04d}", n // partitions, n, seed=1)


# -- DynamoDB's item size rule (approximate: numbers estimated from their digits) --------------
def attribute_size(av: Item) -> int:
    ((tag, value),) = av.items()
    if tag == "S":
        return len(value.encode())
    if tag == "N":
        return (len(value.strip("-").replace(".", "")) + 1) // 2 + 1
    if tag == "B":
        return len(value)
    if tag in ("BOOL", "NULL"):
        return 1
    if tag == "SS":
        return sum(len(v.encode()) for v in value)
    if tag == "NS":
        return sum(attribute_size({"N": v}) for v in value)
    if tag == "BS":
        return sum(len(v) for v in value)
    if tag == "L":
        return 3 + sum(1 + attribute_size(v) for v in value)
    if tag == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_size(v) for k, v in value.items())
    raise ValueError(tag)


def item_size(item: Item) -> int:
    return sum(len(name.encode()) + attribute_size(av) for name, av in item.items())


# -- loading and reading back ------------------------------------------------------------------
def _write_batch(client: Any, table: str, batch: list[Item]) -> None:
    request = {table: [{"PutRequest": {"Item": item}} for item in batch]}
    while request:
        request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def load(client: Any, table: str, items: Iterator[Item]) -> int:
    """Put all ``items`` (batches of 25, a few in flight); returns how many."""
    batches: list[list[Item]] = [[]]
    for item in items:
        if len(batches[-1]) == MAX_BATCH_WRITE:
            batches.append([])
        batches[-1].append(item)
    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        list(pool.map(lambda batch: _write_batch(client, table, batch), batches))
    return sum(len(b) for b in batches)


def _scan_segment(client: Any, table: str, segment: int, total: int) -> list[Item]:
    items: list[Item] = []
    request: dict[str, Any] = {"TableName": table, "Segment": segment, "TotalSegments": total}
    while True:
        page = client.scan(**request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scan_all(client: Any, table: str) -> list[Item]:
    with ThreadPoolExecutor(SCAN_SEGMENTS) as pool:
        parts = pool.map(
            lambda s: _scan_segment(client, table, s, SCAN_SEGMENTS), range(SCAN_SEGMENTS)
        )
        return [item for part in parts for item in part]


def _key(item: Item) -> tuple[str, str]:
    return repr(item["pk"]), repr(item["sk"])


def compare_tables(source: list[Item], target: list[Item]) -> list[str]:
    """Differences between two tables' items (empty: identical, item by item)."""
    want = {_key(i): i for i in source}
    got = {_key(i): i for i in target}
    problems = []
    missing = want.keys() - got.keys()
    extra = got.keys() - want.keys()
    if missing:
        problems.append(f"{len(missing)} item(s) missing in the target")
    if extra:
        problems.append(f"{len(extra)} unexpected item(s) in the target")
    differ = sum(
        1
        for k in want.keys() & got.keys()
        if {n: canonical(v) for n, v in want[k].items()}
        != {n: canonical(v) for n, v in got[k].items()}
    )
    if differ:
        problems.append(f"{differ} item(s) differ")
    return problems
