"""A table's settings besides its keys, indexes and billing: TTL, stream, point-in-time
recovery, tags and deletion protection; read from a source table and given to a table a copy
creates (``--copy-settings``).

Stream and deletion protection go into the ``CreateTable`` request (``creation_fields``): a
table accepts one ``UpdateTable`` at a time, and one request sets both at once. TTL
(``UpdateTimeToLive``), point-in-time recovery (``UpdateContinuousBackups``) and tags
(``TagResource`` on the new table's ARN) are applied once it is ACTIVE (``apply``), each on its
own: one that fails is reported and the others still applied.

Logged (``logging.getLogger(__name__)``): each setting applied (INFO), each that failed
(WARNING).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import botocore.exceptions as bx

from ..errors import error_code
from ..schema import TableSchema

log = logging.getLogger(__name__)

RESERVED_TAG_PREFIX = "aws:"  # tags AWS sets itself; TagResource refuses them
PITR_ATTEMPTS = 10  # UpdateContinuousBackups right after CreateTable: continuous backups may
PITR_WAIT_SECONDS = 3.0  # still be turning on (ContinuousBackupsUnavailableException)


@dataclass
class TableSettings:
    """The settings of a table a created copy may get, as read from it.

    Parameters
    ----------
    ttl_attribute : str or None
        The TTL attribute when TTL is enabled (or enabling); ``None``: TTL off.
    stream_view_type : str or None
        The stream's view type (``NEW_AND_OLD_IMAGES``...) when a stream is enabled.
    point_in_time_recovery : bool
        Point-in-time recovery is enabled.
    tags : dict of str to str
        The table's tags (those AWS reserves, ``aws:*``, included: ``apply`` skips them).
    deletion_protection : bool
        Deletion protection is enabled.
    unknown : dict of str to str
        Settings that could not be read (``"TTL"``, ``"point-in-time recovery"``, ``"tags"``),
        each with why (``"AccessDeniedException"``).
    """

    ttl_attribute: str | None = None
    stream_view_type: str | None = None
    point_in_time_recovery: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    deletion_protection: bool = False
    unknown: dict[str, str] = field(default_factory=dict)

    def describe(self) -> list[str]:
        """One phrase per setting that is on or unknown, in a fixed order (TTL, stream,
        point-in-time recovery, tags, deletion protection)."""
        found = [
            self._or_unknown(
                "TTL", f"TTL on '{self.ttl_attribute}'" if self.ttl_attribute else None
            ),
            f"stream ({self.stream_view_type})" if self.stream_view_type else None,
            self._or_unknown(
                "point-in-time recovery",
                "point-in-time recovery" if self.point_in_time_recovery else None,
            ),
            self._or_unknown("tags", _tags_text(self.tags) if self.tags else None),
            "deletion protection" if self.deletion_protection else None,
        ]
        return [f for f in found if f]

    def unknown_text(self) -> list[str]:
        """The settings that could not be read, as ``describe`` names them."""
        return [f"{name} (unknown: {why})" for name, why in self.unknown.items()]

    def _or_unknown(self, name: str, text: str | None) -> str | None:
        return f"{name} (unknown: {self.unknown[name]})" if name in self.unknown else text

    def creation_fields(self) -> dict[str, Any]:
        """What ``CreateTable`` takes of these settings: the stream and deletion protection."""
        fields: dict[str, Any] = {}
        if self.stream_view_type:
            fields["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": self.stream_view_type,
            }
        if self.deletion_protection:
            fields["DeletionProtectionEnabled"] = True
        return fields

    def copyable_tags(self) -> dict[str, str]:
        """The tags ``TagResource`` accepts: all but AWS's own (``aws:*``)."""
        return {k: v for k, v in self.tags.items() if not k.startswith(RESERVED_TAG_PREFIX)}

    def copyable(self) -> TableSettings:
        """These settings as a copy can set them: the tags AWS reserves and the unknown left
        out."""
        return replace(self, tags=self.copyable_tags(), unknown={})

    def reserved_tags_text(self) -> list[str]:
        """The tags no copy can set (``aws:*``), as one phrase (empty when there are none)."""
        reserved = sorted(set(self.tags) - set(self.copyable_tags()))
        return [f"tag(s) {', '.join(reserved)} (reserved by AWS)"] if reserved else []


def _tags_text(tags: dict[str, str]) -> str:
    return f"{len(tags)} tag(s): {', '.join(sorted(tags))}"


def _why(exc: Exception) -> str:
    if isinstance(exc, bx.ClientError):
        return error_code(exc) or "error"
    return type(exc).__name__


def read(client: Any, schema: TableSchema) -> TableSettings:
    """The settings of the table ``schema`` describes. Calls the service denies or does not
    support (some local servers) make that setting ``unknown`` rather than failing."""
    raw = schema.raw
    stream = raw.get("StreamSpecification") or {}
    settings = TableSettings(
        stream_view_type=stream.get("StreamViewType", "?") if stream.get("StreamEnabled") else None,
        deletion_protection=bool(raw.get("DeletionProtectionEnabled")),
    )
    try:
        answer = client.describe_time_to_live(TableName=schema.name)["TimeToLiveDescription"]
        if answer.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            settings.ttl_attribute = answer.get("AttributeName", "?")
    except (bx.ClientError, bx.BotoCoreError) as exc:
        settings.unknown["TTL"] = _why(exc)
    try:
        answer = client.describe_continuous_backups(TableName=schema.name)
        description = answer["ContinuousBackupsDescription"]
        status = (description.get("PointInTimeRecoveryDescription") or {}).get(
            "PointInTimeRecoveryStatus"
        )
        settings.point_in_time_recovery = status == "ENABLED"
    except (bx.ClientError, bx.BotoCoreError) as exc:
        settings.unknown["point-in-time recovery"] = _why(exc)
    if not schema.arn:
        settings.unknown["tags"] = "no table ARN"
        return settings
    try:
        request: dict[str, Any] = {"ResourceArn": schema.arn}
        while True:
            page = client.list_tags_of_resource(**request)
            settings.tags |= {t["Key"]: t.get("Value", "") for t in page.get("Tags", [])}
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    except (bx.ClientError, bx.BotoCoreError) as exc:
        settings.unknown["tags"] = _why(exc)
    return settings


@dataclass
class Applied:
    """What ``apply`` did: the settings applied and those that failed (each with why)."""

    applied: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def apply(
    client: Any,
    table: TableSchema,
    settings: TableSettings,
    sleep: Callable[[float], None] = time.sleep,
) -> Applied:
    """Give the new ``table`` (ACTIVE, created with ``creation_fields``) the TTL,
    point-in-time recovery and tags of ``settings``. Never raises for a setting the service
    refuses: each failure is logged (WARNING) and returned, with its error code and message.
    Point-in-time recovery is tried again for up to ``PITR_ATTEMPTS * PITR_WAIT_SECONDS``
    seconds while continuous backups are still turning on for the new table."""
    done = Applied()
    name = table.name

    def attempt(what: str, call: Callable[[], Any]) -> None:
        try:
            call()
        except (bx.ClientError, bx.BotoCoreError) as exc:
            code = error_code(exc) if isinstance(exc, bx.ClientError) else type(exc).__name__
            detail = str(exc).split(": ", 1)[-1] if isinstance(exc, bx.ClientError) else str(exc)
            done.failed.append(f"{what} ({code}: {detail})")
            log.warning("table '%s': %s not applied: %s: %s", name, what, code, detail)
        else:
            done.applied.append(what)
            log.info("table '%s': %s applied (copied from the source)", name, what)

    if settings.ttl_attribute:
        attempt(
            f"TTL on '{settings.ttl_attribute}'",
            lambda: client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": settings.ttl_attribute},
            ),
        )
    if settings.stream_view_type:  # set by CreateTable (``creation_fields``)
        done.applied.append(f"stream ({settings.stream_view_type})")
    if settings.point_in_time_recovery:

        def pitr() -> None:
            for tries in range(1, PITR_ATTEMPTS + 1):
                try:
                    client.update_continuous_backups(
                        TableName=name,
                        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
                    )
                    return
                except bx.ClientError as exc:
                    busy = error_code(exc) == "ContinuousBackupsUnavailableException"
                    if not busy or tries == PITR_ATTEMPTS:
                        raise
                    sleep(PITR_WAIT_SECONDS)

        attempt("point-in-time recovery", pitr)
    tags = settings.copyable_tags()
    if tags:
        if not table.arn:
            done.failed.append(f"{_tags_text(tags)} (the new table's ARN is unknown)")
        else:
            arn = table.arn
            attempt(
                _tags_text(tags),
                lambda: client.tag_resource(
                    ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
                ),
            )
    if settings.deletion_protection:  # set by CreateTable (``creation_fields``)
        done.applied.append("deletion protection")
    return done
