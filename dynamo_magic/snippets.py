"""The code that does what a panel's click did, in each front end: the magic line, the Python
call and the ``dynamo`` command (``code_for``), written from the options table
(``options.OPTIONS``: each keyword's flag) and the api functions' signatures (their defaults).

A keyword the front end has no form for is never dropped: its text says so in a ``#`` comment
line (``options.NOT_IN_CLI``: the ``dynamo`` command has no ``put``; a Python-only value such as
a function given as ``transform``).
"""

from __future__ import annotations

import inspect
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from . import api
from .options import API_COMMANDS, NOT_IN_CLI, OPTIONS, Option

FRONT_ENDS = ("magic", "python", "cli")  # the keys of ``code_for``'s answer, in that order
LOAD_MAGICS = "%load_ext dynamo_magic"  # the magic text's first line, as Python's is its import
LINE_WIDTH = 88  # characters of a Python call kept on one line; a longer one: a keyword a line
# characters a shell word may hold unquoted (shlex.quote's own set) and those a double-quoted
# word may not hold (bash expands $ ` \ and, interactively, !)
_DOUBLE_QUOTE_UNSAFE = set('"$`\\!')


@dataclass(frozen=True)
class _Form:
    """How one api function is spelled in the magics and in the ``dynamo`` command."""

    magic: str  # the magic's name
    cli: str | None  # the subcommand (None: the command has none)
    words: tuple[str, ...] = ()  # what both add (a plan is a copy's --dry-run)
    result: str = "result"  # the Python call's variable


FORMS: Mapping[str, _Form] = {
    "query": _Form("%dynamo_query", "query", result="df"),
    "explore": _Form("%dynamo_query", "query", result="found"),
    "plan_copy": _Form("%dynamo_copy", "copy", ("--dry-run",), result="plan"),
    "copy": _Form("%dynamo_copy", "copy"),
    "restore": _Form("%dynamo_restore", "restore", result="outcome"),
    "export_table": _Form("%dynamo_export", "export"),
    "put_df": _Form("%dynamo_put", None),
}


def code_for(function: str, kwargs: Mapping[str, Any], frame: str = "df") -> dict[str, str]:
    """The code doing what ``dynamo_magic.<function>(**kwargs)`` does, in each front end.

    Parameters
    ----------
    function : str
        The api function called (a key of ``FORMS``: ``"query"``, ``"plan_copy"``, ``"copy"``,
        ``"restore"``, ``"export_table"``, ``"put_df"``).
    kwargs : mapping of str to value
        Its keyword arguments as the call got them (``table`` among them; ``df`` for
        ``put_df``: the frame is named ``frame`` in the code).
    frame : str
        The notebook variable holding ``put_df``'s DataFrame.

    Returns
    -------
    dict of str to str
        ``{"magic": ..., "python": ..., "cli": ...}``: the magic line (after ``%load_ext
        dynamo_magic``), the Python call (after its import) and the ``dynamo`` command; a
        keyword a front end has no form for is named in a ``#`` comment line of that text.

    Raises
    ------
    ValueError
        ``function`` is no key of ``FORMS``, or ``kwargs`` lack ``table``.

    Examples
    --------
    >>> code_for("query", {"table": "shop", "env": "demo-prod", "pk": "CUSTOMER#c001"})["cli"]
    "dynamo query --table shop --pk 'CUSTOMER#c001' --env demo-prod"
    """
    if function not in FORMS:
        raise ValueError(f"no code for {function!r}: one of {', '.join(FORMS)}")
    if not kwargs.get("table"):
        raise ValueError(f"{function}: the keyword arguments lack 'table'")
    given = _given(function, kwargs)
    return {
        "magic": _magic(function, given, frame),
        "python": _python(function, given, frame),
        "cli": _cli(function, given),
    }


def _given(function: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``kwargs`` less those at the function's default (and ``None``), in its signature's
    order: a default need not be written."""
    parameters = inspect.signature(getattr(api, function)).parameters
    unknown = [name for name in kwargs if name not in parameters]
    if unknown:
        raise ValueError(f"{function}() has no keyword {unknown[0]!r}")
    given = {}
    for name, parameter in parameters.items():
        if name not in kwargs:
            continue
        value = kwargs[name]
        if name != "table" and (value is None or _same(value, parameter.default)):
            continue
        given[name] = value
    return given


def _same(value: Any, default: Any) -> bool:
    return (
        default is not inspect.Parameter.empty
        and type(value) is type(default)
        and (value == default)
    )


# -- Python ---------------------------------------------------------------------------------------
def _python(function: str, given: Mapping[str, Any], frame: str) -> str:
    """``import dynamo_magic`` and the call, its result in a variable; a value Python code
    cannot spell (a function given as ``transform``) is a comment naming what to pass."""
    arguments, notes, imports = [], [], ["import dynamo_magic"]
    for name, value in given.items():
        if name == "df":  # put_df's first argument: the notebook's frame
            arguments.append(frame)
            continue
        text = _python_value(value)
        if text is None:
            notes.append(f"# {name}: pass the {type(value).__name__} itself (it has no text form)")
            continue
        if isinstance(value, Decimal) and "from decimal import Decimal" not in imports:
            imports.append("from decimal import Decimal")
        arguments.append(text if name == "table" else f"{name}={text}")
    head = f"{FORMS[function].result} = dynamo_magic.{function}("
    call = head + ", ".join(arguments) + ")"
    if len(call) > LINE_WIDTH:
        call = head + "\n" + "".join(f"    {argument},\n" for argument in arguments) + ")"
    return "\n".join([*imports, *notes, call])


def _python_value(value: Any) -> str | None:
    """The Python literal of a value a panel gives (``None``: it has none, a function)."""
    if isinstance(value, Decimal):
        return f"Decimal({str(value)!r})"
    if isinstance(value, PurePath):
        return repr(str(value))
    if isinstance(value, str | bytes | bool | int | float | list | tuple | dict | set):
        return repr(value)
    return _function_name(value)


def _function_name(value: Any) -> str | None:
    """A function's name, as the notebook that defined it names it (not a lambda's)."""
    name = getattr(value, "__name__", "")
    return name if callable(value) and name.isidentifier() else None


def _shell_value(value: Any, front_end: str) -> str | None:
    """A value as a shell word carries it (``None``: it has no text form there): a function
    by its name in a magic line (the notebook's), as ``module:function`` in a command."""
    if isinstance(value, str | int | Decimal | PurePath):
        return str(value)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return ",".join(value)  # columns: "a,b", as --columns takes them
    if isinstance(value, Mapping):  # a key (start_after): DynamoDB JSON, as --start-after takes
        return api.key_json(dict(value))
    name = _function_name(value)
    if name is None:
        return None
    if front_end == "magic":
        return name
    module, qualname = getattr(value, "__module__", ""), getattr(value, "__qualname__", "")
    importable = module not in ("", "__main__") and "<" not in qualname
    return f"{module}:{qualname}" if importable else None


# -- the magic line and the dynamo command --------------------------------------------------------
def _magic(function: str, given: Mapping[str, Any], frame: str) -> str:
    form = FORMS[function]
    command = API_COMMANDS[function]
    first = [frame] if function == "put_df" else []
    words, notes = _words(command, given, "magic", skip=("df",))
    line = " ".join([form.magic, *map(_quote, [*first, given["table"]]), *words, *form.words])
    return "\n".join([LOAD_MAGICS, *notes, line])


def _cli(function: str, given: Mapping[str, Any]) -> str:
    form = FORMS[function]
    command = API_COMMANDS[function]
    if form.cli is None or command in NOT_IN_CLI:
        return (
            f"# the dynamo command has no {command!r}: it writes what a notebook or script holds"
            f" (dynamo_magic.{function}); use the magic line or the Python call"
        )
    words, notes = _words(command, given, "cli")
    return "\n".join([*notes, " ".join(["dynamo", form.cli, *words, *form.words])])


def _words(
    command: str, given: Mapping[str, Any], front_end: str, skip: tuple[str, ...] = ()
) -> tuple[list[str], list[str]]:
    """The shell words of ``given`` (the magic's table is its first word, not here), and a
    comment line for each keyword ``front_end`` has no flag for."""
    words: list[str] = []
    notes: list[str] = []
    for name, value in given.items():
        if name in skip or (name == "table" and front_end == "magic"):
            continue
        option = _option(name, command, front_end)
        as_is = option is not None and (option.type is bool or value == option.const)
        text = value if as_is else _shell_value(value, front_end)  # a flag's own value
        if option is None or text is None:
            where = "the dynamo command" if front_end == "cli" else "the magic"
            notes.append(f"# {name}: {where} has no form for this value; use the Python call")
            continue
        words += _flag_words(option, text)
    return words, notes


def _option(keyword: str, command: str, front_end: str) -> Option | None:
    for option in OPTIONS:
        if option.keyword == keyword and command in option.commands and front_end in option.used_by:
            return option
    return None


def _flag_words(option: Option, value: Any) -> list[str]:
    """``--flag VALUE`` (quoted), ``--flag`` for a flag's value, none for its default; a value
    starting with ``-`` is joined to its flag (``--pk=-5``), else argparse reads a flag."""
    if option.type is bool:
        return [option.flag] if bool(value) != option.negated else []
    if option.const is not None and value == option.const:
        return [option.flag]
    if option.default is not None and value == option.default:
        return []
    text = str(value)  # a value as _shell_value gives it
    if text.startswith("-"):
        return [_quote(f"{option.flag}={text}")]
    return [option.flag, _quote(text)]


def _quote(word: str) -> str:
    """A shell word as the shell and the magics (``shlex`` rules) read it back: as it is when
    safe, in double quotes when it holds single quotes only (``"status = 'paid'"``), else
    ``shlex.quote``'s single quotes."""
    quoted = shlex.quote(word)
    if quoted != word and "'" in word and not _DOUBLE_QUOTE_UNSAFE & set(word):
        return f'"{word}"'
    return quoted
