"""Restoring an on-demand backup: into a new table, or back into the table itself.

DynamoDB restores only into a new table. In place is therefore three steps: restore into a
temporary table, copy it over the original in replace mode (a backup of the current contents
first, puts before deletes: no item present in both is ever missing), delete the temporary.
Logged at INFO: the start of an in-place restore and every restore's summary line.
``restore`` is what ``dynamo_magic.restore`` runs (its keywords already checked).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import environments
from ..dynamodb import backups, clients, tables
from ..dynamodb.backups import Backup
from ..errors import ConfirmationRequired, literal
from ..settings import Settings
from . import run
from .engine import CopyResult
from .operation import Tally
from .parallel import Progress
from .plan import CopyRequest

log = logging.getLogger(__name__)

MAX_TABLE_NAME = 255  # DynamoDB's limit on a table name's length
TEMPORARY_SUFFIX = "-restore-"


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did, whatever its mode.

    Attributes
    ----------
    backup : Backup
        The backup restored (name, ARN, table, creation time, size in bytes).
    table : str
        The table written: the new table, or the original for an in-place restore.
    in_place : bool
        Whether the original table's contents were replaced.
    copy : CopyResult or None
        The copy from the temporary table over the original (in place), else ``None``.

    Examples
    --------
    >>> done = dynamo_magic.restore("orders", "dev", into="orders-old")  # doctest: +SKIP
    >>> done.summary_line()  # doctest: +SKIP
    "restore OK: backup 'orders-...' into new table 'orders-old'"
    """

    backup: Backup
    table: str
    in_place: bool
    copy: CopyResult | None = None

    @property
    def ok(self) -> bool:
        """Whether the restore finished with every item in place."""
        return self.copy is None or self.copy.ok

    def summary_line(self) -> str:
        """One line: which backup went where; in place, what the copy back did (``restore OK:
        backup 'b' into 'orders' in place (copy OK: 30 written, ...)``)."""
        if not self.in_place:
            return f"restore OK: backup '{self.backup.name}' into new table '{self.table}'"
        assert self.copy is not None
        outcome = "OK" if self.ok else "FAILED"
        return (
            f"restore {outcome}: backup '{self.backup.name}' into '{self.table}' in place "
            f"({self.copy.summary_line()})"
        )

    def __repr__(self) -> str:
        return self.summary_line()


def temporary_name(table: str, now: float | None = None) -> str:
    """The temporary table an in-place restore goes through: ``TABLE-restore-SECONDS``,
    shortened to DynamoDB's 255 characters."""
    stamp = f"{TEMPORARY_SUFFIX}{int(time.time() if now is None else now)}"
    return f"{table[: MAX_TABLE_NAME - len(stamp)]}{stamp}"


def restore_into(client: Any, backup: Backup, into: str) -> RestoreResult:
    """Restore ``backup`` into the new table ``into`` and wait until it is ACTIVE."""
    backups.restore_to_new_table(client, backup, into)
    done = RestoreResult(backup=backup, table=into, in_place=False)
    log.info("%s", done.summary_line())
    return done


def restore_in_place(
    client: Any, backup: Backup, table: str, copy_over: Callable[[str], CopyResult]
) -> RestoreResult:
    """Restore ``backup`` into a temporary table, ``copy_over(temporary)`` onto ``table`` (the
    caller's copy: replace mode, its own backup and confirmation), then delete the temporary
    whatever happened. A failing copy raises (``CopyFailed`` with its result)."""
    temporary = temporary_name(table)
    log.info(
        "restore started: backup %s into '%s' in place (through '%s')",
        backup.name,
        table,
        temporary,
    )
    backups.restore_to_new_table(client, backup, temporary)
    try:
        result = copy_over(temporary)
    finally:
        tables.delete_table(client, temporary)
    done = RestoreResult(backup=backup, table=table, in_place=True, copy=result)
    log.log(logging.INFO if done.ok else logging.WARNING, "%s", done.summary_line())
    return done


def restore(
    table: str,
    env: str | None,
    settings: Settings,
    *,
    backup: str | None = "latest",
    into: str | None = None,
    yes: bool = False,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore ``backup`` (a name, an ARN or ``latest``) of ``table`` in ``env`` into the new
    table ``into`` or, without ``into``, in place (after ``yes``): through a temporary table
    copied over ``table`` in replace mode (``run.copy``: its own backup first, ``progress``
    told of its phases, its workers released when it ends).

    Raises
    ------
    BackupNotFound, BackupFailed
        No such backup; it could not be restored.
    ConfirmationRequired
        In place without ``yes`` (after the backup is found).
    CopyFailed
        The copy back failed; ``.result`` is its CopyResult.
    """
    resolved = environments.resolve(env, settings)
    client = clients.client(resolved)
    chosen = backups.find_backup(client, table, backup)
    if into:
        return restore_into(client, chosen, into)
    if not yes:
        raise ConfirmationRequired(
            f"restoring '{literal(chosen.name)}' replaces the contents of '{table}' in "
            f"{literal(resolved.describe())}: confirm with {{yes}}",
            parameters=("yes",),
        )

    @run.logs_refusals("copy", log)
    def copy_over(temporary: str) -> CopyResult:  # releases its worker processes when it ends
        request = CopyRequest(
            table=temporary, source=env, target=env, target_table=table, verify=settings.verify
        )
        return run.copy(request, settings, yes=True, tally=Tally(progress))

    return restore_in_place(client, chosen, table, copy_over)
