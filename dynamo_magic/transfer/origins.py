"""Origins of a load: items that do not come from a table, written into one as a copy writes.

**The load seam** (issue 17): a DataFrame (``put_df``), files (an import) or any other source
of items that is not a table is an ``Origin``; ``loading.plan_load`` / ``loading.load`` /
``loading.start_load`` write it into an existing table with the copy's rules, by the copy's
code: ``plan.plan_target`` (protected environment, confirmation of a non-empty target, backup
before replace/truncate, warnings, capacity limits), ``engine.execute`` (backup, truncate,
batching, retries, failed-items file, progress, replace's deletes, verification), the
``job.CopyJob`` and the ``result.CopyResult``. A ``CopyPlan`` with ``origin`` set is a load.

An ``Origin`` gives the plan

- ``describe()``: one line for the plan's ``source`` row and the result's ``source``
  (``"DataFrame of 3 rows"``, ``"2 files under s3://b/p"``); ``rows()``: more plan rows;
- ``item_count()``: the items it will write, or ``None`` when only reading them tells
  (a count makes verification exact and lets replace skip its deletes after a short read);
  ``average_item_bytes()``: for the write-unit estimate;
- ``check(schema)``: every refusal that needs no write (the target's key schema: missing,
  null, mistyped or duplicate keys; a bad file), raised before anything is written as an
  ``InvalidQuery`` / ``UnsafeOperation`` with one line;
- ``sources(parts)``: picklable ``sources.Source``s, one per file or chunk, whose ``segment``
  is their index in the list (a checkpoint follows each); ``parts`` is the engine's suggested
  number of chunks (an origin of files ignores it). Each source must be a frozen dataclass
  with a ``start_key`` field (``Item`` or ``None``) and give every page but its last a
  ``last_key`` saying where a resumed read starts after it (``sources.Source``'s contract, as
  ``TableSource`` keeps it): ``ItemsSource`` is one;
- ``identity()``: a short text naming what is loaded for the checkpoint's file name and its
  identity (a resume of another origin's checkpoint is refused);
- ``partitions()``: the partition key values (DynamoDB JSON, ``{"S": "a"}``) whose items
  replace/truncate replaces; ``None``: the whole table;
- ``backend()``: the joblib backend it needs (``None``: the copy's choice by size).

Origins of items already in memory (a frame, rows) use ``ItemsOrigin`` / ``ItemsSource``.
Later origins go beside these in their own modules (``Origin`` subclasses).
"""

from __future__ import annotations

import hashlib
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..codec import AttributeValue, Item, WireItem, number_json
from ..dynamodb.retry import RetryPolicy
from ..errors import InvalidQuery, literal
from ..schema import KeySchema, TableSchema
from .channels import Channel
from .digest import typed_json
from .sources import Page, Source

PAGE_ITEMS = 1000  # items of one page of an ``ItemsSource`` (a checkpoint after each)
OFFSET = "offset"  # the attribute of an ``ItemsSource``'s ``last_key``: items done so far
SAMPLE_ITEMS = 100  # items measured for the average item size


class Origin(ABC):
    """Where a load's items come from (see the module's docstring for each method's part).
    ``phase`` names its writing phase in progress bars and logs (``"load"``, ``"import"``)."""

    phase = "load"

    @abstractmethod
    def describe(self) -> str:
        """One line naming what is loaded (the plan's ``source`` row, the result's source)."""

    def rows(self) -> list[tuple[str, str]]:
        """More rows for the plan, after ``source`` (none by default)."""
        return []

    @abstractmethod
    def item_count(self) -> int | None:
        """Items it will write, in items; ``None``: not known before they are read."""

    def average_item_bytes(self) -> float:
        """Average item size, in bytes (DynamoDB JSON text); 0.0: unknown."""
        return 0.0

    def check(self, schema: TableSchema) -> None:
        """Refuse, before anything is written, what the target ``schema`` cannot take.

        Raises
        ------
        InvalidQuery, UnsafeOperation
            One line naming the rows (files, lines) and what to do."""
        return None

    @abstractmethod
    def sources(self, parts: int) -> list[Source]:
        """The sources to write, ``segment`` = index in the list; ``parts``: a suggestion."""

    @abstractmethod
    def identity(self) -> str:
        """A short text naming what is loaded, for checkpoints."""

    def partitions(self) -> list[AttributeValue] | None:
        """Partition key values whose items replace/truncate replaces (``None``: the table)."""
        return None

    def backend(self) -> str | None:
        """The joblib backend the sources need (``None``: chosen by size, as a copy's)."""
        return None


@dataclass(frozen=True)
class ItemsSource:
    """Items held in memory (``WireItem``s), in pages of ``page_items``; picklable (the
    items travel with it). ``start_key`` (a checkpoint's ``{"offset": {"N": "k"}}``): start
    after the first ``k`` items."""

    items: tuple[WireItem, ...]
    segment: int = 0
    page_items: int = PAGE_ITEMS
    start_key: Item | None = None

    def pages(self, policy: RetryPolicy, channel: Channel) -> Iterator[Page]:
        start = int(self.start_key[OFFSET]["N"]) if self.start_key else 0
        total = len(self.items)
        for first in range(start, total, self.page_items):
            end = min(first + self.page_items, total)
            after: Item | None = {OFFSET: {"N": str(end)}} if end < total else None
            yield Page(list(self.items[first:end]), end - first, after)


class ItemsOrigin(Origin):
    """Items already in memory (DynamoDB JSON), split into ``parts`` ``ItemsSource``s.

    ``label`` names them (``describe``); ``name`` is their identity for checkpoints (default:
    a hash of the items' text, so a resume reloads the same items only); ``labels`` name the
    items in refusals (a frame's index labels; default: their positions); ``covered``: the
    partition key values replace/truncate replaces (``None``: the whole table). ``check``
    refuses items whose key does not fit the target (``check_keys``)."""

    def __init__(
        self,
        items: Sequence[WireItem],
        label: str | None = None,
        *,
        name: str | None = None,
        labels: Sequence[Any] | None = None,
        covered: list[AttributeValue] | None = None,
        backend: str | None = "threading",
    ):
        self.items = tuple(items)
        self.labels = list(labels) if labels is not None else list(range(len(self.items)))
        self.label = label or f"{len(self.items):,} item(s) in memory"
        self._name = name
        self.covered = covered
        self._backend = backend

    def describe(self) -> str:
        return self.label

    def item_count(self) -> int | None:
        return len(self.items)

    def average_item_bytes(self) -> float:
        sample = self.items[:SAMPLE_ITEMS]
        return sum(len(typed_json(i)) for i in sample) / len(sample) if sample else 0.0

    def check(self, schema: TableSchema) -> None:
        check_keys(self.items, schema.key, self.labels)

    def sources(self, parts: int) -> list[Source]:
        size = max(1, math.ceil(len(self.items) / max(1, parts)))
        chunks = [self.items[i : i + size] for i in range(0, len(self.items), size)] or [()]
        return [ItemsSource(chunk, segment) for segment, chunk in enumerate(chunks)]

    def identity(self) -> str:
        if self._name is None:
            digest = hashlib.sha256()
            for item in self.items:
                digest.update(typed_json(item).encode())
            self._name = f"items-{digest.hexdigest()[:10]}"
        return self._name

    def partitions(self) -> list[AttributeValue] | None:
        return self.covered

    def backend(self) -> str | None:
        return self._backend


SHOWN_ROWS = 5  # rows a refusal names before "and N more"


def _rows_text(labels: Sequence[Any]) -> str:
    shown = ", ".join(repr(label) for label in labels[:SHOWN_ROWS])
    more = len(labels) - SHOWN_ROWS
    return shown + (f" and {more:,} more" if more > 0 else "")


def key_identity(item: WireItem, names: tuple[str, ...]) -> str:
    """An item's key as short text (type and value of each key attribute, a number by its
    value: ``1``, ``1.0`` and ``1E0`` are one key, as DynamoDB stores them), for a set of the
    keys of a load: the one rule every load's duplicate check follows (frames, files)."""
    parts = []
    for name in names:
        ((tag, value),) = item[name].items()
        parts.append(f"{tag}{number_json(value) if tag == 'N' else value}")
    return "\x1f".join(parts)


def check_keys(items: Sequence[WireItem], key: KeySchema, labels: Sequence[Any]) -> None:
    """Refuse items that lack a key attribute, hold one of another type than ``key`` says,
    or share a key with another item (DynamoDB refuses a batch holding one key twice),
    naming the rows by ``labels`` (one per item).

    Raises
    ------
    InvalidQuery
        One line: the first problem found, with the rows it concerns."""
    attributes = [key.hash] + ([key.range] if key.range else [])
    for attribute in attributes:
        missing = [labels[i] for i, item in enumerate(items) if attribute.name not in item]
        if missing:
            raise InvalidQuery(
                f"key attribute '{literal(attribute.name)}' missing or null in row(s) "
                f"{literal(_rows_text(missing))}: every item needs the table's key ({key})"
            )
        wrong = [
            (labels[i], next(iter(item[attribute.name])))
            for i, item in enumerate(items)
            if next(iter(item[attribute.name])) != attribute.type
        ]
        if wrong:
            kinds = ", ".join(sorted({kind for _, kind in wrong}))
            raise InvalidQuery(
                f"key attribute '{literal(attribute.name)}' must be of type {attribute.type}, "
                f"is {kinds} in row(s) {literal(_rows_text([label for label, _ in wrong]))}"
            )
    for attribute in attributes:
        empty = [
            labels[i]
            for i, item in enumerate(items)
            if next(iter(item[attribute.name].values())) in ("", b"")
        ]
        if empty:
            raise InvalidQuery(
                f"key attribute '{literal(attribute.name)}' is empty in row(s) "
                f"{literal(_rows_text(empty))}: DynamoDB refuses empty keys; give every row one"
            )
    groups: dict[str, list[Any]] = {}
    names = key.names
    for label, item in zip(labels, items, strict=True):
        groups.setdefault(key_identity(item, names), []).append(label)
    duplicates = [label for group in groups.values() if len(group) > 1 for label in group]
    if duplicates:
        raise InvalidQuery(
            f"duplicate keys ({', '.join(names)}) in row(s) {literal(_rows_text(duplicates))}: "
            "each item of a table has its own key; drop or merge the duplicates"
        )
