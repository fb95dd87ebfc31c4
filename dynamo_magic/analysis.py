"""Exploring read results: unique values and an attribute summary, for values of any type.

Works on typed items, so numbers, binaries, sets, maps and lists count as well as strings, and
an item without the attribute is its own row (the ancestor crashed on both).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import lazy
from .codec import AttributeValue, Item, from_attribute

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    pd = lazy.module("pandas")

MISSING = "<missing>"
TOP_VALUES = 3


def _hashable(av: AttributeValue) -> tuple[str, str]:
    """A stable, hashable identity for a typed value (sets compare regardless of order)."""
    ((tag, value),) = av.items()
    if tag in ("SS", "NS", "BS"):
        value = sorted(value)
    return tag, json.dumps(value, sort_keys=True, default=_bytes_text)


def _bytes_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return value.hex()
    raise TypeError(type(value).__name__)


def unique(items: Iterable[Item], attribute: str, numbers: str = "auto") -> pd.DataFrame:
    """Distinct values of ``attribute`` with counts, most frequent first; missing is a row."""
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], AttributeValue] = {}
    for item in items:
        av = item.get(attribute)
        key = (MISSING, "") if av is None else _hashable(av)
        counts[key] += 1
        if av is not None:
            examples.setdefault(key, av)
    rows = [
        {
            attribute: MISSING if key[0] == MISSING else from_attribute(examples[key], numbers),
            "type": "" if key[0] == MISSING else key[0],
            "count": count,
        }
        for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    frame = pd.DataFrame(rows, columns=[attribute, "type", "count"])
    frame["count"] = frame["count"].astype("Int64")
    return frame


def summary(items: list[Item], numbers: str = "auto") -> pd.DataFrame:
    """Per attribute: share of items having it, its types, distinct values, top values."""
    total = len(items)
    present: Counter[str] = Counter()
    types: dict[str, Counter[str]] = {}
    values: dict[str, Counter[tuple[str, str]]] = {}
    examples: dict[tuple[str, tuple[str, str]], AttributeValue] = {}
    for item in items:
        for name, av in item.items():
            present[name] += 1
            key = _hashable(av)
            types.setdefault(name, Counter())[key[0]] += 1
            values.setdefault(name, Counter())[key] += 1
            examples.setdefault((name, key), av)
    rows = []
    for name in present:
        top = values[name].most_common(TOP_VALUES)
        rows.append(
            {
                "attribute": name,
                "present": present[name] / total if total else 0.0,
                "types": ", ".join(t for t, _ in types[name].most_common()),
                "distinct": len(values[name]),
                "top values": ", ".join(
                    f"{_short(from_attribute(examples[(name, k)], numbers))} ({c})" for k, c in top
                ),
            }
        )
    frame = pd.DataFrame(rows, columns=["attribute", "present", "types", "distinct", "top values"])
    return frame.sort_values(["present", "attribute"], ascending=[False, True], ignore_index=True)


def _short(value: Any, width: int = 40) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= width else text[: width - 1] + "…"
