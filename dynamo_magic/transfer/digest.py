"""Items as canonical text: the JSON a copy saves, a key's identity, a content hash.

Items here are ``WireItem``s (binaries as base64 text), as a copy reads and writes them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from ..codec import AttributeValue, WireItem

DIGEST_BYTES = 16  # a 128-bit hash per item
DIGEST_MODULUS = 2**128  # content hashes of a side are summed modulo this (order-free)


def typed_json(value: Any) -> str:
    """DynamoDB JSON as the AWS CLI writes it (binary as base64), keys sorted, one line."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_jsonable)


def _jsonable(value: Any) -> Any:
    """Binaries in client form (bytes), e.g. inside a ``LastEvaluatedKey``: as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(type(value).__name__)


def key_text(item: WireItem, key_names: tuple[str, ...]) -> str:
    """A canonical text for an item's key (for sets of keys and comparisons)."""
    return typed_json({k: item[k] for k in key_names})


def item_digest(item: WireItem) -> int:
    """A 128-bit hash of an item's full content, independent of set order."""
    content = {name: canonical(av) for name, av in item.items()}
    digest = hashlib.blake2b(typed_json(content).encode(), digest_size=DIGEST_BYTES)
    return int.from_bytes(digest.digest())


def add_digests(total: int, items: list[WireItem]) -> int:
    """``total`` plus the content hashes of ``items``, modulo ``DIGEST_MODULUS``."""
    return (total + sum(map(item_digest, items))) % DIGEST_MODULUS


def canonical(av: AttributeValue) -> Any:
    """An attribute value with the members of its sets sorted, at any depth (a set has no
    order), and numbers in one form: equal values give equal results, for digests and
    item-by-item comparisons. DynamoDB stores a number by its value (``"2.50"`` is read back
    as ``"2.5"``, ``"1E2"`` as ``"100"``), so a number a transform wrote as ``Decimal("2.50")``
    equals the source's ``2.5``."""
    ((tag, value),) = av.items()
    if tag == "N":
        return {tag: _number(value)}
    if tag == "NS":
        return {tag: sorted(map(_number, value))}
    if tag in ("SS", "BS"):
        return {tag: sorted(value)}
    if tag == "M":
        return {tag: {k: canonical(v) for k, v in value.items()}}
    if tag == "L":
        return {tag: [canonical(v) for v in value]}
    return av


def _number(text: str) -> str:
    """A number's text in one form for one value: no exponent, no trailing or leading zeros."""
    try:
        value = Decimal(text)
    except InvalidOperation:  # not a number: compared as written
        return text
    if not value:
        return "0"
    # normalize() rounds to its context's precision: one as wide as the number keeps every digit
    # (the default 28 would make two 38-digit numbers alike in their first 28 digits one)
    return format(value.normalize(Context(prec=len(value.as_tuple().digits))), "f")
