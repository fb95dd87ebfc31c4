"""Capacity limits of a copy: what was asked (``max_write_units``, ``max_read_units``), the rate
that comes of it for each table, and the one budget every worker of the copy shares.

- ``asked``: a value as the API, the CLI, the magic or the panel gives it — units per second
  (``200``, ``"200"``, ``12.5``) or a share of the table's capacity (``"80%"``) — checked before
  any call (``check``: a one-line ``InvalidQuery`` naming the keyword).
- ``resolve``: the rate for a table, from its DescribeTable answer: ``P%`` of its provisioned
  units (``ProvisionedThroughput``) or, for an on-demand table, of its on-demand maximum
  (``OnDemandThroughput``), refused for an on-demand table without one. The write rate is the
  target's (a target the copy creates gets the source's capacity: ``tables.create_like``), the
  read rate the source's. The ``Rate`` says where it came from, and what the table can take.
- ``open_budget``: the buckets (``dynamodb.capacity.TokenBucket``) of a copy, open for the whole
  operation: in this process for threads, in a ``multiprocessing`` manager (one more local
  process, only when a limit is set) for worker processes, in the caller's process again on
  a Dask cluster (``cluster.Dispenser``: its units reach the workers as grants through the
  scheduler); workers reach them on their channel (``channels.Channel.budget``), as they
  reach the stop flag.

Every read of the copy (the source's Scan or Query pages, key lookups, the replace-mode prune's
reads of the target, verification of both sides) counts against the read budget; every write
(puts and deletes) against the write budget.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.managers import BaseManager
from typing import Any, Literal

from ..dynamodb.capacity import NO_BUDGET, Budget, Meter, TokenBucket
from ..errors import InvalidQuery, literal
from ..schema import TableSchema
from .result import CopyResult

log = logging.getLogger(__name__)

Kind = Literal["write", "read"]
KEYWORDS: dict[Kind, str] = {"write": "max_write_units", "read": "max_read_units"}


@dataclass(frozen=True)
class Asked:
    """A limit as asked: ``units`` per second, or ``percent`` of the table's capacity."""

    units: float | None = None
    percent: float | None = None

    def __str__(self) -> str:
        return f"{self.percent:g}%" if self.percent is not None else f"{self.units:g}"


def asked(value: Any, kind: Kind) -> Asked | None:
    """``value`` of ``max_write_units``/``max_read_units`` checked: ``None`` (no limit), a
    positive number of units per second (int, float or its text), or ``"P%"`` with
    0 < P <= 100.

    Raises
    ------
    InvalidQuery
        Anything else (0, a negative number, ``"abc"``, ``"150%"``, ``True``), in one line.
    """
    if value is None:
        return None
    keyword = KEYWORDS[kind]
    if isinstance(value, str) and value.strip().endswith("%"):
        percent = _number(value.strip()[:-1])
        if percent is None:  # "50%%", "x%": not a share at all
            raise InvalidQuery(
                f"{{{keyword}}} '{literal(value)}': give a share as a number and % (e.g. 80%) "
                f"or {kind} units per second (e.g. 200)",
                parameters=(keyword,),
            )
        if not 0 < percent <= 100:
            raise InvalidQuery(
                f"{{{keyword}}} '{literal(value)}': a share of the table's capacity is above "
                "0% and at most 100%; for more give units per second (e.g. 500)",
                parameters=(keyword,),
            )
        return Asked(percent=percent)
    units = None if isinstance(value, bool) else _number(value)
    if units is None or units <= 0:
        raise InvalidQuery(
            f"{{{keyword}}} '{literal(str(value))}': give {kind} units per second (a number "
            "above 0, e.g. 200) or a share of the table's capacity (e.g. 80%)",
            parameters=(keyword,),
        )
    return Asked(units=units)


def _number(value: Any) -> float | None:
    """A finite number from an int, a float or its text; ``None`` for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def check(max_write_units: Any, max_read_units: Any) -> None:
    """Refuse bad limits before any call (``asked``)."""
    asked(max_write_units, "write")
    asked(max_read_units, "read")


@dataclass(frozen=True)
class Capacity:
    """What a table can take of one kind: ``units`` per second (``None``: no bound known, an
    on-demand table without a maximum) and ``basis`` (``"provisioned"``, ``"on-demand
    maximum"``, ``"on-demand"``)."""

    units: float | None
    basis: str


def table_capacity(schema: TableSchema, kind: Kind, index: str | None = None) -> Capacity:
    """The ``kind`` capacity of the table ``schema`` describes, from its DescribeTable answer;
    with ``index``, a global secondary index's own (DynamoDB provisions each GSI apart from its
    table; a local one shares its table's)."""
    raw = schema.raw
    if index is not None and schema.index(index).kind == "GSI":
        gsis = raw.get("GlobalSecondaryIndexes") or []
        raw = next((g for g in gsis if g.get("IndexName") == index), {})
    if schema.billing_mode == "PAY_PER_REQUEST":
        on_demand = raw.get("OnDemandThroughput") or {}
        most = on_demand.get("MaxWriteRequestUnits" if kind == "write" else "MaxReadRequestUnits")
        if isinstance(most, int | float) and most > 0:  # -1 (or absent): no maximum
            return Capacity(float(most), "on-demand maximum")
        return Capacity(None, "on-demand")
    provisioned = raw.get("ProvisionedThroughput") or {}
    units = provisioned.get("WriteCapacityUnits" if kind == "write" else "ReadCapacityUnits")
    return Capacity(float(units) if units else None, "provisioned")


@dataclass(frozen=True)
class Rate:
    """The rate of one kind a copy uses: ``units`` per second (``None``: unlimited) and where it
    came from (``basis``: ``"asked"``, ``"80% of provisioned"``, ``"80% of on-demand
    maximum"``, ``"unlimited"``), with the ``table`` it protects and that table's
    ``capacity``."""

    kind: Kind
    units: float | None = None
    basis: str = "unlimited"
    table: str = ""
    capacity: Capacity = field(default_factory=lambda: Capacity(None, "on-demand"))
    index: str | None = None  # the index read, when its capacity is the one protected

    @property
    def named(self) -> str:
        """The table (and index) it protects, quoted: ``'shop' index 'by_status'``."""
        return f"'{self.table}'" + (f" index '{self.index}'" if self.index else "")

    def __str__(self) -> str:
        if self.units is None:
            return "unlimited"
        return f"{self.units:,.4g} {self.kind} units/s ({self.basis})"

    @property
    def exceeds(self) -> bool:
        """The rate is above what the table can take."""
        bound = self.capacity.units
        return self.units is not None and bound is not None and self.units > bound


def resolve(
    value: Any, kind: Kind, schema: TableSchema, table: str, index: str | None = None
) -> Rate:
    """The rate ``value`` (as ``asked`` takes it) gives on the table ``schema`` describes (on
    its global secondary index ``index``, where the copy reads one: its own capacity).

    Raises
    ------
    InvalidQuery
        A bad value, or a share of an on-demand table without an on-demand maximum (the
        message says to give units per second instead).
    """
    wanted = asked(value, kind)
    if index is not None and schema.index(index).kind != "GSI":
        index = None  # a local secondary index uses its table's capacity
    capacity = table_capacity(schema, kind, index)
    if wanted is None:
        return Rate(kind, table=table, capacity=capacity, index=index)
    if wanted.units is not None:
        return Rate(kind, wanted.units, "asked", table, capacity, index)
    if capacity.units is None:
        keyword = KEYWORDS[kind]
        where = f"table '{table}'" + (f" index '{index}'" if index else "")
        raise InvalidQuery(
            f"{{{keyword}}} '{literal(str(wanted))}': {literal(where)} is on-demand "
            f"without a maximum {kind} rate, so a share of its capacity means nothing; give "
            f"{kind} units per second instead (e.g. 500)",
            parameters=(keyword,),
        )
    assert wanted.percent is not None
    return Rate(
        kind,
        capacity.units * wanted.percent / 100,
        f"{wanted.percent:g}% of {capacity.basis}",
        table,
        capacity,
        index,
    )


@dataclass(frozen=True)
class Limits:
    """A copy's two rates: ``writes`` (the target's) and ``reads`` (the source's)."""

    writes: Rate = field(default_factory=lambda: Rate("write"))
    reads: Rate = field(default_factory=lambda: Rate("read"))

    @property
    def limited(self) -> bool:
        return self.writes.units is not None or self.reads.units is not None


def plan_rows(limits: Limits, write_units: int, read_units: int) -> list[tuple[str, str]]:
    """The plan's rows: each rate, where it came from and the time the copy's estimated units
    take at it (``write_units``/``read_units``: the plan's estimates)."""
    return [
        ("write rate", _rate_row(limits.writes, write_units)),
        ("read rate", _rate_row(limits.reads, read_units)),
    ]


def _rate_row(rate: Rate, units: int) -> str:
    bound = rate.capacity
    table = f"{'target' if rate.kind == 'write' else 'source'} {rate.named}"
    if rate.units is None:
        if bound.units is None:
            return f"unlimited ({table} is on-demand)"
        return (
            f"unlimited ({table}: {bound.units:,.4g} {rate.kind} units/s {bound.basis}; "
            f"~{_duration(units / bound.units)} at that rate)"
        )
    return f"{rate} ~{_duration(units / rate.units)} for ~{units:,} units"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{math.ceil(seconds):,} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"


def warnings(
    limits: Limits, write_units: int, read_units: int, target_created: bool = False
) -> list[str]:
    """What the plan warns of (each also logged at WARNING): an asked rate above what its table
    can take; an unlimited copy that will write (read) more than a second of a provisioned
    table's capacity (it will be throttled, and compete with the table's own traffic; a target
    the copy creates has none)."""
    found = []
    for rate, units in ((limits.writes, write_units), (limits.reads, read_units)):
        bound, keyword = rate.capacity, KEYWORDS[rate.kind]
        created = target_created and rate.kind == "write"
        if rate.exceeds:
            assert bound.units is not None and rate.units is not None
            found.append(
                f"{rate.kind} rate {rate.units:,.4g} units/s is above what {rate.named} can "
                f"take ({bound.units:,.4g} units/s {bound.basis}): expect throttling (the copy "
                f"slows down, it does not fail); give {keyword} {bound.units:,.4g} or less"
            )
        elif rate.units is None and bound.basis == "provisioned" and units > (bound.units or units):
            assert bound.units is not None
            traffic = "" if created else " and compete with the table's own traffic"
            found.append(
                f"{rate.named} {'will be created' if created else 'is'} provisioned at "
                f"{bound.units:,.4g} {rate.kind} units/s and the copy is not limited: it will "
                f"be throttled{traffic}; give {keyword} (e.g. 80%) to stay under it"
            )
    for line in found:
        log.warning("copy plan: %s", line)
    return found


# -- the budget shared by every worker --------------------------------------------------------
class _BudgetManager(BaseManager):
    """A manager process hosting a copy's buckets for worker processes."""


_BudgetManager.register("TokenBucket", TokenBucket)


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # survives Ctrl-C: workers still end cleanly


BudgetOpener = Callable[[Limits], contextlib.AbstractContextManager[Budget]]
_OPENERS: dict[str, BudgetOpener] = {}


def register(backend: str, opener: BudgetOpener) -> None:
    """Open the budgets of ``backend``'s operations with ``opener`` (a context manager giving
    the ``Budget`` of a ``Limits`` that its workers can reach; ``cluster`` registers Dask's)."""
    _OPENERS[backend] = opener


@contextlib.contextmanager
def open_budget(limits: Limits, backend: str) -> Iterator[Budget]:
    """The budget of one copy, for workers of ``backend``: a bucket per limited kind, in this
    process for ``threading``, in a manager process for other local backends (shut down when
    the block ends), through the backend's own opener where one is registered (``dask``:
    ``cluster``'s grants); ``NO_BUDGET`` (nothing started) when nothing is limited."""
    if not limits.limited:
        yield NO_BUDGET
        return
    if backend in _OPENERS:
        with _OPENERS[backend](limits) as budget:
            yield budget
        return
    manager: _BudgetManager | None = None
    make: Any = TokenBucket
    if backend != "threading":
        manager = _BudgetManager()
        manager.start(_ignore_interrupts)
        make = manager.TokenBucket  # type: ignore[attr-defined]
    try:
        yield Budget(
            reads=Meter(make(limits.reads.units)) if limits.reads.units is not None else None,
            writes=Meter(make(limits.writes.units)) if limits.writes.units is not None else None,
        )
    finally:
        if manager is not None:
            manager.shutdown()


def describe(result: CopyResult, limits: Limits) -> None:
    """Set ``result``'s rates (where a limit is set: a copy without one shows none)."""
    if limits.limited:
        result.write_rate, result.read_rate = str(limits.writes), str(limits.reads)


def account(result: CopyResult, budget: Budget) -> None:
    """Set the units ``budget`` was charged (all workers, every phase) in ``result``; logged."""
    for meter, kind in ((budget.writes, "write"), (budget.reads, "read")):
        if meter is None:
            continue
        try:
            state = meter.state()
        except (OSError, EOFError):  # the manager went away (e.g. killed with the copy)
            continue
        if kind == "write":
            result.write_units = state.consumed
        else:
            result.read_units = state.consumed
        log.info(
            "capacity: %.1f %s units consumed at up to %.4g units/s (%d throttle(s) slowed it)",
            state.consumed,
            kind,
            state.asked,
            state.throttles,
        )
