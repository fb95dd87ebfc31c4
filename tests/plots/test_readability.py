"""How the charts read (issue 8 findings 9-13): titles, ticks, scales, refused arguments."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from IPython.core.error import UsageError

import dynamo_magic as dm
from dynamo_magic.errors import InvalidQuery

from .charts import assert_title_inside, heights, long_values, plotted, saved


def test_long_titles_wrap_inside_the_figure():
    df = long_values()
    ax = dm.plot_unique(df, "blob", top=5)
    assert "(top 5; 251 more values not shown)" in ax.get_title()  # the part that was cut
    assert "\n" in ax.get_title()  # it did not fit one line: wrapped
    assert_title_inside(ax, "unique_long_title")
    renderer = ax.figure.canvas.get_renderer()
    ticks = sorted(
        (t.get_window_extent(renderer) for t in ax.get_xticklabels()), key=lambda b: b.x0
    )
    # long labels that would overlap side by side are slanted (five bars: not by count)
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {45}
    assert all(b.x0 >= 0 and b.x1 <= ax.figure.bbox.x1 for b in ticks)
    ax = dm.plot_partitions(df, "pk")
    assert "(top 30; 10 more partitions not shown)" in ax.get_title()
    assert_title_inside(ax, "partitions_long_title")
    ax = dm.plot_histogram(df.assign(n=range(300)), "n")
    assert "\n" not in ax.get_title()  # a short title stays one line
    assert_title_inside(ax, "histogram_short_title")
    # on a small axes of the user's figure too: wrapped to that axes' width
    _fig, (left, right) = plt.subplots(1, 2, figsize=(6, 3), layout="constrained")
    dm.plot_unique(df, "blob", top=3, ax=right)
    assert_title_inside(right, "unique_in_subplot")
    renderer = right.figure.canvas.get_renderer()
    # wrapped to its own axes: it does not reach over the neighbouring one
    assert right.title.get_window_extent(renderer).x0 > left.get_window_extent(renderer).x1
    assert not left.patches


def test_the_no_column_message_names_every_column_or_counts_the_rest():
    import pandas as pd

    df = pd.DataFrame({f"c{i}": [1] for i in range(17)})
    with pytest.raises(InvalidQuery) as caught:
        dm.plot_unique(df, "name")
    listed = str(caught.value).split("the columns are: ")[1]
    assert listed.split(", ") == [f"c{i}" for i in range(17)]
    wide = pd.DataFrame({f"c{i}": [1] for i in range(45)})
    with pytest.raises(InvalidQuery) as caught:
        dm.plot_histogram(wide, "name")
    message = str(caught.value)
    assert "c29" in message and "c30" not in message and message.endswith("… and 15 more")
    assert "\n" not in message


BAD_PLOT_ARGUMENTS = {
    "bins 0": (lambda df: dm.plot_histogram(df, "n", bins=0), "bins must be a whole number >= 1"),
    "bins -3": (lambda df: dm.plot_histogram(df, "n", bins=-3), "not -3"),
    "bins rule": (lambda df: dm.plot_histogram(df, "n", bins="xyz"), "one of the rules auto, fd"),
    "bins float": (lambda df: dm.plot_item_sizes(df, bins=2.5), "not 2.5"),
    "bins bool": (lambda df: dm.plot_histogram(df, "n", bins=True), "not True"),
    "edges not increasing": (lambda df: dm.plot_histogram(df, "n", bins=[3, 1]), "increasing"),
    "one edge": (lambda df: dm.plot_histogram(df, "n", bins=[1]), "at least two numbers"),
    "top 0": (lambda df: dm.plot_unique(df, "s", top=0), "top must be a whole number of bars >= 1"),
    "top -1": (lambda df: dm.plot_partitions(df, top=-1), "not -1"),
    "top float": (lambda df: dm.plot_unique(df, "s", top=2.5), "not 2.5"),
    "item not typed": (
        lambda df: dm.plot_item_sizes([{"a": {"S": "x"}}, {"a": "y"}]),
        "item 2 is not in DynamoDB's typed form (attribute 'a': not a DynamoDB typed value: 'y'",
    ),
    "resource form": (
        lambda df: dm.plot_item_sizes([{"a": "y" * 1000}]),
        "give items as a client or dm.fetch returns them ({'name': {'S': 'text'}})",
    ),
    "S holding a number": (lambda df: dm.plot_item_sizes([{"a": {"S": 5}}]), "{'S': 5}"),
    "unknown type": (lambda df: dm.plot_item_sizes([{"a": {"X": 1}}]), "unknown DynamoDB type"),
}


@pytest.mark.parametrize("call", BAD_PLOT_ARGUMENTS.values(), ids=BAD_PLOT_ARGUMENTS.keys())
def test_bad_plot_arguments_are_one_line_invalid_queries(call):
    import pandas as pd

    function, message = call
    df = pd.DataFrame({"n": [1, 2, 3], "s": ["a", "b", "a"]})
    with pytest.raises(InvalidQuery) as caught:
        function(df)
    text = str(caught.value)
    assert message in text and "\n" not in text
    assert len(text) < 400  # a long value is shown cut short


def test_a_lone_item_near_the_limit_shows_on_a_log_count_axis():
    items = [{"id": {"S": f"i{n}"}, "v": {"S": "x" * (50 + n)}} for n in range(299)]
    items.append({"id": {"S": "huge"}, "v": {"S": "y" * 380_000}})
    ax = dm.plot_item_sizes(items)
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "items (log scale)"
    bars = [p for p in ax.patches if p.get_height() > 0]
    assert sorted(round(p.get_height()) for p in bars) == [1, 299]
    renderer = saved(ax, "item_sizes_outlier")
    lone = min(bars, key=lambda p: p.get_height())
    # the one-item bar is visibly tall: at least a tenth of the 299-item bar's drawn height
    tall = max(bars, key=lambda p: p.get_height())
    assert lone.get_window_extent(renderer).height >= 0.1 * tall.get_window_extent(renderer).height
    assert lone.get_x() > 300  # the outlier is drawn where it is: ~371 KB
    tick_texts = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "100" in tick_texts and not any("^" in t for t in tick_texts)
    # sizes of similar counts keep a linear axis with whole-number ticks
    even = dm.plot_item_sizes([{"id": {"S": "a" * n}} for n in range(1, 9)], bins=4)
    assert even.get_yscale() == "linear"
    assert even.get_title().startswith("8 item(s), largest 10 bytes")  # "id" + 8 letters
    saved(even, "item_sizes_even")
    assert all(float(t).is_integer() for t in even.get_yticks())
    outside = dm.plot_item_sizes([{"id": {"S": "a"}}], bins=[100, 200])  # no size in the bins
    assert outside.get_yscale() == "linear" and heights(outside) == [0]


def test_count_axes_tick_whole_numbers():
    df = long_values()
    ax = dm.plot_unique(df, "blob", top=5)  # counts 1 and 2: ticks would be 0.25, 0.5...
    saved(ax, "unique_integer_ticks")
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)
    hist = dm.plot_histogram(df.assign(n=[0.5, 1.5] + [100.0] * 298), "n", bins=2)
    assert all(float(t).is_integer() for t in hist.get_yticks())


def test_an_empty_result_is_one_line_not_an_empty_chart():
    import pandas as pd

    empty = pd.DataFrame({"pk": [], "n": []})
    for draw in (
        lambda: dm.plot_unique(empty, "pk"),
        lambda: dm.plot_partitions(empty),
        lambda: dm.plot_histogram(empty, "n"),
        lambda: dm.plot_item_sizes(empty),
    ):
        before = len(plt.get_fignums())
        with pytest.raises(InvalidQuery, match=r"^nothing to draw: the result is empty$"):
            draw()
        assert len(plt.get_fignums()) == before  # no empty figure left behind


def test_magic_plot_of_an_empty_result_and_plot_twice(orders, shell, capsys):
    result, ax, output = plotted(shell, capsys, "orders nobody --env dev --plot partitions")
    assert len(result) == 0 and ax is None
    assert output.splitlines()[-1] == "--plot: nothing to draw: the result is empty"
    result, ax, output = plotted(shell, capsys, "orders c1 --env dev -i status-total --plot")
    assert len(result) == 0 and ax is None and output.splitlines()[-1].endswith("is empty")
    before = set(plt.get_fignums())
    for line in ("--plot total --plot sizes", "--plot=qty --plot", "--plot --pl sizes"):
        with pytest.raises(UsageError, match=r"^--plot is given twice: one chart per line"):
            shell.run_line_magic("dynamo_query", f"orders c1 --env dev {line}")
    assert set(plt.get_fignums()) == before
