"""A table's shape, read once from DescribeTable: keys with their types, indexes, billing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import IndexNotFound, InvalidQuery

# DynamoDB's rule for table names (CreateTable, TableName): 3 to 255 of these characters
TABLE_NAME_CHARACTERS = re.compile(r"[A-Za-z0-9_.\-]")
TABLE_NAME_LENGTH = (3, 255)
# a table's ARN, which DynamoDB also takes as TableName where a table is read
TABLE_ARN = re.compile(r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/(?P<name>.+)")


def check_table_name(name: Any, parameter: str, arn: bool = False) -> str:
    """``name`` if DynamoDB would take it as a table name (3 to 255 characters of A-Z, a-z,
    0-9, ``_``, ``.`` and ``-``), else ``InvalidQuery`` naming ``parameter`` by its API keyword
    (``table``, ``target_table``, ``into``): checked before any call, so that botocore's
    multi-line parameter error or a table created under a name the user did not mean never
    happen. ``arn``: a table's ARN is taken too (reads accept one; what names a table to write
    or create does not: backups and failed-item files are named after it)."""
    if not isinstance(name, str):
        raise InvalidQuery(
            f"{{{parameter}}} must be a table name (text), not {type(name).__name__}",
            parameters=(parameter,),
        )
    match = TABLE_ARN.fullmatch(name) if arn else None
    table = match["name"] if match else name
    low, high = TABLE_NAME_LENGTH
    bad = next((c for c in table if not TABLE_NAME_CHARACTERS.fullmatch(c)), None)
    if bad is None and low <= len(table) <= high:
        return name
    if bad is not None:
        problem = f"{bad!r} is not allowed"
    else:
        problem = f"it has {len(table):,} character{'' if len(table) == 1 else 's'}"
    shown = name if len(name) <= 60 else name[:40] + "…"
    text = f"{shown!r} is not a DynamoDB table name ({problem})".replace("{", "{{").replace(
        "}", "}}"
    )
    raise InvalidQuery(
        f"{{{parameter}}}: {text}; a table name is "
        f"{low} to {high} characters of A-Z, a-z, 0-9, '_', '.' and '-'"
        + (" (or the table's ARN)" if arn else ""),
        parameters=(parameter,),
    )


@dataclass(frozen=True)
class KeyAttribute:
    """One key attribute of a table or index.

    Attributes
    ----------
    name : str
        The attribute's name.
    type : str
        Its DynamoDB type: ``"S"``, ``"N"`` or ``"B"``.
    """

    name: str
    type: str  # S, N or B

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"


@dataclass(frozen=True)
class KeySchema:
    """The partition key and optional sort key of a table or index."""

    hash: KeyAttribute
    range: KeyAttribute | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.hash.name,) + ((self.range.name,) if self.range else ())

    def __str__(self) -> str:
        return f"{self.hash}" + (f" + {self.range}" if self.range else "")


@dataclass(frozen=True)
class Index:
    """A secondary index of a table, as DescribeTable reports it.

    Attributes
    ----------
    name : str
        The index's name.
    kind : str
        ``"GSI"`` (global) or ``"LSI"`` (local).
    key : KeySchema
        Its partition key and optional sort key.
    projection : str
        ``"ALL"``, ``"KEYS_ONLY"`` or ``"INCLUDE"``: what its items carry.
    included : tuple of str
        With ``INCLUDE``, the non-key attributes projected.
    """

    name: str
    kind: str  # "GSI" or "LSI"
    key: KeySchema
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    included: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSchema:
    """What dynamo_magic needs to know about a table, parsed from DescribeTable.

    Attributes
    ----------
    name : str
        Table name.
    key : KeySchema
        Partition key and optional sort key, each with its type (S, N or B).
    indexes : dict of str to Index
        GSIs and LSIs by name: kind, key, projection (ALL, KEYS_ONLY or INCLUDE).
    billing_mode : str
        ``PROVISIONED`` or ``PAY_PER_REQUEST``.
    status : str
        ``ACTIVE``, ``CREATING``, ...
    item_count, size_bytes : int or None
        Items and bytes as DynamoDB reports them (refreshed about every 6 hours: estimates).
    arn : str or None
        The table's ARN.
    raw : dict
        The whole DescribeTable answer.

    Examples
    --------
    >>> schema = dynamo_magic.describe("orders", env="dev")  # doctest: +SKIP
    >>> schema.key.names, list(schema.indexes)  # doctest: +SKIP
    (('customer', 'order-date'), ['status-total', 'by-total'])
    """

    name: str
    key: KeySchema
    indexes: dict[str, Index] = field(default_factory=dict)
    billing_mode: str = "PROVISIONED"
    status: str = "ACTIVE"
    item_count: int | None = None  # approximate: DynamoDB refreshes it about every 6 hours
    size_bytes: int | None = None  # approximate, as item_count
    arn: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_description(cls, table: dict[str, Any]) -> TableSchema:
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}

        def keys(elements: list[dict[str, str]]) -> KeySchema:
            by_role = {e["KeyType"]: e["AttributeName"] for e in elements}
            hash_name, range_name = by_role["HASH"], by_role.get("RANGE")
            return KeySchema(
                KeyAttribute(hash_name, types[hash_name]),
                KeyAttribute(range_name, types[range_name]) if range_name else None,
            )

        indexes = {}
        for kind, entries in (
            ("GSI", table.get("GlobalSecondaryIndexes", [])),
            ("LSI", table.get("LocalSecondaryIndexes", [])),
        ):
            for entry in entries:
                projection = entry.get("Projection", {})
                indexes[entry["IndexName"]] = Index(
                    entry["IndexName"],
                    kind,
                    keys(entry["KeySchema"]),
                    projection.get("ProjectionType", "ALL"),
                    tuple(projection.get("NonKeyAttributes", ())),
                )
        billing = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
        return cls(
            name=table["TableName"],
            key=keys(table["KeySchema"]),
            indexes=indexes,
            billing_mode=billing,
            status=table.get("TableStatus", "ACTIVE"),
            item_count=table.get("ItemCount"),
            size_bytes=table.get("TableSizeBytes"),
            arn=table.get("TableArn"),
            raw=table,
        )

    def index(self, name: str) -> Index:
        """The index ``name``; ``IndexNotFound`` lists the ones that exist."""
        try:
            return self.indexes[name]
        except KeyError:
            have = ", ".join(self.indexes) or "none"
            raise IndexNotFound(
                f"table '{self.name}' has no index '{name}' (indexes: {have})", table=self.name
            ) from None

    def key_for(self, index: str | None) -> KeySchema:
        """The key schema used to query the table (``index=None``) or one of its indexes."""
        return self.index(index).key if index else self.key

    def item_key_names(self, index: str | None = None) -> tuple[str, ...]:
        """Attributes that identify an item when reading ``index``: its keys, then the table's."""
        names = list(self.key_for(index).names)
        names += [n for n in self.key.names if n not in names]
        return tuple(names)

    def type_of(self, attribute: str) -> str | None:
        """The declared type (S/N/B) of a key attribute, ``None`` for non-key attributes."""
        for key in [self.key, *(i.key for i in self.indexes.values())]:
            for attr in (key.hash, key.range):
                if attr and attr.name == attribute:
                    return attr.type
        return None

    def describe_rows(self) -> list[dict[str, Any]]:
        """One row for the table and one per index: for a DataFrame or a printed table."""
        rows = [
            {
                "name": self.name,
                "kind": "table",
                "partition key": str(self.key.hash),
                "sort key": str(self.key.range) if self.key.range else "",
                "projection": "ALL",
            }
        ]
        for index in self.indexes.values():
            rows.append(
                {
                    "name": index.name,
                    "kind": index.kind,
                    "partition key": str(index.key.hash),
                    "sort key": str(index.key.range) if index.key.range else "",
                    "projection": index.projection
                    + (f" ({', '.join(index.included)})" if index.included else ""),
                }
            )
        return rows

    def summary_line(self) -> str:
        count = "?" if self.item_count is None else f"~{self.item_count:,}"
        size = "?" if self.size_bytes is None else f"~{self.size_bytes:,}"
        return (
            f"table '{self.name}': key {self.key}; {len(self.indexes)} index(es); "
            f"{self.billing_mode}; {count} items, {size} bytes (approximate)"
        )

    def __str__(self) -> str:
        lines = [self.summary_line()]
        for index in self.indexes.values():
            inc = f" ({', '.join(index.included)})" if index.included else ""
            lines.append(f"  {index.kind} {index.name}: {index.key}; {index.projection}{inc}")
        return "\n".join(lines)
