"""The options of every command, declared once as neutral records.

Each ``Option`` names its API keyword, its flags and aliases, type, choices, default, help and
the commands it belongs to. From this one table come the CLI's argparse parsers
(``add_arguments``), the magics' ``@argument`` decorators (from ``argparse_kwargs``), the options a
front end offers for a command (``command_options``: the magics' ``--ui`` filling uses them), the
mapping of parsed arguments to API keyword arguments (``api_kwargs``) and the flag that names a
keyword in an error message (``flag_of``). The lists of choices come from ``settings``, where each
is declared once. The panels do not read this table: they declare their own fields.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidQuery
from .reading import DEFAULT_HEAD as DEFAULT_HEAD  # rows ``--head`` shows without a number
from .settings import BACKENDS, COPY_MODES, NUMBER_POLICIES, SORT_KEY_OPERATORS, VERIFY_METHODS

COMMANDS = ("query", "copy", "restore", "truncate", "backups", "describe", "partiql")
FORMATS = ("table", "json", "csv")  # how the CLI prints a DataFrame
# copy keywords a dry run leaves out: ``api.plan_copy`` checks and estimates, it runs nothing
RUN_ONLY = ("yes", "workers", "segments", "backend")

# Where an option is used. "api": passed to the api function as its keyword; "cli"/"magic":
# offered by that front end (an option for the front end only, such as --format, lacks "api").
FRONT_ENDS = frozenset({"api", "cli", "magic"})


@dataclass(frozen=True)
class Option:
    """One option of one or more commands, independent of argparse, IPython or widgets.

    Parameters
    ----------
    keyword : str
        The API keyword (``"sk2"``, ``"columns"``, ``"backup"``); the parsed value's name.
    flags : tuple of str
        CLI/magic flags, the canonical one first among the long ones (``("-pk", "--pk")``,
        ``("--columns", "--select")``: later long flags are accepted aliases).
    help : str
        One line; ``helps`` overrides it for some commands.
    commands : frozenset of str
        The commands (``COMMANDS``) offering it.
    type : type
        ``str``, ``int`` or ``bool`` (a flag taking no value).
    choices : tuple of str or None
        The accepted values.
    default : object
        The value when the option is not given.
    metavar : str or None
        The value's placeholder in help texts.
    negated : bool
        A ``bool`` flag that sets ``keyword`` to False (``--no-backup`` -> ``backup=False``).
    const : object
        With a value that may be left out (``--head`` alone means ``--head 5``).
    required : bool
        Must be given (``--source``, ``--table``).
    used_by : frozenset of str
        Subset of ``{"api", "cli", "magic"}``.
    helps : mapping of str to str
        Per-command help overriding ``help``.

    Examples
    --------
    >>> flag_of("sk2")
    '--sk2'
    """

    keyword: str
    flags: tuple[str, ...]
    help: str
    commands: frozenset[str]
    type: type = str
    choices: tuple[str, ...] | None = None
    default: Any = None
    metavar: str | None = None
    negated: bool = False
    const: Any = None
    required: bool = False
    used_by: frozenset[str] = FRONT_ENDS
    helps: Mapping[str, str] = field(default_factory=dict)

    @property
    def flag(self) -> str:
        """The canonical flag: the first long one (``--pk`` of ``-pk/--pk``)."""
        return next((f for f in self.flags if f.startswith("--")), self.flags[0])

    def help_for(self, command: str) -> str:
        return self.helps.get(command, self.help)

    def argparse_kwargs(self, command: str) -> dict[str, Any]:
        """This option as ``ArgumentParser.add_argument`` keyword arguments for ``command``."""
        kwargs: dict[str, Any] = {"dest": self.keyword, "help": self.help_for(command)}
        if self.type is bool:
            kwargs["action"] = "store_false" if self.negated else "store_true"
            return kwargs
        kwargs["action"] = GivenOnce
        if self.type is not str:
            kwargs["type"] = self.type
        if self.const is not None:
            kwargs |= {"nargs": "?", "const": self.const}
        if self.choices:
            kwargs["choices"] = self.choices
        if self.metavar:
            kwargs["metavar"] = self.metavar
        if self.required:
            kwargs["required"] = True
        kwargs["default"] = self.default
        return kwargs


_GIVEN = "_dynamo_magic_given"  # the namespace attribute holding what GivenOnce has stored


class GivenOnce(argparse.Action):
    """argparse's ``store``, refusing a second, different value for the same keyword, by any of
    its flags (``--select a --columns b``, ``--pk a --pk b``): argparse would keep the last one
    silently. The same value twice is one request and is accepted."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given: dict[str, tuple[str | None, Any]] = vars(namespace).setdefault(_GIVEN, {})
        if self.dest in given and given[self.dest][1] != values:
            flag, value = given[self.dest]
            raise argparse.ArgumentError(
                self,
                f"given twice, as {flag} {shlex.quote(str(value))} and as {option_string} "
                f"{shlex.quote(str(values))}: give it once"
                + (" (several attributes in one: A,B)" if self.dest == "columns" else ""),
            )
        given[self.dest] = (option_string, values)
        setattr(namespace, self.dest, values)


def _opt(keyword: str, flags: Iterable[str], help: str, commands: str, **more: Any) -> Option:
    return Option(keyword, tuple(flags), help, frozenset(commands.split()), **more)


_KEY = "query copy"
_ENV = "query describe partiql restore backups truncate"
_CLI_ONLY = frozenset({"cli"})
_MAGIC_ONLY = frozenset({"magic"})
_FRONT_ENDS_ONLY = frozenset({"cli", "magic"})

OPTIONS: tuple[Option, ...] = (
    _opt(
        "table",
        ("-t", "--table"),
        "table name",
        "query copy restore truncate backups describe",
        required=True,
        helps={"copy": "source table name"},
    ),
    _opt("env", ("-e", "--env"), "environment: an AWS profile name (default: configured)", _ENV),
    _opt("source", ("-src", "--source"), "environment to copy from", "copy", required=True),
    _opt("target", ("-tgt", "--target"), "environment to copy into", "copy", required=True),
    _opt(
        "target_table",
        ("--target-table",),
        "target table name (default: same)",
        "copy",
        metavar="NAME",
    ),
    _opt(
        "target_region",
        ("--target-region",),
        "target region (default: profile's)",
        "copy",
        metavar="REGION",
    ),
    _opt("pk", ("-pk", "--pk"), "partition key value", _KEY, metavar="VALUE"),
    _opt(
        "sk",
        ("-sk", "--sk"),
        "sort key value (begins_with, or = on a number sort key, by default)",
        _KEY,
        metavar="VALUE",
    ),
    _opt(
        "sk_op",
        ("--sk-op",),
        "sort key operator (default: begins_with, = on a number sort key)",
        _KEY,
        choices=SORT_KEY_OPERATORS,
    ),
    _opt("sk2", ("--sk2",), "upper bound for --sk-op between", _KEY, metavar="VALUE"),
    _opt("index", ("-i", "--index"), "query this GSI or LSI instead of the table", _KEY),
    _opt(
        "filter",
        ("--filter",),
        "filter, e.g. \"status = 'active' AND age > 30\" (in a notebook, :name binds the "
        "variable name)",
        "query",
    ),
    _opt(
        "columns",
        ("--columns", "--select"),
        "attributes to return, paths like addr.city (keys always come too)",
        "query",
        metavar="A,B",
    ),
    _opt("limit", ("--limit",), "stop after N items", "query partiql", type=int, metavar="N"),
    _opt(
        "head",
        ("-head", "--head"),
        "show the first N items",
        "query",
        type=int,
        metavar="N",
        const=DEFAULT_HEAD,
    ),
    _opt(
        "unique",
        ("-u", "--unique"),
        "distinct values of ATTR (a path: addr.city) with counts",
        "query",
        metavar="ATTR",
    ),
    _opt("summary", ("--summary",), "per-attribute summary of the result", "query", type=bool),
    _opt("count", ("--count",), "count matching items (Select COUNT)", "query", type=bool),
    _opt("scan", ("--scan",), "parallel scan of the whole table or index", "query", type=bool),
    _opt(
        "segments",
        ("--segments",),
        "parallel scan segments",
        "query copy",
        type=int,
        metavar="N",
        helps={"query": "scan segments (with --scan)"},
    ),
    _opt("consistent", ("--consistent",), "strongly consistent read", "query", type=bool),
    _opt("reverse", ("--reverse",), "descending sort-key order", "query", type=bool),
    _opt(
        "flatten",
        ("--flatten",),
        "expand maps into columns named by path (addr.city)",
        "query",
        type=bool,
    ),
    _opt(
        "numbers",
        ("--numbers",),
        "number columns: auto (Int64, Float64 or exact Decimal), decimal or float",
        "query",
        choices=NUMBER_POLICIES,
    ),
    _opt(
        "plot",
        ("--plot",),
        "draw a chart: WHAT is sizes (item sizes), partitions (items per partition key) or an "
        "attribute (histogram, or bars of its values); alone: the --unique values, else sizes",
        "query",
        metavar="WHAT",
        const="",
        used_by=_MAGIC_ONLY,
    ),
    _opt(
        "mode",
        ("--mode",),
        "replace (default: puts, then deletes target-only keys), truncate, merge",
        "copy",
        choices=COPY_MODES,
        default="replace",
    ),
    _opt(
        "dry_run",
        ("--dry-run",),
        "show the plan; write nothing",
        "copy",
        type=bool,
        used_by=_FRONT_ENDS_ONLY,
    ),
    _opt(
        "yes",
        ("--yes",),
        "confirm writing into a non-empty/protected target",
        "copy restore truncate",
        type=bool,
        helps={
            "restore": "confirm replacing the table's contents",
            "truncate": "confirm deleting every item",
        },
    ),
    _opt("workers", ("--workers",), "parallel worker processes", "copy", type=int, metavar="N"),
    _opt(
        "backend",
        ("--backend",),
        "joblib backend (default auto: threads for small jobs)",
        "copy",
        choices=BACKENDS,
    ),
    _opt(
        "backup",
        ("--no-backup",),
        "do not back up the target first",
        "copy truncate",
        type=bool,
        negated=True,
        default=True,
        helps={"truncate": "do not back up the table first"},
    ),
    _opt(
        "verify",
        ("--verify",),
        "check after copying (default count)",
        "copy",
        choices=VERIFY_METHODS,
    ),
    _opt(
        "backup",
        ("--backup",),
        "backup name or ARN (default latest)",
        "restore",
        default="latest",
        metavar="ID",
    ),
    _opt("into", ("--into",), "restore into this new table", "restore", metavar="NEW_TABLE"),
    _opt("in_place", ("--in-place",), "restore back into the table itself", "restore", type=bool),
    _opt(
        "progress",
        ("--no-progress",),
        "no progress bar",
        "copy restore truncate",
        type=bool,
        negated=True,
        default=True,
        used_by=_FRONT_ENDS_ONLY,
    ),
    _opt(
        "format",
        ("--format",),
        "output format",
        "query partiql",
        choices=FORMATS,
        default="table",
        used_by=_CLI_ONLY,
    ),
)


def command_options(command: str, front_end: str = "api") -> list[Option]:
    """The options of ``command`` that ``front_end`` (``"api"``, ``"cli"``, ``"magic"``) uses,
    in declaration order: the records a panel builds its controls from.

    Raises
    ------
    ValueError
        For a command not in ``COMMANDS``.
    """
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}; one of {', '.join(COMMANDS)}")
    return [o for o in OPTIONS if command in o.commands and front_end in o.used_by]


def add_arguments(
    parser: argparse.ArgumentParser,
    command: str,
    front_end: str = "cli",
    skip: Iterable[str] = (),
    only: Iterable[str] | None = None,
) -> None:
    """Add ``command``'s options, as ``front_end`` offers them, to an argparse parser (those
    named in ``only`` if given, less those named in ``skip``)."""
    skipped, kept = set(skip), None if only is None else set(only)
    for option in command_options(command, front_end):
        if option.keyword not in skipped and (kept is None or option.keyword in kept):
            parser.add_argument(*option.flags, **option.argparse_kwargs(command))


def api_kwargs(
    command: str, args: argparse.Namespace, without: Iterable[str] = ()
) -> dict[str, Any]:
    """The api keyword arguments of ``command`` named by parsed arguments (flags and aliases
    already folded into keywords by ``dest``; ``--no-backup`` is ``backup=False``)."""
    dropped = set(without)
    return {
        o.keyword: getattr(args, o.keyword)
        for o in command_options(command, "api")
        if o.keyword not in dropped and hasattr(args, o.keyword)
    }


def flag_of(keyword: str, command: str | None = None, given: Iterable[str] = ()) -> str:
    """The flag naming API keyword ``keyword`` (``"sk2"`` -> ``"--sk2"``, ``"columns"`` ->
    ``"--columns"``), for ``command`` when keywords differ by command (``backup``). Of an
    option's long flags, the one among the ``given`` words (``--select`` typed for ``columns``)
    is named, else the canonical one (``-t`` is named ``--table``); a keyword with no flag is
    returned as it is (``"n"``)."""
    words = {word.split("=", 1)[0] for word in given if word.startswith("-")}
    for option in OPTIONS:
        if option.keyword == keyword and (command is None or command in option.commands):
            typed = [f for f in option.flags if f in words and f.startswith("--")]
            return typed[0] if typed else option.flag
    return keyword


def flag_namer(command: str, given: Iterable[str] = ()) -> Callable[[str], str]:
    """``flag_of`` for one command and the words the user typed: what
    ``DynamoMagicError.render`` is given."""
    words = tuple(given)
    return lambda keyword: flag_of(keyword, command, words)


def partition_key(positional: str | None, option: str | None) -> str | None:
    """``dynamo query -t T PK`` and ``dynamo query -t T -pk PK`` are the same request."""
    if positional is not None and option is not None and positional != option:
        raise InvalidQuery(
            "give the partition key once: either PK or {pk}, not both", parameters=("pk",)
        )
    return option if option is not None else positional
