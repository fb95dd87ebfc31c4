"""The public functions' numpy-style docstrings, assembled from one description per parameter.

``api`` has some twenty functions sharing their parameters (``table``, ``pk``, ``env``,
``columns`` ...): each is described once in ``PARAMETERS`` and ``numpy_doc`` writes a
function's docstring (summary, Parameters, Returns, Raises, Examples) from the names it lists,
so ``help()``, IDEs and ``inspect.getdoc`` all see the full text.
"""

from __future__ import annotations

import functools
import inspect
import textwrap
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

PARAMETERS: dict[str, str] = {
    "table": "table : str\n    Table name (3 to 255 characters of A-Z a-z 0-9 _ . -); where a"
    " table is only read, its ARN.",
    "pk": "pk : str, int, float, Decimal or bytes, optional\n    Partition key value (typed from"
    " the table's AttributeDefinitions): a query. ``None``: the first items (a preview) or,"
    " with ``scan=True``, the whole table or index.",
    "copy_table": "table : str\n    Source table name (3 to 255 characters of A-Z a-z 0-9 _ . -;"
    " no ARN: the target's table, backups and failed-item files are named after it).",
    "write_table": "table : str\n    Table name (3 to 255 characters of A-Z a-z 0-9 _ . -; no"
    " ARN).",
    "copy_pk": "pk : str, int, float, Decimal or bytes, optional\n    Partition key value of the"
    " slice to copy (of ``index`` if given); ``None``: the whole table.",
    "env": "env : str, optional\n    Environment (AWS profile or configured name); ``None``: the"
    " configured default, else the default profile.",
    "sk": "sk : str, int, float, Decimal or bytes, optional\n    Sort key value of the condition"
    " ``sk_op`` (the lower bound of ``between``).",
    "sk_op": "sk_op : str, optional\n    Sort-key operator: begins_with, =, <, <=,"
    " >, >= or between; ``None``: begins_with on a string or binary sort key, = on a number.",
    "sk2": "sk2 : optional\n    Upper bound of ``sk_op='between'``.",
    "index": "index : str, optional\n    A GSI or LSI to read instead of the table.",
    "filter": "filter : str, optional\n    Filter expression, e.g. ``\"status = 'open' AND qty >"
    ' :n"`` (applied by DynamoDB after reading: evaluated items still cost read units).',
    "columns": "columns : str or list of str, optional\n    Projection: document paths"
    ' (``addr.city``, ``items[0]``), as a list or ``"a,b"`` text; key attributes always come'
    " too. ``None``: every attribute.",
    "limit": "limit : int, optional\n    Items returned (or counted) at most; ``None``: all (a"
    " preview: the ``preview_items`` setting, 20).",
    "consistent": "consistent : bool, default False\n    Strongly consistent read (twice the"
    " read units; not offered on GSIs).",
    "reverse": "reverse : bool, default False\n    Descending sort-key order (needs ``pk``).",
    "scan": "scan : bool, default False\n    Parallel scan of the whole table or index (no"
    " ``pk``).",
    "segments": "segments : int, optional\n    Parallel scan segments (DynamoDB's TotalSegments,"
    " 1 to 1,000,000); ``None``: the ``segments`` setting, else 4.",
    "params": "params : mapping of str to value, optional\n    Values of the filter's ``:name``"
    " placeholders.",
    "count": "count : bool, default False\n    DynamoDB's Select COUNT: items are counted, none"
    " returned.",
    "numbers": "numbers : {'auto', 'decimal', 'float'}, optional\n    Number columns: auto"
    " (Int64 if integral, Float64 if exact, else Decimal objects), decimal or float; ``None``:"
    " the ``numbers`` setting.",
    "flatten": "flatten : bool, default False\n    Expand maps into columns named by path"
    " (``addr.city``).",
    "on_page": "on_page : callable, optional\n    Called with the number of items of each page"
    " as it arrives.",
    "n": "n : int, default 5\n    Items to return (DynamoDB's Limit: only these are read when"
    " there is no filter).",
    "attribute": "attribute : str\n    The attribute (a document path such as ``addr.city``).",
    "head": "head : int, optional\n    Rows to show; alone, only this many items are read.",
    "unique": "unique : str, optional\n    Show the distinct values of this attribute with counts.",
    "summary": "summary : bool, default False\n    Show one row per attribute (share present,"
    " types, distinct values, top values).",
    "statement": "statement : str\n    A PartiQL SELECT, with ``?`` or ``:name`` markers.",
    "partiql_params": "params : list or mapping, optional\n    Values of the ``?`` markers (a"
    " list) or of the ``:name`` markers (a mapping).",
    "lookup": "lookup : callable, optional\n    Gives the value of a ``:name`` marker missing"
    " from ``params`` (the magics look up notebook variables).",
    "source": "source : str or None\n    Environment to copy from (``None``: the default).",
    "target": "target : str or None\n    Environment to copy into (``None``: the default).",
    "target_table": "target_table : str, optional\n    Target table name (default: the source's).",
    "target_region": "target_region : str, optional\n    Target region (default: the profile's).",
    "mode": "mode : {'replace', 'truncate', 'merge'}, default 'replace'\n    replace: put every"
    " source item, then delete target items whose key is not in the source; truncate: delete"
    " first; merge: puts only.",
    "backup": "backup : bool, default True\n    Take an on-demand backup of a non-empty target"
    " (or table) first.",
    "verify": "verify : {'count', 'full', 'none'}, optional\n    Check after copying; ``None``:"
    " the ``verify`` setting (count).",
    "yes": "yes : bool, default False\n    Confirm writing into a non-empty or protected target.",
    "workers": "workers : int, optional\n    Parallel worker processes (at least 1); ``None``:"
    " the ``workers`` setting, else two per CPU core.",
    "copy_segments": "segments : int, optional\n    Parallel scan segments of the source (1 to"
    " 1,000,000); ``None``: the ``segments`` setting, else four per worker.",
    "backend": "backend : {'auto', 'loky', 'threading'}, optional\n    joblib backend (auto:"
    " threads for small copies).",
    "cancel": "cancel : threading.Event, optional\n    Set it from another thread (a panel's"
    " Cancel button) to stop the copy as Ctrl-C does: every worker stops within the request"
    " it has in flight and ``CopyFailed`` is raised with the result ``interrupted``, its"
    " counts exactly what the target acknowledged.",
    "progress": "progress : Progress, optional\n    Told of each phase (``start(phase, total)``,"
    " ``advance(items)``, ``close(outcome)``: ``Outcome`` success, cancelled or failed);"
    " ``None``: no progress.",
    "backup_id": "backup : str or Backup, default 'latest'\n    Backup name or ARN to restore,"
    " or a ``Backup`` (``CopyResult.backup``, a row of ``backups``).",
    "into": "into : str, optional\n    Restore into this new table.",
    "in_place": "in_place : bool, default False\n    Restore back into ``table`` (through a"
    " temporary table, then a copy in replace mode).",
    "restore_yes": "yes : bool, default False\n    Confirm replacing the table's contents.",
    "truncate_yes": "yes : bool, default False\n    Confirm deleting every item.",
}
FRAME_RETURNS = (
    "pandas.DataFrame\n    One row per item: key columns first (the index's, then the table's),"
    " then attributes in first-seen order. dtypes: numbers Int64, Float64 or object (Decimal)"
    " per ``numbers``; strings string; booleans boolean; maps, lists, sets and binaries object"
    " (dict, list, set, bytes); missing values NA."
)
READ_RAISES = (
    "InvalidQuery\n    A bad key condition, filter, projection, limit or option combination.\n"
    "TableNotFound\n    The table (``IndexNotFound``: the index) does not exist.\n"
    "EnvironmentNotFound, CredentialsMissing, EndpointUnreachable\n    ``env`` cannot be used.\n"
    "Throttled, AccessDenied, ServiceError\n    DynamoDB refused the read (after retries)."
)
F = TypeVar("F", bound=Callable[..., Any])
DOC_WIDTH = 92  # characters of a docstring line as help() shows it


@functools.cache  # each parameter is described once: wrapped once, at import
def _wrapped(entries: str) -> str:
    """Numpy-style entries (a ``name : type`` line, then its 4-space indented description)
    with each description wrapped."""
    lines = []
    for line in entries.strip().split("\n"):
        if line.startswith("    "):
            lines.append(
                textwrap.fill(
                    line.strip(), DOC_WIDTH, initial_indent="    ", subsequent_indent="    "
                )
            )
        else:
            lines.append(line)
    return "\n".join(lines)


def numpy_doc(
    summary: str,
    returns: str,
    raises: str,
    example: str,
    notes: str = "",
    names: Mapping[str, str] | None = None,
) -> Callable[[F], F]:
    """Give a function a numpy-style docstring: its parameters, in signature order, described
    by their ``PARAMETERS`` entries (``names`` picks another entry for a parameter whose
    meaning differs in this function, e.g. copy's ``segments``)."""

    def decorate(function: F) -> F:
        chosen = names or {}
        parameters = [chosen.get(p, p) for p in inspect.signature(function).parameters]
        sections = [textwrap.fill(summary.strip(), DOC_WIDTH), ""]
        if notes:
            sections += [textwrap.fill(notes.strip(), DOC_WIDTH), ""]
        entries = [_wrapped(PARAMETERS[p]) for p in parameters]
        if entries:
            sections += ["Parameters", "----------", *entries, ""]
        sections += ["Returns", "-------", _wrapped(returns), ""]
        sections += ["Raises", "------", _wrapped(raises), ""]
        sections += ["Examples", "--------", example.strip()]
        function.__doc__ = "\n".join(sections)
        return function

    return decorate
