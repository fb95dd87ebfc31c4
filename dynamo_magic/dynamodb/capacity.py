"""Capacity budgets: read or write units per second shared by every worker of an operation.

A ``TokenBucket`` is the shared state of one budget (a rate in units per second): it lives in
one place — the caller's process for threads, a ``multiprocessing`` manager for worker
processes (``transfer.limits.open_budget``) — and every worker reaches it through a ``Meter``,
its end of the bucket. Each request costs **one** call to the bucket before it is sent
(``reserve``: the units are taken at once, the bucket may go into debt, and the worker is told
how long to wait until they are paid for; it waits locally, on its stop flag) and, only when
the real cost differs from what was reserved, one more after the answer (``settle``). So a
worker in another process pays one manager round trip per request (25 items for a
BatchWriteItem, up to 1 MB for a Scan page), never one per item.

The real cost of a call is what DynamoDB reports (``ReturnConsumedCapacity="TOTAL"``) or what
DynamoDB's documented rules give for the items sent or received (``item_size``: a write unit
per 1 KB of each item, a read unit per 4 KB, half for an eventually consistent read),
whichever is more: a local server reports none or a constant (moto says 1.0 for every
BatchWriteItem, 0.5 for every page), and the service's figure counts index writes the items
alone do not show.

Throttling (``ProvisionedThroughputExceededException``, ``ThrottlingException``,
``UnprocessedItems``/``UnprocessedKeys``, or a call botocore had to retry) lowers the rate:
``THROTTLE_FACTOR`` of it at once (at most once per ``THROTTLE_SPACING`` seconds, as many
workers meet the same throttling together), never below ``MIN_RATE_SHARE`` of the asked rate;
it then recovers linearly to the asked rate over ``RECOVERY_SECONDS`` without throttling. The
throttled call itself is retried as every call is (``retry``).

A bucket starts empty when the first request reserves units (not when it is made: the copy
creates its target and starts its workers first) and holds at most ``BURST_SECONDS`` of its
rate: units not used while the workers are idle are not saved up for a burst later.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ..item_size import READ_UNIT, WRITE_UNIT, item_size
from . import retry

BURST_SECONDS = 1.0  # the most a bucket holds, in seconds of its rate
THROTTLE_FACTOR = 0.5  # the rate after a throttled call, as a share of the rate before
THROTTLE_SPACING = 1.0  # seconds: throttled calls within this of the last lower the rate once
MIN_RATE_SHARE = 0.05  # the rate never drops below this share of the asked rate
RECOVERY_SECONDS = 30.0  # seconds without throttling to climb back from 0 to the asked rate
FIRST_READ_ESTIMATE = 1.0  # units reserved for a worker's first page (then: its last page's)


@dataclass(frozen=True)
class BucketState:
    """A bucket's figures: ``rate`` now and ``asked`` (units per second), ``consumed`` (units
    charged so far, all workers) and ``throttles`` (times the rate was lowered)."""

    asked: float
    rate: float
    consumed: float
    throttles: int


class TokenBucket:
    """One budget of ``rate`` units per second; thread-safe (workers in threads share it, or a
    manager's threads serve workers in processes). Every method takes and returns plain
    values, so a manager's proxy of it behaves the same."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        if not rate > 0 or math.isinf(rate):
            raise ValueError(f"a bucket's rate is a positive number of units per second: {rate}")
        self.asked = self.rate = float(rate)
        self.clock = clock
        self.tokens = 0.0  # starts empty, at the first reservation: no burst at the start
        self.updated: float | None = None  # None: nothing reserved yet (the bucket fills not)
        self.consumed = 0.0
        self.throttles = 0
        self.throttled_at: float | None = None
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated) if self.updated is not None else 0.0
        if self.rate < self.asked:  # recovering after throttling: linear, back to the asked rate
            self.rate = min(self.asked, self.rate + self.asked * elapsed / RECOVERY_SECONDS)
        self.tokens = min(self.rate * BURST_SECONDS, self.tokens + self.rate * elapsed)
        self.updated = now

    def reserve(self, units: float) -> float:
        """Take ``units`` now (the bucket may go into debt); returns the seconds the caller
        must wait before sending the request they pay for (0: at once)."""
        with self._lock:
            self._refill(self.clock())
            self.tokens -= units
            self.consumed += units
            return max(0.0, -self.tokens / self.rate)

    def settle(self, units: float) -> None:
        """Charge ``units`` more (negative: give back) than were reserved for a request."""
        with self._lock:
            self._refill(self.clock())
            self.tokens -= units
            self.consumed += units

    def throttled(self) -> None:
        """A call was throttled: lower the rate (once per ``THROTTLE_SPACING`` seconds)."""
        with self._lock:
            now = self.clock()
            self._refill(now)
            if self.throttled_at is not None and now - self.throttled_at < THROTTLE_SPACING:
                return
            self.throttled_at = now
            self.throttles += 1
            self.rate = max(self.asked * MIN_RATE_SHARE, self.rate * THROTTLE_FACTOR)
            self.tokens = min(self.tokens, 0.0)

    def state(self) -> BucketState:
        with self._lock:
            self._refill(self.clock())
            return BucketState(self.asked, self.rate, self.consumed, self.throttles)


class Bucket(Protocol):
    """A ``TokenBucket`` or a proxy of one (what a ``Meter`` calls)."""

    def reserve(self, units: float) -> float: ...

    def settle(self, units: float) -> None: ...

    def throttled(self) -> None: ...

    def state(self) -> BucketState: ...


class Meter:
    """A worker's end of a bucket: ``acquire`` before a request, ``charge`` its real cost after,
    ``throttled`` when DynamoDB pushed back. ``estimate``: the units a read reserves before
    its cost is known (its last page's; ``FIRST_READ_ESTIMATE`` at first)."""

    def __init__(self, bucket: Bucket):
        self.bucket = bucket
        self.estimate = FIRST_READ_ESTIMATE

    def acquire(self, units: float, interrupt: retry.Interrupt | None = None) -> None:
        """Reserve ``units`` and wait until they are paid for; the wait wakes at once when
        ``interrupt`` is set (``retry.Interrupted``)."""
        wait = self.bucket.reserve(units)
        if wait > 0:
            retry.pause(wait, interrupt)

    def charge(self, reserved: float, used: float) -> None:
        """The request that reserved ``reserved`` units cost ``used``: settle the difference."""
        if used != reserved:
            self.bucket.settle(used - reserved)

    def throttled(self) -> None:
        self.bucket.throttled()

    def state(self) -> BucketState:
        return self.bucket.state()


@dataclass(frozen=True)
class Budget:
    """What a worker meters its calls with: ``reads`` (every Scan, Query and BatchGetItem) and
    ``writes`` (every BatchWriteItem); ``None``: not limited."""

    reads: Meter | None = None
    writes: Meter | None = None


NO_BUDGET = Budget()


def reported(response: dict[str, Any]) -> float:
    """The capacity units a response reports (``ConsumedCapacity``: one entry, or a list for
    batch calls), 0 when it reports none."""
    consumed = response.get("ConsumedCapacity")
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    return float(sum(entry.get("CapacityUnits") or 0 for entry in entries))


def write_cost(requests: Iterable[dict[str, Any]]) -> float:
    """Write units of BatchWriteItem requests by DynamoDB's rule: a put one per 1 KB of its item
    (rounded up); a delete at least one (its cost is the deleted item's size, unknown here)."""
    units = 0
    for request in requests:
        put = request.get("PutRequest")
        units += max(1, math.ceil(item_size(put["Item"]) / WRITE_UNIT)) if put else 1
    return float(units)


def read_cost(items: Iterable[dict[str, Any]], consistent: bool) -> float:
    """Read units of a Scan or Query page holding ``items``: one per 4 KB of their total size
    (rounded up), half for an eventually consistent read. A keys-only or counting page is
    charged its full items by DynamoDB: this undercounts it (the reported figure wins)."""
    size = sum(item_size(item) for item in items)
    units = math.ceil(size / READ_UNIT)
    return float(units) if consistent else units / 2


def get_cost(found: Iterable[dict[str, Any]], missing: int) -> float:
    """Read units of a consistent BatchGetItem: one per 4 KB of each item found (rounded up),
    one per key not found."""
    return float(sum(max(1, math.ceil(item_size(i) / READ_UNIT)) for i in found) + missing)
