"""Planning a copy: every check that must pass before anything is written, and the estimate.

``plan_copy`` resolves both sides, refuses the same table on both, checks the target's key
schema, decides whether the target is created and backed up, and says what needs
confirmation. It reads, never writes; a dry run shows the plan and stops there.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import environments, reading
from ..codec import WireItem
from ..dynamodb import clients, read, table_settings
from ..dynamodb.retry import RetryPolicy, policy_from
from ..dynamodb.table_settings import TableSettings
from ..environments import Environment
from ..errors import InvalidQuery, TableNotFound, UnsafeOperation, literal
from ..expressions import default_operator
from ..reading import ReadSpec
from ..schema import TableSchema
from ..settings import COPY_MODES, VERIFY_METHODS, CopyMode, Settings
from . import checkpoints, limits, transforms
from .digest import typed_json
from .limits import Limits
from .sources import Side

if TYPE_CHECKING:
    from .origins import Origin

SAMPLE_ITEMS = 100  # items read to estimate the average item size
WRITE_UNIT_BYTES = 1024  # one write capacity unit per KB
READ_UNIT_BYTES = 4096  # one (strong) read capacity unit per 4 KB; scans read eventually: half
# Estimating a table's items when DescribeTable's ItemCount (refreshed about every 6 hours, 0 for
# a freshly loaded table) disagrees with the sample: Select COUNT one parallel-scan segment of
# COUNT_SEGMENT_LEVELS[i] and extrapolate, from the finest level down, until the segment holds
# at least MIN_SEGMENT_COUNT items (about +-7 % from sampling). Level 1 counts the whole table
# (exact): tables that small cost only a few pages. The finest level stays at or below 4096 so
# one segment of a billion-item table is ~250,000 items, read as COUNT pages of 1 MB.
COUNT_SEGMENT_LEVELS: tuple[int, ...] = (4096, 512, 64, 8, 1)
MIN_SEGMENT_COUNT = 200


@dataclass(frozen=True)
class CopyRequest:
    """What the user asked for (environment names, not yet resolved): the keywords of
    ``dynamo_magic.plan_copy``; ``pk``/``sk``/``sk_op``/``sk2``/``index`` select a slice
    (``slice_spec``), ``None`` ``pk`` the whole table."""

    table: str
    source: str | None
    target: str | None
    target_table: str | None = None
    target_region: str | None = None
    pk: Any = None
    sk: Any = None
    sk_op: str | None = None
    sk2: Any = None
    index: str | None = None
    mode: CopyMode = "replace"
    backup: bool = True
    verify: str = "count"
    transform: Callable[..., Any] | None = None  # applied to every item (``transforms``)
    max_write_units: Any = None  # units/s or "P%" of the target's capacity (``limits``)
    max_read_units: Any = None  # units/s or "P%" of the source's capacity
    copy_settings: bool = False  # a created target gets the source's TTL, stream, tags, ...


@dataclass(repr=False)
class CopyPlan:
    """Everything decided before the first write; ``str(plan)`` is the readable dry run.

    Parameters
    ----------
    request : CopyRequest
        What was asked for.
    source, target : Side
        The two tables, each with its resolved environment.
    source_schema : TableSchema
        The source's description (keys, indexes, billing).
    target_schema : TableSchema or None
        The target's description; ``None`` when it will be created from the source's.
    slice_request : dict or None
        Query parameters selecting the slice; ``None`` for the whole table.
    source_items : int
        Items to copy, in items: exact for a slice or a small table, else an estimate.
    source_items_exact : bool
        Whether ``source_items`` was counted rather than estimated.
    average_item_bytes : float
        Average item size of a sample of up to 100 source items, in bytes.
    target_empty : bool
        The target (slice) holds no item.
    target_items : int or None
        Items of the target (slice): exact for a slice, DynamoDB's estimate otherwise.
    backup : bool
        An on-demand backup of the target is taken before writing.
    confirmations : list of str
        Why the copy needs confirming (``yes=True``): a protected or non-empty target.
    warnings : list of str
        What the user should know before confirming.
    source_items_basis : str
        How ``source_items`` was found, for the plan's row.
    settings_not_copied : list of str
        Settings of the source a created target will lack (TTL, stream, tags, ...): all of
        them, or with ``copy_settings`` those that could not be read.
    settings_to_copy : TableSettings or None
        With ``copy_settings`` and a target the copy creates: the source's settings it gets.
    checkpoint : str or None
        The copy's checkpoint file once the copy has started (or the one it resumes);
        ``None`` in a dry run: a new file in ``checkpoints.default_folder()``.
    target_lacks_index : bool
        A merge of an index slice into a target without that index (or with another key):
        merge only writes, so it needs none, but the target's slice cannot be queried:
        ``target_items`` is ``None`` and a merge ``count`` verification looks every source
        item up in the target by its table key instead of counting the target's slice.
    limits : limits.Limits
        The write rate (the target's) and read rate (the source's) the copy is held to, each
        with where it came from and what its table can take (unlimited unless asked).
    origin : origins.Origin or None
        A load (``loading.plan_load``): where the items come from instead of a table. Then
        ``source`` is the target's side and ``source_schema`` the target's description (the
        key the items are written with); ``source_items`` is the origin's count (0 and not
        exact when unknown); ``partition_keys`` the partitions replace/truncate replaces.

    Examples
    --------
    >>> plan = dynamo_magic.plan_copy("orders", source="dev", target="stage")  # doctest: +SKIP
    >>> plan.source_items, plan.write_units, plan.deletes  # doctest: +SKIP
    (30, 30, 'none')
    """

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
    source_items_basis: str = ""  # how source_items was found, for the plan row
    # settings of the source a created target will not have (empty when the target exists)
    settings_not_copied: list[str] = field(default_factory=list)
    target_lacks_index: bool = False  # merge of an index slice: the target's slice unknown
    limits: Limits = field(default_factory=Limits)  # capacity limits (``limits.resolve``)
    settings_to_copy: TableSettings | None = None  # copy_settings into a created target
    checkpoint: str | None = None  # the checkpoint file (None: not chosen yet, a dry run)
    resuming: str | None = None  # a resume's plan: what its checkpoint says is done
    items_done: int = 0  # a resume's plan: items its earlier runs read (the units exclude them)
    origin: Origin | None = None  # a load: where its items come from (``loading``)
    partition_keys: list[dict[str, Any]] | None = None  # a load's scope (None: whole table)

    @property
    def create_target(self) -> bool:
        return self.target_schema is None

    @property
    def key_names(self) -> tuple[str, ...]:
        return self.source_schema.key.names

    @property
    def transform_name(self) -> str | None:
        """The transform's identity, ``module:qualname`` (``None``: no transform)."""
        function = self.request.transform
        return None if function is None else transforms.name_of(function)

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
    def verify_read_units(self) -> int:
        """Read units the verification takes (estimated): a count or a comparison reads the
        source's and the target's items again (a load's verification, the target's only);
        none without verification. A read limit meters them too."""
        if self.request.verify == "none":
            return 0
        return (1 if self.origin is not None else 2) * self.read_units

    @property
    def deletes(self) -> str:
        mode = self.request.mode
        if mode == "merge" or self.target_empty:
            return "none"
        where = self.target_scope()
        if mode == "truncate":
            return f"every item of {where} (~{self.target_items or 0:,}) before writing"
        count = f": {self.delete_count()}"
        if self.origin is not None:
            return f"items of {where} whose key this load did not write, after writing{count}"
        if self.request.transform is not None:  # its keys may not be the source's
            return (
                f"items of {where} whose key neither the source has nor this copy wrote, "
                f"after writing{count}"
            )
        return f"items of {where} whose key is not in the source, after writing{count}"

    def delete_count(self) -> str:
        """How many items replace or truncate deletes, as an estimate in words: truncate the
        target's (scope's) items; replace those whose key the writes lack, from the target's
        count less the items written (all of them already there) to the whole count (none
        there); "none" for merge or an empty target; "not counted" without a count."""
        mode = self.request.mode
        if mode == "merge" or self.target_empty:
            return "none"
        if self.target_items is None:
            return "not counted (the target holds items)"
        held = self.target_items
        if mode == "truncate":
            return f"~{held:,} (estimated: the target's count)"
        fewest = max(0, held - self.source_items) if self.source_items_exact else 0
        span = f"~{held:,}" if fewest == held else f"~{fewest:,} to ~{held:,}"
        return (
            f"{span} (estimated: the target's ~{held:,} items less the "
            f"{'~' if not self.source_items_exact else ''}{self.source_items:,} written, if "
            "all of them are there already)"
        )

    def target_scope(self) -> str:
        """The target's items a replace or truncate concerns, in words."""
        if self.partition_keys is not None:
            count = len(self.partition_keys)
            name = self.source_schema.key.hash.name
            return f"the target's {count:,} partition(s) of {name} the load writes"
        return "the target's slice" if self.slice_request else "the target"

    @property
    def verification(self) -> str:
        looked_up = self.request.mode == "merge" and not self.target_empty
        if self.origin is not None and self.request.verify != "none" and looked_up:
            return "look every item loaded up in the target by key (found unchanged)"
        if self.origin is not None and self.request.verify != "none":
            how = {
                "count": "count the target's items (Select COUNT)",
                "full": "compare keys and content hashes of the target's items",
            }[self.request.verify]
            where = "its partitions" if self.partition_keys is not None else "the table"
            against = "at least" if self.request.mode == "merge" else "exactly"
            return f"{how} in {where}: {against} the items loaded (reads the origin again)"
        if self.target_lacks_index and self.request.verify == "count":
            return (
                "look every source item up in the target by key (the target lacks index "
                f"'{self.request.index}' to count its slice)"
            )
        if self.request.transform is not None and self.request.verify != "none":
            how = "count" if self.request.verify == "count" else "compare keys and content hashes"
            return (
                f"{how}: the target against the source's items as the transform makes them "
                "(reads the source in full and transforms it again)"
            )
        return {
            "count": "count items on both sides (Select COUNT scans)",
            "full": "compare every key and a content hash (reads both sides in full)",
            "none": "none",
        }[self.request.verify]

    def rows(self) -> list[tuple[str, str]]:
        if self.origin is not None:
            return self._load_rows(self.origin)
        r = self.request
        what = f"slice {self.describe_slice()}" if self.slice_request else "whole table"
        exact = "exact" if self.source_items_exact else "estimated"
        basis = f", {self.source_items_basis}" if self.source_items_basis else ""
        approx = "" if self.source_items_exact else "~"
        target_state = (
            "missing: will be created from the source schema"
            if self.create_target
            else ("empty" if self.target_empty else f"~{self.target_items or 0:,} items")
        )
        if self.target_lacks_index and not self.target_empty:
            target_state = (
                f"holds items; its slice is not counted: it lacks index '{r.index}' "
                "(merge only writes: none is needed)"
            )
        return [
            ("source", f"{self.source.table} in {self.source.env.describe()}"),
            ("target", f"{self.target.table} in {self.target.env.describe()}"),
            ("what", f"{what}, mode {r.mode}"),
            *([("transform", f"{self.transform_name} on every item")] if r.transform else []),
            ("source items", f"{approx}{self.source_items:,} ({exact}{basis})"),
            ("source bytes", f"~{self.source_bytes:,} (estimated from a sample)"),
            ("target", target_state),
            ("schema check", "target created" if self.create_target else "keys match"),
            *self._settings_rows(),
            *(
                [("not copied", not_copied_text(self.settings_not_copied))]
                if self.settings_not_copied
                else []
            ),
            ("backup", "on-demand backup first" if self.backup else "none"),
            ("deletes", self.deletes),
            ("write units", self._units_text(self.write_units)),
            ("read units", self._read_units_text()),
            *limits.plan_rows(
                self.limits,
                self.units_left(self.write_units),
                self.units_left(self.read_units) + self.verify_read_units,
            ),
            ("verification", self.verification),
            ("checkpoint", self._checkpoint_text()),
            ("needs confirmation", "; ".join(self.confirmations) or "no"),
        ] + [("warning", w) for w in self.warnings]

    def _load_rows(self, origin: Origin) -> list[tuple[str, str]]:
        """A load's rows: its origin where a copy names its source table."""
        r = self.request
        what = "whole table" if self.partition_keys is None else self.target_scope()
        items = (
            f"{self.source_items:,} (exact)"
            if self.source_items_exact
            else "not known before reading"
        )
        state = "empty" if self.target_empty else f"~{self.target_items or 0:,} items"
        if self.target_items is None and not self.target_empty:
            state = "holds items (not counted)"
        if self.create_target:
            state = f"missing: will be created, key {self.source_schema.key}, on demand"
        return [
            ("source", origin.describe()),
            *origin.rows(),
            ("target", f"{self.target.table} in {self.target.env.describe()}"),
            ("what", f"{what}, mode {r.mode}"),
            ("source items", items),
            ("source bytes", f"~{self.source_bytes:,} (estimated from a sample)"),
            ("target", state),
            ("key check", f"every item's key checked against {self.source_schema.key}"),
            ("backup", "on-demand backup first" if self.backup else "none"),
            ("deletes", self.deletes),
            ("write units", self._units_text(self.write_units)),
            *limits.plan_rows(self.limits, self.units_left(self.write_units), 0)[:1],
            ("verification", self.verification),
            ("checkpoint", self._checkpoint_text()),
            ("needs confirmation", "; ".join(self.confirmations) or "no"),
        ] + [("warning", w) for w in self.warnings]

    def units_left(self, units: int) -> int:
        """Of ``units`` (the whole copy's estimate), those its remaining items need: all of
        them, or for a resume the share of the source its earlier runs did not read."""
        if not self.items_done or not self.source_items:
            return units
        left = max(self.source_items - self.items_done, 0) / self.source_items
        return math.ceil(units * left)

    def _units_text(self, units: int) -> str:
        if not self.items_done:
            return f"~{units:,} (estimated)"
        return f"~{self.units_left(units):,} left of ~{units:,} (estimated)"

    def _read_units_text(self) -> str:
        """The copy's reads, and with its verification's (which a read limit meters too)."""
        copy = self._units_text(self.read_units).removesuffix(" (estimated)")
        if not self.verify_read_units:
            return f"{copy} (estimated)"
        total = self.units_left(self.read_units) + self.verify_read_units
        return f"{copy} to copy, ~{total:,} with the verification (estimated)"

    def _settings_rows(self) -> list[tuple[str, str]]:
        """``copy_settings``: what the created target gets (before the ``not copied`` row)."""
        if self.settings_to_copy is None:
            return []
        copied = self.settings_to_copy.copyable().describe()
        return [("settings copied", "; ".join(copied) or "none: the source has none set")]

    @property
    def operation(self) -> str:
        """What the plan carries out, as messages name it: ``"copy"``, or a load's phase
        (``"import"`` of files, ``"load"`` of a frame's items)."""
        return self.origin.phase if self.origin is not None else "copy"

    def _checkpoint_text(self) -> str:
        if self.checkpoint is None:
            return self._new_checkpoint()
        return f"{self.checkpoint} ({self.resuming})" if self.resuming else self.checkpoint

    def _new_checkpoint(self) -> str:
        folder = checkpoints.default_folder()
        return f"a new file in {folder} (named when the {self.operation} starts)"

    def describe_slice(self) -> str:
        r = self.request
        parts = [f"pk={r.pk!r}"]
        if r.sk is not None:
            op = r.sk_op or default_operator(self.source_schema.key_for(r.index))
            parts.append(f"sk {op} {r.sk!r}" + (f"..{r.sk2!r}" if r.sk2 is not None else ""))
        if r.index:
            parts.append(f"index {r.index}")
        return ", ".join(parts)

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self.rows())
        title = "Load plan" if self.origin is not None else "Copy plan"
        return f"{title} (nothing written):\n" + "\n".join(
            f"  {k.ljust(width)}  {v}" for k, v in self.rows()
        )

    __repr__ = __str__

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["", "plan"]).set_index("")

    def _repr_html_(self) -> str:
        table: str = self.to_frame().to_html()
        title = "Load plan" if self.origin is not None else "Copy plan"
        return f"<b>{title}</b> (nothing written)" + table


def _resolve(request: CopyRequest, settings: Settings) -> tuple[Environment, Environment]:
    source = environments.resolve(request.source, settings)
    target = environments.resolve(request.target, settings)
    if request.target_region:
        target = dataclasses.replace(target, region=request.target_region)
    return source, target


def same_table(
    source: TableSchema,
    target: TableSchema | None,
    accounts: Callable[[], tuple[str | None, str | None]] = lambda: (None, None),
) -> bool:
    """Whether two descriptions are of one table, decided from what the service said.

    Configuration text (profile names, ``127.0.0.1`` vs ``localhost``, a trailing slash, a
    region given twice) says nothing: both sides are described, and

    - a target that does not exist is not the source;
    - where both descriptions carry a ``TableId`` (DynamoDB's unique id of a table, returned
      by AWS; moto and dynalite do not), equal ids are one table and different ids two;
    - otherwise one table means an equal ``TableArn`` (it names region, account and table)
      *and* an equal ``CreationDateTime``. Local servers (moto, dynalite, DynamoDB Local)
      put every table in one made-up account, so two servers give equally named tables the
      same ARN: their creation times (millisecond resolution) tell them apart. A table
      dropped and created again between the two descriptions would differ too, but that is
      not a table this copy could overwrite by mistake;
    - a server that returns no creation time: an equal ARN is one table unless STS named
      two different accounts (``accounts``, called only then, where STS answers).

    The STS account never overrules the table's own ids: a resource-based policy lets a
    principal of one account read or write another account's table through its ARN.
    """
    if target is None:
        return False
    source_id, target_id = source.raw.get("TableId"), target.raw.get("TableId")
    if source_id and target_id:
        return bool(source_id == target_id)
    if source.arn != target.arn or source.arn is None:
        return False
    source_created = source.raw.get("CreationDateTime")
    target_created = target.raw.get("CreationDateTime")
    if source_created is not None and target_created is not None:
        return bool(source_created == target_created)
    source_account, target_account = accounts()
    return not (source_account and target_account and source_account != target_account)


def _refuse_same_table(source: Side, target: Side) -> None:
    """One short line: the table once when both sides spell it alike; else both spellings,
    each with the endpoint (or region) that makes them one table."""
    first = f"'{source.table}' in env '{source.env.label}'"
    if (source.table, source.env.label) == (target.table, target.env.label):
        same = first
    else:
        source_where = source.env.endpoint_url or source.env.region
        target_where = target.env.endpoint_url or target.env.region
        same = (
            f"{first} ({source_where}) is '{target.table}' in env '{target.env.label}' "
            f"({target_where})"
        )
    raise UnsafeOperation(
        f"source and target are the same table: {literal(same)}; "
        "choose another {target} or {target_table}",
        parameters=("target", "target_table"),
    )


def slice_spec(request: CopyRequest) -> ReadSpec | None:
    """The read selecting the copy's slice (``pk``, sort-key condition, ``index``), or
    ``None`` for the whole table; checked as every read is (``reading.check``: an empty key
    value, ``sk_op`` without ``sk``...), without a call to DynamoDB."""
    if request.pk is None:
        if request.sk is not None or request.sk_op is not None or request.sk2 is not None:
            raise InvalidQuery(
                "a sort-key condition selects a slice: give {pk} too", parameters=("pk",)
            )
        if request.index:
            raise InvalidQuery(
                "{index} selects a slice of an index: give {pk} too", parameters=("index", "pk")
            )
        return None
    spec = ReadSpec(
        table=request.table,
        pk=request.pk,
        sk=request.sk,
        sk_op=request.sk_op,
        sk2=request.sk2,
        index=request.index,
    )
    reading.check(spec)
    return spec


def slice_request(schema: TableSchema, request: CopyRequest) -> dict[str, Any] | None:
    """Query parameters selecting the slice (validated against ``schema``), or ``None``:
    built by ``reading.build`` like every read, without ``TableName`` (the same slice is read
    from the source and from the target)."""
    spec = slice_spec(request)
    if spec is None:
        return None
    parameters = dict(reading.build(spec, schema).parameters)
    del parameters["TableName"]
    return parameters


def _describe_or_none(client: Any, table: str, policy: RetryPolicy) -> TableSchema | None:
    try:
        return read.describe_table(client, table, policy=policy)
    except TableNotFound:
        return None


def _check_schemas(source: TableSchema, target: TableSchema, request: CopyRequest) -> None:
    if source.key != target.key:
        differ = f"source '{source.name}' has {source.key}, target '{target.name}' has {target.key}"
        raise UnsafeOperation(
            f"key schemas differ: {literal(differ)}; copy into another {{target_table}}",
            parameters=("target_table",),
        )
    if request.index and request.mode != "merge" and lacks_index(source, target, request.index):
        wanted = source.index(request.index).key
        lacks = f"target '{target.name}' lacks index '{request.index}' with key {wanted}"
        raise UnsafeOperation(
            f"{literal(lacks)}, needed to find its slice; use {{mode}} merge or add the index",
            parameters=("mode",),
        )


def lacks_index(source: TableSchema, target: TableSchema, index: str) -> bool:
    """Whether ``target`` lacks the source's ``index`` or has it with another key (its slice
    then cannot be read through it)."""
    have = target.indexes.get(index)
    return have is None or have.key != source.index(index).key


def _sample(
    client: Any,
    table: str,
    query: dict[str, Any] | None,
    policy: RetryPolicy,
    limit: int = SAMPLE_ITEMS,
    stats: read.ReadStats | None = None,
) -> list[WireItem]:
    """The first ``limit`` items of the table (or of the slice ``query`` selects);
    ``stats.truncated`` says whether more are left."""
    operation = "query" if query else "scan"
    stats = stats if stats is not None else read.ReadStats()
    request = {"TableName": table, **(query or {})}
    pages = read.iter_pages(client, operation, request, stats, limit, policy=policy)
    return [item for page in pages for item in page]


def _is_empty(client: Any, table: str, policy: RetryPolicy) -> bool:
    return not _sample(client, table, None, policy, limit=1)


def _count(client: Any, table: str, query: dict[str, Any], policy: RetryPolicy) -> int:
    stats = read.ReadStats()
    request = reading.counting({"TableName": table, **query})
    for _ in read.iter_pages(client, "query", request, stats, policy=policy):
        pass
    return stats.count


def _count_segment(client: Any, table: str, segment: int, total: int, policy: RetryPolicy) -> int:
    stats = read.ReadStats()
    request = reading.segment_of(reading.counting({"TableName": table}), segment, total)
    for _ in read.iter_pages(client, "scan", request, stats, policy=policy):
        pass
    return stats.count


def estimate_items(client: Any, table: str, policy: RetryPolicy) -> tuple[int, bool, str]:
    """Items of ``table`` from a Select COUNT scan of one parallel-scan segment, extrapolated:
    ``(items, exact, how)``.

    DescribeTable's ItemCount lags by up to six hours (a freshly loaded table says 0), so it is
    not trusted where a sample contradicts it. One segment of ``COUNT_SEGMENT_LEVELS[i]``
    segments is counted, finest first, until it holds ``MIN_SEGMENT_COUNT`` items: a large
    table costs one small segment, a small one a few nearly empty reads and at worst a count
    of the whole (then exact). DynamoDB spreads items over segments by key hash, so one
    segment's share is the table's share up to sampling noise and hot keys.
    """
    for total in COUNT_SEGMENT_LEVELS:
        count = _count_segment(client, table, 0, total, policy)
        if total == 1:
            return count, True, "counted with a Select COUNT scan"
        if count >= MIN_SEGMENT_COUNT:
            return count * total, False, f"from a count of segment 1 of {total:,}"
    raise AssertionError("COUNT_SEGMENT_LEVELS ends with 1")  # pragma: no cover


def source_settings(client: Any, schema: TableSchema) -> list[str]:
    """Settings of the source a table created by ``create_like`` does not get: TTL, stream,
    point-in-time recovery, tags, deletion protection. Calls the service denies or does not
    support (some local servers) are listed as unknown rather than failing the plan."""
    return table_settings.read(client, schema).describe()


EXISTING_TARGET_SETTINGS = (
    "settings are copied only into a table the copy creates: target '{}' exists, its own "
    "TTL, stream, point-in-time recovery, tags and deletion protection are left as they are"
)


def not_copied_text(settings: list[str]) -> str:
    return "; ".join(settings) + " (the created table lacks them: set them yourself)"


def check_modes(request: CopyRequest) -> None:
    """Refuse an unknown ``mode`` or ``verify`` method (``InvalidQuery``), before any call."""
    if request.mode not in COPY_MODES:
        raise InvalidQuery(
            f"unknown {{mode}} '{literal(request.mode)}'; use one of {', '.join(COPY_MODES)}",
            parameters=("mode",),
        )
    if request.verify not in VERIFY_METHODS:
        raise InvalidQuery(
            f"unknown {{verify}} '{literal(request.verify)}'; use {', '.join(VERIFY_METHODS)}",
            parameters=("verify",),
        )
    limits.check(request.max_write_units, request.max_read_units)


def plan_copy(request: CopyRequest, settings: Settings) -> CopyPlan:
    """Check everything and estimate the copy; reads only, retried per the call's
    ``settings`` (``max_retries``, ``backoff_*``), with which the environments are resolved."""
    check_modes(request)
    source_env, target_env = _resolve(request, settings)
    policy = policy_from(settings)
    source = Side(source_env, request.table)
    target = Side(target_env, request.target_table or request.table)
    source_client, target_client = source.client(), target.client()
    source_schema = read.describe_table(
        source_client, source.table, source_env.describe(), policy=policy, env=source_env.label
    )
    query = slice_request(source_schema, request)
    target_schema = _describe_or_none(target_client, target.table, policy)

    def accounts() -> tuple[str | None, str | None]:
        return clients.account_id(source_env), clients.account_id(target_env)

    if same_table(source_schema, target_schema, accounts):
        _refuse_same_table(source, target)
    if target_schema is not None:
        _check_schemas(source_schema, target_schema, request)

    sample_stats = read.ReadStats()
    sample = _sample(source_client, source.table, query, policy, stats=sample_stats)
    average = sum(len(typed_json(i)) for i in sample) / len(sample) if sample else 0.0
    basis = ""
    if query is not None:
        source_items, exact = _count(source_client, source.table, query, policy), True
    elif not sample_stats.truncated:  # the sample read the whole table
        source_items, exact = len(sample), True
    elif (source_schema.item_count or 0) >= len(sample):
        source_items, exact = source_schema.item_count or 0, False
        basis = "DescribeTable's count, refreshed about every 6 hours"
    else:  # ItemCount is 0 or lower than the sample (it lags): count one segment
        source_items, exact, basis = estimate_items(source_client, source.table, policy)
    table_empty = target_schema is None or _is_empty(target_client, target.table, policy)
    no_index = bool(
        request.index
        and target_schema is not None
        and lacks_index(source_schema, target_schema, request.index)
    )  # only a merge gets here (_check_schemas): it only writes
    target_items: int | None
    if table_empty:
        target_items, target_empty = 0, True
    elif no_index:  # the target's slice cannot be queried: the table holds items
        target_items, target_empty = None, False
    elif query is not None:
        target_items = _count(target_client, target.table, query, policy)
        target_empty = target_items == 0
    else:  # DescribeTable's count may be hours stale (0 for a new table): only an estimate
        assert target_schema is not None  # a missing target is table_empty
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
        source_items_basis=basis,
        target_lacks_index=no_index,
    )
    plan.limits = Limits(  # a target the copy creates gets the source's capacity (create_like)
        writes=limits.resolve(
            request.max_write_units, "write", target_schema or source_schema, target.table
        ),
        reads=limits.resolve(
            request.max_read_units, "read", source_schema, source.table, request.index
        ),
    )
    _plan_settings(plan, source_client)
    target_rules(plan)
    return plan


def target_rules(plan: CopyPlan) -> None:
    """The rules of every write into a table, a copy's or a load's: what needs confirming
    (a protected target environment, a target that holds items) and the warnings (a source
    that would empty the target, no backup, capacity limits). Adds to ``plan``'s
    ``confirmations`` and ``warnings``; its ``backup``, ``target_empty`` and ``limits`` are
    decided by then."""
    request, target = plan.request, plan.target
    if target.env.protected:
        plan.confirmations.append(f"target env '{target.env.label}' is protected")
    if plan.target_lacks_index and not plan.target_empty:
        plan.confirmations.append(
            f"target '{target.table}' holds items that may be overwritten (its slice is not "
            f"counted: it lacks index '{request.index}')"
        )
    elif not plan.target_empty:
        plan.confirmations.append(f"target '{target.table}' holds items that will be overwritten")
    if request.mode != "merge" and not plan.target_empty:
        plan.confirmations.append(
            f"mode {request.mode} deletes items of {plan.target_scope()}: {plan.delete_count()}"
        )
    empties = plan.source_items == 0 and not plan.target_empty and request.mode != "merge"
    if plan.origin is not None:
        if empties and plan.source_items_exact:
            plan.warnings.append(
                f"{plan.origin.describe()} holds no item: this load would empty "
                f"{plan.target_scope()}"
            )
    elif empties:
        what = "slice" if plan.slice_request else "table"
        plan.warnings.append(
            f"the source {what} is empty: this copy would empty the target's {what}"
        )
    if not request.backup and not plan.target_empty:
        plan.warnings.append("no backup will be taken (backup turned off)")
    plan.warnings += limits.warnings(
        plan.limits, plan.write_units, plan.read_units, target_created=plan.create_target
    )


def _plan_settings(plan: CopyPlan, source_client: Any) -> None:
    """What of the source's settings a created target gets (``copy_settings``) or lacks; with
    ``copy_settings`` and an existing target, a warning that its settings are left alone (a
    copy writes items: it does not reconfigure a table it did not make)."""
    if not plan.create_target:
        if plan.request.copy_settings:
            plan.warnings.append(EXISTING_TARGET_SETTINGS.format(plan.target.table))
        return
    found = table_settings.read(source_client, plan.source_schema)
    if not plan.request.copy_settings:
        plan.settings_not_copied = found.describe()
        return
    plan.settings_to_copy = found
    plan.settings_not_copied = found.unknown_text() + found.reserved_tags_text()
