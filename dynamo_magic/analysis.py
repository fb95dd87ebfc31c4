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
from .codec import (
    AttributeValue,
    Item,
    flatten_items,
    from_attribute,
    json_text,
    number_json,
    text_cell,
    type_of,
)
from .paths import format_path, lookup, parse_path

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    pd = lazy.module("pandas")

MISSING = "<missing>"
TOP_VALUES = 3


def _hashable(av: AttributeValue) -> tuple[str, str]:
    """A stable, hashable identity for a typed value: its type and its canonical typed JSON
    (sets compare regardless of order, at any depth; numbers by value, ``1.50`` is ``1.5``;
    binary the same whether it came as bytes or as base64 text)."""
    return type_of(av), json.dumps(_canonical(av), sort_keys=True, ensure_ascii=False)


def _canonical(av: AttributeValue) -> Any:
    ((tag, value),) = av.items()
    if tag == "N":
        return {tag: number_json(value)}
    if tag in ("B", "SS", "NS", "BS"):  # base64; sets sorted, as every text output sorts them
        return {tag: json_text(from_attribute(av, "decimal"))}
    if tag == "M":
        return {tag: {k: _canonical(v) for k, v in value.items()}}
    if tag == "L":
        return {tag: [_canonical(v) for v in value]}
    return {tag: value}


def unique(
    items: Iterable[Item], attribute: str, numbers: str = "auto", key_names: Iterable[str] = ()
) -> pd.DataFrame:
    """Distinct values of ``attribute`` with counts, most frequent first; missing is a row.

    ``attribute`` is a document path (``addr.city``, ``items[0].sku``, ```a.b```; key names
    whole): each item's nested value is looked up, and an item without it counts as missing.
    The first column is named by the path's canonical text.
    """
    keys = tuple(key_names)
    path = parse_path(attribute, keys)
    attribute = format_path(path, keys)
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], AttributeValue] = {}
    for item in items:
        av = lookup(item, path)
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


def summary(
    items: list[Item], numbers: str = "auto", flatten: bool = False, key_names: Iterable[str] = ()
) -> pd.DataFrame:
    """Per attribute: share of items having it, its types, distinct values, top values.

    With ``flatten``, maps are expanded as ``--flatten`` expands columns: one row per nested
    path (``addr.city``), named as the flattened column is.
    """
    if flatten:
        items = flatten_items(items, key_names)
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
    """One top value as the text outputs write a cell (``codec.text_cell``; NULL is ``null``),
    cut to ``width`` characters."""
    text = text_cell(value, null="null")
    return text if len(text) <= width else text[: width - 1] + "…"
