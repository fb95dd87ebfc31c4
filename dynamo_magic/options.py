"""Command options shared by the CLI and the magics, declared once (argparse form).

Each entry is ``(flags, argparse keyword arguments)``; the CLI adds them to a subparser and the
magics turn them into ``@magic_arguments.argument`` decorators, so both accept the same words.
"""

from __future__ import annotations

from typing import Any

from .expressions import SORT_KEY_OPERATORS
from .settings import NUMBER_POLICIES

Option = tuple[tuple[str, ...], dict[str, Any]]

ENV: Option = (("-e", "--env"), {"help": "environment: an AWS profile name (default: configured)"})

KEY_OPTIONS: list[Option] = [
    (("-pk", "--pk"), {"dest": "pk_option", "metavar": "VALUE", "help": "partition key value"}),
    (("-sk", "--sk"), {"metavar": "VALUE", "help": "sort key value (begins_with by default)"}),
    (
        ("--sk-op",),
        {
            "default": "begins_with",
            "choices": SORT_KEY_OPERATORS,
            "help": "sort key operator (default begins_with)",
        },
    ),
    (("--sk2",), {"metavar": "VALUE", "help": "upper bound for --sk-op between"}),
    (("-i", "--index"), {"help": "query this GSI or LSI instead of the table"}),
]

QUERY_OPTIONS: list[Option] = [
    *KEY_OPTIONS,
    ENV,
    (
        ("--filter",),
        {
            "help": "filter, e.g. \"status = 'active' AND age > 30\" "
            "(in a notebook, :name binds the variable name)"
        },
    ),
    (
        ("--select",),
        {
            "metavar": "A,B",
            "help": "attributes to return, paths like addr.city (keys always come too)",
        },
    ),
    (("--limit",), {"type": int, "metavar": "N", "help": "stop after N items"}),
    (
        ("-head", "--head"),
        {"type": int, "nargs": "?", "const": 5, "metavar": "N", "help": "show the first N items"},
    ),
    (
        ("-u", "--unique"),
        {"metavar": "ATTR", "help": "distinct values of ATTR (a path: addr.city) with counts"},
    ),
    (("--summary",), {"action": "store_true", "help": "per-attribute summary of the result"}),
    (("--count",), {"action": "store_true", "help": "count matching items (Select COUNT)"}),
    (("--scan",), {"action": "store_true", "help": "parallel scan of the whole table or index"}),
    (("--segments",), {"type": int, "metavar": "N", "help": "scan segments (with --scan)"}),
    (("--consistent",), {"action": "store_true", "help": "strongly consistent read"}),
    (("--reverse",), {"action": "store_true", "help": "descending sort-key order"}),
    (
        ("--flatten",),
        {"action": "store_true", "help": "expand maps into columns named by path (addr.city)"},
    ),
    (
        ("--numbers",),
        {
            "choices": NUMBER_POLICIES,
            "help": "number columns: auto (Int64, Float64 or exact Decimal), decimal or float",
        },
    ),
]


def query_kwargs(args: Any, pk: Any) -> dict[str, Any]:
    """The ``api.fetch`` keyword arguments named by parsed query options."""
    return {
        "pk": pk,
        "env": args.env,
        "sk": args.sk,
        "sk_op": args.sk_op,
        "sk2": args.sk2,
        "index": args.index,
        "filter": args.filter,
        "select": args.select,
        "limit": args.limit if args.head is None else _head_limit(args),
        "scan": args.scan,
        "segments": args.segments,
        "consistent": args.consistent,
        "reverse": args.reverse,
        "flatten": args.flatten,
        "numbers": args.numbers,
        "count": args.count,
    }


def _head_limit(args: Any) -> int | None:
    # --head with --unique/--summary analyses everything and shows N rows; alone it reads N
    if args.unique or args.summary:
        return args.limit
    return min(args.head, args.limit) if args.limit is not None else args.head


def partition_key(positional: str | None, option: str | None) -> str | None:
    """``dynamo query -t T PK`` and ``dynamo query -t T -pk PK`` are the same request."""
    from .errors import InvalidQuery

    if positional is not None and option is not None and positional != option:
        raise InvalidQuery("give the partition key once: either PK or --pk, not both")
    return option if option is not None else positional


COPY_OPTIONS: list[Option] = [
    (("-src", "--source"), {"required": True, "help": "environment to copy from"}),
    (("-tgt", "--target"), {"required": True, "help": "environment to copy into"}),
    (("--target-table",), {"metavar": "NAME", "help": "target table name (default: same)"}),
    (("--target-region",), {"metavar": "REGION", "help": "target region (default: profile's)"}),
    *KEY_OPTIONS,
    (
        ("--mode",),
        {
            "choices": ("replace", "truncate", "merge"),
            "default": "replace",
            "help": "replace (default: puts, then deletes target-only keys), truncate, merge",
        },
    ),
    (("--dry-run",), {"action": "store_true", "help": "show the plan; write nothing"}),
    (
        ("--yes",),
        {"action": "store_true", "help": "confirm writing into a non-empty/protected target"},
    ),
    (("--workers",), {"type": int, "metavar": "N", "help": "parallel worker processes"}),
    (("--segments",), {"type": int, "metavar": "N", "help": "parallel scan segments"}),
    (
        ("--backend",),
        {
            "choices": ("auto", "loky", "threading"),
            "help": "joblib backend (default auto: threads for small jobs)",
        },
    ),
    (("--no-backup",), {"action": "store_true", "help": "do not back up the target first"}),
    (
        ("--verify",),
        {"choices": ("count", "full", "none"), "help": "check after copying (default count)"},
    ),
    (("--no-progress",), {"action": "store_true", "help": "no progress bar"}),
]

TABLE_ENV_OPTIONS: list[Option] = [
    (("-t", "--table"), {"required": True, "help": "table name"}),
    ENV,
]

RESTORE_OPTIONS: list[Option] = [
    (
        ("--backup",),
        {"default": "latest", "metavar": "ID", "help": "backup name or ARN (default latest)"},
    ),
    (("--into",), {"metavar": "NEW_TABLE", "help": "restore into this new table"}),
    (("--in-place",), {"action": "store_true", "help": "restore back into the table itself"}),
    (("--yes",), {"action": "store_true", "help": "confirm replacing the table's contents"}),
]

TRUNCATE_OPTIONS: list[Option] = [
    (("--yes",), {"action": "store_true", "help": "confirm deleting every item"}),
    (("--no-backup",), {"action": "store_true", "help": "do not back up the table first"}),
]


def copy_kwargs(args: Any) -> dict[str, Any]:
    """The ``api.copy`` keyword arguments named by parsed copy options."""
    return {
        "source": args.source,
        "target": args.target,
        "target_table": args.target_table,
        "target_region": args.target_region,
        "pk": args.pk_option,
        "sk": args.sk,
        "sk_op": args.sk_op,
        "sk2": args.sk2,
        "index": args.index,
        "mode": args.mode,
        "dry_run": args.dry_run,
        "yes": args.yes,
        "workers": args.workers,
        "segments": args.segments,
        "backend": args.backend,
        "backup": not args.no_backup,
        "verify": args.verify,
    }
