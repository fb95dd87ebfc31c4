"""Exploring read results: unique values and an attribute summary, for values of any type.

Works on typed items, so numbers, binaries, sets, maps and lists count as well as strings, and
an item without the attribute is its own row (the ancestor crashed on both).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import lazy
from .codec import (
    AttributeValue,
    Item,
    WireItem,
    flatten_items,
    from_attribute,
    json_text,
    number_json,
    text_cell,
    type_of,
)
from .paths import format_path, lookup, parse_path

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    np = lazy.module("numpy")
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


def _order(
    key: tuple[str, str], count: int, example: AttributeValue | None
) -> tuple[int, str, tuple[Decimal, ...], str]:
    """Where a value (``_hashable`` ``key``, seen ``count`` times, ``example`` of it) goes in
    a unique table or a summary's top values: most frequent first; among equal counts by type
    (``<missing>`` first, then B, BOOL, ..., N, NS, ..., S: the type tags' order), numbers and
    number sets by value (1, 2, 10, 100; not 1, 10, 100, 2 as their text), then by canonical
    text (the only order of the other types). The same order whatever order the items were
    read in (a parallel scan's varies)."""
    kind, text = key
    numbers: tuple[Decimal, ...] = ()
    if kind == "N" and example is not None:
        numbers = (Decimal(example["N"]),)
    elif kind == "NS" and example is not None:
        numbers = tuple(sorted(Decimal(n) for n in example["NS"]))
    return -count, kind, numbers, text


def unique_columns(attribute: str) -> tuple[str, str, str]:
    """The columns of ``unique(..., attribute)``: the value column named by the attribute's
    path text, then its type and count columns. These are ``type`` and ``count`` unless the
    attribute itself is named ``type`` or ``count``: then both become ``_type`` and ``_count``,
    so that no two columns share a name (a JSON line or a csv header could not hold both)."""
    if attribute in ("type", "count"):
        return attribute, "_type", "_count"
    return attribute, "type", "count"


def unique(
    items: Iterable[Item], attribute: str, numbers: str = "auto", key_names: Iterable[str] = ()
) -> pd.DataFrame:
    """Distinct values of ``attribute`` with counts, most frequent first; missing is a row.

    ``attribute`` is a document path (``addr.city``, ``items[0].sku``, ```a.b```; key names
    whole): each item's nested value is looked up, and an item without it counts as missing.
    Columns: see ``unique_columns``. The row of items without the attribute holds ``<NA>``
    as value and as type (``null`` in JSON; the text outputs show ``MISSING``), so that it is
    told apart from a NULL value (``None``, type ``NULL``) and from a string ``"<missing>"``.
    """
    keys = tuple(key_names)
    path = parse_path(attribute, keys)
    value_column, type_column, count_column = unique_columns(format_path(path, keys))
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], AttributeValue] = {}
    for item in items:
        av = lookup(item, path)
        key = (MISSING, "") if av is None else _hashable(av)
        counts[key] += 1
        if av is not None:
            examples.setdefault(key, av)
    ordered = sorted(counts.items(), key=lambda kv: _order(kv[0], kv[1], examples.get(kv[0])))
    values = np.empty(len(ordered), dtype=object)  # cell by cell: lists stay one cell each
    for row, (key, _) in enumerate(ordered):
        values[row] = pd.NA if key[0] == MISSING else from_attribute(examples[key], numbers)
    frame = pd.DataFrame(
        {
            value_column: pd.Series(values, dtype=object),  # not inferred as str: NA stays
            type_column: pd.array(
                [None if key[0] == MISSING else key[0] for key, _ in ordered], dtype="string"
            ),
            count_column: pd.array([count for _, count in ordered], dtype="Int64"),
        }
    )
    return frame


def missing_rows(view: pd.DataFrame) -> pd.Series:
    """Which rows of a ``unique`` table stand for items without the attribute."""
    return view.iloc[:, 1].isna()


PRESENT_PLACES = 4  # the share of items having an attribute: 2 of 3 is 0.6667


def summary(
    items: list[WireItem],
    numbers: str = "auto",
    flatten: bool = False,
    key_names: Iterable[str] = (),
) -> pd.DataFrame:
    """Per attribute: share of items having it, its types, distinct values, top values.

    ``present`` is the share of items having the attribute, a fraction rounded to
    ``PRESENT_PLACES`` places (``0.6667``), the same number in every output. ``top values`` is
    a list of up to ``TOP_VALUES`` ``(value, count)`` pairs, most frequent first, values whole
    and typed as ``from_attribute`` gives them: the JSON and csv outputs write it as a JSON list
    of ``[value, count]`` pairs; only the human table shortens it (``top_values_text``).

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
        ranked = sorted(
            values[name].items(), key=lambda kv: _order(kv[0], kv[1], examples[(name, kv[0])])
        )
        top = ranked[:TOP_VALUES]
        rows.append(
            {
                "attribute": name,
                "present": round(present[name] / total, PRESENT_PLACES) if total else 0.0,
                "types": ", ".join(t for t, _ in types[name].most_common()),
                "distinct": len(values[name]),
                "top values": [(from_attribute(examples[(name, k)], numbers), c) for k, c in top],
            }
        )
    frame = pd.DataFrame(rows, columns=["attribute", "present", "types", "distinct", "top values"])
    return frame.sort_values(["present", "attribute"], ascending=[False, True], ignore_index=True)


def top_values_text(pairs: Iterable[tuple[Any, int]], width: int = 40) -> str:
    """A summary's top values for people: ``value (count), ...``, each value written as a
    table cell (``codec.text_cell``; NULL is ``null``) and cut to ``width`` characters with
    ``…``. For the human table only: machine-readable outputs keep every value whole."""
    return ", ".join(f"{_short(value, width)} ({count})" for value, count in pairs)


def _short(value: Any, width: int = 40) -> str:
    """One top value as the text outputs write a cell (``codec.text_cell``; NULL is ``null``),
    cut to ``width`` characters."""
    text = text_cell(value, null="null")
    return text if len(text) <= width else text[: width - 1] + "…"
