"""The façade every front end calls: one function per thing a user asks for.

Functions take an environment *name* (``env=None``: the configured default, else the default
AWS profile), validate the request against the table's schema before reading, and raise
``DynamoMagicError`` subclasses with one-line messages.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from . import (
    analysis,
    copy_plan,
    copy_tasks,
    copying,
    environments,
    lazy,
    parallel,
    read,
    table_admin,
)
from .copy_plan import CopyPlan, CopyRequest
from .copying import CopyResult
from .errors import ConfirmationRequired, CopyFailed, InvalidQuery
from .expressions import (
    Placeholders,
    bind_partiql,
    filter_expression,
    key_condition,
    projection,
    split_names,
)
from .parallel import Progress
from .read import PageCallback, ReadResult
from .schema import TableSchema
from .settings import NUMBER_POLICIES, get_settings

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    pd = lazy.module("pandas")

DEFAULT_SCAN_SEGMENTS = 4  # threads for a scan into a DataFrame
# what copy workers import while the plan is made (parallel.warm_up): the copy's tasks
WORKER_MODULES = ("dynamo_magic.copy_tasks",)


def _connect(env: str | None) -> tuple[environments.Environment, Any]:
    """The environment and its client (Query/Scan items arrive in wire form: see ``wire``)."""
    resolved = environments.resolve(env)
    return resolved, environments.client(resolved)


def _number_policy(numbers: str | None) -> str:
    """The number policy asked for (or configured), checked before anything is read."""
    policy = numbers or get_settings().numbers
    if policy not in NUMBER_POLICIES:
        raise InvalidQuery(f"unknown number policy '{policy}'; use {', '.join(NUMBER_POLICIES)}")
    return policy


def describe(table: str, env: str | None = None) -> TableSchema:
    """The table's keys (with types), GSIs/LSIs and projections, billing mode, approximate size."""
    resolved, client = _connect(env)
    return read.describe_table(client, table, resolved.describe())


def fetch(
    table: str,
    pk: Any = None,
    *,
    env: str | None = None,
    sk: Any = None,
    sk_op: str = "begins_with",
    sk2: Any = None,
    index: str | None = None,
    filter: str | None = None,
    select: str | list[str] | None = None,
    limit: int | None = None,
    consistent: bool = False,
    reverse: bool = False,
    scan: bool = False,
    segments: int | None = None,
    params: Mapping[str, Any] | None = None,
    count: bool = False,
    numbers: str | None = None,
    flatten: bool = False,
    on_page: PageCallback | None = None,
) -> ReadResult:
    """Read items: a query by partition key, a parallel scan (``scan=True``) or, with neither,
    a preview of the first items. Returns typed items with their statistics."""
    settings = get_settings()
    numbers = _number_policy(numbers)
    if limit is not None and limit < 1:
        raise InvalidQuery("--limit must be a positive number of items")
    if scan and pk is not None:
        raise InvalidQuery("--scan reads the whole table; drop the partition key or --scan")
    if pk is None and (sk is not None or sk2 is not None):
        raise InvalidQuery("a sort-key condition needs a partition key value")
    resolved, client = _connect(env)
    schema = read.describe_table(client, table, resolved.describe())
    key = schema.key_for(index)  # raises IndexNotFound
    if consistent and index and schema.index(index).kind == "GSI":
        raise InvalidQuery(f"'{index}' is a GSI: DynamoDB offers no consistent reads on GSIs")

    ph = Placeholders()
    request: dict[str, Any] = {"TableName": table}
    if index:
        request["IndexName"] = index
    where = f"index '{index}'" if index else f"table '{table}'"
    mode = "query"
    if pk is not None:
        request["KeyConditionExpression"] = key_condition(key, pk, ph, sk, sk_op, sk2, where)
        if reverse:
            request["ScanIndexForward"] = False
    else:
        mode = "scan" if scan else "preview"
        if reverse:
            raise InvalidQuery("--reverse orders a query's sort key; give a partition key")
        if mode == "preview":
            limit = limit or settings.preview_items  # an explicit limit wins
    if filter:
        request["FilterExpression"] = filter_expression(filter, ph, params)
    if count:
        request["Select"] = "COUNT"
        mode = "count"
    elif select:
        request["ProjectionExpression"] = projection(
            split_names(select), ph, schema.item_key_names(index)
        )
    if consistent:
        request["ConsistentRead"] = True
    request.update(ph.request_fields())

    if pk is not None:
        items, stats = read.read_all(client, "query", request, limit, on_page)
    elif scan:
        n = segments or settings.segments or DEFAULT_SCAN_SEGMENTS
        items, stats = read.parallel_scan(client, request, n, limit, on_page)
    else:
        items, stats = read.read_all(client, "scan", request, limit, on_page)
    if count and stats.truncated:
        stats.truncated = False  # a limit on a COUNT bounds the items evaluated, not returned
    return ReadResult(
        items=items,
        stats=stats,
        table=table,
        mode="count" if count else mode,
        index=index,
        key_names=schema.item_key_names(index),
        limit=limit,
        numbers=numbers,
        flatten=flatten,
    )


def query(table: str, pk: Any = None, **options: Any) -> pd.DataFrame:
    """Query a table or index into a DataFrame (see ``fetch`` for the options)."""
    return fetch(table, pk, **options).to_frame()


def scan(table: str, **options: Any) -> pd.DataFrame:
    """Parallel scan of a whole table or index into a DataFrame."""
    return fetch(table, scan=True, **options).to_frame()


def count(table: str, pk: Any = None, **options: Any) -> int:
    """Number of matching items, counted by DynamoDB (Select COUNT); whole table with no key."""
    if pk is None:
        options.setdefault("scan", True)
    return fetch(table, pk, count=True, **options).stats.count


def head(table: str, pk: Any = None, n: int = 5, **options: Any) -> pd.DataFrame:
    """The first ``n`` items of a query (or of the table, without a key)."""
    return fetch(table, pk, limit=n, **options).to_frame()


def unique(table: str, attribute: str, pk: Any = None, **options: Any) -> pd.DataFrame:
    """Distinct values of ``attribute`` (any type) with counts; missing is its own row."""
    result = fetch(table, pk, **options)
    return analysis.unique(result.items, attribute, result.numbers)


def summary(table: str, pk: Any = None, **options: Any) -> pd.DataFrame:
    """Per attribute: share present, DynamoDB types, distinct values, top values."""
    result = fetch(table, pk, **options)
    return analysis.summary(result.items, result.numbers)


def run_partiql(
    statement: str,
    params: Mapping[str, Any] | list[Any] | None = None,
    *,
    env: str | None = None,
    limit: int | None = None,
    numbers: str | None = None,
    flatten: bool = False,
    lookup: Callable[[str], Any] | None = None,
) -> ReadResult:
    """A PartiQL SELECT with bound parameters (``?`` with a list, ``:name`` with a mapping)."""
    numbers = _number_policy(numbers)
    text, bound = bind_partiql(statement, params, lookup)
    _, client = _connect(env)
    items, stats = read.partiql(client, text, bound, limit)
    return ReadResult(
        items=items,
        stats=stats,
        table=_statement_table(text),
        mode="partiql",
        limit=limit,
        numbers=numbers,
        flatten=flatten,
    )


def partiql(
    statement: str, params: Mapping[str, Any] | list[Any] | None = None, **options: Any
) -> pd.DataFrame:
    """A PartiQL SELECT into a DataFrame."""
    return run_partiql(statement, params, **options).to_frame()


def _statement_table(statement: str) -> str:
    match = re.search(r'(?is)\bfrom\s+("(?:[^"]|"")+"|[A-Za-z0-9_.\-]+)', statement)
    return match.group(1).strip('"') if match else "?"


class Exploration:
    """What a query front end shows: the read result and the view asked for."""

    def __init__(self, result: ReadResult, view: pd.DataFrame | int, title: str):
        self.result, self.view, self.title = result, view, title

    @property
    def summary_line(self) -> str:
        return self.result.summary_line()


def explore(
    table: str,
    pk: Any = None,
    *,
    head: int | None = None,
    unique: str | None = None,
    summary: bool = False,
    **options: Any,
) -> Exploration:
    """Read, then shape the result the way ``%dynamo_query``/``dynamo query`` flags ask:
    the count, a unique-values table, an attribute summary, the first N items, or all."""
    if sum(bool(x) for x in (unique, summary, options.get("count"))) > 1:
        raise InvalidQuery("choose one of --unique, --summary and --count")
    result = fetch(table, pk, **options)
    if result.mode == "count":
        return Exploration(result, result.stats.count, "count")
    if unique:
        view = analysis.unique(result.items, unique, result.numbers)
        return Exploration(result, view.head(head) if head else view, f"unique values of {unique}")
    if summary:
        view = analysis.summary(result.items, result.numbers)
        return Exploration(result, view.head(head) if head else view, "attribute summary")
    frame = result.to_frame()
    return Exploration(result, frame.head(head) if head else frame, "items")


# -- copying, backups, restore, truncate ---------------------------------------------------------
def plan_copy(
    table: str,
    *,
    source: str | None,
    target: str | None,
    target_table: str | None = None,
    target_region: str | None = None,
    pk: Any = None,
    sk: Any = None,
    sk_op: str = "begins_with",
    sk2: Any = None,
    index: str | None = None,
    mode: str = "replace",
    backup: bool = True,
    verify: str | None = None,
) -> CopyPlan:
    """Check a copy and estimate it, writing nothing (what ``--dry-run`` shows)."""
    return copy_plan.plan_copy(
        CopyRequest(
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
            mode=mode,  # type: ignore[arg-type]
            backup=backup,
            verify=verify or get_settings().verify,
        )
    )


def copy(
    table: str,
    *,
    source: str | None,
    target: str | None,
    yes: bool = False,
    dry_run: bool = False,
    workers: int | None = None,
    segments: int | None = None,
    backend: str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> CopyResult | CopyPlan:
    """Copy a table (or a slice: ``pk=``, ``sk=``, ``index=``) from ``source`` to ``target``.

    Returns the plan with ``dry_run=True``; otherwise the result, raising ``CopyFailed``
    (with ``.result``) when items stayed unwritten, verification failed or it was interrupted.
    """
    warming = None
    if not dry_run and options.get("pk") is None:  # a slice is one task: no worker pool
        guess = copying.Engine.from_settings(get_settings(), None, workers, segments, backend)
        warming = _warm_up(table, source, guess, backend)
    try:
        plan = plan_copy(table, source=source, target=target, **options)
        if dry_run:
            return plan
        copying.require_confirmation(plan, yes)
        engine = copying.Engine.from_settings(
            get_settings(), plan.source_items, workers, segments, backend
        )
        if warming and (engine.backend != guess.backend or plan.slice_request is not None):
            warming, unused = None, warming  # a small copy runs in threads, a slice in one task
            unused.cancel()
        elif warming:
            warming.wait()  # the copy starts on these workers
    except BaseException:  # refused, failed or interrupted: leave no worker behind
        if warming:
            warming.cancel()
        raise
    result = copying.execute(plan, engine, progress)
    if not result.ok:
        raise CopyFailed(result.summary_line(), result)
    return result


def _warm_up(
    table: str, source: str | None, guess: copying.Engine, backend: str | None
) -> parallel.WarmUp | None:
    """Start the copy's loky workers in the background while the plan is made, if the
    source's DescribeTable count says the copy will run in processes (a small table runs in
    threads: no processes are spawned for it). The count is asked in the background thread,
    with a client made here (boto3 sessions must not create clients in two threads at once)
    and one attempt; any error there only means no warm-up: planning reports it."""
    try:
        probe = environments.client(environments.resolve(source), attempts=1)
    except Exception:  # planning reports bad environments properly
        return None

    def wanted() -> bool:
        items = probe.describe_table(TableName=table)["Table"].get("ItemCount")
        return parallel.choose_backend(backend, items) == "loky"

    return parallel.warm_up(guess.workers, guess.backend, WORKER_MODULES, wanted)


def backups(table: str, env: str | None = None) -> pd.DataFrame:
    """The table's on-demand backups, newest first."""
    _, client = _connect(env)
    rows = [
        {
            "name": b.name,
            "created": b.created,
            "status": b.status,
            "bytes": b.size_bytes,
            "arn": b.arn,
        }
        for b in table_admin.list_backups(client, table)
    ]
    return pd.DataFrame(rows, columns=["name", "created", "status", "bytes", "arn"])


def truncate(
    table: str,
    env: str | None = None,
    *,
    yes: bool = False,
    backup: bool = True,
    progress: Progress | None = None,
) -> CopyResult:
    """Delete every item of ``table`` after an on-demand backup; needs ``yes=True``."""
    resolved, client = _connect(env)
    schema = read.describe_table(client, table, resolved.describe())
    if not yes:
        raise ConfirmationRequired(
            f"truncate deletes every item of '{table}' in {resolved.describe()}: "
            "confirm with --yes (yes=True)"
        )
    engine = copying.Engine.from_settings(get_settings(), schema.item_count)
    return copying.truncate(copy_tasks.Side(resolved, table), schema, engine, backup, progress)


def restore(
    table: str,
    env: str | None = None,
    *,
    backup: str | None = "latest",
    into: str | None = None,
    in_place: bool = False,
    yes: bool = False,
    progress: Progress | None = None,
) -> Any:
    """Restore a backup of ``table`` into the new table ``into``, or back into ``table``
    itself (``in_place``: restored to a temporary table, then copied over in replace mode,
    with a backup of the current contents first)."""
    if bool(into) == bool(in_place):
        raise InvalidQuery("choose where to restore: --into NEW_TABLE or --in-place")
    resolved, client = _connect(env)
    chosen = table_admin.find_backup(client, table, backup)
    if into:
        return table_admin.restore_to_new_table(client, chosen, into)
    if not yes:
        raise ConfirmationRequired(
            f"restoring '{chosen.name}' replaces the contents of '{table}' in "
            f"{resolved.describe()}: confirm with --yes (yes=True)"
        )
    temporary = f"{table}-restore-{int(time.time())}"
    table_admin.restore_to_new_table(client, chosen, temporary)
    try:
        result = copy(
            temporary, source=env, target=env, target_table=table, yes=True, progress=progress
        )
    finally:
        table_admin.delete_table(client, temporary)
    return result
