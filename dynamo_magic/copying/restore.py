"""Restoring an on-demand backup: into a new table, or back into the table itself.

DynamoDB restores only into a new table. In place is therefore three steps: restore into a
temporary table, copy it over the original in replace mode (a backup of the current contents
first, puts before deletes: no item present in both is ever missing), delete the temporary.
Logged at INFO: the start of an in-place restore and every restore's summary line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..dynamodb import backups, tables
from ..dynamodb.backups import Backup
from .engine import CopyResult

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
