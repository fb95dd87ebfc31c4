"""Planning a copy: every check that must pass before anything is written, and the estimate.

``plan_copy`` resolves both sides, refuses the same table on both, checks the target's key
schema, decides whether the target is created and backed up, and says what needs
confirmation. It reads, never writes; a dry run shows the plan and stops there.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from . import environments, read
from .codec import Item
from .copy_tasks import Side, typed_json
from .environments import Environment
from .errors import InvalidQuery, TableNotFound, UnsafeOperation
from .expressions import Placeholders, key_condition
from .schema import TableSchema

Mode = Literal["replace", "truncate", "merge"]
MODES: tuple[str, ...] = ("replace", "truncate", "merge")
VERIFY_METHODS: tuple[str, ...] = ("count", "full", "none")
SAMPLE_ITEMS = 100  # items read to estimate the average item size
WRITE_UNIT_BYTES = 1024  # one write capacity unit per KB
READ_UNIT_BYTES = 4096  # one (strong) read capacity unit per 4 KB; scans read eventually: half


@dataclass(frozen=True)
class CopyRequest:
    """What the user asked for (environment names, not yet resolved)."""

    table: str
    source: str | None
    target: str | None
    target_table: str | None = None
    target_region: str | None = None
    pk: Any = None
    sk: Any = None
    sk_op: str = "begins_with"
    sk2: Any = None
    index: str | None = None
    mode: Mode = "replace"
    backup: bool = True
    yes: bool = False
    verify: str = "count"


@dataclass(repr=False)
class CopyPlan:
    """Everything decided before the first write; ``str(plan)`` is the readable dry run."""

    request: CopyRequest
    source: Side
    target: Side
    source_schema: TableSchema
    target_schema: TableSchema | None  # None: the target will be created
    slice_request: dict[str, Any] | None  # Query parameters of the slice (None: whole table)
    source_items: int  # exact for a slice, estimated for a table
    source_items_exact: bool
    average_item_bytes: float
    target_empty: bool
    target_items: int | None  # approximate (DescribeTable) or exact for a slice
    backup: bool  # a backup will be taken before writing
    confirmations: list[str] = field(default_factory=list)  # reasons --yes is needed
    warnings: list[str] = field(default_factory=list)

    @property
    def create_target(self) -> bool:
        return self.target_schema is None

    @property
    def key_names(self) -> tuple[str, ...]:
        return self.source_schema.key.names

    @property
    def source_bytes(self) -> int:
        return int(self.source_items * self.average_item_bytes)

    @property
    def write_units(self) -> int:
        per_item = max(1, math.ceil(self.average_item_bytes / WRITE_UNIT_BYTES))
        return self.source_items * per_item

    @property
    def read_units(self) -> int:
        return math.ceil(self.source_bytes / READ_UNIT_BYTES / 2)

    @property
    def deletes(self) -> str:
        mode = self.request.mode
        if mode == "merge" or self.target_empty:
            return "none"
        where = "the target's slice" if self.slice_request else "the target"
        if mode == "truncate":
            return f"every item of {where} (~{self.target_items or 0:,}) before writing"
        return f"items of {where} whose key is not in the source, after writing"

    @property
    def verification(self) -> str:
        return {
            "count": "count items on both sides (Select COUNT scans)",
            "full": "compare every key and a content hash (reads both sides in full)",
            "none": "none",
        }[self.request.verify]

    def rows(self) -> list[tuple[str, str]]:
        r = self.request
        what = f"slice {self.describe_slice()}" if self.slice_request else "whole table"
        exact = "exact" if self.source_items_exact else "estimated"
        target_state = (
            "missing: will be created from the source schema"
            if self.create_target
            else ("empty" if self.target_empty else f"~{self.target_items or 0:,} items")
        )
        return [
            ("source", f"{self.source.table} in {self.source.env.describe()}"),
            ("target", f"{self.target.table} in {self.target.env.describe()}"),
            ("what", f"{what}, mode {r.mode}"),
            ("source items", f"{self.source_items:,} ({exact})"),
            ("source bytes", f"~{self.source_bytes:,} (estimated from a sample)"),
            ("target", target_state),
            ("schema check", "target created" if self.create_target else "keys match"),
            ("backup", "on-demand backup first" if self.backup else "none"),
            ("deletes", self.deletes),
            ("write units", f"~{self.write_units:,} (estimated)"),
            ("read units", f"~{self.read_units:,} (estimated)"),
            ("verification", self.verification),
            ("needs --yes", "; ".join(self.confirmations) or "no"),
        ] + [("warning", w) for w in self.warnings]

    def describe_slice(self) -> str:
        r = self.request
        parts = [f"pk={r.pk!r}"]
        if r.sk is not None:
            parts.append(f"sk {r.sk_op} {r.sk!r}" + (f"..{r.sk2!r}" if r.sk2 is not None else ""))
        if r.index:
            parts.append(f"index {r.index}")
        return ", ".join(parts)

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self.rows())
        return "Copy plan (nothing written):\n" + "\n".join(
            f"  {k.ljust(width)}  {v}" for k, v in self.rows()
        )

    __repr__ = __str__

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["", "plan"]).set_index("")

    def _repr_html_(self) -> str:
        return "<b>Copy plan</b> (nothing written)" + self.to_frame().to_html()


def _resolve(request: CopyRequest) -> tuple[Environment, Environment]:
    source = environments.resolve(request.source)
    target = environments.resolve(request.target)
    if request.target_region:
        target = dataclasses.replace(target, region=request.target_region)
    return source, target


def _identity(env: Environment, table: str) -> tuple[Any, ...]:
    account = environments.account_id(env) or f"profile:{env.profile}"
    return (account, env.region, env.endpoint_url, table)


def slice_request(schema: TableSchema, request: CopyRequest) -> dict[str, Any] | None:
    """Query parameters selecting the slice (validated against ``schema``), or ``None``."""
    if request.pk is None:
        if request.sk is not None or request.index:
            raise InvalidQuery("--sk and --index select a slice: give --pk too")
        return None
    where = f"index '{request.index}'" if request.index else f"table '{schema.name}'"
    ph = Placeholders()
    condition = key_condition(
        schema.key_for(request.index),
        request.pk,
        ph,
        request.sk,
        request.sk_op,
        request.sk2,
        where,
    )
    query: dict[str, Any] = {"KeyConditionExpression": condition, **ph.request_fields()}
    if request.index:
        query["IndexName"] = request.index
    return query


def _describe_or_none(client: Any, table: str) -> TableSchema | None:
    try:
        return read.describe_table(client, table)
    except TableNotFound:
        return None


def _check_schemas(source: TableSchema, target: TableSchema, request: CopyRequest) -> None:
    if source.key != target.key:
        raise UnsafeOperation(
            f"key schemas differ: source '{source.name}' has {source.key}, target "
            f"'{target.name}' has {target.key}; copy into another --target-table"
        )
    if request.index and request.mode != "merge":
        wanted = source.index(request.index).key
        have = target.indexes.get(request.index)
        if have is None or have.key != wanted:
            raise UnsafeOperation(
                f"target '{target.name}' lacks index '{request.index}' with key {wanted}, "
                "needed to find its slice; use --mode merge or add the index"
            )


def _sample(
    client: Any, table: str, query: dict[str, Any] | None, limit: int = SAMPLE_ITEMS
) -> list[Item]:
    """The first ``limit`` items of the table (or of the slice ``query`` selects)."""
    operation = "query" if query else "scan"
    stats = read.ReadStats()
    pages = read.iter_pages(client, operation, {"TableName": table, **(query or {})}, stats, limit)
    return [item for page in pages for item in page]


def _is_empty(client: Any, table: str) -> bool:
    return not _sample(client, table, None, limit=1)


def _count(client: Any, table: str, query: dict[str, Any]) -> int:
    stats = read.ReadStats()
    request = {"TableName": table, **query, "Select": "COUNT"}
    for _ in read.iter_pages(client, "query", request, stats):
        pass
    return stats.count


def plan_copy(request: CopyRequest) -> CopyPlan:
    """Check everything and estimate the copy; reads only."""
    if request.mode not in MODES:
        raise InvalidQuery(f"unknown mode '{request.mode}'; use one of {', '.join(MODES)}")
    if request.verify not in VERIFY_METHODS:
        raise InvalidQuery(f"unknown --verify '{request.verify}'; use {', '.join(VERIFY_METHODS)}")
    source_env, target_env = _resolve(request)
    source = Side(source_env, request.table)
    target = Side(target_env, request.target_table or request.table)
    source_client, target_client = source.client(), target.client()
    source_schema = read.describe_table(source_client, source.table, source_env.describe())
    query = slice_request(source_schema, request)
    if _identity(source_env, source.table) == _identity(target_env, target.table):
        raise UnsafeOperation(
            f"source and target are the same table ('{source.table}' in "
            f"{source_env.describe()}); choose another --target or --target-table"
        )
    target_schema = _describe_or_none(target_client, target.table)
    if target_schema is not None:
        _check_schemas(source_schema, target_schema, request)

    sample = _sample(source_client, source.table, query)
    average = sum(len(typed_json(i)) for i in sample) / len(sample) if sample else 0.0
    if query is not None:
        source_items, exact = _count(source_client, source.table, query), True
    else:
        estimate = source_schema.item_count or 0
        source_items, exact = max(estimate, len(sample)), len(sample) < SAMPLE_ITEMS
    table_empty = target_schema is None or _is_empty(target_client, target.table)
    target_items: int | None
    if table_empty:
        target_items, target_empty = 0, True
    elif query is not None:
        target_items = _count(target_client, target.table, query)
        target_empty = target_items == 0
    else:  # DescribeTable's count may be hours stale (0 for a new table): only an estimate
        target_items, target_empty = target_schema.item_count or None, False

    plan = CopyPlan(
        request=request,
        source=source,
        target=target,
        source_schema=source_schema,
        target_schema=target_schema,
        slice_request=query,
        source_items=source_items,
        source_items_exact=exact,
        average_item_bytes=average,
        target_empty=target_empty,
        target_items=target_items,
        backup=request.backup and not table_empty,  # a slice copy backs up the whole table
    )
    if target_env.protected:
        plan.confirmations.append(f"target env '{target_env.label}' is protected")
    if not target_empty:
        plan.confirmations.append(f"target '{target.table}' holds items that will be overwritten")
    if source_items == 0 and not target_empty and request.mode != "merge":
        plan.warnings.append(
            f"the source {'slice' if query else 'table'} is empty: this copy would empty the "
            f"target's {'slice' if query else 'table'}"
        )
    if not request.backup and not target_empty:
        plan.warnings.append("no backup will be taken (--no-backup)")
    return plan
