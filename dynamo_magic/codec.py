"""DynamoDB typed values <-> Python values and DataFrames, without silent precision loss.

boto3's ``TypeDeserializer`` turns every number into ``Decimal`` one value at a time; this module
converts column by column so that a column of integers becomes ``Int64`` in one numpy call, and
only numbers that a float cannot hold exactly stay ``Decimal``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NewType, cast

from . import lazy
from .errors import InvalidQuery, literal
from .item_size import MAX_NUMBER_DIGITS as MAX_NUMBER_DIGITS  # DynamoDB's precision limit
from .item_size import number_problem, short_repr
from .paths import DocumentPath, format_path
from .schema import KeyAttribute

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    np = lazy.module("numpy")
    pd = lazy.module("pandas")

AttributeValue = dict[str, Any]  # one typed value: {"S": "x"}, {"N": "1.5"}, {"B": ...}
# The two forms of an item, named apart so no function has to guess which it got:
# - ``Item``: boto3's client form, binaries (B, BS) as ``bytes`` (what boto3 sends and returns);
# - ``WireItem``: the JSON wire form, binaries as base64 text. Query, Scan, ExecuteStatement and
#   the copy's reads arrive in it (``dynamodb.wire``'s fast path) and a copy writes it back
#   unchanged; ``decode_binaries`` turns one into an ``Item``.
# ``WireItem`` is a ``NewType``: for mypy a ``WireItem`` is an ``Item`` (a function taking either
# form takes ``Item``), but an ``Item`` is no ``WireItem``. Where a wire-form item is made (from
# DynamoDB's JSON answers, a key cut from a wire item) ``WireItem(...)`` says so; it costs nothing.
Item = dict[str, AttributeValue]
WireItem = NewType("WireItem", Item)


# -- Python -> DynamoDB ------------------------------------------------------------------------
def number_text(value: Any) -> str:
    """The exact DynamoDB number text of an int, float, Decimal or numpy number."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if lazy.is_numpy_scalar(value):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidQuery(f"DynamoDB cannot store the number {value}")
        value = Decimal(repr(value))  # shortest text that round-trips: 0.1 stays 0.1
    if isinstance(value, int | Decimal):
        text = str(value)
        if isinstance(value, Decimal) and not value.is_finite():
            raise InvalidQuery(f"DynamoDB cannot store the number {value}")
        return text
    raise TypeError(f"not a number: {value!r}")


def to_attribute(value: Any) -> AttributeValue:
    """A Python value as a DynamoDB attribute value (floats exactly, numpy scalars unwrapped)."""
    if lazy.is_numpy_scalar(value):
        value = value.item()
    if value is None or lazy.is_pandas_na(value):
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": number_text(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"B": bytes(value)}
    if isinstance(value, set | frozenset):
        if not value:
            raise InvalidQuery("DynamoDB cannot store an empty set")
        if all(isinstance(v, str) for v in value):
            return {"SS": sorted(value)}
        if all(isinstance(v, bytes) for v in value):
            return {"BS": sorted(value)}
        if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in value):
            return {"NS": [number_text(v) for v in value]}
        raise InvalidQuery("a set must hold only strings, only numbers or only bytes")
    if isinstance(value, Mapping):
        return {"M": {str(k): to_attribute(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(v) for v in value]}
    raise InvalidQuery(f"cannot store a {type(value).__name__} in DynamoDB: {value!r}")


def key_value(
    attr: KeyAttribute, value: Any, role: str = "key", parameter: str | None = None
) -> AttributeValue:
    """A user-given key value typed as the table declares it (S, N or B).

    Text from a command line is accepted for every type: digits for N, base64 for B. An empty
    value (``""``, ``b""``, base64 text of no bytes) is refused naming the key: DynamoDB
    refuses empty key values in its own words. ``parameter`` (``"pk"``, ``"sk"``, ``"sk2"``) is
    the API keyword that gave the value: the ``InvalidQuery`` carries it in its ``parameters``
    (its text unchanged), so a front end can name its own input for it.
    """
    about = (parameter,) if parameter else ()
    if isinstance(value, str | bytes | bytearray) and len(value) == 0:
        raise _empty_key(attr, role, about)
    if attr.type == "S":
        if isinstance(value, bytes | bool) or value is None:
            raise _refused(f"{role} '{attr.name}' is a string (S); got {value!r}", about)
        return {"S": value if isinstance(value, str) else str(value)}
    if attr.type == "N":
        try:
            if isinstance(value, str):
                parsed = Decimal(value.strip())
                if not parsed.is_finite():
                    raise InvalidOperation
                text = value.strip()
            else:
                text = number_text(value)
        except (InvalidOperation, TypeError):
            raise _refused(
                f"{role} '{attr.name}' is a number (N); {value!r} is not a number", about
            ) from None
        problem = number_problem(text)
        if problem:
            raise _refused(f"{role} '{attr.name}': {problem}", about)
        return {"N": text}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, str):
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _refused(
                f"{role} '{attr.name}' is binary (B); give bytes or base64 text", about
            ) from None
        if not decoded:
            raise _empty_key(attr, role, about)
        return {"B": decoded}
    raise _refused(f"{role} '{attr.name}' is binary (B); got {value!r}", about)


def _empty_key(attr: KeyAttribute, role: str, about: tuple[str, ...]) -> InvalidQuery:
    return _refused(
        f"the {role} '{attr.name}' cannot be empty: DynamoDB requires a non-empty key value",
        about,
    )


def _refused(text: str, about: tuple[str, ...]) -> InvalidQuery:
    """``text`` as it is, about the API keywords ``about`` (named in no field of it)."""
    return InvalidQuery(literal(text) if about else text, parameters=about)


# -- DynamoDB -> Python ------------------------------------------------------------------------
def _exact_float(text: str) -> float | None:
    """``float(text)`` when the float's shortest text means the same number, else ``None``."""
    value = float(text)
    if repr(value) == text or Decimal(repr(value)) == Decimal(text):
        return value
    return None


def number_value(text: str, numbers: str = "auto") -> int | float | Decimal:
    """One DynamoDB number: int when integral, float when exact, else Decimal (policy ``auto``)."""
    if numbers == "decimal":
        return Decimal(text)
    if numbers == "float":
        return float(text)
    if "." not in text and "e" not in text and "E" not in text:
        return int(text)
    as_decimal = Decimal(text)
    if (
        as_decimal == as_decimal.to_integral_value()
        and as_decimal.copy_abs() < 10**MAX_NUMBER_DIGITS
    ):
        return int(as_decimal)
    exact = _exact_float(text)
    return as_decimal if exact is None else exact


def _b(value: Any) -> bytes:
    # botocore hands bytes; raw JSON (fast paths) has base64 text
    return value if isinstance(value, bytes) else base64.b64decode(value)


def from_attribute(av: AttributeValue, numbers: str = "auto") -> Any:
    """A DynamoDB attribute value as a plain Python value."""
    ((tag, value),) = av.items()
    if tag == "S":
        return value
    if tag == "N":
        return number_value(value, numbers)
    if tag == "BOOL":
        return value
    if tag == "NULL":
        return None
    if tag == "B":
        return _b(value)
    if tag == "M":
        return {k: from_attribute(v, numbers) for k, v in value.items()}
    if tag == "L":
        return [from_attribute(v, numbers) for v in value]
    if tag == "SS":
        return set(value)
    if tag == "NS":
        return {number_value(v, numbers) for v in value}
    if tag == "BS":
        return {_b(v) for v in value}
    raise ValueError(f"unknown DynamoDB type {tag!r}")


def decode_binaries(item: Item) -> Item:
    """A wire-form item (a ``WireItem``: binaries as base64 text, as ``ReadResult.items`` hold
    them) in the form boto3's low-level client returns and accepts: ``B`` and ``BS`` values as
    ``bytes``, at any depth inside maps and lists. Give an item to ``client.put_item`` in this
    form only: botocore base64-encodes bytes itself, so wire-form text would be encoded twice.
    Items already holding bytes (either form is taken) pass through unchanged."""
    return {name: _binaries(av, _b) for name, av in item.items()}


def encode_binaries(item: Item) -> WireItem:
    """The wire form of an item in client form (``decode_binaries``' inverse): ``B`` and ``BS``
    values as base64 text, at any depth inside maps and lists; other values unchanged."""
    return WireItem({name: _binaries(av, _base64) for name, av in item.items()})


def _binaries(av: AttributeValue, convert: Callable[[Any], Any]) -> AttributeValue:
    """``av`` with ``convert`` applied to each binary (``B``, members of ``BS``), at any depth
    inside maps and lists; other values unchanged (the walk both binary forms share)."""
    ((tag, value),) = av.items()
    if tag == "B":
        return {"B": convert(value)}
    if tag == "BS":
        return {"BS": [convert(v) for v in value]}
    if tag == "M":
        return {"M": {name: _binaries(v, convert) for name, v in value.items()}}
    if tag == "L":
        return {"L": [_binaries(v, convert) for v in value]}
    return av


def _base64(value: Any) -> str:
    return value if isinstance(value, str) else base64.b64encode(bytes(value)).decode()


def key_of(item: WireItem, key_names: Iterable[str]) -> WireItem:
    """The key of a wire-form item: its ``key_names`` attributes (each must be present)."""
    return WireItem({name: item[name] for name in key_names})


def type_of(av: AttributeValue) -> str:
    """The DynamoDB type tag of a typed value (``"S"``, ``"N"``, ``"M"``, ...)."""
    return next(iter(av))


# -- items -> DataFrame ------------------------------------------------------------------------
def _number_column(values: list[Any], numbers: str) -> Any:
    """A column of number texts (``None`` for missing) as Int64, Float64 or Decimal objects."""
    present = [v for v in values if v is not None]
    if numbers == "decimal":
        return pd.array([None if v is None else Decimal(v) for v in values], dtype=object)
    if numbers == "float":
        return pd.array([None if v is None else float(v) for v in values], dtype="Float64")
    if not any("." in v or "e" in v or "E" in v for v in present):
        try:
            ints = np.array(present, dtype=np.int64)  # raises OverflowError beyond int64
        except (OverflowError, ValueError):
            pass
        else:
            if len(present) == len(values):
                return pd.array(ints, dtype="Int64")
            return pd.array([None if v is None else int(v) for v in values], dtype="Int64")
    floats = [None if v is None else _exact_float(v) for v in values]
    if all(f is not None for f, v in zip(floats, values, strict=True) if v is not None):
        return pd.array(floats, dtype="Float64")
    # one value a float cannot hold: the whole column stays exact, one type for every row
    return pd.array([None if v is None else Decimal(v) for v in values], dtype=object)


def _column(tags: set[str], values: list[Any], numbers: str) -> Any:
    """Convert one column's raw payloads, all of the DynamoDB types in ``tags``."""
    if tags == {"S"}:
        return pd.array(values, dtype="string")
    if tags == {"N"}:
        return _number_column(values, numbers)
    if tags == {"BOOL"}:
        return pd.array(values, dtype="boolean")
    if tags == {"B"}:
        return pd.array([None if v is None else _b(v) for v in values], dtype=object)
    return None  # sets, maps, lists, mixed: converted value by value


def items_to_frame(
    items: Iterable[WireItem],
    key_names: Iterable[str] = (),
    numbers: str = "auto",
    flatten: bool = False,
) -> pd.DataFrame:
    """A DataFrame of ``items``, key columns first. Types: S -> string, BOOL -> boolean,
    NULL/missing -> NA, N -> Int64 when every value is integral and fits, Float64 when every
    value survives the conversion exactly, else Decimal objects; B -> bytes; SS/NS/BS -> sets;
    M -> dict (or flattened into columns); L -> list.

    One pass files each typed value under its column (the only per-cell Python work); each
    column's types and payloads are then gathered by C-level calls (``set().union``,
    ``map(itemgetter)``), and whole columns convert at once.
    """
    items = items if isinstance(items, list) else list(items)
    n = len(items)
    columns: dict[str, list[AttributeValue | None]] = {}
    for row, item in enumerate(items):
        for name, av in item.items():
            column = columns.get(name)
            if column is None:
                column = columns[name] = [None] * n
            column[row] = av
    keys = list(key_names)
    if flatten:
        flat = _flatten_maps({(name,): cells for name, cells in _sparse(columns).items()})
        columns = _dense({format_path(path, tuple(keys)): c for path, c in flat.items()}, n)
    if not items:  # an empty result still shows which columns identify an item
        return pd.DataFrame(columns=keys, dtype=object)
    order = [k for k in keys if k in columns] + [c for c in columns if c not in keys]
    return pd.DataFrame(
        {name: _convert(columns[name], numbers) for name in order}, index=pd.RangeIndex(n)
    )


def _convert(avs: list[AttributeValue | None], numbers: str) -> Any:
    """One column of typed values (``None`` where missing) as a pandas array."""
    complete = None not in avs
    present = avs if complete else [av for av in avs if av is not None]
    tags = set().union(*present) if present else set()
    if len(tags - {"NULL"}) == 1:
        (tag,) = tags - {"NULL"}
        if complete and "NULL" not in tags:
            values = list(map(itemgetter(tag), cast(list[AttributeValue], avs)))
        else:  # missing and NULL cells -> None
            values = [None if av is None else av.get(tag) for av in avs]
        converted = _column({tag}, values, numbers)
        if converted is not None:
            return converted
    if not tags - {"NULL"}:
        return pd.array([None] * len(avs), dtype=object)
    return pd.array(
        [None if av is None else from_attribute(av, numbers) for av in avs], dtype=object
    )


def _sparse(columns: dict[str, list[AttributeValue | None]]) -> dict[str, Cells]:
    return {
        name: [(row, av) for row, av in enumerate(avs) if av is not None]
        for name, avs in columns.items()
    }


def _dense(columns: dict[str, Cells], n: int) -> dict[str, list[AttributeValue | None]]:
    dense: dict[str, list[AttributeValue | None]] = {}
    for name, cells in columns.items():
        values: list[AttributeValue | None] = [None] * n
        dense[name] = values
        for row, av in cells:
            values[row] = av
    return dense


Cells = list[tuple[int, AttributeValue]]  # (row, typed value) of one column


def _flatten_maps(columns: dict[DocumentPath, Cells]) -> dict[DocumentPath, Cells]:
    """Expand columns that hold only maps (NULL aside) into one column per map key, nested
    maps too, in place of the map column; columns are named by document path (``format_path``
    turns ``("addr", "city")`` into ``addr.city``, the text --select/--filter read back).
    Done on typed values, so the sub-columns get the same dtypes as top-level attributes."""
    flat: dict[DocumentPath, Cells] = {}
    for path, cells in columns.items():
        maps = [(row, av) for row, av in cells if "NULL" not in av]
        if not maps or any("M" not in av for _, av in maps):
            flat.setdefault(path, []).extend(cells)
            continue
        sub: dict[DocumentPath, Cells] = {}
        for row, av in maps:
            for key, value in av["M"].items():
                sub.setdefault((*path, key), []).append((row, value))
        if not sub:  # only empty maps: keep the column as it is
            flat.setdefault(path, []).extend(cells)
            continue
        for sub_path, sub_cells in _flatten_maps(sub).items():
            flat.setdefault(sub_path, []).extend(sub_cells)
    return flat


def flatten_items(items: Iterable[WireItem], key_names: Iterable[str] = ()) -> list[WireItem]:
    """Items with their map attributes expanded exactly as ``--flatten`` expands columns,
    each value under its column's path text (for a summary of nested attributes)."""
    items = list(items)
    columns: dict[DocumentPath, Cells] = {}
    for row, item in enumerate(items):
        for name, av in item.items():
            columns.setdefault((name,), []).append((row, av))
    keys = tuple(key_names)
    flat = [WireItem({}) for _ in items]
    for path, cells in _flatten_maps(columns).items():
        name = format_path(path, keys)
        for row, av in cells:
            flat[row][name] = av
    return flat


# -- text: one encoding of a value for every text output -------------------------------------------
# Every text rendering (the CLI's table, csv and json formats; unique values; the summary's top
# values) writes a value the same way, so that one value never looks different between formats
# or between runs: binary as base64, sets as sorted JSON lists (string sets sorted as strings,
# number sets numerically and kept as numbers, binary sets as sorted base64), maps and lists as
# JSON (map keys sorted, nested values encoded the same way), numbers exact, as JSON numbers.
_string_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per call
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?\Z")


def number_json(value: str | int | float | Decimal) -> str:
    """A number as JSON number text, every digit kept, in one canonical form.

    The form is DynamoDB's own (it normalises what it stores: no exponent, no leading or
    trailing zeros, so ``1.50`` reads back as ``1.5`` and ``1E+3`` as ``1000``), whether the
    number comes as DynamoDB text or as the int, float or Decimal a DataFrame holds: a 38-digit
    number prints all 38 digits and ``1e-05`` prints ``0.00001``.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        text = value.strip()
        if _PLAIN_NUMBER.match(text) and text != "-0":
            return text  # already canonical (what DynamoDB sends): the fast path
        value = Decimal(text)
    elif isinstance(value, bool):
        raise TypeError("a bool is not a number")
    elif isinstance(value, int):
        return str(value)
    elif isinstance(value, float):
        value = Decimal(repr(value))  # the float's shortest text: exactly what it holds
    if not value.is_finite():
        return "null"  # NaN (a float column's missing cell); DynamoDB has no infinities
    text = format(value, "f")  # no exponent and no context rounding: every digit
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _sorted_set(values: set[Any] | frozenset[Any]) -> list[Any]:
    """A set's members in the documented text order: numbers numerically, binaries by their
    base64 text, strings as strings (anything else by its encoded text)."""
    members = [v.item() if isinstance(v, np.generic) else v for v in values]
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in members):
        return sorted(members, key=lambda v: Decimal(number_json(v)))
    if all(isinstance(v, bytes | bytearray | memoryview) for v in members):
        return sorted(base64.b64encode(bytes(v)).decode() for v in members)
    if all(isinstance(v, str) for v in members):
        return sorted(members)
    return sorted(members, key=json_text)


def json_text(value: Any) -> str:
    """A Python value (as ``items_to_frame`` and ``from_attribute`` make them) as JSON text.

    The one cell encoding of every text output: ``None``/NA/NaN -> ``null``, booleans ->
    ``true``/``false``, numbers -> exact JSON numbers (``number_json``), bytes -> base64
    strings, sets -> sorted lists (``_sorted_set``), maps -> objects with sorted keys, lists ->
    arrays, each member encoded the same way. Deterministic: no set or hash order leaks out.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return number_json(value)
    if isinstance(value, str):
        return _string_json(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return json.dumps(base64.b64encode(bytes(value)).decode())
    if isinstance(value, set | frozenset):
        return "[" + ", ".join(json_text(v) for v in _sorted_set(value)) + "]"
    if isinstance(value, Mapping):
        pairs = sorted(((str(k), v) for k, v in value.items()), key=itemgetter(0))
        return "{" + ", ".join(f"{_string_json(k)}: {json_text(v)}" for k, v in pairs) + "}"
    if isinstance(value, list | tuple | np.ndarray):
        return "[" + ", ".join(json_text(v) for v in value) + "]"
    if hasattr(value, "isoformat"):  # timestamps (backup listings)
        return json.dumps(value.isoformat())
    return _string_json(str(value))


def text_cell(value: Any, null: str = "") -> str:
    """A DataFrame cell as text for a table or csv cell: strings as they are, binary as its
    base64 text, a missing or NULL cell as ``null`` (empty by default), anything else (numbers,
    booleans, sets, maps, lists) as ``json_text`` writes it. Only the cell's own quotes are
    left out: inside a set, map or list a string or binary keeps its JSON quotes."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if value is None or value is pd.NA or value is pd.NaT:
        return null
    if isinstance(value, float) and math.isnan(value):
        return null
    if isinstance(value, bool | int | float | Decimal | set | frozenset | Mapping | list | tuple):
        return json_text(value)
    return str(value)  # timestamps and other non-DynamoDB values of listings, as pandas shows them


def attribute_json(av: AttributeValue) -> str:
    """A typed value as JSON text, encoded exactly as ``json_text`` encodes its Python value
    (numbers from their DynamoDB text, so every digit survives whatever the number policy)."""
    ((tag, value),) = av.items()
    if tag == "S":  # the common scalars directly: the same text, without a Python value
        return _string_json(value)
    if tag == "N":
        return number_json(value)
    if tag == "BOOL":
        return "true" if value else "false"
    if tag == "NULL":
        return "null"
    return json_text(from_attribute(av, "decimal"))


def item_json(item: WireItem) -> str:
    """An item as one line of plain JSON, attributes in the item's order, each value encoded by
    ``json_text`` (numbers exact, binary as base64, sets as sorted lists, maps with sorted keys)."""
    return "{" + ", ".join(f"{_string_json(k)}: {attribute_json(v)}" for k, v in item.items()) + "}"


# -- checking DynamoDB JSON -----------------------------------------------------------------------
TYPES = frozenset({"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "M", "L"})  # DynamoDB's types


def typed_problem(av: Any) -> str | None:
    """What makes ``av`` no DynamoDB typed value (wire form: binaries as base64 text), or
    ``None``: one known type, a payload of its kind, numbers DynamoDB can store
    (``item_size.number_problem``: 38 significant digits, magnitudes 1E-130 to under 1E+126),
    sets non-empty without repeats, at any depth."""
    if not isinstance(av, dict) or len(av) != 1:
        return f'not a typed value such as {{"S": "text"}}: {short_repr(av)}'
    ((tag, value),) = av.items()
    if tag not in TYPES:
        return f"unknown type {tag!r}"
    if tag == "S":
        return None if isinstance(value, str) else f"S holds {short_repr(value)}, not text"
    if tag == "N":
        return _number_problem(value)
    if tag == "B":
        return _binary_problem(value)
    if tag == "BOOL":
        return None if isinstance(value, bool) else f"BOOL holds {short_repr(value)}"
    if tag == "NULL":
        return None if value is True else f"NULL holds {short_repr(value)}, not true"
    if tag in ("SS", "NS", "BS"):
        if not isinstance(value, list) or not value:
            return f"{tag} must be a non-empty list (DynamoDB has no empty set)"
        if len(set(map(str, value))) != len(value):
            return f"{tag} holds a value twice"
        one = {"SS": "S", "NS": "N", "BS": "B"}[tag]
        return next(filter(None, (typed_problem({one: v}) for v in value)), None)
    if tag == "M":
        if not isinstance(value, dict):
            return f"M holds {short_repr(value)}, not an object"
        return next((f"in {k!r}: {p}" for k, v in value.items() if (p := typed_problem(v))), None)
    if not isinstance(value, list):
        return f"L holds {short_repr(value)}, not a list"
    return next((f"in [{i}]: {p}" for i, v in enumerate(value) if (p := typed_problem(v))), None)


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def _number_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not _NUMBER.match(value.strip()):
        return f"N holds {short_repr(value)}, not a number's text"
    return number_problem(value)  # DynamoDB's precision and magnitude


def _binary_problem(value: Any) -> str | None:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return f"B holds {short_repr(value)}, not base64 text"
    return None


def parse_cli_value(text: str) -> Any:
    """A command-line parameter: a JSON number/true/false/null stays typed, else it is text."""
    try:
        value = json.loads(text, parse_float=Decimal, parse_int=int)
    except ValueError:
        return text
    return value if isinstance(value, int | Decimal | bool) or value is None else text
