"""Reading a table or index a page at a time, forward and back, as a DynamoDB console pages.

DynamoDB pages with ``Limit`` and ``ExclusiveStartKey``: a page ends at an item, and the next
starts after that item's key (table key and, for an index, the index's key: the attributes
``LastEvaluatedKey`` names). ``Pages`` keeps every page it has read, so going back, or forward
again, reads nothing twice; the key after the page shown is where a later read (another
process, ``--start-after``) resumes.

Keys travel as text in DynamoDB JSON, the form ``LastEvaluatedKey`` and the AWS CLI's
``--exclusive-start-key`` use (``{"pk": {"S": "CUSTOMER#c001"}}``): exact for numbers and
binaries. ``parse_start_key`` also takes plain values (``{"pk": "CUSTOMER#c001"}``), typed from
the key schema.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .codec import Item, WireItem, decode_binaries, encode_binaries, key_of, key_value
from .errors import InvalidQuery, literal
from .reading import ReadResult
from .schema import KeyAttribute, TableSchema

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_PAGE_SIZE = 100  # items per page, as the query panel shows them
_TYPE_TAGS = frozenset({"S", "N", "B"})

# reads one page: (key to start after, or None; items at most) -> (its result, the key the page
# after it starts after, or None when it is the last)
ReadPage = Callable[[Item | None, int], tuple[ReadResult, Item | None]]


@dataclass(frozen=True)
class Page:
    """One page read: its result, the key it started after and the key after it."""

    result: ReadResult
    start_key: Item | None
    next_key: Item | None  # None: the last page


class Pages:
    """The pages of a query or scan, ``page_size`` items each, walked forward and back.

    Made by ``dynamo_magic.pages``; each of ``first()``, ``next()``, ``previous()`` returns a
    page as a DataFrame (``query``'s columns and dtypes) and makes it the current page. A page
    is read once: going back and forward again shows what was read.

    Attributes
    ----------
    page_size : int
        Items per page (DynamoDB's ``Limit``; with a filter, items that match: DynamoDB may
        evaluate more).
    number : int
        The current page, from 1 (0 before the first is read).
    """

    def __init__(self, read_page: ReadPage, page_size: int, start_after: Item | None = None):
        self._read_page = read_page
        self.page_size = page_size
        self._start = start_after
        self._pages: list[Page] = []
        self.number = 0

    # -- walking ----------------------------------------------------------------------------
    def first(self) -> pd.DataFrame:
        """The first page (after ``start_after``, if one was given)."""
        return self._show(1)

    def next(self) -> pd.DataFrame:
        """The page after the current one (the first, if none was read yet).

        Raises
        ------
        IndexError
            The current page is the last (``has_next()`` is False).
        """
        if self.number and not self.has_next():
            raise IndexError(f"page {self.number} is the last: no page after it")
        return self._show(self.number + 1)

    def previous(self) -> pd.DataFrame:
        """The page before the current one (read before: nothing is read again).

        Raises
        ------
        IndexError
            The current page is the first.
        """
        if self.number <= 1:
            raise IndexError("this is the first page: no page before it")
        return self._show(self.number - 1)

    def has_next(self) -> bool:
        """Whether a page follows the current one (before the first: True)."""
        return self.number == 0 or self.current.next_key is not None

    def has_previous(self) -> bool:
        return self.number > 1

    # -- what is shown ----------------------------------------------------------------------
    @property
    def current(self) -> Page:
        """The page shown (``IndexError`` before the first is read)."""
        if not self.number:
            raise IndexError("no page read yet: call first() or next()")
        return self._pages[self.number - 1]

    @property
    def result(self) -> ReadResult:
        """The current page's ``ReadResult`` (items, statistics, summary line)."""
        return self.current.result

    @property
    def start_after(self) -> Item | None:
        """The key to resume from after the current page (``ExclusiveStartKey``, client
        form); ``None`` when it is the last page."""
        return self.current.next_key

    @property
    def start_after_json(self) -> str | None:
        """``start_after`` as DynamoDB JSON text, for ``--start-after``; ``None`` at the end."""
        key = self.start_after
        return None if key is None else key_json(key)

    @property
    def items_read(self) -> int:
        """Items in the pages read so far."""
        return sum(page.result.stats.count for page in self._pages)

    @property
    def pages_read(self) -> int:
        """How many pages were read so far (going back reads none)."""
        return len(self._pages)

    def read_so_far(self) -> ReadResult:
        """Every page read so far, in order, as one ``ReadResult`` (items and statistics
        together; ``page`` None, not truncated: whether more follow is the pages' word): what a
        panel's analysis of "what was read" works on.

        Raises
        ------
        IndexError
            No page was read yet.
        """
        if not self._pages:
            raise IndexError("no page read yet: call first() or next()")
        first = self._pages[0].result
        stats = dataclasses.replace(first.stats, on_retry=None)
        for page in self._pages[1:]:
            stats.merge(page.result.stats)
        # whole in itself (no limit cut it); the key after the last page read is where it ends
        stats.truncated, stats.last_key = False, self._pages[-1].result.stats.last_key
        items = [item for page in self._pages for item in page.result.items]
        return dataclasses.replace(first, items=items, stats=stats, page=None, more="")

    def frames_read(self) -> pd.DataFrame:
        """Every page read so far, in order, as one DataFrame."""
        import pandas as pd

        frames = [page.result.to_frame() for page in self._pages]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def summary_line(self) -> str:
        """The current page's summary (``page 2: 100 item(s) from shop, query; ...``)."""
        return self.result.summary_line()

    def __repr__(self) -> str:
        more = "more follow" if self.number and self.has_next() else "the last"
        where = f"page {self.number}, {more}" if self.number else "no page read yet"
        return f"<Pages of {self.page_size} items: {where}>"

    def _show(self, number: int) -> pd.DataFrame:
        while len(self._pages) < number:
            start = self._pages[-1].next_key if self._pages else self._start
            result, next_key = self._read_page(start, self.page_size)
            result.page = len(self._pages) + 1
            self._pages.append(Page(result, start, next_key))
        self.number = number
        return self.result.to_frame()


def next_key_of(items: list[WireItem], more: bool, key_names: tuple[str, ...]) -> Item | None:
    """Where the page after ``items`` starts: the last item's key attributes (the key
    ``LastEvaluatedKey`` would name), client form; ``None`` when nothing follows."""
    if not more or not items:
        return None
    return decode_binaries(key_of(items[-1], key_names))


def key_json(key: Item) -> str:
    """A key (client form) as DynamoDB JSON text (binaries base64, numbers as their text: key
    values are S, N or B, all text in wire form, so ``json.dumps`` of it is exact)."""
    return json.dumps(encode_binaries(key))


def parse_start_key(value: str | Mapping[str, Any], schema: TableSchema, index: str | None) -> Item:
    """``--start-after``'s key (DynamoDB JSON text or mapping, or plain values typed from the
    key schema) as an ``ExclusiveStartKey`` (client form).

    Raises
    ------
    InvalidQuery
        Not JSON, not an object, or not exactly the key attributes of the table (and index)
        read, or a value of the wrong type.
    """
    names = schema.item_key_names(index)
    expected = ", ".join(names)
    if isinstance(value, str):
        try:
            value = json.loads(value, parse_float=Decimal)
        except json.JSONDecodeError:
            raise InvalidQuery(
                f"{{start_after}} is not JSON: give the key printed after a page, e.g. "
                f"'{literal(_example(names))}'",
                parameters=("start_after",),
            ) from None
    if not isinstance(value, Mapping) or set(value) != set(names):
        got = ", ".join(map(str, value)) if isinstance(value, Mapping) else type(value).__name__
        raise InvalidQuery(
            f"{{start_after}} must name exactly the key attributes read ({literal(expected)}), "
            f"got {literal(got)}",
            parameters=("start_after",),
        )
    attributes = {a.name: a for a in _key_attributes(schema, index)}
    key: Item = {}
    for name in names:
        given = value[name]
        if isinstance(given, Mapping) and len(given) == 1 and set(given) <= _TYPE_TAGS:
            ((tag, raw),) = given.items()
            if tag != attributes[name].type:
                raise InvalidQuery(
                    f"{{start_after}}: '{literal(name)}' is {attributes[name].type} in the key "
                    f"schema, not {literal(tag)}",
                    parameters=("start_after",),
                )
            given = _plain(tag, raw)
        key[name] = key_value(attributes[name], given, parameter="start_after")
    return key


def _plain(tag: str, raw: Any) -> Any:
    """A DynamoDB JSON key value's payload as ``key_value`` takes it."""
    if tag == "B":
        import base64

        return base64.b64decode(str(raw))
    if tag == "N":
        return Decimal(str(raw))
    return raw


def _key_attributes(schema: TableSchema, index: str | None) -> list[KeyAttribute]:
    keys = [schema.key_for(index), schema.key]
    return [a for key in keys for a in (key.hash, key.range) if a is not None]


def _example(names: tuple[str, ...]) -> str:
    return "{" + ", ".join(f'"{n}": {{"S": "..."}}' for n in names) + "}"
