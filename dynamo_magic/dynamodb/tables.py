"""Creating, waiting for and deleting tables (backups and restores: ``backups``).

Logged (``logging.getLogger(__name__)``, INFO): a table created or deleted.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import botocore.exceptions as bx

from ..errors import UnsafeOperation, client_errors, error_code, translate
from ..schema import TableSchema

log = logging.getLogger(__name__)

WAIT_TIMEOUT = 600  # seconds for a table to become ACTIVE or a backup AVAILABLE
POLL_INTERVAL = 0.5  # seconds


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
            if error_code(exc) != "ResourceNotFoundException" or time.monotonic() > deadline:
                raise translate(exc, f"wait for table '{table}'", table=table) from exc
        else:
            indexes = raw.get("GlobalSecondaryIndexes", [])
            if raw["TableStatus"] == "ACTIVE" and all(
                i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes
            ):
                return TableSchema.from_description(raw)
            if time.monotonic() > deadline:
                raise UnsafeOperation(f"table '{table}' did not become ACTIVE in {timeout:.0f} s")
        time.sleep(POLL_INTERVAL)


def create_like(
    client: Any, schema: TableSchema, name: str, extra: dict[str, Any] | None = None
) -> TableSchema:
    """Create ``name`` with ``schema``'s keys, indexes and billing, and the ``CreateTable``
    fields of ``extra`` (a stream, deletion protection: ``TableSettings.creation_fields``);
    wait until ACTIVE."""
    try:
        client.create_table(**creation_request(schema, name), **(extra or {}))
    except (bx.ClientError, bx.BotoCoreError) as exc:
        if error_code(exc) == "AccessDeniedException":
            raise UnsafeOperation(
                f"not allowed to create table '{name}': create it first or use a role that may"
            ) from exc
        raise translate(exc, f"create table '{name}'", table=name) from exc
    created = wait_active(client, name)
    log.info("created table '%s' (keys, indexes and billing mode of the source)", name)
    return created


def delete_table(client: Any, table: str) -> None:
    """Delete ``table`` and wait until it is gone (a ``WaiterError`` is translated too)."""
    with client_errors(f"delete table '{table}'", table=table):
        client.delete_table(TableName=table)
        client.get_waiter("table_not_exists").wait(
            TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 600}
        )
    log.info("deleted table '%s'", table)
