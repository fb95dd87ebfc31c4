"""Sinks of a copy task: where its items go, page by page.

A sink is a small picklable description (it travels to a worker inside a ``tasks.Task``);
``open(policy, channel)`` runs in the worker and gives a ``SinkWriter``: ``write(page)`` for
every page, ``close(result)`` once at the end (also when the task fails), adding what it did
to the task's ``TaskResult``.

- ``TableSink``: a table through ``BatchWriter``: puts, or deletes (the keys of a prune).
  Items that stay unwritten after all retries go to the ``FailedItemsFile`` after every page
  (never dropped), so a checkpoint sent after a page holds for every item before it.
- ``FailedItemsFile``: JSON lines of the write requests that could not be done.
- verification consumers: ``CountSink`` (items counted), ``DigestSink`` (items and the sum of
  their content hashes), ``ContainsSink`` (source items the target lacks or holds changed).

Later sinks go beside these: a file of an export (JSON lines, to S3 or disk). Capacity limits
are the channel's budget (``channel.budget``, ``copying.limits``): ``TableWriter``'s writer and
the key lookups here meter every call with it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..codec import key_of
from ..dynamodb.retry import RetryPolicy
from ..dynamodb.write import BatchWriter, WriteRequest, batch_get, deletes, puts
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
    written (``key_names``), for replace on a slice."""

    side: Side
    failed: FailedItemsFile
    delete: bool = False
    key_names: tuple[str, ...] = ()
    collect_keys: bool = False

    def open(self, policy: RetryPolicy, channel: Channel) -> TableWriter:
        return TableWriter(self, policy, channel)


class TableWriter:
    """An open ``TableSink``: writes report progress (and retries) on the channel at once, so a
    task that then fails never returning its result still has its writes counted."""

    def __init__(self, sink: TableSink, policy: RetryPolicy, channel: Channel):
        self.sink = sink
        self.channel = channel
        self.requests = deletes if sink.delete else puts
        done = functools.partial(channel.progressed, kind="deleted" if sink.delete else "written")
        self.writer = BatchWriter(
            sink.side.client(),
            sink.side.table,
            policy,
            on_written=done,
            on_retried=channel.retried,
            interrupt=channel.stop,
            meter=channel.budget.writes,
        )
        self.failed = 0
        self.keys: list[str] = []

    def write(self, page: Page) -> None:
        if self.sink.collect_keys:
            names = self.sink.key_names
            self.keys.extend(key_text(item, names) for item in page.items)
        try:
            self.writer.write(self.requests(page.items))
        finally:
            self._save_failed()

    def _save_failed(self) -> None:
        """Save what stayed unwritten now (a checkpoint after this page must hold for it)."""
        failed = self.writer.stats.failed
        if failed:
            self.sink.failed.save(failed)
            self.failed += len(failed)
            self.channel.send(Failed(len(failed), self.sink.failed.path))
            failed.clear()

    def close(self, result: TaskResult) -> None:
        self._save_failed()
        stats = self.writer.stats
        result.written += stats.written
        result.deleted += stats.deleted
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
