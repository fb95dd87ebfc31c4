"""Batched writes that never drop an item: BatchWriteItem in 25s, retried, failures kept.

Requests and items are DynamoDB JSON in wire form, sent through ``wire.call`` unconverted.

Retry layers, chosen deliberately (TESTING.md): botocore makes at most ``HTTP_ATTEMPTS``
attempts per HTTP call for transient network errors; this module owns the retries that
matter for data — ``UnprocessedItems`` and throttling errors — with capped exponential
backoff and full jitter, and a retry limit after which the items are returned as failed.
botocore's per-client retry budget is not relied on (it runs dry and stays dry).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions as bx

from . import wire
from .codec import Item
from .errors import Throttled, translate

MAX_BATCH_WRITE = 25  # DynamoDB limit: write requests per BatchWriteItem
MAX_BATCH_GET = 100  # DynamoDB limit: keys per BatchGetItem
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)

WriteRequest = dict[str, Any]  # {"PutRequest": {"Item": ...}} or {"DeleteRequest": {"Key": ...}}
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter: wait U(0, min(cap, base * 2**attempt))."""

    max_retries: int = 8
    base: float = 0.05  # seconds
    cap: float = 5.0  # seconds

    def delay(self, attempt: int, rng: random.Random = random._inst) -> float:  # type: ignore[attr-defined]
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))


@dataclass
class WriteStats:
    written: int = 0  # put requests done
    deleted: int = 0  # delete requests done
    retried: int = 0  # requests sent again after UnprocessedItems or throttling
    failed: list[WriteRequest] = field(default_factory=list)  # still unwritten after the limit

    def merge(self, other: WriteStats) -> None:
        self.written += other.written
        self.deleted += other.deleted
        self.retried += other.retried
        self.failed.extend(other.failed)


def puts(items: Iterable[Item]) -> list[WriteRequest]:
    return [{"PutRequest": {"Item": item}} for item in items]


def deletes(keys: Iterable[Item]) -> list[WriteRequest]:
    return [{"DeleteRequest": {"Key": key}} for key in keys]


def chunks(seq: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def _error_code(exc: BaseException) -> str:
    if isinstance(exc, bx.ClientError):
        return exc.response.get("Error", {}).get("Code", "")
    return ""


class BatchWriter:
    """Writes lists of requests to one table in batches of 25, counting everything."""

    def __init__(
        self,
        client: Any,
        table: str,
        policy: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        on_written: Callable[[int], None] | None = None,
    ):
        self.client, self.table = client, table
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.on_written = on_written
        self.stats = WriteStats()

    def write(self, requests: list[WriteRequest]) -> None:
        for batch in chunks(requests, MAX_BATCH_WRITE):
            self._write_batch(batch)

    def _write_batch(self, batch: list[WriteRequest]) -> None:
        pending = batch
        attempt = 0
        while pending:
            try:
                response = wire.call(
                    self.client, "BatchWriteItem", {"RequestItems": {self.table: pending}}
                )
            except (bx.ClientError, bx.BotoCoreError) as exc:
                if _error_code(exc) == "ValidationException":
                    self._isolate(pending)  # e.g. one item too large: the others still go
                    return
                if _error_code(exc) not in RETRYABLE_CODES and not isinstance(
                    exc, bx.ConnectionError
                ):
                    raise translate(exc, f"write to '{self.table}'") from exc
                unprocessed = pending  # the whole batch was refused: all of it is pending
            else:
                unprocessed = response.get("UnprocessedItems", {}).get(self.table, [])
            self._count_done(pending, unprocessed)
            if not unprocessed:
                return
            if attempt >= self.policy.max_retries:
                self.stats.failed.extend(unprocessed)
                return
            self.sleep(self.policy.delay(attempt))
            attempt += 1
            self.stats.retried += len(unprocessed)
            pending = unprocessed

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
    keys: list[Item],
    only: tuple[str, ...] = (),
    policy: RetryPolicy | None = None,
    sleep: Sleep = time.sleep,
) -> list[Item]:
    """The items of ``keys`` that exist in ``table`` (only the attributes ``only``, if given),
    via consistent BatchGetItem calls of 100 keys, retrying unprocessed keys."""
    policy = policy or RetryPolicy()
    names = {f"#k{i}": n for i, n in enumerate(only)}
    projection = (
        {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
        if names
        else {}
    )
    found: list[Item] = []
    for chunk in chunks(keys, MAX_BATCH_GET):
        request: dict[str, Any] = {table: {"Keys": chunk, "ConsistentRead": True, **projection}}
        attempt = 0
        while request:
            try:
                response = wire.call(client, "BatchGetItem", {"RequestItems": request})
            except (bx.ClientError, bx.BotoCoreError) as exc:
                if _error_code(exc) not in RETRYABLE_CODES or attempt >= policy.max_retries:
                    raise translate(exc, f"read keys of '{table}'") from exc
                response = {"Responses": {}, "UnprocessedKeys": request}
            found.extend(response.get("Responses", {}).get(table, []))
            request = response.get("UnprocessedKeys") or {}
            if request:
                if attempt >= policy.max_retries:
                    raise Throttled(
                        f"read keys of '{table}': keys stayed unprocessed after "
                        f"{policy.max_retries} retries; retry later or raise max_retries"
                    )
                sleep(policy.delay(attempt))
                attempt += 1
    return found
