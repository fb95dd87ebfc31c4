"""The options of every command and the parameters of the Python api, each text written once.

Each ``Option`` names its API keyword, its flags and aliases, type, choices, default, help, the
commands it belongs to and, for the Python api and the panels, its numpy description (``doc``,
``type_doc``) and field label (``label``); ``PYTHON_ONLY`` holds the few api parameters no flag
carries (``on_page``, ``cancel``, ``progress`` ...). From these tables come the CLI's argparse
parsers (``add_arguments``), the magics' ``@argument`` decorators (from ``argparse_kwargs``), the
options a front end offers for a command (``command_options``: the magics' ``--ui`` filling uses
them), the mapping of parsed arguments to API keyword arguments (``api_kwargs``), the flag that
names a keyword in an error message (``flag_of``), the panels' field labels (``label_of``) and
the Parameters sections of the api's docstrings (``docstring``, run by cog: ``make cog``). The
lists of choices come from ``settings``, where each is declared once.
"""

from __future__ import annotations

import argparse
import inspect
import shlex
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidQuery
from .reading import DEFAULT_HEAD as DEFAULT_HEAD  # rows ``--head`` shows without a number
from .settings import BACKENDS, COPY_MODES, NUMBER_POLICIES, SORT_KEY_OPERATORS, VERIFY_METHODS

COMMANDS = (
    "query",
    "copy",
    "restore",
    "truncate",
    "backups",
    "describe",
    "partiql",
    "export",
    "import",
    "put",
    "item",
)
# commands the ``dynamo`` CLI does not offer: ``put`` writes a DataFrame, which lives in Python;
# ``item`` (put_item, delete_item) edits one item, which a notebook or a script has in hand (a
# terminal has ``aws dynamodb put-item``)
NOT_IN_CLI = ("put", "item")
FORMATS = ("table", "json", "csv")  # how the CLI prints a DataFrame
# copy keywords a dry run leaves out: ``api.plan_copy`` checks and estimates, it runs nothing
RUN_ONLY = ("yes", "workers", "segments", "backend", "scheduler")
# import keywords ``api.plan_import`` lacks
IMPORT_RUN_ONLY = ("yes", "workers", "backend", "scheduler", "dry_run", "checkpoint", "resume")

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
    doc : str
        The api parameter's description in its docstring, where it says more than ``help``
        (``None`` values, settings, units); empty: ``help`` as a sentence.
    docs : mapping of str to str
        Per-command ``doc`` (``table`` of ``copy`` is the source table).
    type_doc : str
        The numpy type of the api parameter (``"str or list of str"``); empty: from ``type``
        and ``choices``. ``optional`` or ``default ...`` is added from the function's signature.
    label : str
        The panels' label of the field that sets it (``"Partition key"``).

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
    doc: str = ""
    docs: Mapping[str, str] = field(default_factory=dict)
    type_doc: str = ""
    label: str = ""

    @property
    def flag(self) -> str:
        """The canonical flag: the first long one (``--pk`` of ``-pk/--pk``)."""
        return next((f for f in self.flags if f.startswith("--")), self.flags[0])

    def help_for(self, command: str) -> str:
        return self.helps.get(command, self.help)

    def doc_for(self, command: str | None, function: str = "") -> str:
        """The api parameter's description in ``function`` of ``command``: ``docs`` keyed by
        the function (``"count()"``), else by the command, else ``doc``, else the help."""
        text = self.docs.get(f"{function}()") or self.docs.get(command or "", self.doc)
        if text:
            return text
        help = self.help_for(command) if command else self.help
        return f"{help[0].upper()}{help[1:]}."

    @property
    def numpy_type(self) -> str:
        """The numpy type (``str``, ``{'auto', 'decimal', 'float'}``), without optional or
        default."""
        if self.type_doc:
            return self.type_doc
        if self.choices:
            return "{" + ", ".join(repr(c) for c in self.choices) + "}"
        return self.type.__name__

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


_KEY = "query copy export"
_ENV = "query describe partiql restore backups truncate export import put item"
_CLI_ONLY = frozenset({"cli"})
_MAGIC_ONLY = frozenset({"magic"})
_FRONT_ENDS_ONLY = frozenset({"cli", "magic"})
_KEY_VALUE = "str, int, float, Decimal or bytes"  # what a key value may be in Python
_TABLE_NAME = "3 to 255 characters of A-Z a-z 0-9 _ . -"

OPTIONS: tuple[Option, ...] = (
    _opt(
        "table",
        ("-t", "--table"),
        "table name",
        "query copy restore truncate backups describe export put item",
        required=True,
        helps={"copy": "source table name", "put": "table to write into"},
        doc=f"Table name ({_TABLE_NAME}); where a table is only read, its ARN.",
        docs={
            "copy": f"Source table name ({_TABLE_NAME}; no ARN: the target's table, backups and"
            " failed-item files are named after it).",
            **dict.fromkeys(
                ("restore", "truncate", "export", "item"), f"Table name ({_TABLE_NAME}; no ARN)."
            ),
            "put": f"The table to write into ({_TABLE_NAME}; no ARN); it must exist.",
        },
        label="Table",
    ),
    _opt(
        "env",
        ("-e", "--env"),
        "environment: an AWS profile name (default: configured)",
        _ENV,
        doc="Environment (AWS profile or configured name); ``None``: the configured default,"
        " else the default profile.",
        label="Environment",
    ),
    _opt(
        "source",
        ("-src", "--source"),
        "environment to copy from",
        "copy",
        required=True,
        doc="Environment to copy from (``None``: the default).",
        type_doc="str or None",
        label="Source",
    ),
    _opt(
        "target",
        ("-tgt", "--target"),
        "environment to copy into",
        "copy",
        required=True,
        doc="Environment to copy into (``None``: the default).",
        type_doc="str or None",
        label="Target",
    ),
    _opt(
        "target_table",
        ("--target-table",),
        "target table name (default: the source's)",
        "copy",
        metavar="NAME",
        label="Target table",
    ),
    _opt(
        "target_region",
        ("--target-region",),
        "target region (default: the profile's)",
        "copy",
        metavar="REGION",
    ),
    _opt(
        "pk",
        ("-pk", "--pk"),
        "partition key value",
        _KEY,
        metavar="VALUE",
        doc="Partition key value (typed from the table's AttributeDefinitions): a query."
        " ``None``: the first items (a preview) or, with ``scan=True``, the whole table or index.",
        docs={
            "copy": "Partition key value of the slice to copy (of ``index`` if given); ``None``:"
            " the whole table.",
            "export": "Partition key value of the slice to export (of ``index`` if given);"
            " ``None``: the whole table (or index).",
            # the read functions without a ``scan`` keyword
            "query()": "Partition key value (typed from the table's AttributeDefinitions): a"
            " query. ``None``: the first items (a preview).",
            "count()": "Partition key value (typed from the table's AttributeDefinitions): the"
            " items of one partition. ``None``: of the whole table or index (a parallel scan).",
            "pages()": "Partition key value (typed from the table's AttributeDefinitions): the"
            " pages of a query. ``None``: of the whole table or index (a scan, in order).",
        },
        type_doc=_KEY_VALUE,
        label="Partition key",
    ),
    _opt(
        "sk",
        ("-sk", "--sk"),
        "sort key value (begins_with, or = on a number sort key, by default)",
        _KEY,
        metavar="VALUE",
        doc="Sort key value of the condition ``sk_op`` (the lower bound of ``between``).",
        type_doc=_KEY_VALUE,
        label="Sort key",
    ),
    _opt(
        "sk_op",
        ("--sk-op",),
        "sort key operator (default: begins_with, = on a number sort key)",
        _KEY,
        choices=SORT_KEY_OPERATORS,
        doc="Sort-key operator; ``None``: begins_with on a string or binary sort key, = on a"
        " number.",
        label="Sort key op",
    ),
    _opt(
        "sk2",
        ("--sk2",),
        "upper bound for --sk-op between",
        _KEY,
        metavar="VALUE",
        doc="Upper bound of ``sk_op='between'``.",
        type_doc=_KEY_VALUE,
        label="Sort key (to)",
    ),
    _opt(
        "index",
        ("-i", "--index"),
        "a GSI or LSI to read instead of the table",
        _KEY,
        docs={
            "export": "A GSI or LSI to read instead of the table (alone: the whole index). The"
            " files hold whole items: where the index projects only some attributes, each item"
            " is fetched from the table by its key."
        },
        label="Index",
    ),
    _opt(
        "filter",
        ("--filter",),
        "filter, e.g. \"status = 'active' AND age > 30\" (in a notebook, :name binds the "
        "variable name)",
        "query",
        doc="Filter expression, e.g. ``\"status = 'open' AND qty > :n\"`` (applied by DynamoDB"
        " after reading: evaluated items still cost read units).",
        label="Filter",
    ),
    _opt(
        "columns",
        ("--columns", "--select"),
        "attributes to return, paths like addr.city (keys always come too)",
        "query",
        metavar="A,B",
        doc='Projection: document paths (``addr.city``, ``items[0]``), as a list or ``"a,b"``'
        " text; key attributes always come too. ``None``: every attribute.",
        type_doc="str or list of str",
        label="Columns",
    ),
    _opt(
        "limit",
        ("--limit",),
        "stop after N items",
        "query partiql",
        type=int,
        metavar="N",
        doc="Items returned (or counted) at most; ``None``: all (a preview: the"
        " ``preview_items`` setting, 20).",
        docs={"partiql": "Items returned at most; ``None``: all."},
        label="Limit",
    ),
    _opt(
        "head",
        ("-head", "--head"),
        "show the first N items",
        "query",
        type=int,
        metavar="N",
        const=DEFAULT_HEAD,
        doc="Rows to show; alone, only this many items are read.",
    ),
    _opt(
        "unique",
        ("-u", "--unique"),
        "distinct values of ATTR (a path: addr.city) with counts",
        "query",
        metavar="ATTR",
        doc="Show the distinct values of this attribute (a path: ``addr.city``) with counts.",
    ),
    _opt(
        "summary",
        ("--summary",),
        "per-attribute summary of the result",
        "query",
        type=bool,
        doc="Show one row per attribute (share present, types, distinct values, top values).",
    ),
    _opt(
        "count",
        ("--count",),
        "count matching items (Select COUNT)",
        "query",
        type=bool,
        doc="DynamoDB's Select COUNT: items are counted, none returned.",
    ),
    _opt(
        "scan",
        ("--scan",),
        "parallel scan of the whole table or index",
        "query",
        type=bool,
        doc="Parallel scan of the whole table or index (no ``pk``).",
    ),
    _opt(
        "segments",
        ("--segments",),
        "parallel scan segments",
        "query copy export",
        type=int,
        metavar="N",
        helps={"query": "scan segments (with --scan)"},
        doc="Parallel scan segments (DynamoDB's TotalSegments, 1 to 1,000,000); ``None``: the"
        " ``segments`` setting, else 4.",
        docs={
            "copy": "Parallel scan segments of the source (1 to 1,000,000); ``None``: the"
            " ``segments`` setting, else four per worker.",
            "export": "Parallel scan segments (1 to 1,000,000), one data file each; ``None``:"
            " the ``segments`` setting, else four per worker.",
        },
        label="Segments",
    ),
    _opt(
        "page_size",
        ("--page-size",),
        "read one page of N items; the next --start-after is printed",
        "query",
        type=int,
        metavar="N",
        doc="Items per page (DynamoDB's Limit); the next page starts after the page's last"
        " key. With a filter, those of them that match (the Limit applies before the filter).",
        docs={
            "explore()": "Read one page of this many items (after ``start_after``) instead of"
            " everything; the view shows that page."
        },
    ),
    _opt(
        "start_after",
        ("--start-after",),
        "start after this key (JSON, as printed after a page)",
        "query",
        metavar="KEY",
        type_doc="str or mapping",
        doc="The key to start after (DynamoDB's ExclusiveStartKey): DynamoDB JSON text as a page"
        ' prints it (``\'{"pk": {"S": "a"}}\'``), or a mapping of the key attributes to'
        " plain values. ``None``: from the start.",
    ),
    _opt(
        "consistent",
        ("--consistent",),
        "strongly consistent read",
        "query",
        type=bool,
        doc="Strongly consistent read (twice the read units; not offered on GSIs).",
    ),
    _opt(
        "reverse",
        ("--reverse",),
        "descending sort-key order",
        "query",
        type=bool,
        doc="Descending sort-key order (needs ``pk``).",
    ),
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
        doc="Number columns: auto (Int64 if integral, Float64 if exact, else Decimal objects),"
        " decimal or float; ``None``: the ``numbers`` setting.",
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
        doc="replace: put every source item, then delete target items whose key is not in the"
        " source; truncate: delete first; merge: puts only.",
        label="Mode",
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
        "mode",
        ("--mode",),
        "merge (default: puts), replace (the frame's partitions), truncate",
        "put",
        choices=COPY_MODES,
        default="merge",
        doc="merge: put every row; replace: put every row, then delete the items of the"
        " partitions the frame covers (its partition key values) that the frame lacks;"
        " truncate: delete every item of those partitions first, then put.",
    ),
    _opt(
        "dry_run",
        ("--dry-run",),
        "show the plan; write nothing",
        "put",
        type=bool,
        doc="Return the plan (a ``CopyPlan``: what would be written, deleted, backed up and"
        " confirmed) and write nothing; the frame is encoded and its keys checked all the same.",
    ),
    _opt(
        "nulls",
        ("--nulls",),
        "a missing value (None, NaN, NA, NaT) in a cell: omit (default) or null",
        "put",
        choices=("omit", "null"),
        default="omit",
        doc="A cell holding ``None``, NaN, ``pd.NA`` or ``NaT``: ``omit`` leaves the attribute"
        " out of that item, ``null`` writes NULL (inside a list or map it is always NULL).",
    ),
    _opt(
        "whole_items",
        ("--whole-items",),
        "write each row as a whole item even if the frame was read with only some attributes "
        "(columns, a partial index) or with flatten",
        "put",
        type=bool,
        doc="Write each row as the whole item even though the frame says (``df.attrs``) it"
        " was read with only some attributes (a selection of columns, an index projecting only"
        " some) or with its maps flattened into columns: the attributes it lacks are deleted,"
        " dotted columns written as top-level attributes. Without it such a frame is refused"
        " before anything is written.",
    ),
    _opt(
        "datetimes",
        ("--datetimes",),
        "datetimes as ISO 8601 text (iso, default) or epoch seconds (epoch)",
        "put",
        choices=("iso", "epoch"),
        default="iso",
        doc="Datetimes and dates: ``iso`` writes ISO 8601 text (S), ``epoch`` seconds since"
        " 1970 (N; a datetime without a time zone counts as UTC).",
    ),
    _opt(
        "yes",
        ("--yes",),
        "confirm writing into a non-empty or protected target",
        "copy restore truncate put",
        type=bool,
        helps={
            "restore": "confirm replacing the table's contents",
            "truncate": "confirm deleting every item",
        },
    ),
    _opt(
        "workers",
        ("--workers",),
        "parallel workers (threads, or processes with --backend loky)",
        "copy export",
        type=int,
        metavar="N",
        doc="Parallel workers (at least 1): threads, or processes with the ``loky`` backend;"
        " each keeps 4 writes and a read in flight. ``None``: the ``workers`` setting, else"
        " two per CPU core.",
        docs={
            "export": "Parallel workers (at least 1): threads, or processes with the ``loky``"
            " backend; each writes one segment's file at a time, its next page read meanwhile."
            " ``None``: the ``workers`` setting, else two per CPU core."
        },
        label="Workers",
    ),
    _opt(
        "backend",
        ("--backend",),
        "where workers run (default auto: threads; loky: processes; dask: a Dask cluster)",
        "copy export import",
        choices=BACKENDS,
        label="Backend",
        doc="Where the workers run: ``auto`` (threads), ``threading``, ``loky`` (processes of"
        " this machine) or ``dask`` (the workers of a Dask cluster: ``scheduler``, else the"
        " active ``distributed.Client``; needs ``dynamo_magic[dask]``). ``None``: auto.",
    ),
    _opt(
        "scheduler",
        ("--scheduler",),
        "the Dask scheduler's address for --backend dask (default: the active Client)",
        "copy export import",
        metavar="ADDRESS",
        doc="The Dask scheduler's address (``tcp://HOST:8786``) for ``backend='dask'``;"
        " ``None``: the active ``distributed.Client``. The cluster is checked before anything"
        " is written (reachable within 10 s, at least one worker, every worker with this"
        " version of dynamo_magic): ``ClusterUnavailable`` otherwise.",
        label="Scheduler",
    ),
    _opt(
        "transform",
        ("--transform",),
        "apply this function to every item on the way: MODULE:FUNCTION (imported with the "
        "current folder on the path; in a notebook also a function's name)",
        "copy",
        metavar="MODULE:FUNCTION",
        type_doc="callable or str",
        doc="A function applied to every item in the workers: it gets the item as Python"
        " values (``Decimal`` numbers, ``bytes``, sets, dicts, lists) and returns an item, a"
        " list of items (fan-out) or ``None`` (drop it); or ``'module:function'`` text, imported"
        " with the current folder on ``sys.path``. An exception in it stops the copy naming the"
        " item's key (resumable once fixed); items whose key does not fit the target are saved"
        " as failed. Verification compares the target with the source as it transforms it.",
    ),
    _opt(
        "checkpoint",
        ("--checkpoint",),
        "where the copy's checkpoint file goes (default: under ~/.cache/dynamo_magic)",
        "copy",
        metavar="PATH",
        type_doc="str or Path",
        doc="Where the copy's checkpoint file goes (JSON: what a resume needs, saved as the"
        " copy goes); ``None``: a new file under ``$XDG_CACHE_HOME/dynamo_magic/checkpoints``"
        " (``~/.cache/...``). The result and the job name it (``checkpoint``).",
    ),
    _opt(
        "resume",
        ("--resume",),
        "continue a copy that did not end from its checkpoint (default: the newest of this copy)",
        "copy",
        metavar="PATH",
        const=True,
        type_doc="bool, str or Path",
        doc="Continue a copy that did not end: ``True``, from the newest unfinished checkpoint"
        " of the same copy (environments, tables and slice), or from the checkpoint file at"
        " this path. Segments done are skipped, the others start after their saved key; the"
        " target, backup and truncate are not done again; replace-mode deletes run once every"
        " segment is copied. A checkpoint of another copy (table, slice, mode, segments) is"
        " refused with the difference named.",
        label="Resume",
    ),
    _opt(
        "backup",
        ("--no-backup",),
        "do not back up the target first",
        "copy truncate put",
        type=bool,
        negated=True,
        default=True,
        helps={"truncate": "do not back up the table first"},
        doc="Take an on-demand backup of a non-empty target (or table) first.",
        label="Back up target",
    ),
    _opt(
        "copy_settings",
        ("--copy-settings",),
        "give a target the copy creates the source's TTL, stream, point-in-time recovery, "
        "tags and deletion protection",
        "copy",
        type=bool,
        doc="Give a target the copy creates the source's TTL attribute, stream, point-in-time"
        " recovery, tags and deletion protection (the plan lists them, the result says what was"
        " applied; one the service refuses is named in the result, the items are copied all the"
        " same). An existing target's settings are left as they are.",
        label="Copy settings",
    ),
    _opt(
        "verify",
        ("--verify",),
        "check after copying (default count)",
        "copy put",
        choices=VERIFY_METHODS,
        doc="Check after copying; ``None``: the ``verify`` setting (count).",
    ),
    _opt(
        "max_write_units",
        ("--max-write-units",),
        "write units per second the copy may use, all workers together: N, or P%% of the "
        "target's capacity (default: unlimited)",
        "copy put",
        metavar="N|P%",
        type_doc="int, float or str",
        doc="Write units per second the copy may use, all its workers together (puts and"
        ' deletes): a number, or ``"P%"`` of the target\'s provisioned write capacity (of its'
        " on-demand maximum for an on-demand table that has one); ``None``: unlimited."
        " Throttling slows the copy down, it does not fail it.",
        label="Write limit",
    ),
    _opt(
        "max_read_units",
        ("--max-read-units",),
        "read units per second the copy may use, all workers together: N, or P%% of the "
        "source's capacity (default: unlimited)",
        "copy",
        metavar="N|P%",
        type_doc="int, float or str",
        doc="Read units per second the copy may use, all its workers together (the source's"
        " reads, key lookups, the prune's and the verification's reads): a number, or"
        ' ``"P%"`` of the source\'s provisioned read capacity (of its on-demand maximum for'
        " an on-demand table that has one); ``None``: unlimited.",
        label="Read limit",
    ),
    _opt(
        "max_read_units",
        ("--max-read-units",),
        "read units per second the export may use, all workers together: N, or P%% of the "
        "table's (index's) capacity (default: unlimited)",
        "export",
        metavar="N|P%",
        type_doc="int, float or str",
        doc="Read units per second the export may use, all its workers together (the scan's"
        " pages, and the table lookups of an index that projects only some attributes): a"
        " number, or ``\"P%\"`` of the table's (a global index's own) provisioned read capacity"
        " (of its on-demand maximum for an on-demand table that has one); ``None``: unlimited."
        " The export's result says the units it used.",
        label="Read limit",
    ),
    _opt(
        "backup",
        ("--backup",),
        "backup name or ARN (default latest)",
        "restore",
        default="latest",
        metavar="ID",
        doc="Backup name or ARN to restore, or a ``Backup`` (``CopyResult.backup``, a row of"
        " ``backups``).",
        type_doc="str or Backup",
    ),
    _opt("into", ("--into",), "restore into this new table", "restore", metavar="NEW_TABLE"),
    _opt(
        "in_place",
        ("--in-place",),
        "restore back into the table itself",
        "restore",
        type=bool,
        doc="Restore back into ``table`` (through a temporary table, then a copy in replace mode).",
    ),
    _opt(
        "to",
        ("--to",),
        "where the export goes: a folder, or s3://bucket/prefix",
        "export",
        required=True,
        metavar="DEST",
        type_doc="str or Path",
        doc="Where the export goes: a local folder (created if missing) or"
        " ``s3://bucket/prefix``; the files land in ``DEST/AWSDynamoDB/<export id>/``, as"
        " DynamoDB's export to S3 lays them out.",
        label="Export to",
    ),
    _opt(
        "checkpoint",
        ("--checkpoint",),
        "where the export's checkpoint file goes (default: under ~/.cache/dynamo_magic)",
        "export",
        metavar="PATH",
        type_doc="str or Path",
        doc="Where the export's checkpoint file goes (JSON: the export id and each data file"
        " stored, saved as each is); ``None``: a new file under"
        " ``$XDG_CACHE_HOME/dynamo_magic/checkpoints`` (``~/.cache/...``). The result and the"
        " job name it (``checkpoint``).",
    ),
    _opt(
        "resume",
        ("--resume",),
        "continue an export that did not end from its checkpoint (default: the newest of "
        "this export)",
        "export",
        metavar="PATH",
        const=True,
        type_doc="bool, str or Path",
        doc="Continue an export that did not end: ``True``, from the newest unfinished"
        " checkpoint of the same export (table, slice, index and destination), or from the"
        " checkpoint file at this path. The export id and folder are kept, and every segment"
        " whose data file is still there as stored (size and MD5; in S3 size and ETag); every"
        " other segment is exported again from its start (a segment is redone whole: more"
        " ``segments``, finer resume). A checkpoint of another export (table, slice, index,"
        " segments, destination) is refused with the difference named.",
    ),
    _opt(
        "storage_env",
        ("--storage-env",),
        "environment whose credentials and endpoint reach the bucket (default: the table's)",
        "export",
        metavar="ENV",
        doc="Environment (AWS profile or configured name) whose credentials, region and"
        " endpoint reach the bucket of an ``s3://`` destination; ``None``: ``env``'s.",
        label="Storage environment",
    ),
    _opt(
        "progress",
        ("--no-progress",),
        "no progress bar",
        "copy restore truncate export put",
        type=bool,
        negated=True,
        default=True,
        used_by=_FRONT_ENDS_ONLY,
    ),
    # -- import (files into a table): its own rows, so each command's texts stay its own
    *(
        _opt(
            "table",
            ("-t", "--table"),
            "table to import into",
            "import",
            required=True,
            doc=f"Table to import into ({_TABLE_NAME}; no ARN).",
        ),
        _opt(
            "source",
            ("--from",),
            "what to import: an export folder (ours or DynamoDB's export to S3), or JSON Lines, "
            "CSV or Parquet files: a file, a folder, a glob, local or s3://bucket/prefix",
            "import",
            required=True,
            metavar="SRC",
            type_doc="str or Path",
            doc="What to import: an export folder (``dynamo export``'s or DynamoDB's export to S3,"
            " found by its ``manifest-summary.json`` anywhere under it) or JSON Lines, CSV and"
            " Parquet files; one file, a folder, or a glob (``data/*.csv``); local or"
            " ``s3://bucket/prefix``. Every file is checked before the first write.",
        ),
        _opt(
            "storage_env",
            ("--storage-env",),
            "environment whose credentials and endpoint reach an s3:// bucket (default: the "
            "table's)",
            "import",
            metavar="ENV",
            doc="Environment whose credentials and endpoint reach an ``s3://`` SRC (another"
            " account's bucket); ``None``: the table's.",
        ),
        _opt(
            "mode",
            ("--mode",),
            "merge (default: puts), replace (puts, then deletes keys the files lack), truncate",
            "import",
            choices=COPY_MODES,
            default="merge",
            doc="merge: put every item (other items stay); replace: put every item, then delete"
            " the table's items whose key the files lack; truncate: delete every item first.",
        ),
        _opt(
            "dry_run",
            ("--dry-run",),
            "check the files, show the plan; write nothing",
            "import",
            type=bool,
            doc="Check every file and return the plan (``plan_import``); nothing written.",
        ),
        _opt(
            "yes",
            ("--yes",),
            "confirm writing into a non-empty or protected table",
            "import",
            type=bool,
            doc="Confirm writing into a non-empty or protected table.",
        ),
        _opt(
            "strings",
            ("--strings",),
            "CSV: keep every non-key cell as text (without it, plain numbers are numbers and "
            "true/false booleans)",
            "import",
            type=bool,
            doc="CSV: keep every non-key cell as text (S). Default: a cell written as a plain"
            " number (``-12``, ``0.5``; no leading zero, no exponent, at most 38 digits) is a"
            " number, exactly ``true``/``false`` a boolean, anything else text.",
        ),
        _opt(
            "create",
            ("--create",),
            "create the table when it does not exist (its key from --key)",
            "import",
            type=bool,
            doc="Create the table when it does not exist, keyed by ``key`` (on demand), once"
            " every file has passed its checks; never in a dry run.",
        ),
        _opt(
            "key",
            ("--key",),
            "key of a table --create makes: NAME:TYPE[,NAME:TYPE] (TYPE S, N or B)",
            "import",
            metavar="PK:T[,SK:T]",
            doc='Key of the table ``create`` makes: ``"pk:S"`` or ``"pk:S,sk:N"`` (types S, N or'
            " B; an export's files do not name the key).",
        ),
        _opt(
            "backup",
            ("--no-backup",),
            "do not back up a non-empty table first",
            "import",
            type=bool,
            negated=True,
            default=True,
            doc="Take an on-demand backup of a non-empty table before writing.",
        ),
        _opt(
            "verify",
            ("--verify",),
            "check after importing (default count)",
            "import",
            choices=VERIFY_METHODS,
            doc="Check after importing: 'count' counts the table's items against the items the"
            " files hold (an export's manifest ``itemCount``, checked equal to what was read);"
            " a merge into a table that held items looks every item up by key instead; ``None``:"
            " the ``verify`` setting.",
        ),
        _opt(
            "workers",
            ("--workers",),
            "parallel workers (one file at a time each)",
            "import",
            type=int,
            metavar="N",
            doc="Parallel workers (at least 1), each writing one file at a time; ``None``: the"
            " ``workers`` setting, else two per CPU core.",
        ),
        _opt(
            "checkpoint",
            ("--checkpoint",),
            "where the import's checkpoint file goes (default: under ~/.cache/dynamo_magic)",
            "import",
            metavar="PATH",
            type_doc="str or Path",
            doc="Where the import's checkpoint file goes (JSON: each file's items written so"
            " far, saved as the import goes); ``None``: a new file under"
            " ``$XDG_CACHE_HOME/dynamo_magic/checkpoints`` (``~/.cache/...``). The result and"
            " the job name it (``checkpoint``).",
        ),
        _opt(
            "resume",
            ("--resume",),
            "continue an import that did not end from its checkpoint (default: the newest of "
            "this import)",
            "import",
            metavar="PATH",
            const=True,
            type_doc="bool, str or Path",
            doc="Continue an import that did not end: ``True``, from the newest unfinished"
            " checkpoint of the same import (table, SRC and its files unchanged), or from the"
            " checkpoint file at this path. Files done are skipped, the others start after"
            " their last saved page; the backup and truncate are not done again. A checkpoint"
            " of another import (or of files changed since) is refused.",
        ),
        _opt(
            "max_write_units",
            ("--max-write-units",),
            "write units per second the import may use: N, or P%% of the table's capacity "
            "(default: unlimited)",
            "import",
            metavar="N|P%",
            type_doc="int, float or str",
            doc="Write units per second the import may use, all its workers together: a number,"
            ' or ``"P%"`` of the table\'s provisioned write capacity; ``None``: unlimited.',
        ),
        _opt(
            "progress",
            ("--no-progress",),
            "no progress bar",
            "import",
            type=bool,
            negated=True,
            default=True,
            used_by=_FRONT_ENDS_ONLY,
        ),
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


@dataclass(frozen=True)
class Parameter:
    """A parameter of the Python api that no CLI or magic flag carries (a callback, an event,
    values only Python passes), described here beside the options.

    Parameters
    ----------
    keyword : str
        The api keyword.
    type_doc : str
        Its numpy type (``"callable"``); ``optional`` or ``default ...`` come from the
        function's signature.
    doc : str
        Its description in the docstring.
    commands : frozenset of str
        The commands (``COMMANDS``) whose api functions take it.
    label : str
        The panels' label of the field that sets it, if one does.

    Examples
    --------
    >>> parameter("on_page", "query").type_doc
    'callable'
    """

    keyword: str
    type_doc: str
    doc: str
    commands: frozenset[str]
    label: str = ""

    def doc_for(self, command: str | None, function: str = "") -> str:
        return self.doc

    @property
    def numpy_type(self) -> str:
        return self.type_doc


def _python(keyword: str, type_doc: str, doc: str, commands: str, label: str = "") -> Parameter:
    return Parameter(keyword, type_doc, doc, frozenset(commands.split()), label)


PYTHON_ONLY: tuple[Parameter, ...] = (
    _python(
        "item",
        "mapping of str to value",
        "The whole item as Python values (``str``, numbers, ``bytes``, sets, dicts, lists,"
        " ``bool``, ``None``), key attributes included, typed from the table's key schema.",
        "item",
    ),
    _python(
        "key",
        "mapping of str to value",
        "The item's key attributes (a whole item's other attributes are ignored).",
        "item",
    ),
    _python(
        "expect",
        "mapping of str to value",
        "The item as it was read (the same key): the write happens only if the item is still"
        " that (a consistent read, then DynamoDB's condition on its attributes).",
        "item",
    ),
    _python(
        "yes",
        "bool",
        "Confirm overwriting or deleting an item that exists, or writing into a protected"
        " environment (a delete always needs it).",
        "item",
    ),
    _python(
        "params",
        "mapping of str to value",
        "Values of the filter's ``:name`` placeholders.",
        "query",
        label="Filter values",
    ),
    _python(
        "on_page",
        "callable",
        "Called with the number of items of each page as it arrives.",
        "query",
    ),
    _python(
        "n",
        "int",
        "Items to return (DynamoDB's Limit: only these are read when there is no filter).",
        "query",
    ),
    _python("attribute", "str", "The attribute (a document path such as ``addr.city``).", "query"),
    _python("statement", "str", "A PartiQL SELECT, with ``?`` or ``:name`` markers.", "partiql"),
    _python(
        "params",
        "list or mapping",
        "Values of the ``?`` markers (a list) or of the ``:name`` markers (a mapping).",
        "partiql",
    ),
    _python(
        "lookup",
        "callable",
        "Gives the value of a ``:name`` marker missing from ``params`` (the magics look up"
        " notebook variables).",
        "partiql",
    ),
    _python(
        "cancel",
        "threading.Event",
        "Set it from another thread (a panel's Cancel button) to stop the copy as Ctrl-C does:"
        " every worker stops within the request it has in flight and ``CopyFailed`` is raised"
        " with the result ``interrupted``, its counts exactly what the target acknowledged.",
        "copy",
    ),
    _python(
        "progress",
        "Progress",
        "Told of each phase (``start(phase, total)``, ``advance(items)``, ``close(outcome)``:"
        " ``Outcome`` success, cancelled or failed); ``None``: no progress.",
        "copy restore truncate export put import",
    ),
    _python(
        "cancel",
        "threading.Event",
        "Set it from another thread to stop the import as Ctrl-C does: every worker stops"
        " within the request it has in flight and ``CopyFailed`` is raised with the result"
        " ``interrupted``, its counts exactly what the table acknowledged.",
        "import",
    ),
    _python(
        "df",
        "pandas.DataFrame",
        "The rows to write, one item each (column names are attribute names; the index is not"
        " written, it names rows in errors).",
        "put",
    ),
    _python(
        "cancel",
        "threading.Event",
        "Set it from another thread to stop the export as Ctrl-C does: every worker stops"
        " within the request it has in flight, no manifest is written and ``CopyFailed`` is"
        " raised with the result ``interrupted``.",
        "export",
    ),
)
# the command whose options each public api function takes (none: only ``env``)
API_COMMANDS: Mapping[str, str] = {
    **dict.fromkeys(
        ("fetch", "query", "scan", "iter_frames", "count", "head", "unique", "summary"), "query"
    ),
    "explore": "query",
    "pages": "query",
    "plan_copy": "copy",
    "copy": "copy",
    "start_copy": "copy",
    **{command: command for command in ("restore", "truncate", "backups", "describe")},
    "run_partiql": "partiql",
    "export_table": "export",
    "start_export": "export",
    "put_df": "put",
    "partiql": "partiql",
    "put_item": "item",
    "delete_item": "item",
    **dict.fromkeys(("import_table", "plan_import", "start_import"), "import"),
}


def parameter(keyword: str, command: str | None) -> Option | Parameter:
    """The record describing api keyword ``keyword`` of ``command``'s functions: the one of that
    command, else the keyword's only meaning (``numbers`` of ``partiql``, which the CLI does not
    offer; ``env`` of ``list_tables``, which belongs to no command).

    Raises
    ------
    LookupError
        No record describes it, or several do without naming one for ``command``.
    """
    found: list[Option | Parameter] = [
        o for o in OPTIONS if o.keyword == keyword and "api" in o.used_by
    ]
    found += [p for p in PYTHON_ONLY if p.keyword == keyword]
    chosen = [record for record in found if command in record.commands]
    if not chosen and len({(r.numpy_type, r.doc_for(None)) for r in found}) == 1:
        chosen = found[:1]
    if len(chosen) != 1:
        raise LookupError(
            f"{keyword!r} of {command!r}: {len(chosen)} of its {len(found)} descriptions apply,"
            " want one: give it one in options.py"
        )
    return chosen[0]


def resume_words(words: Iterable[str], checkpoint: str) -> list[str]:
    """The words of a copy's command line that resume it: ``words`` without their
    ``--resume``/``--checkpoint`` (and its value), then ``--resume CHECKPOINT``: what the CLI
    and ``%dynamo_copy`` print after a copy that was interrupted or stopped by an error."""
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            if not word.startswith("-"):
                continue
        if word in ("--resume", "--checkpoint"):
            skip = True  # and its value (--resume may have none)
            continue
        if word.startswith(("--resume=", "--checkpoint=")):
            continue
        kept.append(word)
    return [*kept, "--resume", checkpoint]


def label_of(keyword: str, command: str) -> str:
    """The panels' label of the field setting ``keyword`` of ``command`` (``"Partition key"``).

    Raises
    ------
    LookupError
        ``keyword`` has no label.
    """
    label = parameter(keyword, command).label
    if not label:
        raise LookupError(f"{keyword!r} of {command!r} has no label: give it one in options.py")
    return label


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
    if front_end == "cli" and command in NOT_IN_CLI:
        return []
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


# -- the api's docstrings: their Parameters sections, regenerated by cog (`make cog`) -------------
DOC_WIDTH = 96  # characters of a source line of a docstring (ruff allows 100)
SECTIONS = ("Parameters", "Returns", "Yields", "Raises", "Notes", "Examples", "Attributes")


def numpy_parameters(
    documented: Callable[..., Any], command: str | None, own: Mapping[str, str] | None = None
) -> list[str]:
    """The numpy entries (``name : type`` and the indented description, unwrapped) of each
    parameter of ``documented`` in signature order, from the record ``parameter`` finds; the
    type says ``optional`` for a ``None`` default, else ``default X``. ``own`` holds whole
    entries of a parameter that means something else here (a ``ReadSpec`` field)."""
    entries = []
    for name, declared in inspect.signature(documented).parameters.items():
        if own and name in own:
            entries.append(own[name])
            continue
        record = parameter(name, command)
        type_line = f"{name} : {record.numpy_type}"
        if declared.default is None:
            type_line += ", optional"
        elif declared.default is not inspect.Parameter.empty:
            type_line += f", default {declared.default!r}"
        entries.append(f"{type_line}\n    {record.doc_for(command, documented.__name__)}")
    return entries


# Returns and Raises sections several functions share word for word, written once: a cog call
# names them (``docstring(api.query, returns="frame", raises="read")``); each is the section's
# body as it stands in the docstring (entries at column 0, descriptions indented by 4)
SHARED_SECTIONS: dict[tuple[str, str], str] = {
    ("Returns", "frame"): """pandas.DataFrame
    One row per item: key columns first (the index's, then the table's), then attributes in
    first-seen order. dtypes: numbers Int64, Float64 or object (Decimal) per ``numbers``;
    strings string; booleans boolean; maps, lists, sets and binaries object (dict, list,
    set, bytes); missing values NA.""",
    ("Raises", "read"): """InvalidQuery
    A bad key condition, filter, projection, limit or option combination.
TableNotFound
    The table (``IndexNotFound``: the index) does not exist.
EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
    ``env`` cannot be used.
Throttled, AccessDenied, ServiceError
    DynamoDB refused the read (after retries).""",
    ("Raises", "partiql"): """InvalidQuery
    Not a SELECT, a marker without a value, a bad limit or number policy.
TableNotFound
    The statement's table does not exist.
EnvironmentNotFound, CredentialsMissing, EndpointUnreachable
    ``env`` cannot be used.
Throttled, AccessDenied, ServiceError
    DynamoDB refused the statement (after retries).""",
}


def _heading(lines: list[str], at: int) -> bool:
    return lines[at] in SECTIONS and at + 1 < len(lines) and lines[at + 1] == "-" * len(lines[at])


def _with_section(lines: list[str], name: str, body: str) -> list[str]:
    """``lines`` of a docstring with section ``name``'s body replaced by ``body`` (the section
    added before Examples, else at the end, when missing)."""
    starts = [i for i in range(len(lines)) if _heading(lines, i)]
    at = next((i for i in starts if lines[i] == name), None)
    if at is None:
        end = next((i for i in starts if lines[i] == "Examples"), len(lines))
        return [*lines[:end], name, "-" * len(name), *body.split("\n"), "", *lines[end:]]
    end = next((i for i in starts if i > at), len(lines))
    return [*lines[: at + 2], *body.split("\n"), "", *lines[end:]]


def docstring(
    documented: Callable[..., Any],
    command: str | None = None,
    own: Mapping[str, str] | None = None,
    indent: int = 4,
    *,
    returns: str | None = None,
    raises: str | None = None,
) -> str:
    """The source text of ``documented``'s docstring (quotes and indentation included, for
    cog to write between its markers): the docstring as it is, its Parameters section made
    afresh from the options' texts (``numpy_parameters``; for an api function, ``command`` is
    ``API_COMMANDS``). Summary, Returns, Raises and Examples are hand-written in the source and
    kept as they are, but for a Returns or Raises section that several functions share:
    ``returns`` and ``raises`` name it in ``SHARED_SECTIONS`` and it is written from there.
    The cog markers are comment lines in the body around the whole docstring
    (a comment before it leaves it the docstring): markers inside the docstring would show in
    ``help()``, and a docstring assembled at import is invisible to jedi, pyright and GitHub.

    Raises
    ------
    ValueError
        The docstring is missing or holds a backslash or triple quotes (which its source text
        would have to escape).
    KeyError
        ``returns`` or ``raises`` names no shared section.
    """
    current = inspect.getdoc(documented)
    if not current or "\\" in current or '"""' in current:
        raise ValueError(
            f"{documented.__qualname__}: no docstring, or one with \\ or triple quotes"
        )
    if command is None:
        command = API_COMMANDS.get(documented.__name__)
    lines = current.split("\n")
    start = next((i for i in range(len(lines)) if _heading(lines, i)), len(lines))
    end = start
    if start < len(lines) and lines[start] == "Parameters":
        end = next((i for i in range(start + 2, len(lines)) if _heading(lines, i)), len(lines))
    section = []
    for entry in numpy_parameters(documented, command, own):
        type_line, description = entry.split("\n", 1)
        section.append(type_line)
        section += textwrap.wrap(
            " ".join(description.split()),
            DOC_WIDTH - indent,
            initial_indent="    ",
            subsequent_indent="    ",
            break_on_hyphens=False,
            break_long_words=False,
        )
    before = lines[:start]
    while before and not before[-1]:
        before.pop()
    heading = ["", "Parameters", "----------", *section] if section else []
    lines = [*before, *heading, "", *lines[end:]]
    for name, key in (("Returns", returns), ("Raises", raises)):
        if key is not None:
            lines = _with_section(lines, name, SHARED_SECTIONS[(name, key)])
    pad = " " * indent
    while lines and not lines[-1]:
        lines.pop()
    body = [f"{pad}{line}" if line else "" for line in lines]
    after = "\n" if inspect.isclass(documented) else ""  # ruff format's line after a class's
    return f'{pad}"""{body[0].lstrip()}\n' + "\n".join(body[1:]) + f'\n{pad}"""\n{after}'
