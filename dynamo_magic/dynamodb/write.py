"""Batched writes that never drop an item: BatchWriteItem in 25s, retried, failures kept.

Requests and items are DynamoDB JSON in wire form, sent through ``wire.call`` unconverted.

Retry layers (``retry``): botocore retries inside one call while its budget lasts; this module
retries the batch — what ``UnprocessedItems`` left, or all of it after a throttling error or a
lost connection — with the shared ``RetryPolicy``, and after ``max_retries`` retries returns
the items as failed. A target that stays unreachable after all retries ends the write with an
error (the batch is kept as failed first): waiting out every later batch would only delay that.

An ``interrupt`` flag (``retry.Interrupt``) stops both loops between requests: no request is
sent once it is set (``retry.Interrupted`` is raised), a backoff wait wakes at once, and every
request already sent is answered and counted first, so the counts are what DynamoDB did.

Retries of both layers are counted in calls sent again (``retry.sent``); each retry is logged
at DEBUG, requests left failed at WARNING.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions as bx

from .. import reading
from ..codec import WireItem
from ..errors import Throttled, error_code, translate
from . import capacity, retry, wire
from .capacity import Meter
from .retry import (
    CONNECTION_ERRORS,
    RETRYABLE_CODES,
    THROTTLE_CODES,
    Interrupt,
    RetryPolicy,
    Sleep,
    is_retryable,
)

__all__ = ["RETRYABLE_CODES", "BatchWriter", "RetryPolicy", "WriteStats", "batch_get"]

MAX_BATCH_WRITE = 25  # DynamoDB limit: write requests per BatchWriteItem
MAX_BATCH_GET = 100  # DynamoDB limit: keys per BatchGetItem

WriteRequest = dict[str, Any]  # {"PutRequest": {"Item": ...}} or {"DeleteRequest": {"Key": ...}}

log = logging.getLogger(__name__)


@dataclass
class WriteStats:
    """What a ``BatchWriter`` did, in requests (one request is one item or key)."""

    written: int = 0  # put requests done
    deleted: int = 0  # delete requests done
    retried: int = 0  # calls sent again (botocore's retries and ours: throttling, unprocessed)
    failed: list[WriteRequest] = field(default_factory=list)  # still unwritten after the limit


def puts(items: Iterable[WireItem]) -> list[WriteRequest]:
    """Put requests of ``items`` (wire form: sent by ``wire.call`` unconverted)."""
    return [{"PutRequest": {"Item": item}} for item in items]


def deletes(keys: Iterable[WireItem]) -> list[WriteRequest]:
    """Delete requests of ``keys`` (items holding only their key attributes, wire form)."""
    return [{"DeleteRequest": {"Key": key}} for key in keys]


def chunks(seq: list[Any], size: int) -> Iterator[list[Any]]:
    """``seq`` in consecutive lists of at most ``size``."""
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


class BatchWriter:
    """Writes lists of requests to one table in batches of 25, counting everything.

    ``policy`` is given by the caller (a copy's task carries its caller's), never read from
    the settings here: this runs in workers whose settings may differ. ``interrupt``: stop
    between requests once it is set (``retry.Interrupted``), the batch in flight counted.
    ``meter`` (``capacity.Meter``, a copy's write budget): every BatchWriteItem, retries
    included, waits for its units first and is charged what it cost; throttling lowers the
    budget's rate.
    """

    def __init__(
        self,
        client: Any,
        table: str,
        policy: RetryPolicy,
        sleep: Sleep | None = None,
        on_written: Callable[[int], None] | None = None,
        on_retried: Callable[[int], None] | None = None,
        interrupt: Interrupt | None = None,
        meter: Meter | None = None,
    ):
        self.client, self.table = client, table
        self.meter = meter
        self.policy = policy
        self.sleep = sleep
        self.interrupt = interrupt
        self.on_written = on_written
        self.on_retried = on_retried  # told of calls sent again, as they are
        self.stats = WriteStats()

    def write(self, requests: list[WriteRequest]) -> None:
        for batch in chunks(requests, MAX_BATCH_WRITE):
            self._write_batch(batch)

    def _write_batch(self, batch: list[WriteRequest]) -> None:
        pending = batch
        attempt = 0
        lost: BaseException | None = None  # the connection error of the last attempt
        while pending:
            retry.check(self.interrupt)
            units = self._acquire(pending)
            try:
                body: dict[str, Any] = {"RequestItems": {self.table: pending}}
                if self.meter is not None:
                    body["ReturnConsumedCapacity"] = "TOTAL"
                response = retry.sent(
                    functools.partial(wire.call, self.client, "BatchWriteItem", body),
                    f"BatchWriteItem '{self.table}'",
                    self._retried,
                )
            except (bx.ClientError, bx.BotoCoreError) as exc:
                self._charge(units, None, exc)
                if error_code(exc) == "ValidationException":
                    self._isolate(pending)  # e.g. one item too large: the others still go
                    return
                if not is_retryable(exc):
                    raise translate(exc, f"write to '{self.table}'", table=self.table) from exc
                unprocessed = pending  # the whole batch was refused: all of it is pending
                lost = exc if isinstance(exc, CONNECTION_ERRORS) else None
            else:
                unprocessed = response.get("UnprocessedItems", {}).get(self.table, [])
                lost = None
                self._charge(units, response, None, unprocessed)
            self._count_done(pending, unprocessed)
            if not unprocessed:
                return
            if attempt >= self.policy.max_retries:
                self.stats.failed.extend(unprocessed)
                if lost is not None:  # the target is gone: stop here, the batch kept as failed
                    raise retry.gave_up(lost, f"write to '{self.table}'", attempt) from lost
                log.warning(
                    "BatchWriteItem '%s': %d write request(s) still not done after %d retries: "
                    "kept as failed",
                    self.table,
                    len(unprocessed),
                    attempt,
                )
                return
            delay = self.policy.delay(attempt)
            log.debug(
                "BatchWriteItem '%s': %d of %d write request(s) not done, retry %d of %d in %.3f s",
                self.table,
                len(unprocessed),
                len(pending),
                attempt + 1,
                self.policy.max_retries,
                delay,
            )
            retry.pause(delay, self.interrupt, self.sleep)
            attempt += 1
            self._retried(1)
            pending = unprocessed

    def _acquire(self, pending: list[WriteRequest]) -> float:
        """Wait for the write units of ``pending`` (with a meter; returns the units reserved)."""
        if self.meter is None:
            return 0.0
        units = capacity.write_cost(pending)
        self.meter.acquire(units, self.interrupt)
        return units

    def _charge(
        self,
        units: float,
        response: dict[str, Any] | None,
        error: BaseException | None,
        unprocessed: list[WriteRequest] | None = None,
    ) -> None:
        """Charge a call's real cost (the reported units, or the items written by DynamoDB's
        rule, whichever is more; nothing for a refused call) and tell the meter of throttling."""
        if self.meter is None:
            return
        if response is None:
            self.meter.charge(units, 0.0)
            if error is not None and error_code(error) in THROTTLE_CODES:
                self.meter.throttled()
            return
        left = capacity.write_cost(unprocessed) if unprocessed else 0.0
        self.meter.charge(units, max(capacity.reported(response), units - left))
        if unprocessed or wire.retries_made(response):
            self.meter.throttled()

    def _retried(self, calls: int) -> None:
        self.stats.retried += calls
        if self.on_retried:
            self.on_retried(calls)

    def _isolate(self, refused: list[WriteRequest]) -> None:
        """DynamoDB refused a batch for what some request in it holds: send each request alone,
        so that only the ones it refuses on their own end up failed (and saved)."""
        if len(refused) == 1:
            self.stats.failed.extend(refused)
            return
        for request in refused:
            self._write_batch([request])

    def _count_done(self, sent: list[WriteRequest], unprocessed: list[WriteRequest]) -> None:
        puts_sent, puts_left = _count_puts(sent), _count_puts(unprocessed)
        done_puts = puts_sent - puts_left
        done_deletes = (len(sent) - puts_sent) - (len(unprocessed) - puts_left)
        self.stats.written += done_puts
        self.stats.deleted += done_deletes
        if self.on_written and done_puts + done_deletes:
            self.on_written(done_puts + done_deletes)


def _count_puts(requests: list[WriteRequest]) -> int:
    return sum(1 for r in requests if "PutRequest" in r)


def batch_get(
    client: Any,
    table: str,
    keys: list[WireItem],
    policy: RetryPolicy,
    only: tuple[str, ...] = (),
    sleep: Sleep | None = None,
    on_retried: Callable[[int], None] | None = None,
    interrupt: Interrupt | None = None,
    meter: Meter | None = None,
) -> list[WireItem]:
    """The items of ``keys`` that exist in ``table`` (only the attributes ``only``, if given),
    via consistent BatchGetItem calls of 100 keys, retrying unprocessed keys per ``policy``;
    ``on_retried`` is told of every call sent again, botocore's retries included (as
    ``BatchWriter``'s is). ``interrupt``: no call is made once it is set
    (``retry.Interrupted``). ``meter``: a read budget every call waits for and is charged
    (``capacity.get_cost``, or what DynamoDB reports where that is more)."""
    projection = reading.key_projection(only) if only else {}
    found: list[WireItem] = []
    for chunk in chunks(keys, MAX_BATCH_GET):
        request: dict[str, Any] = {table: {"Keys": chunk, "ConsistentRead": True, **projection}}
        attempt = 0
        while request:
            retry.check(interrupt)
            asked = len(request[table]["Keys"])
            if meter is not None:
                meter.acquire(float(asked), interrupt)
            try:
                body: dict[str, Any] = {"RequestItems": request}
                if meter is not None:
                    body["ReturnConsumedCapacity"] = "TOTAL"
                response = retry.sent(
                    functools.partial(wire.call, client, "BatchGetItem", body),
                    f"BatchGetItem '{table}'",
                    on_retried,
                )
            except (bx.ClientError, bx.BotoCoreError) as exc:
                if meter is not None:
                    meter.charge(float(asked), 0.0)
                    if error_code(exc) in THROTTLE_CODES:
                        meter.throttled()
                if not is_retryable(exc):
                    raise translate(exc, f"read keys of '{table}'", table=table) from exc
                if attempt >= policy.max_retries:
                    raise retry.gave_up(exc, f"read keys of '{table}'", attempt) from exc
                response = {"Responses": {}, "UnprocessedKeys": request}
            else:
                _charge_get(meter, asked, response, table)
            found.extend(response.get("Responses", {}).get(table, []))
            request = response.get("UnprocessedKeys") or {}
            if request:
                if attempt >= policy.max_retries:
                    message = (
                        f"read keys of '{table}': keys stayed unprocessed after "
                        f"{policy.max_retries} retries; retry later or raise max_retries"
                    )
                    log.warning("%s", message)
                    raise Throttled(message)
                delay = policy.delay(attempt)
                log.debug(
                    "BatchGetItem '%s': %d key(s) not read, retry %d of %d in %.3f s",
                    table,
                    len(request[table]["Keys"]),
                    attempt + 1,
                    policy.max_retries,
                    delay,
                )
                retry.pause(delay, interrupt, sleep)
                attempt += 1
                if on_retried:
                    on_retried(1)
    return found


def _charge_get(meter: Meter | None, asked: int, response: dict[str, Any], table: str) -> None:
    """Charge a BatchGetItem its real cost (``asked`` keys were reserved, one unit each)."""
    if meter is None:
        return
    got = response.get("Responses", {}).get(table, [])
    left = len((response.get("UnprocessedKeys") or {}).get(table, {}).get("Keys", []))
    used = capacity.get_cost(got, asked - left - len(got))
    meter.charge(float(asked), max(capacity.reported(response), used))
    if left or wire.retries_made(response):
        meter.throttled()
