"""Running a copy or a truncate from start to end, as ``dynamo_magic.copy`` and
``dynamo_magic.truncate`` ask for them (their keywords already checked).

A copy runs as a job (``start_copy``: a ``job.CopyJob``'s thread, reporting to the job's
``operation.Tally``): its loky workers warmed in the background while the plan is made (when
the source's size says processes), the plan, its confirmation, ``engine.execute`` (phases and
verification), and ``CopyFailed`` when it did not end OK. A truncate: the table described, its
confirmation, ``truncate.truncate``. Each owns its worker pool (``parallel.worker_pool``): the
workers either started are gone when it returns or raises. Refusals (``UnsafeOperation``:
nothing written) are logged in one line (``logs_refusals``: by the job for a copy, by the
façade otherwise).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from .. import environments
from ..dynamodb import clients, read
from ..dynamodb.retry import policy_from
from ..errors import ConfirmationRequired, CopyFailed, UnsafeOperation, literal
from ..settings import Settings
from . import checkpoints, cluster, parallel
from . import engine as copy_engine
from . import plan as copy_plan
from . import truncate as truncating
from .job import CopyJob
from .operation import Tally
from .parallel import Progress
from .plan import CopyPlan, CopyRequest
from .result import CopyResult
from .sources import Side

# what copy workers import while the plan is made (parallel.warm_up): the copy's tasks
WORKER_MODULES = ("dynamo_magic.transfer.tasks",)
F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)


def logs_refusals(action: str, log: logging.Logger) -> Callable[[F], F]:
    """Log ``action`` refused (``UnsafeOperation``: nothing written) with its one-line reason
    on ``log``: at INFO when it only waits for a confirmation (``ConfirmationRequired``), else
    WARNING."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def logged(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except UnsafeOperation as refusal:
                confirm = isinstance(refusal, ConfirmationRequired)
                log.log(
                    logging.INFO if confirm else logging.WARNING, "%s refused: %s", action, refusal
                )
                raise

        return cast(F, logged)

    return decorate


def start_copy(
    request: CopyRequest,
    settings: Settings,
    *,
    yes: bool = False,
    workers: int | None = None,
    segments: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
) -> CopyJob:
    """``copy`` in a ``CopyJob``'s thread, returned at once; its refusals logged in one line
    (``logs_refusals``). ``cancel``: the job's cancel flag (a new one if ``None``)."""
    return start_job(
        "copy",
        log,
        copy,
        request,
        settings,
        progress,
        cancel,
        yes=yes,
        workers=workers,
        segments=segments,
        backend=backend,
        scheduler=scheduler,
        checkpoint=checkpoint,
        resume=resume,
    )


def start_job(
    action: str,
    logger: logging.Logger,
    work: Callable[..., CopyResult],
    request: Any,
    settings: Settings,
    progress: Progress | None,
    cancel: threading.Event | None,
    **keywords: Any,
) -> CopyJob:
    """``work(request, settings, tally=..., **keywords)`` (``copy``, ``loading.load``) in a
    ``CopyJob``'s thread, returned at once; its refusals logged in one line to ``logger``
    (``logs_refusals``). ``cancel``: the job's cancel flag (a new one if ``None``)."""
    tally = Tally(progress, cancel if cancel is not None else threading.Event())
    run = functools.partial(
        logs_refusals(action, logger)(work), request, settings, tally=tally, **keywords
    )
    return CopyJob(run, tally)


def copy(
    request: CopyRequest,
    settings: Settings,
    *,
    yes: bool = False,
    workers: int | None = None,
    segments: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    tally: Tally | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
) -> CopyResult:
    """Plan, confirm and carry out ``request`` (its names and run options already checked),
    reporting to ``tally`` (its progress bar, its cancel flag: see ``engine.execute``).
    ``backend="dask"``: on the cluster at ``scheduler`` (``None``: the active Client), checked
    first (``cluster.connected``).

    ``checkpoint``: where the run's checkpoint file goes (default: a new file under
    ``checkpoints.default_folder``). ``resume``: continue the copy a checkpoint file was saved
    for (``True``: the newest unfinished one of this copy, same environments, tables and
    slice; or its path): its plan's confirmations, backup and target state are the first
    run's, its total segments the file's (an explicit ``segments`` must be the same).

    Raises
    ------
    ClusterUnavailable
        ``backend="dask"`` and the cluster cannot run the copy; nothing read or written.
    ConfirmationRequired
        The plan needs ``yes`` (a non-empty or protected target).
    CheckpointMismatch
        ``resume``'s file is unreadable or of another copy (the difference named); nothing
        written.
    CopyFailed
        Items stayed unwritten, verification failed or the copy was interrupted (Ctrl-C or
        the cancel flag); ``.result`` is the CopyResult.
    DynamoMagicError
        What planning refuses (``UnsafeOperation``, ``TableNotFound``, ...), before any write.
    """
    table, source = request.table, request.source
    with (
        cluster.connected(backend, scheduler),  # a Dask cluster, checked before anything else
        contextlib.ExitStack() as held,  # the checkpoint's lock: released when the copy ends
        parallel.worker_pool(),  # the copy's workers: warm for every phase, ended with it
    ):
        warming = None
        if request.pk is None:  # a slice is one task: no worker pool
            guess = copy_engine.Engine.from_settings(settings, None, workers, segments, backend)
            warming = _warm_up(table, source, guess, backend, settings)
        try:
            plan = copy_plan.plan_copy(request, settings)
            saved = _saved(plan, resume, hold=True)
            if saved is not None:
                held.callback(saved.release)
                plan = _resumed(plan, saved)
                segments = segments or saved.identity.total_segments
            engine = copy_engine.Engine.from_settings(
                settings, plan.source_items, workers, segments, backend
            )
            identity = _identity(plan, engine)
            if saved is not None:
                saved.check(identity)
            copy_engine.require_confirmation(plan, yes)
            record = saved or _new_checkpoint(plan, identity, checkpoint)
            held.callback(record.release)
            plan.checkpoint = str(record.path)
            if tally is not None:
                tally.checkpoint = record
            if warming and (engine.backend != guess.backend or plan.slice_request is not None):
                warming.cancel()  # a small copy runs in threads, a slice in one task
                warming = None
        except BaseException:  # refused, failed or interrupted: leave no worker behind
            if warming:
                warming.cancel()
            raise
        try:  # waits for the warm-up after the backup: Ctrl-C there ends it interrupted
            result = copy_engine.execute(plan, engine, tally, warming=warming, checkpoint=record)
        finally:
            if warming and warming.running:  # interrupted while they started: stop at once
                warming.cancel()  # (the warm-up ends before the workers are released)
        if not result.ok:
            written = plan.target
            raise CopyFailed(
                result.summary_line(), result, table=written.table, env=written.env.label
            ) from result.cause
        return result


def plan(
    request: CopyRequest,
    settings: Settings,
    *,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
) -> CopyPlan:
    """The dry run of ``copy`` with the same ``checkpoint`` and ``resume``: a resume's plan is
    the one the resumed copy runs (its first run's backup and confirmations; the file it
    continues, with what is done, in the plan's checkpoint row), a checkpoint of another copy
    refused as ``copy`` refuses it.

    Raises
    ------
    CheckpointMismatch
        ``resume``'s file is unreadable, finished or of another copy (the difference named).
    DynamoMagicError
        What planning refuses, as ``copy_plan.plan_copy``.
    """
    planned = copy_plan.plan_copy(request, settings)
    saved = _saved(planned, resume)
    if saved is None:
        planned.checkpoint = str(checkpoint) if checkpoint is not None else None
        return planned
    planned = _resumed(planned, saved)
    segments = saved.identity.total_segments
    engine = copy_engine.Engine.from_settings(settings, planned.source_items, None, segments, None)
    saved.check(_identity(planned, engine))
    done = sum(1 for s in saved.segments.values() if s.state == "done")
    planned.checkpoint = str(saved.path)
    planned.resuming = (
        f"resumed: {done} of {len(saved.segments)} segment(s) done, "
        f"{saved.items_read():,} item(s) read before"
    )
    planned.items_done = saved.items_read()
    return planned


def _where(side: Side) -> str:
    """Where a side's table is, as a resume looks its checkpoints up: environment and
    endpoint (or region)."""
    return f"{side.env.label}@{side.env.endpoint_url or side.env.region}"


def _stem(plan: CopyPlan) -> str:
    """The name every checkpoint of this copy starts with (``checkpoints.copy_name``)."""
    slice_text = plan.describe_slice() if plan.slice_request is not None else None
    return checkpoints.copy_name(
        plan.source.table,
        plan.target.table,
        _where(plan.source),
        _where(plan.target),
        slice_text,
    )


def _identity(plan: CopyPlan, engine: copy_engine.Engine) -> checkpoints.Identity:
    """The copy's identity as a checkpoint file holds it (a slice is one segment)."""
    return checkpoints.Identity(
        source_table=plan.source.table,
        target_table=plan.target.table,
        source_arn=plan.source_schema.arn,
        target_arn=plan.target_schema.arn if plan.target_schema is not None else None,
        source_endpoint=plan.source.env.endpoint_url,
        target_endpoint=plan.target.env.endpoint_url,
        slice=plan.describe_slice() if plan.slice_request is not None else None,
        mode=plan.request.mode,
        transform=plan.transform_name,
        total_segments=1 if plan.slice_request is not None else engine.segments,
    )


def _saved(
    plan: CopyPlan,
    resume: bool | str | Path | None,
    stem: str | None = None,
    hold: bool = False,
) -> checkpoints.CheckpointFile | None:
    """The checkpoint file a resume continues (``None``: not a resume); ``stem``: the name
    its checkpoints start with (default: the copy's, ``_stem``); ``hold``: locked for this
    run (``checkpoints.to_resume``), the caller releases it.

    Raises
    ------
    CheckpointMismatch, InvalidQuery
        Unreadable; no unfinished checkpoint of this copy (or import, load: ``plan.operation``).
    CheckpointInUse
        ``hold`` and another run holds it."""
    if resume is None or resume is False:
        return None
    return checkpoints.to_resume(resume, stem or _stem(plan), plan.operation, hold=hold)


def _resumed(plan: CopyPlan, saved: checkpoints.CheckpointFile) -> CopyPlan:
    """The plan of a resumed copy: its backup and confirmations are those the first run
    planned with (the target now holds this copy's items: that needs no new confirmation, nor
    a backup of them). The target's state stays as found now: a target that holds items is
    pruned in replace mode, so items the source lost since the first run go too (a truncate
    is not redone: ``engine.execute`` reads ``truncate_done``)."""
    phases = saved.phases
    existing = copy_plan.EXISTING_TARGET_SETTINGS.format(plan.target.table)
    # the target this copy created got its settings then (the result names them); one that
    # stopped before applying them keeps the warning: they are not applied now
    applied = phases.target_created and bool(phases.settings_copied or phases.settings_failed)
    return dataclasses.replace(
        plan,
        backup=phases.backup_planned and phases.backup_arn is None,
        confirmations=list(phases.confirmations),
        warnings=[w for w in plan.warnings if not (applied and w == existing)],
    )


def _new_checkpoint(
    plan: CopyPlan,
    identity: checkpoints.Identity,
    path: str | Path | None,
    stem: str | None = None,
) -> checkpoints.CheckpointFile:
    """A new checkpoint file for a copy about to start, locked for it (the caller releases
    it) and saved now (before anything is written: a copy whose checkpoint cannot be saved
    does not start); ``stem`` as ``_saved``.

    Raises
    ------
    CheckpointInUse
        ``path`` is the checkpoint of a run still running.
    OSError
        The file cannot be written."""
    if path is None:  # the default folder is a bounded cache: old finished files go
        checkpoints.clean()
    where = Path(path) if path is not None else checkpoints.new_path(stem or _stem(plan))
    record = checkpoints.CheckpointFile(where, identity)
    record.hold()
    try:
        record.mark(
            target_empty=plan.target_empty,
            confirmations=list(plan.confirmations),
            backup_planned=plan.backup,
            # nothing to truncate in an empty target: a resume must not empty what this copy
            # wrote
            truncate_done=plan.request.mode == "truncate" and plan.target_empty,
        )
    except BaseException:
        record.release()
        raise
    return record


def _warm_up(
    table: str,
    source: str | None,
    guess: copy_engine.Engine,
    backend: str | None,
    settings: Settings,
) -> parallel.WarmUp | None:
    """Start the copy's loky workers in the background while the plan is made, if the
    source's DescribeTable count says the copy will run in processes or is 0 (unknown: see
    ``copy_plan.estimate_items``); a small table runs in threads: no processes are spawned
    for it. The count is asked in the background thread,
    with a client made here (boto3 sessions must not create clients in two threads at once)
    and one attempt; any error there only means no warm-up: planning reports it."""
    try:
        probe = clients.client(environments.resolve(source, settings), attempts=1)
    except Exception:  # planning reports bad environments properly
        return None

    def wanted() -> bool:
        items = probe.describe_table(TableName=table)["Table"].get("ItemCount")
        # 0 is also what AWS reports for hours after a table is loaded: the plan then counts
        # a segment, and the warm-up is cancelled if that estimate says threads
        return not items or parallel.choose_backend(backend, items) == "loky"

    return parallel.warm_up(guess.workers, guess.backend, WORKER_MODULES, wanted)


def truncate(
    table: str,
    env: str | None,
    settings: Settings,
    *,
    yes: bool = False,
    backup: bool = True,
    progress: Progress | None = None,
) -> CopyResult:
    """Describe ``table`` in ``env``, require ``yes``, then back it up and delete every item
    (``truncate.truncate``) on the settings' workers.

    Raises
    ------
    ConfirmationRequired
        Without ``yes`` (after the table is found).
    CopyFailed
        An error stopped it; ``.result`` says what was deleted.
    TableNotFound, BackupFailed
        No such table; the backup could not be taken (nothing deleted).
    """
    resolved = environments.resolve(env, settings)
    client = clients.client(resolved)
    schema = read.describe_table(
        client, table, resolved.describe(), policy=policy_from(settings), env=resolved.label
    )
    if not yes:
        raise ConfirmationRequired(
            f"truncate deletes every item of '{table}' in {literal(resolved.describe())}: "
            "confirm with {yes}",
            parameters=("yes",),
        )
    engine = copy_engine.Engine.from_settings(settings, schema.item_count)
    with parallel.worker_pool():
        result = truncating.truncate(Side(resolved, table), schema, engine, backup, progress)
    if result.error:
        raise CopyFailed(
            result.summary_line(), result, table=table, env=resolved.label
        ) from result.cause
    return result
