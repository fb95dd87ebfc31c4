"""Loading items that do not come from a table into one: the load seam's plan and run.

``plan_load`` / ``load`` / ``start_load`` are ``plan_copy`` / ``copy`` / ``start_copy`` for an
``origins.Origin`` (a DataFrame, files, ...): the plan is a ``CopyPlan`` with ``origin`` set,
checked by the rules every write into a table shares (``plan.target_rules``, ``check_modes``),
run by ``engine.execute`` in a ``job.CopyJob``, ending in a ``CopyResult``: backup,
confirmation, truncate, batching, retries, failed-items file, progress, capacity limits,
replace's deletes (after the puts: an item present on both sides is never missing; the deletes
keep the keys written), verification (the target's count against the items loaded: exact for
replace and truncate, at least for merge) and checkpoints (one segment per origin source).

The target must exist (``TableNotFound`` otherwise). The origin's ``check`` runs after the
target is described and before anything is written.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import environments
from ..dynamodb import read
from ..dynamodb.retry import policy_from
from ..errors import CopyFailed
from ..settings import CopyMode, Settings
from . import checkpoints, cluster, limits, parallel
from . import engine as copy_engine
from . import plan as copy_plan
from .job import CopyJob
from .limits import Limits
from .operation import Tally
from .origins import Origin
from .parallel import Progress
from .plan import CopyPlan, CopyRequest
from .result import CopyResult
from .run import _new_checkpoint, _resumed, _saved, start_job
from .sources import Side

PARTITIONS_COUNTED = 100  # a replace of more partitions than this does not count them first

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadRequest:
    """What a load asks for: ``origin`` into ``table`` of environment ``env`` (a name, not yet
    resolved; ``None``: the default), with the copy's ``mode``, ``backup``, ``verify`` and
    ``max_write_units`` (units/s or ``"P%"`` of the table's capacity)."""

    origin: Origin
    table: str
    env: str | None = None
    mode: CopyMode = "merge"
    backup: bool = True
    verify: str = "count"
    max_write_units: Any = None

    def copy_request(self) -> CopyRequest:
        """The ``CopyRequest`` the plan carries (source and target the same environment)."""
        return CopyRequest(
            table=self.table,
            source=self.env,
            target=self.env,
            mode=self.mode,
            backup=self.backup,
            verify=self.verify,
            max_write_units=self.max_write_units,
        )


def plan_load(request: LoadRequest, settings: Settings) -> CopyPlan:
    """Check everything and estimate the load; reads only (retried per ``settings``).

    Raises
    ------
    InvalidQuery
        An unknown mode or verify method, a bad capacity limit, or what the origin's ``check``
        refuses (keys missing, of the wrong type, duplicated: one line naming the rows).
    TableNotFound
        No such table (a load does not create one).
    """
    copy_request = request.copy_request()
    copy_plan.check_modes(copy_request)
    env = environments.resolve(request.env, settings)
    policy = policy_from(settings)
    target = Side(env, request.table)
    client = target.client()
    schema = read.describe_table(client, target.table, env.describe(), policy=policy, env=env.label)
    origin = request.origin
    origin.check(schema)
    count = origin.item_count()
    partitions = origin.partitions() if request.mode != "merge" else None
    table_empty = copy_plan._is_empty(client, target.table, policy)
    target_items: int | None
    if table_empty:
        target_items, target_empty = 0, True
    elif partitions is not None and len(partitions) <= PARTITIONS_COUNTED:
        name = schema.key.hash.name
        target_items = sum(
            copy_plan._count(
                client,
                target.table,
                {
                    "KeyConditionExpression": "#pk = :pk",
                    "ExpressionAttributeNames": {"#pk": name},
                    "ExpressionAttributeValues": {":pk": value},
                },
                policy,
            )
            for value in partitions
        )
        target_empty = target_items == 0
    elif partitions is not None:  # too many to count first: the table holds items
        target_items, target_empty = None, False
    else:
        target_items, target_empty = schema.item_count or None, False
    plan = CopyPlan(
        request=copy_request,
        source=target,
        target=target,
        source_schema=schema,
        target_schema=schema,
        slice_request=None,
        source_items=count or 0,
        source_items_exact=count is not None,
        average_item_bytes=origin.average_item_bytes(),
        target_empty=target_empty,
        target_items=target_items,
        backup=request.backup and not table_empty,
        origin=origin,
        partition_keys=partitions,
    )
    plan.limits = Limits(
        writes=limits.resolve(request.max_write_units, "write", schema, target.table),
        reads=limits.resolve(None, "read", schema, target.table),
    )
    copy_plan.target_rules(plan)
    return plan


def _where(side: Side) -> str:
    return f"{side.env.label}@{side.env.endpoint_url or side.env.region}"


def _stem(plan: CopyPlan) -> str:
    """The name every checkpoint of this load starts with."""
    assert plan.origin is not None
    scope = plan.target_scope() if plan.partition_keys is not None else None
    return checkpoints.copy_name(
        plan.origin.identity(), plan.target.table, "load", _where(plan.target), scope
    )


def _identity(plan: CopyPlan, total_segments: int) -> checkpoints.Identity:
    """The load's identity as a checkpoint file holds it: its origin where a copy's source is."""
    assert plan.origin is not None
    return checkpoints.Identity(
        source_table=plan.origin.identity(),
        target_table=plan.target.table,
        source_arn=None,
        target_arn=plan.source_schema.arn,
        source_endpoint=None,
        target_endpoint=plan.target.env.endpoint_url,
        slice=plan.target_scope() if plan.partition_keys is not None else None,
        mode=plan.request.mode,
        transform=None,
        total_segments=total_segments,
    )


def _engine(
    plan: CopyPlan,
    settings: Settings,
    workers: int | None,
    segments: int | None,
    backend: str | None,
) -> tuple[copy_engine.Engine, int]:
    """The engine of a load (the origin's backend unless one is asked for) and its sources'
    count (the checkpoint's total segments)."""
    assert plan.origin is not None
    backend = backend or plan.origin.backend()
    engine = copy_engine.Engine.from_settings(
        settings, plan.source_items, workers, segments, backend
    )
    return engine, len(plan.origin.sources(engine.segments))


def start_load(
    request: LoadRequest,
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
    """``load`` in a ``CopyJob``'s thread, returned at once; refusals logged in one line."""
    return start_job(
        "load",
        log,
        load,
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


def load(
    request: LoadRequest,
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
    """Plan, confirm and carry out ``request``, as ``run.copy`` does a copy (same
    ``checkpoint``, ``resume``, ``backend`` and ``scheduler``).

    Raises
    ------
    ConfirmationRequired
        The plan needs ``yes`` (a non-empty or protected target).
    CheckpointMismatch
        ``resume``'s file is unreadable or of another load; nothing written.
    CopyFailed
        Items stayed unwritten, verification failed or the load was interrupted; ``.result``
        is the CopyResult.
    DynamoMagicError
        What planning refuses (``plan_load``), before any write.
    """
    with (
        cluster.connected(backend, scheduler),  # a Dask cluster, checked before anything else
        contextlib.ExitStack() as held,  # the checkpoint's lock: released when the load ends
    ):
        return _load(
            request, settings, yes, workers, segments, backend, tally, checkpoint, resume, held
        )


def _load(
    request: LoadRequest,
    settings: Settings,
    yes: bool,
    workers: int | None,
    segments: int | None,
    backend: str | None,
    tally: Tally | None,
    checkpoint: str | Path | None,
    resume: bool | str | Path | None,
    held: contextlib.ExitStack,
) -> CopyResult:
    """``load`` on its cluster, if any; the checkpoint's lock released by ``held``."""
    plan = plan_load(request, settings)
    stem = _stem(plan)
    saved = _saved(plan, resume, stem, hold=True)
    if saved is not None:
        held.callback(saved.release)
        plan = _resumed(plan, saved)
        segments = segments or saved.identity.total_segments
    engine, total = _engine(plan, settings, workers, segments, backend)
    identity = _identity(plan, total)
    if saved is not None:
        saved.check(identity, plan.operation)
    copy_engine.require_confirmation(plan, yes)
    record = saved or _new_checkpoint(plan, identity, checkpoint, stem)
    held.callback(record.release)
    plan.checkpoint = str(record.path)
    if tally is not None:
        tally.checkpoint = record
    with parallel.worker_pool():  # the load's own workers: none outlives the call
        result = copy_engine.execute(plan, engine, tally, checkpoint=record)
    if not result.ok:
        raise CopyFailed(
            result.summary_line(), result, table=plan.target.table, env=plan.target.env.label
        ) from result.cause
    return result


def dry_run(
    request: LoadRequest,
    settings: Settings,
    *,
    checkpoint: str | Path | None = None,
) -> CopyPlan:
    """The plan ``load`` would carry out (nothing written); ``checkpoint`` named in it."""
    planned = plan_load(request, settings)
    planned.checkpoint = str(checkpoint) if checkpoint is not None else None
    return planned
