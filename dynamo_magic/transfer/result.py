"""What a copy (or a truncate) did, and how its verification came out: the objects returned."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..codec import Item
from ..dynamodb.backups import Backup


class Outcome(StrEnum):
    """How an operation, or one phase of it, ended: what every progress bar shows at its end
    (``Progress.close(outcome)``) and what ``CopyResult.outcome`` says.

    Truthy only for ``SUCCESS``, so a ``close(complete)`` written for the earlier boolean
    (``True``: ended as it should) still reads it right.
    """

    SUCCESS = "success"  # ran to its end, nothing failed: green and full
    CANCELLED = "cancelled"  # stopped by the user (Cancel, Ctrl-C, a kernel interrupt): neutral
    FAILED = "failed"  # items failed, verification failed or an error stopped it: red

    def __bool__(self) -> bool:
        return self is Outcome.SUCCESS


@dataclass
class Verification:
    """How source and target compared after a copy.

    Parameters
    ----------
    method : str
        ``"count"`` (items counted on both sides), ``"full"`` (every key and a content hash
        compared) or ``"none"``.
    source_count, target_count : int or None
        Items (of the slice) counted on each side; ``None`` when not verified.
    ok : bool or None
        ``True`` when the sides agree, ``False`` on a mismatch, ``None`` when not verified.
    detail : str
        The reason of a mismatch (a short read, contents that differ), said first; on a
        passing verification a note after the counts; why it was not verified otherwise.

    Examples
    --------
    >>> str(Verification("count", 100, 97, False, "the copy read 97 of 100 source items"))
    'count: MISMATCH: the copy read 97 of 100 source items (source 100, target 97)'
    """

    method: str
    source_count: int | None = None
    target_count: int | None = None
    ok: bool | None = None  # None: not verified
    detail: str = ""

    def __str__(self) -> str:
        if self.ok is None:
            return "not verified" + (f": {self.detail}" if self.detail else "")
        counts = f"(source {self.source_count:,}, target {self.target_count:,})"
        if self.ok:
            return f"{self.method}: OK {counts}" + (f"; {self.detail}" if self.detail else "")
        return f"{self.method}: MISMATCH: " + (f"{self.detail} " if self.detail else "") + counts


@dataclass(repr=False)
class CopyResult:
    """What a copy did (or a truncate: ``operation="truncate"``); returned whether it ended
    well, failed or was interrupted. ``ok`` only when nothing failed and verification passed.

    Parameters
    ----------
    source, target : str
        The tables, each with its environment's label (``"orders (dev)"``).
    mode : str
        ``"replace"``, ``"truncate"`` or ``"merge"``.
    items_read : int
        Items read from the source (a truncate: from the table emptied), in items.
    written, deleted : int
        Items put into / deleted from the target, in items.
    dropped : int
        Source items the transform dropped (it returned ``None`` or an empty list), in items.
    produced : int
        Items the transform returned (one per item it kept, more where it fans out), whatever
        became of them: written, saved as failed (a key that does not fit the target, counted
        in ``failed`` too) or not written because the copy stopped first, in items. Counted
        also when the transform's exception stopped the copy.
    retried : int
        Calls to DynamoDB sent again after throttling, transient errors, lost connections or
        unprocessed items, in every phase: botocore's quick retries and dynamo_magic's.
    failed : int
        Items that could not be written after all retries, saved to ``failed_file``.
    failed_file : str or None
        JSON lines of the write requests not done (created only if there are some).
    seconds : float
        Wall time of the copy, in seconds.
    backup : Backup or None
        The on-demand backup of the target taken first.
    created_target : bool
        The target did not exist and was created from the source's schema.
    verification : Verification
        How source and target compared.
    interrupted : bool
        Stopped by Ctrl-C.
    settings_not_copied : list of str
        Settings of the source a created target lacks (TTL, stream, tags, ...).
    settings_copied : list of str
        With ``copy_settings``: the source's settings the created target was given.
    settings_failed : list of str
        With ``copy_settings``: settings the service refused to apply to the created target,
        each with its error (the items are copied all the same; set these yourself).
    error : str or None
        Why the copy stopped early (one line), if it failed.
    deletes_skipped : str or None
        Replace mode: why no target item was deleted (one line).
    cause : BaseException or None
        The exception that stopped the copy.
    checkpoints : dict
        For a copy stopped early: ``(task, segment) -> last key`` (client form) of every
        segment that had not finished, where a resume would start.
    operation : str
        ``"copy"``, ``"load"`` (items from no table: ``loading``) or ``"truncate"``.
    checkpoint : str or None
        The copy's checkpoint file: ``dynamo_magic.copy(..., resume=checkpoint)`` continues
        a copy that did not end.
    transform : str or None
        The transform applied to every item (``module:qualname``); ``None``: none.
    write_rate, read_rate : str
        With a capacity limit (``max_write_units``/``max_read_units``): the rate each kind was
        held to and where it came from (``"200 write units/s (asked)"``, ``"unlimited"``);
        empty without a limit.
    write_units, read_units : float or None
        Capacity units the copy consumed, all workers and phases together (what DynamoDB
        reported, or its item-size rule where that is more); ``None`` where not limited.

    Examples
    --------
    >>> result = CopyResult("orders (dev)", "orders (stage)", "replace", written=30, seconds=2)
    >>> result.items_per_second
    15.0
    """

    source: str
    target: str
    mode: str
    items_read: int = 0
    written: int = 0
    deleted: int = 0
    dropped: int = 0
    produced: int = 0  # items the transform returned, whatever became of them
    retried: int = 0
    failed: int = 0
    failed_file: str | None = None
    seconds: float = 0.0
    backup: Backup | None = None
    created_target: bool = False
    verification: Verification = field(default_factory=lambda: Verification("none"))
    interrupted: bool = False
    settings_not_copied: list[str] = field(default_factory=list)  # created target lacks these
    error: str | None = None  # why the copy stopped early (one line), if it failed
    deletes_skipped: str | None = None  # replace: why no target item was deleted (one line)
    cause: BaseException | None = field(default=None, compare=False)  # the exception itself
    checkpoints: dict[tuple[str, int], Item] = field(default_factory=dict, compare=False)
    operation: str = "copy"  # "truncate": ``truncate``'s result (no source, no verification);
    # "load": a load's (``loading``: its source is an origin's description)
    checkpoint: str | None = None  # the copy's checkpoint file (where a resume starts)
    transform: str | None = None  # the transform's identity (module:qualname)
    write_rate: str = ""  # with a capacity limit: the write rate used and where it came from
    read_rate: str = ""  # the same for reads
    write_units: float | None = None  # write units consumed (only where a limit metered them)
    read_units: float | None = None  # read units consumed (only where a limit metered them)
    settings_copied: list[str] = field(default_factory=list)  # copy_settings: applied
    settings_failed: list[str] = field(default_factory=list)  # copy_settings: refused, why

    @property
    def items_per_second(self) -> float:
        """Items written per second (a truncate: items deleted)."""
        done = self.deleted if self.operation == "truncate" else self.written
        return done / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        """Nothing failed, nothing interrupted, verification did not find a mismatch."""
        return (
            not self.failed
            and not self.interrupted
            and self.error is None
            and self.verification.ok is not False
        )

    @property
    def resumable(self) -> bool:
        """A copy with a checkpoint file that was interrupted or stopped by an error: resuming
        it from ``checkpoint`` continues it (one whose phases all ran, with items failed or a
        verification mismatch, has nothing to resume)."""
        return bool(self.checkpoint) and (self.interrupted or self.error is not None)

    @property
    def outcome(self) -> Outcome:
        """``SUCCESS`` when ``ok``; ``CANCELLED`` when stopped by the user with nothing failed;
        ``FAILED`` otherwise (items unwritten, verification failed, stopped by an error)."""
        if self.ok:
            return Outcome.SUCCESS
        if self.interrupted and not self.failed and self.error is None:
            return Outcome.CANCELLED
        return Outcome.FAILED

    def rows(self) -> list[tuple[str, Any]]:
        """(name, value) rows of the result, as ``to_frame`` shows them."""
        rows = [
            ("source", self.source),
            ("target", self.target + (" (created)" if self.created_target else "")),
            ("mode", self.mode),
            ("items read", self.items_read),
            ("items written", self.written),
            ("items deleted", self.deleted),
            *(
                [
                    ("transform", self.transform),
                    ("items dropped by the transform", self.dropped),
                    ("items produced by the transform", self.produced),
                ]
                if self.transform
                else []
            ),
            ("calls retried", self.retried),
            ("items failed", self.failed),
            ("failed items saved to", self.failed_file or ""),
            ("seconds", round(self.seconds, 2)),
            ("items/s", round(self.items_per_second, 1)),
            ("backup", self.backup.name if self.backup else ""),
            ("verification", str(self.verification)),
            ("interrupted", self.interrupted),
            *(
                [("settings copied", "; ".join(self.settings_copied))]
                if self.settings_copied
                else []
            ),
            *(
                [("settings NOT applied", "; ".join(self.settings_failed))]
                if self.settings_failed
                else []
            ),
            ("settings not copied", "; ".join(self.settings_not_copied)),
            ("error", self.error or ""),
            ("deletes skipped", self.deletes_skipped or ""),
            ("checkpoint", self.checkpoint or ""),
        ]
        rows += self._capacity_rows()
        if self.operation == "truncate":  # what only a copy has
            return [(name, value) for name, value in rows if name not in _COPY_ONLY_ROWS]
        return rows

    def _capacity_rows(self) -> list[tuple[str, Any]]:
        """Rows of a copy with a capacity limit: the rates and the units consumed."""
        if not (self.write_rate or self.read_rate):
            return []
        return [
            ("write rate", self.write_rate),
            ("write units consumed", _units(self.write_units)),
            ("read rate", self.read_rate),
            ("read units consumed", _units(self.read_units)),
        ]

    def capacity_line(self) -> str:
        """``writes 200 write units/s (asked), 1,234 units consumed; reads unlimited`` (empty
        without a limit)."""
        if not (self.write_rate or self.read_rate):
            return ""
        parts = []
        for kind, rate, units in (
            ("writes", self.write_rate, self.write_units),
            ("reads", self.read_rate, self.read_units),
        ):
            used = f", {units:,.0f} units consumed" if units is not None else ""
            parts.append(f"{kind} {rate}{used}")
        return "; ".join(parts)

    def summary_line(self) -> str:
        """One line: state, counts, speed, verification, backup, and what went wrong."""
        state = {Outcome.SUCCESS: "OK", Outcome.CANCELLED: "INTERRUPTED"}.get(
            self.outcome, "FAILED"
        )
        written = "" if self.operation == "truncate" else f"{self.written:,} written, "
        dropped = (
            f"{self.dropped:,} dropped, {self.produced:,} produced by the transform, "
            if self.transform
            else ""
        )
        line = (
            f"{self.operation} {state}: {written}{dropped}{self.deleted:,} deleted, "
            f"{self.failed:,} failed, {self.retried:,} retried in {self.seconds:.1f} s "
            f"({self.items_per_second:,.0f} items/s)"
        )
        if self.operation != "truncate":
            line += f"; verification {self.verification}"
        if self.backup:
            line += f"; backup {self.backup.name}"
        if self.failed_file:
            what = "undeleted" if self.operation == "truncate" else "unwritten"
            line += f"; {what} items saved to {self.failed_file}"
        if self.settings_copied:
            line += f"; settings copied: {'; '.join(self.settings_copied)}"
        if self.settings_failed:
            line += f"; settings NOT applied (set them yourself): {'; '.join(self.settings_failed)}"
        if self.settings_not_copied:
            line += f"; not copied to the new table: {'; '.join(self.settings_not_copied)}"
        if self.deletes_skipped:
            line += f"; {self.deletes_skipped}"
        if self.capacity_line():
            line += f"; {self.capacity_line()}"
        if self.error:
            line += f"; stopped by: {self.error}"
        return line

    def problem_line(self) -> str:
        """One short line for a front end that shows the result itself (its table has every
        count): the operation, its state and what went wrong, e.g. ``copy FAILED: 20 failed;
        unwritten items saved to FILE`` or ``copy INTERRUPTED: 300 written before the stop``.
        ``summary_line`` without the counts of what went well."""
        head, _, _ = self.summary_line().partition(":")
        problems = []
        if self.interrupted:  # how far it got is what an interruption leaves to know
            done = (
                f"{self.deleted:,} deleted"
                if self.operation == "truncate"
                else f"{self.written:,} written"
            )
            problems.append(f"{done} before the stop")
        if self.failed:
            problems.append(f"{self.failed:,} failed")
        if self.verification.ok is False:
            problems.append(f"verification {self.verification}")
        if self.failed_file:
            what = "undeleted" if self.operation == "truncate" else "unwritten"
            problems.append(f"{what} items saved to {self.failed_file}")
        if self.error:
            problems.append(f"stopped by: {self.error}")
        return f"{head}: {'; '.join(problems)}" if problems else head

    def to_frame(self) -> Any:
        """The rows as a one-column ``pandas.DataFrame`` (index: names; column ``value``)."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["", "value"]).set_index("")

    def __repr__(self) -> str:
        return self.summary_line()

    def _repr_html_(self) -> str:
        table: str = self.to_frame().to_html()
        return f"<b>{self.summary_line().split(':')[0]}</b>" + table


def _units(units: float | None) -> str:
    return "" if units is None else f"{units:,.1f}"


_COPY_ONLY_ROWS = frozenset(
    {
        "source",
        "items written",
        "transform",
        "items dropped by the transform",
        "items produced by the transform",
        "verification",
        "settings not copied",
        "settings copied",
        "settings NOT applied",
        "deletes skipped",
        "checkpoint",
    }
)
