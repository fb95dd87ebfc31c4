"""Reading: DescribeTable, paged Query/Scan, parallel Scan segments, Select COUNT, PartiQL.

Everything here yields DynamoDB typed items (the low-level client's form) and counts what it
read; conversion to DataFrames lives in ``codec`` and front ends never call these directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import botocore.exceptions as bx

from . import lazy
from .codec import Item, items_to_frame
from .errors import TableNotFound, translate
from .schema import TableSchema

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    pd = lazy.module("pandas")

PageCallback = Callable[[int], None]  # called with the number of items of each page


@dataclass
class ReadStats:
    """What a read cost and whether it stopped early."""

    count: int = 0  # items returned (after filters)
    scanned: int = 0  # items DynamoDB evaluated (before filters)
    pages: int = 0
    capacity: float | None = None  # read capacity units, where the server reports them
    truncated: bool = False  # stopped at a limit with more items possibly left

    def add_page(self, page: dict[str, Any], returned: int) -> None:
        self.pages += 1
        self.count += returned
        self.scanned += page.get("ScannedCount", returned)
        used = (page.get("ConsumedCapacity") or {}).get("CapacityUnits")
        if used is not None:
            self.capacity = (self.capacity or 0.0) + used

    def merge(self, other: ReadStats) -> None:
        self.count += other.count
        self.scanned += other.scanned
        self.pages += other.pages
        self.truncated |= other.truncated
        if other.capacity is not None:
            self.capacity = (self.capacity or 0.0) + other.capacity


@dataclass
class ReadResult:
    """Typed items with what produced them; ``to_frame()`` makes the DataFrame."""

    items: list[Item]
    stats: ReadStats
    table: str
    mode: str  # query, scan, preview, partiql, count
    index: str | None = None
    key_names: tuple[str, ...] = ()
    limit: int | None = None
    numbers: str = "auto"
    flatten: bool = False
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        frame = items_to_frame(self.items, self.key_names, self.numbers, self.flatten)
        frame.attrs["dynamo_magic"] = self.info()
        return frame

    def info(self) -> dict[str, Any]:
        """Small metadata kept in ``DataFrame.attrs['dynamo_magic']``."""
        return {
            "table": self.table,
            "index": self.index,
            "mode": self.mode,
            "count": self.stats.count,
            "scanned": self.stats.scanned,
            "truncated": self.stats.truncated,
            "capacity": self.stats.capacity,
            "summary": self.summary_line(),
        }

    def summary_line(self) -> str:
        source = f"{self.table}" + (f" (index {self.index})" if self.index else "")
        if self.mode == "preview":
            parts = [f"preview: the first {self.stats.count:,} item(s) of {source}"]
        else:
            what = "counted" if self.mode == "count" else self.mode
            parts = [f"{self.stats.count:,} item(s) from {source}, {what}"]
        if self.stats.scanned != self.stats.count and self.mode != "partiql":
            parts.append(f"{self.stats.scanned:,} evaluated")
        if self.stats.capacity is not None:
            parts.append(f"{self.stats.capacity:g} read units")
        if self.stats.truncated:
            hint = (
                "give a partition key or --scan to read more"
                if self.mode == "preview"
                else "raise or drop the limit to get all"
            )
            parts.append(f"truncated at {self.limit:,}: {hint}")
        return "; ".join(parts + self.notes)


def describe_table(client: Any, table: str, where: str = "") -> TableSchema:
    """The schema of ``table``; ``TableNotFound`` says which environment was asked."""
    try:
        return TableSchema.from_description(client.describe_table(TableName=table)["Table"])
    except bx.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise TableNotFound(
                f"table '{table}' not found{' in ' + where if where else ''}; "
                "check the name and the environment"
            ) from None
        raise translate(exc, f"describe table '{table}'") from exc
    except bx.BotoCoreError as exc:
        raise translate(exc, f"describe table '{table}'") from exc


def iter_pages(
    client: Any,
    operation: str,
    request: dict[str, Any],
    stats: ReadStats,
    limit: int | None = None,
    stop: threading.Event | None = None,
) -> Iterator[list[Item]]:
    """Pages of items from ``query`` or ``scan``, following LastEvaluatedKey to the end.

    With ``limit``, stops after that many items and marks ``stats.truncated`` when more are
    left. Without a filter it asks DynamoDB for one item more than needed: DynamoDB returns a
    LastEvaluatedKey whenever it stops at ``Limit``, even when nothing follows, so the extra
    item is what tells "exactly ``limit`` items" from "more than ``limit``". With a filter,
    a LastEvaluatedKey after the limit only means more items *may* match. ``stop`` ends the
    read early (another segment reached the limit); the read is then marked truncated.
    """
    call = getattr(client, operation)
    request = dict(request, ReturnConsumedCapacity="TOTAL")
    has_filter = "FilterExpression" in request
    remaining = limit
    while True:
        if remaining is not None and not has_filter:
            request["Limit"] = remaining + 1
        try:
            page = call(**request)
        except (bx.ClientError, bx.BotoCoreError) as exc:
            raise translate(exc, f"{operation} '{request['TableName']}'") from exc
        items = page.get("Items", [])
        last_key = page.get("LastEvaluatedKey")
        if remaining is not None and len(items) >= remaining:
            more = len(items) > remaining or (has_filter and last_key is not None)
            stats.truncated = stats.truncated or more
            items = items[:remaining]
            last_key = None
        stats.add_page(page, page["Count"] if "Items" not in page else len(items))
        yield items
        if remaining is not None:
            remaining -= len(items)
        if not last_key:
            return
        if stop is not None and stop.is_set():
            stats.truncated = True  # stopped with this segment unfinished
            return
        request["ExclusiveStartKey"] = last_key


def read_all(
    client: Any,
    operation: str,
    request: dict[str, Any],
    limit: int | None = None,
    on_page: PageCallback | None = None,
) -> tuple[list[Item], ReadStats]:
    stats = ReadStats()
    items: list[Item] = []
    for page in iter_pages(client, operation, request, stats, limit):
        items.extend(page)
        if on_page:
            on_page(len(page))
    return items, stats


def parallel_scan(
    client: Any,
    request: dict[str, Any],
    segments: int,
    limit: int | None = None,
    on_page: PageCallback | None = None,
) -> tuple[list[Item], ReadStats]:
    """Scan ``segments`` segments in threads (the client is thread-safe); stop at ``limit``."""
    if segments <= 1:
        return read_all(client, "scan", request, limit, on_page)
    stop = threading.Event()
    lock = threading.Lock()
    results: list[list[Item]] = [[] for _ in range(segments)]
    total = ReadStats()
    read_so_far = 0

    def scan_segment(segment: int) -> None:
        nonlocal read_so_far
        stats = ReadStats()
        seg_request = dict(request, Segment=segment, TotalSegments=segments)
        for page in iter_pages(client, "scan", seg_request, stats, limit, stop):
            results[segment].extend(page)
            if on_page:
                on_page(len(page))
            with lock:
                read_so_far += len(page)
                if limit is not None and read_so_far >= limit:
                    stop.set()
        with lock:
            total.merge(stats)

    with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="dynamo-scan") as pool:
        for future in [pool.submit(scan_segment, s) for s in range(segments)]:
            future.result()
    items = [item for part in results for item in part]
    if limit is not None and len(items) > limit:
        total.truncated = True
        items = items[:limit]
        total.count = len(items)
    return items, total


def partiql(
    client: Any, statement: str, parameters: list[Any], limit: int | None = None
) -> tuple[list[Item], ReadStats]:
    """Run a PartiQL SELECT with bound parameters, following NextToken."""
    stats = ReadStats()
    items: list[Item] = []
    request: dict[str, Any] = {"Statement": statement, "ReturnConsumedCapacity": "TOTAL"}
    if parameters:
        request["Parameters"] = parameters
    while True:
        try:
            page = client.execute_statement(**request)
        except (bx.ClientError, bx.BotoCoreError) as exc:
            raise translate(exc, "PartiQL") from exc
        page_items = page.get("Items", [])
        if limit is not None and len(items) + len(page_items) >= limit:
            stats.truncated = len(items) + len(page_items) > limit or "NextToken" in page
            page_items = page_items[: limit - len(items)]
            page.pop("NextToken", None)
        items.extend(page_items)
        stats.add_page(page, len(page_items))
        if "NextToken" not in page:
            return items, stats
        request["NextToken"] = page["NextToken"]
