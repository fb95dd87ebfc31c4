"""DataFrames and plain rows -> DynamoDB items (``WireItem``s): the inverse of ``codec``'s
``items_to_frame``, exact both ways.

Types (issue 17, "Types"):

- ``int``, numpy integers, ``Int64`` -> N; floats -> N through their shortest text
  (``repr(0.1)`` is ``0.1``) in DynamoDB's canonical form (``2.0`` -> ``2``, ``1e-05`` ->
  ``0.00001``); ``Decimal`` as is (at most 38 significant digits);
- ``bool``, numpy bool, ``boolean`` -> BOOL; ``str`` -> S; ``bytes`` -> B (base64 text: the
  wire form); sets of str / numbers / bytes -> SS / NS / BS; ``dict`` -> M; ``list``,
  ``tuple``, numpy arrays -> L; ``None`` (or NA, NaT) inside a container -> NULL;
- a top-level missing value (``None``, NaN, ``pd.NA``, ``NaT``): the attribute is left out
  (``nulls="omit"``, the default) or written as NULL (``nulls="null"``);
- datetimes (``datetime``, ``date``, ``Timestamp``, ``datetime64`` columns) -> ISO 8601 text
  (``datetimes="iso"``, the default) or epoch seconds as N (``datetimes="epoch"``; a naive
  datetime counts as UTC);
- refused with one line naming the row (the frame's index label) and the column: +-inf, or
  NaN inside a container, an empty set, a set of mixed types, a number DynamoDB refuses
  (more than 38 significant digits, a magnitude outside 1E-130 to 9.99...E+125:
  ``item_size.number_problem``), a value of another type, an item over 400 KB (``item_size``).

Columns of one dtype convert at once (integers, floats, booleans, datetimes); object
columns value by value. ``row_item`` encodes one plain row (a CSV or plain JSON Lines line)
by the same rules, for the import.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import math
import sys
from collections.abc import Callable, Hashable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from . import lazy
from .codec import MAX_NUMBER_DIGITS, AttributeValue, WireItem, number_json
from .errors import InvalidQuery, literal
from .item_size import MAX_ITEM_SIZE, item_size, number_problem, short_repr

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy.module("numpy")
    pd = lazy.module("pandas")

Nulls = Literal["omit", "null"]
Datetimes = Literal["iso", "epoch"]
NULLS: tuple[str, ...] = ("omit", "null")
DATETIMES: tuple[str, ...] = ("iso", "epoch")
NULL: AttributeValue = {"NULL": True}


class Unstorable(ValueError):
    """A value DynamoDB cannot store (the reason); the caller names the row and column."""


def check_options(nulls: str, datetimes: str) -> None:
    """Refuse an unknown ``nulls`` or ``datetimes`` option (``InvalidQuery``, one line)."""
    if nulls not in NULLS:
        raise InvalidQuery(
            f"unknown {{nulls}} {literal(repr(nulls))}; use 'omit' or 'null'",
            parameters=("nulls",),
        )
    if datetimes not in DATETIMES:
        raise InvalidQuery(
            f"unknown {{datetimes}} {literal(repr(datetimes))}; use 'iso' or 'epoch'",
            parameters=("datetimes",),
        )


def _is_nat(value: Any) -> bool:
    """``value is pandas.NaT``, without importing pandas."""
    nat = getattr(sys.modules.get("pandas"), "NaT", None)
    return nat is not None and value is nat


def _missing(value: Any) -> bool:
    """A top-level missing value: None, NA, NaT or a float NaN."""
    if value is None or lazy.is_pandas_na(value) or _is_nat(value):
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return lazy.is_numpy_scalar(value) and value.dtype.kind in "fMm" and bool(np.isnan(value))


def float_text(value: float) -> str:
    """A finite float's DynamoDB number text: its shortest repr (``0.1``), in DynamoDB's
    canonical form (``2.0`` -> ``2``, ``1e-05`` -> ``0.00001``); ``repr`` directly where it
    already is that (no exponent), else through ``number_json``."""
    text = repr(value)
    if "e" in text:
        return number_json(value)
    if text.endswith(".0"):
        text = text[:-2]
        return "0" if text == "-0" else text
    return text


def _number(value: int | float | Decimal) -> AttributeValue:
    if type(value) is int:  # the common case: its digits as they are
        text = str(value)
        if len(text) <= MAX_NUMBER_DIGITS:
            return {"N": text}
    if isinstance(value, float) and not math.isfinite(value):
        raise Unstorable(f"DynamoDB cannot store the number {value}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise Unstorable(f"DynamoDB cannot store the number {value}")
    return {"N": _storable(float_text(value) if isinstance(value, float) else number_json(value))}


def _narrow(value: Any) -> float:
    """A float32 (float16) as the float of its own shortest text: ``np.float32(0.1)`` is
    ``0.1``, not the ``0.10000000149011612`` its float64 value would print."""
    return float(np.format_float_positional(value, unique=True, trim="-"))


def _storable(text: str) -> str:
    """A canonical number text (no exponent) as it is, once DynamoDB would store it
    (``item_size.number_problem``: at most 38 digits, a magnitude from 1E-130 to 9.99...E+125);
    a text of at most 38 characters is always in range.

    Raises
    ------
    Unstorable
        The number's problem."""
    if len(text) > MAX_NUMBER_DIGITS:
        problem = number_problem(text)
        if problem:
            raise Unstorable(problem)
    return text


def _datetime(value: Any, datetimes: str) -> AttributeValue:
    """A datetime or date as ISO 8601 text, or epoch seconds (naive = UTC)."""
    if isinstance(value, dt.datetime):
        if datetimes == "epoch":
            stamp = pd.Timestamp(value)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
            return _number(Decimal(int(stamp.value)).scaleb(-9))
        return {"S": value.isoformat()}
    if datetimes == "epoch":
        return _datetime(dt.datetime(value.year, value.month, value.day), datetimes)
    return {"S": value.isoformat()}


def _set(values: set[Any] | frozenset[Any], datetimes: str) -> AttributeValue:
    members = [v.item() if lazy.is_numpy_scalar(v) else v for v in values]
    if not members:
        raise Unstorable("DynamoDB cannot store an empty set: leave the attribute out or use []")
    if all(isinstance(v, str) for v in members):
        return {"SS": sorted(members)}
    if all(isinstance(v, bytes | bytearray | memoryview) for v in members):
        return {"BS": sorted(base64.b64encode(bytes(v)).decode() for v in members)}
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in members):
        texts = [_number(v)["N"] for v in members]
        return {"NS": sorted(texts, key=Decimal)}
    raise Unstorable(
        "a set must hold only strings, only numbers or only bytes "
        f"(this one holds {', '.join(sorted({type(v).__name__ for v in members}))})"
    )


def value_attribute(value: Any, datetimes: str = "iso", inside: bool = False) -> AttributeValue:
    """One Python (pandas, numpy) value as a wire-form attribute value. A missing value is
    NULL here (the caller leaves a top-level one out first); ``inside``: within a container,
    where a NaN is refused (DynamoDB has no NaN).

    Raises
    ------
    Unstorable
        What DynamoDB cannot store (the reason, without row or column)."""
    kind = type(value)  # the common types first, by exact type (no numpy, pandas look-ups)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int or (kind is float and math.isfinite(value)):
        return _number(value)
    if kind is dict:
        return {"M": {str(k): value_attribute(v, datetimes, True) for k, v in value.items()}}
    if kind is list:
        return {"L": [value_attribute(v, datetimes, True) for v in value]}
    if lazy.is_numpy_scalar(value):
        if value.dtype.kind == "M":
            value = pd.Timestamp(value)
        elif value.dtype.kind == "m":
            raise Unstorable(f"cannot store a timedelta in DynamoDB: {short_repr(value)}")
        elif value.dtype.kind == "f" and value.dtype.itemsize < 8:
            value = _narrow(value)
        else:
            value = value.item()
    if value is None or lazy.is_pandas_na(value):
        return NULL
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, float) and math.isnan(value):
        if inside:
            raise Unstorable("DynamoDB cannot store NaN inside a list, map or set")
        return NULL
    if isinstance(value, int | float | Decimal):
        return _number(value)
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"B": base64.b64encode(bytes(value)).decode()}
    if _is_nat(value):
        return NULL
    if isinstance(value, dt.datetime | dt.date):
        return _datetime(value, datetimes)
    if isinstance(value, set | frozenset):
        return _set(value, datetimes)
    if isinstance(value, Mapping):
        return {"M": {str(k): value_attribute(v, datetimes, True) for k, v in value.items()}}
    if isinstance(value, list | tuple) or _is_array(value):
        return {"L": [value_attribute(v, datetimes, True) for v in value]}
    raise Unstorable(f"cannot store a {type(value).__name__} in DynamoDB: {short_repr(value)}")


def _is_array(value: Any) -> bool:
    array = getattr(sys.modules.get("numpy"), "ndarray", None)
    return array is not None and isinstance(value, array)


def _refusal(label: Hashable, column: str, reason: str) -> InvalidQuery:
    return InvalidQuery(literal(f"row {label!r}, column {column!r}: {reason}"))


def row_item(
    row: Mapping[str, Any], where: str, nulls: str = "omit", datetimes: str = "iso"
) -> WireItem:
    """One plain row (a CSV line's cells, a plain JSON object) as an item, by the rules above;
    ``where`` names the row in a refusal (``"file a.csv, line 3"``).

    Raises
    ------
    InvalidQuery
        One line: ``where``, the attribute and why (an item over 400 KB too)."""
    item: dict[str, AttributeValue] = {}
    for name, value in row.items():
        if _missing(value):
            if nulls == "null":
                item[str(name)] = NULL
            continue
        try:
            item[str(name)] = value_attribute(value, datetimes)
        except Unstorable as reason:
            raise InvalidQuery(literal(f"{where}, attribute {name!r}: {reason}")) from None
    _check_size(WireItem(item), lambda: where)
    return WireItem(item)


def _check_size(item: WireItem, where: Callable[[], str]) -> None:
    """Refuse an item over 400 KB. Its DynamoDB JSON text is never shorter than its size (every
    value's text holds its bytes, or more: base64, quotes, type tags), so only an item whose
    text is over the limit is measured by ``item_size``."""
    if len(json.dumps(item)) <= MAX_ITEM_SIZE:
        return
    size = item_size(item)
    if size > MAX_ITEM_SIZE:
        raise InvalidQuery(
            literal(
                f"{where()}: the item is {size:,} bytes, over DynamoDB's limit of "
                f"{MAX_ITEM_SIZE:,} (400 KB); make it smaller or split it"
            )
        )


# -- DataFrame -> items, column by column ---------------------------------------------------
Cells = list[AttributeValue | None]  # one column's values; None: left out


def _column(
    column: pd.Series[Any], name: str, labels: Sequence[Hashable], nulls: str, datetimes: str
) -> Cells:
    """One column's attribute values (``None``: the attribute is left out of that row)."""
    dtype = column.dtype
    kind = getattr(dtype, "kind", "O")
    missing_value: AttributeValue | None = NULL if nulls == "null" else None
    mask = column.isna().to_numpy()
    if kind in "iu":  # numpy integers, Int64 & co (NA masked)
        texts = column.to_numpy(dtype="int64" if kind == "i" else "uint64", na_value=0)
        strings = texts.astype(str).tolist()
        return [missing_value if m else {"N": t} for t, m in zip(strings, mask, strict=True)]
    if kind == "b":  # numpy bool, boolean
        values = column.to_numpy(dtype=bool, na_value=False).tolist()
        return [missing_value if m else {"BOOL": v} for v, m in zip(values, mask, strict=True)]
    if kind == "f":  # float64, Float64: shortest text, canonical
        floats = column.to_numpy(dtype="float64", na_value=np.nan)
        infinite = np.isinf(floats)
        if infinite.any():
            row = int(np.flatnonzero(infinite)[0])
            raise _refusal(labels[row], name, f"DynamoDB cannot store the number {floats[row]}")
        values = floats.tolist()
        if getattr(dtype, "itemsize", 8) < 8:  # float32, float16: their own shortest text
            narrow = column.to_numpy(dtype=getattr(dtype, "numpy_dtype", dtype), na_value=np.nan)
            values = [_narrow(v) for v in narrow]
        numbers: Cells = []
        for label, v, m in zip(labels, values, mask, strict=True):
            if m:
                numbers.append(missing_value)
                continue
            try:
                numbers.append({"N": _storable(float_text(v))})
            except Unstorable as reason:
                raise _refusal(label, name, str(reason)) from None
        return numbers
    if kind == "M":  # datetime64 (naive or with a time zone)
        return [
            missing_value if m else _datetime(v.to_pydatetime(), datetimes)
            for v, m in zip(column, mask, strict=True)
        ]
    cells: Cells = []
    for label, value, m in zip(labels, column.tolist(), mask, strict=True):
        if m:
            cells.append(missing_value)
            continue
        try:
            cells.append(value_attribute(value, datetimes))
        except Unstorable as reason:
            raise _refusal(label, name, str(reason)) from None
    return cells


def frame_items(df: pd.DataFrame, nulls: str = "omit", datetimes: str = "iso") -> list[WireItem]:
    """Every row of ``df`` as an item (wire form), in row order, by the rules above.

    Raises
    ------
    InvalidQuery
        One line naming the row (index label) and column: an unstorable value, an item over
        400 KB; an unknown option; a column name that is not text or appears twice."""
    check_options(nulls, datetimes)
    names = list(df.columns)
    bad = [n for n in names if not isinstance(n, str) or not n]
    if bad:
        raise InvalidQuery(
            literal(f"column names must be non-empty text; {short_repr(bad[0])} is not")
            + ": rename the column (df.columns = [...])"
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidQuery(
            literal(f"column {twice[0]!r} appears twice: an item has one value per attribute")
        )
    labels = list(df.index)
    items: list[dict[str, AttributeValue]] = [{} for _ in labels]
    for position, name in enumerate(names):
        cells = _column(df.iloc[:, position], name, labels, nulls, datetimes)
        for item, av in zip(items, cells, strict=True):
            if av is not None:
                item[name] = av
    wire = [WireItem(item) for item in items]
    for label, item in zip(labels, wire, strict=True):
        _check_size(item, functools.partial("row {!r}".format, label))
    return wire
