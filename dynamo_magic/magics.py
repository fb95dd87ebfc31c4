"""``%dynamo_query`` / ``%%dynamo_query`` and ``%config DynamoMagic``: a thin IPython layer.

Errors from the engine become ``UsageError`` (one line, no traceback); results are DataFrames
that ``df = %dynamo_query ...`` captures, or that ``--out NAME`` stores in the namespace.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Enum, Int, Unicode, observe

from . import api
from .errors import DynamoMagicError
from .options import QUERY_OPTIONS, Option, partition_key, query_kwargs
from .settings import NUMBER_POLICIES, get_settings, set_settings


def _with_options(options: list[Option]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Apply the shared option declarations as ``@argument`` decorators (same order as CLI)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for flags, kwargs in reversed(options):
            func = argument(*flags, **kwargs)(func)
        return func

    return decorate


@magics_class
class DynamoMagic(Magics):
    """The dynamo_magic magics and their session defaults: ``%config DynamoMagic.x = ...``.

    Flags given to a magic override these; these override the config file.
    """

    default_env = Unicode(None, allow_none=True, help="environment used without --env").tag(
        config=True
    )
    numbers = Enum(NUMBER_POLICIES, "auto", help="N -> DataFrame: auto, decimal or float").tag(
        config=True
    )
    preview_items = Int(20, help="items shown for a table queried without a key").tag(config=True)
    display_rows = Int(50, help="rows displayed of a result").tag(config=True)
    progress = Bool(True, help="show progress bars").tag(config=True)

    @observe("default_env", "numbers", "preview_items", "display_rows", "progress")
    def _sync(self, change: dict[str, Any]) -> None:
        set_settings(dataclasses.replace(get_settings(), **{change["name"]: change["new"]}))

    def __init__(self, shell: Any):
        super().__init__(shell)  # registers self in shell.configurables; applies IPython config
        configured = self.config.get(type(self).__name__, {})
        for name in self.trait_names(config=True):
            if name in configured:  # ipython_config.py wins over the config file
                set_settings(dataclasses.replace(get_settings(), **{name: getattr(self, name)}))
            else:
                with self.hold_trait_notifications():
                    setattr(self, name, getattr(get_settings(), name))

    @line_cell_magic
    @magic_arguments()
    @argument("table", nargs="?", help="table name (line form)")
    @argument("pk", nargs="?", help="partition key value")
    @argument("-o", "--out", metavar="NAME", help="store the result in this variable")
    @_with_options(QUERY_OPTIONS)
    def dynamo_query(self, line: str, cell: str | None = None) -> Any:
        """Query a DynamoDB table or index into a pandas DataFrame.

        Line: ``%dynamo_query TABLE [PK] [--sk V] [--index I] [--env E] ...``.
        Cell: ``%%dynamo_query [VAR] [--env E]`` with a PartiQL SELECT as the body; ``:name``
        markers bind notebook variables.
        """
        if cell is not None:
            return self._partiql(line, cell)
        args = parse_argstring(self.dynamo_query, line)
        if not args.table:
            raise UsageError("usage: %dynamo_query TABLE [PK] [options]; see %dynamo_query?")
        try:
            pk = partition_key(args.pk, args.pk_option)
            kwargs = query_kwargs(args, pk)
            params = dict(self.shell.user_ns) if args.filter and ":" in args.filter else None
            found = api.explore(
                args.table,
                head=args.head,
                unique=args.unique,
                summary=args.summary,
                params=params,
                **kwargs,
            )
        except DynamoMagicError as exc:
            raise UsageError(str(exc)) from None
        return self._deliver(found.view, found.summary_line, args.out)

    def _partiql(self, line: str, cell: str) -> Any:
        words = shlex.split(line)
        out = words.pop(0) if words and not words[0].startswith("-") else None
        env = limit = None
        try:
            while words:
                flag = words.pop(0)
                if flag in ("-e", "--env"):
                    env = words.pop(0)
                elif flag == "--limit":
                    limit = int(words.pop(0))
                else:
                    raise UsageError(f"%%dynamo_query: unknown option {flag}; use [VAR] [--env E]")
        except (IndexError, ValueError):
            raise UsageError("%%dynamo_query [VAR] [--env ENV] [--limit N]") from None
        try:
            result = api.run_partiql(cell, env=env, limit=limit, lookup=self._lookup)
        except DynamoMagicError as exc:
            raise UsageError(str(exc)) from None
        return self._deliver(result.to_frame(), result.summary_line(), out)

    def _lookup(self, name: str) -> Any:
        return self.shell.user_ns[name]

    def _deliver(self, view: Any, summary: str, out: str | None) -> Any:
        print(summary)
        if out:
            self.shell.user_ns[out] = view
            print(f"stored in {out}")
            return None
        return view


def register(ipython: Any) -> None:
    ipython.register_magics(DynamoMagic(ipython))
