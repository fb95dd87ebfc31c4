"""On-demand backups of a table: take one, list them, find one, restore one into a new table.

Logged (``logging.getLogger(__name__)``, INFO): a backup taken, a restore started and done.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions as bx

from ..errors import (
    BackupFailed,
    BackupNotFound,
    client_errors,
    error_code,
    translate,
)
from ..schema import TableSchema
from .tables import POLL_INTERVAL, WAIT_TIMEOUT, wait_active

log = logging.getLogger(__name__)

BACKUP_UNSUPPORTED = frozenset(
    {"UnknownOperationException", "ContinuousBackupsUnavailableException", "NotImplemented"}
)


@dataclass(frozen=True)
class Backup:
    """One on-demand backup of a table, as ListBackups/DescribeBackup report it.

    Parameters
    ----------
    arn : str
        The backup's ARN (what restores name).
    name : str
        Its name (``TABLE-dynamo-magic-YYYYmmdd-HHMMSS`` for backups taken before a write).
    table : str
        The table backed up.
    created : datetime or None
        When it was taken (timezone-aware, UTC), if reported.
    status : str
        ``CREATING``, ``AVAILABLE`` or ``DELETED``.
    size_bytes : int or None
        Its size in bytes, if reported.

    Examples
    --------
    >>> Backup("arn:aws:dynamodb:...", "b1", "orders", None, "AVAILABLE").status
    'AVAILABLE'
    """

    arn: str
    name: str
    table: str
    created: datetime | None
    status: str
    size_bytes: int | None = None

    @classmethod
    def from_summary(cls, s: dict[str, Any]) -> Backup:
        return cls(
            arn=s["BackupArn"],
            name=s.get("BackupName", ""),
            table=s.get("TableName", ""),
            created=s.get("BackupCreationDateTime"),
            status=s.get("BackupStatus", ""),
            size_bytes=s.get("BackupSizeBytes"),
        )


def backup_name(table: str) -> str:
    """``TABLE-dynamo-magic-YYYYmmdd-HHMMSS-mmm`` (UTC, to the millisecond: a copy and the
    restore after it, seconds apart, get different names), at most 255 characters with the
    time kept whole (DynamoDB's BackupName limit)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")[:-3]
    suffix = f"-dynamo-magic-{stamp}"
    return table[: 255 - len(suffix)] + suffix


def create_backup(
    client: Any, table: str, timeout: float = WAIT_TIMEOUT, stop: threading.Event | None = None
) -> Backup:
    """Take an on-demand backup and wait (up to ``timeout`` seconds) until it is AVAILABLE;
    once ``stop`` is set, stop waiting and return it as it is (``status`` CREATING, say).

    Raises ``BackupFailed`` (not supported here, refused, never AVAILABLE) or the translated
    error of a request that failed."""
    started = time.monotonic()
    try:
        details = client.create_backup(TableName=table, BackupName=backup_name(table))[
            "BackupDetails"
        ]
    except bx.BotoCoreError as exc:
        raise translate(exc, f"back up '{table}'", table=table) from exc
    except bx.ClientError as exc:
        code = error_code(exc)
        if code in BACKUP_UNSUPPORTED or "not supported" in str(exc).lower():
            raise BackupFailed(
                f"backups are not supported for '{table}' here ({code}); to write without one, "
                "turn the backup off ({backup})",
                parameters=("backup",),
            ) from exc
        raise BackupFailed(f"could not back up '{table}': {code}: {exc}") from exc
    arn = details["BackupArn"]
    deadline = time.monotonic() + timeout
    while details.get("BackupStatus") != "AVAILABLE":
        if details.get("BackupStatus") == "DELETED" or time.monotonic() > deadline:
            raise BackupFailed(f"backup of '{table}' did not become AVAILABLE")
        if stop is not None and stop.wait(POLL_INTERVAL):
            break
        if stop is None:
            time.sleep(POLL_INTERVAL)
        with client_errors(f"wait for the backup of '{table}'", table=table):
            answer = client.describe_backup(BackupArn=arn)
        details = answer["BackupDescription"]["BackupDetails"]
    status = details.get("BackupStatus", "CREATING")
    log.info(
        "backup %s of '%s' taken (%s after %.1f s)",
        details.get("BackupName", ""),
        table,
        status,
        time.monotonic() - started,
    )
    return Backup(
        arn,
        details.get("BackupName", ""),
        table,
        details.get("BackupCreationDateTime"),
        status,
        details.get("BackupSizeBytes"),
    )


def back_up(
    client: Any,
    table: str,
    taken: Callable[[Backup], None],
    cancel: threading.Event | None = None,
) -> None:
    """``create_backup`` so that Ctrl-C cannot lose it: the requests run in a thread of their
    own while the caller's thread (the one Ctrl-C interrupts) waits. On Ctrl-C the request in
    flight is answered first and the wait for AVAILABLE stops; a backup that exists is handed
    to ``taken`` before ``KeyboardInterrupt`` is raised, so the interrupted result names it. A
    second Ctrl-C raises at once. ``cancel`` (a copy's cancel flag, set from another thread)
    stops the wait for AVAILABLE the same way; the backup is handed to ``taken`` and the caller
    sees the flag. Raises as ``create_backup`` does otherwise."""
    stop = cancel if cancel is not None else threading.Event()
    done = threading.Event()
    outcome: list[Backup | BaseException] = []

    def take() -> None:
        try:
            outcome.append(create_backup(client, table, stop=stop))
        except BaseException as error:
            outcome.append(error)
        finally:
            done.set()

    threading.Thread(target=take, name="dynamo-backup", daemon=True).start()
    try:
        done.wait()
    except KeyboardInterrupt:
        stop.set()
        done.wait()  # the request in flight is answered (a second Ctrl-C: raise at once)
        if outcome and isinstance(outcome[0], Backup):
            taken(outcome[0])
        raise
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    taken(outcome[0])


def list_backups(client: Any, table: str) -> list[Backup]:
    """The table's on-demand backups, newest first."""
    backups: list[Backup] = []
    request: dict[str, Any] = {"TableName": table}
    with client_errors(f"list backups of '{table}'", table=table):
        while True:
            page = client.list_backups(**request)
            backups += [Backup.from_summary(s) for s in page.get("BackupSummaries", [])]
            if not page.get("LastEvaluatedBackupArn"):
                break
            request["ExclusiveStartBackupArn"] = page["LastEvaluatedBackupArn"]
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(backups, key=lambda b: b.created or epoch, reverse=True)


def find_backup(client: Any, table: str, backup: str | None) -> Backup:
    """A backup by ARN or name, or the newest with ``None``/``"latest"``."""
    backups = list_backups(client, table)
    if not backups:
        raise BackupNotFound(f"table '{table}' has no backups")
    if backup in (None, "latest"):
        return backups[0]
    matches = [b for b in backups if backup in (b.arn, b.name)]
    if len(matches) > 1:  # DynamoDB does not keep names unique: never guess which one
        arns = ", ".join(b.arn for b in matches)
        raise BackupNotFound(
            f"{len(matches)} backups of table '{table}' are named '{backup}'; "
            f"give the ARN of the one to restore: {arns}"
        )
    if matches:
        return matches[0]
    names = ", ".join(b.name for b in backups[:5])
    raise BackupNotFound(f"no backup '{backup}' of table '{table}' (newest: {names})")


def restore_to_new_table(client: Any, backup: Backup, table: str) -> TableSchema:
    """Restore ``backup`` into the new table ``table`` and wait until it is ACTIVE."""
    log.info("restoring backup %s of '%s' into new table '%s'", backup.name, backup.table, table)
    started = time.monotonic()
    with client_errors(f"restore backup '{backup.name}' into '{table}'", table=table):
        client.restore_table_from_backup(TargetTableName=table, BackupArn=backup.arn)
    schema = wait_active(client, table)
    log.info(
        "restored backup %s into '%s' in %.1f s", backup.name, table, time.monotonic() - started
    )
    return schema
