"""``%dynamo_query`` / ``%%dynamo_query`` and ``%config DynamoMagic``: a thin IPython layer.

Errors from the engine become ``UsageError`` (one line, no traceback); results are DataFrames
that ``df = %dynamo_query ...`` captures, or that ``--out NAME`` stores in the namespace.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import keyword
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, cast

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import MagicArgumentParser, argument, magic_arguments
from IPython.display import display
from traitlets import Bool, Enum, Float, Int, TraitError, TraitType, Unicode, observe, validate

from .. import api, plots, reading
from ..api import CopyResult
from ..errors import CopyFailed, DynamoMagicError
from ..expressions import Placeholders, parse_filter
from ..options import (
    IMPORT_RUN_ONLY,
    RUN_ONLY,
    GivenOnce,
    api_kwargs,
    command_options,
    flag_namer,
    flag_of,
    partition_key,
    resume_words,
)
from ..progress_bars import TqdmProgress
from ..settings import (
    SettingField,
    check_choices,
    check_counts,
    check_numbers,
    get_settings,
    override_settings,
    setting_fields,
)
from . import completion, tables


def options_of(
    command: str, skip: tuple[str, ...] = ()
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``command``'s options (``options.OPTIONS``) as ``@argument`` decorators, in the CLI's
    order: the magics accept the same words as the ``dynamo`` command."""
    options = [o for o in command_options(command, "magic") if o.keyword not in skip]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = argument(*option.flags, **option.argparse_kwargs(command))(func)
        return func

    return decorate


def _cell_parser() -> MagicArgumentParser:
    """The line of ``%%dynamo_query`` (PartiQL in the cell): ``[VAR]``, then the ``partiql``
    command's options from the one option table (``--env``, ``--limit``), each given once."""
    parser = MagicArgumentParser(prog="%%dynamo_query", add_help=False)
    parser.add_argument("out", nargs="?", metavar="VAR", help="store the result in this variable")
    for option in command_options("partiql", "magic"):
        parser.add_argument(*option.flags, **option.argparse_kwargs("partiql"))
    return parser


_CELL_PARSER = _cell_parser()


class _InSettings(TraitType[Any, Any]):
    """A ``%config DynamoMagic`` trait whose value lives in the one settings object: reading
    it gives the value in effect (``get_settings``: ``set_settings``, the config file and
    ``%config`` all show), setting it overrides that setting for the session (the magic's
    ``_sync``). Only while traitlets holds notifications (applying a config: several values
    checked together) do set values wait in the trait's own storage; they reach the settings
    together when the hold ends."""

    def get(self, obj: Any, cls: Any = None) -> Any:
        if obj._cross_validation_lock:  # values waiting while a config is applied
            return super().get(obj, cls)
        value = _in_effect(self.name, super().get(obj, cls))
        obj._trait_values[self.name] = value
        return value

    def set(self, obj: Any, value: Any) -> None:
        if not obj._cross_validation_lock:
            obj.refresh_settings()  # a change is measured from the values in effect
        super().set(obj, value)


def _in_effect(name: str | None, stored: Any) -> Any:
    """The setting ``name`` in effect; ``stored`` when the config file cannot be read (every
    call says why: nothing to say while listing the settings)."""
    try:
        return getattr(get_settings(), str(name))
    except DynamoMagicError:
        return stored


# one trait class per kind of setting, each reading from and writing to the settings
_TRAIT_KINDS: dict[str, type[TraitType[Any, Any]]] = {
    kind.__name__: type(kind.__name__, (_InSettings, kind), {})
    for kind in (Enum, Bool, Int, Float, Unicode)
}


def _trait(setting: SettingField) -> TraitType[Any, Any]:
    """The ``%config DynamoMagic`` trait of one setting: its type, choices, default and help
    as ``Settings`` declares them, its value the setting in effect."""
    common: dict[str, Any] = {"allow_none": setting.optional, "help": setting.help}
    trait: TraitType[Any, Any]
    if setting.choices:
        trait = _TRAIT_KINDS["Enum"](setting.choices, setting.default, **common)
    elif setting.types == (bool,):
        trait = _TRAIT_KINDS["Bool"](setting.default, **common)
    elif setting.types == (int,):
        trait = _TRAIT_KINDS["Int"](setting.default, **common)
    elif float in setting.types:
        trait = _TRAIT_KINDS["Float"](setting.default, **common)
    else:
        trait = _TRAIT_KINDS["Unicode"](setting.default, **common)
    return trait.tag(config=True)


SETTING_NAMES = tuple(f.name for f in setting_fields())
# every scalar setting as a trait, generated: defaults and help stay declared once, in Settings
DynamoMagicSettings: Any = type(
    "DynamoMagicSettings", (Magics,), {f.name: _trait(f) for f in setting_fields()}
)


def _usage_error(exc: DynamoMagicError, command: str, line: str) -> UsageError:
    """A core error as a one-line ``UsageError``, parameters named by the magic's flags (the
    one typed on ``line`` where an option has several: ``--select`` or ``--columns``)."""
    return UsageError(exc.render(flag_namer(command, _split(line))))


class BadSetting(UsageError, TraitError):
    """A refused ``DynamoMagic`` value: a ``UsageError`` (one line in a notebook) that is also a
    ``TraitError``, so traitlets puts the old value back when ``%config`` set several at once."""


@magics_class
class DynamoMagic(DynamoMagicSettings):  # type: ignore[misc]
    """The dynamo_magic magics and their session defaults: ``%config DynamoMagic.x = ...``.

    Every setting of the config file but ``environments`` is a trait here (see ``Settings``).
    Flags given to a magic override these; these override the config file.
    """

    @validate(*SETTING_NAMES)
    def _check(self, proposal: Any) -> Any:
        """A value no read can use is refused before it is set (``%config`` shows the line, see
        ``update_config``)."""
        name, value = proposal["trait"].name, proposal["value"]
        # the config file's rules, with the other settings as they are in effect (or as the
        # same config sets them): backoff_base <= backoff_cap, workers per core...
        values = {n: getattr(self, n) for n in SETTING_NAMES} | {name: value}
        try:
            check_numbers(values)
            check_choices(values)
        except DynamoMagicError as exc:
            raise BadSetting(f"DynamoMagic.{exc}") from None
        return value

    @observe(*SETTING_NAMES)
    def _sync(self, change: dict[str, Any]) -> None:
        """A value set here becomes the session's setting (kept over config file reloads);
        values a config set together reach the settings together (each checked with the
        others: base and cap of the backoff, say)."""
        try:
            current = get_settings()
        except DynamoMagicError:  # the config file is unreadable: this value alone
            override_settings(**{change["name"]: change["new"]})
            return
        stored = self._trait_values
        changed = {
            n: stored[n] for n in SETTING_NAMES if n in stored and stored[n] != getattr(current, n)
        }
        if changed:
            override_settings(**changed)

    def refresh_settings(self) -> None:
        """The traits' storage set to the settings in effect (``set_settings``, the config
        file and ``%config`` may have changed them since)."""
        for name in SETTING_NAMES:
            stored = self._trait_values.get(name, self.trait_defaults(name))
            self._trait_values[name] = _in_effect(name, stored)

    @contextlib.contextmanager
    def hold_trait_notifications(self) -> Iterator[None]:
        """traitlets' hold (a config applied: values set, then checked together), starting
        from the settings in effect."""
        if not self._cross_validation_lock:
            self.refresh_settings()
        with super().hold_trait_notifications():
            yield

    def update_config(self, config: Any) -> None:
        """Apply ``config`` (what ``%config DynamoMagic.x = v`` does). A refused value is shown
        as every refusal is, one ``UsageError:`` line, and the old value kept: ``%config``
        itself would log any exception on the root logger (``ERROR:root:...``)."""
        try:
            super().update_config(config)
        except TraitError as exc:  # ours (BadSetting) or the trait's type ("expected an int")
            if self.shell is None:
                raise
            self.shell.show_usage_error(" ".join(str(exc).split()))

    table_display = Unicode(
        "html",
        help="How result tables show: html (pandas' HTML) or interactive (sortable, searchable,"
        f" paginated tables, offline; needs {tables.INSTALL_HINT})",
    ).tag(config=True)

    @validate("table_display")
    def _check_table_display(self, proposal: Any) -> Any:
        try:
            return tables.check_table_display(proposal["value"])
        except ValueError as exc:
            raise BadSetting(f"DynamoMagic.{exc}") from None

    @observe("table_display")
    def _show_tables(self, change: dict[str, Any]) -> None:
        """Results and panels show their tables this way from now on; a magic's DataFrame
        result through the notebook's HTML formatter (``tables.html_of_result``)."""
        tables.set_table_display(change["new"])
        formatter = getattr(getattr(self.shell, "display_formatter", None), "formatters", {})
        if change["new"] == "interactive" and "text/html" in formatter:
            import pandas as pd

            formatter["text/html"].for_type(pd.DataFrame, tables.html_of_result)

    def __init__(self, shell: Any):
        super().__init__(shell)  # registers self in shell.configurables; applies IPython config
        self.completer: completion.MagicCompleter | None = None  # set by ``register``
        configured = self.config.get(type(self).__name__, {})
        # ipython_config.py wins over the config file, also where both say the same now
        names = [n for n in SETTING_NAMES if n in configured]
        if names:
            override_settings(**{n: getattr(self, n) for n in names})

    @no_var_expand  # {x} and $x are not pasted into filters: :x binds a variable instead
    @line_cell_magic
    @magic_arguments()
    @argument("table", nargs="?", help="table name (line form)")
    @argument("pk_word", nargs="?", metavar="PK", help="partition key value")
    @argument("-t", "--table", dest="table_option", action=GivenOnce, help="table name (CLI form)")
    @argument(
        "-o", "--out", metavar="NAME", action=GivenOnce, help="store the result in this variable"
    )
    @argument("--ui", action="store_true", help="open a QueryPanel filled from the line instead")
    @options_of("query", skip=("table",))
    def dynamo_query(self, line: str, cell: str | None = None) -> Any:
        """Query a DynamoDB table or index into a pandas DataFrame.

        Line: ``%dynamo_query TABLE [PK] [--sk V] [--index I] [--env E] ...`` (or ``-t TABLE
        [PK]``, as the CLI spells it). Cell: ``%%dynamo_query [VAR] [--env E] [--limit N]`` with
        a PartiQL SELECT as the body; ``:name`` markers bind notebook variables. In every magic
        line a word starting with ``#`` begins a comment. With ``--ui``, a ``QueryPanel`` whose
        inputs hold every option of the line (one the panel has no input for is a
        ``UsageError``), the line checked first as without ``--ui`` (a bad value is the same
        ``UsageError``).
        """
        if cell is not None:
            return self._partiql(line, cell)
        # before parsing: argparse would refuse two different charts, with a less useful hint
        _refuse_twice(_split(line), "--plot", "one chart per line: run the line again for another")
        args, given = _parse_given(self.dynamo_query.parser, line, "query")  # type: ignore[union-attr]
        if args.ui:
            return self._query_panel(args, given, line)
        table = _query_table(args)
        try:
            kwargs = api_kwargs("query", args) | {"table": table}
            kwargs["pk"] = partition_key(args.pk_word, args.pk)
            if args.filter:  # :name looks the variable up as the filter is parsed
                kwargs["params"] = _Variables(self._lookup)
            found = api.explore(**kwargs)
        except DynamoMagicError as exc:
            raise _usage_error(exc, "query", line) from None
        view = found.count if found.kind == "count" else found.frame
        if found.kind == "items" and self.completer is not None and found.frame is not None:
            self.completer.remember(table, found.frame.columns)  # Tab offers them
        summary = found.summary_line
        if found.start_after is not None:  # one page of a paged read: how to ask for the next
            summary += f"\nnext page: --start-after {shlex.quote(found.start_after)}"
        delivered = self._deliver(view, summary, args.out)
        if args.plot is not None:  # a chart under the summary; a problem is one line, no error
            plots.show_plot(found, args.plot)
        return delivered

    @no_var_expand
    @line_magic
    @magic_arguments()
    @argument("table", nargs="?", help="source table name")
    @argument(
        "-t", "--table", dest="table_option", action=GivenOnce, help="source table name (CLI form)"
    )
    @argument(
        "-o",
        "--out",
        metavar="NAME",
        action=GivenOnce,
        help="store the result (or plan) in this variable",
    )
    @argument("--ui", action="store_true", help="open a CopyPanel filled from the line instead")
    @options_of("copy", skip=("table",))
    def dynamo_copy(self, line: str) -> Any:
        """Copy a table, or a slice of it, from one environment to another.

        ``%dynamo_copy TABLE --source A --target B [--pk V [--sk V]] [--mode M] [--dry-run]
        [--yes]``: returns the result (or, with --dry-run, the plan) and shows its summary.
        With ``--ui``, a ``CopyPanel`` whose inputs hold every option of the line (one the
        panel has no input for, such as ``--yes`` or ``--dry-run``, is a ``UsageError``).
        """
        args, given = _parse_given(self.dynamo_copy.parser, line, "copy")  # type: ignore[union-attr]
        if args.ui:
            return self._copy_panel(args, given, line)
        table = _table(args, "usage: %dynamo_copy TABLE --source A --target B [options]")
        args.transform = self._transform(args.transform)
        try:
            if args.dry_run:
                api.check_copy_run(  # as a run would
                    args.pk,
                    workers=args.workers,
                    segments=args.segments,
                    backend=args.backend,
                    scheduler=args.scheduler,
                )
                plan = api.plan_copy(
                    **api_kwargs("copy", args, without=RUN_ONLY) | {"table": table}
                )
                return self._deliver(plan, "", args.out)
            progress = self._progress() if args.progress else None
            job = api.start_copy(**api_kwargs("copy", args) | {"table": table}, progress=progress)
            result = job.result()  # a kernel interrupt cancels the job: it ends interrupted
        except CopyFailed as exc:
            if isinstance(exc.result, CopyResult):  # its table, then one short line: the
                display(exc.result)  # summary is shown once, not again in the error
                counts = "the result above has every count"
                message = f"{exc.result.problem_line()} ({counts})"
                if exc.result.resumable:  # then the line that continues it
                    words = resume_words(_split(line), cast(str, exc.result.checkpoint))
                    message += f"\nResume it with: %dynamo_copy {shlex.join(words)}"
                raise UsageError(message) from None
            raise _usage_error(exc, "copy", line) from None
        except DynamoMagicError as exc:
            raise _usage_error(exc, "copy", line) from None
        return self._deliver(result, result.summary_line(), args.out)

    def _transform(self, name: str | None) -> Any:
        """``--transform``'s value: a function of the notebook named ``name`` (loky pickles
        one defined in ``__main__`` by value for its worker processes), or ``module:function``
        text as it is (the core imports it); a name the notebook lacks, or not a function, is a
        ``UsageError``."""
        if name is None or ":" in name:
            return name
        if name not in self.shell.user_ns:
            raise UsageError(
                f"--transform {name}: no such name in the notebook; define the function "
                "(item -> item, list of items or None) first, or give module:function"
            )
        function = self.shell.user_ns[name]
        if not callable(function):
            raise UsageError(f"--transform {name} is a {type(function).__name__}, not a function")
        return function

    @no_var_expand
    @line_magic
    @magic_arguments()
    @argument("table", nargs="?", help="table to import into")
    @argument("-t", "--table", dest="table_option", action=GivenOnce, help="table name (CLI form)")
    @argument(
        "-o",
        "--out",
        metavar="NAME",
        action=GivenOnce,
        help="store the result (or plan) in this variable",
    )
    @options_of("import", skip=("table",))
    def dynamo_import(self, line: str) -> Any:
        """Import files into a table: an export folder (``%dynamo_export``'s or DynamoDB's
        export to S3), or JSON Lines, CSV or Parquet files, local or ``s3://``.

        ``%dynamo_import TABLE --from SRC [--env E] [--mode merge|replace|truncate]
        [--dry-run] [--yes] [--strings] [--create --key pk:S] [--storage-env ENV]
        [--checkpoint PATH] [--resume [PATH]]``: every file is checked before the first
        write; returns the result (or, with --dry-run, the plan) and shows its summary; an
        import that stops prints the line that resumes it.
        """
        args = _parse(self.dynamo_import.parser, line)  # type: ignore[union-attr]
        table = _table(args, "usage: %dynamo_import TABLE --from SRC [options]")
        try:
            if args.dry_run:
                plan = api.plan_import(
                    **api_kwargs("import", args, without=IMPORT_RUN_ONLY) | {"table": table}
                )
                return self._deliver(plan, "", args.out)
            progress = self._progress() if args.progress else None
            job = api.start_import(
                **api_kwargs("import", args, without=("dry_run",)) | {"table": table},
                progress=progress,
            )
            result = job.result()  # a kernel interrupt cancels the job: it ends interrupted
        except CopyFailed as exc:
            if isinstance(exc.result, CopyResult):  # its table, then one short line
                display(exc.result)
                message = f"{exc.result.problem_line()} (the result above has every count)"
                if exc.result.resumable:  # then the line that continues it, as a copy's
                    words = resume_words(_split(line), cast(str, exc.result.checkpoint))
                    message += f"\nResume it with: %dynamo_import {shlex.join(words)}"
                raise UsageError(message) from None
            raise _usage_error(exc, "import", line) from None
        except DynamoMagicError as exc:
            raise _usage_error(exc, "import", line) from None
        return self._deliver(result, result.summary_line(), args.out)

    @no_var_expand
    @line_magic
    @magic_arguments()
    @argument("table", nargs="?", help="table name")
    @argument("-t", "--table", dest="table_option", action=GivenOnce, help="table name (CLI form)")
    @options_of("restore", skip=("table",))
    def dynamo_restore(self, line: str) -> Any:
        """List a table's backups, or restore one: ``--into NEW_TABLE`` or ``--in-place --yes``.

        ``%dynamo_restore TABLE --env E`` alone returns the backups, newest first.
        """
        args = _parse(self.dynamo_restore.parser, line)  # type: ignore[union-attr]
        table = _table(args, "usage: %dynamo_restore TABLE --env E [--into NEW | --in-place]")
        if not args.into and not args.in_place and (args.backup != "latest" or args.yes):
            flag = "--yes" if args.yes else "--backup"
            raise UsageError(
                f"{flag} is for a restore: add --into NEW_TABLE or --in-place (without them, "
                "%dynamo_restore lists the backups)"
            )
        try:
            if not args.into and not args.in_place:
                found = api.backups(table, env=args.env)
                print(f"{len(found)} backup(s) of {table}; restore one with --into or --in-place")
                return found
            progress = self._progress() if args.progress else None
            outcome = api.restore(
                **api_kwargs("restore", args) | {"table": table}, progress=progress
            )
        except DynamoMagicError as exc:
            raise _usage_error(exc, "restore", line) from None
        return self._deliver(outcome, outcome.summary_line(), None)

    @no_var_expand
    @line_magic
    @magic_arguments()
    @argument("table", nargs="?", help="table name")
    @argument("-t", "--table", dest="table_option", action=GivenOnce, help="table name (CLI form)")
    @argument(
        "-o", "--out", metavar="NAME", action=GivenOnce, help="store the result in this variable"
    )
    @options_of("export", skip=("table",))
    def dynamo_export(self, line: str) -> Any:
        """Export a table, an index or a slice to files in DynamoDB's own export format.

        ``%dynamo_export TABLE --env E --to DEST [--pk V [--sk V]] [--index I] [--segments N]
        [--storage-env S] [--checkpoint PATH] [--resume [PATH]]``: DEST is a folder or
        ``s3://bucket/prefix``; returns the result (its ``folder`` is the export's) and shows
        its summary; a resume first says what it keeps, an export that stops prints the line
        that resumes it.
        """
        args = _parse(self.dynamo_export.parser, line)  # type: ignore[union-attr]
        table = _table(args, "usage: %dynamo_export TABLE --env E --to DEST [options]")
        try:
            progress = self._progress() if args.progress else None
            job = api.start_export(
                **api_kwargs("export", args) | {"table": table}, progress=progress
            )
            job.wait_checkpoint()
            if job.resuming:  # what the resume keeps, before it writes
                print(job.resuming[0].upper() + job.resuming[1:])
            result = job.result()  # a kernel interrupt cancels the job: it ends interrupted
        except CopyFailed as exc:
            if isinstance(exc.result, CopyResult):
                display(exc.result)
                message = f"{exc.result.problem_line()} (the result above has every count)"
                if exc.result.resumable:  # then the line that continues it, as a copy's
                    words = resume_words(_split(line), cast(str, exc.result.checkpoint))
                    message += f"\nResume it with: %dynamo_export {shlex.join(words)}"
                raise UsageError(message) from None
            raise _usage_error(exc, "export", line) from None
        except DynamoMagicError as exc:
            raise _usage_error(exc, "export", line) from None
        return self._deliver(result, result.summary_line(), args.out)

    @no_var_expand
    @line_magic
    @magic_arguments()
    @argument("frame", nargs="?", help="name of the DataFrame in the notebook")
    @argument("table", nargs="?", help="table to write into")
    @argument("-t", "--table", dest="table_option", action=GivenOnce, help="table (CLI form)")
    @argument(
        "-o", "--out", metavar="NAME", action=GivenOnce, help="store the result (or plan) here"
    )
    @options_of("put", skip=("table",))
    def dynamo_put(self, line: str) -> Any:
        """Write a DataFrame of the notebook into a table, one item per row
        (``dynamo_magic.put_df``).

        ``%dynamo_put FRAME TABLE [--env E] [--mode merge|replace|truncate] [--dry-run]
        [--yes]``: returns the result (or, with --dry-run, the plan) and shows its summary.
        """
        usage = "usage: %dynamo_put FRAME TABLE [--env E] [--mode M] [--dry-run] [--yes]"
        args = _parse(self.dynamo_put.parser, line)  # type: ignore[union-attr]
        if not args.frame:
            raise UsageError(usage)
        table = _table(args, usage)
        frame = self._frame(args.frame)
        kwargs = api_kwargs("put", args) | {"table": table, "df": frame}
        try:
            if args.dry_run:
                return self._deliver(api.put_df(**kwargs), "", args.out)
            progress = self._progress() if args.progress else None
            result = api.put_df(**kwargs, progress=progress)
        except CopyFailed as exc:
            if isinstance(exc.result, CopyResult):
                display(exc.result)
                raise UsageError(
                    f"{exc.result.problem_line()} (the result above has every count)"
                ) from None
            raise _usage_error(exc, "put", line) from None
        except DynamoMagicError as exc:
            raise _usage_error(exc, "put", line) from None
        return self._deliver(result, cast(CopyResult, result).summary_line(), args.out)

    def _frame(self, name: str) -> Any:
        """The DataFrame the notebook names ``name`` (a ``UsageError`` if there is none)."""
        import pandas as pd

        if name not in self.shell.user_ns:
            raise UsageError(f"{name}: no such name in the notebook; make the DataFrame first")
        frame = self.shell.user_ns[name]
        if not isinstance(frame, pd.DataFrame):
            raise UsageError(f"{name} is a {type(frame).__name__}, not a pandas DataFrame")
        return frame

    @line_magic
    def dynamo_panel(self, line: str) -> Any:
        """A widget panel: ``%dynamo_panel query [TABLE [PK]] [options]`` is
        ``%dynamo_query ... --ui`` (a ``QueryPanel``); ``%dynamo_panel copy [TABLE] [--source A]
        [--target B] [options]`` is ``%dynamo_copy ... --ui`` (a ``CopyPanel``) with
        ``--source``/``--target`` optional (one not given is the panel's first choice, shown
        in its dropdown and in the plan). ``--env`` is refused for a copy panel: a copy has two
        environments, named with ``--source`` and ``--target``."""
        words, commented = _words(line)
        if not words or words[0] not in ("query", "copy"):
            raise UsageError("usage: %dynamo_panel query|copy [TABLE] [--env E | --source A ...]")
        kind, rest = words[0], words[1:]
        if kind == "query":
            parser = self.dynamo_query.parser  # type: ignore[union-attr]
            args, given = _parse_given(parser, rest, "query", commented)
            return self._query_panel(args, given, line, need_table=False)
        args, given = _parse_given(_copy_panel_parser(), rest, "copy", commented)
        if args.env is not None:
            raise UsageError(
                "--env is not an option of a copy panel: name the environment to copy from "
                "with --source and the one to copy into with --target"
            )
        return self._copy_panel(args, given, line, need_table=False)

    def _query_panel(
        self, args: argparse.Namespace, given: set[str], line: str, need_table: bool = True
    ) -> Any:
        """A ``QueryPanel`` with every option of the parsed line in its inputs."""
        from . import panels

        _refuse_for_ui("query", given, args)
        table = _query_table(args, need_table)
        try:
            pk = partition_key(args.pk_word, args.pk)
        except DynamoMagicError as exc:
            raise _usage_error(exc, "query", line) from None
        bound = _filter_variables(args.filter) if args.filter else []
        if bound:  # the panel's filter is text: no notebook variable is looked up in it
            raise UsageError(
                f"--filter with :{bound[0]} cannot be used with --ui: the panel's filter takes "
                "values written out (status = 'paid'); run the line without --ui"
            )
        # the line's read, checked as the line without --ui checks it: what needs no table
        # before the panel opens, the rest against the schema the panel loaded
        spec = reading.ReadSpec(
            table=table or "",
            pk=pk,
            sk=args.sk,
            sk_op=args.sk_op,
            sk2=args.sk2,
            index=args.index,
            filter=args.filter,
            columns=reading.columns_of(args.columns),
            limit=args.limit,
        )
        try:
            reading.check(spec)
        except DynamoMagicError as exc:
            raise _usage_error(exc, "query", line) from None
        panel = panels.QueryPanel(env=args.env, table=table, namespace=self.shell.user_ns)
        values = {name: getattr(args, name) for name in given if name in panel.ui_options()}
        values.pop("env", None)  # the panel was opened on it
        if pk is not None:
            values["pk"] = pk
        _fill(panel, values, "query")
        if panel.error:  # an unknown environment, a missing table: as the line without --ui
            raise _panel_error(panel, "query", line)
        if table is not None and panel.schema is not None:
            try:
                reading.build(spec, panel.schema)
            except DynamoMagicError as exc:
                raise _usage_error(exc, "query", line) from None
        return panel

    def _copy_panel(
        self, args: argparse.Namespace, given: set[str], line: str, need_table: bool = True
    ) -> Any:
        """A ``CopyPanel`` with every option of the parsed line in its inputs."""
        from . import panels

        _refuse_for_ui("copy", given, args)
        usage = "usage: %dynamo_copy TABLE --source A --target B [options]"
        table = _table(args, usage, need_table)
        try:
            check_counts(workers=args.workers)  # as a copy would: nothing clipped silently
        except DynamoMagicError as exc:
            raise _usage_error(exc, "copy", line) from None
        panel = panels.CopyPanel(source=args.source, target=args.target, table=table)
        values = {name: getattr(args, name) for name in given if name in panel.ui_options()}
        values.pop("source", None)
        values.pop("target", None)
        _fill(panel, values, "copy")
        if panel.error:  # an unknown environment, a missing table: as the line without --ui
            raise _panel_error(panel, "copy", line)
        return panel

    @line_magic
    def dynamo_reset(self, line: str) -> None:
        """Start afresh without restarting the kernel: ``dynamo_magic.reset()`` (AWS sessions,
        clients and profiles rebuilt, the config file read again).

        Edited AWS files, ``AWS_*`` variables and the config file are noticed by themselves;
        this is for what no file shows, such as a new SSO login.
        """
        if _split(line):
            raise UsageError("%dynamo_reset takes no arguments")
        api.reset()
        print("dynamo_magic: AWS sessions and clients rebuilt on next use, config file reloaded")

    def _progress(self) -> Any:
        return TqdmProgress(notebook=True, enabled=get_settings().progress)

    def _partiql(self, line: str, cell: str) -> Any:
        words, commented = _words(line)
        try:
            args = _parse_words(_CELL_PARSER, words, commented, argparse.Namespace())
        except UsageError as exc:
            raise UsageError(f"%%dynamo_query: {exc}") from None
        out = args.out
        try:
            result = api.run_partiql(cell, **api_kwargs("partiql", args), lookup=self._lookup)
        except DynamoMagicError as exc:
            raise _usage_error(exc, "partiql", line) from None
        return self._deliver(result.to_frame(), result.summary_line(), out)

    def _lookup(self, name: str) -> Any:
        return self.shell.user_ns[name]

    def _deliver(self, view: Any, summary: str, out: str | None) -> Any:
        if tables.table_display() == "interactive" and hasattr(view, "attrs"):
            view.attrs[tables.RESULT_MARK] = True  # the notebook shows it as an interactive table
        if summary:
            print(summary)
        if out:
            self.shell.user_ns[out] = view
            print(f"stored in {out}")
            return None
        return view


class _Variables(Mapping[str, Any]):
    """Notebook variables as the filter's ``:name`` values, looked up as the filter is parsed
    (once, by the parser that reads the filter). Iterating gives the names found so far, so a
    missing name's message lists the variables the filter did bind, not the whole namespace."""

    def __init__(self, lookup: Callable[[str], Any]):
        self._lookup = lookup
        self._found: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._found:
            try:
                self._found[name] = self._lookup(name)
            except KeyError:
                raise KeyError(name) from None
        return self._found[name]

    def __contains__(self, name: object) -> bool:
        try:
            self[str(name)]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._found))

    def __len__(self) -> int:
        return len(self._found)

    def __bool__(self) -> bool:  # given, even before any name was asked for (``params or {}``)
        return True


_COMMENT_HINT = "; a word starting with # begins a comment: quote it ('#1') to pass it as a value"


def _words(line: str) -> tuple[list[str], bool]:
    """Shell-like words with quotes removed, and whether a comment was cut off.

    ``--filter "status = 'x'"`` is one word. As in a shell (and as Jupyter highlights a magic
    line), an unquoted ``#`` that *begins* a word starts a comment running to the end of the
    line; a ``#`` inside a word (``USER#1``), inside quotes (``'a #b'``) or escaped (``\\#1``)
    is data. IPython hands the magic its whole line, comment included.

    ``shlex``'s own comment handling cannot be used: it cuts ``USER#1`` to ``USER`` (a
    commenter ends a word wherever it appears). So shlex splits words without commenters, and
    before each word the raw text where that word starts is looked at: an unquoted ``#`` there
    ends the line. Everything else (quotes, escapes) is exactly ``shlex.split``.
    """
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    try:
        while True:
            # just after the previous word (and one separator); shlex reads a StringIO of line
            start = cast(io.StringIO, lexer.instream).tell()
            while start < len(line) and line[start] in lexer.whitespace:
                start += 1
            if start < len(line) and line[start] == "#":
                return words, True
            word = lexer.get_token()
            if word is None:  # posix mode: end of line
                return words, False
            words.append(word)
    except ValueError as exc:  # unbalanced quotes
        raise UsageError(f"cannot read the options ({exc}); check the quotes") from None


def _split(line: str) -> list[str]:
    """The words of a magic line, a trailing ``# comment`` dropped (see ``_words``)."""
    return _words(line)[0]


def _parse(parser: Any, line: str) -> Any:
    """Parse a magic line; when a comment was cut, a parse error says how to keep a ``#``.

    Positional words may come before, between or after options (``T -t T PK``): argparse's
    intermixed parsing, as a shell user expects. Plain ``parse_args`` fills all positionals
    from the first run of words only, so a word after an option was "unrecognized".
    """
    words, commented = _words(line)
    return _parse_words(parser, words, commented, argparse.Namespace())


def _parse_words(
    parser: Any, words: list[str], commented: bool, namespace: argparse.Namespace
) -> Any:
    try:
        args = parser.parse_intermixed_args(words, namespace=namespace)
    except UsageError as exc:  # a value or a required option may have gone into the comment
        hint = commented and "unrecognized arguments" not in str(exc)
        raise UsageError(f"{exc}{_COMMENT_HINT}" if hint else str(exc)) from None
    _check_out(getattr(args, "out", None))  # before anything runs
    return args


_NOT_GIVEN = object()  # an option's value before parsing: still there after it, not given


def _parse_given(
    parser: Any, line: str | list[str], command: str, commented: bool = False
) -> tuple[argparse.Namespace, set[str]]:
    """``_parse``, and the API keywords of ``command`` that the line gave (an option's default
    counts as not given: a panel keeps its own then)."""
    if isinstance(line, str):
        words, commented = _words(line)
    else:
        words = line
    keywords = {o.keyword for o in command_options(command, "magic")} - {"table"}
    unset = argparse.Namespace(**dict.fromkeys(keywords, _NOT_GIVEN))
    args = _parse_words(parser, words, commented, unset)
    given = {k for k in keywords if getattr(args, k) is not _NOT_GIVEN}
    for name in keywords - given:
        setattr(args, name, parser.get_default(name))
    return args, given


def _query_table(args: argparse.Namespace, required: bool = True) -> Any:
    """The table of a query line; with ``-t T PK``, as in the CLI, the one positional word is
    the partition key (argparse gave it to the first positional, TABLE). With two words
    (``T -t T PK``), the first is the table: the same name is fine, another one is refused."""
    if args.table_option is not None and args.pk_word is None:
        args.table, args.pk_word = None, args.table
    return _table(args, "usage: %dynamo_query TABLE [PK] [options]; see %dynamo_query?", required)


def _panel_class(command: str) -> Any:
    """The panel ``--ui`` opens for ``command``: it says which options it takes (``FIELDS``)."""
    from . import panels

    return panels.QueryPanel if command == "query" else panels.CopyPanel


def _refuse_for_ui(command: str, given: Iterable[str], args: argparse.Namespace) -> None:
    """A ``UsageError`` naming the first option of the line the panel has no input for."""
    try:
        _panel_class(command).check_ui_options(given)
    except DynamoMagicError as exc:
        raise UsageError(exc.render(lambda keyword: flag_of(keyword, command))) from None
    if getattr(args, "out", None):
        where = "'Store as' in the panel" if command == "query" else "the panel's .result"
        raise UsageError(f"--out cannot be used with --ui: the panel is the result; use {where}")


def _panel_error(panel: Any, command: str, line: str) -> UsageError:
    """The error a panel opened from ``line`` shows, as the line without ``--ui`` gives it:
    the core's error in the magic's words (flags), not the panel's (its labels)."""
    if panel.problem is None:
        return UsageError(panel.error)
    return _usage_error(panel.problem, command, line)


def _fill(panel: Any, values: Mapping[str, Any], command: str) -> None:
    """Put each option's value into the panel input of that name (``fill``); a value the
    input cannot hold is a ``UsageError`` naming the option's flag."""
    try:
        panel.fill(values)
    except DynamoMagicError as exc:
        raise UsageError(exc.render(lambda keyword: flag_of(keyword, command))) from None


class _NameRecorder(Mapping[str, Any]):
    """Every ``:name`` a filter asks for, in order, each given the value 0."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __getitem__(self, name: str) -> Any:
        self.names.append(name)
        return 0

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __bool__(self) -> bool:
        return True


def _filter_variables(text: str) -> list[str]:
    """The ``:name`` markers of a filter (none for a filter that does not parse: the panel
    reports that when it runs)."""
    recorder = _NameRecorder()
    try:
        parse_filter(text, Placeholders(), recorder)
    except DynamoMagicError:
        return []
    return recorder.names


def _refuse_twice(words: list[str], flag: str, hint: str) -> None:
    """A ``UsageError`` when ``flag`` (or a prefix argparse would take for it: ``--plo``) is
    given more than once; argparse would keep only the last."""
    typed = [w.split("=", 1)[0] for w in words if w.startswith("--")]
    if sum(1 for w in typed if len(w) > 3 and flag.startswith(w)) > 1:
        raise UsageError(f"{flag} is given twice: {hint}")


def _copy_panel_parser() -> MagicArgumentParser:
    """``%dynamo_copy``'s options for ``%dynamo_panel copy``: none required, and ``--env``
    read so that it can be refused with a hint."""
    parser = MagicArgumentParser(prog="%dynamo_panel copy")
    parser.add_argument("table", nargs="?")
    parser.add_argument("-t", "--table", dest="table_option", action=GivenOnce)
    parser.add_argument("-o", "--out", action=GivenOnce)
    parser.add_argument("-e", "--env", action=GivenOnce)
    parser.add_argument("--ui", action="store_true")  # %dynamo_panel opens one anyway
    for option in command_options("copy", "magic"):
        if option.keyword != "table":
            kwargs = option.argparse_kwargs("copy")
            kwargs.pop("required", None)
            parser.add_argument(*option.flags, **kwargs)
    return parser


def _check_out(name: str | None) -> None:
    """``--out NAME`` must be a name Python can assign to (not ``1bad``, not ``for``)."""
    if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
        raise UsageError(f"--out {name!r} is not a Python variable name; use letters, digits, _")


def _table(args: Any, usage: str, required: bool = True) -> Any:
    """The table named as ``TABLE`` or ``-t TABLE`` (once; the same name twice is fine);
    ``None`` when none is named and ``required`` is false (a panel lets the user choose)."""
    if args.table and args.table_option and args.table != args.table_option:
        raise UsageError(
            f"the table is given twice ('{args.table}' and '{args.table_option}'): "
            "give it once, as TABLE or as -t TABLE"
        )
    table = args.table or args.table_option
    if not table:
        if not required:
            return None
        raise UsageError(usage)
    return str(table)


def register(ipython: Any) -> None:
    magics = DynamoMagic(ipython)
    ipython.register_magics(magics)
    if getattr(ipython, "Completer", None) is not None:  # a shell without one completes nothing
        magics.completer = completion.install(ipython)
