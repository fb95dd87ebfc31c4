"""Plots of read results (matplotlib's Agg backend) and DynamoDB's item-size rule.

Charts are checked by what they draw: bar heights are the counts, histogram bars the counts per
bin, partition bars the items per key; item sizes are checked against sizes computed by hand
from AWS's "DynamoDB item sizes and formats" rule for every attribute type.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import itertools

import matplotlib.pyplot as plt
import pytest
from IPython.core.error import UsageError

import dynamo_magic as dm
from dynamo_magic import plots
from dynamo_magic.errors import InvalidQuery, UsageProblem
from dynamo_magic.item_size import (
    MAX_ITEM_SIZE,
    item_size,
    number_size,
    read_units,
    value_size,
    write_units,
)

from tables import create_orders, order_item, orders_items, put_all


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def orders(servers) -> Any:
    """``orders`` on server A (profile ``dev``): customers c0..c2 with 10 orders each, and a
    hot partition c7 with 25."""
    client = servers[0].client()
    create_orders(client)
    put_all(client, "orders", orders_items() + [order_item(7, n) for n in range(1, 26)])
    return client


def heights(ax) -> list[int]:
    return [round(p.get_height()) for p in ax.patches]


def labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]


# -- the size rule ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "héllo"}, 6),  # UTF-8 bytes: é is two
        ({"S": ""}, 0),
        ({"N": "123.4500"}, 4),  # 5 significant digits (trailing zeros trimmed): 3 + 1
        ({"N": "0.001"}, 2),  # leading zeros trimmed: 1 digit
        ({"N": "-1E+10"}, 2),
        ({"N": "12"}, 2),
        ({"N": "123"}, 3),
        ({"N": "12345678901234567890123456789012345678"}, 20),  # 38 digits: 19 + 1
        ({"N": "0"}, 1),
        ({"B": "AAf/"}, 3),  # wire form: base64 of 3 raw bytes
        ({"B": b"\x00\x07\xff"}, 3),  # client form: the bytes
        ({"BOOL": False}, 1),
        ({"NULL": True}, 1),
        ({"SS": ["a", "bc"]}, 3),
        ({"NS": ["1", "22", "333"]}, 7),  # 2 + 2 + 3
        ({"BS": [b"\x01", "YWI="]}, 3),  # 1 + 2 raw bytes
        ({"L": []}, 3),
        ({"M": {}}, 3),
        ({"L": [{"S": "x"}, {"N": "2"}]}, 3 + (1 + 1) + (1 + 2)),
        ({"M": {"city": {"S": "Paris"}}}, 3 + 1 + 4 + 5),
        ({"M": {"in": {"L": [{"NULL": True}]}}}, 3 + 1 + 2 + (3 + 1 + 1)),
    ],
)
def test_value_sizes_follow_the_documented_rule(value, size):
    assert value_size(value) == size


def test_an_item_is_its_names_plus_its_values():
    item = {
        "id": {"S": "a1"},  # 2 + 2
        "n": {"N": "12345"},  # 1 + 4
        "ok": {"BOOL": True},  # 2 + 1
        "blob": {"B": base64.b64encode(b"12345").decode()},  # 4 + 5
        "é": {"NULL": True},  # 2 + 1
        "tags": {"SS": ["x", "yz"]},  # 4 + 3
        "m": {"M": {"k": {"N": "7"}}},  # 1 + 3 + 1 + 1 + 2
    }
    assert item_size(item) == 4 + 5 + 3 + 9 + 3 + 7 + 8
    assert item_size({}) == 0
    with pytest.raises(InvalidQuery, match="unknown DynamoDB type"):
        value_size({"X": 1})


def test_read_and_write_units_round_up_per_4_kb_and_1_kb():
    assert [read_units(s) for s in (0, 1, 4096, 4097, 8192, MAX_ITEM_SIZE)] == [1, 1, 1, 2, 2, 100]
    assert read_units(4097, consistent=False) == 1.0
    assert read_units(100, consistent=False) == 0.5
    assert [write_units(s) for s in (0, 1024, 1025)] == [1, 1, 2]
    assert number_size("99") == 2 and number_size("100") == 2  # "1": trailing zeros trimmed


# -- bar charts of unique values ----------------------------------------------------------------
def test_bar_heights_are_the_value_counts(orders):
    df = dm.scan("orders", env="dev")
    assert len(df) == 55
    ax = dm.plot_unique(df, "region")
    # region is ["eu", "us", "ap"][n % 3]: per 10 orders us 4, eu 3, ap 3; c7's 25: us 9, 8, 8
    # us 4 x 3 + 9 = 21, eu 3 x 3 + 8 = 17, ap 17; equal counts in the order of their text
    assert labels(ax) == ["us", "ap", "eu"]
    assert heights(ax) == [21, 17, 17]
    assert dict(df["region"].value_counts()) == {"us": 21, "ap": 17, "eu": 17}
    assert "3 value(s), 55 item(s)" in ax.get_title()
    # short labels side by side: horizontal, not overlapping
    renderer = saved(ax, "unique_short_labels")
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {0}
    boxes = sorted(
        (t.get_window_extent(renderer) for t in ax.get_xticklabels()), key=lambda b: b.x0
    )
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes))


def test_a_unique_table_is_drawn_as_it_is_and_missing_is_a_bar(orders):
    table = dm.unique("orders", "paid", "c1", env="dev")
    ax = dm.plot_unique(table)
    # paid: True for n even and not a multiple of 5 (2,4,6,8), False for 1,3,7,9, missing 5,10
    assert heights(ax) == [4, 4, 2]
    assert labels(ax) == ["false", "true", "<missing>"]
    found = dm.explore("orders", "c1", env="dev", unique="paid")
    assert heights(dm.plot_unique(found)) == [4, 4, 2]
    # items counted the same way as dm.unique counts them (empty cells are missing)
    assert heights(dm.plot_unique(dm.query("orders", "c1", env="dev"), "paid")) == [4, 4, 2]


def test_values_of_any_type_are_counted_and_many_values_are_cut_to_top():
    import pandas as pd

    df = pd.DataFrame(
        {"v": [{"a": 1}, {"a": 1}, [1, 2], {b"x"}, None, 1, "1", 1] + [f"s{i}" for i in range(40)]}
    )
    ax = dm.plot_unique(df, "v", top=5)
    assert heights(ax)[:2] == [2, 2]  # {"a": 1} twice, 1 twice; "1" (a string) is its own value
    assert labels(ax)[:2] == ['{"a": 1}', "1"]  # equal counts: by type, M before N
    every = labels(dm.plot_unique(df, "v"))  # both 1s shown: each labelled with its type
    assert every[1] == "1 (N)" and "1 (S)" in every and "1" not in every
    assert len(ax.patches) == 5
    assert "46 value(s)" in ax.get_title() and "41 more values not shown" in ax.get_title()
    with pytest.raises(InvalidQuery, match="no column 'nope'"):
        dm.plot_unique(df, "nope")
    with pytest.raises(InvalidQuery, match="name the column"):
        dm.plot_unique(df)


def test_long_values_keep_their_start_and_end_apart():
    import pandas as pd

    values = ["v" * 80 + str(i) for i in range(9)]  # differ only in the last character
    shown = labels(dm.plot_unique(pd.DataFrame({"v": values}), "v"))
    assert len(set(shown)) == 9 and all("…" in label for label in shown)


def test_a_column_is_a_histogram_when_most_values_are_numbers():
    import pandas as pd

    mostly_text = pd.DataFrame({"note": [f"n{i % 5}" for i in range(20)] + [7]})
    assert "histogram" not in dm.plot_column(mostly_text, "note").get_title()
    assert len(dm.plot_column(mostly_text, "note").patches) == 6  # five texts and the 7
    mostly_numbers = pd.DataFrame({"total": [float(i) for i in range(20)] + ["n/a"]})
    title = dm.plot_column(mostly_numbers, "total").get_title()
    assert "1 non-number value(s) left out" in title


# -- histograms -----------------------------------------------------------------------------------
def test_histogram_counts_per_bin(orders):
    df = dm.query("orders", "c1", env="dev")  # total = n * 1.25 for n = 1..10
    ax = dm.plot_histogram(df, "total", bins=[0, 5, 10, 12.5])
    # [0, 5): 1.25 2.5 3.75; [5, 10): 5 6.25 7.5 8.75; [10, 12.5]: 10 11.25 12.5
    assert heights(ax) == [3, 4, 3]
    assert ax.get_xlabel() == "total" and "10 value(s)" in ax.get_title()
    # Int64 and exact Decimal (38 digits) columns draw too
    assert sum(heights(dm.plot_histogram(df, "qty", bins=2))) == 10
    assert str(df["big"].dtype) == "object"
    assert sum(heights(dm.plot_histogram(df, "big"))) == 10
    with pytest.raises(InvalidQuery, match="no numbers"):
        dm.plot_histogram(df, "status")


def test_histogram_leaves_out_missing_and_says_how_many_non_numbers():
    import pandas as pd

    df = pd.DataFrame({"x": [1, 2.5, None, "seven", True, 3]})
    ax = dm.plot_histogram(df, "x", bins=[0, 2, 4])
    assert heights(ax) == [1, 2]
    assert "2 non-number value(s) left out" in ax.get_title()


def test_histogram_leaves_out_infinite_values_and_says_so():
    import pandas as pd

    df = pd.DataFrame({"x": [1.0, float("inf"), float("nan"), 2.0, float("-inf"), "n/a"]})
    ax = dm.plot_histogram(df, "x", bins=[0, 1.5, 3])
    assert heights(ax) == [1, 1]
    title = ax.get_title()
    assert "x: 2 value(s)" in title and "1 non-number value(s) left out" in title
    assert "2 infinite value(s) (inf, -inf) left out" in title
    only_inf = pd.DataFrame({"x": [float("inf"), float("-inf"), None]})
    with pytest.raises(InvalidQuery, match=r"^'x' holds only infinite numbers \(2\) to draw"):
        dm.plot_histogram(only_inf, "x")


# -- partitions ----------------------------------------------------------------------------------
def test_a_largest_partition_below_one_percent_gets_a_decimal():
    import pandas as pd

    keys = [f"k{n}" for n in range(298)] + ["hot", "hot"]  # 299 partitions, 300 items
    ax = dm.plot_partitions(pd.DataFrame({"k": keys}), "k")
    assert "299 partition(s), 300 item(s); largest 0.7%" in ax.get_title()
    assert [plots.share_text(s) for s in (0.45, 0.01, 0.004, 0.0009)] == [
        "45%",
        "1%",
        "0.4%",
        "<0.1%",
    ]


def test_items_per_partition_key_show_the_hot_partition(orders):
    result = dm.fetch("orders", env="dev", scan=True)
    ax = dm.plot_partitions(result)  # the key comes from the read
    assert labels(ax) == ["c7", "c0", "c1", "c2"]
    assert heights(ax) == [25, 10, 10, 10]
    assert "4 partition(s), 55 item(s); largest 45%" in ax.get_title()
    # a DataFrame: its first column, or the key named
    assert heights(dm.plot_partitions(result.to_frame())) == [25, 10, 10, 10]
    assert heights(dm.plot_partitions(result.to_frame(), "status", top=1)) == [28]
    # a column named "result" is a column, not an Exploration's read
    frame = result.to_frame().rename(columns={"status": "result"})
    assert heights(dm.plot_partitions(frame)) == [25, 10, 10, 10]
    assert len(plots.item_sizes(frame)) == 55
    # an index read counts per the index's partition key
    found = dm.explore("orders", env="dev", scan=True, index="status-total")
    assert labels(dm.plot_partitions(found)) == ["open", "shipped"]


# -- item sizes -----------------------------------------------------------------------------------
def test_item_sizes_of_a_read_are_the_sizes_of_the_items_written(orders):
    written = orders_items() + [order_item(7, n) for n in range(1, 26)]
    result = dm.fetch("orders", env="dev", scan=True)  # wire form: binaries as base64
    by_key = {(i["customer"]["S"], i["order-date"]["S"]): i for i in written}
    expected = [item_size(by_key[(i["customer"]["S"], i["order-date"]["S"])]) for i in result.items]
    assert plots.item_sizes(result) == expected
    ax = dm.plot_item_sizes(result, bins=3)
    assert sum(heights(ax)) == 55
    assert ax.get_title().startswith("55 item(s), largest")
    assert "1 RCU: 55" in ax.get_title() and "0 near the 400 KB limit" in ax.get_title()
    # the frame gives the same sizes (NULLs aside: they read as empty cells). Orders n = 1 hold
    # sets with a repeated element (moto keeps them; DynamoDB would refuse): a Python set not
    no_null = [item_size({k: v for k, v in i.items() if k != "note"}) for i in result.items]
    from_frame = plots.item_sizes(result.to_frame())
    kept = [i for i, item in enumerate(result.items) if item["order-date"]["S"] != "2024-01-01"]
    assert len(kept) == 51
    assert [from_frame[i] for i in kept] == [no_null[i] for i in kept]


def test_items_near_the_limit_and_read_units_per_item():
    items = [
        {"id": {"S": "a"}, "body": {"S": "x" * 390_000}},  # 2 + 1 + 4 + 390000: 96 RCU
        {"id": {"S": "b"}, "body": {"B": b"y" * 5000}},  # 2 + 1 + 4 + 5000: 2 RCU
        {"id": {"S": "c"}},  # 3 bytes: 1 RCU
    ]
    assert plots.item_sizes(items) == [390_007, 5_007, 3]
    ax = dm.plot_item_sizes(items)
    title = ax.get_title()
    assert "3 item(s)" in title and "1 near the 400 KB limit" in title
    assert "1 RCU: 1, 2 RCU: 1, 96 RCU: 1" in title
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [400]  # the limit, in KB
    with pytest.raises(InvalidQuery, match=r"^nothing to draw: the result is empty$"):
        dm.plot_item_sizes([])


def test_draws_on_a_given_axes():
    _fig, (left, right) = plt.subplots(1, 2)
    ax = dm.plot_item_sizes([{"id": {"S": "a"}}], ax=right)
    assert ax is right and len(right.patches) > 0 and not left.patches


# -- without matplotlib ---------------------------------------------------------------------------
def test_without_matplotlib_python_gets_the_install_hint(monkeypatch):
    import pandas as pd

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(dm.PlottingUnavailable) as caught:
        dm.plot_unique(pd.DataFrame({"a": ["x"]}), "a")
    assert isinstance(caught.value, UsageProblem)
    assert str(caught.value) == 'plots need matplotlib: pip install "dynamo_magic[plot]"'


# -- the magic's --plot --------------------------------------------------------------------------
def plotted(shell, capsys, line: str) -> tuple[Any, Any, str]:
    """Run ``%dynamo_query LINE``: its result, the chart it drew (or None) and its output."""
    before = set(plt.get_fignums())
    result = shell.run_line_magic("dynamo_query", line)
    new = sorted(set(plt.get_fignums()) - before)
    captured = capsys.readouterr()
    ax = plt.figure(new[-1]).axes[0] if new else None
    return result, ax, captured.out + captured.err


def test_magic_plot_draws_what_it_is_asked(orders, shell, capsys):
    result, ax, output = plotted(shell, capsys, "orders c1 --env dev -u status --plot")
    assert list(result["count"]) == [5, 5] and heights(ax) == [5, 5]
    assert output.startswith("10 item(s) from orders, query")
    result, ax, _ = plotted(shell, capsys, "orders c1 --env dev --plot qty")
    assert len(result) == 10 and sum(heights(ax)) == 10 and ax.get_xlabel() == "qty"
    _, ax, _ = plotted(shell, capsys, "orders c1 --env dev --plot region")  # strings: bars
    assert sum(heights(ax)) == 10 and set(labels(ax)) == {"us", "eu", "ap"}
    _, ax, _ = plotted(shell, capsys, "orders --scan --env dev --plot partitions")
    assert heights(ax) == [25, 10, 10, 10]
    _, ax, _ = plotted(shell, capsys, "orders c1 --env dev --plot")  # alone: the item sizes
    assert ax.get_title().startswith("10 item(s), largest")
    _, ax, _ = plotted(shell, capsys, "orders c1 --env dev --plot sizes")
    assert ax.get_title().startswith("10 item(s), largest")
    assert "read units per item: 1 RCU: 10" in ax.get_title()


def test_sizes_of_a_projected_read_say_they_are_of_the_attributes_read(orders, shell, capsys):
    _, whole, _ = plotted(shell, capsys, "orders c1 --env dev --plot sizes")
    _, ax, _ = plotted(shell, capsys, "orders c1 --env dev --columns status --plot sizes")
    title = ax.get_title()
    assert title.startswith("sizes of the attributes read (projection): 10 item(s), largest")
    assert "read units of these attributes alone (reads charge whole items): 1 RCU: 10" in title
    # the sizes are those of the attributes read: smaller than the whole items'
    assert max(p.get_x() + p.get_width() for p in ax.patches) < min(
        p.get_x() for p in whole.patches
    )
    # an index projecting only some attributes is a projection too; one projecting all is not
    keys_only = dm.explore("orders", "eu", env="dev", index="region-keys")
    assert dm.plot_item_sizes(keys_only).get_title().startswith("sizes of the attributes read")
    every = dm.explore("orders", "open", env="dev", index="status-total")
    assert dm.plot_item_sizes(every).get_title().startswith("28 item(s), largest")


def test_magic_plot_problems_are_one_line_and_the_result_still_comes(
    orders, shell, capsys, monkeypatch
):
    result, ax, output = plotted(shell, capsys, "orders c1 --env dev --plot nope")
    assert len(result) == 10 and ax is None
    assert output.splitlines()[-1].startswith("--plot: no column 'nope' to plot")
    _, ax, output = plotted(shell, capsys, "orders c1 --env dev --plot address.zip")
    assert ax is None and output.splitlines()[-1].endswith(
        "a nested path is a column when maps are flattened (--flatten)"
    )
    _, ax, _ = plotted(shell, capsys, "orders c1 --env dev --flatten --plot address.zip")
    assert sum(heights(ax)) == 10 and ax.get_xlabel() == "address.zip"
    result, ax, output = plotted(shell, capsys, "orders c1 --env dev --count --plot")
    assert result == 10 and ax is None
    assert output.splitlines()[-1] == "--plot: nothing to draw for a count"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    result, ax, output = plotted(shell, capsys, "orders c1 --env dev -u status --plot")
    assert list(result["count"]) == [5, 5] and ax is None
    assert (
        output.splitlines()[-1] == '--plot: plots need matplotlib: pip install "dynamo_magic[plot]"'
    )


# -- the README ------------------------------------------------------------------------------------
def test_the_readme_plots_examples_run(orders, shell, capsys):
    """The "Plots" section's Python block runs as written; each magic line of its notebook
    block draws a chart."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "exploring.md").read_text()
    start = text.index("\n## Plots\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    python, magics = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    namespace: dict[str, Any] = {}
    before = len(plt.get_fignums())
    exec(compile(python, "docs/exploring.md", "exec"), namespace)
    assert len(plt.get_fignums()) == before + 5
    for line in magics.splitlines():
        words = line.split("#")[0].strip().removeprefix("%dynamo_query ")
        _, ax, output = plotted(shell, capsys, words + " --env dev")
        assert ax is not None and len(ax.patches) > 0, (line, output)


def test_a_notebook_shows_the_chart_under_the_result(orders, tmp_path):
    """In a real kernel (nbclient; matplotlib's inline backend, as Jupyter has it) the magic's
    chart is a PNG output of its cell, after the summary line; the result is still assigned."""
    import nbclient  # the test extra's
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext dynamo_magic"),
        nbformat.v4.new_code_cell("df = %dynamo_query orders c1 --env dev -u status --plot"),
        nbformat.v4.new_code_cell("[int(c) for c in df['count']]"),
    ]
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    outputs = notebook.cells[1].outputs
    assert outputs[0]["name"] == "stdout"
    assert outputs[0]["text"].startswith("10 item(s) from orders, query")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, outputs
    assert base64.b64decode(images[0]["data"]["image/png"]).startswith(b"\x89PNG")
    assert notebook.cells[2].outputs[0]["data"]["text/plain"] == "[5, 5]"


# -- how the charts read: titles, ticks, scales, arguments (issue 8 findings 9-13) -------------
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def saved(ax, name: str) -> Any:
    """Draw ``ax``'s figure as a PNG under tests/artifacts/ (to look at); its renderer."""
    ARTIFACTS.mkdir(exist_ok=True)
    figure = ax.figure
    figure.savefig(ARTIFACTS / f"plot_{name}.png")
    figure.canvas.draw()
    return figure.canvas.get_renderer()


def assert_title_inside(ax, name: str) -> None:
    renderer = saved(ax, name)
    box, page = ax.title.get_window_extent(renderer), ax.figure.bbox
    assert box.x0 >= page.x0 and box.x1 <= page.x1, (name, box, page)
    assert box.y0 >= page.y0 and box.y1 <= page.y1, (name, box, page)
    assert box.width > 0 and ax.get_title().strip()


def long_values():
    import pandas as pd

    blobs = [f"value-{i:03d}-" + "x" * 30 for i in range(256)]
    return pd.DataFrame(
        {"blob": blobs + blobs[:44], "pk": [f"customer-{i % 40}" for i in range(300)]}
    )


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


def test_item_size_errors_show_a_short_value():
    with pytest.raises(InvalidQuery) as caught:
        item_size({"a": "y" * 1000})
    text = str(caught.value)
    assert text.startswith("attribute 'a': not a DynamoDB typed value: 'yyyy")
    assert "…" in text and len(text) < 200
    with pytest.raises(InvalidQuery, match="not an item"):
        item_size(["a"])  # type: ignore[arg-type]
    with pytest.raises(InvalidQuery, match=r"attribute 'b': not a DynamoDB typed value: \{'B'"):
        item_size({"b": {"B": "not base64!"}})


@pytest.mark.parametrize("text", ["abc", "1,5", "inf", "NaN", "1e", "--1", "", " 1"])
def test_a_number_that_is_not_one_is_refused(text):
    with pytest.raises(InvalidQuery) as caught:
        item_size({"n": {"N": text}})
    message = str(caught.value)
    assert message.startswith(f"attribute 'n': not a DynamoDB number: {text!r}")
    assert "\n" not in message
    with pytest.raises(InvalidQuery, match="item 1 is not in DynamoDB's typed form"):
        dm.plot_item_sizes([{"n": {"N": text}}])
    with pytest.raises(InvalidQuery, match="not a DynamoDB number"):
        item_size({"s": {"NS": ["1", text]}})


def test_numbers_in_every_written_form_are_sized():
    # 2 significant digits: 2 bytes, however the number is written
    for text in ("12", "-12", "+12", "1.2", ".12", "12.", "1.2E+3", "0.0012", "1200"):
        assert number_size(text) == 2, text
    assert item_size({"n": {"N": "0"}}) == 1 + 1


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
