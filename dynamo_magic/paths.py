"""Document paths: how every front end names an attribute, nested ones included.

DynamoDB's own meaning (developer guide, "Specifying item attributes when using expressions"):
``addr.city`` is key ``city`` of map ``addr``, ``items[0]`` the first element of list ``items``,
``a.b[2][0].c`` any mix. A name that really contains a dot, a bracket or any other character
outside letters, digits, ``_`` and ``-`` is written in backquotes: ```a.b``` is one top-level
attribute named ``a.b``, ```my.map`.city`` key ``city`` of map ``my.map``; a backquote inside
backquotes is doubled. Filters, projections (``columns``), ``unique`` and ``flatten``'s
column names all use this syntax, so a flattened column name pasted back means the same thing.
Key attributes (from the table's schema) are always whole top-level names, never split.
"""

from __future__ import annotations

import re
from typing import Any, cast

from .errors import InvalidQuery

# -- grammar ----------------------------------------------------------------------------
PathElement = str | int  # a map key / attribute name, or a list index
DocumentPath = tuple[PathElement, ...]

BARE_NAME = re.compile(r"[^\W\d][\w\-]*")  # a top-level name without backquotes
_BARE_NEXT = re.compile(r"[\w\-]+")  # a map key after a dot (may start with a digit)
_INDEX = re.compile(r"\[([^\]]*)(\]?)")
KEYWORDS = {"and", "or", "not", "between", "in", "true", "false", "null"}  # never bare names
MAX_DEPTH = 32  # DynamoDB's limit on nested attribute depth (service quotas)
PATH_HELP = "e.g. addr.city, items[0].sku; a name with other characters in backquotes: `a.b`"


def _bad_path(text: str, start: int, problem: str) -> InvalidQuery:
    """The one-line error for a malformed path beginning at ``text[start]`` (shown whole, up
    to the next space)."""
    shown = text[start:].split(None, 1)[0] if text[start:].strip() else text[start:]
    return InvalidQuery(f"bad attribute path '{shown}': {problem} ({PATH_HELP})")


def scan_path(text: str, pos: int = 0) -> tuple[DocumentPath, int]:
    """Read one document path from ``text[pos:]``: its elements and where it ends.

    DynamoDB's document paths ("Specifying item attributes when using expressions"): a dot
    dereferences a map key, ``[n]`` indexes a list (n a whole number >= 0). Backquotes quote
    one element whatever it contains (a doubled backquote stands for one); bare elements are
    letters, digits, ``_`` and ``-`` (a top-level one starts with a letter or ``_``).
    """
    start = pos
    elements: list[str | int] = []
    element, pos = _scan_element(text, pos, BARE_NAME, start)
    elements.append(element)
    while pos < len(text) and text[pos] in ".[":
        if text[pos] == ".":
            element, pos = _scan_element(text, pos + 1, _BARE_NEXT, start)
            elements.append(element)
            continue
        match = _INDEX.match(text, pos)
        assert match is not None  # the pattern matches any "[..."
        if not match.group(2):
            raise _bad_path(text, start, f"'[' at position {pos} has no closing ']'")
        if not match.group(1).strip().isdigit():
            raise _bad_path(
                text,
                start,
                f"a list index is a whole number >= 0 in brackets, not '[{match.group(1)}]'",
            )
        elements.append(int(match.group(1)))
        pos = match.end()
    if len(elements) > MAX_DEPTH + 1:
        raise _bad_path(text, start, f"DynamoDB nests attributes at most {MAX_DEPTH} levels deep")
    return tuple(elements), pos


def _scan_element(text: str, pos: int, bare: re.Pattern[str], start: int) -> tuple[str, int]:
    if text.startswith("`", pos):
        end = pos + 1
        while True:
            end = text.find("`", end)
            if end < 0:
                raise _bad_path(text, start, f"the backquote at position {pos} is not closed")
            if not text.startswith("``", end):
                break
            end += 2  # a doubled backquote inside the name
        name = text[pos + 1 : end].replace("``", "`")
        if not name:
            raise _bad_path(text, start, "an empty name in backquotes")
        return name, end + 1
    match = bare.match(text, pos)
    if match is None:
        where = "at the start" if pos == start else f"after '{text[start:pos]}'"
        got = text[pos : pos + 1].strip() or "nothing"
        raise _bad_path(text, start, f"a name is missing {where} (got {got})")
    return match.group(), match.end()


def parse_path(text: str, keys: tuple[str, ...] = ()) -> DocumentPath:
    """One whole document path (as given to ``columns``, ``unique``); ``keys`` (the table's key
    attribute names, always top-level scalars) are taken whole, dots and all."""
    text = text.strip()
    if text in keys:
        return (text,)
    if not text:
        raise _bad_path(text, 0, "the name is empty")
    path, end = scan_path(text)
    if end != len(text):
        raise InvalidQuery(
            f"bad attribute path '{text}': unexpected '{text[end:]}' after '{text[:end]}' "
            f"({PATH_HELP})"
        )
    return path


def format_path(path: DocumentPath, keys: tuple[str, ...] = ()) -> str:
    """The text of ``path`` that ``parse_path`` reads back to the same path: elements joined
    with dots and ``[n]``, backquoted where a bare element would mean something else."""
    if len(path) == 1 and path[0] in keys:
        return str(path[0])
    text = _join(path, quote_all=False)
    # a nested path spelled like a key name with dots would read back as the key: quote it
    return _join(path, quote_all=True) if text in keys else text


def _join(path: DocumentPath, quote_all: bool) -> str:
    parts: list[str] = []
    for i, element in enumerate(path):
        if isinstance(element, int):
            parts.append(f"[{element}]")
            continue
        bare = BARE_NAME if i == 0 else _BARE_NEXT
        plain = bare.fullmatch(element) and not (i == 0 and element.lower() in KEYWORDS)
        text = element if plain and not quote_all else "`" + element.replace("`", "``") + "`"
        parts.append(text if i == 0 else "." + text)
    return "".join(parts)


def lookup(item: dict[str, Any], path: DocumentPath) -> dict[str, Any] | None:
    """The typed value at ``path`` in a typed item, ``None`` where the item lacks it (a map
    without the key, a list too short, or a value of another type on the way)."""
    value: Any = item.get(path[0]) if isinstance(path[0], str) else None
    for element in path[1:]:
        if value is None:
            return None
        if isinstance(element, int):
            items = value.get("L")
            value = items[element] if items is not None and element < len(items) else None
        else:
            value = (value.get("M") or {}).get(element) if "M" in value else None
    return cast("dict[str, Any] | None", value)
