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

from . import analysis, environments, lazy
from .copying import engine as copy_engine
from .copying import parallel
from .copying import plan as copy_plan
from .copying import tasks as copy_tasks
from .copying.engine import CopyResult
from .copying.parallel import Progress
from .copying.plan import CopyPlan, CopyRequest
from .dynamodb import backups as backup_admin
from .dynamodb import read, tables
from .dynamodb.read import PageCallback, ReadResult
from .errors import ConfirmationRequired, CopyFailed, InvalidQuery
from .expressions import (
    Placeholders,
    bind_partiql,
    key_condition,
    parse_filter,
    projection,
    split_names,
)
from .paths import DocumentPath, format_path, lookup, parse_path
from .schema import TableSchema, check_table_name
from .settings import NUMBER_POLICIES, check_counts, get_settings, reload_settings

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    pd = lazy.module("pandas")

DEFAULT_SCAN_SEGMENTS = 4  # threads for a scan into a DataFrame
# what copy workers import while the plan is made (parallel.warm_up): the copy's tasks
WORKER_MODULES = ("dynamo_magic.copying.tasks",)


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
    check_table_name(table, "--table", arn=True)
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
    a preview of the first items. Returns typed items with their statistics.

    ``ReadResult.items`` are DynamoDB JSON in wire form (binaries as base64 text, numbers as
    text), the same form ``run_partiql`` gives; ``ReadResult.decoded_items()`` gives boto3's
    client form (binaries as bytes). ``limit`` bounds the items returned, or with ``count``
    the items counted (the result then says it was truncated when more may match)."""
    check_table_name(table, "--table", arn=True)
    settings = get_settings()
    numbers = _number_policy(numbers)
    _positive(limit, "--limit")
    check_counts(segments=settings.segments if segments is None else segments)
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
    keys = schema.item_key_names(index)  # always whole top-level names in paths
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
    filter_paths: list[DocumentPath] = []
    if filter:
        request["FilterExpression"], filter_paths = parse_filter(filter, ph, params, keys)
    selected: list[DocumentPath] = []
    if count:
        request["Select"] = "COUNT"
        mode = "count"
    elif select:
        names = split_names(select)
        request["ProjectionExpression"] = projection(names, ph, keys)
        selected = [parse_path(n, keys) for n in names if n.strip()]
    if consistent:
        request["ConsistentRead"] = True
    request.update(ph.request_fields())

    if pk is not None:
        items, stats = read.read_all(client, "query", request, limit, on_page)
    elif scan:
        n = segments or settings.segments or DEFAULT_SCAN_SEGMENTS  # checked above
        items, stats = read.parallel_scan(client, request, n, limit, on_page)
    else:
        items, stats = read.read_all(client, "scan", request, limit, on_page)
    result = ReadResult(
        items=items,
        stats=stats,
        table=table,
        mode=mode,
        index=index,
        key_names=keys,
        limit=limit,
        numbers=numbers,
        flatten=flatten,
        preview=pk is None and not scan,
    )
    if filter and stats.count == 0 and stats.scanned > 0:
        result.notes.append(_no_match_note(stats.scanned, filter_paths, keys))
    missing = [p for p in selected if items and (len(p) > 1 or p[0] not in keys)]
    missing = [p for p in missing if not _any_has(items, p)]
    if missing:
        result.notes.append(_missing_note(missing, keys))
    return result


def _check_path(text: str, table: str, env: str | None, index: str | None) -> None:
    """Refuse a malformed path before reading anything; a key name (dots and all) is fine."""
    try:
        parse_path(text)
    except InvalidQuery:
        if text.strip() not in describe(table, env).item_key_names(index):
            raise


def _no_match_note(scanned: int, paths: list[DocumentPath], keys: tuple[str, ...]) -> str:
    """Says a filter, not an empty partition, made the result empty; names the first dotted
    path, which may have been meant as one attribute with a dot in its name."""
    return f"0 of {scanned:,} evaluated items matched the filter" + _dotted_hint(paths, keys)


def _dotted_hint(paths: list[DocumentPath], keys: tuple[str, ...]) -> str:
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
    head = next((i for i, e in enumerate(path) if isinstance(e, int)), len(path))
    return any(lookup(item, path[:head]) is not None for item in items)


def _missing_note(paths: list[DocumentPath], keys: tuple[str, ...]) -> str:
    names = ", ".join(f"'{format_path(p, keys)}'" for p in paths)
    return f"no item had attribute {names}" + _dotted_hint(paths, keys)


def query(table: str, pk: Any = None, **options: Any) -> pd.DataFrame:
    """Query a table or index into a DataFrame (see ``fetch`` for the options)."""
    _no_count(options, "query")
    return fetch(table, pk, **options).to_frame()


def scan(table: str, **options: Any) -> pd.DataFrame:
    """Parallel scan of a whole table or index into a DataFrame."""
    _no_count(options, "scan")
    return fetch(table, scan=True, **options).to_frame()


def _no_count(options: Mapping[str, Any], function: str) -> None:
    """Refuse ``count=True`` where items are returned: DynamoDB's Select COUNT returns none,
    so the DataFrame would be empty, as if nothing matched; ``count`` gives the number."""
    if options.get("count"):
        raise InvalidQuery(
            f"{function}() returns items and count=True reads none; for the number of "
            "matching items use dynamo_magic.count(table, pk, ...)"
        )


def _positive(value: int | None, name: str, what: str = "items") -> None:
    """Refuse a count of items or rows below 1, naming the flag or parameter that was given
    (``--limit``, ``--head``, ``n``): ``--head 0`` is not reported as a bad ``--limit``."""
    if value is not None and value < 1:
        raise InvalidQuery(f"{name} must be a positive number of {what} (got {value})")


def count(table: str, pk: Any = None, **options: Any) -> int:
    """Number of matching items, counted by DynamoDB (Select COUNT); whole table with no key.
    With ``limit=N`` it counts at most N."""
    if pk is None:
        options.setdefault("scan", True)
    return fetch(table, pk, count=True, **options).stats.count


def head(table: str, pk: Any = None, n: int = 5, **options: Any) -> pd.DataFrame:
    """The first ``n`` items of a query (or of the table, without a key)."""
    _positive(n, "n")
    _no_count(options, "head")
    return fetch(table, pk, limit=n, **options).to_frame()


def unique(table: str, attribute: str, pk: Any = None, **options: Any) -> pd.DataFrame:
    """Distinct values of ``attribute`` (any type; a document path such as ``addr.city``) with
    counts; missing is its own row."""
    _no_count(options, "unique")
    _check_path(attribute, table, options.get("env"), options.get("index"))
    result = fetch(table, pk, **options)
    return analysis.unique(result.items, attribute, result.numbers, result.key_names)


def summary(table: str, pk: Any = None, **options: Any) -> pd.DataFrame:
    """Per attribute: share present, DynamoDB types, distinct values, top values."""
    _no_count(options, "summary")
    result = fetch(table, pk, **options)
    return analysis.summary(result.items, result.numbers, result.flatten, result.key_names)


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
    """A PartiQL SELECT with bound parameters (``?`` with a list, ``:name`` with a mapping).

    Items come in the same wire form as ``fetch`` (binaries as base64 text: ExecuteStatement
    goes through ``wire``'s fast path like Query and Scan); ``decoded_items()`` gives bytes."""
    numbers = _number_policy(numbers)
    _positive(limit, "--limit")  # --limit -1 would drop the last item of the page
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
    # before the read: --head N alone reads N items, so a bad N would be reported as --limit
    _positive(head, "--head", "items" if not (unique or summary) else "rows")
    if unique:
        _check_path(unique, table, options.get("env"), options.get("index"))
    result = fetch(table, pk, **options)
    if result.mode == "count":
        return Exploration(result, result.stats.count, "count")
    if unique:
        view = analysis.unique(result.items, unique, result.numbers, result.key_names)
        if result.items and analysis.missing_rows(view).all():  # every item lacked it
            note = _missing_note([parse_path(unique, result.key_names)], result.key_names)
            if note not in result.notes:
                result.notes.append(note)
        return Exploration(result, view.head(head) if head else view, f"unique values of {unique}")
    if summary:
        view = analysis.summary(result.items, result.numbers, result.flatten, result.key_names)
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
    _check_copy_names(table, target_table)
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
    Worker processes the copy started are gone when it returns or raises. ``workers`` (at
    least 1) and ``segments`` (1 to 1,000,000, DynamoDB's TotalSegments limit) are checked
    before anything is read.
    """
    _check_copy_names(table, options.get("target_table"))  # before workers are warmed for it
    settings = get_settings()
    check_counts(
        workers=settings.workers if workers is None else workers,
        segments=settings.segments if segments is None else segments,
    )
    with parallel.workers_released():  # phases share warm workers; none outlive the call
        warming = None
        if not dry_run and options.get("pk") is None:  # a slice is one task: no worker pool
            guess = copy_engine.Engine.from_settings(
                get_settings(), None, workers, segments, backend
            )
            warming = _warm_up(table, source, guess, backend)
        try:
            plan = plan_copy(table, source=source, target=target, **options)
            if dry_run:
                return plan
            copy_engine.require_confirmation(plan, yes)
            engine = copy_engine.Engine.from_settings(
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
        result = copy_engine.execute(plan, engine, progress)
        if not result.ok:
            raise CopyFailed(result.summary_line(), result) from result.cause
        return result


def _check_copy_names(table: Any, target_table: Any) -> None:
    """The copy's table names, as DynamoDB's rule has them (no ARN: the target's table is
    named after the source's, and backups and failed-item files after the target's)."""
    check_table_name(table, "--table")
    if target_table is not None:
        check_table_name(target_table, "--target-table")


def _warm_up(
    table: str, source: str | None, guess: copy_engine.Engine, backend: str | None
) -> parallel.WarmUp | None:
    """Start the copy's loky workers in the background while the plan is made, if the
    source's DescribeTable count says the copy will run in processes or is 0 (unknown: see
    ``copy_plan.estimate_items``); a small table runs in threads: no processes are spawned
    for it. The count is asked in the background thread,
    with a client made here (boto3 sessions must not create clients in two threads at once)
    and one attempt; any error there only means no warm-up: planning reports it."""
    try:
        probe = environments.client(environments.resolve(source), attempts=1)
    except Exception:  # planning reports bad environments properly
        return None

    def wanted() -> bool:
        items = probe.describe_table(TableName=table)["Table"].get("ItemCount")
        # 0 is also what AWS reports for hours after a table is loaded: the plan then counts
        # a segment, and the warm-up is cancelled if that estimate says threads
        return not items or parallel.choose_backend(backend, items) == "loky"

    return parallel.warm_up(guess.workers, guess.backend, WORKER_MODULES, wanted)


def backups(table: str, env: str | None = None) -> pd.DataFrame:
    """The table's on-demand backups, newest first."""
    check_table_name(table, "--table", arn=True)
    _, client = _connect(env)
    rows = [
        {
            "name": b.name,
            "created": b.created,
            "status": b.status,
            "bytes": b.size_bytes,
            "arn": b.arn,
        }
        for b in backup_admin.list_backups(client, table)
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
    """Delete every item of ``table`` after an on-demand backup; needs ``yes=True``.

    Returns the result (``ok`` False when items stayed undeleted or it was interrupted);
    raises ``CopyFailed`` (with ``.result``: what was deleted) when an error stopped it."""
    check_table_name(table, "--table")
    settings = get_settings()  # checked when made (settings.check_numbers)
    resolved, client = _connect(env)
    schema = read.describe_table(client, table, resolved.describe())
    if not yes:
        raise ConfirmationRequired(
            f"truncate deletes every item of '{table}' in {resolved.describe()}: "
            "confirm with --yes (yes=True)"
        )
    engine = copy_engine.Engine.from_settings(settings, schema.item_count)
    with parallel.workers_released():
        result = copy_engine.truncate(
            copy_tasks.Side(resolved, table), schema, engine, backup, progress
        )
    if result.error:
        raise CopyFailed(result.summary_line(), result) from result.cause
    return result


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
    check_table_name(table, "--table")
    if into:
        check_table_name(into, "--into")
    resolved, client = _connect(env)
    chosen = backup_admin.find_backup(client, table, backup)
    if into:
        return backup_admin.restore_to_new_table(client, chosen, into)
    if not yes:
        raise ConfirmationRequired(
            f"restoring '{chosen.name}' replaces the contents of '{table}' in "
            f"{resolved.describe()}: confirm with --yes (yes=True)"
        )
    temporary = f"{table[:236]}-restore-{int(time.time())}"  # 255 characters at most
    backup_admin.restore_to_new_table(client, chosen, temporary)
    try:  # the copy releases its worker processes when it ends
        result = copy(
            temporary, source=env, target=env, target_table=table, yes=True, progress=progress
        )
    finally:
        tables.delete_table(client, temporary)
    return result


def reset() -> None:
    """Start afresh without restarting the kernel: forget cached AWS sessions, clients, account
    ids and profiles, read the config file again and stop idle worker processes.

    Changes of the AWS config/credentials files, the ``AWS_*`` variables and the config file
    are noticed by themselves on the next call; ``reset`` is for what no file shows (a new
    token from a credential process or SSO login, say). Values set with ``%config DynamoMagic``
    are kept; settings given whole to ``set_settings`` are dropped.
    """
    environments.clear_caches()
    reload_settings()
    parallel.release_workers()
