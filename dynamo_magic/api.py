"""The façade every front end calls: one function per thing a user asks for.

Every function lists its keyword parameters (no ``**options``) and returns one type. It takes
an environment *name* (``env=None``: the configured default, else the default AWS profile),
resolves the settings once (``get_settings()``: per-call argument > ``%config DynamoMagic`` >
config file > default) and passes what lower layers need down explicitly, validates the read
(``reading.ReadSpec``) against the table's schema before reading, and raises
``DynamoMagicError`` subclasses with one-line messages naming parameters by their keywords.
Actions that write (copy, truncate, restore) log a refusal in one line (``_logs_refusals``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from . import analysis, environments, lazy, paging, reading
from .codec import Item, WireItem, decode_binaries, items_to_frame
from .dynamodb import backups as backup_admin
from .dynamodb import clients, items, read
from .dynamodb.backups import Backup
from .dynamodb.read import PageCallback
from .dynamodb.retry import RetryPolicy, policy_from
from .errors import (
    InvalidQuery,
    client_errors,
    literal,
)
from .expressions import bind_partiql
from .paths import parse_path
from .reading import ReadResult, ReadSpec, positive
from .schema import check_table_name
from .settings import (
    NUMBER_POLICIES,
    Backend,
    CopyMode,
    NumberPolicy,
    Settings,
    SortKeyOperator,
    VerifyMethod,
    check_backend,
    check_counts,
    reload_settings,
)
from .transfer import exporting, importing, transforms
from .transfer import limits as transfer_limits
from .transfer import plan as copy_plan
from .transfer import restore as restoring
from .transfer import run as copy_run
from .transfer.exporting import ExportRequest
from .transfer.exporting import export as _export
from .transfer.parallel import Progress
from .transfer.plan import CopyRequest
from .transfer.restore import RestoreResult

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    pd = lazy.module("pandas")

# what front ends need beside the functions (the types they show, the choices they offer), named
# here so that they import the façade only (tests/test_layering.py)
from .dynamodb.items import item_text as item_text
from .dynamodb.items import item_values as item_values
from .dynamodb.items import parse_item_text as parse_item_text
from .expressions import default_operator as default_operator
from .paging import DEFAULT_PAGE_SIZE as DEFAULT_PAGE_SIZE
from .paging import Pages as Pages
from .paging import key_json as key_json  # a key as DynamoDB JSON text (--start-after)
from .reading import DEFAULT_HEAD as DEFAULT_HEAD
from .schema import KeyAttribute as KeyAttribute
from .schema import KeySchema as KeySchema
from .schema import TableSchema as TableSchema
from .settings import COPY_MODES as COPY_MODES
from .settings import SORT_KEY_OPERATORS as SORT_KEY_OPERATORS
from .settings import get_settings as get_settings
from .settings import max_workers as max_workers
from .transfer.engine import CopyResult as CopyResult
from .transfer.exporting import ExportResult as ExportResult
from .transfer.job import CopyJob as CopyJob
from .transfer.plan import CopyPlan as CopyPlan
from .transfer.result import Outcome as Outcome

item_differences = items.differences  # what an edit of one item changes (the panel's editor)
item_key_text = items.key_text  # an item's key as messages show it

# The docstrings' Parameters sections are generated from the option texts (options.OPTIONS,
# options.PYTHON_ONLY) by cog between its markers: after changing a text or a signature, run
# `make cog`; tests/test_docstrings.py fails until then. The rest of each docstring is plain text.
# [[[cog
# from dynamo_magic import api
# from dynamo_magic.options import docstring as generated
# def docstring(function, **shared): cog.out(generated(function, **shared))
# ]]]
# [[[end]]]

DEFAULT_SCAN_SEGMENTS = 4  # threads for a scan into a DataFrame
Columns = str | Sequence[str]  # "a,b" text or a list of document paths
F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)


def _logs_refusals(action: str) -> Callable[[F], F]:
    """Log ``action`` refused (``UnsafeOperation``: nothing written) with its one-line reason:
    at INFO when it only waits for a confirmation (``ConfirmationRequired``), else WARNING."""
    return copy_run.logs_refusals(action, log)


# -- reading ----------------------------------------------------------------------------------
def _connect(env: str | None, settings: Settings) -> tuple[environments.Environment, Any]:
    """The environment (resolved with the call's settings) and its client (Query/Scan items
    arrive in wire form: see ``wire``)."""
    resolved = environments.resolve(env, settings)
    return resolved, clients.client(resolved)


def _number_policy(numbers: str | None, settings: Settings) -> str:
    """The number policy asked for (or configured), checked before anything is read."""
    policy = numbers or settings.numbers
    if policy not in NUMBER_POLICIES:
        raise InvalidQuery(
            f"{{numbers}} must be one of {', '.join(NUMBER_POLICIES)} (got '{literal(policy)}')",
            parameters=("numbers",),
        )
    return policy


def _spec(
    table: str,
    pk: Any,
    *,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    columns: Columns | None = None,
    limit: int | None = None,
    consistent: bool = False,
    reverse: bool = False,
    scan: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
    count: bool = False,
) -> ReadSpec:
    """The read asked for, checked as far as no table is needed."""
    check_table_name(table, "table", arn=True)
    spec = ReadSpec(
        table=table,
        pk=pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        params=params,
        columns=reading.columns_of(columns),
        consistent=consistent,
        reverse=reverse,
        count=count,
        limit=limit,
        scan=scan,
        segments=segments,
    )
    reading.check(spec)
    return spec


def _refuse_with_count(count: bool, **shaping: Any) -> None:
    """Refuse an option that shapes returned items (``head``, ``flatten``, ``numbers``) given
    with ``count``: a count returns a number, no items, so the option would do nothing."""
    given = [name for name, value in shaping.items() if value not in (None, False)]
    if count and given:
        hint = " (to count at most N items, use {limit})" if given[0] == "head" else ""
        raise InvalidQuery(
            f"{{count}} returns a number, no items, so {{{given[0]}}} has nothing to shape: "
            f"drop one of them{hint}",
            parameters=("count", given[0], "limit"),
        )


@dataclasses.dataclass(frozen=True)
class _Prepared:
    """A read ready to run: its spec, request, client and the settings' values it uses."""

    spec: ReadSpec
    request: reading.ReadRequest
    schema: TableSchema
    client: Any
    numbers: str
    segments: int
    policy: RetryPolicy


def _prepare(spec: ReadSpec, settings: Settings, env: str | None, numbers: str | None) -> _Prepared:
    """Check the settings-dependent values, describe the table and build the request."""
    number_policy = _number_policy(numbers, settings)
    segments = settings.segments if spec.segments is None else spec.segments
    check_counts(segments=segments)
    if spec.preview and spec.limit is None:  # a preview reads the first items only
        spec = dataclasses.replace(spec, limit=settings.preview_items)
    policy = policy_from(settings)
    resolved, client = _connect(env, settings)
    schema = read.describe_table(
        client, spec.table, resolved.describe(), policy=policy, env=resolved.label
    )
    request = reading.build(spec, schema)
    return _Prepared(
        spec,
        request,
        schema,
        client,
        number_policy,
        segments or DEFAULT_SCAN_SEGMENTS,
        policy,
    )


def _read(
    spec: ReadSpec,
    settings: Settings,
    env: str | None,
    numbers: str | None,
    flatten: bool,
    on_page: PageCallback | None = None,
) -> ReadResult:
    """Run ``spec``: the one read behind fetch, query, scan, count, head, unique, summary."""
    ready = _prepare(spec, settings, env, numbers)
    spec, request = ready.spec, ready.request.parameters
    if spec.scan:
        items, stats = read.parallel_scan(
            ready.client, request, ready.segments, spec.limit, on_page, policy=ready.policy
        )
    else:  # a query, or a preview: the first page(s) of an unsegmented scan
        items, stats = read.read_all(
            ready.client,
            ready.request.operation,
            request,
            spec.limit,
            on_page,
            policy=ready.policy,
        )
    return _result(ready, items, stats, flatten)


def _result(
    ready: _Prepared, items: list[WireItem], stats: reading.ReadStats, flatten: bool
) -> ReadResult:
    """The ``ReadResult`` of ``ready``'s read, with its notes."""
    spec = ready.spec
    keys = ready.schema.item_key_names(spec.index)
    result = ReadResult(
        items=items,
        stats=stats,
        table=spec.table,
        mode=spec.mode,
        index=spec.index,
        key_names=keys,
        limit=spec.limit,
        numbers=ready.numbers,
        flatten=flatten,
        preview=spec.preview,
        projected=bool(spec.columns)
        or (spec.index is not None and ready.schema.index(spec.index).projection != "ALL"),
    )
    result.notes.extend(reading.notes(ready.request, items, stats, keys))
    return result


def _paged(
    spec: ReadSpec,
    settings: Settings,
    env: str | None,
    numbers: str | None,
    flatten: bool,
    page_size: int,
    start_after: str | Mapping[str, Any] | None,
) -> paging.Pages:
    """``spec`` (a query, or a scan of the whole table or index read in order) as ``Pages``
    of ``page_size`` items, starting after ``start_after``."""
    positive(page_size, "page_size")
    ready = _prepare(spec, settings, env, numbers)
    start = (
        None
        if start_after is None
        else paging.parse_start_key(start_after, ready.schema, spec.index)
    )
    filtered = "FilterExpression" in ready.request.parameters

    def read_page(after: Item | None, size: int) -> tuple[ReadResult, Item | None]:
        request = reading.starting_after(ready.request.parameters, after)
        if filtered:
            return filtered_page(request, size)
        items, stats = read.read_all(
            ready.client, ready.request.operation, request, size, policy=ready.policy
        )
        result = _result(ready, items, stats, flatten)
        following = paging.next_key_of(items, stats.truncated, result.key_names)
        if following is not None:
            result.more = "more follow"
        return result, following

    def filtered_page(request: dict[str, Any], size: int) -> tuple[ReadResult, Item | None]:
        """One request of ``size`` items evaluated (DynamoDB's ``Limit`` applies before the
        filter), as the DynamoDB console pages a filtered scan: the matches among them (up to
        ``size``), the next page after its ``LastEvaluatedKey``. Every item is read once per
        walk; reading on until ``size`` items matched would read past the page's last item,
        and the next page would read those items again."""
        stats = reading.ReadStats()
        pages = read.iter_pages(
            ready.client,
            ready.request.operation,
            dict(request, Limit=size),
            stats,
            policy=ready.policy,
        )
        items = next(pages, [])  # the first request only: the generator goes no further
        result = _result(ready, items, stats, flatten)
        following = decode_binaries(stats.last_key) if stats.last_key else None
        if following is not None:
            result.more = "more may follow"
        return result, following

    return paging.Pages(read_page, page_size, start)


def fetch(
    table: str,
    pk: Any = None,
    *,
    env: str | None = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    columns: Columns | None = None,
    limit: int | None = None,
    consistent: bool = False,
    reverse: bool = False,
    scan: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
    count: bool = False,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
    on_page: PageCallback | None = None,
) -> ReadResult:
    # [[[cog docstring(api.fetch, raises="read")]]]
    """Read items: a query by partition key, a parallel scan (``scan=True``) or, with neither, a
    preview of the first items; the typed items with their statistics.

    ``limit`` bounds the items returned, or with ``count`` the items counted (the result then
    says it was truncated when more may match).

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): a query. ``None``:
        the first items (a preview) or, with ``scan=True``, the whole table or index.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
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
    columns : str or list of str, optional
        Projection: document paths (``addr.city``, ``items[0]``), as a list or ``"a,b"`` text;
        key attributes always come too. ``None``: every attribute.
    limit : int, optional
        Items returned (or counted) at most; ``None``: all (a preview: the ``preview_items``
        setting, 20).
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    reverse : bool, default False
        Descending sort-key order (needs ``pk``).
    scan : bool, default False
        Parallel scan of the whole table or index (no ``pk``).
    segments : int, optional
        Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the
        ``segments`` setting, else 4.
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    count : bool, default False
        DynamoDB's Select COUNT: items are counted, none returned.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).
    on_page : callable, optional
        Called with the number of items of each page as it arrives.

    Returns
    -------
    ReadResult
        ``items`` in DynamoDB's wire form (numbers as text, binaries as base64 text;
        ``decoded_items()`` gives bytes), ``stats`` (items matched and evaluated, pages, read
        units, truncation), ``to_frame()``, ``summary_line()``.

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> result = dynamo_magic.fetch("orders", "c1", env="dev", limit=5)
    >>> result.stats.count
    5
    """
    # [[[end]]]
    _refuse_with_count(count, flatten=flatten, numbers=numbers)
    settings = get_settings()
    spec = _spec(
        table,
        pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        columns=columns,
        limit=limit,
        consistent=consistent,
        reverse=reverse,
        scan=scan,
        segments=segments,
        params=params,
        count=count,
    )
    return _read(spec, settings, env, numbers, flatten, on_page)


def query(
    table: str,
    pk: Any = None,
    *,
    env: str | None = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    columns: Columns | None = None,
    limit: int | None = None,
    consistent: bool = False,
    reverse: bool = False,
    params: Mapping[str, Any] | None = None,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
) -> pd.DataFrame:
    # [[[cog docstring(api.query, returns="frame", raises="read")]]]
    """Query a table or index by partition key (or preview it without one) into a DataFrame.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): a query. ``None``:
        the first items (a preview).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
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
    columns : str or list of str, optional
        Projection: document paths (``addr.city``, ``items[0]``), as a list or ``"a,b"`` text;
        key attributes always come too. ``None``: every attribute.
    limit : int, optional
        Items returned (or counted) at most; ``None``: all (a preview: the ``preview_items``
        setting, 20).
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    reverse : bool, default False
        Descending sort-key order (needs ``pk``).
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).

    Returns
    -------
    pandas.DataFrame
        One row per item: key columns first (the index's, then the table's), then attributes in
        first-seen order. dtypes: numbers Int64, Float64 or object (Decimal) per ``numbers``;
        strings string; booleans boolean; maps, lists, sets and binaries object (dict, list,
        set, bytes); missing values NA.

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> df = dynamo_magic.query("orders", "c1", env="dev", sk="2024-01", columns=["total"])
    >>> list(df.columns)
    ['customer', 'order-date', 'total']
    """
    # [[[end]]]
    settings = get_settings()
    spec = _spec(
        table,
        pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        columns=columns,
        limit=limit,
        consistent=consistent,
        reverse=reverse,
        params=params,
    )
    return _read(spec, settings, env, numbers, flatten).to_frame()


def pages(
    table: str,
    pk: Any = None,
    *,
    env: str | None = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    columns: Columns | None = None,
    consistent: bool = False,
    reverse: bool = False,
    params: Mapping[str, Any] | None = None,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
    page_size: int = paging.DEFAULT_PAGE_SIZE,
    start_after: str | Mapping[str, Any] | None = None,
) -> Pages:
    # [[[cog docstring(api.pages, raises="read")]]]
    """Page through a query (with ``pk``) or the whole table or index (without), as a console
    pages.

    Nothing is read until a page is asked for; each page is one read of ``page_size`` items
    (DynamoDB's Limit and ExclusiveStartKey), kept, so going back reads nothing again.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): the pages of a query.
        ``None``: of the whole table or index (a scan, in order).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
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
    columns : str or list of str, optional
        Projection: document paths (``addr.city``, ``items[0]``), as a list or ``"a,b"`` text;
        key attributes always come too. ``None``: every attribute.
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    reverse : bool, default False
        Descending sort-key order (needs ``pk``).
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).
    page_size : int, default 100
        Items per page (DynamoDB's Limit); the next page starts after the page's last key. With
        a filter, those of them that match (the Limit applies before the filter).
    start_after : str or mapping, optional
        The key to start after (DynamoDB's ExclusiveStartKey): DynamoDB JSON text as a page
        prints it (``'{"pk": {"S": "a"}}'``), or a mapping of the key attributes to plain
        values. ``None``: from the start.

    Returns
    -------
    Pages
        ``first()``, ``next()``, ``previous()``: each a DataFrame (``query``'s columns and
        dtypes) of one page, made the current one; ``has_next()``, ``has_previous()``;
        ``number`` (the current page, from 1); ``start_after`` (the key the next page starts
        after, client form, ``None`` on the last page) and ``start_after_json`` (it as
        DynamoDB JSON text, for ``--start-after``); ``result`` (the page's ``ReadResult``),
        ``summary_line()``, ``frames_read()`` (every page read so far, one DataFrame).

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> walk = dynamo_magic.pages("shop", "CUSTOMER#c001", env="demo-prod", page_size=5)
    >>> walk.first().shape[0], walk.has_next()  # doctest: +SKIP
    (5, True)
    >>> walk.start_after_json  # doctest: +SKIP
    '{"pk": {"S": "CUSTOMER#c001"}, "sk": {"S": "ORDER#0005"}}'
    """
    # [[[end]]]
    settings = get_settings()
    spec = _spec(
        table,
        pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        columns=columns,
        consistent=consistent,
        reverse=reverse,
        params=params,
        scan=pk is None,
    )
    return _paged(spec, settings, env, numbers, flatten, page_size, start_after)


def scan(
    table: str,
    *,
    env: str | None = None,
    index: str | None = None,
    filter: str | None = None,
    columns: Columns | None = None,
    limit: int | None = None,
    consistent: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
) -> pd.DataFrame:
    # [[[cog docstring(api.scan, returns="frame", raises="read")]]]
    """Parallel scan of a whole table or index into a DataFrame.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    index : str, optional
        A GSI or LSI to read instead of the table.
    filter : str, optional
        Filter expression, e.g. ``"status = 'open' AND qty > :n"`` (applied by DynamoDB after
        reading: evaluated items still cost read units).
    columns : str or list of str, optional
        Projection: document paths (``addr.city``, ``items[0]``), as a list or ``"a,b"`` text;
        key attributes always come too. ``None``: every attribute.
    limit : int, optional
        Items returned (or counted) at most; ``None``: all (a preview: the ``preview_items``
        setting, 20).
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    segments : int, optional
        Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the
        ``segments`` setting, else 4.
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).

    Returns
    -------
    pandas.DataFrame
        One row per item: key columns first (the index's, then the table's), then attributes in
        first-seen order. dtypes: numbers Int64, Float64 or object (Decimal) per ``numbers``;
        strings string; booleans boolean; maps, lists, sets and binaries object (dict, list,
        set, bytes); missing values NA.

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> df = dynamo_magic.scan("orders", env="dev", filter="region = 'eu'", segments=8)
    """
    # [[[end]]]
    settings = get_settings()
    spec = _spec(
        table,
        None,
        index=index,
        filter=filter,
        columns=columns,
        limit=limit,
        consistent=consistent,
        scan=True,
        segments=segments,
        params=params,
    )
    return _read(spec, settings, env, numbers, flatten).to_frame()


def iter_frames(
    table: str,
    pk: Any = None,
    *,
    env: str | None = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    columns: Columns | None = None,
    limit: int | None = None,
    consistent: bool = False,
    reverse: bool = False,
    scan: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
) -> Iterator[pd.DataFrame]:
    # [[[cog docstring(api.iter_frames, raises="read")]]]
    """Read page by page, one DataFrame per page of items, holding no more than one page: for
    results too large for one DataFrame. The checks run at the call, before the first frame is
    asked for.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): a query. ``None``:
        the first items (a preview) or, with ``scan=True``, the whole table or index.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
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
    columns : str or list of str, optional
        Projection: document paths (``addr.city``, ``items[0]``), as a list or ``"a,b"`` text;
        key attributes always come too. ``None``: every attribute.
    limit : int, optional
        Items returned (or counted) at most; ``None``: all (a preview: the ``preview_items``
        setting, 20).
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    reverse : bool, default False
        Descending sort-key order (needs ``pk``).
    scan : bool, default False
        Parallel scan of the whole table or index (no ``pk``).
    segments : int, optional
        Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the
        ``segments`` setting, else 4.
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).

    Returns
    -------
    iterator of pandas.DataFrame
        One frame per page that holds items (pages of up to 1 MB; a page the filter emptied is
        skipped), with ``query``'s column rules: key columns first, then attributes in the
        page's first-seen order; dtypes as ``query`` gives for that page. A scan reads its
        segments one after another.

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> for page in dynamo_magic.iter_frames("events", scan=True, env="dev"):
    ...     total += page["seq"].sum()
    """
    # [[[end]]]
    settings = get_settings()
    spec = _spec(
        table,
        pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        columns=columns,
        limit=limit,
        consistent=consistent,
        reverse=reverse,
        scan=scan,
        segments=segments,
        params=params,
    )
    ready = _prepare(spec, settings, env, numbers)  # errors now, not at the first next()
    return _frames(ready, flatten)


def _frames(ready: _Prepared, flatten: bool) -> Iterator[pd.DataFrame]:
    spec = ready.spec
    keys = ready.schema.item_key_names(spec.index)
    segments = ready.segments if spec.scan else 1
    stats = read.ReadStats()
    pages = read.iter_read(
        ready.client,
        ready.request.operation,
        ready.request.parameters,
        stats,
        spec.limit,
        segments,
        policy=ready.policy,
    )
    yielded = False
    for page in pages:
        if page:
            yielded = True
            yield items_to_frame(page, keys, ready.numbers, flatten)
    if not yielded:  # nothing matched: one empty frame (as ``query`` gives), never none
        yield items_to_frame([], keys, ready.numbers, flatten)


def count(
    table: str,
    pk: Any = None,
    *,
    env: str | None = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    limit: int | None = None,
    consistent: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
) -> int:
    # [[[cog docstring(api.count, raises="read")]]]
    """Number of matching items, counted by DynamoDB (Select COUNT: no items are transferred);
    without a key, of the whole table or index (a parallel scan; ``limit`` stops it early).

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): the items of one
        partition. ``None``: of the whole table or index (a parallel scan).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
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
    limit : int, optional
        Items returned (or counted) at most; ``None``: all (a preview: the ``preview_items``
        setting, 20).
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    segments : int, optional
        Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the
        ``segments`` setting, else 4.
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.

    Returns
    -------
    int
        Items matched (at most ``limit``).

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> dynamo_magic.count("orders", "c1", env="dev")
    10
    """
    # [[[end]]]
    settings = get_settings()
    spec = _spec(
        table,
        pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        limit=limit,
        consistent=consistent,
        scan=pk is None,  # no key: the whole table or index, never a preview
        segments=segments,
        params=params,
        count=True,
    )
    return _read(spec, settings, env, None, False).stats.count


def head(
    table: str,
    pk: Any = None,
    n: int = DEFAULT_HEAD,
    *,
    env: str | None = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    columns: Columns | None = None,
    consistent: bool = False,
    reverse: bool = False,
    scan: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
) -> pd.DataFrame:
    # [[[cog docstring(api.head, returns="frame", raises="read")]]]
    """The first ``n`` items of a query (or of the table, without a key). Only ``n`` items are read
    (DynamoDB's Limit) unless a filter makes more pages necessary.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): a query. ``None``:
        the first items (a preview) or, with ``scan=True``, the whole table or index.
    n : int, default 5
        Items to return (DynamoDB's Limit: only these are read when there is no filter).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
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
    columns : str or list of str, optional
        Projection: document paths (``addr.city``, ``items[0]``), as a list or ``"a,b"`` text;
        key attributes always come too. ``None``: every attribute.
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    reverse : bool, default False
        Descending sort-key order (needs ``pk``).
    scan : bool, default False
        Parallel scan of the whole table or index (no ``pk``).
    segments : int, optional
        Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the
        ``segments`` setting, else 4.
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).

    Returns
    -------
    pandas.DataFrame
        One row per item: key columns first (the index's, then the table's), then attributes in
        first-seen order. dtypes: numbers Int64, Float64 or object (Decimal) per ``numbers``;
        strings string; booleans boolean; maps, lists, sets and binaries object (dict, list,
        set, bytes); missing values NA.

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> dynamo_magic.head("orders", "c1", n=3, env="dev").shape[0]
    3
    """
    # [[[end]]]
    positive(n, "n")
    settings = get_settings()
    spec = _spec(
        table,
        pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        columns=columns,
        limit=n,
        consistent=consistent,
        reverse=reverse,
        scan=scan,
        segments=segments,
        params=params,
    )
    return _read(spec, settings, env, numbers, flatten).to_frame()


def unique(
    table: str,
    attribute: str,
    pk: Any = None,
    *,
    env: str | None = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    limit: int | None = None,
    consistent: bool = False,
    reverse: bool = False,
    scan: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
    numbers: NumberPolicy | None = None,
) -> pd.DataFrame:
    # [[[cog docstring(api.unique, raises="read")]]]
    """Distinct values of ``attribute`` (any type) with counts; items without it are one row.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    attribute : str
        The attribute (a document path such as ``addr.city``).
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): a query. ``None``:
        the first items (a preview) or, with ``scan=True``, the whole table or index.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
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
    limit : int, optional
        Items returned (or counted) at most; ``None``: all (a preview: the ``preview_items``
        setting, 20).
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    reverse : bool, default False
        Descending sort-key order (needs ``pk``).
    scan : bool, default False
        Parallel scan of the whole table or index (no ``pk``).
    segments : int, optional
        Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the
        ``segments`` setting, else 4.
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.

    Returns
    -------
    pandas.DataFrame
        One row per distinct value, most frequent first: the value (column named after the
        attribute; object), its DynamoDB type (``type``, string; ``<missing>`` for items without
        it) and ``count`` (Int64, items).

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> dynamo_magic.unique("orders", "status", "c1", env="dev")
    """
    # [[[end]]]
    settings = get_settings()
    spec = _spec(
        table,
        pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        limit=limit,
        consistent=consistent,
        reverse=reverse,
        scan=scan,
        segments=segments,
        params=params,
    )
    _check_path(attribute, table, env, index, settings)
    result = _read(spec, settings, env, numbers, False)
    return result.unique(attribute)


def summary(
    table: str,
    pk: Any = None,
    *,
    env: str | None = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    columns: Columns | None = None,
    limit: int | None = None,
    consistent: bool = False,
    reverse: bool = False,
    scan: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
) -> pd.DataFrame:
    # [[[cog docstring(api.summary, raises="read")]]]
    """Per attribute: share present, DynamoDB types, distinct values, top values.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): a query. ``None``:
        the first items (a preview) or, with ``scan=True``, the whole table or index.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
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
    columns : str or list of str, optional
        Projection: document paths (``addr.city``, ``items[0]``), as a list or ``"a,b"`` text;
        key attributes always come too. ``None``: every attribute.
    limit : int, optional
        Items returned (or counted) at most; ``None``: all (a preview: the ``preview_items``
        setting, 20).
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    reverse : bool, default False
        Descending sort-key order (needs ``pk``).
    scan : bool, default False
        Parallel scan of the whole table or index (no ``pk``).
    segments : int, optional
        Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the
        ``segments`` setting, else 4.
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).

    Returns
    -------
    pandas.DataFrame
        One row per attribute (index: its path), keys first: ``present`` (Float64, share of
        items having it), ``types`` (string, DynamoDB types), ``distinct`` (Int64), ``top
        values`` (object: list of (value, count) pairs).

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> dynamo_magic.summary("orders", "c1", env="dev")
    """
    # [[[end]]]
    settings = get_settings()
    spec = _spec(
        table,
        pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        columns=columns,
        limit=limit,
        consistent=consistent,
        reverse=reverse,
        scan=scan,
        segments=segments,
        params=params,
    )
    result = _read(spec, settings, env, numbers, flatten)
    return result.summary()


def _describe(table: str, env: str | None, settings: Settings) -> TableSchema:
    resolved, client = _connect(env, settings)
    return read.describe_table(
        client, table, resolved.describe(), policy=policy_from(settings), env=resolved.label
    )


def describe(table: str, env: str | None = None) -> TableSchema:
    # [[[cog docstring(api.describe)]]]
    """The table's keys (with types), GSIs/LSIs and projections, billing mode, approximate size.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.

    Returns
    -------
    TableSchema
        ``key`` (partition and sort key with types S/N/B), ``indexes``, ``billing_mode``,
        ``item_count`` and ``size_bytes`` (DynamoDB's, refreshed about every 6 hours),
        ``describe_rows()`` for a table of them.

    Raises
    ------
    TableNotFound
        The table does not exist in ``env``.
    InvalidQuery
        ``table`` is not a table name.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.

    Examples
    --------
    >>> print(dynamo_magic.describe("orders", env="dev"))
    """
    # [[[end]]]
    check_table_name(table, "table", arn=True)
    return _describe(table, env, get_settings())


def _check_path(
    text: str, table: str, env: str | None, index: str | None, settings: Settings
) -> None:
    """Refuse a malformed path before reading anything; a key name (dots and all) is fine."""
    try:
        parse_path(text)
    except InvalidQuery:
        if text.strip() not in _describe(table, env, settings).item_key_names(index):
            raise


# -- PartiQL -----------------------------------------------------------------------------------


def run_partiql(
    statement: str,
    params: Mapping[str, Any] | list[Any] | None = None,
    *,
    env: str | None = None,
    limit: int | None = None,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
    lookup: Callable[[str], Any] | None = None,
) -> ReadResult:
    # [[[cog docstring(api.run_partiql, raises="partiql")]]]
    """A PartiQL SELECT with bound parameters (``?`` with a list, ``:name`` with a mapping).

    Parameters
    ----------
    statement : str
        A PartiQL SELECT, with ``?`` or ``:name`` markers.
    params : list or mapping, optional
        Values of the ``?`` markers (a list) or of the ``:name`` markers (a mapping).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    limit : int, optional
        Items returned at most; ``None``: all.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).
    lookup : callable, optional
        Gives the value of a ``:name`` marker missing from ``params`` (the magics look up
        notebook variables).

    Returns
    -------
    ReadResult
        Items in the same wire form as ``fetch`` gives (ExecuteStatement goes through the same
        fast path); ``decoded_items()`` gives bytes.

    Raises
    ------
    InvalidQuery
        Not a SELECT, a marker without a value, a bad limit or number policy.
    TableNotFound
        The statement's table does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the statement (after retries).

    Examples
    --------
    >>> dynamo_magic.run_partiql('SELECT * FROM "orders" WHERE customer = ?', ["c1"])
    """
    # [[[end]]]
    settings = get_settings()
    number_policy = _number_policy(numbers, settings)
    positive(limit, "limit")  # a limit of -1 would drop the last item of the page
    text, bound = bind_partiql(statement, params, lookup)
    _, client = _connect(env, settings)
    items, stats = read.partiql(client, text, bound, limit, policy=policy_from(settings))
    return ReadResult(
        items=items,
        stats=stats,
        table=_statement_table(text),
        mode="partiql",
        limit=limit,
        numbers=number_policy,
        flatten=flatten,
    )


def partiql(
    statement: str,
    params: Mapping[str, Any] | list[Any] | None = None,
    *,
    env: str | None = None,
    limit: int | None = None,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
    lookup: Callable[[str], Any] | None = None,
) -> pd.DataFrame:
    # [[[cog docstring(api.partiql, raises="partiql")]]]
    """A PartiQL SELECT into a DataFrame.

    Parameters
    ----------
    statement : str
        A PartiQL SELECT, with ``?`` or ``:name`` markers.
    params : list or mapping, optional
        Values of the ``?`` markers (a list) or of the ``:name`` markers (a mapping).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    limit : int, optional
        Items returned at most; ``None``: all.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).
    lookup : callable, optional
        Gives the value of a ``:name`` marker missing from ``params`` (the magics look up
        notebook variables).

    Returns
    -------
    pandas.DataFrame
        One row per item: columns, then attributes in first-seen order. dtypes: numbers Int64,
        Float64 or object (Decimal) per ``numbers``; strings string; booleans boolean; maps,
        lists, sets and binaries object (dict, list, set, bytes); missing values NA.

    Raises
    ------
    InvalidQuery
        Not a SELECT, a marker without a value, a bad limit or number policy.
    TableNotFound
        The statement's table does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the statement (after retries).

    Examples
    --------
    >>> dynamo_magic.partiql("SELECT * FROM orders WHERE customer = :who", {"who": "c1"})
    """
    # [[[end]]]
    return run_partiql(
        statement, params, env=env, limit=limit, numbers=numbers, flatten=flatten, lookup=lookup
    ).to_frame()


def _statement_table(statement: str) -> str:
    match = re.search(r'(?is)\bfrom\s+("(?:[^"]|"")+"|[A-Za-z0-9_.\-]+)', statement)
    return match.group(1).strip('"') if match else "?"


# -- exploring: what the query front ends show ---------------------------------------------------
@dataclasses.dataclass
class Exploration:
    """What a query front end shows: the read and the view of it asked for.

    Attributes
    ----------
    result : ReadResult
        The read (items, statistics, notes).
    kind : {'items', 'unique', 'summary', 'count'}
        The view.
    frame : pandas.DataFrame or None
        The items (``query``'s frame), the unique values (``unique``'s) or the attribute
        summary (``summary``'s), cut to ``head`` rows; ``None`` for ``count``.
    count : int or None
        Items counted, for ``count``; else ``None``.
    title : str
        What the view shows ("items", "unique values of status", ...).

    Examples
    --------
    >>> found = dynamo_magic.explore("orders", "c1", env="dev", unique="status")
    >>> found.kind, found.frame.shape[1]
    ('unique', 3)
    """

    result: ReadResult
    kind: str
    frame: pd.DataFrame | None
    count: int | None
    title: str
    # a page (``page_size``): the key the next page starts after, DynamoDB JSON (None: the last)
    start_after: str | None = None

    @property
    def summary_line(self) -> str:
        """The read's one-line summary (items, source, evaluated, read units, notes)."""
        return self.result.summary_line()


def explore(
    table: str,
    pk: Any = None,
    *,
    head: int | None = None,
    unique: str | None = None,
    summary: bool = False,
    env: str | None = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    columns: Columns | None = None,
    limit: int | None = None,
    consistent: bool = False,
    reverse: bool = False,
    scan: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
    count: bool = False,
    numbers: NumberPolicy | None = None,
    flatten: bool = False,
    on_page: PageCallback | None = None,
    page_size: int | None = None,
    start_after: str | Mapping[str, Any] | None = None,
) -> Exploration:
    # [[[cog docstring(api.explore, raises="read")]]]
    """Read, then shape the result the way ``%dynamo_query`` and ``dynamo query`` ask: the count, a
    unique-values table, an attribute summary, the first ``head`` items, or all.

    ``head`` alone reads only ``head`` items (DynamoDB's Limit); with ``unique`` or ``summary``
    every matching item is analysed and ``head`` rows are shown.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value (typed from the table's AttributeDefinitions): a query. ``None``:
        the first items (a preview) or, with ``scan=True``, the whole table or index.
    head : int, optional
        Rows to show; alone, only this many items are read.
    unique : str, optional
        Show the distinct values of this attribute (a path: ``addr.city``) with counts.
    summary : bool, default False
        Show one row per attribute (share present, types, distinct values, top values).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
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
    columns : str or list of str, optional
        Projection: document paths (``addr.city``, ``items[0]``), as a list or ``"a,b"`` text;
        key attributes always come too. ``None``: every attribute.
    limit : int, optional
        Items returned (or counted) at most; ``None``: all (a preview: the ``preview_items``
        setting, 20).
    consistent : bool, default False
        Strongly consistent read (twice the read units; not offered on GSIs).
    reverse : bool, default False
        Descending sort-key order (needs ``pk``).
    scan : bool, default False
        Parallel scan of the whole table or index (no ``pk``).
    segments : int, optional
        Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the
        ``segments`` setting, else 4.
    params : mapping of str to value, optional
        Values of the filter's ``:name`` placeholders.
    count : bool, default False
        DynamoDB's Select COUNT: items are counted, none returned.
    numbers : {'auto', 'decimal', 'float'}, optional
        Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),
        decimal or float; ``None``: the ``numbers`` setting.
    flatten : bool, default False
        Expand maps into columns named by path (addr.city).
    on_page : callable, optional
        Called with the number of items of each page as it arrives.
    page_size : int, optional
        Read one page of this many items (after ``start_after``) instead of everything; the view
        shows that page.
    start_after : str or mapping, optional
        The key to start after (DynamoDB's ExclusiveStartKey): DynamoDB JSON text as a page
        prints it (``'{"pk": {"S": "a"}}'``), or a mapping of the key attributes to plain
        values. ``None``: from the start.

    Returns
    -------
    Exploration
        ``kind`` ('items', 'unique', 'summary' or 'count'), ``frame`` (a DataFrame, None for a
        count), ``count`` (int for a count, else None), ``result``, ``title``, ``summary_line``.

    Raises
    ------
    InvalidQuery
        A bad key condition, filter, projection, limit or option combination.
    TableNotFound
        The table (``IndexNotFound``: the index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    Throttled, AccessDenied, ServiceError
        DynamoDB refused the read (after retries).

    Examples
    --------
    >>> dynamo_magic.explore("orders", "c1", env="dev", head=3).frame.shape[0]
    3
    """
    # [[[end]]]
    if sum(bool(x) for x in (unique, summary, count)) > 1:
        raise InvalidQuery(
            "choose one of {unique}, {summary} and {count}",
            parameters=("unique", "summary", "count"),
        )
    _refuse_with_count(count, head=head, flatten=flatten, numbers=numbers)
    analysed = bool(unique or summary)
    # before the read: head N alone reads N items, so a bad N would be reported as the limit
    positive(head, "head", "rows" if analysed else "items")
    paged = page_size is not None or start_after is not None  # head then shows the page's first
    if head is not None and not analysed and not paged:
        limit = head if limit is None else min(head, limit)
    if unique and columns is not None:  # the analysed attribute is read too, as keys are
        names = reading.columns_of(columns)
        columns = names if unique in names else (*names, unique)
    settings = get_settings()
    spec = _spec(
        table,
        pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        filter=filter,
        columns=columns,
        limit=limit,
        consistent=consistent,
        reverse=reverse,
        scan=scan,
        segments=segments,
        params=params,
        count=count,
    )
    if unique:
        _check_path(unique, table, env, index, settings)
    following: str | None = None
    if paged:
        _refuse_with_paging(count=count, limit=limit, segments=segments)
        spec = dataclasses.replace(spec, scan=pk is None, limit=None)
        size = paging.DEFAULT_PAGE_SIZE if page_size is None else page_size
        walk = _paged(spec, settings, env, numbers, flatten, size, start_after)
        walk.first()
        result, following = walk.result, walk.start_after_json
    else:
        result = _read(spec, settings, env, numbers, flatten, on_page)
    if result.mode == "count":
        return Exploration(result, "count", None, result.stats.count, "count")
    if unique:
        view = result.unique(unique)
        if result.items and analysis.missing_rows(view).all():  # every item lacked it
            note = reading.missing_note([parse_path(unique, result.key_names)], result.key_names)
            if note not in result.notes:
                result.notes.append(note)
        frame = view.head(head) if head else view
        title = f"unique values of {unique}"
        return Exploration(result, "unique", frame, None, title, following)
    if summary:
        view = result.summary()
        frame = view.head(head) if head else view
        return Exploration(result, "summary", frame, None, "attribute summary", following)
    frame = result.to_frame()
    shown = frame.head(head) if head else frame
    return Exploration(result, "items", shown, None, "items", following)


def _refuse_with_paging(**given: Any) -> None:
    """Refuse an option that reads differently from one page at a time (``count``, ``limit``,
    ``segments``) given with ``page_size`` or ``start_after``."""
    for name, value in given.items():
        if value not in (None, False):
            raise InvalidQuery(
                f"{{page_size}} reads one page in order, so {{{name}}} does not apply: drop "
                f"one of them",
                parameters=("page_size", name),
            )


# -- copying, backups, restore, truncate ---------------------------------------------------------


def _copy_request(
    table: str,
    settings: Settings,
    *,
    source: str | None,
    target: str | None,
    target_table: str | None,
    target_region: str | None,
    pk: Any,
    sk: Any,
    sk_op: SortKeyOperator | None,
    sk2: Any,
    index: str | None,
    mode: CopyMode,
    backup: bool,
    verify: VerifyMethod | None,
    transform: Callable[..., Any] | str | None = None,
    max_write_units: float | str | None = None,
    max_read_units: float | str | None = None,
    copy_settings: bool = False,
) -> CopyRequest:
    """The copy asked for, with the table names checked (no ARN: the target's table is named
    after the source's, and backups and failed-item files after the target's)."""
    check_table_name(table, "table")
    if target_table is not None:
        check_table_name(target_table, "target_table")
    request = CopyRequest(
        table=table,
        source=source,
        target=target,
        target_table=target_table,
        target_region=target_region,
        pk=pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        mode=mode,
        backup=backup,
        verify=verify or settings.verify,
        transform=transforms.resolve(transform),
        max_write_units=max_write_units,
        max_read_units=max_read_units,
        copy_settings=bool(copy_settings),
    )
    copy_plan.check_modes(request)  # before any call
    copy_plan.slice_spec(request)  # the slice as every read is checked, before any call
    return request


def check_copy_run(
    pk: Any = None,
    *,
    workers: int | None = None,
    segments: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    what: str = "copy",
) -> None:
    """Refuse run options (``workers``, ``segments``, ``backend``, ``scheduler``) no copy can
    use, before
    anything is read: what ``copy`` checks and what a dry run (``plan_copy``, which takes no
    run options) checks of the same options in the front ends. ``what`` names the run in the
    messages (``"copy"``, ``"export"``).

    Raises
    ------
    UsageProblem
        ``workers`` or ``segments`` outside their bounds, an unknown ``backend``, a
        ``scheduler`` without ``backend="dask"``.
    InvalidQuery
        ``segments`` with a slice (``pk``): a slice is read by one query, never scanned.
    """
    check_counts(workers=workers, segments=segments)
    check_backend(backend, scheduler)
    if pk is not None and segments is not None:
        raise InvalidQuery(
            f"{{segments}} splits the scan of a whole-table {what}; a slice ({{pk}}) is read by "
            "one query: drop {segments}",
            parameters=("segments", "pk"),
        )


@_logs_refusals("copy plan")
def plan_copy(
    table: str,
    *,
    source: str | None,
    target: str | None,
    target_table: str | None = None,
    target_region: str | None = None,
    pk: Any = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    mode: CopyMode = "replace",
    backup: bool = True,
    verify: VerifyMethod | None = None,
    transform: Callable[..., Any] | str | None = None,
    max_write_units: float | str | None = None,
    max_read_units: float | str | None = None,
    copy_settings: bool = False,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path = False,
) -> CopyPlan:
    # [[[cog docstring(api.plan_copy)]]]
    """Check a copy and estimate it, writing nothing: the dry run.

    Parameters
    ----------
    table : str
        Source table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN: the target's table,
        backups and failed-item files are named after it).
    source : str or None
        Environment to copy from (``None``: the default).
    target : str or None
        Environment to copy into (``None``: the default).
    target_table : str, optional
        Target table name (default: the source's).
    target_region : str, optional
        Target region (default: the profile's).
    pk : str, int, float, Decimal or bytes, optional
        Partition key value of the slice to copy (of ``index`` if given); ``None``: the whole
        table.
    sk : str, int, float, Decimal or bytes, optional
        Sort key value of the condition ``sk_op`` (the lower bound of ``between``).
    sk_op : {'begins_with', '=', '<', '<=', '>', '>=', 'between'}, optional
        Sort-key operator; ``None``: begins_with on a string or binary sort key, = on a number.
    sk2 : str, int, float, Decimal or bytes, optional
        Upper bound of ``sk_op='between'``.
    index : str, optional
        A GSI or LSI to read instead of the table.
    mode : {'replace', 'truncate', 'merge'}, default 'replace'
        replace: put every source item, then delete target items whose key is not in the source;
        truncate: delete first; merge: puts only.
    backup : bool, default True
        Take an on-demand backup of a non-empty target (or table) first.
    verify : {'count', 'full', 'none'}, optional
        Check after copying; ``None``: the ``verify`` setting (count).
    transform : callable or str, optional
        A function applied to every item in the workers: it gets the item as Python values
        (``Decimal`` numbers, ``bytes``, sets, dicts, lists) and returns an item, a list of
        items (fan-out) or ``None`` (drop it); or ``'module:function'`` text, imported with the
        current folder on ``sys.path``. An exception in it stops the copy naming the item's key
        (resumable once fixed); items whose key does not fit the target are saved as failed.
        Verification compares the target with the source as it transforms it.
    max_write_units : int, float or str, optional
        Write units per second the copy may use, all its workers together (puts and deletes): a
        number, or ``"P%"`` of the target's provisioned write capacity (of its on-demand maximum
        for an on-demand table that has one); ``None``: unlimited. Throttling slows the copy
        down, it does not fail it.
    max_read_units : int, float or str, optional
        Read units per second the copy may use, all its workers together (the source's reads,
        key lookups, the prune's and the verification's reads): a number, or ``"P%"`` of the
        source's provisioned read capacity (of its on-demand maximum for an on-demand table that
        has one); ``None``: unlimited.
    copy_settings : bool, default False
        Give a target the copy creates the source's TTL attribute, stream, point-in-time
        recovery, tags and deletion protection (the plan lists them, the result says what was
        applied; one the service refuses is named in the result, the items are copied all the
        same). An existing target's settings are left as they are.
    checkpoint : str or Path, optional
        Where the copy's checkpoint file goes (JSON: what a resume needs, saved as the copy
        goes); ``None``: a new file under ``$XDG_CACHE_HOME/dynamo_magic/checkpoints``
        (``~/.cache/...``). The result and the job name it (``checkpoint``).
    resume : bool, str or Path, default False
        Continue a copy that did not end: ``True``, from the newest unfinished checkpoint of the
        same copy (environments, tables and slice), or from the checkpoint file at this path.
        Segments done are skipped, the others start after their saved key; the target, backup
        and truncate are not done again; replace-mode deletes run once every segment is copied.
        A checkpoint of another copy (table, slice, mode, segments) is refused with the
        difference named.

    Returns
    -------
    CopyPlan
        Both sides, the slice, source items (exact or estimated) and bytes, whether the target
        is created or backed up, deletes, estimated read/write units, the verification and what
        needs ``yes``; ``str(plan)`` is the readable dry run.

    Raises
    ------
    InvalidQuery
        A bad table name, slice, mode or verification method.
    UnsafeOperation
        Source and target are the same table, or their key schemas differ.
    TableNotFound
        The source table (or the slice's index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        An environment cannot be used.

    Examples
    --------
    >>> print(dynamo_magic.plan_copy("orders", source="dev", target="stage"))
    """
    # [[[end]]]
    settings = get_settings()
    request = _copy_request(
        table,
        settings,
        source=source,
        target=target,
        target_table=target_table,
        target_region=target_region,
        pk=pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        mode=mode,
        backup=backup,
        verify=verify,
        transform=transform,
        max_write_units=max_write_units,
        max_read_units=max_read_units,
        copy_settings=copy_settings,
    )
    return copy_run.plan(request, settings, checkpoint=checkpoint, resume=resume)


def start_copy(
    table: str,
    *,
    source: str | None,
    target: str | None,
    target_table: str | None = None,
    target_region: str | None = None,
    pk: Any = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    mode: CopyMode = "replace",
    backup: bool = True,
    verify: VerifyMethod | None = None,
    transform: Callable[..., Any] | str | None = None,
    max_write_units: float | str | None = None,
    max_read_units: float | str | None = None,
    copy_settings: bool = False,
    yes: bool = False,
    workers: int | None = None,
    segments: int | None = None,
    backend: Backend | None = None,
    scheduler: str | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> CopyJob:
    # [[[cog docstring(api.start_copy)]]]
    """Start a copy of a table (or a slice: ``pk``, ``sk``, ``index``) from ``source`` to
    ``target`` in a thread of its own and return at once: a ``CopyJob`` to watch
    (``progress()``), stop (``cancel()``) or wait for (``result()``). The job's worker processes
    are gone when it ends.

    Keywords no copy can use are refused here, before any request and before any thread; what
    the plan refuses (the tables, the confirmation) is raised by ``result()``. ``copy`` is
    ``start_copy(...).result()``.

    Parameters
    ----------
    table : str
        Source table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN: the target's table,
        backups and failed-item files are named after it).
    source : str or None
        Environment to copy from (``None``: the default).
    target : str or None
        Environment to copy into (``None``: the default).
    target_table : str, optional
        Target table name (default: the source's).
    target_region : str, optional
        Target region (default: the profile's).
    pk : str, int, float, Decimal or bytes, optional
        Partition key value of the slice to copy (of ``index`` if given); ``None``: the whole
        table.
    sk : str, int, float, Decimal or bytes, optional
        Sort key value of the condition ``sk_op`` (the lower bound of ``between``).
    sk_op : {'begins_with', '=', '<', '<=', '>', '>=', 'between'}, optional
        Sort-key operator; ``None``: begins_with on a string or binary sort key, = on a number.
    sk2 : str, int, float, Decimal or bytes, optional
        Upper bound of ``sk_op='between'``.
    index : str, optional
        A GSI or LSI to read instead of the table.
    mode : {'replace', 'truncate', 'merge'}, default 'replace'
        replace: put every source item, then delete target items whose key is not in the source;
        truncate: delete first; merge: puts only.
    backup : bool, default True
        Take an on-demand backup of a non-empty target (or table) first.
    verify : {'count', 'full', 'none'}, optional
        Check after copying; ``None``: the ``verify`` setting (count).
    transform : callable or str, optional
        A function applied to every item in the workers: it gets the item as Python values
        (``Decimal`` numbers, ``bytes``, sets, dicts, lists) and returns an item, a list of
        items (fan-out) or ``None`` (drop it); or ``'module:function'`` text, imported with the
        current folder on ``sys.path``. An exception in it stops the copy naming the item's key
        (resumable once fixed); items whose key does not fit the target are saved as failed.
        Verification compares the target with the source as it transforms it.
    max_write_units : int, float or str, optional
        Write units per second the copy may use, all its workers together (puts and deletes): a
        number, or ``"P%"`` of the target's provisioned write capacity (of its on-demand maximum
        for an on-demand table that has one); ``None``: unlimited. Throttling slows the copy
        down, it does not fail it.
    max_read_units : int, float or str, optional
        Read units per second the copy may use, all its workers together (the source's reads,
        key lookups, the prune's and the verification's reads): a number, or ``"P%"`` of the
        source's provisioned read capacity (of its on-demand maximum for an on-demand table that
        has one); ``None``: unlimited.
    copy_settings : bool, default False
        Give a target the copy creates the source's TTL attribute, stream, point-in-time
        recovery, tags and deletion protection (the plan lists them, the result says what was
        applied; one the service refuses is named in the result, the items are copied all the
        same). An existing target's settings are left as they are.
    yes : bool, default False
        Confirm writing into a non-empty or protected target.
    workers : int, optional
        Parallel workers (at least 1): threads, or processes with the ``loky`` backend; each
        keeps 4 writes and a read in flight. ``None``: the ``workers`` setting, else two per CPU
        core.
    segments : int, optional
        Parallel scan segments of the source (1 to 1,000,000); ``None``: the ``segments``
        setting, else four per worker.
    backend : {'auto', 'loky', 'threading', 'dask'}, optional
        Where the workers run: ``auto`` (threads), ``threading``, ``loky`` (processes of this
        machine) or ``dask`` (the workers of a Dask cluster: ``scheduler``, else the active
        ``distributed.Client``; needs ``dynamo_magic[dask]``). ``None``: auto.
    scheduler : str, optional
        The Dask scheduler's address (``tcp://HOST:8786``) for ``backend='dask'``; ``None``: the
        active ``distributed.Client``. The cluster is checked before anything is written
        (reachable within 10 s, at least one worker, every worker with this version of
        dynamo_magic): ``ClusterUnavailable`` otherwise.
    checkpoint : str or Path, optional
        Where the copy's checkpoint file goes (JSON: what a resume needs, saved as the copy
        goes); ``None``: a new file under ``$XDG_CACHE_HOME/dynamo_magic/checkpoints``
        (``~/.cache/...``). The result and the job name it (``checkpoint``).
    resume : bool, str or Path, default False
        Continue a copy that did not end: ``True``, from the newest unfinished checkpoint of the
        same copy (environments, tables and slice), or from the checkpoint file at this path.
        Segments done are skipped, the others start after their saved key; the target, backup
        and truncate are not done again; replace-mode deletes run once every segment is copied.
        A checkpoint of another copy (table, slice, mode, segments) is refused with the
        difference named.
    progress : Progress, optional
        Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:
        ``Outcome`` success, cancelled or failed); ``None``: no progress.
    cancel : threading.Event, optional
        Set it from another thread (a panel's Cancel button) to stop the copy as Ctrl-C does:
        every worker stops within the request it has in flight and ``CopyFailed`` is raised with
        the result ``interrupted``, its counts exactly what the target acknowledged.

    Returns
    -------
    CopyJob
        ``progress()`` (a ``CopyProgress``: phase, items read, written, deleted, retried and
        failed so far, items/s, seconds), ``cancel()``, ``done()``, ``result(timeout=None)``
        (the CopyResult, raising what ``copy`` raises), ``checkpoint``.

    Raises
    ------
    InvalidQuery
        A bad table name, slice, mode, verification method, ``progress`` or ``cancel``: raised
        by ``start_copy`` itself.
    UsageProblem
        ``workers``, ``segments`` or ``backend`` out of bounds: raised by ``start_copy``.
    DynamoMagicError
        Raised by ``result()``: what ``copy`` raises (``UnsafeOperation``, ``TableNotFound``,
        ``ConfirmationRequired``, ``CopyFailed``, ...).

    Examples
    --------
    >>> job = dynamo_magic.start_copy("orders", source="dev", target="stage", yes=True)
    >>> job.progress().written
    1200
    >>> job.result().summary_line()
    """
    # [[[end]]]
    _check_progress(progress)
    _check_cancel(cancel)
    settings = get_settings()
    request = _copy_request(
        table,
        settings,
        source=source,
        target=target,
        target_table=target_table,
        target_region=target_region,
        pk=pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        mode=mode,
        backup=backup,
        verify=verify,
        transform=transform,
        max_write_units=max_write_units,
        max_read_units=max_read_units,
        copy_settings=copy_settings,
    )  # names checked before workers are warmed for them
    # the call's run options (the settings' own were checked when the settings were made)
    check_copy_run(pk, workers=workers, segments=segments, backend=backend, scheduler=scheduler)
    resume = _check_resume(resume, checkpoint)
    return copy_run.start_copy(
        request,
        settings,
        yes=yes,
        workers=workers,
        segments=segments,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
        cancel=cancel,
        checkpoint=checkpoint,
        resume=resume,
    )


def copy(
    table: str,
    *,
    source: str | None,
    target: str | None,
    target_table: str | None = None,
    target_region: str | None = None,
    pk: Any = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    mode: CopyMode = "replace",
    backup: bool = True,
    verify: VerifyMethod | None = None,
    transform: Callable[..., Any] | str | None = None,
    max_write_units: float | str | None = None,
    max_read_units: float | str | None = None,
    copy_settings: bool = False,
    yes: bool = False,
    workers: int | None = None,
    segments: int | None = None,
    backend: Backend | None = None,
    scheduler: str | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> CopyResult:
    # [[[cog docstring(api.copy)]]]
    """Copy a table (or a slice: ``pk``, ``sk``, ``index``) from ``source`` to ``target``. Worker
    processes the copy started are gone when it returns or raises.

    ``workers`` (at least 1) and ``segments`` (1 to 1,000,000) are checked before anything is
    read. For the plan without writing, use ``plan_copy``; to watch or cancel the copy while it
    runs, ``start_copy``: ``copy`` is ``start_copy(...).result()``, and a Ctrl-C while it waits
    cancels the copy, which ends ``interrupted`` (``CopyFailed``), or, while it still plans,
    raises ``KeyboardInterrupt`` with nothing written.

    Parameters
    ----------
    table : str
        Source table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN: the target's table,
        backups and failed-item files are named after it).
    source : str or None
        Environment to copy from (``None``: the default).
    target : str or None
        Environment to copy into (``None``: the default).
    target_table : str, optional
        Target table name (default: the source's).
    target_region : str, optional
        Target region (default: the profile's).
    pk : str, int, float, Decimal or bytes, optional
        Partition key value of the slice to copy (of ``index`` if given); ``None``: the whole
        table.
    sk : str, int, float, Decimal or bytes, optional
        Sort key value of the condition ``sk_op`` (the lower bound of ``between``).
    sk_op : {'begins_with', '=', '<', '<=', '>', '>=', 'between'}, optional
        Sort-key operator; ``None``: begins_with on a string or binary sort key, = on a number.
    sk2 : str, int, float, Decimal or bytes, optional
        Upper bound of ``sk_op='between'``.
    index : str, optional
        A GSI or LSI to read instead of the table.
    mode : {'replace', 'truncate', 'merge'}, default 'replace'
        replace: put every source item, then delete target items whose key is not in the source;
        truncate: delete first; merge: puts only.
    backup : bool, default True
        Take an on-demand backup of a non-empty target (or table) first.
    verify : {'count', 'full', 'none'}, optional
        Check after copying; ``None``: the ``verify`` setting (count).
    transform : callable or str, optional
        A function applied to every item in the workers: it gets the item as Python values
        (``Decimal`` numbers, ``bytes``, sets, dicts, lists) and returns an item, a list of
        items (fan-out) or ``None`` (drop it); or ``'module:function'`` text, imported with the
        current folder on ``sys.path``. An exception in it stops the copy naming the item's key
        (resumable once fixed); items whose key does not fit the target are saved as failed.
        Verification compares the target with the source as it transforms it.
    max_write_units : int, float or str, optional
        Write units per second the copy may use, all its workers together (puts and deletes): a
        number, or ``"P%"`` of the target's provisioned write capacity (of its on-demand maximum
        for an on-demand table that has one); ``None``: unlimited. Throttling slows the copy
        down, it does not fail it.
    max_read_units : int, float or str, optional
        Read units per second the copy may use, all its workers together (the source's reads,
        key lookups, the prune's and the verification's reads): a number, or ``"P%"`` of the
        source's provisioned read capacity (of its on-demand maximum for an on-demand table that
        has one); ``None``: unlimited.
    copy_settings : bool, default False
        Give a target the copy creates the source's TTL attribute, stream, point-in-time
        recovery, tags and deletion protection (the plan lists them, the result says what was
        applied; one the service refuses is named in the result, the items are copied all the
        same). An existing target's settings are left as they are.
    yes : bool, default False
        Confirm writing into a non-empty or protected target.
    workers : int, optional
        Parallel workers (at least 1): threads, or processes with the ``loky`` backend; each
        keeps 4 writes and a read in flight. ``None``: the ``workers`` setting, else two per CPU
        core.
    segments : int, optional
        Parallel scan segments of the source (1 to 1,000,000); ``None``: the ``segments``
        setting, else four per worker.
    backend : {'auto', 'loky', 'threading', 'dask'}, optional
        Where the workers run: ``auto`` (threads), ``threading``, ``loky`` (processes of this
        machine) or ``dask`` (the workers of a Dask cluster: ``scheduler``, else the active
        ``distributed.Client``; needs ``dynamo_magic[dask]``). ``None``: auto.
    scheduler : str, optional
        The Dask scheduler's address (``tcp://HOST:8786``) for ``backend='dask'``; ``None``: the
        active ``distributed.Client``. The cluster is checked before anything is written
        (reachable within 10 s, at least one worker, every worker with this version of
        dynamo_magic): ``ClusterUnavailable`` otherwise.
    checkpoint : str or Path, optional
        Where the copy's checkpoint file goes (JSON: what a resume needs, saved as the copy
        goes); ``None``: a new file under ``$XDG_CACHE_HOME/dynamo_magic/checkpoints``
        (``~/.cache/...``). The result and the job name it (``checkpoint``).
    resume : bool, str or Path, default False
        Continue a copy that did not end: ``True``, from the newest unfinished checkpoint of the
        same copy (environments, tables and slice), or from the checkpoint file at this path.
        Segments done are skipped, the others start after their saved key; the target, backup
        and truncate are not done again; replace-mode deletes run once every segment is copied.
        A checkpoint of another copy (table, slice, mode, segments) is refused with the
        difference named.
    progress : Progress, optional
        Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:
        ``Outcome`` success, cancelled or failed); ``None``: no progress.
    cancel : threading.Event, optional
        Set it from another thread (a panel's Cancel button) to stop the copy as Ctrl-C does:
        every worker stops within the request it has in flight and ``CopyFailed`` is raised with
        the result ``interrupted``, its counts exactly what the target acknowledged.

    Returns
    -------
    CopyResult
        Items read, written, deleted and failed, calls retried (botocore's retries included),
        seconds, items/s, the backup taken, the verification; ``summary_line()``.

    Raises
    ------
    InvalidQuery
        A bad table name, slice, mode or verification method.
    UnsafeOperation
        Source and target are the same table, or their key schemas differ; another running
        copy holds the checkpoint (``CheckpointInUse``: ``resume``'s, or ``checkpoint``).
    TableNotFound
        The source table (or the slice's index) does not exist.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        An environment cannot be used.
    ConfirmationRequired
        A non-empty or protected target without ``yes=True``.
    CopyFailed
        Items stayed unwritten, verification failed or the copy was interrupted or cancelled;
        ``.result`` is the CopyResult.

    Examples
    --------
    >>> dynamo_magic.copy("orders", source="dev", target="stage", pk="c1", yes=True)
    """
    # [[[end]]]
    job = start_copy(
        table,
        source=source,
        target=target,
        target_table=target_table,
        target_region=target_region,
        pk=pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        mode=mode,
        backup=backup,
        verify=verify,
        transform=transform,
        max_write_units=max_write_units,
        max_read_units=max_read_units,
        copy_settings=copy_settings,
        yes=yes,
        workers=workers,
        segments=segments,
        backend=backend,
        scheduler=scheduler,
        checkpoint=checkpoint,
        resume=resume,
        progress=progress,
        cancel=cancel,
    )
    return job.result()


def put_df(
    df: pd.DataFrame,
    table: str,
    *,
    env: str | None = None,
    mode: CopyMode = "merge",
    yes: bool = False,
    dry_run: bool = False,
    nulls: Literal["omit", "null"] = "omit",
    datetimes: Literal["iso", "epoch"] = "iso",
    whole_items: bool = False,
    backup: bool = True,
    verify: VerifyMethod | None = None,
    max_write_units: float | str | None = None,
    progress: Progress | None = None,
) -> CopyResult | CopyPlan:
    # [[[cog docstring(api.put_df)]]]
    """Write a DataFrame into an existing table, one item per row, with a copy's rules.

    Every value is encoded exactly (``dynamo_magic.encoding``: floats by their shortest text,
    ``Decimal`` as is, sets, maps, lists, bytes) and every row's key checked against the table's
    key schema before anything is written: a value DynamoDB cannot store, a missing, null,
    mistyped or duplicated key is one line naming the rows (index labels), and nothing is
    written. Then the copy's plan, confirmation (a non-empty or protected table needs ``yes``),
    backup, batching, retries, failed-items file, progress and verification. A frame from
    ``query`` or ``scan`` written back gives the same items.

    Parameters
    ----------
    df : pandas.DataFrame
        The rows to write, one item each (column names are attribute names; the index is not
        written, it names rows in errors).
    table : str
        The table to write into (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN); it must
        exist.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    mode : {'replace', 'truncate', 'merge'}, default 'merge'
        merge: put every row; replace: put every row, then delete the items of the partitions
        the frame covers (its partition key values) that the frame lacks; truncate: delete every
        item of those partitions first, then put.
    yes : bool, default False
        Confirm writing into a non-empty or protected target.
    dry_run : bool, default False
        Return the plan (a ``CopyPlan``: what would be written, deleted, backed up and
        confirmed) and write nothing; the frame is encoded and its keys checked all the same.
    nulls : {'omit', 'null'}, default 'omit'
        A cell holding ``None``, NaN, ``pd.NA`` or ``NaT``: ``omit`` leaves the attribute out of
        that item, ``null`` writes NULL (inside a list or map it is always NULL).
    datetimes : {'iso', 'epoch'}, default 'iso'
        Datetimes and dates: ``iso`` writes ISO 8601 text (S), ``epoch`` seconds since 1970 (N;
        a datetime without a time zone counts as UTC).
    whole_items : bool, default False
        Write each row as the whole item even though the frame says (``df.attrs``) it was read
        with only some attributes (a selection of columns, an index projecting only some) or
        with its maps flattened into columns: the attributes it lacks are deleted, dotted
        columns written as top-level attributes. Without it such a frame is refused before
        anything is written.
    backup : bool, default True
        Take an on-demand backup of a non-empty target (or table) first.
    verify : {'count', 'full', 'none'}, optional
        Check after copying; ``None``: the ``verify`` setting (count).
    max_write_units : int, float or str, optional
        Write units per second the copy may use, all its workers together (puts and deletes): a
        number, or ``"P%"`` of the target's provisioned write capacity (of its on-demand maximum
        for an on-demand table that has one); ``None``: unlimited. Throttling slows the copy
        down, it does not fail it.
    progress : Progress, optional
        Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:
        ``Outcome`` success, cancelled or failed); ``None``: no progress.

    Returns
    -------
    CopyResult or CopyPlan
        The result (items written, deleted and failed, the backup taken, the verification:
        the rows written counted, or looked up by key, in the table); with ``dry_run``, the plan.

    Raises
    ------
    InvalidQuery
        A value DynamoDB cannot store, a row's key missing, null, of the wrong type or
        duplicated (one line naming the rows and column), an unknown option; nothing written.
    TableNotFound
        The table does not exist (``put_df`` does not create one).
    ConfirmationRequired
        A non-empty or protected table without ``yes=True``.
    CopyFailed
        Items stayed unwritten or verification failed; ``.result`` is the CopyResult.

    Examples
    --------
    >>> df = dynamo_magic.query("shop", "CUSTOMER#c001", env="demo-dev")
    >>> df.loc[df["status"] == "PLACED", "status"] = "PAID"
    >>> dynamo_magic.put_df(df, "shop", env="demo-dev", yes=True)
    """
    # [[[end]]]
    from .transfer import frames

    check_table_name(table, "table")
    _check_progress(progress)
    settings = get_settings()
    options: dict[str, Any] = {
        "env": env,
        "mode": mode,
        "nulls": nulls,
        "datetimes": datetimes,
        "whole_items": whole_items,
        "backup": backup,
        "verify": verify or settings.verify,
        "max_write_units": max_write_units,
    }
    if dry_run:
        return frames.plan_put(df, table, settings, **options)
    return frames.put_df(df, table, settings, yes=yes, progress=progress, **options)


def _check_progress(progress: object) -> None:
    """Refuse a ``progress`` that is not a ``Progress`` (``True``, say) before any work: the
    bars themselves are the front ends' (the CLI's and the magics' tqdm bars)."""
    if progress is not None and not all(
        callable(getattr(progress, method, None)) for method in ("start", "advance", "close")
    ):
        raise InvalidQuery(
            "{progress} must be None or an object with start(phase, total), advance(items) and "
            f"close(outcome) methods, not {literal(repr(progress))}",
            parameters=("progress",),
        )


def _check_resume(resume: object, checkpoint: object) -> bool | str | Path:
    """``resume`` as the copy takes it: ``False``, ``True`` (the newest checkpoint of the
    copy) or a path; ``resume=True`` with a ``checkpoint`` path resumes that file. Refuses
    other values, and two different files, before any work."""
    for name, value in (("resume", resume), ("checkpoint", checkpoint)):
        if value is not None and not isinstance(value, bool | str | os.PathLike):
            raise InvalidQuery(
                f"{{{name}}} must be a path{' or True' if name == 'resume' else ''}, "
                f"not {literal(repr(value))}",
                parameters=(name,),
            )
    if checkpoint is True or checkpoint is False:
        raise InvalidQuery("{checkpoint} must be a path", parameters=("checkpoint",))
    if resume is True and checkpoint is not None:
        return Path(cast(str, checkpoint))
    two = isinstance(resume, str | os.PathLike) and checkpoint is not None
    if two and Path(cast(str, resume)) != Path(cast(str, checkpoint)):
        raise InvalidQuery(
            "{resume} and {checkpoint} name two files: a resume saves into the file it "
            "continues; give one",
            parameters=("resume", "checkpoint"),
        )
    if resume is None or resume is False:
        return False
    return resume if resume is True else Path(cast(str, resume))


def _check_cancel(cancel: object) -> None:
    """Refuse a ``cancel`` that is not an event (``True``, say) before any work."""
    if cancel is not None and not all(
        callable(getattr(cancel, method, None)) for method in ("is_set", "wait")
    ):
        raise InvalidQuery(
            f"{{cancel}} must be None or a threading.Event, not {literal(repr(cancel))}",
            parameters=("cancel",),
        )


# -- one item -----------------------------------------------------------------------------------
def _one_item(table: str, env: str | None) -> tuple[environments.Environment, Any, TableSchema]:
    """The environment, its client and the table's schema (refusals before any write)."""
    check_table_name(table, "table")
    settings = get_settings()
    resolved, client = _connect(env, settings)
    schema = read.describe_table(
        client, table, resolved.describe(), policy=policy_from(settings), env=resolved.label
    )
    return resolved, client, schema


def put_item(
    table: str,
    item: Mapping[str, Any],
    *,
    env: str | None = None,
    expect: Mapping[str, Any] | None = None,
    yes: bool = False,
) -> items.ItemWrite:
    # [[[cog docstring(api.put_item)]]]
    """Write one item, refusing to overwrite a change made since it was read.

    ``item`` is Python values, as ``query`` returns them (``str``, numbers, ``bytes``, sets,
    dicts, lists, ``bool``, ``None``). An item that exists is overwritten only with ``yes``
    (a new one needs none), as is any write into a protected environment: the copy's rules.
    With ``expect`` (the item as it was read) the write happens only if the item is still
    that: a consistent read compares the whole item, and the put's condition checks every
    attribute of ``expect`` (DynamoDB's ``=``) and that the new item's other attributes are
    still absent; otherwise ``ItemChanged`` names the differences and nothing is written.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN).
    item : mapping of str to value
        The whole item as Python values (``str``, numbers, ``bytes``, sets, dicts, lists,
        ``bool``, ``None``), key attributes included, typed from the table's key schema.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    expect : mapping of str to value, optional
        The item as it was read (the same key): the write happens only if the item is still that
        (a consistent read, then DynamoDB's condition on its attributes).
    yes : bool, default False
        Confirm overwriting or deleting an item that exists, or writing into a protected
        environment (a delete always needs it).

    Returns
    -------
    ItemWrite
        ``old`` (the item before, ``None`` if new) and ``new`` (Python values, numbers as
        ``Decimal``), ``differences`` (one phrase per changed attribute), ``summary_line()``.

    Raises
    ------
    ConfirmationRequired
        Overwriting an item, or a protected environment, without ``yes``.
    ItemChanged
        ``expect`` given and the item changed (or was deleted) since: ``current`` and
        ``differences`` say how. Nothing written.
    InvalidQuery
        A key attribute missing or of the wrong type, a value DynamoDB cannot store.
    TableNotFound, EnvironmentNotFound, AccessDenied, ServiceError
        As for any call.

    Examples
    --------
    >>> row = dynamo_magic.query("shop", "CUSTOMER#c002", env="demo-dev").iloc[0].dropna()
    >>> edited = {**row.to_dict(), "tier": "platinum"}
    >>> dynamo_magic.put_item("shop", edited, env="demo-dev", expect=row.to_dict(), yes=True)
    """
    # [[[end]]]
    resolved, client, schema = _one_item(table, env)
    return items.put(client, schema, resolved, item, expect, yes)


def delete_item(
    table: str,
    key: Mapping[str, Any],
    *,
    env: str | None = None,
    expect: Mapping[str, Any] | None = None,
    yes: bool = False,
) -> items.ItemWrite:
    # [[[cog docstring(api.delete_item)]]]
    """Delete one item, refusing to delete a change made since it was read.

    A delete always needs ``yes`` (the copy panel's tick naming the table and environment).
    With ``expect`` (the item as it was read) it happens only if the item is still that (a
    consistent read, then a condition on every attribute of ``expect``).

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN).
    key : mapping of str to value
        The item's key attributes (a whole item's other attributes are ignored).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    expect : mapping of str to value, optional
        The item as it was read (the same key): the write happens only if the item is still that
        (a consistent read, then DynamoDB's condition on its attributes).
    yes : bool, default False
        Confirm overwriting or deleting an item that exists, or writing into a protected
        environment (a delete always needs it).

    Returns
    -------
    ItemWrite
        ``old`` (the item deleted, Python values) and ``summary_line()``.

    Raises
    ------
    ConfirmationRequired
        Without ``yes``.
    ItemNotFound
        No item has that key: nothing deleted.
    ItemChanged
        ``expect`` given and the item changed (or was deleted) since. Nothing deleted.
    InvalidQuery
        A key attribute missing or of the wrong type.

    Examples
    --------
    >>> dynamo_magic.delete_item("shop", {"pk": "CUSTOMER#c002", "sk": "PROFILE"},
    ...                          env="demo-dev", yes=True).summary_line()
    """
    # [[[end]]]
    resolved, client, schema = _one_item(table, env)
    return items.delete(client, schema, resolved, key, expect, yes)


def list_environments() -> list[str]:
    # [[[cog docstring(api.list_environments)]]]
    """The environments a name can resolve to: configured ones (the config file's
    ``[environments]``), then the AWS profiles.

    Returns
    -------
    list of str
        Environment names, each once; what ``env=`` (and the panels' dropdowns) accept.

    Raises
    ------
    UsageProblem
        The config file is invalid.

    Examples
    --------
    >>> dynamo_magic.list_environments()
    ['dev', 'prod']
    """
    # [[[end]]]
    return environments.names(get_settings())


def list_tables(env: str | None = None) -> list[str]:
    # [[[cog docstring(api.list_tables)]]]
    """The tables of an environment (DynamoDB's ListTables, every page), in its order.

    Parameters
    ----------
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.

    Returns
    -------
    list of str
        Table names.

    Raises
    ------
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.
    AccessDenied
        The credentials may not list tables.

    Examples
    --------
    >>> dynamo_magic.list_tables(env="dev")
    ['orders']
    """
    # [[[end]]]
    resolved, client = _connect(env, get_settings())
    names: list[str] = []
    with client_errors(f"list tables in {literal(resolved.describe())}"):
        for page in client.get_paginator("list_tables").paginate():
            names.extend(page.get("TableNames", []))
    return names


def backups(table: str, env: str | None = None) -> pd.DataFrame:
    # [[[cog docstring(api.backups)]]]
    """The table's on-demand backups, newest first.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a table is only read, its
        ARN.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` (object), ``created`` (datetime), ``status`` (object), ``bytes`` (size
        in bytes), ``arn`` (object).

    Raises
    ------
    TableNotFound, InvalidQuery
        As ``describe``.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        ``env`` cannot be used.

    Examples
    --------
    >>> dynamo_magic.backups("orders", env="dev")
    """
    # [[[end]]]
    check_table_name(table, "table", arn=True)
    settings = get_settings()
    resolved, client = _connect(env, settings)
    found = backup_admin.list_backups(client, table)
    if not found:  # a deleted table keeps its backups: only now is its absence worth a call
        read.describe_table(
            client, table, resolved.describe(), policy=policy_from(settings), env=resolved.label
        )
    rows = [
        {
            "name": b.name,
            "created": b.created,
            "status": b.status,
            "bytes": b.size_bytes,
            "arn": b.arn,
        }
        for b in found
    ]
    return pd.DataFrame(rows, columns=["name", "created", "status", "bytes", "arn"])


@_logs_refusals("truncate")
def truncate(
    table: str,
    env: str | None = None,
    *,
    yes: bool = False,
    backup: bool = True,
    progress: Progress | None = None,
) -> CopyResult:
    # [[[cog docstring(api.truncate)]]]
    """Delete every item of ``table`` after an on-demand backup; needs ``yes=True``.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    yes : bool, default False
        Confirm deleting every item.
    backup : bool, default True
        Take an on-demand backup of a non-empty target (or table) first.
    progress : Progress, optional
        Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:
        ``Outcome`` success, cancelled or failed); ``None``: no progress.

    Returns
    -------
    CopyResult
        Items deleted (``ok`` False when items stayed undeleted or it was interrupted), seconds,
        the backup taken.

    Raises
    ------
    ConfirmationRequired
        Without ``yes=True``.
    CopyFailed
        An error stopped it; ``.result`` says what was deleted.
    TableNotFound, InvalidQuery, BackupFailed
        No such table, a bad name, no backup.

    Examples
    --------
    >>> dynamo_magic.truncate("scratch", env="dev", yes=True)
    """
    # [[[end]]]
    check_table_name(table, "table")
    _check_progress(progress)
    settings = get_settings()  # checked when made (settings.check_numbers)
    return copy_run.truncate(table, env, settings, yes=yes, backup=backup, progress=progress)


@_logs_refusals("export")
def export_table(
    table: str,
    to: str | os.PathLike[str],
    *,
    env: str | None = None,
    storage_env: str | None = None,
    pk: Any = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    workers: int | None = None,
    segments: int | None = None,
    backend: Backend | None = None,
    scheduler: str | None = None,
    max_read_units: float | str | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    # [[[cog docstring(api.export_table)]]]
    """Export a table, an index or a slice to files in DynamoDB's own export format.

    Under ``to/AWSDynamoDB/<export id>/``: ``data/*.json.gz`` (gzipped ``{"Item": ...}`` lines
    of DynamoDB JSON as the service sent them, one file per scan segment), then
    ``manifest-files.json`` and ``manifest-summary.json`` with their MD5 files, as DynamoDB's
    export to S3 writes them. Nothing is written before the table, the slice and the
    destination are checked. Worker processes the export started are gone when it returns.
    An export that stops is continued with ``resume``: the segments whose data file was stored
    are kept, the others are exported again.

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN).
    to : str or Path
        Where the export goes: a local folder (created if missing) or ``s3://bucket/prefix``;
        the files land in ``DEST/AWSDynamoDB/<export id>/``, as DynamoDB's export to S3 lays
        them out.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    storage_env : str, optional
        Environment (AWS profile or configured name) whose credentials, region and endpoint
        reach the bucket of an ``s3://`` destination; ``None``: ``env``'s.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value of the slice to export (of ``index`` if given); ``None``: the whole
        table (or index).
    sk : str, int, float, Decimal or bytes, optional
        Sort key value of the condition ``sk_op`` (the lower bound of ``between``).
    sk_op : {'begins_with', '=', '<', '<=', '>', '>=', 'between'}, optional
        Sort-key operator; ``None``: begins_with on a string or binary sort key, = on a number.
    sk2 : str, int, float, Decimal or bytes, optional
        Upper bound of ``sk_op='between'``.
    index : str, optional
        A GSI or LSI to read instead of the table (alone: the whole index). The files hold whole
        items: where the index projects only some attributes, each item is fetched from the
        table by its key.
    workers : int, optional
        Parallel workers (at least 1): threads, or processes with the ``loky`` backend; each
        writes one segment's file at a time, its next page read meanwhile. ``None``: the
        ``workers`` setting, else two per CPU core.
    segments : int, optional
        Parallel scan segments (1 to 1,000,000), one data file each; ``None``: the ``segments``
        setting, else four per worker.
    backend : {'auto', 'loky', 'threading', 'dask'}, optional
        Where the workers run: ``auto`` (threads), ``threading``, ``loky`` (processes of this
        machine) or ``dask`` (the workers of a Dask cluster: ``scheduler``, else the active
        ``distributed.Client``; needs ``dynamo_magic[dask]``). ``None``: auto.
    scheduler : str, optional
        The Dask scheduler's address (``tcp://HOST:8786``) for ``backend='dask'``; ``None``: the
        active ``distributed.Client``. The cluster is checked before anything is written
        (reachable within 10 s, at least one worker, every worker with this version of
        dynamo_magic): ``ClusterUnavailable`` otherwise.
    max_read_units : int, float or str, optional
        Read units per second the export may use, all its workers together (the scan's pages,
        and the table lookups of an index that projects only some attributes): a number, or
        ``"P%"`` of the table's (a global index's own) provisioned read capacity (of its
        on-demand maximum for an on-demand table that has one); ``None``: unlimited. The
        export's result says the units it used.
    checkpoint : str or Path, optional
        Where the export's checkpoint file goes (JSON: the export id and each data file stored,
        saved as each is); ``None``: a new file under
        ``$XDG_CACHE_HOME/dynamo_magic/checkpoints`` (``~/.cache/...``). The result and the job
        name it (``checkpoint``).
    resume : bool, str or Path, optional
        Continue an export that did not end: ``True``, from the newest unfinished checkpoint of
        the same export (table, slice, index and destination), or from the checkpoint file at
        this path. The export id and folder are kept, and every segment whose data file is still
        there as stored (size and MD5; in S3 size and ETag); every other segment is exported
        again from its start (a segment is redone whole: more ``segments``, finer resume). A
        checkpoint of another export (table, slice, index, segments, destination) is refused
        with the difference named.
    progress : Progress, optional
        Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:
        ``Outcome`` success, cancelled or failed); ``None``: no progress.
    cancel : threading.Event, optional
        Set it from another thread to stop the export as Ctrl-C does: every worker stops within
        the request it has in flight, no manifest is written and ``CopyFailed`` is raised with
        the result ``interrupted``.

    Returns
    -------
    ExportResult
        Items read and written, the data files (key, items, MD5, ETag, bytes), the export's
        folder and id, seconds, items/s; ``summary_line()``.

    Raises
    ------
    InvalidQuery
        A bad table name, slice or run option.
    TableNotFound
        The table (or the index) does not exist.
    UsageProblem
        The destination cannot be written: a file, a folder without write access, a bucket
        that does not exist or that ``storage_env`` may not write.
    CheckpointMismatch
        ``resume``'s checkpoint is unreadable, finished (nothing to resume) or of another
        export (the difference named); nothing written.
    CheckpointInUse
        Another running export holds the checkpoint (``resume``'s, or ``checkpoint``); one
        line naming it and the process; nothing written.
    EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
        An environment cannot be used.
    CopyFailed
        The export stopped (an error, Ctrl-C, ``cancel``): no manifest was written;
        ``.result`` is the ExportResult (its ``checkpoint``: ``resume=`` it to continue).

    Examples
    --------
    >>> dynamo_magic.export_table("shop", "s3://exchange/shop", env="demo-prod")
    """
    # [[[end]]]
    request = _export_request(
        table, to, env, storage_env, pk, sk, sk_op, sk2, index, max_read_units, progress, cancel
    )
    check_copy_run(
        pk,
        workers=workers,
        segments=segments,
        backend=backend,
        scheduler=scheduler,
        what="export",
    )
    return _export(
        request,
        get_settings(),
        workers=workers,
        segments=segments,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
        cancel=cancel,
        checkpoint=checkpoint,
        resume=_check_resume(resume, checkpoint),
    )


def start_export(
    table: str,
    to: str | os.PathLike[str],
    *,
    env: str | None = None,
    storage_env: str | None = None,
    pk: Any = None,
    sk: Any = None,
    sk_op: SortKeyOperator | None = None,
    sk2: Any = None,
    index: str | None = None,
    workers: int | None = None,
    segments: int | None = None,
    backend: Backend | None = None,
    scheduler: str | None = None,
    max_read_units: float | str | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> CopyJob:
    # [[[cog docstring(api.start_export)]]]
    """``export_table`` in a job of its own, returned at once; ``result()`` gives the
    ``ExportResult``. Its ``checkpoint`` (and, for a resume, ``resuming``: the segments kept
    and left) are known once the table, the destination and the checkpoint are checked, before
    anything is written (``wait_checkpoint``).

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN).
    to : str or Path
        Where the export goes: a local folder (created if missing) or ``s3://bucket/prefix``;
        the files land in ``DEST/AWSDynamoDB/<export id>/``, as DynamoDB's export to S3 lays
        them out.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    storage_env : str, optional
        Environment (AWS profile or configured name) whose credentials, region and endpoint
        reach the bucket of an ``s3://`` destination; ``None``: ``env``'s.
    pk : str, int, float, Decimal or bytes, optional
        Partition key value of the slice to export (of ``index`` if given); ``None``: the whole
        table (or index).
    sk : str, int, float, Decimal or bytes, optional
        Sort key value of the condition ``sk_op`` (the lower bound of ``between``).
    sk_op : {'begins_with', '=', '<', '<=', '>', '>=', 'between'}, optional
        Sort-key operator; ``None``: begins_with on a string or binary sort key, = on a number.
    sk2 : str, int, float, Decimal or bytes, optional
        Upper bound of ``sk_op='between'``.
    index : str, optional
        A GSI or LSI to read instead of the table (alone: the whole index). The files hold whole
        items: where the index projects only some attributes, each item is fetched from the
        table by its key.
    workers : int, optional
        Parallel workers (at least 1): threads, or processes with the ``loky`` backend; each
        writes one segment's file at a time, its next page read meanwhile. ``None``: the
        ``workers`` setting, else two per CPU core.
    segments : int, optional
        Parallel scan segments (1 to 1,000,000), one data file each; ``None``: the ``segments``
        setting, else four per worker.
    backend : {'auto', 'loky', 'threading', 'dask'}, optional
        Where the workers run: ``auto`` (threads), ``threading``, ``loky`` (processes of this
        machine) or ``dask`` (the workers of a Dask cluster: ``scheduler``, else the active
        ``distributed.Client``; needs ``dynamo_magic[dask]``). ``None``: auto.
    scheduler : str, optional
        The Dask scheduler's address (``tcp://HOST:8786``) for ``backend='dask'``; ``None``: the
        active ``distributed.Client``. The cluster is checked before anything is written
        (reachable within 10 s, at least one worker, every worker with this version of
        dynamo_magic): ``ClusterUnavailable`` otherwise.
    max_read_units : int, float or str, optional
        Read units per second the export may use, all its workers together (the scan's pages,
        and the table lookups of an index that projects only some attributes): a number, or
        ``"P%"`` of the table's (a global index's own) provisioned read capacity (of its
        on-demand maximum for an on-demand table that has one); ``None``: unlimited. The
        export's result says the units it used.
    checkpoint : str or Path, optional
        Where the export's checkpoint file goes (JSON: the export id and each data file stored,
        saved as each is); ``None``: a new file under
        ``$XDG_CACHE_HOME/dynamo_magic/checkpoints`` (``~/.cache/...``). The result and the job
        name it (``checkpoint``).
    resume : bool, str or Path, optional
        Continue an export that did not end: ``True``, from the newest unfinished checkpoint of
        the same export (table, slice, index and destination), or from the checkpoint file at
        this path. The export id and folder are kept, and every segment whose data file is still
        there as stored (size and MD5; in S3 size and ETag); every other segment is exported
        again from its start (a segment is redone whole: more ``segments``, finer resume). A
        checkpoint of another export (table, slice, index, segments, destination) is refused
        with the difference named.
    progress : Progress, optional
        Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:
        ``Outcome`` success, cancelled or failed); ``None``: no progress.
    cancel : threading.Event, optional
        Set it from another thread to stop the export as Ctrl-C does: every worker stops within
        the request it has in flight, no manifest is written and ``CopyFailed`` is raised with
        the result ``interrupted``.

    Returns
    -------
    CopyJob
        ``progress()``, ``cancel()``, ``done()``, ``result(timeout=None)`` (the ExportResult,
        raising what ``export_table`` raises), ``checkpoint``, ``resuming``.

    Raises
    ------
    InvalidQuery
        A bad table name, slice, destination or run option, a bad ``progress``, ``cancel``,
        ``checkpoint`` or ``resume``; others are raised by ``result()``.

    Examples
    --------
    >>> job = dynamo_magic.start_export("shop", "s3://exchange/shop", env="demo-prod")
    >>> job.wait_checkpoint()
    >>> job.result().summary_line()
    """
    # [[[end]]]
    request = _export_request(
        table, to, env, storage_env, pk, sk, sk_op, sk2, index, max_read_units, progress, cancel
    )
    check_copy_run(
        pk,
        workers=workers,
        segments=segments,
        backend=backend,
        scheduler=scheduler,
        what="export",
    )
    return exporting.start_export(
        request,
        get_settings(),
        workers=workers,
        segments=segments,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
        cancel=cancel,
        checkpoint=checkpoint,
        resume=_check_resume(resume, checkpoint),
    )


def _export_request(
    table: str,
    to: str | os.PathLike[str],
    env: str | None,
    storage_env: str | None,
    pk: Any,
    sk: Any,
    sk_op: SortKeyOperator | None,
    sk2: Any,
    index: str | None,
    max_read_units: float | str | None,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> ExportRequest:
    """The ``ExportRequest`` of ``export_table``'s keywords, each checked (a bad value is one
    line, before any call).

    Raises
    ------
    InvalidQuery
        A bad table name, destination, read limit, ``progress`` or ``cancel``.
    """
    check_table_name(table, "table")
    _check_progress(progress)
    _check_cancel(cancel)
    if not isinstance(to, str | os.PathLike):
        raise InvalidQuery(
            f"{{to}} must be a folder or s3://bucket/prefix, not {literal(repr(to))}",
            parameters=("to",),
        )
    transfer_limits.check(None, max_read_units)  # a bad value refused before any call
    return ExportRequest(
        table=table,
        to=os.fspath(to),
        env=env,
        storage_env=storage_env,
        pk=pk,
        sk=sk,
        sk_op=sk_op,
        sk2=sk2,
        index=index,
        max_read_units=max_read_units,
    )


@_logs_refusals("restore")
def restore(
    table: str,
    env: str | None = None,
    *,
    backup: str | Backup | None = "latest",
    into: str | None = None,
    in_place: bool = False,
    yes: bool = False,
    progress: Progress | None = None,
) -> RestoreResult:
    # [[[cog docstring(api.restore)]]]
    """Restore a backup of ``table`` into the new table ``into``, or back into ``table`` itself
    (``in_place``: restored to a temporary table, copied over in replace mode after a backup of
    the current contents, the temporary table deleted).

    Parameters
    ----------
    table : str
        Table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN).
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    backup : str or Backup, default 'latest'
        Backup name or ARN to restore, or a ``Backup`` (``CopyResult.backup``, a row of
        ``backups``).
    into : str, optional
        Restore into this new table.
    in_place : bool, default False
        Restore back into ``table`` (through a temporary table, then a copy in replace mode).
    yes : bool, default False
        Confirm replacing the table's contents.
    progress : Progress, optional
        Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:
        ``Outcome`` success, cancelled or failed); ``None``: no progress.

    Returns
    -------
    RestoreResult
        ``backup`` restored, ``table`` written, ``in_place``, ``copy`` (the CopyResult in place,
        else None), ``summary_line()``.

    Raises
    ------
    InvalidQuery
        Neither or both of ``into`` and ``in_place``; a bad table name.
    ConfirmationRequired
        In place without ``yes=True``.
    BackupNotFound
        No such backup (or none at all).
    BackupFailed
        The backup could not be restored.
    CopyFailed
        The copy back failed; ``.result`` is its CopyResult.

    Examples
    --------
    >>> dynamo_magic.restore("orders", "dev", into="orders-restored").table
    'orders-restored'
    """
    # [[[end]]]
    _check_progress(progress)
    if bool(into) == bool(in_place):
        raise InvalidQuery(
            "choose where to restore: {into} NEW_TABLE or {in_place}",
            parameters=("into", "in_place"),
        )
    check_table_name(table, "table")
    if into:
        check_table_name(into, "into")
    return restoring.restore(
        table,
        env,
        get_settings(),
        backup=backup.arn if isinstance(backup, Backup) else backup,
        into=into,
        yes=yes,
        progress=progress,
    )


def reset() -> None:
    """Start afresh without restarting the kernel: forget cached AWS sessions, clients, account
    ids and profiles and read the config file again. (Worker processes need no reset: each
    copy or truncate shuts its own down when it ends.)

    Changes of the AWS config/credentials files, the ``AWS_*`` variables and the config file
    are noticed by themselves on the next call; ``reset`` is for what no file shows (a new
    token from a credential process or SSO login, say). Values set with ``%config DynamoMagic``
    are kept; settings given whole to ``set_settings`` are dropped.

    Returns
    -------
    None

    Examples
    --------
    >>> dynamo_magic.reset()
    """
    environments.clear_caches()
    reload_settings()


# -- import: files into a table (the body is transfer/importing.py) ------------------------------
def _import_request(
    table: str,
    source: str | Path,
    *,
    env: str | None,
    storage_env: str | None,
    mode: CopyMode,
    strings: bool,
    create: bool,
    key: str | None,
    backup: bool,
    verify: VerifyMethod | None,
    max_write_units: float | str | None,
) -> importing.ImportRequest:
    settings = get_settings()
    return importing.ImportRequest(
        table=table,
        source=str(source) if isinstance(source, Path) else source,
        env=env,
        storage_env=storage_env,
        mode=mode,
        strings=strings,
        create=create,
        key=key,
        backup=backup,
        verify=verify or settings.verify,
        max_write_units=max_write_units,
    )


@_logs_refusals("import")
def plan_import(
    table: str,
    source: str | Path,
    *,
    env: str | None = None,
    storage_env: str | None = None,
    mode: CopyMode = "merge",
    strings: bool = False,
    create: bool = False,
    key: str | None = None,
    backup: bool = True,
    verify: VerifyMethod | None = None,
    max_write_units: float | str | None = None,
) -> CopyPlan:
    # [[[cog docstring(api.plan_import)]]]
    """The plan of ``import_table`` (its dry run): what ``source`` holds (the export, or each
    file with its format: a JSON Lines file's kind, DynamoDB JSON or plain, is decided from its
    first line), every file read and checked, the table's rules applied; nothing written, no
    table created.

    Parameters
    ----------
    table : str
        Table to import into (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN).
    source : str or Path
        What to import: an export folder (``dynamo export``'s or DynamoDB's export to S3, found
        by its ``manifest-summary.json`` anywhere under it) or JSON Lines, CSV and Parquet
        files; one file, a folder, or a glob (``data/*.csv``); local or ``s3://bucket/prefix``.
        Every file is checked before the first write.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    storage_env : str, optional
        Environment whose credentials and endpoint reach an ``s3://`` SRC (another account's
        bucket); ``None``: the table's.
    mode : {'replace', 'truncate', 'merge'}, default 'merge'
        merge: put every item (other items stay); replace: put every item, then delete the
        table's items whose key the files lack; truncate: delete every item first.
    strings : bool, default False
        CSV: keep every non-key cell as text (S). Default: a cell written as a plain number
        (``-12``, ``0.5``; no leading zero, no exponent, at most 38 digits) is a number, exactly
        ``true``/``false`` a boolean, anything else text.
    create : bool, default False
        Create the table when it does not exist, keyed by ``key`` (on demand), once every file
        has passed its checks; never in a dry run.
    key : str, optional
        Key of the table ``create`` makes: ``"pk:S"`` or ``"pk:S,sk:N"`` (types S, N or B; an
        export's files do not name the key).
    backup : bool, default True
        Take an on-demand backup of a non-empty table before writing.
    verify : {'count', 'full', 'none'}, optional
        Check after importing: 'count' counts the table's items against the items the files hold
        (an export's manifest ``itemCount``, checked equal to what was read); a merge into a
        table that held items looks every item up by key instead; ``None``: the ``verify``
        setting.
    max_write_units : int, float or str, optional
        Write units per second the import may use, all its workers together: a number, or
        ``"P%"`` of the table's provisioned write capacity; ``None``: unlimited.

    Returns
    -------
    CopyPlan
        The files and their items, the table's state, backup, deletes, confirmations needed,
        the write-unit estimate; ``str(plan)`` is the readable plan.

    Raises
    ------
    InvalidFile
        A file that fails a check, in one line naming the file and the line: an MD5 or item
        count that does not match the manifest, a truncated gzip, a line that is not an item,
        a key attribute missing or of another type than the table's, an item over 400 KB,
        keys that appear twice (every row named).
    UsageProblem
        ``source`` names nothing, two exports, or files of no known format; Parquet without
        pyarrow; ``key`` without ``create``.
    TableNotFound
        No such table (with ``create``, after the files' checks: what the import would create).

    Examples
    --------
    >>> print(dynamo_magic.plan_import("shop", "s3://exchange/nightly", env="demo-dev"))
    """
    # [[[end]]]
    request = _import_request(
        table,
        source,
        env=env,
        storage_env=storage_env,
        mode=mode,
        strings=strings,
        create=create,
        key=key,
        backup=backup,
        verify=verify,
        max_write_units=max_write_units,
    )
    return importing.plan_import(request, get_settings())


def start_import(
    table: str,
    source: str | Path,
    *,
    env: str | None = None,
    storage_env: str | None = None,
    mode: CopyMode = "merge",
    strings: bool = False,
    create: bool = False,
    key: str | None = None,
    backup: bool = True,
    verify: VerifyMethod | None = None,
    max_write_units: float | str | None = None,
    yes: bool = False,
    workers: int | None = None,
    backend: Backend | None = None,
    scheduler: str | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> CopyJob:
    # [[[cog docstring(api.start_import)]]]
    """``import_table`` in a job of its own, returned once ``source`` is found (and, with
    ``create``, the table created after every file passed its checks); ``result()`` gives the
    ``CopyResult``.

    Parameters
    ----------
    table : str
        Table to import into (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN).
    source : str or Path
        What to import: an export folder (``dynamo export``'s or DynamoDB's export to S3, found
        by its ``manifest-summary.json`` anywhere under it) or JSON Lines, CSV and Parquet
        files; one file, a folder, or a glob (``data/*.csv``); local or ``s3://bucket/prefix``.
        Every file is checked before the first write.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    storage_env : str, optional
        Environment whose credentials and endpoint reach an ``s3://`` SRC (another account's
        bucket); ``None``: the table's.
    mode : {'replace', 'truncate', 'merge'}, default 'merge'
        merge: put every item (other items stay); replace: put every item, then delete the
        table's items whose key the files lack; truncate: delete every item first.
    strings : bool, default False
        CSV: keep every non-key cell as text (S). Default: a cell written as a plain number
        (``-12``, ``0.5``; no leading zero, no exponent, at most 38 digits) is a number, exactly
        ``true``/``false`` a boolean, anything else text.
    create : bool, default False
        Create the table when it does not exist, keyed by ``key`` (on demand), once every file
        has passed its checks; never in a dry run.
    key : str, optional
        Key of the table ``create`` makes: ``"pk:S"`` or ``"pk:S,sk:N"`` (types S, N or B; an
        export's files do not name the key).
    backup : bool, default True
        Take an on-demand backup of a non-empty table before writing.
    verify : {'count', 'full', 'none'}, optional
        Check after importing: 'count' counts the table's items against the items the files hold
        (an export's manifest ``itemCount``, checked equal to what was read); a merge into a
        table that held items looks every item up by key instead; ``None``: the ``verify``
        setting.
    max_write_units : int, float or str, optional
        Write units per second the import may use, all its workers together: a number, or
        ``"P%"`` of the table's provisioned write capacity; ``None``: unlimited.
    yes : bool, default False
        Confirm writing into a non-empty or protected table.
    workers : int, optional
        Parallel workers (at least 1), each writing one file at a time; ``None``: the
        ``workers`` setting, else two per CPU core.
    backend : {'auto', 'loky', 'threading', 'dask'}, optional
        Where the workers run: ``auto`` (threads), ``threading``, ``loky`` (processes of this
        machine) or ``dask`` (the workers of a Dask cluster: ``scheduler``, else the active
        ``distributed.Client``; needs ``dynamo_magic[dask]``). ``None``: auto.
    scheduler : str, optional
        The Dask scheduler's address (``tcp://HOST:8786``) for ``backend='dask'``; ``None``: the
        active ``distributed.Client``. The cluster is checked before anything is written
        (reachable within 10 s, at least one worker, every worker with this version of
        dynamo_magic): ``ClusterUnavailable`` otherwise.
    checkpoint : str or Path, optional
        Where the import's checkpoint file goes (JSON: each file's items written so far, saved
        as the import goes); ``None``: a new file under
        ``$XDG_CACHE_HOME/dynamo_magic/checkpoints`` (``~/.cache/...``). The result and the job
        name it (``checkpoint``).
    resume : bool, str or Path, optional
        Continue an import that did not end: ``True``, from the newest unfinished checkpoint of
        the same import (table, SRC and its files unchanged), or from the checkpoint file at
        this path. Files done are skipped, the others start after their last saved page; the
        backup and truncate are not done again. A checkpoint of another import (or of files
        changed since) is refused.
    progress : Progress, optional
        Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:
        ``Outcome`` success, cancelled or failed); ``None``: no progress.
    cancel : threading.Event, optional
        Set it from another thread to stop the import as Ctrl-C does: every worker stops within
        the request it has in flight and ``CopyFailed`` is raised with the result
        ``interrupted``, its counts exactly what the table acknowledged.

    Returns
    -------
    CopyJob
        ``progress()``, ``cancel()``, ``done()``, ``result(timeout=None)`` (the CopyResult,
        raising what ``import_table`` raises).

    Raises
    ------
    UsageProblem
        ``source`` names nothing usable, ``workers`` out of bounds, a bad ``progress`` or
        ``cancel``; ``InvalidFile`` (with ``create``) raised here, others by ``result()``.

    Examples
    --------
    >>> job = dynamo_magic.start_import("shop", "dump/", env="demo-dev", yes=True)
    >>> job.result().summary_line()
    """
    # [[[end]]]
    _check_progress(progress)
    _check_cancel(cancel)
    check_copy_run(None, workers=workers, backend=backend, scheduler=scheduler)
    request = _import_request(
        table,
        source,
        env=env,
        storage_env=storage_env,
        mode=mode,
        strings=strings,
        create=create,
        key=key,
        backup=backup,
        verify=verify,
        max_write_units=max_write_units,
    )
    return importing.start_import(
        request,
        get_settings(),
        yes=yes,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
        cancel=cancel,
        checkpoint=checkpoint,
        resume=resume,
    )


def import_table(
    table: str,
    source: str | Path,
    *,
    env: str | None = None,
    storage_env: str | None = None,
    mode: CopyMode = "merge",
    yes: bool = False,
    dry_run: bool = False,
    strings: bool = False,
    create: bool = False,
    key: str | None = None,
    backup: bool = True,
    verify: VerifyMethod | None = None,
    max_write_units: float | str | None = None,
    workers: int | None = None,
    backend: Backend | None = None,
    scheduler: str | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> CopyResult | CopyPlan:
    # [[[cog docstring(api.import_table)]]]
    """Import files into ``table``: an export folder (``dynamo export``'s, or one DynamoDB's
    export to S3 wrote), or JSON Lines, CSV or Parquet files, local or in S3, with the copy's
    rules (confirmation of a non-empty or protected table, a backup of it before writing,
    retries, failed-items file, verification).

    Every file is read and checked before the first write (MD5 and item counts against an
    export's manifests, every line, key attributes of the table's types, items of at most 400
    KB, no key twice); a file that fails is refused in one line naming it and the line, and
    nothing is written. Values of plain JSON, CSV and Parquet: key attributes typed from the
    table's key schema; JSON numbers exact (``0.1`` stays ``0.1``); ``null`` at the top of an
    item leaves the attribute out; CSV: an empty cell leaves it out, a plain number (``-12``,
    ``0.5``) is a number and exactly ``true``/``false`` a boolean unless ``strings``.

    Parameters
    ----------
    table : str
        Table to import into (3 to 255 characters of A-Z a-z 0-9 _ . -; no ARN).
    source : str or Path
        What to import: an export folder (``dynamo export``'s or DynamoDB's export to S3, found
        by its ``manifest-summary.json`` anywhere under it) or JSON Lines, CSV and Parquet
        files; one file, a folder, or a glob (``data/*.csv``); local or ``s3://bucket/prefix``.
        Every file is checked before the first write.
    env : str, optional
        Environment (AWS profile or configured name); ``None``: the configured default, else the
        default profile.
    storage_env : str, optional
        Environment whose credentials and endpoint reach an ``s3://`` SRC (another account's
        bucket); ``None``: the table's.
    mode : {'replace', 'truncate', 'merge'}, default 'merge'
        merge: put every item (other items stay); replace: put every item, then delete the
        table's items whose key the files lack; truncate: delete every item first.
    yes : bool, default False
        Confirm writing into a non-empty or protected table.
    dry_run : bool, default False
        Check every file and return the plan (``plan_import``); nothing written.
    strings : bool, default False
        CSV: keep every non-key cell as text (S). Default: a cell written as a plain number
        (``-12``, ``0.5``; no leading zero, no exponent, at most 38 digits) is a number, exactly
        ``true``/``false`` a boolean, anything else text.
    create : bool, default False
        Create the table when it does not exist, keyed by ``key`` (on demand), once every file
        has passed its checks; never in a dry run.
    key : str, optional
        Key of the table ``create`` makes: ``"pk:S"`` or ``"pk:S,sk:N"`` (types S, N or B; an
        export's files do not name the key).
    backup : bool, default True
        Take an on-demand backup of a non-empty table before writing.
    verify : {'count', 'full', 'none'}, optional
        Check after importing: 'count' counts the table's items against the items the files hold
        (an export's manifest ``itemCount``, checked equal to what was read); a merge into a
        table that held items looks every item up by key instead; ``None``: the ``verify``
        setting.
    max_write_units : int, float or str, optional
        Write units per second the import may use, all its workers together: a number, or
        ``"P%"`` of the table's provisioned write capacity; ``None``: unlimited.
    workers : int, optional
        Parallel workers (at least 1), each writing one file at a time; ``None``: the
        ``workers`` setting, else two per CPU core.
    backend : {'auto', 'loky', 'threading', 'dask'}, optional
        Where the workers run: ``auto`` (threads), ``threading``, ``loky`` (processes of this
        machine) or ``dask`` (the workers of a Dask cluster: ``scheduler``, else the active
        ``distributed.Client``; needs ``dynamo_magic[dask]``). ``None``: auto.
    scheduler : str, optional
        The Dask scheduler's address (``tcp://HOST:8786``) for ``backend='dask'``; ``None``: the
        active ``distributed.Client``. The cluster is checked before anything is written
        (reachable within 10 s, at least one worker, every worker with this version of
        dynamo_magic): ``ClusterUnavailable`` otherwise.
    checkpoint : str or Path, optional
        Where the import's checkpoint file goes (JSON: each file's items written so far, saved
        as the import goes); ``None``: a new file under
        ``$XDG_CACHE_HOME/dynamo_magic/checkpoints`` (``~/.cache/...``). The result and the job
        name it (``checkpoint``).
    resume : bool, str or Path, optional
        Continue an import that did not end: ``True``, from the newest unfinished checkpoint of
        the same import (table, SRC and its files unchanged), or from the checkpoint file at
        this path. Files done are skipped, the others start after their last saved page; the
        backup and truncate are not done again. A checkpoint of another import (or of files
        changed since) is refused.
    progress : Progress, optional
        Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:
        ``Outcome`` success, cancelled or failed); ``None``: no progress.
    cancel : threading.Event, optional
        Set it from another thread to stop the import as Ctrl-C does: every worker stops within
        the request it has in flight and ``CopyFailed`` is raised with the result
        ``interrupted``, its counts exactly what the table acknowledged.

    Returns
    -------
    CopyResult or CopyPlan
        The result (items read, written, failed, calls retried, the backup, the verification:
        the table's count against the items the files hold); with ``dry_run``, the plan.

    Raises
    ------
    InvalidFile
        A file that fails a check (one line naming the file and the line); nothing written.
    UsageProblem
        ``source`` names nothing, two exports, or files of no known format; Parquet without
        pyarrow; ``create`` without ``key``.
    TableNotFound
        No such table (``create`` creates it).
    ConfirmationRequired
        A non-empty or protected table without ``yes=True``.
    CopyFailed
        Items stayed unwritten, verification failed or the import was interrupted; ``.result``
        is the CopyResult.

    Examples
    --------
    >>> dynamo_magic.import_table("shop", "s3://exchange/nightly", env="demo-dev",
    ...                           storage_env="demo-prod", yes=True)
    """
    # [[[end]]]
    shaping = dict(
        env=env,
        storage_env=storage_env,
        mode=mode,
        strings=strings,
        create=create,
        key=key,
        backup=backup,
        verify=verify,
        max_write_units=max_write_units,
    )
    if dry_run:
        check_copy_run(None, workers=workers, backend=backend, scheduler=scheduler)
        return plan_import(table, source, **shaping)  # type: ignore[arg-type]
    job = start_import(
        table,
        source,
        **shaping,  # type: ignore[arg-type]
        yes=yes,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        checkpoint=checkpoint,
        resume=resume,
        progress=progress,
        cancel=cancel,
    )
    return job.result()
