"""Creating, waiting for and deleting tables; on-demand backups and restores."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions as bx

from ..errors import BackupFailed, TableNotFound, UnsafeOperation, translate
from ..schema import TableSchema

WAIT_TIMEOUT = 600  # seconds for a table to become ACTIVE or a backup AVAILABLE
POLL_INTERVAL = 0.5  # seconds
BACKUP_UNSUPPORTED = frozenset(
    {"UnknownOperationException", "ContinuousBackupsUnavailableException", "NotImplemented"}
)


def creation_request(schema: TableSchema, name: str) -> dict[str, Any]:
    """CreateTable parameters copying keys, GSIs, LSIs and billing mode (a whitelist of fields).

    Provisioned throughput is copied only for provisioned tables; on-demand tables drop it.
    """
    raw = schema.raw
    on_demand = schema.billing_mode == "PAY_PER_REQUEST"
    key_names = {e["AttributeName"] for e in raw["KeySchema"]}
    for index in raw.get("GlobalSecondaryIndexes", []) + raw.get("LocalSecondaryIndexes", []):
        key_names |= {e["AttributeName"] for e in index["KeySchema"]}

    def throughput(source: dict[str, Any]) -> dict[str, Any]:
        if on_demand:
            return {}
        pt = source.get("ProvisionedThroughput") or {}
        return {
            "ProvisionedThroughput": {
                "ReadCapacityUnits": max(1, pt.get("ReadCapacityUnits", 1)),
                "WriteCapacityUnits": max(1, pt.get("WriteCapacityUnits", 1)),
            }
        }

    def index_fields(index: dict[str, Any], gsi: bool) -> dict[str, Any]:
        fields = {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
        return fields | (throughput(index) if gsi else {})

    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": raw["KeySchema"],
        "AttributeDefinitions": [
            a for a in raw["AttributeDefinitions"] if a["AttributeName"] in key_names
        ],
        "BillingMode": schema.billing_mode,
        **throughput(raw),
    }
    if raw.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [
            index_fields(i, True) for i in raw["GlobalSecondaryIndexes"]
        ]
    if raw.get("LocalSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = [
            index_fields(i, False) for i in raw["LocalSecondaryIndexes"]
        ]
    return request


def wait_active(client: Any, table: str, timeout: float = WAIT_TIMEOUT) -> TableSchema:
    """Poll DescribeTable until the table and its indexes are ACTIVE."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            raw = client.describe_table(TableName=table)["Table"]
        except (bx.ClientError, bx.BotoCoreError) as exc:
            if _code(exc) != "ResourceNotFoundException" or time.monotonic() > deadline:
                raise translate(exc, f"wait for table '{table}'") from exc
        else:
            indexes = raw.get("GlobalSecondaryIndexes", [])
            if raw["TableStatus"] == "ACTIVE" and all(
                i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes
            ):
                return TableSchema.from_description(raw)
            if time.monotonic() > deadline:
                raise UnsafeOperation(f"table '{table}' did not become ACTIVE in {timeout:.0f} s")
        time.sleep(POLL_INTERVAL)


def create_like(client: Any, schema: TableSchema, name: str) -> TableSchema:
    """Create ``name`` with ``schema``'s keys, indexes and billing; wait until ACTIVE."""
    try:
        client.create_table(**creation_request(schema, name))
    except (bx.ClientError, bx.BotoCoreError) as exc:
        if _code(exc) == "AccessDeniedException":
            raise UnsafeOperation(
                f"not allowed to create table '{name}': create it first or use a role that may"
            ) from exc
        raise translate(exc, f"create table '{name}'") from exc
    return wait_active(client, name)


def delete_table(client: Any, table: str) -> None:
    try:
        client.delete_table(TableName=table)
        client.get_waiter("table_not_exists").wait(
            TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 600}
        )
    except (bx.ClientError, bx.BotoCoreError) as exc:  # a WaiterError is a BotoCoreError
        raise translate(exc, f"delete table '{table}'") from exc


def _code(exc: Exception) -> str:
    """DynamoDB's error code; "" for botocore's own errors (a parameter it refused, a lost
    connection), which table management translates like any other (``errors.translate``)."""
    if isinstance(exc, bx.ClientError):
        return exc.response.get("Error", {}).get("Code", "")
    return ""


# -- backups -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Backup:
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
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{table}-dynamo-magic-{stamp}"[:255]


def create_backup(client: Any, table: str, timeout: float = WAIT_TIMEOUT) -> Backup:
    """Take an on-demand backup and wait until it is AVAILABLE."""
    try:
        details = client.create_backup(TableName=table, BackupName=backup_name(table))[
            "BackupDetails"
        ]
    except bx.BotoCoreError as exc:
        raise translate(exc, f"back up '{table}'") from exc
    except bx.ClientError as exc:
        code = _code(exc)
        if code in BACKUP_UNSUPPORTED or "not supported" in str(exc).lower():
            raise BackupFailed(
                f"backups are not supported for '{table}' here ({code}); pass --no-backup to "
                "write without one"
            ) from exc
        raise BackupFailed(f"could not back up '{table}': {code}: {exc}") from exc
    arn = details["BackupArn"]
    deadline = time.monotonic() + timeout
    while details.get("BackupStatus") != "AVAILABLE":
        if details.get("BackupStatus") == "DELETED" or time.monotonic() > deadline:
            raise BackupFailed(f"backup of '{table}' did not become AVAILABLE")
        time.sleep(POLL_INTERVAL)
        try:
            answer = client.describe_backup(BackupArn=arn)
        except (bx.ClientError, bx.BotoCoreError) as exc:
            raise translate(exc, f"wait for the backup of '{table}'") from exc
        details = answer["BackupDescription"]["BackupDetails"]
    return Backup(
        arn,
        details.get("BackupName", ""),
        table,
        details.get("BackupCreationDateTime"),
        "AVAILABLE",
        details.get("BackupSizeBytes"),
    )


def list_backups(client: Any, table: str) -> list[Backup]:
    """The table's on-demand backups, newest first."""
    backups: list[Backup] = []
    request: dict[str, Any] = {"TableName": table}
    try:
        while True:
            page = client.list_backups(**request)
            backups += [Backup.from_summary(s) for s in page.get("BackupSummaries", [])]
            if not page.get("LastEvaluatedBackupArn"):
                break
            request["ExclusiveStartBackupArn"] = page["LastEvaluatedBackupArn"]
    except (bx.ClientError, bx.BotoCoreError) as exc:
        raise translate(exc, f"list backups of '{table}'") from exc
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(backups, key=lambda b: b.created or epoch, reverse=True)


def find_backup(client: Any, table: str, backup: str | None) -> Backup:
    """A backup by ARN or name, or the newest with ``None``/``"latest"``."""
    backups = list_backups(client, table)
    if not backups:
        raise TableNotFound(f"table '{table}' has no backups")
    if backup in (None, "latest"):
        return backups[0]
    for b in backups:
        if backup in (b.arn, b.name):
            return b
    names = ", ".join(b.name for b in backups[:5])
    raise TableNotFound(f"no backup '{backup}' of table '{table}' (newest: {names})")


def restore_to_new_table(client: Any, backup: Backup, table: str) -> TableSchema:
    """Restore ``backup`` into the new table ``table`` and wait until it is ACTIVE."""
    try:
        client.restore_table_from_backup(TargetTableName=table, BackupArn=backup.arn)
    except (bx.ClientError, bx.BotoCoreError) as exc:
        raise translate(exc, f"restore backup '{backup.name}' into '{table}'") from exc
    return wait_active(client, table)
