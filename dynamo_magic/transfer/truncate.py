"""Emptying a table: an on-demand backup first (unless told not to), then parallel deletes.

The same engine as a copy's prune phase: ``engine.prune_tasks`` (``sources.KeysToPrune`` of
every segment into a deleting ``sinks.TableSink``) on the ``Engine``'s workers, inside an
``operation.Operation`` as a copy is.
"""

from __future__ import annotations

import logging

from ..dynamodb.backups import back_up
from ..schema import TableSchema
from .engine import Engine, prune_tasks, run_deletes
from .operation import Operation, Tally
from .parallel import Progress
from .result import CopyResult
from .sinks import FailedItemsFile
from .sources import Side

log = logging.getLogger(__name__)


def truncate(
    side: Side,
    schema: TableSchema,
    engine: Engine,
    backup: bool,
    progress: Progress | None = None,
) -> CopyResult:
    """Back up ``side``'s table (unless ``backup`` is false), then delete every item of it.

    Parameters
    ----------
    side : Side
        The table and its environment.
    schema : TableSchema
        The table's description (its key names; its item count, an estimate for the bar).
    engine : Engine
        Workers, segments, backend and retry policy.
    backup : bool
        Take an on-demand backup first and wait until it is available.
    progress : Progress, optional
        Told of the ``delete`` phase (items deleted).

    Returns
    -------
    CopyResult
        ``operation="truncate"``: items read and deleted, failures, seconds, the backup.
        An error while deleting ends as ``error`` set (and ``cause``); Ctrl-C as
        ``interrupted``.

    Raises
    ------
    BackupFailed
        The backup could not be taken (nothing was deleted).
    """
    result = CopyResult(
        source="", target=f"{side.table} ({side.env.label})", mode="truncate", operation="truncate"
    )
    failed_path = engine.failed_path(side.table)
    log.info(
        "truncate started: %s, %d worker(s) (%s), %d segment(s)%s",
        result.target,
        engine.workers,
        engine.backend,
        engine.segments,
        ", after a backup" if backup else ", no backup",
    )
    with Operation(result, failed_path, Tally(progress)) as operation:
        if backup:
            back_up(side.client(), side.table, lambda taken: setattr(result, "backup", taken))
        tasks = prune_tasks(side, schema.key.names, engine, FailedItemsFile(str(failed_path)))
        result.items_read = run_deletes(tasks, schema.item_count, engine, operation.tally, result)
    return result
