"""The size of an item as DynamoDB counts it, and the read/write units it costs.

The rule is AWS's "DynamoDB item sizes and formats" (Amazon DynamoDB Developer Guide,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
an item's size is the sum of its attribute names' UTF-8 bytes and its values' sizes, where

- a string (S) is its UTF-8 bytes;
- a number (N) is about 1 byte per two significant digits, plus 1 byte (leading and trailing
  zeros are trimmed; the guide calls this an approximation, so sizes with numbers are too);
- a binary (B) is its raw bytes (not the base64 text it travels as);
- a NULL or a BOOL is 1 byte;
- a List (L) or Map (M) is 3 bytes plus its elements, each element 1 byte more (a map's
  element also counts its name's UTF-8 bytes); an empty one is 3 bytes;
- a set (SS, NS, BS), which the guide does not describe, is counted as the sum of its
  elements' sizes, each as the scalar of its type.

An item may hold at most ``MAX_ITEM_SIZE`` (400 KB). A strongly consistent read costs one read
unit per ``READ_UNIT`` (4 KB) of item size, rounded up (an eventually consistent read half of
that); a write one write unit per ``WRITE_UNIT`` (1 KB), rounded up.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .errors import InvalidQuery

KB = 1024  # DynamoDB's sizes are binary: 1 KB = 1024 bytes
MAX_ITEM_SIZE = 400 * KB  # DynamoDB limit: the largest item, names and values
READ_UNIT = 4 * KB  # one read capacity unit reads up to 4 KB (strongly consistent)
WRITE_UNIT = 1 * KB  # one write capacity unit writes up to 1 KB
CONTAINER_OVERHEAD = 3  # bytes of every List or Map, whatever it holds
ELEMENT_OVERHEAD = 1  # bytes of each element of a List or Map


SHORT_REPR = 60  # characters of a value an error message shows
# a DynamoDB number's text: digits with an optional sign, point and exponent ("-1.5E+3")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def short_repr(value: Any) -> str:
    """``repr(value)`` cut to ``SHORT_REPR`` characters (``…`` marks the cut): what an error
    message shows of a value, however long it is."""
    text = repr(value)
    return text if len(text) <= SHORT_REPR else text[: SHORT_REPR - 1] + "…"


def _raw(value: Any) -> bytes:
    """A binary as its raw bytes: boto3's client form holds bytes, the wire form base64 text."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return base64.b64decode(value)


# DynamoDB's numbers (Developer Guide, "Supported data types and naming rules": Number): up
# to 38 digits of precision; zero, or a magnitude of 1E-130 to 9.99...E+125 (38 nines)
MAX_NUMBER_DIGITS = 38
MIN_MAGNITUDE = Decimal("1E-130")
MAX_MAGNITUDE = Decimal("9." + "9" * (MAX_NUMBER_DIGITS - 1) + "E+125")


def number_problem(number: str | int | float | Decimal) -> str | None:
    """Why DynamoDB would refuse ``number`` (a number's text, an int, a finite float or a
    ``Decimal``), or ``None``: the one rule for every number written (frames, files, keys
    and values alike): finite, at most ``MAX_NUMBER_DIGITS`` significant digits, zero or a
    magnitude from ``MIN_MAGNITUDE`` to ``MAX_MAGNITUDE``, both included and compared exactly
    (never in Python's 28-digit default context). A float is judged by its shortest text
    (``repr``), the text that is written."""
    text = repr(number) if isinstance(number, float) else str(number).strip()
    try:
        value = Decimal(text)
    except ArithmeticError:
        return f"{short_repr(number)} is not a number"
    if not value.is_finite():
        return f"DynamoDB cannot store the number {text}"
    if significant_digits(text) > MAX_NUMBER_DIGITS:
        return (
            f"the number {short_repr(number)} has more than {MAX_NUMBER_DIGITS} significant "
            "digits, DynamoDB's limit"
        )
    # copy_abs and comparisons are exact; abs() would round to the context's 28 digits (DynamoDB's
    # own 38-digit maximum would become 1E+126, a 30-digit number under 1E-130 become 1E-130)
    if value and not MIN_MAGNITUDE <= value.copy_abs() <= MAX_MAGNITUDE:
        return (
            f"the number {short_repr(number)} is outside DynamoDB's range (a magnitude from "
            "1E-130 to 9.99...E+125, or 0)"
        )
    return None


def significant_digits(number: str) -> int:
    """The significant digits of a DynamoDB number text, leading and trailing zeros trimmed:
    ``"1200"`` -> 2, ``"-0.00250"`` -> 2, ``"1.5E+3"`` -> 2, ``"0"`` -> 0."""
    mantissa = number.strip().lstrip("+-").lower().split("e", 1)[0]
    return len(mantissa.replace(".", "").strip("0"))


def number_size(number: str | int | Decimal) -> int:
    """Bytes of a number: 1 per two significant digits, rounded up, plus 1 (zero is 1 byte).

    Raises
    ------
    InvalidQuery
        For a text that is not a number (``"abc"``, ``"1,5"``, ``"inf"``).
    """
    if isinstance(number, int | Decimal) and not isinstance(number, bool):
        number = str(number)  # a number given as one, not as the text DynamoDB sends
    if not isinstance(number, str) or not _NUMBER.match(number):
        raise InvalidQuery(
            f"not a DynamoDB number: {short_repr(number)}; a number (N) is digits with an "
            "optional sign, decimal point and exponent, such as '-1.5E+3'"
        )
    return math.ceil(significant_digits(number) / 2) + 1


def value_size(av: Mapping[str, Any]) -> int:
    """Bytes of one typed value (``{"S": "abc"}`` is 3), its name not included.

    Raises
    ------
    InvalidQuery
        For a value that is not a DynamoDB typed value, or an N that is not a number (the
        message shows it cut short).
    """
    if not isinstance(av, Mapping) or len(av) != 1:
        raise InvalidQuery(
            f"not a DynamoDB typed value: {short_repr(av)}; expected one type and its value, "
            "such as {'S': 'text'}"
        )
    ((tag, value),) = av.items()
    if tag == "S":
        return len(value.encode("utf-8"))
    if tag == "N":
        return number_size(value)
    if tag == "B":
        return len(_raw(value))
    if tag in ("BOOL", "NULL"):
        return 1
    if tag == "SS":
        return sum(len(v.encode("utf-8")) for v in value)
    if tag == "NS":
        return sum(number_size(v) for v in value)
    if tag == "BS":
        return sum(len(_raw(v)) for v in value)
    if tag == "L":
        return CONTAINER_OVERHEAD + sum(ELEMENT_OVERHEAD + value_size(v) for v in value)
    if tag == "M":
        return CONTAINER_OVERHEAD + sum(
            ELEMENT_OVERHEAD + len(name.encode("utf-8")) + value_size(v)
            for name, v in value.items()
        )
    raise InvalidQuery(f"unknown DynamoDB type {short_repr(tag)} in {short_repr(av)}")


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Bytes of an item (wire form, binaries as base64, or boto3's client form, as bytes): each
    attribute's name in UTF-8 plus its value's size (``value_size``).

    Parameters
    ----------
    item : mapping of str to typed value
        One item in DynamoDB's typed form, as a client or ``dm.fetch`` returns it
        (``{"id": {"S": "a1"}, "n": {"N": "12"}}``); binaries as base64 text or as bytes.

    Returns
    -------
    int
        The item's size in bytes, by AWS's rule ("DynamoDB item sizes and formats"): what
        DynamoDB's 400 KB item limit and its capacity units count.

    Examples
    --------
    >>> item_size({"id": {"S": "a1"}, "n": {"N": "12345"}, "ok": {"BOOL": True}})
    12

    Raises
    ------
    InvalidQuery
        For an item that is not a mapping of names to typed values (or an N that is not a
        number); the message names the attribute and shows its value cut short.
    """
    if not isinstance(item, Mapping):
        raise InvalidQuery(f"not an item (a mapping of names to typed values): {short_repr(item)}")
    total = 0
    for name, av in item.items():
        try:
            total += len(str(name).encode("utf-8")) + value_size(av)
        except (AttributeError, TypeError, ValueError):  # {"S": 5}, {"B": "not base64"}
            raise InvalidQuery(
                f"attribute {short_repr(name)}: not a DynamoDB typed value: {short_repr(av)}"
            ) from None
        except InvalidQuery as exc:
            raise InvalidQuery(f"attribute {short_repr(name)}: {exc}") from None
    return total


def read_units(size: int, consistent: bool = True) -> float:
    """Read units to read one item of ``size`` bytes: one per 4 KB started (at least one); an
    eventually consistent read (``consistent=False``) half of that.

    Parameters
    ----------
    size : int
        The item's size in bytes (``item_size``).
    consistent : bool
        A strongly consistent read (the default); ``False``: an eventually consistent one,
        which costs half.

    Returns
    -------
    float
        Read capacity units (RCU): a whole number, or a half for an eventually consistent read
        (``read_units(5000, consistent=False) == 1.0``, ``read_units(100, False) == 0.5``).

    Examples
    --------
    >>> read_units(4096), read_units(4097), read_units(4097, consistent=False)
    (1.0, 2.0, 1.0)
    """
    units = max(1, math.ceil(size / READ_UNIT))
    return float(units) if consistent else units / 2


def write_units(size: int) -> int:
    """Write units to write one item of ``size`` bytes: one per 1 KB started (at least one)."""
    return max(1, math.ceil(size / WRITE_UNIT))
