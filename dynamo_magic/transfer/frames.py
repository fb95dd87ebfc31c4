"""DataFrames into tables (``dynamo_magic.put_df``): a frame is one more origin of a load.

``FrameOrigin`` encodes the frame (``encoding.frame_items``: every value refused or written
exactly, before anything is read from DynamoDB) and checks every row's key against the table's
key schema (a key attribute without a column is named with the frame's columns; then
``origins.check_keys``: missing or null, wrong type, duplicated: one line naming the rows by
their index labels). ``put_df`` plans and runs it through ``loading``, so a frame
gets the copy's plan, confirmation, backup, batching, retries, failed-items file, progress,
capacity limits and verification.

Modes: ``merge`` (puts, the default); ``replace`` of the partitions the frame covers (puts,
then deletes of the items of those partition key values the frame lacks, each partition read
keys only by a Query: an item present on both sides is never missing); ``truncate`` (deletes
every item of those partitions first, then puts).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import encoding
from ..codec import AttributeValue, decode_binaries
from ..errors import InvalidQuery, PartialFrame, literal
from ..schema import TableSchema
from ..settings import CopyMode, Settings
from . import loading
from .job import CopyJob
from .loading import LoadRequest
from .origins import ItemsOrigin
from .parallel import Progress
from .plan import CopyPlan
from .result import CopyResult

if TYPE_CHECKING:
    import pandas as pd


SHOWN_COLUMNS = 20  # columns a refusal names before "and N more"


class FrameOrigin(ItemsOrigin):
    """A DataFrame's rows as items (encoded when made: a bad value is refused at once)."""

    def __init__(self, df: pd.DataFrame, nulls: str = "omit", datetimes: str = "iso"):
        items = encoding.frame_items(df, nulls=nulls, datetimes=datetimes)
        rows, columns = df.shape
        label = f"DataFrame of {rows:,} row(s), {columns:,} column(s)"
        super().__init__(items, label, labels=list(df.index))
        self.columns = [str(c) for c in df.columns]
        self.index_names = [str(n) for n in df.index.names if n is not None]

    def check(self, schema: TableSchema) -> None:
        self.check_columns(schema)
        super().check(schema)  # every key present, typed and unique (``check_keys``)
        name = schema.key.hash.name
        seen: dict[str, AttributeValue] = {}
        for item in self.items:
            value = item[name]
            seen.setdefault(str(value), value)
        self.covered = [decode_binaries({name: v})[name] for v in seen.values()]

    def check_columns(self, schema: TableSchema) -> None:
        """Refuse a frame that has no column for a key attribute (as a CSV file without one
        is refused), naming its columns, and its index when the key is there.

        Raises
        ------
        InvalidQuery
            One line: the missing key attribute(s) and the frame's columns."""
        missing = [name for name in schema.key.names if name not in self.columns]
        if not missing:
            return
        shown = ", ".join(self.columns[:SHOWN_COLUMNS]) or "none"
        if len(self.columns) > SHOWN_COLUMNS:
            shown += f" and {len(self.columns) - SHOWN_COLUMNS:,} more"
        indexed = [name for name in missing if name in self.index_names]
        advice = (
            f"; the frame's index holds {literal(', '.join(map(repr, indexed)))}: "
            "df.reset_index() makes columns of it"
            if indexed
            else f": every item needs the table's key ({schema.key})"
        )
        raise InvalidQuery(
            f"no column for the key attribute {literal(', '.join(map(repr, missing)))} "
            f"(its columns: {literal(shown)}){advice}"
        )

    def rows(self) -> list[tuple[str, str]]:
        count = len(self.covered or [])
        return [("partitions", f"{count:,} partition key value(s) in the frame")]


def check_whole_items(df: pd.DataFrame, whole_items: bool = False) -> None:
    """Refuse a frame that does not hold whole items, as its ``attrs["dynamo_magic"]`` says
    (``ReadResult.info``): read with only some attributes (``columns``, an index projecting
    only some), with maps expanded into columns (``flatten``), or with columns dropped since
    (``df[[...]]``, ``drop``). ``put_df`` writes each row as
    the whole item (PutItem), so writing it back would delete the attributes it lacks (or
    write the dotted columns as top-level attributes and drop the maps). ``whole_items``:
    the caller says to write the rows as whole items all the same.

    Raises
    ------
    PartialFrame
        One line saying why and what to do (an ``InvalidQuery``); nothing is read or
        written."""
    info = df.attrs.get("dynamo_magic")
    if whole_items or not isinstance(info, dict):
        return
    table = info.get("table") or "the table"
    if info.get("projected"):
        why = (
            f"holds only some attributes of the items of {table} (read with columns, or from "
            "an index that projects only some): writing it back would delete the attributes it "
            "lacks"
        )
    elif info.get("flatten"):
        why = (
            f"was read from {table} with flatten (maps expanded into columns named by path): "
            "writing it back would write those columns as top-level attributes and drop the maps"
        )
    elif lost := [a for a in info.get("attributes") or () if a not in df.columns]:
        shown = ", ".join(lost[:3]) + (f" and {len(lost) - 3} more" if len(lost) > 3 else "")
        why = (
            f"lacks attributes read from {table} ({shown}): writing it back would delete them "
            "from its items"
        )
    else:
        return
    raise PartialFrame(
        f"the frame {literal(why)}; read whole items (no columns, no flatten), or write each "
        "row as a whole item anyway with {whole_items}",
        why,
        parameters=("whole_items",),
    )


def _request(
    df: Any,
    table: str,
    env: str | None,
    mode: CopyMode,
    nulls: str,
    datetimes: str,
    whole_items: bool = False,
    **more: Any,
) -> LoadRequest:
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InvalidQuery(
            f"{{df}} must be a pandas DataFrame, not {literal(type(df).__name__)}",
            parameters=("df",),
        )
    check_whole_items(df, whole_items)
    return LoadRequest(FrameOrigin(df, nulls, datetimes), table, env, mode, **more)


def plan_put(
    df: Any,
    table: str,
    settings: Settings,
    *,
    env: str | None = None,
    mode: CopyMode = "merge",
    nulls: str = "omit",
    datetimes: str = "iso",
    whole_items: bool = False,
    backup: bool = True,
    verify: str = "count",
    max_write_units: Any = None,
) -> CopyPlan:
    """The plan of ``put_df`` (its dry run): reads only, writes nothing."""
    request = _request(
        df,
        table,
        env,
        mode,
        nulls,
        datetimes,
        whole_items,
        backup=backup,
        verify=verify,
        max_write_units=max_write_units,
    )
    return loading.dry_run(request, settings)


def start_put(
    df: Any,
    table: str,
    settings: Settings,
    *,
    env: str | None = None,
    mode: CopyMode = "merge",
    yes: bool = False,
    nulls: str = "omit",
    datetimes: str = "iso",
    whole_items: bool = False,
    backup: bool = True,
    verify: str = "count",
    max_write_units: Any = None,
    workers: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    checkpoint: str | Path | None = None,
) -> CopyJob:
    """``put_df`` in a ``CopyJob``'s thread (the frame encoded and checked here, at once)."""
    request = _request(
        df,
        table,
        env,
        mode,
        nulls,
        datetimes,
        whole_items,
        backup=backup,
        verify=verify,
        max_write_units=max_write_units,
    )
    return loading.start_load(
        request,
        settings,
        yes=yes,
        workers=workers,
        progress=progress,
        cancel=cancel,
        checkpoint=checkpoint,
    )


def put_df(df: Any, table: str, settings: Settings, **options: Any) -> CopyResult:
    """``start_put(...).result()``: see ``dynamo_magic.put_df``."""
    return start_put(df, table, settings, **options).result()
