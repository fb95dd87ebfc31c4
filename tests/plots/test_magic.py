"""The magic's ``--plot``, plots without matplotlib, the exploring page's plot examples and the
chart in a real kernel's notebook output."""

from __future__ import annotations

import base64
import sys

import pytest

import dynamo_magic as dm
from dynamo_magic.errors import UsageProblem

from .charts import heights, labels, plotted


# -- without matplotlib ---------------------------------------------------------------------------
def test_without_matplotlib_python_gets_the_install_hint(monkeypatch):
    import pandas as pd

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(dm.PlottingUnavailable) as caught:
        dm.plot_unique(pd.DataFrame({"a": ["x"]}), "a")
    assert isinstance(caught.value, UsageProblem)
    assert str(caught.value) == 'plots need matplotlib: pip install "dynamo_magic[plot]"'


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
