"""Sources of a copy task: where its items come from, page by page, with the key after each page.

A source is a small picklable description (it travels to a worker inside a ``tasks.Task``);
``pages(policy, channel)`` runs in the worker: it builds its clients from the ``Environment``
it holds (nothing from the caller's process) and yields ``Page``s of ``WireItem``s, each with
the ``LastEvaluatedKey`` after it, so that a worker can report a checkpoint per page.

- ``TableSource``: one scan segment, or one query slice, of a table (keys only, or counted
  with Select COUNT, where asked). **Resume** is here and only here: a source made with
  ``start_key`` (a checkpoint's key) starts after it.
- ``FullItems``: wraps a source of index entries that carry only some attributes and yields
  the whole items (consistent BatchGetItem on the table).
- ``KeysToPrune``: the target's keys (of a segment or slice) less the ones to keep: those the
  copy wrote, and those the source still has (a consistent BatchGetItem on the source says so).

Later sources go beside these: an export file (S3 or local: the pages of its JSON lines).
Every read here (pages, key lookups) is metered with the channel's read budget
(``channel.budget.reads``: capacity limits, ``transfer.limits``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from .. import reading
from ..codec import Item, WireItem, key_of
from ..dynamodb import clients, read
from ..dynamodb.retry import RetryPolicy
from ..dynamodb.write import batch_get
from ..environments import Environment
from .channels import Channel
from .digest import key_text


@dataclass(frozen=True)
class Side:
    """One end of a copy: a table in an environment (which travels to workers whole)."""

    env: Environment
    table: str

    def client(self) -> Any:
        """This process's client of ``env`` (built here from ``env`` alone, then cached)."""
        return clients.client(self.env)


@dataclass(frozen=True)
class Page:
    """One page of a source: ``items`` (wire form), ``count`` (items it stands for: ``len(items)``,
    or a Select COUNT page's count) and ``last_key`` (DynamoDB's ``LastEvaluatedKey`` after it,
    client form; ``None`` on the last page)."""

    items: list[WireItem]
    count: int
    last_key: Item | None = None


class Source(Protocol):
    """Where a task's items come from."""

    @property
    def segment(self) -> int:
        """The segment this source reads (0 for a slice): names the task's checkpoints."""
        ...

    def pages(self, policy: RetryPolicy, channel: Channel) -> Iterator[Page]:
        """The pages, in the worker; reads retried per ``policy``, retries reported on
        ``channel`` as they are made."""
        ...


@dataclass(frozen=True)
class TableSource:
    """One scan segment (of ``total_segments``), or one query slice (``operation="query"``,
    ``request`` holding its key condition), of ``side``'s table.

    ``projection``: read only these attributes (e.g. the key, for a prune); ``count_only``:
    Select COUNT (pages without items, each with its count); ``start_key``: resume after this
    key (a ``messages.Checkpoint``'s ``last_key``).
    """

    side: Side
    segment: int = 0
    total_segments: int = 1
    request: dict[str, Any] = field(default_factory=dict)  # extra Query/Scan parameters
    operation: Literal["scan", "query"] = "scan"
    projection: tuple[str, ...] = ()
    count_only: bool = False
    start_key: Item | None = None

    def read_request(self) -> dict[str, Any]:
        """The Query/Scan request of this source (its first page)."""
        request = {"TableName": self.side.table, **self.request}
        if self.operation == "scan":
            request = reading.segment_of(request, self.segment, self.total_segments)
        if self.projection:
            request = reading.keys_only(request, self.projection)
        if self.count_only:
            request = reading.counting(request)
        return reading.starting_after(request, self.start_key)

    def pages(self, policy: RetryPolicy, channel: Channel) -> Iterator[Page]:
        stats = read.ReadStats(on_retry=channel.retried)
        counted = 0
        for items in read.iter_pages(
            self.side.client(),
            self.operation,
            self.read_request(),
            stats,
            policy=policy,
            interrupt=channel.stop,
            meter=channel.budget.reads,
        ):  # stats.last_key: the key after this page, where a resumed read starts
            yield Page(items, stats.count - counted, stats.last_key)
            counted = stats.count


@dataclass(frozen=True)
class FullItems:
    """The whole items of index entries read by ``source`` (an index without the ``ALL``
    projection carries only some attributes): fetched from ``table`` by their keys."""

    source: Source
    table: Side
    key_names: tuple[str, ...]

    @property
    def segment(self) -> int:
        return self.source.segment

    def pages(self, policy: RetryPolicy, channel: Channel) -> Iterator[Page]:
        client = self.table.client()
        for page in self.source.pages(policy, channel):
            if page.items:
                keys = [key_of(item, self.key_names) for item in page.items]
                found = batch_get(
                    client,
                    self.table.table,
                    keys,
                    policy,
                    on_retried=channel.retried,
                    interrupt=channel.stop,
                    meter=channel.budget.reads,
                )
                page = Page(found, page.count, page.last_key)
            yield page


@dataclass(frozen=True)
class KeysToPrune:
    """The keys of ``target`` (read keys only) that replace or truncate deletes.

    Without ``keep_if_in`` every key (truncate). With it (replace), a key is yielded only once
    a consistent BatchGetItem on ``keep_if_in`` (the source) says the source lacks it;
    ``keep_keys`` (the keys the copy wrote, for a slice) only spares those keys the check. Not
    having been read by the copy is never enough: a read that came up short would otherwise
    delete target items the source has. ``Page.count`` stays the keys read from the target.
    """

    target: TableSource
    key_names: tuple[str, ...]
    keep_if_in: Side | None = None
    keep_keys: frozenset[str] | None = None

    @property
    def segment(self) -> int:
        return self.target.segment

    def pages(self, policy: RetryPolicy, channel: Channel) -> Iterator[Page]:
        source = self.keep_if_in.client() if self.keep_if_in is not None else None
        names = self.key_names
        keys_only = dataclasses.replace(self.target, projection=names)  # less to read
        for page in keys_only.pages(policy, channel):
            keys = [key_of(item, names) for item in page.items]
            if self.keep_keys is not None:
                keys = [k for k in keys if key_text(k, names) not in self.keep_keys]
            if self.keep_if_in is not None and keys:  # deleted only if the source lacks it
                present = batch_get(
                    source,
                    self.keep_if_in.table,
                    keys,
                    policy,
                    names,
                    on_retried=channel.retried,
                    interrupt=channel.stop,
                    meter=channel.budget.reads,
                )
                kept = {key_text(k, names) for k in present}
                keys = [k for k in keys if key_text(k, names) not in kept]
            yield Page(keys, page.count, page.last_key)


@dataclass(frozen=True)
class LeftTheSlice:
    """The source's current items for the keys ``target``'s slice holds that the copy did not
    write (``written``) but the source still has: items that left the slice in the source (an
    attribute of the index's key changed there). Putting them makes each target item equal to
    the source's, which takes it out of the target's slice too; keys the source lacks are
    ``KeysToPrune``'s to delete. ``Page.count`` stays the keys read from the target."""

    target: TableSource
    key_names: tuple[str, ...]
    source: Side
    written: frozenset[str]

    @property
    def segment(self) -> int:
        return self.target.segment

    def pages(self, policy: RetryPolicy, channel: Channel) -> Iterator[Page]:
        client = self.source.client()
        names = self.key_names
        keys_only = dataclasses.replace(self.target, projection=names)
        for page in keys_only.pages(policy, channel):
            keys = [key_of(item, names) for item in page.items]
            keys = [k for k in keys if key_text(k, names) not in self.written]
            items = (
                batch_get(
                    client,
                    self.source.table,
                    keys,
                    policy,
                    on_retried=channel.retried,
                    interrupt=channel.stop,
                    meter=channel.budget.reads,
                )
                if keys
                else []
            )
            yield Page(items, page.count, page.last_key)


def table_sources(side: Side, segments: int, query: dict[str, Any] | None) -> list[TableSource]:
    """The sources that read ``side``'s table whole: ``segments`` parallel-scan segments, or
    the slice ``query`` (Query parameters) as one source."""
    if query is not None:
        return [TableSource(side, request=query, operation="query")]
    return [TableSource(side, s, segments) for s in range(segments)]
