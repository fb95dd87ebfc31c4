"""Reading: DescribeTable, paged Query/Scan, parallel Scan segments, Select COUNT, PartiQL.

Everything here yields DynamoDB typed items in wire form (``codec.WireItem``: binaries as base64
text, through ``wire``'s fast path) and counts what it read; requests are built from a
``reading.ReadSpec`` and counted in a ``reading.ReadStats`` (``reading.ReadResult`` holds
both for the caller), conversion to DataFrames lives in ``codec``, and front ends never call
these directly. Retry policies are given by the caller (resolved from its settings).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.exceptions as bx

from .. import reading
from ..codec import WireItem
from ..errors import TableNotFound, concerning, error_code
from ..reading import ReadResult as ReadResult  # what a read returns, defined with ReadSpec
from ..reading import ReadStats as ReadStats  # counted by every read here
from ..schema import TableSchema
from ..settings import MAX_POOL_CONNECTIONS
from . import capacity, wire
from .capacity import Meter
from .retry import THROTTLE_CODES, Interrupt, RetryPolicy, retrying

PageCallback = Callable[[int], None]  # called with the number of items of each page


def describe_table(
    client: Any, table: str, where: str = "", *, policy: RetryPolicy, env: str | None = None
) -> TableSchema:
    """The schema of ``table``; ``TableNotFound`` says which environment was asked (``where``:
    its description; every error raised carries ``table`` and ``env``, its name).
    Throttling is retried per ``policy`` (the caller's, from its settings); a connection that
    cannot be made is not retried beyond botocore's attempts: this is usually the first call to an
    environment, and a wrong endpoint should fail at once (EndpointUnreachable)."""

    def describe() -> dict[str, Any]:
        try:
            response: dict[str, Any] = client.describe_table(TableName=table)
            return response
        except bx.ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                raise TableNotFound(
                    f"table '{table}' not found{' in ' + where if where else ''}; "
                    "check the name and the environment",
                    table=table,
                ) from None
            raise

    with concerning(table=table, env=env):
        description = retrying(describe, policy, f"DescribeTable '{table}'", connection=False)
    return TableSchema.from_description(description["Table"])


def api_name(operation: str) -> str:
    """DynamoDB's name of a client method's operation (``"scan"`` -> ``"Scan"``,
    ``"batch_write_item"`` -> ``"BatchWriteItem"``): what records and errors call it."""
    return "".join(word.capitalize() for word in operation.split("_"))


def iter_pages(
    client: Any,
    operation: str,
    request: dict[str, Any],
    stats: ReadStats,
    limit: int | None = None,
    stop: threading.Event | None = None,
    *,
    policy: RetryPolicy,
    interrupt: Interrupt | None = None,
    meter: Meter | None = None,
) -> Iterator[list[WireItem]]:
    """Pages of items from ``query`` or ``scan``, following LastEvaluatedKey to the end.

    With ``limit``, stops after that many items and marks ``stats.truncated`` when more are
    left. Without a filter it asks DynamoDB for one item more than needed: DynamoDB returns a
    LastEvaluatedKey whenever it stops at ``Limit``, even when nothing follows, so the extra
    item is what tells "exactly ``limit`` items" from "more than ``limit``"; that probe item is
    counted neither as returned nor as evaluated (without a filter, DynamoDB evaluates exactly
    the items it returns). With a filter, a LastEvaluatedKey after the limit only means more
    items *may* match, and ``stats.evaluated`` is what DynamoDB evaluated (``ScannedCount``, the
    filter's cost). A ``Select: COUNT`` request yields empty pages and is bounded the same way:
    ``stats.count`` stops at ``limit``. ``stop`` ends the read early (another segment reached
    the limit); the read is then marked truncated.

    Each page is retried per ``policy`` (``retry.retrying``; the caller resolves it from its
    settings) after throttling or a lost connection, and the retries (botocore's included)
    are counted in ``stats.retried``. ``interrupt`` (Ctrl-C, Cancel: unlike ``stop``, the read
    is abandoned): no page is asked for once it is set, a backoff wait wakes at once,
    ``retry.Interrupted``.

    ``meter`` (``capacity.Meter``, a copy's read budget): each page waits for its units first
    (the last page's cost: a page's is known only once it is read) and is charged what it cost
    (``capacity.read_cost`` of its items, or what DynamoDB reports where that is more).
    """
    call = getattr(client, operation)
    request = dict(request, ReturnConsumedCapacity="TOTAL")
    if meter is not None:
        call = functools.partial(_metered_page, call, meter, interrupt)
    has_filter = "FilterExpression" in request
    remaining = limit
    while True:
        if remaining is not None and not has_filter:
            request["Limit"] = remaining + 1
        page = retrying(
            lambda: call(**request),
            policy,
            f"{api_name(operation)} '{request['TableName']}'",
            on_retry=stats.count_retry,
            interrupt=interrupt,
            table=request["TableName"],
        )
        items = page.get("Items", [])
        # Select COUNT pages carry only Count; other pages are counted by what they hold
        returned = len(items) if "Items" in page else page.get("Count", 0)
        last_key = page.get("LastEvaluatedKey")
        dropped = 0
        if remaining is not None and returned >= remaining:
            more = returned > remaining or (has_filter and last_key is not None)
            stats.truncated = stats.truncated or more
            if not has_filter:  # the probe item: read only to learn whether more follow
                dropped = returned - remaining
            items = items[:remaining]
            returned = remaining
            last_key = None
        stats.add_page(page, returned, dropped)
        stats.last_key = last_key
        yield items
        if remaining is not None:
            remaining -= returned
        if not last_key:
            return
        if stop is not None and stop.is_set():
            stats.truncated = True  # stopped with this segment unfinished
            return
        request["ExclusiveStartKey"] = last_key


def _metered_page(
    call: Callable[..., dict[str, Any]],
    meter: Meter,
    interrupt: Interrupt | None,
    **request: Any,
) -> dict[str, Any]:
    """One Query/Scan page, paid for from ``meter`` (see ``iter_pages``)."""
    units = meter.estimate
    meter.acquire(units, interrupt)
    try:
        page = call(**request)
    except bx.ClientError as exc:
        meter.charge(units, 0.0)
        if error_code(exc) in THROTTLE_CODES:
            meter.throttled()
        raise
    consistent = bool(request.get("ConsistentRead"))
    used = max(capacity.reported(page), capacity.read_cost(page.get("Items", []), consistent))
    meter.charge(units, used)
    meter.estimate = max(used, capacity.FIRST_READ_ESTIMATE)
    if wire.retries_made(page):
        meter.throttled()
    return page


def read_all(
    client: Any,
    operation: str,
    request: dict[str, Any],
    limit: int | None = None,
    on_page: PageCallback | None = None,
    *,
    policy: RetryPolicy,
) -> tuple[list[WireItem], ReadStats]:
    stats = ReadStats()
    items: list[WireItem] = []
    for page in iter_pages(client, operation, request, stats, limit, policy=policy):
        items.extend(page)
        if on_page:
            on_page(len(page))
    return items, stats


def iter_read(
    client: Any,
    operation: str,
    request: dict[str, Any],
    stats: ReadStats,
    limit: int | None = None,
    segments: int = 1,
    *,
    policy: RetryPolicy,
) -> Iterator[list[WireItem]]:
    """Pages of a read as they arrive, holding none after it is yielded: a query, or a scan of
    ``segments`` segments read one after another (each to its end, in segment order), until
    ``limit`` items. ``stats`` counts the whole read (``iter_pages``)."""
    if operation != "scan" or segments <= 1:
        yield from iter_pages(client, operation, request, stats, limit, policy=policy)
        return
    for segment in range(segments):
        remaining = None if limit is None else limit - stats.count
        if remaining is not None and remaining <= 0:
            stats.truncated = True  # segments left unread
            return
        part = ReadStats(on_retry=stats.on_retry)
        seg_request = reading.segment_of(request, segment, segments)
        try:
            yield from iter_pages(client, "scan", seg_request, part, remaining, policy=policy)
        finally:
            stats.merge(part)


# Threads of one parallel scan at most: its client has MAX_POOL_CONNECTIONS HTTP connections, so
# more threads would only wait for one (and a thread per segment for 1,000,000 segments would
# exhaust memory). Every segment is still scanned: the threads take segments in turn.
MAX_SCAN_THREADS = MAX_POOL_CONNECTIONS


def parallel_scan(
    client: Any,
    request: dict[str, Any],
    segments: int,
    limit: int | None = None,
    on_page: PageCallback | None = None,
    *,
    policy: RetryPolicy,
) -> tuple[list[WireItem], ReadStats]:
    """Scan ``segments`` segments (DynamoDB's TotalSegments) in at most ``MAX_SCAN_THREADS``
    threads (the client is thread-safe), each taking the next unscanned segment until none is
    left; stop at ``limit`` items (or, for a ``Select: COUNT`` request, at ``limit`` counted
    items). Items come in segment order.

    Items the segments read past the limit are dropped; without a filter they are not counted
    as evaluated either (see ``iter_pages``)."""
    if segments <= 1:
        return read_all(client, "scan", request, limit, on_page, policy=policy)
    stop = threading.Event()
    lock = threading.Lock()
    results: dict[int, list[WireItem]] = {}  # only segments that had items: 1,000,000 may be asked
    total = ReadStats()
    read_so_far = 0
    next_segment = iter(range(segments))

    def scan_segment(segment: int) -> None:
        nonlocal read_so_far
        stats = ReadStats()
        seg_request = reading.segment_of(request, segment, segments)
        counted = 0
        for page in iter_pages(client, "scan", seg_request, stats, limit, stop, policy=policy):
            if page:
                results.setdefault(segment, []).extend(page)
            if on_page:
                on_page(len(page))
            with lock:
                read_so_far += stats.count - counted  # items, or counted items for COUNT
                counted = stats.count
                if limit is not None and read_so_far >= limit:
                    stop.set()
        with lock:
            total.merge(stats)

    def scan_segments() -> None:
        while not stop.is_set():
            with lock:
                segment = next(next_segment, None)
            if segment is None:
                return
            try:
                scan_segment(segment)
            except BaseException:
                stop.set()  # the others take no new segment: the scan fails as a whole
                raise

    threads = min(segments, MAX_SCAN_THREADS)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dynamo-scan") as pool:
        for future in [pool.submit(scan_segments) for _ in range(threads)]:
            future.result()
    items = [item for segment in sorted(results) for item in results[segment]]
    if limit is not None and total.count > limit:
        total.truncated = True
        if "FilterExpression" not in request:
            total.evaluated -= total.count - limit
        items = items[:limit]
        total.count = limit
    return items, total


def partiql(
    client: Any,
    statement: str,
    parameters: list[Any],
    limit: int | None = None,
    *,
    policy: RetryPolicy,
) -> tuple[list[WireItem], ReadStats]:
    """Run a PartiQL SELECT with bound parameters, following NextToken; items in wire form
    (binaries as base64 text) when ``client`` has ``wire``'s handlers, as Query/Scan give.
    Pages are retried like ``iter_pages``'s."""
    stats = ReadStats()
    items: list[WireItem] = []
    request: dict[str, Any] = {"Statement": statement, "ReturnConsumedCapacity": "TOTAL"}
    if parameters:
        request["Parameters"] = parameters
    while True:
        page = retrying(
            lambda: client.execute_statement(**request),
            policy,
            "ExecuteStatement (PartiQL)",
            on_retry=stats.count_retry,
        )
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
