"""Sinks of a copy task: where its items go, page by page.

A sink is a small picklable description (it travels to a worker inside a ``tasks.Task``);
``open(policy, channel)`` runs in the worker and gives a ``SinkWriter``: ``write(page)`` for
every page, ``close(result)`` once at the end (also when the task fails), adding what it did
to the task's ``TaskResult``.

- ``TableSink``: a table through ``BatchWriter``s: puts, or deletes (the keys of a prune),
  up to ``in_flight`` BatchWriteItem calls of a page at once (under latency a copy's speed is
  the requests it keeps in flight). ``write(page)`` returns once every batch of the page is
  answered; items that stay unwritten after all retries go to the ``FailedItemsFile`` then
  (never dropped), so a checkpoint sent after a page holds for every item before it.
- ``FailedItemsFile``: JSON lines of the write requests that could not be done.
- verification consumers: ``CountSink`` (items counted), ``DigestSink`` (items and the sum of
  their content hashes), ``ContainsSink`` (source items the target lacks or holds changed).

Later sinks go beside these: a file of an export (JSON lines, to S3 or disk). Capacity limits
are the channel's budget (``channel.budget``, ``transfer.limits``): ``TableWriter``'s writer and
the key lookups here meter every call with it.
"""

from __future__ import annotations

import functools
import queue
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..codec import key_of
from ..dynamodb.retry import Interrupted, RetryPolicy
from ..dynamodb.write import (
    MAX_BATCH_WRITE,
    BatchWriter,
    WriteRequest,
    batch_get,
    chunks,
    deletes,
    puts,
)
from .channels import Channel
from .digest import add_digests, item_digest, key_text, typed_json
from .messages import Failed
from .sources import Page, Side

if TYPE_CHECKING:
    from .messages import TaskResult


class SinkWriter(Protocol):
    """An open sink, in the worker."""

    def write(self, page: Page) -> None: ...

    def close(self, result: TaskResult) -> None: ...


class Sink(Protocol):
    """Where a task's items go."""

    def open(self, policy: RetryPolicy, channel: Channel) -> SinkWriter: ...


@dataclass(frozen=True)
class FailedItemsFile:
    """Write requests that could not be done, appended as JSON lines (DynamoDB JSON, as the AWS
    CLI writes it); created only when there is one."""

    path: str

    def save(self, requests: list[WriteRequest]) -> None:
        with Path(self.path).open("a", encoding="utf-8") as out:
            out.writelines(typed_json(request) + "\n" for request in requests)


@dataclass(frozen=True)
class TableSink:
    """Put every item into ``side``'s table (``delete``: delete every key instead), items that
    stay unwritten saved to ``failed``. ``collect_keys``: the task's result lists the keys
    written (``key_names``), for replace on a slice. ``in_flight``: BatchWriteItem calls of a
    page sent at once (each a batch of 25; 1: one after the other)."""

    side: Side
    failed: FailedItemsFile
    delete: bool = False
    key_names: tuple[str, ...] = ()
    collect_keys: bool = False
    in_flight: int = 1

    def open(self, policy: RetryPolicy, channel: Channel) -> TableWriter:
        return TableWriter(self, policy, channel)


class TableWriter:
    """An open ``TableSink``: writes report progress (and retries) on the channel at once, so a
    task that then fails never returning its result still has its writes counted.

    A page's batches go to ``in_flight`` ``BatchWriter``s, each in a thread of its own (a pool
    the writer owns and shuts down on ``close``), each sending one call at a time and keeping
    its own counts and failures; ``write`` waits for all of them. Each watches the stop flag
    before every call: a stop ends each within the call it has in flight, answered and
    counted."""

    def __init__(self, sink: TableSink, policy: RetryPolicy, channel: Channel):
        self.sink = sink
        self.channel = channel
        self.requests = deletes if sink.delete else puts
        done = functools.partial(channel.progressed, kind="deleted" if sink.delete else "written")
        client = sink.side.client()
        self.writers = [
            BatchWriter(
                client,
                sink.side.table,
                policy,
                on_written=done,
                on_retried=channel.retried,
                interrupt=channel.stop,
                meter=channel.budget.writes,
            )
            for _ in range(max(1, sink.in_flight))
        ]
        self._idle: queue.SimpleQueue[BatchWriter] = queue.SimpleQueue()
        for writer in self.writers:
            self._idle.put(writer)
        self._pool: ThreadPoolExecutor | None = None  # made for the first page of 2+ batches
        self.failed = 0
        self.keys: list[str] = []

    def write(self, page: Page) -> None:
        if self.sink.collect_keys:
            names = self.sink.key_names
            self.keys.extend(key_text(item, names) for item in page.items)
        try:
            requests = self.requests(page.items)
            if len(self.writers) == 1 or len(requests) <= MAX_BATCH_WRITE:
                self.writers[0].write(requests)
            else:
                self._write_at_once(list(chunks(requests, MAX_BATCH_WRITE)))
        finally:
            self._save_failed()

    def _write_at_once(self, batches: list[list[WriteRequest]]) -> None:
        """Every batch, up to ``in_flight`` at once; returns (or raises the first error, an
        interruption last) once each has ended."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(len(self.writers), thread_name_prefix="dynamo-write")
        futures: list[Future[None]] = [self._pool.submit(self._write_one, b) for b in batches]
        errors = [f.exception() for f in futures]
        raised = [e for e in errors if e is not None]
        if raised:  # an error of its own before a stop (``Interrupted``), which is only a stop
            raised.sort(key=lambda e: isinstance(e, Interrupted))
            raise raised[0]

    def _write_one(self, batch: list[WriteRequest]) -> None:
        writer = self._idle.get()  # one writer per thread at a time: its counts are its own
        try:
            writer.write(batch)
        finally:
            self._idle.put(writer)

    def _save_failed(self) -> None:
        """Save what stayed unwritten now (a checkpoint after this page must hold for it)."""
        failed = [request for writer in self.writers for request in writer.stats.failed]
        if failed:
            self.sink.failed.save(failed)
            self.failed += len(failed)
            self.channel.send(Failed(len(failed), self.sink.failed.path))
            for writer in self.writers:
                writer.stats.failed.clear()

    def close(self, result: TaskResult) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._save_failed()
        result.written += sum(writer.stats.written for writer in self.writers)
        result.deleted += sum(writer.stats.deleted for writer in self.writers)
        result.failed += self.failed
        result.keys.extend(self.keys)


@dataclass(frozen=True)
class CountSink:
    """Count the items (pages of a Select COUNT source carry only their count)."""

    def open(self, policy: RetryPolicy, channel: Channel) -> _Counter:
        return _Counter(channel, digest=False)


@dataclass(frozen=True)
class DigestSink:
    """Count the items and sum their content hashes (``digest.item_digest``; order-free)."""

    def open(self, policy: RetryPolicy, channel: Channel) -> _Counter:
        return _Counter(channel, digest=True)


class _Counter:
    def __init__(self, channel: Channel, digest: bool):
        self.channel = channel
        self.with_digest = digest
        self.digest = 0

    def write(self, page: Page) -> None:
        if self.with_digest:
            self.digest = add_digests(self.digest, page.items)
        self.channel.progressed(page.count, "read")

    def close(self, result: TaskResult) -> None:
        result.digest = self.digest


@dataclass(frozen=True)
class ContainsSink:
    """Merge verification: count the items ``target`` lacks, or holds with other content."""

    target: Side
    key_names: tuple[str, ...]

    def open(self, policy: RetryPolicy, channel: Channel) -> _Contains:
        return _Contains(self, policy, channel)


class _Contains:
    def __init__(self, sink: ContainsSink, policy: RetryPolicy, channel: Channel):
        self.sink, self.policy, self.channel = sink, policy, channel
        self.client: Any = sink.target.client()
        self.missing = 0

    def write(self, page: Page) -> None:
        names = self.sink.key_names
        keys = [key_of(item, names) for item in page.items]
        found = batch_get(
            self.client,
            self.sink.target.table,
            keys,
            self.policy,
            on_retried=self.channel.retried,
            interrupt=self.channel.stop,
            meter=self.channel.budget.reads,
        )
        have = {key_text(i, names): item_digest(i) for i in found}
        self.missing += sum(
            1 for item in page.items if have.get(key_text(item, names)) != item_digest(item)
        )
        self.channel.progressed(len(page.items), "read")

    def close(self, result: TaskResult) -> None:
        result.missing += self.missing
