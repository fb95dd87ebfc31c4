"""The ``dynamo`` command: a thin argparse layer over ``dynamo_magic.api``.

Exit codes: 0 success (an empty result too), 2 bad input or refused, 1 other failures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, cast

from . import analysis, api, lazy
from .codec import flatten_items, item_json, json_text, text_cell
from .errors import CopyFailed, DynamoMagicError
from .options import (
    IMPORT_RUN_ONLY,
    RUN_ONLY,
    add_arguments,
    api_kwargs,
    flag_namer,
    partition_key,
    resume_words,
)
from .progress_bars import TqdmProgress
from .settings import get_settings

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use: a copy never makes a DataFrame (lazy.py)
    pd = lazy.module("pandas")

EXIT_OK, EXIT_USAGE = 0, 2  # a failure while working exits with its error's exit_code (1)


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad input as one ``Error: ...`` line (exit 2), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        print(f"Error: {message} (see: {self.prog} --help)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The ``dynamo`` parser: one subcommand per api call, options from ``options.OPTIONS``."""
    parser = _Parser(
        prog="dynamo",
        description="Query DynamoDB tables and indexes across AWS accounts.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    query = commands.add_parser(
        "query",
        help="query a table or index by partition key, scan it, or preview it",
        description="Query a table or GSI/LSI by partition key (or --scan, or a preview).",
    )
    add_arguments(query, "query", only=("table",))
    query.add_argument("pk_word", nargs="?", metavar="PK", help="partition key value")
    add_arguments(query, "query", skip=("table",))
    query.set_defaults(handler=_query)

    describe = commands.add_parser("describe", help="show a table's keys, indexes and size")
    add_arguments(describe, "describe")
    describe.set_defaults(handler=_describe)

    partiql = commands.add_parser("partiql", help="run a PartiQL SELECT with bound parameters")
    partiql.add_argument("statement", help="SELECT statement; ? markers take --param values")
    partiql.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="VALUE",
        help="value for the next ? marker (numbers stay numbers: 42, 1.5)",
    )
    add_arguments(partiql, "partiql")
    partiql.set_defaults(handler=_partiql)

    copy = commands.add_parser(
        "copy",
        help="copy a table or a slice of it from one environment to another",
        description="Copy a whole table, or a slice (--pk [--sk] [--index]), across accounts. "
        "Exit 0 done and verified, 1 failed, 2 bad input or refused (nothing written).",
    )
    add_arguments(copy, "copy")
    copy.set_defaults(handler=_copy)

    restore = commands.add_parser(
        "restore", help="restore a backup into a new table or back into the table"
    )
    add_arguments(restore, "restore")
    restore.set_defaults(handler=_restore)

    backups = commands.add_parser("backups", help="list a table's on-demand backups")
    add_arguments(backups, "backups")
    backups.set_defaults(handler=_backups)

    truncate = commands.add_parser("truncate", help="delete every item (backed up first)")
    add_arguments(truncate, "truncate")
    truncate.set_defaults(handler=_truncate)

    export = commands.add_parser(
        "export",
        help="export a table, index or slice to files in DynamoDB's export format",
        description="Write a table, an index or a slice (--pk [--sk] [--index]) to "
        "DEST/AWSDynamoDB/<export id>/ as DynamoDB's export to S3 does: gzipped DynamoDB "
        "JSON lines, one file per scan segment, manifests with counts and MD5s. DEST is a "
        "folder or s3://bucket/prefix (--storage-env: the environment that reaches the "
        "bucket). Exit 0 done, 1 failed (no manifest written), 2 bad input (nothing written).",
    )
    add_arguments(export, "export")
    export.set_defaults(handler=_export)

    imports = commands.add_parser(
        "import",
        help="import files into a table: an export folder, JSON Lines, CSV or Parquet",
        description="Import an export folder (dynamo export's or DynamoDB's export to S3) or "
        "JSON Lines, CSV or Parquet files, local or s3://, into a table. Every file is checked "
        "before the first write. Exit 0 done and verified, 1 failed, 2 bad input, a bad file "
        "or refused (nothing written).",
    )
    add_arguments(imports, "import")
    imports.set_defaults(handler=_import)

    demo = commands.add_parser(
        "demo",
        help="start a local demo: two DynamoDB accounts (demo-prod, demo-dev) and JupyterLab",
        description="Start two local DynamoDB servers (moto) as the accounts demo-prod and "
        "demo-dev, seed table 'shop' in both, and open JupyterLab on the notebooks with them. "
        "Ctrl-C stops everything. Needs: pip install 'dynamo_magic[demo]'.",
    )
    demo.add_argument(
        "--no-lab",
        dest="lab",
        action="store_false",
        help="start the servers only and print the NAME=value variables to export",
    )
    demo.add_argument(
        "--port",
        type=int,
        metavar="N",
        help="demo-prod's DynamoDB on port N, demo-dev's on N+1 (default: free ports)",
    )
    demo.add_argument(
        "--folder",
        metavar="DIR",
        help="where the profiles, settings, logs and notebook copies go "
        "(default: a fresh folder under ~/.cache/dynamo_magic)",
    )
    demo.set_defaults(handler=_demo)
    return parser


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every cell as ``codec.text_cell`` writes it: what table and csv print."""
    return pd.DataFrame(
        {i: _text_column(frame.iloc[:, i]) for i in range(frame.shape[1])}
    ).set_axis(frame.columns, axis=1)


def _text_column(column: pd.Series) -> list[str]:
    # string and Int64 columns in one call each: the text ``text_cell`` gives, cheaper
    if str(column.dtype) in ("string", "Int64"):
        return cast(list[str], column.astype(object).where(column.notna(), "").astype(str).tolist())
    return [text_cell(v) for v in column.tolist()]


def _print_frame(frame: pd.DataFrame, fmt: str) -> None:
    """A DataFrame (items, unique values, a summary) in ``fmt``, each cell in the one text
    encoding of ``codec``: JSON Lines with exact numbers, or csv/table cells as ``text_cell``."""
    if fmt == "json":
        names = [json.dumps(str(name), ensure_ascii=False) for name in frame.columns]
        for row in frame.itertuples(index=False, name=None):
            print(
                "{"
                + ", ".join(f"{n}: {json_text(v)}" for n, v in zip(names, row, strict=True))
                + "}"
            )
    elif fmt == "csv":
        _text_frame(frame).to_csv(sys.stdout, index=False)
    elif frame.empty:
        print("(no items)")
    else:
        print(_text_frame(frame).to_string(index=False))


def _print_items(result: Any, frame: pd.DataFrame, fmt: str) -> None:
    """Items in ``fmt``. JSON lines come straight from the typed items, so numbers keep every
    digit and a missing attribute is left out; with ``--flatten`` each line carries the
    flattened column names (``addr.city``), as the csv and table columns do."""
    if fmt == "json":
        items = result.items[: len(frame)]
        if result.flatten:
            items = flatten_items(items, result.key_names)
        for item in items:
            print(item_json(item))
    else:
        _print_frame(frame, fmt)


def _print_unique(view: pd.DataFrame, fmt: str) -> None:
    """A ``--unique`` table: in JSON the row of items without the attribute has ``null`` as
    value and type (a NULL value has type ``NULL``); csv and table cells show ``<missing>``."""
    if fmt != "json":
        view = view.copy()
        missing = analysis.missing_rows(view)
        view.iloc[:, 0] = view.iloc[:, 0].where(~missing, analysis.MISSING)
    _print_frame(view, fmt)


def _print_summary(view: pd.DataFrame, fmt: str) -> None:
    """A ``--summary`` table: JSON and csv write each row's top values whole, as a JSON list of
    ``[value, count]`` pairs; only the human table shortens them (``value (count), ...``)."""
    if fmt == "table":
        view = view.assign(**{"top values": view["top values"].map(analysis.top_values_text)})
    _print_frame(view, fmt)


def _query(args: argparse.Namespace) -> None:
    kwargs = api_kwargs("query", args)
    kwargs["pk"] = partition_key(args.pk_word, args.pk)
    found = api.explore(**kwargs)
    print(found.summary_line, file=sys.stderr)
    if found.start_after is not None:  # one page of a paged read: how to ask for the next
        print(f"next page: --start-after {shlex.quote(found.start_after)}", file=sys.stderr)
    if found.kind == "count":
        print(found.count)
    elif found.kind == "items":
        _print_items(found.result, found.frame, args.format)
    elif found.kind == "unique":
        _print_unique(found.frame, args.format)
    else:
        _print_summary(found.frame, args.format)


def _describe(args: argparse.Namespace) -> None:
    schema = api.describe(**api_kwargs("describe", args))
    print(schema.summary_line())
    _print_frame(pd.DataFrame(schema.describe_rows()), "table")


def _partiql(args: argparse.Namespace) -> None:
    from .codec import parse_cli_value

    params = [parse_cli_value(v) for v in args.param]
    result = api.run_partiql(args.statement, params, **api_kwargs("partiql", args))
    print(result.summary_line(), file=sys.stderr)
    _print_items(result, result.to_frame(), args.format)


def _bars(args: argparse.Namespace) -> TqdmProgress | None:
    """Progress bars on stderr: none with --no-progress, hidden when the settings say
    ``progress = false``."""
    return TqdmProgress(enabled=get_settings().progress) if args.progress else None


def _copy(args: argparse.Namespace) -> None:
    if args.dry_run:
        api.check_copy_run(  # refused as a run would
            args.pk,
            workers=args.workers,
            segments=args.segments,
            backend=args.backend,
            scheduler=args.scheduler,
        )
        print(api.plan_copy(**api_kwargs("copy", args, without=RUN_ONLY)))
        return
    job = api.start_copy(**api_kwargs("copy", args), progress=_bars(args))
    _print_checkpoint(job, "copy")
    result = job.result()  # Ctrl-C cancels the job: it ends interrupted, with what it did
    print(result.summary_line())


def _print_checkpoint(job: Any, what: str) -> None:
    """The checkpoint line of a copy, an import or an export (on stderr), once the job has
    chosen its file, before anything is written; then a resume's line (what it keeps)."""
    checkpoint = job.wait_checkpoint()
    if checkpoint is not None:
        print(
            f"Checkpoint: {checkpoint} (if the {what} stops, --resume continues it)",
            file=sys.stderr,
        )
    if job.resuming:  # what a resume keeps and what is left
        print(job.resuming[0].upper() + job.resuming[1:], file=sys.stderr)


RESUMABLE = (
    "copy",
    "import",
    "export",
)  # the commands whose failures print the command resuming them


def _resume_command(error: DynamoMagicError, words: Sequence[str]) -> str | None:
    """The exact command that resumes the copy or import ``error`` stopped (``words``: its
    arguments, with ``--resume`` pointing at its checkpoint file), or ``None`` when it is not
    one that was interrupted or stopped by an error (one whose phases all ran has nothing to
    resume)."""
    result = error.result if isinstance(error, CopyFailed) else None
    if result is None or not result.resumable or not words or words[0] not in RESUMABLE:
        return None
    return shlex.join(["dynamo", *resume_words(words, cast(str, result.checkpoint))])


def _restore(args: argparse.Namespace) -> None:
    outcome = api.restore(**api_kwargs("restore", args), progress=_bars(args))
    print(outcome.summary_line())


def _backups(args: argparse.Namespace) -> None:
    _print_frame(api.backups(**api_kwargs("backups", args)), "table")


def _truncate(args: argparse.Namespace) -> None:
    result = api.truncate(**api_kwargs("truncate", args), progress=_bars(args))
    print(result.summary_line())
    if not result.ok:
        raise CopyFailed(result.summary_line(), result)


def _import(args: argparse.Namespace) -> None:
    if args.dry_run:
        print(api.plan_import(**api_kwargs("import", args, without=IMPORT_RUN_ONLY)))
        return
    job = api.start_import(**api_kwargs("import", args, without=("dry_run",)), progress=_bars(args))
    _print_checkpoint(job, "import")
    result = job.result()  # Ctrl-C cancels the job: it ends interrupted, with what it did
    print(result.summary_line())


def _export(args: argparse.Namespace) -> None:
    job = api.start_export(**api_kwargs("export", args), progress=_bars(args))
    _print_checkpoint(job, "export")
    result = job.result()  # Ctrl-C cancels the job: it ends interrupted, with what it did
    print(result.summary_line())


def _demo(args: argparse.Namespace) -> None:
    from pathlib import Path

    from .demo.run import run  # only here: the demo starts processes and imports no core

    run(args.lab, args.port, Path(args.folder) if args.folder else None)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a CI job's time limit, a container stopping) stops the command as
    Ctrl-C does: a copy cancels its workers, keeps its checkpoint and prints the command that
    resumes it, rather than dying with nothing said. The previous handler is put back after
    (``main`` may run inside another program, e.g. a test); signals are only the main thread's."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dynamo`` console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or bad arguments (2, already reported)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        with _terminate_as_interrupt():
            args.handler(args)
        sys.stdout.flush()
    except DynamoMagicError as exc:
        words = sys.argv[1:] if argv is None else argv
        print(f"Error: {exc.render(flag_namer(args.command, words))}", file=sys.stderr)
        resume = _resume_command(exc, words)
        if resume:
            print(f"Resume it with: {resume}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `dynamo query ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
