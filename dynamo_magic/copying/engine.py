"""Carrying out a copy plan: create, back up, (truncate,) copy, (prune,) verify.

Order of writes per mode (DESIGN.md "Copy semantics"):
- replace: put every source item, then delete target items whose key the source lacks — an
  item present on both sides is never missing from the target;
- truncate: delete every target item (of the slice), then put;
- merge: put only.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..dynamodb.backups import Backup, create_backup
from ..dynamodb.retry import RetryPolicy, policy_from
from ..dynamodb.tables import create_like
from ..errors import ConfirmationRequired, DynamoMagicError
from ..settings import Settings
from . import parallel
from .parallel import NoProgress, Progress
from .plan import CopyPlan
from .tasks import (
    ContainsTask,
    CopyTask,
    PruneTask,
    SegmentTask,
    Side,
    TaskResult,
    contains_segment,
    copy_segment,
    count_segment,
    digest_segment,
    prune_segment,
)

SEGMENTS_PER_WORKER = 4  # more segments than workers, so uneven segments balance out
WORKERS_PER_CORE = 2  # workers mostly wait on the network: two per core keep the cores busy


@dataclass
class Verification:
    """How source and target compared. ``detail`` is the reason of a mismatch (a short read,
    contents that differ), said first: ``count: MISMATCH: the copy read 97 of 100 source items
    (source 100, target 100)``; on a passing verification it is a note after the counts."""

    method: str
    source_count: int | None = None
    target_count: int | None = None
    ok: bool | None = None  # None: not verified
    detail: str = ""

    def __str__(self) -> str:
        if self.ok is None:
            return "not verified"
        counts = f"(source {self.source_count:,}, target {self.target_count:,})"
        if self.ok:
            return f"{self.method}: OK {counts}" + (f"; {self.detail}" if self.detail else "")
        return f"{self.method}: MISMATCH: " + (f"{self.detail} " if self.detail else "") + counts


@dataclass(repr=False)
class CopyResult:
    """What a copy did; ``ok`` only when nothing failed and verification passed."""

    source: str
    target: str
    mode: str
    scanned: int = 0
    written: int = 0
    deleted: int = 0
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
    operation: str = "copy"  # "truncate": ``truncate``'s result (no source, no verification)

    @property
    def items_per_second(self) -> float:
        """Items written per second (a truncate: items deleted)."""
        done = self.deleted if self.operation == "truncate" else self.written
        return done / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return (
            not self.failed
            and not self.interrupted
            and self.error is None
            and self.verification.ok is not False
        )

    def add(self, task: TaskResult) -> None:
        self.scanned += task.read
        self.written += task.written
        self.deleted += task.deleted
        self.failed += task.failed  # retried: what workers reported as they went (_Tally)

    def rows(self) -> list[tuple[str, Any]]:
        rows = [
            ("source", self.source),
            ("target", self.target + (" (created)" if self.created_target else "")),
            ("mode", self.mode),
            ("items scanned", self.scanned),
            ("items written", self.written),
            ("items deleted", self.deleted),
            ("requests retried", self.retried),
            ("items failed", self.failed),
            ("failed items saved to", self.failed_file or ""),
            ("seconds", round(self.seconds, 2)),
            ("items/s", round(self.items_per_second, 1)),
            ("backup", self.backup.name if self.backup else ""),
            ("verification", str(self.verification)),
            ("interrupted", self.interrupted),
            ("settings not copied", "; ".join(self.settings_not_copied)),
            ("error", self.error or ""),
            ("deletes skipped", self.deletes_skipped or ""),
        ]
        if self.operation == "truncate":  # what only a copy has
            return [(name, value) for name, value in rows if name not in _COPY_ONLY_ROWS]
        return rows

    def summary_line(self) -> str:
        state = "OK" if self.ok else ("INTERRUPTED" if self.interrupted else "FAILED")
        written = "" if self.operation == "truncate" else f"{self.written:,} written, "
        line = (
            f"{self.operation} {state}: {written}{self.deleted:,} deleted, "
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
        if self.settings_not_copied:
            line += f"; not copied to the new table: {'; '.join(self.settings_not_copied)}"
        if self.deletes_skipped:
            line += f"; {self.deletes_skipped}"
        if self.error:
            line += f"; stopped by: {self.error}"
        return line

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["", "value"]).set_index("")

    def __repr__(self) -> str:
        return self.summary_line()

    def _repr_html_(self) -> str:
        return f"<b>{self.summary_line().split(':')[0]}</b>" + self.to_frame().to_html()


_COPY_ONLY_ROWS = frozenset(
    {"source", "items written", "verification", "settings not copied", "deletes skipped"}
)


@dataclass
class Engine:
    """How work is spread: workers, segments, joblib backend, retries."""

    workers: int
    segments: int
    backend: str
    policy: RetryPolicy
    failed_dir: Path

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        estimated_items: int | None,
        workers: int | None = None,
        segments: int | None = None,
        backend: str | None = None,
    ) -> Engine:
        workers = workers or settings.workers or WORKERS_PER_CORE * (os.cpu_count() or 1)
        return cls(
            workers=workers,
            segments=segments or settings.segments or workers * SEGMENTS_PER_WORKER,
            backend=parallel.choose_backend(backend, estimated_items),
            policy=policy_from(settings),
            failed_dir=Path.cwd(),
        )

    def failed_path(self, table: str) -> Path:
        """Where items that stay unwritten are saved (created only if there are some)."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return self.failed_dir / f"dynamo-failed-{table}-{stamp}.jsonl"


class _Tally:
    """Passes progress on and keeps, per phase, the counts the workers reported, and the
    retries they reported (every phase: copy, delete, verify).

    On Ctrl-C or a failure the segments still running (or the one that raised) never return
    their ``TaskResult``; the writes they had confirmed and the retries they had made were
    reported here as they happened, so such a result still says what was done.
    """

    def __init__(self, progress: Progress):
        self.progress = progress
        self.phase = ""
        self.done: dict[str, int] = {}
        self.retries = 0  # requests retried (parallel.Retried messages)

    def start(self, phase: str, total: int | None) -> None:
        self.phase = phase
        self.progress.start(phase, total)

    def advance(self, count: int) -> None:
        self.done[self.phase] = self.done.get(self.phase, 0) + count
        self.progress.advance(count)

    def retried(self, count: int) -> None:
        self.retries += count

    def close(self, complete: bool = True) -> None:
        self.progress.close(complete)

    def interrupted(self, result: CopyResult) -> None:
        """Mark ``result`` interrupted, with the writes reported by unfinished segments."""
        result.interrupted = True
        self._account(result)

    def failed(self, result: CopyResult, error: BaseException, failed_path: Path) -> None:
        """Mark ``result`` failed by ``error`` (a read that kept failing after all retries, a
        worker that raised, a lost connection), with the writes reported so far and every
        item saved as unwritten (the file holds the unfinished segments' ones too)."""
        self._account(result)
        result.error = _one_line(error)
        if failed_path.exists():
            with failed_path.open(encoding="utf-8") as saved:
                result.failed = max(result.failed, sum(1 for _ in saved))

    def _account(self, result: CopyResult) -> None:
        result.written = max(result.written, self.done.get("copy", 0))
        result.deleted = max(result.deleted, self.done.get("delete", 0))
        result.retried = self.retries


def _one_line(error: BaseException) -> str:
    """The error as one line that says what to do: a copy can be run again (puts and deletes
    are idempotent; replace mode makes the target exact)."""
    text = " ".join(str(error).split()) or type(error).__name__
    if not isinstance(error, DynamoMagicError):
        text = f"{type(error).__name__}: {text}"
    return f"{text}; nothing was rolled back: fix the cause and run it again"


def require_confirmation(plan: CopyPlan, yes: bool) -> None:
    if plan.confirmations and not yes:
        raise ConfirmationRequired(
            f"{'; '.join(plan.confirmations)}: confirm with --yes (yes=True); "
            "see the plan with --dry-run"
        )


def execute(plan: CopyPlan, engine: Engine, progress: Progress | None = None) -> CopyResult:
    """Carry out ``plan`` (already confirmed). Ctrl-C returns what was done, interrupted; an
    error (a read failing after all retries, a worker exception, a lost connection) returns
    what was done with ``error`` set — never a bare exception with the target half written.
    Errors before the first item is touched (creating the target, the backup) are raised."""
    progress = _Tally(progress or NoProgress())
    request = plan.request
    result = CopyResult(
        source=f"{plan.source.table} ({plan.source.env.label})",
        target=f"{plan.target.table} ({plan.target.env.label})",
        mode=request.mode,
        settings_not_copied=list(plan.settings_not_copied),
    )
    failed_path = engine.failed_path(plan.target.table)
    started = time.monotonic()
    finished = False  # the last bar ends complete only when every phase ran to its end
    try:
        if plan.create_target:
            create_like(plan.target.client(), plan.source_schema, plan.target.table)
            result.created_target = True
        if plan.backup:
            result.backup = create_backup(plan.target.client(), plan.target.table)
        if request.mode == "truncate" and not plan.target_empty:
            _prune(plan, engine, progress, result, str(failed_path), keep=None)
        keys, source = _copy(plan, engine, progress, result, str(failed_path))
        if plan.source_items_exact and result.scanned < plan.source_items:
            progress.close(complete=False)  # a short read: the copy's bar must not end full
        if request.mode == "replace" and not plan.target_empty:
            result.deletes_skipped = _deletes_unsafe(plan, result.scanned)
            if result.deletes_skipped is None:
                _prune(plan, engine, progress, result, str(failed_path), keep=keys)
        result.seconds = time.monotonic() - started
        result.verification = verify(plan, engine, progress, result.scanned, source)
        result.retried = progress.retries
        finished = True
    except KeyboardInterrupt:
        progress.interrupted(result)
        result.seconds = time.monotonic() - started
    except Exception as error:  # any failure while working ends as a result that says it
        if not progress.phase:  # creating the target or the backup failed: nothing written
            raise
        progress.failed(result, error, failed_path)
        result.seconds = time.monotonic() - started
        result.cause = error
    finally:
        progress.close(complete=finished and result.ok)
    if failed_path.exists():
        result.failed_file = str(failed_path)
    return result


def _segments(side: Side, engine: Engine, query: dict[str, Any] | None) -> list[SegmentTask]:
    if query is not None:
        return [SegmentTask(side, request=query, operation="query", policy=engine.policy)]
    return [
        SegmentTask(side, s, engine.segments, policy=engine.policy) for s in range(engine.segments)
    ]


def _copy(
    plan: CopyPlan, engine: Engine, progress: Progress, result: CopyResult, failed_path: str
) -> tuple[frozenset[str] | None, SideCount | None]:
    """Write the source (slice) into the target. Returns the slice's keys when replace needs
    them, and the source's verification count (or digest) when verification needs one the
    plan lacks: it does not depend on the copy, so its tasks run in the same ``parallel.run``,
    after the copy's, on workers the copy's tail leaves idle."""
    query = plan.slice_request
    index = plan.request.index
    partial_index = bool(index) and plan.source_schema.index(index).projection != "ALL"
    collect = query is not None and plan.request.mode == "replace" and not plan.target_empty
    tasks = [
        CopyTask(
            source=segment,
            target=plan.target,
            policy=engine.policy,
            failed_path=failed_path,
            full_items_from=plan.source if partial_index else None,
            key_names=plan.key_names,
            collect_keys=collect,
        )
        for segment in _segments(plan.source, engine, query)
    ]
    counts = _source_verify_tasks(plan, engine)
    progress.start("copy", plan.source_items)
    keys: set[str] = set()
    source = SideCount()
    counted = 0  # source segments counted (a failed count leaves the source to ``verify``)

    def collect_result(outcome: TaskResult | tuple[str, TaskResult | None]) -> None:
        nonlocal counted
        if isinstance(outcome, tuple):  # a verification count of a source segment
            if outcome[1] is not None:
                source.add(outcome[1])
                counted += 1
            return
        result.add(outcome)
        keys.update(outcome.keys)

    parallel.run(
        copy_or_count, [*tasks, *counts], engine.workers, engine.backend, progress, collect_result
    )
    complete = bool(counts) and counted == len(counts)
    return (frozenset(keys) if collect else None), (source if complete else None)


def copy_or_count(
    task: CopyTask | VerifyTask, sink: parallel.ProgressSink
) -> TaskResult | tuple[str, TaskResult | None]:
    """Runs in a worker: copy one segment, or count (digest) one source segment for the
    verification. The count's progress is not reported (the copy's bar counts items copied);
    its retries are, and a stop still reaches it. A count that fails answers ``(role, None)``
    rather than raising: an error would stop the copy's segments still running, and a copy
    never fails for its verification's sake; ``verify`` then counts the source itself (and
    fails there, after the copy, if the error persists)."""
    if isinstance(task, VerifyTask):
        try:
            return verify_segment(task, sink.without_progress())
        except Exception:
            return task.role, None
    return copy_segment(task, sink)


def _deletes_unsafe(plan: CopyPlan, copied: int) -> str | None:
    """Why replace mode must not delete anything (``None``: it may): the plan's count is exact
    and the copy read fewer source items, so its read came up short (a page lost on the way)
    and what it did not see cannot be told from what the source lacks. Verification then
    fails the copy; a run that reads the whole source deletes what it should."""
    if not plan.source_items_exact or copied >= plan.source_items:
        return None
    return (
        f"no target item deleted: the copy read {copied:,} of the {plan.source_items:,} "
        "source items the plan counted (a read came up short), so none was known to be gone"
    )


def _prune(
    plan: CopyPlan,
    engine: Engine,
    progress: Progress,
    result: CopyResult,
    failed_path: str,
    keep: frozenset[str] | None,
) -> None:
    """Delete target items (of the slice): all (truncate) or those the source lacks (replace).

    Replace deletes a key only after the source, asked with a consistent BatchGetItem, says
    it lacks it; ``keep`` (the keys the copy wrote, for a slice) only spares those keys the
    check. Keys the copy merely did not read are checked, never deleted on that ground."""
    replace = plan.request.mode == "replace"
    tasks = [
        PruneTask(
            target=segment,
            key_names=plan.key_names,
            policy=engine.policy,
            failed_path=failed_path,
            keep_if_in=plan.source if replace else None,
            keep_keys=keep if replace else None,
        )
        for segment in _segments(plan.target, engine, plan.slice_request)
    ]
    _delete(tasks, plan.target_items, engine, progress, result)


def _delete(
    tasks: list[PruneTask],
    total: int | None,
    engine: Engine,
    progress: Progress,
    result: CopyResult,
) -> int:
    """Run the prune tasks, adding what they deleted (or failed to) to ``result``; returns
    the items they read."""
    progress.start("delete", total)
    read = 0
    for task_result in parallel.run(prune_segment, tasks, engine.workers, engine.backend, progress):
        read += task_result.read
        result.deleted += task_result.deleted
        result.failed += task_result.failed  # retried: reported as made (_Tally)
    return read


@dataclass(frozen=True)
class VerifyTask:
    """Count (or digest) one segment of one side; ``role`` says which side it belongs to."""

    role: str  # "source" or "target"
    method: str  # "count" or "full"
    segment: SegmentTask


def verify_segment(task: VerifyTask, sink: Any) -> tuple[str, TaskResult]:
    function = count_segment if task.method == "count" else digest_segment
    return task.role, function(task.segment, sink)


@dataclass
class SideCount:
    """One side's verification figures, summed over its segments."""

    count: int = 0
    digest: int = 0  # sum of item hashes modulo 2**128 (``full`` only)

    def add(self, part: TaskResult) -> None:
        self.count += part.count
        self.digest = (self.digest + part.digest) % 2**128


def _source_verify_tasks(plan: CopyPlan, engine: Engine) -> list[VerifyTask]:
    """The source's share of the verification, when it needs one: ``full`` digests, or a
    ``count`` where the plan's is not exact (merge ``full`` reads the target per source item,
    so it waits for the copy)."""
    method = plan.request.verify
    if method == "none" or (plan.request.mode == "merge" and method == "full"):
        return []
    if method == "count" and plan.source_items_exact:
        return []
    return [
        VerifyTask("source", method, segment)
        for segment in _segments(plan.source, engine, plan.slice_request)
    ]


def verify(
    plan: CopyPlan,
    engine: Engine,
    progress: Progress,
    copied: int | None = None,
    source: SideCount | None = None,
) -> Verification:
    """Compare source and target (slice). replace/truncate: equal counts (``count``) or equal
    keys and content hashes (``full``); merge: the target holds at least (``count``) or
    exactly (``full``) every source item.

    The source count a ``count`` verification compares with is never only what the copy
    itself read (``copied``): a read that ended short would copy, and count, too few. Where
    the plan's count is exact (a slice's Select COUNT, a table the plan counted or sampled
    whole) the target is compared with it; otherwise the source is read again by its own
    scans: ``source``, counted by ``execute`` alongside the copy (``_source_verify_tasks``),
    or, without it, here in the same ``parallel.run`` as the target so both sides' scans
    overlap. ``copied`` differing from the source count is named in the detail.
    """
    method = plan.request.verify
    if method == "none":
        return Verification("none")
    if plan.request.mode == "merge" and method == "full":
        return _verify_contains(plan, engine, progress)
    planned = method == "count" and plan.source_items_exact
    tasks = [
        VerifyTask("target", method, s) for s in _segments(plan.target, engine, plan.slice_request)
    ]
    labels = [plan.target.env.label]
    if source is None and not planned:  # counted here, the two sides' scans overlapping
        tasks += _source_verify_tasks(plan, engine)
        labels.insert(0, plan.source.env.label)
    progress.start(f"verify {' and '.join(labels)}", None)
    sums = {"source": source if source is not None else SideCount(), "target": SideCount()}
    for role, part in parallel.run(verify_segment, tasks, engine.workers, engine.backend, progress):
        sums[role].add(part)
    source_count = plan.source_items if planned else sums["source"].count
    target_count = sums["target"].count
    detail = ""
    if copied is not None and copied < source_count:
        detail = f"the copy read {copied:,} of {source_count:,} source items"
    elif copied is not None and copied > source_count:
        detail = f"the copy read {copied:,} source items, more than the {source_count:,} counted"
    if plan.request.mode == "merge":
        ok = target_count >= source_count and (copied is None or copied >= source_count)
        return Verification(method, source_count, target_count, ok, detail)
    ok = source_count == target_count and sums["source"].digest == sums["target"].digest
    ok = ok and (copied is None or copied == source_count)
    if not ok and source_count == target_count and not detail:
        detail = "contents differ"
    return Verification(method, source_count, target_count, ok, detail)


def _verify_contains(plan: CopyPlan, engine: Engine, progress: Progress) -> Verification:
    tasks = [
        ContainsTask(segment, plan.target, plan.key_names, engine.policy)
        for segment in _segments(plan.source, engine, plan.slice_request)
    ]
    progress.start("verify", plan.source_items)
    parts = parallel.run(contains_segment, tasks, engine.workers, engine.backend, progress)
    checked, missing = sum(p.count for p in parts), sum(p.failed for p in parts)
    detail = f"{missing:,} source item(s) missing or different in the target" if missing else ""
    return Verification("full", checked, checked - missing, not missing, detail)


def truncate(
    side: Side, schema: Any, engine: Engine, backup: bool, progress: Progress | None = None
) -> CopyResult:
    """Back up (unless told not to), then delete every item of the table in parallel."""
    progress = _Tally(progress or NoProgress())
    result = CopyResult(
        source="", target=f"{side.table} ({side.env.label})", mode="truncate", operation="truncate"
    )
    failed_path = engine.failed_path(side.table)
    started = time.monotonic()
    finished = False
    try:
        if backup:
            result.backup = create_backup(side.client(), side.table)
        tasks = [
            PruneTask(segment, schema.key.names, engine.policy, str(failed_path))
            for segment in _segments(side, engine, None)
        ]
        result.scanned = _delete(tasks, schema.item_count, engine, progress, result)
        result.retried = progress.retries
        finished = True
    except KeyboardInterrupt:
        progress.interrupted(result)
    except Exception as error:  # any failure while working ends as a result that says it
        if not progress.phase:  # creating the target or the backup failed: nothing written
            raise
        progress.failed(result, error, failed_path)
        result.cause = error
    finally:
        progress.close(complete=finished and result.ok)
    result.seconds = time.monotonic() - started
    if failed_path.exists():
        result.failed_file = str(failed_path)
    return result
