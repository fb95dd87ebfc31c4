"""Running a copy or a truncate from start to end, as ``dynamo_magic.copy`` and
``dynamo_magic.truncate`` ask for them (their keywords already checked).

A copy runs as a job (``start_copy``: a ``job.CopyJob``'s thread, reporting to the job's
``operation.Tally``): its loky workers warmed in the background while the plan is made (when
the source's size says processes), the plan, its confirmation, ``engine.execute`` (phases and
verification), and ``CopyFailed`` when it did not end OK. A truncate: the table described, its
confirmation, ``truncate.truncate``. Worker processes either started are gone when it returns
or raises (``parallel.workers_released``). Refusals (``UnsafeOperation``: nothing written) are
logged in one line (``logs_refusals``: by the job for a copy, by the façade otherwise).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from .. import environments
from ..dynamodb import clients, read
from ..dynamodb.retry import policy_from
from ..errors import ConfirmationRequired, CopyFailed, UnsafeOperation, literal
from ..settings import Settings
from . import engine as copy_engine
from . import parallel
from . import plan as copy_plan
from . import truncate as truncating
from .job import CopyJob
from .operation import Tally
from .parallel import Progress
from .plan import CopyRequest
from .result import CopyResult
from .sources import Side

# what copy workers import while the plan is made (parallel.warm_up): the copy's tasks
WORKER_MODULES = ("dynamo_magic.copying.tasks",)
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
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> CopyJob:
    """``copy`` in a ``CopyJob``'s thread, returned at once; its refusals logged in one line
    (``logs_refusals``). ``cancel``: the job's cancel flag (a new one if ``None``)."""
    tally = Tally(progress, cancel if cancel is not None else threading.Event())
    work = functools.partial(
        logs_refusals("copy", log)(copy),
        request,
        settings,
        yes=yes,
        workers=workers,
        segments=segments,
        backend=backend,
        tally=tally,
    )
    return CopyJob(work, tally)


def copy(
    request: CopyRequest,
    settings: Settings,
    *,
    yes: bool = False,
    workers: int | None = None,
    segments: int | None = None,
    backend: str | None = None,
    tally: Tally | None = None,
) -> CopyResult:
    """Plan, confirm and carry out ``request`` (its names and run options already checked),
    reporting to ``tally`` (its progress bar, its cancel flag: see ``engine.execute``).

    Raises
    ------
    ConfirmationRequired
        The plan needs ``yes`` (a non-empty or protected target).
    CopyFailed
        Items stayed unwritten, verification failed or the copy was interrupted (Ctrl-C or
        the cancel flag); ``.result`` is the CopyResult.
    DynamoMagicError
        What planning refuses (``UnsafeOperation``, ``TableNotFound``, ...), before any write.
    """
    table, source = request.table, request.source
    with parallel.workers_released():  # phases share warm workers; none outlive the call
        warming = None
        if request.pk is None:  # a slice is one task: no worker pool
            guess = copy_engine.Engine.from_settings(settings, None, workers, segments, backend)
            warming = _warm_up(table, source, guess, backend, settings)
        try:
            plan = copy_plan.plan_copy(request, settings)
            copy_engine.require_confirmation(plan, yes)
            engine = copy_engine.Engine.from_settings(
                settings, plan.source_items, workers, segments, backend
            )
            if warming and (engine.backend != guess.backend or plan.slice_request is not None):
                warming.cancel()  # a small copy runs in threads, a slice in one task
                warming = None
        except BaseException:  # refused, failed or interrupted: leave no worker behind
            if warming:
                warming.cancel()
            raise
        try:  # waits for the warm-up after the backup: Ctrl-C there ends it interrupted
            result = copy_engine.execute(plan, engine, tally, warming=warming)
        finally:
            if warming and warming.running:  # interrupted while they started: stop at once
                warming.cancel()  # (the warm-up ends before the workers are released)
        if not result.ok:
            written = plan.target
            raise CopyFailed(
                result.summary_line(), result, table=written.table, env=written.env.label
            ) from result.cause
        return result


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
    with parallel.workers_released():
        result = truncating.truncate(Side(resolved, table), schema, engine, backup, progress)
    if result.error:
        raise CopyFailed(
            result.summary_line(), result, table=table, env=resolved.label
        ) from result.cause
    return result
