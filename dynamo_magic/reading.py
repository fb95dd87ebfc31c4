"""What to read, described once: ``ReadSpec``, checked against a table's schema and turned into
the one Query or Scan request DynamoDB gets; and what a read gave: ``ReadResult`` (its items,
``ReadStats`` and the notes of its summary line).

Queries, scans, previews, counts and the slice of a copy all describe a read the same way:
``check`` refuses what no table could serve (before any call), ``validate`` what this table
cannot (unknown index, consistent read of a GSI, a sort-key condition without a sort key), and
``build`` writes the request with every name and value through a placeholder. The readers
(``dynamodb.read``) fill a ``ReadStats``; ``notes`` says what an empty or sparse result means.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from . import analysis, lazy
from .codec import Item, WireItem, decode_binaries, items_to_frame
from .errors import InvalidQuery, literal
from .expressions import (
    Placeholders,
    key_condition,
    normalize_operator,
    parse_filter,
    projection,
    split_names,
)
from .paths import DocumentPath, format_path, lookup, parse_path
from .schema import TableSchema
from .settings import check_counts

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    pd = lazy.module("pandas")

Mode = Literal["query", "scan", "preview", "count"]


@dataclass(frozen=True)
class ReadSpec:
    # its parameters described by the api's texts (options.py), written in by cog (`make cog`)
    # [[[cog
    # from dynamo_magic.options import docstring
    # from dynamo_magic.reading import ReadSpec
    # columns = "columns : tuple of str, default ()\n    Projection: document paths"
    # columns += " (``addr.city``); empty: every attribute (``columns_of`` reads the api's"
    # columns += " ``columns``)."
    # cog.out(docstring(ReadSpec, "query", own={"columns": columns}))
    # ]]]
    """One read of a table or index: key condition, filter, projection and read options.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): a query. ``None``:
        the first items (a preview) or, with ``scan=True``, the whole table or index.
    sk : str, int, float, Decimal or bytes, optional
        Sort key value of the condition ``sk_op`` (the lower bound of ``between``).
    sk_op : {'begins_with', '=', '<', '<=', '>', '>=', 'between'}, optional
        Sort-key operator; ``None``: begins_with on a string or binary sort key, = on a number.
    sk2 : str, int, float, Decimal or bytes, optional
        Upper bound of ``sk_op='between'``.
    index : str, optional
        A GSI or LSI to read instead of the table.
    filter : str, optional
        Filter expression, e.g. ``"status = 'open' AND qty > :n"`` (applied by DynamoDB after
        reading: evaluated items still cost read units).
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    columns : tuple of str, default ()
        Projection: document paths (``addr.city``); empty: every attribute (``columns_of`` reads
        the api's ``columns``).
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    reverse : bool, default False
        Descending sort-key order (needs ``pk``).
    count : bool, default False
        DynamoDB's Select COUNT: items are counted, none returned.
    limit : int, optional
        Items returned (or counted) at most; ``None``: all (a preview: the ``preview_items``
        setting, 20).
    scan : bool, default False
        Parallel scan of the whole table or index (no ``pk``).
    segments : int, optional
        Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the
        ``segments`` setting, else 4.

    Examples
    --------
    >>> spec = ReadSpec("orders", pk="c1", sk="2024-01", columns=("total",), limit=10)
    >>> spec.mode
    'query'
    """

    # [[[end]]]

    table: str
    pk: Any = None
    sk: Any = None
    sk_op: str | None = None
    sk2: Any = None
    index: str | None = None
    filter: str | None = None
    params: Mapping[str, Any] | None = field(default=None, hash=False)
    columns: tuple[str, ...] = ()
    consistent: bool = False
    reverse: bool = False
    count: bool = False
    limit: int | None = None
    scan: bool = False
    segments: int | None = None

    @property
    def mode(self) -> Mode:
        """``count`` (Select COUNT), ``query`` (a partition key), ``scan`` or ``preview``."""
        if self.count:
            return "count"
        if self.pk is not None:
            return "query"
        return "scan" if self.scan else "preview"

    @property
    def operation(self) -> str:
        """The DynamoDB operation: ``query`` with a partition key, else ``scan``."""
        return "query" if self.pk is not None else "scan"

    @property
    def preview(self) -> bool:
        """No key and no scan: only the first items of the table (or index) are read."""
        return self.pk is None and not self.scan


def columns_of(columns: str | Sequence[str] | None) -> tuple[str, ...]:
    """A projection as given (``"a,b"`` text or a list of paths) as a tuple of paths; text is
    split at commas outside backquotes."""
    if columns is None:
        return ()
    names = tuple(split_names(columns))
    if not any(n.strip() for n in names):
        raise InvalidQuery(
            "{columns} needs attribute names, e.g. name,email", parameters=("columns",)
        )
    return names


def positive(value: int | None, parameter: str, what: str = "items") -> None:
    """Refuse a count of items or rows below 1, naming the parameter given (``limit``,
    ``head``, ``n``)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidQuery(
            f"{{{parameter}}} must be a whole number of {what} (got {literal(repr(value))})",
            parameters=(parameter,),
        )
    if value is not None and value < 1:
        raise InvalidQuery(
            f"{{{parameter}}} must be a positive number of {what} (got {value})",
            parameters=(parameter,),
        )


def check(spec: ReadSpec) -> None:
    """Refuse a read no table could serve; needs no call to DynamoDB.

    Raises
    ------
    InvalidQuery
        A limit below 1, a partition key with ``scan``, a sort-key condition or ``reverse``
        without a partition key, an empty key value, ``sk_op`` without ``sk``, ``segments``
        without ``scan``, ``count`` with ``columns``: options that contradict each other or
        that nothing would use are refused, never silently dropped.
    """
    positive(spec.limit, "limit")
    check_counts(segments=spec.segments)  # DynamoDB's TotalSegments: 1 to 1,000,000
    if spec.params is not None and not isinstance(spec.params, Mapping):
        raise InvalidQuery(
            "{params} of a filter map each :name to its value (a dict); a list binds PartiQL's "
            "? markers",
            parameters=("params",),
        )
    if spec.scan and spec.pk is not None:
        raise InvalidQuery(
            "{scan} reads the whole table; drop the partition key or {scan}",
            parameters=("scan",),
        )
    if spec.pk is None and (spec.sk is not None or spec.sk2 is not None):
        raise InvalidQuery(
            "a sort-key condition needs a partition key value ({pk})", parameters=("pk",)
        )
    if spec.pk is None and spec.reverse:
        raise InvalidQuery(
            "{reverse} orders a query's sort key; give a partition key ({pk})",
            parameters=("reverse", "pk"),
        )
    operator = normalize_operator(spec.sk_op) if spec.sk_op is not None else None
    check_key_values(spec.pk, spec.sk, spec.sk2, operator)
    if operator is not None and spec.sk is None:
        raise InvalidQuery(
            "{sk_op} compares the sort key with {sk}: give {sk} too, or drop {sk_op}",
            parameters=("sk_op", "sk"),
        )
    if spec.sk2 is not None and operator != "between":
        raise InvalidQuery(
            "{sk2} is only for {sk_op} between (its upper bound): add {sk_op} between, or "
            "drop {sk2}",
            parameters=("sk2", "sk_op"),
        )
    if spec.segments is not None and not spec.scan:
        raise InvalidQuery(
            "{segments} splits a parallel scan; a query reads its partition in one sequence: "
            "drop {segments}"
            if spec.pk is not None
            else "{segments} splits a parallel scan: add {scan}, or drop {segments}",
            parameters=("segments", "scan"),
        )
    if spec.count and spec.columns:
        raise InvalidQuery(
            "{count} returns a number, no items, so {columns} has nothing to select: "
            "drop one of them",
            parameters=("count", "columns"),
        )


# what DynamoDB calls each key value of a read, by the parameter that gives it
DEFAULT_HEAD = 5  # items a head shows without a number (api.head, --head, the panel)
_KEY_VALUES = (("pk", "partition key"), ("sk", "sort key"), ("sk2", "sort key"))


def check_key_values(
    pk: Any = None, sk: Any = None, sk2: Any = None, sk_op: str | None = None
) -> None:
    """Refuse an empty key value (``""`` or ``b""``) before any call: DynamoDB refuses an empty
    string or binary as a key attribute's value ("cannot contain an empty string value"), and
    an empty number is no number. ``None`` is "not given". ``sk_op`` (normalized, ``None``:
    none) picks the hint: ``between``'s bounds must be given, another operator goes with its
    value.

    Raises
    ------
    InvalidQuery
        Naming the parameter (``pk``, ``sk`` or ``sk2``) that holds the empty value.
    """
    for (parameter, role), value in zip(_KEY_VALUES, (pk, sk, sk2), strict=True):
        if isinstance(value, str | bytes | bytearray) and len(value) == 0:
            raise InvalidQuery(
                f"the {role} value ({{{parameter}}}) cannot be empty: DynamoDB requires a "
                f"non-empty key value; {_key_value_hint(parameter, sk_op)}",
                parameters=(parameter,) if parameter == "pk" else (parameter, "sk_op"),
            )


def _key_value_hint(parameter: str, sk_op: str | None) -> str:
    """What to do about an empty ``parameter``, fitting the operator it goes with."""
    if parameter == "sk2" or (parameter == "sk" and sk_op == "between"):
        bound = "upper" if parameter == "sk2" else "lower"
        return f"give the {bound} bound, or drop {{sk_op}} between and its bounds"
    if parameter == "sk" and sk_op is not None:
        return "give one, or leave {sk} and {sk_op} out"
    return f"give one, or leave {{{parameter}}} out"


def validate(spec: ReadSpec, schema: TableSchema) -> None:
    """``check``, then what only the table's schema can tell.

    Raises
    ------
    InvalidQuery
        As ``check``; a consistent read of a GSI.
    IndexNotFound
        ``spec.index`` is not an index of the table.
    """
    check(spec)
    schema.key_for(spec.index)  # raises IndexNotFound
    if spec.consistent and spec.index and schema.index(spec.index).kind == "GSI":
        raise InvalidQuery(
            f"'{spec.index}' is a GSI: DynamoDB offers no consistent reads on GSIs; "
            "drop {consistent}",
            parameters=("consistent",),
        )


@dataclass(frozen=True)
class ReadRequest:
    """A ``ReadSpec`` as DynamoDB gets it: the operation and its request parameters, with the
    document paths the filter and the projection name (for the result's notes)."""

    operation: str  # "query" or "scan"
    parameters: dict[str, Any]
    filter_paths: tuple[DocumentPath, ...] = ()
    column_paths: tuple[DocumentPath, ...] = ()


def build(spec: ReadSpec, schema: TableSchema) -> ReadRequest:
    """The Query or Scan request of ``spec`` (validated first): TableName, IndexName,
    KeyConditionExpression, ScanIndexForward, FilterExpression, ProjectionExpression or
    Select COUNT, ConsistentRead and the placeholders. ``Limit`` and ``Segment`` are per page
    and per segment: the readers in ``dynamodb.read`` add them.

    Raises
    ------
    InvalidQuery
        As ``validate``; a sort-key condition, filter or projection that does not fit.
    IndexNotFound
        ``spec.index`` is not an index of the table.
    """
    validate(spec, schema)
    ph = Placeholders()
    keys = schema.item_key_names(spec.index)  # always whole top-level names in paths
    request: dict[str, Any] = {"TableName": spec.table}
    if spec.index:
        request["IndexName"] = spec.index
    if spec.pk is not None:
        where = f"index '{spec.index}'" if spec.index else f"table '{schema.name}'"
        key = schema.key_for(spec.index)
        request["KeyConditionExpression"] = key_condition(
            key, spec.pk, ph, spec.sk, spec.sk_op, spec.sk2, where
        )
        if spec.reverse:
            request["ScanIndexForward"] = False
    filter_paths: list[DocumentPath] = []
    if spec.filter:
        request["FilterExpression"], filter_paths = parse_filter(spec.filter, ph, spec.params, keys)
    column_paths: list[DocumentPath] = []
    if spec.count:
        request["Select"] = "COUNT"
    elif spec.columns:
        request["ProjectionExpression"] = projection(list(spec.columns), ph, keys)
        column_paths = [parse_path(n, keys) for n in spec.columns if n.strip()]
    if spec.consistent:
        request["ConsistentRead"] = True
    request.update(ph.request_fields())
    return ReadRequest(spec.operation, request, tuple(filter_paths), tuple(column_paths))


# -- a built request, as one task reads it ---------------------------------------------------
# The parts of a request that are per task or per page, added to what ``build`` wrote (or to a
# bare ``{"TableName": ...}``): where the copy engine, the planner and the readers vary it.
def segment_of(request: Mapping[str, Any], segment: int, total: int) -> dict[str, Any]:
    """``request`` as segment ``segment`` of a ``total``-segment parallel Scan (unchanged for
    one segment: DynamoDB's TotalSegments 1 is a plain scan)."""
    if total <= 1:
        return dict(request)
    return {**request, "Segment": segment, "TotalSegments": total}


def key_projection(key_names: Sequence[str]) -> dict[str, Any]:
    """ProjectionExpression and names reading only the key attributes (``#k0, #k1``), for a
    Query/Scan or a BatchGetItem's table entry."""
    names = {f"#k{i}": name for i, name in enumerate(key_names)}
    return {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}


def keys_only(request: Mapping[str, Any], key_names: Sequence[str]) -> dict[str, Any]:
    """``request`` reading only the key attributes (less to read, and to pay for)."""
    projected = key_projection(key_names)
    names = {**request.get("ExpressionAttributeNames", {}), **projected["ExpressionAttributeNames"]}
    return {**request, **projected, "ExpressionAttributeNames": names}


def counting(request: Mapping[str, Any]) -> dict[str, Any]:
    """``request`` counting its items (DynamoDB's Select COUNT: none are returned)."""
    return {**request, "Select": "COUNT"}


def starting_after(request: Mapping[str, Any], key: Mapping[str, Any] | None) -> dict[str, Any]:
    """``request`` resuming after ``key`` (DynamoDB's ExclusiveStartKey; ``None``: from the
    start)."""
    return {**request, "ExclusiveStartKey": key} if key else dict(request)


@dataclass
class ReadStats:
    """What a read cost and whether it stopped early.

    ``count`` is what DynamoDB calls ``Count`` (items matched: after the filter, returned or,
    with Select COUNT, counted); ``evaluated`` its ``ScannedCount`` (items read to apply the
    filter, each costing read units); ``pages`` the requests made; ``capacity`` read units
    consumed where the server reports them; ``retried`` calls sent again (botocore's quick
    retries and ``retry``'s).
    """

    count: int = 0  # items matched (DynamoDB's Count: after the filter), returned or counted
    evaluated: int = 0  # items DynamoDB read to apply the filter (its ScannedCount)
    pages: int = 0
    capacity: float | None = None  # read capacity units, where the server reports them
    truncated: bool = False  # stopped at a limit with more items possibly left
    retried: int = 0  # calls sent again after throttling, errors, a lost connection (``retry``)
    # DynamoDB's LastEvaluatedKey of the last page read: where a read resumes (None: at its end)
    last_key: Item | None = None
    # told of each retry as it is made (a copy's worker reports it at once: ``ProgressSink``)
    on_retry: Callable[[int], None] | None = field(default=None, repr=False, compare=False)

    def add_page(self, page: dict[str, Any], returned: int, dropped: int = 0) -> None:
        """Count one page of which ``returned`` items (or counted items, for Select COUNT) are
        kept; ``dropped`` more were returned past a limit and are not part of the result."""
        self.pages += 1
        self.count += returned
        self.evaluated += page.get("ScannedCount", returned + dropped) - dropped
        used = (page.get("ConsumedCapacity") or {}).get("CapacityUnits")
        if used is not None:
            self.capacity = (self.capacity or 0.0) + used

    def count_retry(self, count: int = 1) -> None:
        """``count`` more calls sent again (botocore's retries or ours)."""
        self.retried += count
        if self.on_retry is not None:
            self.on_retry(count)

    def merge(self, other: ReadStats) -> None:
        self.count += other.count
        self.evaluated += other.evaluated
        self.pages += other.pages
        self.truncated |= other.truncated
        self.retried += other.retried
        if other.capacity is not None:
            self.capacity = (self.capacity or 0.0) + other.capacity


@dataclass
class ReadResult:
    """The items a read returned, with what produced them; ``to_frame()`` makes the DataFrame.

    Attributes
    ----------
    items : list of WireItem
        DynamoDB JSON in wire form, whatever read made them (Query, Scan, PartiQL): exactly as
        DynamoDB sent them, numbers as text with every digit, binaries (``B``, ``BS``, at any
        depth) as base64 text, e.g. ``{"id": {"B": "AAf/"}}``. ``decoded_items()`` gives the
        form boto3's low-level client returns and accepts (binaries as ``bytes``).
    stats : ReadStats
        Items matched (``count``) and evaluated, pages, read units, retries, truncation.
    table, index : str, str or None
        What was read.
    mode : str
        ``query``, ``scan``, ``preview``, ``count`` or ``partiql``.
    key_names : tuple of str
        The key attributes (the index's, then the table's): the frame's first columns.
    limit : int or None
        The limit asked for (items).
    numbers : str
        Number policy of ``to_frame``: ``auto``, ``decimal`` or ``float``.
    flatten : bool
        Whether ``to_frame`` expands maps into columns named by path.
    notes : list of str
        Hints added to the summary line (a filter that matched nothing, a projected attribute
        no item had).
    preview : bool
        No key and no scan: only the first ``limit`` items were read (or counted).
    projected : bool
        The items hold only some attributes: a projection (``columns``) or an index that
        projects only some; their sizes are not those of the whole items read units are
        charged on.

    Examples
    --------
    >>> result = dynamo_magic.fetch("orders", "c1", env="dev")  # doctest: +SKIP
    >>> result.stats.count, result.to_frame().shape  # doctest: +SKIP
    (10, (10, 8))
    """

    items: list[WireItem]
    stats: ReadStats
    table: str
    mode: str  # query, scan, preview, partiql, count
    index: str | None = None
    key_names: tuple[str, ...] = ()
    limit: int | None = None
    numbers: str = "auto"
    flatten: bool = False
    notes: list[str] = field(default_factory=list)
    preview: bool = False  # no key and no --scan: only the first ``limit`` items (or counted)
    projected: bool = False  # only some attributes read (columns, or a partial index)
    page: int | None = None  # one page of a paged read (``paging.Pages``): its number, from 1
    # a page's word on what follows: "more follow", "more may follow" (a filter), "" (the last)
    more: str = ""

    def to_frame(self) -> pd.DataFrame:
        """The items as a DataFrame: key columns first, then attributes in first-seen order;
        dtypes per ``numbers`` (Int64, Float64 or Decimal objects), string, boolean, object
        (maps, lists, sets, bytes). ``attrs["dynamo_magic"]`` holds ``info()``."""
        frame = items_to_frame(self.items, self.key_names, self.numbers, self.flatten)
        # the attributes read: a frame that lost some (``df[[...]]``, ``drop``) holds no whole
        # items any more (``put_df`` refuses to write it back as whole items)
        frame.attrs["dynamo_magic"] = {**self.info(), "attributes": [str(c) for c in frame]}
        return frame

    def unique(self, attribute: str) -> pd.DataFrame:
        """Distinct values of ``attribute`` (a document path) with their DynamoDB types and
        counts, most frequent first; items without it are one row (``analysis.unique``)."""
        return analysis.unique(self.items, attribute, self.numbers, self.key_names)

    def summary(self) -> pd.DataFrame:
        """Per attribute (keys first): share of items having it, DynamoDB types, distinct
        values, top values (``analysis.summary``)."""
        return analysis.summary(self.items, self.numbers, self.flatten, self.key_names)

    def decoded_items(self) -> list[Item]:
        """``items`` with binaries as ``bytes`` (``codec.decode_binaries``): the form boto3's
        client gives and takes, e.g. to ``put_item`` an item read here."""
        return [decode_binaries(item) for item in self.items]

    def info(self) -> dict[str, Any]:
        """Small metadata kept in ``DataFrame.attrs['dynamo_magic']``."""
        return {
            "table": self.table,
            "index": self.index,
            "mode": self.mode,
            "count": self.stats.count,
            "evaluated": self.stats.evaluated,
            "truncated": self.stats.truncated,
            "capacity": self.stats.capacity,
            "retried": self.stats.retried,
            "summary": self.summary_line(),
            "page": self.page,
            # how the items were read: a frame of only some attributes (``projected``) or
            # with maps expanded into columns (``flatten``) does not hold whole items
            # (``put_df`` refuses to write it back as whole items)
            "projected": self.projected,
            "flatten": self.flatten,
        }

    def summary_line(self) -> str:
        """One line: items, source, mode, evaluated items, read units, retries, truncation."""
        source = f"{self.table}" + (f" (index {self.index})" if self.index else "")
        preview = self.mode == "preview" or self.preview
        if self.page is not None:
            return self._page_line(source)
        if preview:
            what = "counted " if self.mode == "count" else ""
            parts = [f"preview: {what}the first {self.stats.count:,} item(s) of {source}"]
        else:
            what = "counted" if self.mode == "count" else self.mode
            parts = [f"{self.stats.count:,} item(s) from {source}, {what}"]
        if self.stats.evaluated != self.stats.count and self.mode != "partiql":
            parts.append(f"{self.stats.evaluated:,} evaluated")
        if self.stats.capacity is not None:
            parts.append(f"{self.stats.capacity:g} read units")
        if self.stats.retried:
            parts.append(f"{self.stats.retried:,} call(s) retried after throttling or errors")
        if self.stats.truncated:
            hint = (
                "give a partition key, or scan the whole table, to read more"
                if preview
                else "raise or drop the limit to get all"
            )
            parts.append(f"truncated at {self.limit:,}: {hint}")
        return "; ".join(parts + self.notes)

    def _page_line(self, source: str) -> str:
        """``summary_line`` of one page of a paged read."""
        parts = [f"page {self.page}: {self.stats.count:,} item(s) from {source}, {self.mode}"]
        if self.stats.evaluated != self.stats.count:
            parts.append(f"{self.stats.evaluated:,} evaluated")
        if self.stats.capacity is not None:
            parts.append(f"{self.stats.capacity:g} read units")
        if self.stats.retried:
            parts.append(f"{self.stats.retried:,} call(s) retried after throttling or errors")
        parts.append(f"{self.more}: next page" if self.more else "the last page")
        return "; ".join(parts + self.notes)


def notes(
    request: ReadRequest, items: list[WireItem], stats: ReadStats, keys: tuple[str, ...]
) -> list[str]:
    """What the summary line of ``request``'s result should add: a filter that matched none of
    the items it evaluated, a selected attribute (``columns``) no item had. ``keys`` are the
    item's key names (the index's, then the table's): always present, never noted."""
    found = []
    if "FilterExpression" in request.parameters and stats.count == 0 and stats.evaluated > 0:
        found.append(no_match_note(stats.evaluated, request.filter_paths, keys))
    selected = request.column_paths
    missing = [p for p in selected if items and (len(p) > 1 or p[0] not in keys)]
    missing = [p for p in missing if not _any_has(items, p)]
    if missing:
        found.append(missing_note(missing, keys))
    return found


def no_match_note(evaluated: int, paths: Sequence[DocumentPath], keys: tuple[str, ...]) -> str:
    """Says a filter, not an empty partition, made the result empty; names the first dotted
    path, which may have been meant as one attribute with a dot in its name."""
    return f"0 of {evaluated:,} evaluated items matched the filter" + _dotted_hint(paths, keys)


def missing_note(paths: Sequence[DocumentPath], keys: tuple[str, ...]) -> str:
    """Says no item had the attributes at ``paths`` (with the hint for a dotted name)."""
    names = ", ".join(f"'{format_path(p, keys)}'" for p in paths)
    return f"no item had attribute {names}" + _dotted_hint(paths, keys)


def _dotted_hint(paths: Sequence[DocumentPath], keys: tuple[str, ...]) -> str:
    """For the first path of map keys only (``a.b``): how to name one attribute called so,
    what ``a.b`` meant before document paths."""
    dotted = next((p for p in paths if len(p) > 1 and all(isinstance(e, str) for e in p)), None)
    if dotted is None:
        return ""
    text, whole = format_path(dotted, keys), ".".join(str(e) for e in dotted)
    return (
        f" ({text} is key '{dotted[-1]}' of map '{format_path(dotted[:-1], keys)}'; "
        f"an attribute named '{whole}' is written `{whole}`)"
    )


def _any_has(items: list[Any], path: DocumentPath) -> bool:
    """Whether any projected item has ``path``. DynamoDB returns a selected list element in a
    shorter list (only the selected elements, in order), so only the part of the path before
    its first list index can be looked up as it is."""
    first_index = next((i for i, e in enumerate(path) if isinstance(e, int)), len(path))
    return any(lookup(item, path[:first_index]) is not None for item in items)
