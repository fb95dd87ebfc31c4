"""Charts of read results: unique values, numeric attributes, items per partition key and item
sizes (DynamoDB's size rule, ``item_size``).

matplotlib is an optional extra (``pip install "dynamo_magic[plot]"``) imported only when a
chart is drawn, so ``import dynamo_magic`` never loads it. Without it every ``plot_*``
function raises ``PlottingUnavailable`` (a ``UsageProblem``) with the install hint; the magic's
``--plot`` prints that hint as one line instead and still returns its result.

Each ``plot_*`` takes what the API returns (a DataFrame, a ``ReadResult`` or an
``Exploration``), draws on ``ax`` (a new figure when ``None``) and returns the Axes.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from . import analysis, lazy
from .codec import decode_binaries, text_cell, to_attribute
from .errors import DynamoMagicError, InvalidQuery, UsageProblem
from .item_size import KB, MAX_ITEM_SIZE, READ_UNIT, item_size, read_units, short_repr

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
else:  # imported on first use (lazy.py)
    pd = lazy.module("pandas")

INSTALL_HINT = 'plots need matplotlib: pip install "dynamo_magic[plot]"'
TOP_BARS = 30  # bars drawn at most by plot_unique and plot_partitions; the rest are counted
LABEL_WIDTH = 24  # characters of a bar's label; longer values are cut with …
NEAR_LIMIT = 0.9  # an item at 90% of MAX_ITEM_SIZE or more is "near the 400 KB limit"
LISTED_COLUMNS = 30  # columns a "no column" message names; the rest are counted
BIN_RULES = ("auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt")  # numpy's
LOG_SCALE_RATIO = 20  # a size histogram gets a log count axis when bars differ this much
EMPTY = "nothing to draw: the result is empty"
SIZES, PARTITIONS = "sizes", "partitions"  # the words of --plot that are not attributes


class PlottingUnavailable(UsageProblem):
    """matplotlib is not installed; the message says how to install it."""


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlottingUnavailable(INSTALL_HINT) from None
    return plt


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    _, new = _pyplot().subplots(figsize=(7.5, 3.6), layout="constrained")
    return new  # type: ignore[no-any-return]


def _set_title(ax: Axes, *parts: str, **kwargs: Any) -> None:
    """``ax``'s title: ``parts`` on one line when it fits, else each part on its own line, a
    part still too wide wrapped at words. "Fits" is measured as drawn, after the figure's
    layout placed the axes: the title stays inside the figure and within its own grid cell
    (never over a neighbouring chart). The layout (``layout="constrained"``) then makes room
    for every line, so no title is ever cut."""
    text = " ".join(parts)
    title = ax.set_title(text, **kwargs)
    figure = ax.get_figure()
    get_renderer = getattr(getattr(figure, "canvas", None), "get_renderer", None)
    if figure is None or get_renderer is None:  # a canvas that cannot measure text
        title.set_text(_wrapped("\n".join(parts), 60))
        return
    renderer = get_renderer()
    lines = "\n".join(parts)
    width = max(len(line) for line in lines.splitlines())
    for _ in range(3):  # a new title height moves the axes a little: measure again
        root: Any = getattr(figure, "figure", figure)  # a subfigure's own figure
        root.draw_without_rendering()  # the layout places the axes as they will be drawn
        room = _title_room(ax, renderer)
        if title.get_window_extent(renderer).width <= room:
            return
        if title.get_text() == text:  # one line is too wide: one line per part
            title.set_text(lines)
        while width > 12 and title.get_window_extent(renderer).width > room:
            width -= 4
            title.set_text(_wrapped(lines, width))


def _title_room(ax: Axes, renderer: Any) -> float:
    """The width a title centred over ``ax`` may take, in pixels: inside the figure, and
    inside the axes' grid cell (its share of the figure's width) when it has one."""
    box = ax.get_window_extent(renderer)
    page = ax.figure.bbox
    centre = (box.x0 + box.x1) / 2
    room = 2 * min(centre - page.x0, page.x1 - centre) - 4
    spec = ax.get_subplotspec()
    if spec is not None:
        span = spec.colspan.stop - spec.colspan.start
        room = min(room, page.width * span / spec.get_gridspec().ncols)
    return float(room)


def _wrapped(text: str, width: int) -> str:
    """Each line of ``text`` wrapped at words to ``width`` characters."""
    return "\n".join(textwrap.fill(line, width) for line in text.splitlines())


def _crowded(ticks: list[Any]) -> bool:
    """Whether horizontal tick labels would touch or overlap (measured as drawn)."""
    if len(ticks) < 2:
        return False
    canvas = getattr(ticks[0].get_figure(), "canvas", None)
    get_renderer = getattr(canvas, "get_renderer", None)
    if get_renderer is None:  # cannot measure: by characters
        return max(len(t.get_text()) for t in ticks) * len(ticks) > 48
    renderer = get_renderer()
    boxes = sorted((t.get_window_extent(renderer) for t in ticks), key=lambda b: b.x0)
    return any(a.x1 + 4 > b.x0 for a, b in pairwise(boxes))


def _integer_counts(ax: Axes) -> None:
    """Count axes tick whole numbers only (no 0.25 items)."""
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _check_top(top: Any) -> int:
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidQuery(f"top must be a whole number of bars >= 1, not {short_repr(top)}")
    return top


def _check_bins(bins: Any) -> Any:
    """``bins`` as numpy takes them, or a one-line ``InvalidQuery`` saying what is accepted."""
    if isinstance(bins, str) and bins in BIN_RULES:
        return bins
    if isinstance(bins, int) and not isinstance(bins, bool) and bins >= 1:
        return bins
    if hasattr(bins, "__iter__") and not isinstance(bins, str | bytes | Mapping):
        edges = list(bins)  # a list, a tuple, a numpy array
        numbers = all(_number(e) is not None and math.isfinite(float(e)) for e in edges)
        if len(edges) >= 2 and numbers and all(float(a) < float(b) for a, b in pairwise(edges)):
            return [float(e) for e in edges]
    raise InvalidQuery(
        f"bins must be a whole number >= 1, one of the rules {', '.join(BIN_RULES)}, or "
        f"increasing bin edges (at least two numbers); not {short_repr(bins)}"
    )


def _frame(data: Any) -> pd.DataFrame:
    """The DataFrame of what the API returned: a DataFrame, a ``ReadResult`` or an
    ``Exploration`` (its frame)."""
    if isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "kind") and hasattr(data, "frame"):  # api.Exploration
        if data.frame is None:
            raise InvalidQuery(f"nothing to plot in a {data.kind} result")
        return data.frame
    if hasattr(data, "to_frame") and hasattr(data, "items"):  # ReadResult
        return data.to_frame()
    raise InvalidQuery(
        f"cannot plot a {type(data).__name__}: give a DataFrame, a ReadResult or an Exploration"
    )


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        names = [str(c) for c in frame.columns]
        shown = ", ".join(names[:LISTED_COLUMNS]) or "none"
        if len(names) > LISTED_COLUMNS:
            shown += f" … and {len(names) - LISTED_COLUMNS} more"
        nested = "." in name or "[" in name
        hint = "; a nested path is a column when maps are flattened (--flatten)" if nested else ""
        raise InvalidQuery(f"no column {name!r} to plot; the columns are: {shown}{hint}")
    column = frame[name]
    if isinstance(column, pd.DataFrame):  # two columns of that name
        raise InvalidQuery(f"more than one column is named {name!r}")
    return column


def _label(value: Any) -> str:
    """A bar's label: a long value keeps its start and its end (values that differ only at the
    end, such as ids, stay apart), with … between."""
    text = text_cell(value, null="null")
    if len(text) <= LABEL_WIDTH:
        return text
    head = (LABEL_WIDTH - 1) // 2
    return text[:head] + "…" + text[-(LABEL_WIDTH - 1 - head) :]


def _value_labels(table: pd.DataFrame, shown: int) -> list[str]:
    """Bar labels of a unique-values table's first ``shown`` rows: each value as a cell shows
    it, ``<missing>`` for items without it; two values written alike (``1`` and ``"1"``) get
    their type added (``1 (N)``, ``1 (S)``)."""
    rows = table.head(shown)
    missing = analysis.missing_rows(rows).tolist()
    texts = [
        analysis.MISSING if gone else _label(value)
        for value, gone in zip(rows.iloc[:, 0].tolist(), missing, strict=True)
    ]
    repeated = {t for t in texts if texts.count(t) > 1}
    types = rows.iloc[:, 1].tolist()
    return [
        f"{t} ({kind})" if t in repeated and not gone else t
        for t, kind, gone in zip(texts, types, missing, strict=True)
    ]


def _bars(
    ax: Axes, labels: list[str], counts: list[int], total: int, what: str, title: str
) -> Axes:
    """Vertical bars of ``counts`` (at most ``TOP_BARS``, in order), labelled, with a title
    saying how many values were left out."""
    shown = len(labels)
    ax.bar(range(shown), counts, color="#4c72b0")
    ax.set_xticks(range(shown), labels)
    if shown > 6 or _crowded(ax.get_xticklabels()):  # slanted: long labels do not overlap
        for tick in ax.get_xticklabels():
            tick.set_rotation(45)
            tick.set_horizontalalignment("right")
    ax.set_ylabel("items")
    _integer_counts(ax)
    rest = total - shown
    left_out = [f"(top {shown}; {rest:,} more {what} not shown)"] if rest > 0 else []
    _set_title(ax, title, *left_out)
    ax.margins(x=0.01)
    return ax


def _is_missing(value: Any) -> bool:
    if value is None or lazy.is_pandas_na(value):
        return True
    return isinstance(value, float) and math.isnan(value)


def _as_attribute(value: Any) -> dict[str, Any]:
    try:
        return to_attribute(value)
    except (DynamoMagicError, TypeError):  # a value no item could hold (a Timestamp...)
        return {"S": str(value)}


def _unique_table(frame: pd.DataFrame, column: str | None) -> bool:
    """Whether ``frame`` is a unique-values table (``unique``'s columns: value, type, count)."""
    if frame.shape[1] != 3:
        return False
    name = column if column is not None else str(frame.columns[0])
    return list(frame.columns) == list(analysis.unique_columns(name))


def unique_counts(data: Any, column: str | None = None) -> pd.DataFrame:
    """The unique-values table ``plot_unique`` draws: ``data`` itself when it is one (from
    ``dm.unique`` or ``explore(unique=...)``), else ``column``'s values in ``data`` counted as
    ``dm.unique`` counts them (by type and value; an empty cell is ``<missing>``)."""
    frame = _frame(data)
    if _unique_table(frame, column):
        return frame
    if column is None:
        raise InvalidQuery("name the column whose values to count")
    cells = _column(frame, column).tolist()
    items = [{} if _is_missing(v) else {"v": _as_attribute(v)} for v in cells]
    counted = analysis.unique(items, "v")
    return counted.set_axis(list(analysis.unique_columns(column)), axis=1)


def plot_unique(
    data: Any, column: str | None = None, *, top: int = TOP_BARS, ax: Axes | None = None
) -> Axes:
    """A bar chart of the distinct values of ``column`` with their counts, most frequent first.

    Parameters
    ----------
    data : DataFrame, ReadResult or Exploration
        A unique-values table (``dm.unique(...)``, ``explore(..., unique=...)``), drawn as it
        is, or items whose ``column`` is counted (by type and value, as ``dm.unique`` does; an
        empty cell counts as ``<missing>``).
    column : str, optional
        The attribute; may be left out for a unique-values table.
    top : int
        Bars drawn at most (>= 1); the title says how many values were left out.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when not given.

    Returns
    -------
    matplotlib.axes.Axes
        The chart: one bar per value, its height the count.

    Raises
    ------
    PlottingUnavailable
        matplotlib is not installed (the message gives the ``pip install`` line).
    InvalidQuery
        No such column, an empty result, or ``top`` not a whole number >= 1.
    """
    shown = _check_top(top)
    table = unique_counts(data, column)
    name = str(table.columns[0])
    counts = [int(c) for c in table.iloc[:, 2].tolist()]
    if not counts:
        raise InvalidQuery(EMPTY)
    labels = _value_labels(table, shown)
    title = f"unique values of {name}: {len(counts):,} value(s), {sum(counts):,} item(s)"
    return _bars(_axes(ax), labels, counts[:shown], len(counts), "values", title)


def _number(value: Any) -> float | None:
    """A cell as a float for a histogram; ``None`` for a missing cell or a non-number."""
    if _is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal) or lazy.is_numpy_scalar(value):
        return float(value)
    return None


def plot_histogram(
    data: Any, attribute: str, *, bins: int | str | Sequence[float] = "auto", ax: Axes | None = None
) -> Axes:
    """A histogram of a numeric attribute (Int64, Float64 or exact Decimal columns alike).

    Parameters
    ----------
    data : DataFrame, ReadResult or Exploration
        Items, as ``dm.query`` / ``dm.scan`` return them.
    attribute : str
        A numeric column (a flattened path such as ``addr.zip`` too). Missing cells are left
        out; so are values that are not numbers and infinite ones (``inf``, ``-inf``, from a
        DataFrame made elsewhere), and the title says how many.
    bins : int, str or sequence of float
        As ``numpy.histogram`` takes them: a count (>= 1), a rule (``BIN_RULES``) or increasing
        bin edges (``"auto"`` by default).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when not given.

    Returns
    -------
    matplotlib.axes.Axes
        The histogram; ``ax.patches`` are its bars, their heights the counts.

    Raises
    ------
    PlottingUnavailable
        matplotlib is not installed (the message gives the ``pip install`` line).
    InvalidQuery
        No such column, an empty result, no finite number in the column, or bad ``bins``.
    """
    bins = _check_bins(bins)
    frame = _frame(data)
    if len(frame) == 0:
        raise InvalidQuery(EMPTY)
    cells = _column(frame, attribute).tolist()
    every = [n for n in map(_number, cells) if n is not None]
    numbers = [n for n in every if math.isfinite(n)]  # inf and -inf have no bin
    infinite = len(every) - len(numbers)
    others = sum(1 for v in cells if not _is_missing(v)) - len(every)
    if not numbers:
        held = f"only infinite numbers ({infinite:,})" if infinite else "no numbers"
        raise InvalidQuery(
            f"{attribute!r} holds {held} to draw a histogram of; "
            f"plot_unique counts its values instead"
        )
    axes = _axes(ax)
    low, high = min(numbers), max(numbers)
    if low == high:  # one value (38 digits too): one bar around it, numpy cannot split 0 wide
        half = max(0.5, abs(low) * 1e-6)
        axes.hist(numbers, bins=1, range=(low - half, high + half), color="#4c72b0")
    else:
        axes.hist(numbers, bins=bins, color="#4c72b0", edgecolor="white")
    axes.set_xlabel(attribute)
    axes.set_ylabel("items")
    _integer_counts(axes)
    note = f"; {others:,} non-number value(s) left out" if others else ""
    if infinite:
        note += f"; {infinite:,} infinite value(s) (inf, -inf) left out"
    _set_title(axes, f"{attribute}: {len(numbers):,} value(s){note}")
    return axes


def _key_of(data: Any, frame: pd.DataFrame) -> str:
    """The partition key column: the read's (``ReadResult.key_names``, the index's first when
    an index was read), else a frame's first column (key columns come first)."""
    result = data if isinstance(data, pd.DataFrame) else getattr(data, "result", data)
    names = getattr(result, "key_names", ())
    if names:
        return str(names[0])
    if frame.shape[1] == 0:
        raise InvalidQuery("no items to count per partition key")
    return str(frame.columns[0])


def plot_partitions(
    data: Any, key: str | None = None, *, top: int = TOP_BARS, ax: Axes | None = None
) -> Axes:
    """Items per partition key value, most items first: hot partitions stand out.

    Parameters
    ----------
    data : DataFrame, ReadResult or Exploration
        Items of a scan or a large query.
    key : str, optional
        The partition key column; by default the read's partition key (the index's when an
        index was read), or a DataFrame's first column (query and scan put the keys first).
    top : int
        Bars drawn at most (>= 1); the title says how many partitions were left out and what
        share of the items the largest one holds.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when not given.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per partition key value, its height the number of items.

    Raises
    ------
    PlottingUnavailable
        matplotlib is not installed (the message gives the ``pip install`` line).
    InvalidQuery
        No such column, an empty result, or ``top`` not a whole number >= 1.
    """
    shown = _check_top(top)
    frame = _frame(data)
    if len(frame) == 0:
        raise InvalidQuery(EMPTY)
    name = key if key is not None else _key_of(data, frame)
    table = unique_counts(frame, name)
    counts = [int(c) for c in table.iloc[:, 2].tolist()]
    labels = _value_labels(table, shown)
    total = sum(counts)
    title = f"items per {name}: {len(counts):,} partition(s), {total:,} item(s)"
    if counts:
        title += f"; largest {share_text(counts[0] / total)}"
    axes = _bars(_axes(ax), labels, counts[:shown], len(counts), "partitions", title)
    if counts:
        axes.axhline(total / len(counts), color="#dd8452", linestyle="--", label="mean")
        axes.legend(loc="upper right")
    return axes


def share_text(share: float) -> str:
    """A share as a percentage: whole from 1% (``"12%"``), one decimal below (``"0.4%"``),
    ``"<0.1%"`` below that."""
    if share >= 0.01:
        return f"{share:.0%}"
    return f"{share:.1%}" if share >= 0.001 else "<0.1%"


def _items(data: Any) -> list[Mapping[str, Any]]:
    """Typed items of ``data``: a list of items, a ``ReadResult`` or an ``Exploration`` (their
    ``items``, as read), or a DataFrame (its cells typed back with ``to_attribute``; an empty
    cell is a missing attribute, so a NULL read into one is not counted)."""
    if isinstance(data, pd.DataFrame):
        rows = data.to_dict("records")
        return [
            {str(k): _as_attribute(v) for k, v in row.items() if not _is_missing(v)} for row in rows
        ]
    result = getattr(data, "result", data)  # an Exploration's read
    if hasattr(result, "items") and isinstance(result.items, list):  # a ReadResult
        return list(result.items)
    if isinstance(data, Iterable) and not isinstance(data, str | bytes | Mapping):
        items = list(data)
        if all(isinstance(i, Mapping) for i in items):
            return [_decoded(i) for i in items]
    raise InvalidQuery(
        f"cannot size a {type(data).__name__}: give items, a ReadResult, an Exploration or a "
        "DataFrame"
    )


def _decoded(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item with its base64 binaries decoded; one not in typed form as it is (``item_size``
    then says what is wrong with it)."""
    try:
        return decode_binaries(dict(item))
    except (AttributeError, TypeError, ValueError):
        return dict(item)


def _projected(data: Any) -> bool:
    """Whether ``data`` is a read of only some attributes (``ReadResult.projected``)."""
    result = getattr(data, "result", data)  # an Exploration's read
    return bool(getattr(result, "projected", False))


def item_sizes(data: Any) -> list[int]:
    """The size in bytes of each item of ``data`` (``item_size.item_size``), in order.

    Raises
    ------
    InvalidQuery
        An item not in DynamoDB's typed form (``{"name": {"S": "text"}}``): boto3's resource
        form (``Table.scan()``, plain Python values) cannot be sized; give the items a client
        or ``dm.fetch`` returns, or a DataFrame.
    """
    sizes = []
    for number, item in enumerate(_items(data), start=1):
        try:
            sizes.append(item_size(item))
        except InvalidQuery as exc:
            raise InvalidQuery(
                f"item {number} is not in DynamoDB's typed form ({exc}); give items as a "
                "client or dm.fetch returns them ({'name': {'S': 'text'}}), or a DataFrame"
            ) from None
    return sizes


def _size_text(size: int) -> str:
    """Bytes below 1 KB (``85 bytes``), else KB with one decimal (``371.1 KB``)."""
    return f"{size:,} bytes" if size < KB else f"{size / KB:,.1f} KB"


PROJECTED = "sizes of the attributes read (projection): "


def size_summary(sizes: list[int], projected: bool = False) -> str:
    """Two lines: items, the largest, those near the 400 KB limit; then how many items cost
    1, 2, ... read units (strongly consistent reads). ``projected``: the items hold only the
    attributes a projection read, which the first line says (``PROJECTED``); read units are
    charged on whole items, so the second line gives those of the attributes read only."""
    if not sizes:
        return "no items"
    units: dict[float, int] = {}
    for size in sizes:
        unit = read_units(size)
        units[unit] = units.get(unit, 0) + 1
    near = sum(1 for s in sizes if s >= NEAR_LIMIT * MAX_ITEM_SIZE)
    spread = ", ".join(f"{u:g} RCU: {n:,}" for u, n in sorted(units.items()))
    first = (
        f"{len(sizes):,} item(s), largest {_size_text(max(sizes))}, {near:,} near the 400 KB limit"
    )
    if projected:
        alone = "read units of these attributes alone (reads charge whole items)"
        return f"{PROJECTED}{first}\n{alone}: {spread}"
    return f"{first}\nread units per item: {spread}"


def plot_item_sizes(
    data: Any, *, bins: int | str | Sequence[float] = "auto", ax: Axes | None = None
) -> Axes:
    """The distribution of item sizes in DynamoDB's size rule (``item_size``), in KB.

    Dotted lines mark the 4 KB steps of read units that the sizes reach; a red line marks the
    400 KB item limit when an item comes within 10% of it. The title says how many items need
    1, 2, ... read units each (strongly consistent; eventually consistent reads cost half).

    Parameters
    ----------
    data : list of items, ReadResult, Exploration or DataFrame
        Typed items (wire form with base64 binaries, or boto3's client form with bytes), the
        result of ``dm.fetch`` or ``dm.explore``, or a DataFrame (its cells typed back; exact
        for what a read gives, but a NULL read into a DataFrame counts as missing).
    bins : int, str or sequence of float
        As ``numpy.histogram`` takes them: a count (>= 1), a rule (``BIN_RULES``) or increasing
        bin edges in KB.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when not given.

    Returns
    -------
    matplotlib.axes.Axes
        The histogram of sizes in KB (1 KB = 1024 bytes); for a read of some attributes only
        (``columns``, an index projecting some) the title says the sizes are of the attributes
        read, since read units are charged on whole items. When its bars differ 20-fold or more
        (hundreds of small items and one near the limit), the count axis is logarithmic, so a
        bar of one item still shows.

    Raises
    ------
    PlottingUnavailable
        matplotlib is not installed (the message gives the ``pip install`` line).
    InvalidQuery
        ``data`` holds no items, an item is not in typed form, or bad ``bins``.
    """
    import numpy as np

    bins = _check_bins(bins)
    sizes = item_sizes(data)
    if not sizes:
        raise InvalidQuery(EMPTY)
    axes = _axes(ax)
    kilobytes = [s / KB for s in sizes]
    counts, _ = np.histogram(kilobytes, bins=bins)
    filled = [int(c) for c in counts if c > 0]
    log = bool(filled) and max(filled) >= LOG_SCALE_RATIO * min(filled)
    axes.hist(kilobytes, bins=bins, color="#4c72b0", edgecolor="white", log=log)
    if log:  # 1, 10, 100 as numbers, not 10^0
        from matplotlib.ticker import FuncFormatter

        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.set_ylim(bottom=0.5)
    else:
        _integer_counts(axes)
    largest = max(sizes)
    steps = largest // READ_UNIT  # the read-unit steps the sizes pass
    if steps <= 10:  # where they stay readable
        for step in range(1, steps + 1):
            axes.axvline(step * READ_UNIT / KB, color="grey", linestyle=":", linewidth=1)
    if largest >= NEAR_LIMIT * MAX_ITEM_SIZE:
        axes.axvline(MAX_ITEM_SIZE / KB, color="#c44e52", label="400 KB limit")
        axes.legend(loc="upper center")  # clear of the small items (left) and the limit
    axes.set_xlabel("item size (KB; dotted: 4 KB read-unit steps)")
    axes.set_ylabel("items (log scale)" if log else "items")
    _set_title(axes, size_summary(sizes, _projected(data)), fontsize="medium")
    return axes


# -- the magic's --plot ---------------------------------------------------------------------------
def plot_exploration(found: Any, what: str | None) -> Axes | None:
    """The chart ``%dynamo_query ... --plot [WHAT]`` draws for an ``Exploration``.

    ``WHAT`` is ``sizes`` (item sizes), ``partitions`` (items per partition key), an
    attribute (a histogram when it holds numbers, else its unique values as bars; an attribute
    really named ``sizes`` or ``partitions`` is written in backquotes) or nothing: the unique
    values of a ``--unique`` view, else the item sizes. A count or a summary has nothing to
    plot (``InvalidQuery``).
    """
    if found.kind in ("count", "summary"):
        raise InvalidQuery(f"nothing to draw for a {found.kind}")
    if found.frame is None or len(found.frame) == 0:
        raise InvalidQuery(EMPTY)
    if found.kind == "unique":
        if what not in (None, ""):
            raise InvalidQuery("with --unique it takes no word: it draws the unique values")
        return plot_unique(found.frame)
    if what in (None, "", SIZES):
        return plot_item_sizes(found)
    if what == PARTITIONS:
        return plot_partitions(found)
    name = what[1:-1] if len(what) > 2 and what[0] == what[-1] == "`" else what
    return plot_column(found.frame, name)


def plot_column(frame: pd.DataFrame, column: str, *, ax: Axes | None = None) -> Axes:
    """The chart of one column that ``--plot COLUMN`` and the query panel's Plot draw: a
    histogram (``plot_histogram``) when most of its values are numbers (cells that are not are
    left out, the title says how many), else bars of its unique values (``plot_unique``).

    Parameters
    ----------
    frame : DataFrame
        Items, as ``dm.query`` / ``dm.scan`` return them.
    column : str
        The column to draw (a flattened path such as ``addr.zip`` too).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when not given.

    Returns
    -------
    matplotlib.axes.Axes
        The histogram or the bar chart; ``ax.patches`` are its bars, their heights the counts.

    Raises
    ------
    PlottingUnavailable
        matplotlib is not installed.
    InvalidQuery
        No such column, or nothing to draw.
    """
    values = [v for v in _column(frame, column).tolist() if not _is_missing(v)]
    if sum(_number(v) is not None for v in values) * 2 > len(values):
        return plot_histogram(frame, column, ax=ax)
    return plot_unique(frame, column, ax=ax)


def show_plot(found: Any, what: str | None, say: Callable[[str], None] = print) -> Axes | None:
    """Draw ``plot_exploration``'s chart for the magic; a missing matplotlib or a word that
    names nothing is one line said with ``say`` (nothing raised: the result still comes)."""
    try:
        return plot_exploration(found, what)
    except DynamoMagicError as exc:
        say(f"--plot: {exc.render(lambda keyword: '--' + keyword)}")
        return None
