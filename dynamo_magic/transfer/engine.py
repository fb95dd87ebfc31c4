"""Carrying out a copy plan: create, back up, (truncate,) copy, (prune,) verify.

Order of writes per mode:
- replace: put every source item, then delete target items whose key the source lacks — an
  item present on both sides is never missing from the target;
- truncate: delete every target item (of the slice), then put;
- merge: put only.

Every phase is a list of ``tasks.Task``s (a source, a sink, an optional transform) run on the
``Engine``'s workers by ``parallel.run``, inside one ``operation.Operation``: its ``Tally``
keeps what the workers report (``messages``), so a copy stopped by Ctrl-C or an error still
says what it did. The result
models are in ``result``, verification in ``verify``, emptying a table in ``truncate``.

Logged (``logging.getLogger(__name__)``): a copy's start (INFO); its summary line, each phase
and the failed-items file are logged by ``operation``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..codec import Item
from ..dynamodb import table_settings
from ..dynamodb.backups import Backup, back_up
from ..dynamodb.capacity import Budget
from ..dynamodb.retry import RetryPolicy, policy_from
from ..dynamodb.tables import create_like
from ..errors import ConfirmationRequired, literal
from ..settings import Settings
from . import cluster, limits, parallel
from .channels import Channel
from .checkpoints import CheckpointFile, Phases
from .messages import TaskResult
from .operation import COPY_TASK, Operation, Tally
from .plan import CopyPlan
from .result import CopyResult, Outcome, Verification
from .scopes import source_reads, target_reads
from .sinks import FailedItemsFile, TableSink
from .sources import FullItems, KeysToPrune, LeftTheSlice, Side, Source, TableSource, table_sources
from .tasks import Task, run_task
from .verify import (
    SideCount,
    VerifyTask,
    item_transform,
    source_verify_tasks,
    verify,
    verify_segment,
)

__all__ = [
    "CopyResult",
    "Engine",
    "Verification",
    "execute",
    "require_confirmation",
    "verify",
]

log = logging.getLogger(__name__)

SEGMENTS_PER_WORKER = 4  # more segments than workers, so uneven segments balance out
WORKERS_PER_CORE = 2  # workers mostly wait on the network: two per core keep the cores busy
WRITES_PER_WORKER = 4  # BatchWriteItem calls each worker keeps in flight (docs/performance.md)
# bytes of items a copy asks for per Scan/Query page (DynamoDB's own pages are 1 MB): a worker
# holds up to three decoded pages (the one written, the one read ahead, the one being parsed),
# so smaller pages keep a large copy's memory near a small one's, at no cost in speed
# (docs/performance.md, "Under latency"); ``page_items`` turns it into a ``Limit``
PAGE_BYTES = 256 * 1024
MIN_PAGE_ITEMS = 25  # a page at least fills one BatchWriteItem


@dataclass
class Engine:
    """How a copy's work is spread.

    Parameters
    ----------
    workers : int
        Tasks run at once (threads, processes, or tasks on a Dask cluster: by default its
        worker threads).
    writes_in_flight : int
        BatchWriteItem calls each task keeps in flight (its sink's ``in_flight``); with its
        next Scan page read meanwhile, a copy keeps up to ``workers * (writes_in_flight + 1)``
        requests in flight.
    segments : int
        Parallel-scan segments a whole table is read in (a slice is one query).
    backend : str
        ``"loky"`` (processes), ``"threading"``, ``"dask"`` (the operation's Dask cluster:
        ``cluster.connected``), or another joblib backend's name.
    policy : RetryPolicy
        Retries of every read and write, carried to the workers inside each task.
    failed_dir : Path
        Where a failed-items file is written (only if some item stays unwritten).

    Examples
    --------
    >>> from dynamo_magic.settings import Settings
    >>> Engine.from_settings(Settings(), 500, workers=2).segments  # doctest: +SKIP
    8
    """

    workers: int
    segments: int
    backend: str
    policy: RetryPolicy
    failed_dir: Path
    writes_in_flight: int = WRITES_PER_WORKER
    page_bytes: int = PAGE_BYTES

    def page_items(self, average_item_bytes: float) -> int | None:
        """Items per Scan/Query page of a copy whose items average ``average_item_bytes``
        (the plan's sample): about ``page_bytes`` of them, at least ``MIN_PAGE_ITEMS``.
        ``None`` (no ``Limit``: DynamoDB's 1 MB pages) when the size is unknown (an empty
        sample)."""
        if average_item_bytes <= 0:
            return None
        return max(MIN_PAGE_ITEMS, int(self.page_bytes // average_item_bytes))

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        estimated_items: int | None,
        workers: int | None = None,
        segments: int | None = None,
        backend: str | None = None,
    ) -> Engine:
        backend = parallel.choose_backend(backend, estimated_items)
        if backend == parallel.DASK:  # every thread of the cluster (``cluster.connected``)
            workers = workers or settings.workers or cluster.current().threads
        workers = workers or settings.workers or WORKERS_PER_CORE * (os.cpu_count() or 1)
        return cls(
            workers=workers,
            segments=segments or settings.segments or workers * SEGMENTS_PER_WORKER,
            backend=backend,
            policy=policy_from(settings),
            failed_dir=Path.cwd(),
        )

    def failed_path(self, table: str) -> Path:
        """Where items that stay unwritten are saved (created only if there are some)."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return self.failed_dir / f"dynamo-failed-{table}-{stamp}.jsonl"


def require_confirmation(plan: CopyPlan, yes: bool) -> None:
    """Raise ``ConfirmationRequired`` when ``plan`` needs a confirmation ``yes`` does not give."""
    if plan.confirmations and not yes:
        raise ConfirmationRequired(
            f"{literal('; '.join(plan.confirmations))}: confirm with {{yes}}",
            parameters=("yes",),
        )


def execute(
    plan: CopyPlan,
    engine: Engine,
    tally: Tally | None = None,
    warming: parallel.WarmUp | None = None,
    checkpoint: CheckpointFile | None = None,
) -> CopyResult:
    """Carry out ``plan`` (already confirmed), or resume it from ``checkpoint``.

    A transform (``plan.request.transform``) is applied to every source item in the workers
    (``transforms.ItemTransform``): its exception stops the copy (``error``, resumable from
    the checkpoints); items whose key does not fit the target are saved as failed; the
    verification compares the target with the source as the transform makes it; replace-mode
    deletes keep the keys the copy wrote (a transform may change keys) besides those the
    source has.

    Parameters
    ----------
    plan : CopyPlan
        What to copy, as ``plan.plan_copy`` decided it.
    engine : Engine
        Workers, segments, backend, retries.
    tally : operation.Tally, optional
        What the copy reports to: its progress bar (told of each phase, ``copy``, ``delete``,
        ``verify ...``, and the items done), its cancel flag (set from another thread to stop
        the copy as Ctrl-C does: every worker stops within the request it has in flight,
        counted, and the result is ``interrupted``) and whoever watches it (``job.CopyJob``).
        ``None``: a tally that shows nothing and has no cancel flag.
    warming : parallel.WarmUp, optional
        Worker processes being started for this copy (``parallel.warm_up``): waited for after
        the target is created and backed up, before the first phase. Ctrl-C or the cancel
        flag during that wait ends the copy ``interrupted``, as anywhere else.
    checkpoint : checkpoints.CheckpointFile, optional
        The run's checkpoint file (its identity already checked against the plan's):
        kept up to date as segments and phases end. One saved by an earlier run resumes it:
        a target created, a backup taken, a truncate done are not done again; done segments
        are skipped and partial ones start after their saved key; replace-mode deletes run
        once every segment is done; the result counts the items read by every run.

    Returns
    -------
    CopyResult
        Ctrl-C returns what was done, ``interrupted``; an error (a read failing after all
        retries, a worker exception, a lost connection) returns what was done with ``error``
        and ``checkpoints`` set — never a bare exception with the target half written.

    Raises
    ------
    ClusterUnavailable
        On Dask, a worker that cannot build the environments' clients or load the transform
        (``cluster.check_workers``), before anything is written.
    DynamoMagicError
        Only before the first item is touched: creating the target (``UnsafeOperation``,
        ``ServiceError``) or the backup (``BackupFailed``).
    """
    if engine.backend == parallel.DASK:  # workers build their own clients: can they?
        sides = [plan.target] if plan.origin is not None else [plan.source, plan.target]
        cluster.check_workers([side.env for side in sides], plan.request.transform)
    with limits.open_budget(plan.limits, engine.backend) as budget:  # one for the whole copy
        result = _execute(plan, engine, tally, warming, checkpoint, budget)
        limits.account(result, budget)
    return result


def _execute(
    plan: CopyPlan,
    engine: Engine,
    tally: Tally | None,
    warming: parallel.WarmUp | None,
    checkpoint: CheckpointFile | None,
    budget: Budget,
) -> CopyResult:
    """``execute`` with the copy's capacity budget open (``limits.open_budget``)."""
    request = plan.request
    origin = plan.origin
    result = CopyResult(
        source=origin.describe() if origin else f"{plan.source.table} ({plan.source.env.label})",
        target=f"{plan.target.table} ({plan.target.env.label})",
        mode=request.mode,
        settings_not_copied=list(plan.settings_not_copied),
        transform=plan.transform_name,
        operation="load" if origin is not None else "copy",
    )
    limits.describe(result, plan.limits)
    failed_path = engine.failed_path(plan.target.table)
    failed = FailedItemsFile(str(failed_path))
    log.info(
        "%s started: %s -> %s, mode %s, %d worker(s) (%s), %d segment(s)",
        result.operation,  # "copy", or "load" (files or a DataFrame into the table)
        result.source,
        result.target,
        request.mode,
        engine.workers,
        engine.backend,
        engine.segments,
    )
    phases = checkpoint.phases if checkpoint is not None else Phases()
    if checkpoint is not None:
        result.checkpoint = str(checkpoint.path)
        result.failed = phases.failed  # earlier runs' (their files are named in the log)
        result.backup = _saved_backup(phases, plan.target.table)
        result.settings_copied = list(phases.settings_copied)
        result.settings_failed = list(phases.settings_failed)
    with Operation(result, failed_path, tally) as operation:
        tally = operation.tally
        tally.checkpoint = checkpoint
        tally.budget = budget
        cancel = tally.cancel
        parallel.check_cancel(cancel)  # cancelled while planning: nothing is touched
        if plan.create_target:
            tally.stage = "create target"
            to_copy = plan.settings_to_copy
            extra = to_copy.creation_fields() if to_copy is not None else None
            client = plan.target.client()
            created = create_like(client, plan.source_schema, plan.target.table, extra)
            result.created_target = True
            if checkpoint is not None:
                checkpoint.target_created(created.arn)
            if to_copy is not None:
                tally.stage = "copy settings"
                applied = table_settings.apply(client, created, to_copy)
                result.settings_copied, result.settings_failed = applied.applied, applied.failed
                _mark(checkpoint, settings_copied=applied.applied, settings_failed=applied.failed)
        if plan.backup and phases.backup_arn is None:
            tally.stage = "backup"
            taken = functools.partial(_keep, result, checkpoint)
            back_up(plan.target.client(), plan.target.table, taken, cancel=cancel)
        if warming is not None:
            tally.stage = "start workers"
            warming.wait(cancel)  # the copy starts on these workers
        if request.mode == "truncate" and not plan.target_empty and not phases.truncate_done:
            _prune(plan, engine, tally, result, failed, keep=None)
            _mark(checkpoint, truncate_done=True)
        keys: frozenset[str] | None = None
        source: SideCount | None = None
        if not phases.copy_done:
            keys, source = _copy(plan, engine, tally, result, failed, checkpoint)
            _mark(checkpoint, copy_done=True)
        elif checkpoint is not None:
            result.items_read = checkpoint.items_read()
        if plan.source_items_exact and result.items_read < plan.source_items:
            tally.close(Outcome.FAILED)  # a short read: the copy's bar must not end full
        if request.mode == "replace" and not plan.target_empty and not phases.deletes_done:
            unsafe = _deletes_unsafe(plan, result.items_read) or _keys_unknown(plan, checkpoint)
            result.deletes_skipped = None if unsafe == "none" else unsafe
            if unsafe is None:
                _prune(plan, engine, tally, result, failed, keep=keys)
                _mark(checkpoint, deletes_done=True)
        operation.stop_clock()  # the copy's seconds: its verification is not counted
        resumed = checkpoint is not None and checkpoint.resumed
        copied = result.items_read if request.transform is None else None  # not the target's
        result.verification = verify(plan, engine, tally, copied, source, resumed=resumed)
        _mark(checkpoint, finished=True)
    return result


def _keep(result: CopyResult, checkpoint: CheckpointFile | None, backup: Backup) -> None:
    """Record the backup taken (``back_up``'s ``taken``; Ctrl-C may follow)."""
    result.backup = backup
    _mark(checkpoint, backup_name=backup.name, backup_arn=backup.arn, backup_status=backup.status)


def _saved_backup(phases: Phases, table: str) -> Backup | None:
    """The backup an earlier run of a resumed copy took (as it was when saved), if any."""
    if phases.backup_arn is None:
        return None
    return Backup(
        phases.backup_arn, phases.backup_name or "", table, None, phases.backup_status or ""
    )


def _mark(checkpoint: CheckpointFile | None, **facts: Any) -> None:
    """Set phase facts of the checkpoint file, if there is one (saved now)."""
    if checkpoint is not None:
        checkpoint.mark(**facts)


def _copy(
    plan: CopyPlan,
    engine: Engine,
    tally: Tally,
    result: CopyResult,
    failed: FailedItemsFile,
    checkpoint: CheckpointFile | None = None,
) -> tuple[frozenset[str] | None, SideCount | None]:
    """Write the source (slice) into the target. Returns the slice's keys when replace needs
    them, and the source's verification count (or digest) when verification needs one the
    plan lacks: it does not depend on the copy, so its tasks run in the same ``parallel.run``,
    after the copy's, on workers the copy's tail leaves idle. With ``checkpoint``, only the
    segments it has not done, from their saved keys; the items read count its earlier runs'.
    """
    collect = _collects_keys(plan)
    start = checkpoint.start_keys() if checkpoint is not None else None
    if checkpoint is not None:
        result.items_read += checkpoint.items_read()
    tasks: list[Task | VerifyTask] = [*copy_tasks(plan, engine, failed, start)]
    counts = source_verify_tasks(plan, engine)
    # the bar's and log's name of the writing phase: "copy", or the origin's ("load", "import");
    # a resumed copy's bar starts where the earlier runs left it
    phase = plan.origin.phase if plan.origin is not None else "copy"
    tally.start(phase, plan.source_items, checkpoint.items_read() if checkpoint else 0)
    keys: set[str] = set()
    counted = SideCount()
    parts = 0  # source segments counted (a failed count leaves the source to ``verify``)

    def collect_result(outcome: TaskResult | tuple[str, TaskResult | None]) -> None:
        nonlocal parts
        if isinstance(outcome, tuple):  # a verification count of a source segment
            if outcome[1] is not None:
                counted.add(outcome[1])
                parts += 1
            return
        result.items_read += outcome.items_read
        result.written += outcome.written
        result.dropped += outcome.dropped
        result.produced += outcome.produced or 0
        result.failed += outcome.failed  # retried: what workers reported as they went (``Tally``)
        keys.update(outcome.keys)

    tasks += counts
    read_before = result.items_read
    try:
        tally.run(copy_or_count, tasks, engine, collect_result)
    except BaseException:  # a task that raised returned no result: its worker's reports count
        # (only then: a run that ended counts finished tasks' results alone, since a task Dask
        # ran again after its worker died reported twice)
        result.items_read = max(result.items_read, read_before + tally.read.get(COPY_TASK, 0))
        result.dropped = max(result.dropped, tally.dropped.get(COPY_TASK, 0))
        result.produced = max(result.produced, tally.produced.get(COPY_TASK, 0))
        raise
    complete = bool(counts) and parts == len(counts)
    return (frozenset(keys) if collect else None), (counted if complete else None)


def _collects_keys(plan: CopyPlan) -> bool:
    """Replace on a slice (a load's partitions), with a transform (its keys need not be the
    source's) or of a load (no source table to ask), with items in the target: the copy's
    tasks return the keys written, which the deletes keep."""
    where = plan.slice_request is not None or plan.partition_keys is not None
    keys_changed = plan.request.transform is not None or plan.origin is not None
    return (where or keys_changed) and plan.request.mode == "replace" and not plan.target_empty


def _keys_unknown(plan: CopyPlan, checkpoint: CheckpointFile | None) -> str | None:
    """Why replace mode must not delete anything after a resumed copy with a transform
    (``None``: it may): the deletes keep the keys the copy wrote, and those of the earlier runs
    are not known (a transform may change keys: the source cannot tell them either).
    ``"none"``: nothing to say (the target was empty when the copy began: it holds only what
    this copy wrote), but no delete either."""
    keys_changed = plan.request.transform is not None or plan.origin is not None
    if not keys_changed or checkpoint is None or not checkpoint.resumed:
        return None
    if checkpoint.phases.target_empty:  # empty when the copy began: it holds what it wrote
        return "none"
    if plan.origin is not None:
        return (
            "no target item deleted: this load was resumed, so the keys earlier runs wrote "
            "are not known; run it again without resume (or with mode truncate) to delete "
            "target items the load does not write"
        )
    return (
        "no target item deleted: this copy was resumed and its transform may change keys, so "
        "the keys earlier runs wrote are not known; run it again without resume (or with mode "
        "truncate) to delete target items the source no longer makes"
    )


def copy_tasks(
    plan: CopyPlan,
    engine: Engine,
    failed: FailedItemsFile,
    start: dict[int, Item | None] | None = None,
) -> list[Task]:
    """The copy's tasks: every segment (or the slice) of the source into the target, whole
    items fetched from the table where the index read carries only some attributes.
    ``start`` (a resume): only these segments, each after its key (``None``: from its start).
    """
    index = plan.request.index
    partial_index = index is not None and plan.source_schema.index(index).projection != "ALL"
    partial_index = partial_index and plan.origin is None
    sink = TableSink(
        plan.target,
        failed,
        key_names=plan.key_names,
        collect_keys=_collects_keys(plan),
        in_flight=engine.writes_in_flight,
    )
    transform = item_transform(plan, failed)
    limit = engine.page_items(plan.average_item_bytes)
    tasks = []
    for segment in source_reads(plan, engine.segments):
        if (
            limit is not None
            and isinstance(segment, TableSource)
            and "Limit" not in segment.request
        ):
            segment = dataclasses.replace(segment, request={**segment.request, "Limit": limit})
        if start is not None:
            if segment.segment not in start:
                continue  # done by an earlier run
            segment = dataclasses.replace(segment, start_key=start[segment.segment])  # type: ignore[type-var]
        source: Source = (
            FullItems(segment, plan.source, plan.key_names) if partial_index else segment
        )
        tasks.append(Task("copy", source, sink, engine.policy, transform, checkpoints=True))
    return tasks


def copy_or_count(
    task: Task | VerifyTask, channel: Channel
) -> TaskResult | tuple[str, TaskResult | None]:
    """Runs in a worker: copy one segment, or count (digest) one source segment for the
    verification. The count's progress is not reported (the copy's bar counts items copied);
    its retries are, and a stop still reaches it. A count that fails answers ``(role, None)``
    rather than raising: an error would stop the copy's segments still running, and a copy
    never fails for its verification's sake; ``verify`` then counts the source itself (and
    fails there, after the copy, if the error persists)."""
    if isinstance(task, VerifyTask):
        try:
            return verify_segment(task, channel.quiet())
        except Exception:
            return task.role, None
    return run_task(task, channel)


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
    tally: Tally,
    result: CopyResult,
    failed: FailedItemsFile,
    keep: frozenset[str] | None,
) -> None:
    """Delete target items (of the slice): all (truncate) or those the source lacks (replace),
    as ``sources.KeysToPrune`` decides."""
    replace = plan.request.mode == "replace"
    if replace and keep is not None and plan.slice_request is not None:  # first refresh the
        # items that left the slice (transformed as the copy's were)
        _refresh_left_slice(plan, engine, tally, result, failed, keep)
    tasks = prune_tasks(
        plan.target,
        plan.key_names,
        engine,
        failed,
        plan.slice_request,
        keep_if_in=plan.source if replace and plan.origin is None else None,
        keep_keys=keep if replace else None,
        scope=target_reads(plan, engine.segments),
    )
    run_deletes(tasks, plan.target_items, engine, tally, result)


def _refresh_left_slice(
    plan: CopyPlan,
    engine: Engine,
    tally: Tally,
    result: CopyResult,
    failed: FailedItemsFile,
    written: frozenset[str],
) -> None:
    """Replace on a slice: put the source's current item for every key the target's slice holds
    that the copy did not write but the source has (it left the slice there), so the target's
    slice ends equal to the source's (``sources.LeftTheSlice``)."""
    sink = TableSink(plan.target, failed, in_flight=engine.writes_in_flight)
    tasks = [
        Task(
            "refresh",
            LeftTheSlice(segment, plan.key_names, plan.source, written),
            sink,
            engine.policy,
            item_transform(plan, failed),
            checkpoints=True,
        )
        for segment in table_sources(plan.target, engine.segments, plan.slice_request)
    ]
    tally.start("refresh", None)
    for part in tally.run(run_task, tasks, engine):
        result.written += part.written
        result.failed += part.failed


def prune_tasks(
    target: Side,
    key_names: tuple[str, ...],
    engine: Engine,
    failed: FailedItemsFile,
    query: dict[str, Any] | None = None,
    keep_if_in: Side | None = None,
    keep_keys: frozenset[str] | None = None,
    scope: list[TableSource] | None = None,
) -> list[Task]:
    """Tasks deleting ``target``'s items (of the slice ``query``, or of the reads ``scope``)
    but those to keep."""
    sink = TableSink(target, failed, delete=True, in_flight=engine.writes_in_flight)
    return [
        Task(
            "delete",
            KeysToPrune(segment, key_names, keep_if_in, keep_keys),
            sink,
            engine.policy,
            checkpoints=True,
        )
        for segment in (
            scope if scope is not None else table_sources(target, engine.segments, query)
        )
    ]


def run_deletes(
    tasks: list[Task], total: int | None, engine: Engine, tally: Tally, result: CopyResult
) -> int:
    """Run the prune tasks, adding what they deleted (or failed to) to ``result``; returns
    the items they read."""
    tally.start("delete", total)
    read = 0
    for part in tally.run(run_task, tasks, engine):
        read += part.items_read
        result.deleted += part.deleted
        result.failed += part.failed  # retried: reported as made (``Tally``)
    return read
