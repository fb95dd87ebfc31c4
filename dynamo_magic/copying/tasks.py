"""The units of work of a copy, run by workers: top-level functions over small, picklable tasks.

A worker builds its own clients from the ``Environment`` it is given (nothing large is
pickled), streams its segment page by page — each page is written as soon as it is read, so
memory does not grow with the table — and returns counts. Items stay DynamoDB typed JSON all
the way. Items that cannot be written after all retries are saved to a file, never dropped.

Extension points for what comes next: ``SegmentTask.start_key`` resumes a segment from a
checkpoint (a worker would report its last key per page through the sink); the page loop of
``copy_segment`` is where a transform would map items and ``BatchWriter`` where a rate limit
shared by all workers would be acquired; ``parallel.run`` takes any joblib backend.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import environments
from ..codec import Item
from ..dynamodb import read
from ..dynamodb.retry import RetryPolicy
from ..dynamodb.write import BatchWriter, WriteRequest, batch_get, deletes, puts
from ..environments import Environment
from .parallel import ProgressSink


@dataclass(frozen=True)
class Side:
    """One end of a copy: where the table is."""

    env: Environment
    table: str

    def client(self) -> Any:
        return environments.client(self.env)


@dataclass(frozen=True)
class SegmentTask:
    """One scan segment (or one slice query) of a source or target table."""

    side: Side
    segment: int = 0
    total_segments: int = 1
    request: dict[str, Any] = field(default_factory=dict)  # extra Query/Scan parameters
    operation: str = "scan"  # "scan" or "query" (a slice)
    start_key: Item | None = None  # resume point (checkpoints)
    policy: RetryPolicy = field(default_factory=RetryPolicy)  # page retries: the caller's settings

    def read_request(self) -> dict[str, Any]:
        request = {"TableName": self.side.table, **self.request}
        if self.operation == "scan" and self.total_segments > 1:
            request |= {"Segment": self.segment, "TotalSegments": self.total_segments}
        if self.start_key:
            request["ExclusiveStartKey"] = self.start_key
        return request


@dataclass(frozen=True)
class CopyTask:
    """Copy one segment/slice of the source into the target."""

    source: SegmentTask
    target: Side
    policy: RetryPolicy
    failed_path: str
    full_items_from: Side | None = None  # index slices without ALL projection: fetch items
    key_names: tuple[str, ...] = ()  # the table's key attributes
    collect_keys: bool = False  # slices in replace mode: return the keys written


@dataclass(frozen=True)
class PruneTask:
    """Delete target items of one segment/slice: all of them, or those not in the source."""

    target: SegmentTask
    key_names: tuple[str, ...]
    policy: RetryPolicy
    failed_path: str
    keep_if_in: Side | None = None  # replace: keep keys that exist in this table (checked)
    keep_keys: frozenset[str] | None = None  # replace on a slice: keep these without a check


@dataclass
class TaskResult:
    segment: int
    read: int = 0
    written: int = 0
    deleted: int = 0
    retried: int = 0
    failed: int = 0
    failed_path: str | None = None
    keys: list[str] = field(default_factory=list)
    count: int = 0  # verification: items seen
    digest: int = 0  # verification: sum of item hashes


def key_text(item: Item, key_names: tuple[str, ...]) -> str:
    """A canonical text for an item's key (for sets of keys and comparisons)."""
    return typed_json({k: item[k] for k in key_names})


def typed_json(value: Any) -> str:
    """DynamoDB JSON as the AWS CLI writes it (binary as base64), keys sorted."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(type(value).__name__)


def _save_failed(path: str, requests: list[WriteRequest]) -> None:
    with Path(path).open("a", encoding="utf-8") as out:
        for request in requests:
            out.write(typed_json(request) + "\n")


def _finish(
    result: TaskResult, writer: BatchWriter, failed_path: str, reads: read.ReadStats
) -> TaskResult:
    """Add the writer's and the reads' counts to ``result`` and save what stayed unwritten.
    Also runs when the task fails, so that no unwritten item is lost with the exception."""
    stats = writer.stats
    result.written += stats.written
    result.deleted += stats.deleted
    result.retried += stats.retried + reads.retried
    if stats.failed:
        _save_failed(failed_path, stats.failed)
        result.failed += len(stats.failed)
        result.failed_path = failed_path
    return result


def _writer(client: Any, table: str, policy: RetryPolicy, sink: ProgressSink) -> BatchWriter:
    """A writer that reports what it wrote, and what it sent again, through ``sink`` at once
    (a task that then fails never returns its ``TaskResult``: what it reported still counts)."""
    return BatchWriter(client, table, policy, on_written=sink, on_retried=sink.retried)


def copy_segment(task: CopyTask, sink: ProgressSink) -> TaskResult:
    """Read one segment/slice of the source and write every page to the target at once."""
    source = task.source.side.client()
    writer = _writer(task.target.client(), task.target.table, task.policy, sink)
    result = TaskResult(task.source.segment)
    stats = read.ReadStats(on_retry=sink.retried)
    pages = read.iter_pages(
        source, task.source.operation, task.source.read_request(), stats, policy=task.policy
    )
    try:
        for page in pages:
            if task.full_items_from is not None and page:
                page = _full_items(task, page, sink)
            result.read += len(page)
            if task.collect_keys:
                result.keys.extend(key_text(item, task.key_names) for item in page)
            writer.write(puts(page))
            if sink.stopped():
                break
    finally:
        _finish(result, writer, task.failed_path, stats)
    return result


def _full_items(task: CopyTask, page: list[Item], sink: ProgressSink) -> list[Item]:
    """Whole items for index entries that carry only some of their attributes."""
    side = task.full_items_from
    assert side is not None
    keys = [{k: item[k] for k in task.key_names} for item in page]
    return batch_get(side.client(), side.table, keys, policy=task.policy, on_retried=sink.retried)


def prune_segment(task: PruneTask, sink: ProgressSink) -> TaskResult:
    """Delete the target's items of one segment/slice, except those the source still has.

    In replace mode a key is deleted only once a consistent BatchGetItem on the source
    (``keep_if_in``) says the source lacks it; ``keep_keys`` (the keys the copy wrote) only
    spares those keys the check. Not having been read by the copy is never enough: a read
    that came up short would otherwise delete target items the source has."""
    target = task.target.side.client()
    writer = _writer(target, task.target.side.table, task.policy, sink)
    result = TaskResult(task.target.segment)
    names = {f"#k{i}": n for i, n in enumerate(task.key_names)}  # keys only: less to read
    request = task.target.read_request()
    request["ProjectionExpression"] = ", ".join(names)
    request["ExpressionAttributeNames"] = request.get("ExpressionAttributeNames", {}) | names
    stats = read.ReadStats(on_retry=sink.retried)
    pages = read.iter_pages(target, task.target.operation, request, stats, policy=task.policy)
    try:
        for page in pages:
            result.read += len(page)
            keys = [{k: item[k] for k in task.key_names} for item in page]
            if task.keep_keys is not None:
                keys = [k for k in keys if key_text(k, task.key_names) not in task.keep_keys]
            if task.keep_if_in is not None and keys:  # deleted only if the source lacks it
                present = batch_get(
                    task.keep_if_in.client(),
                    task.keep_if_in.table,
                    keys,
                    task.key_names,
                    task.policy,
                    on_retried=sink.retried,
                )
                kept = {key_text(k, task.key_names) for k in present}
                keys = [k for k in keys if key_text(k, task.key_names) not in kept]
            writer.write(deletes(keys))
            if sink.stopped():
                break
    finally:
        _finish(result, writer, task.failed_path, stats)
    return result


def item_digest(item: Item) -> int:
    """A 128-bit hash of an item's full content, independent of set order."""
    canonical = {name: _canonical(av) for name, av in item.items()}
    return int.from_bytes(hashlib.blake2b(typed_json(canonical).encode(), digest_size=16).digest())


def _canonical(av: dict[str, Any]) -> Any:
    ((tag, value),) = av.items()
    if tag in ("SS", "NS", "BS"):
        return {tag: sorted(value)}
    if tag == "M":
        return {tag: {k: _canonical(v) for k, v in value.items()}}
    if tag == "L":
        return {tag: [_canonical(v) for v in value]}
    return av


DIGEST_MODULUS = 2**128


def digest_segment(task: SegmentTask, sink: ProgressSink) -> TaskResult:
    """Count the items of one segment/slice and sum their content hashes (order-free)."""
    client = task.side.client()
    result = TaskResult(task.segment)
    stats = read.ReadStats(on_retry=sink.retried)
    for page in read.iter_pages(
        client, task.operation, task.read_request(), stats, policy=task.policy
    ):
        result.count += len(page)
        for item in page:
            result.digest = (result.digest + item_digest(item)) % DIGEST_MODULUS
        sink(len(page))
    result.retried = stats.retried
    return result


def count_segment(task: SegmentTask, sink: ProgressSink) -> TaskResult:
    """Count the items of one segment/slice with Select COUNT (DescribeTable is hours stale)."""
    client = task.side.client()
    stats = read.ReadStats(on_retry=sink.retried)
    request = task.read_request() | {"Select": "COUNT"}
    for _ in read.iter_pages(client, task.operation, request, stats, policy=task.policy):
        pass
    sink(stats.count)
    return TaskResult(task.segment, count=stats.count, retried=stats.retried)


@dataclass(frozen=True)
class ContainsTask:
    """Merge verification: does ``target`` hold every item of this source segment, unchanged?"""

    source: SegmentTask
    target: Side
    key_names: tuple[str, ...]
    policy: RetryPolicy


def contains_segment(task: ContainsTask, sink: ProgressSink) -> TaskResult:
    """Count source items whose identical copy the target lacks (``failed``)."""
    source, target = task.source.side.client(), task.target.client()
    result = TaskResult(task.source.segment)
    stats = read.ReadStats(on_retry=sink.retried)
    pages = read.iter_pages(
        source, task.source.operation, task.source.read_request(), stats, policy=task.policy
    )
    for page in pages:
        keys = [{k: item[k] for k in task.key_names} for item in page]
        found = batch_get(
            target, task.target.table, keys, policy=task.policy, on_retried=sink.retried
        )
        have = {key_text(i, task.key_names): item_digest(i) for i in found}
        result.count += len(page)
        result.failed += sum(
            1 for item in page if have.get(key_text(item, task.key_names)) != item_digest(item)
        )
        sink(len(page))
    result.retried = stats.retried
    return result
