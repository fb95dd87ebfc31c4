"""QueryPanel in Notebook 7 (the ``notebook`` package's UI, served by the JupyterLab server):
the notebook is opened from the file browser at ``/tree`` (it opens at
``/notebooks/NAME.ipynb``), run through the Run menu, a key is typed, Run clicked, and the
DataFrame's cells asserted in the page; then Notebook 7's dark theme (Settings > Theme) keeps
the panel readable."""

from __future__ import annotations

import re
from typing import Any

from .conftest import Lab, missing, notebook_ready, write_notebook
from moto_servers import MotoServer
from tables import create_orders, orders_items, put_all

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

from .colours import low_contrast, luminance
from .controls import type_into

NAME = "notebook7_query_panel"
CELLS = [
    "%load_ext dynamo_magic",
    "import dynamo_magic\npanel = dynamo_magic.QueryPanel(env='dev', table='orders')\npanel",
]


def test_query_panel_in_notebook7(
    page: Any, lab: Lab, servers: tuple[MotoServer, MotoServer]
) -> None:
    try:
        __import__("notebook")
    except ImportError:
        missing("the Python package notebook (>=7) is not installed (the `test` extra has it)")
    a, _ = servers
    create_orders(a.client())
    put_all(a.client(), "orders", orders_items(customers=3, per_customer=4))
    write_notebook(lab.root / f"{NAME}.ipynb", CELLS)

    page.goto(lab.tree_url())
    item = page.locator(".jp-DirListing-item", has_text=f"{NAME}.ipynb")
    with page.context.expect_page() as opened:  # Notebook 7 opens a notebook in a new tab
        item.dblclick()
    tab = opened.value
    expect(tab).to_have_url(re.compile(rf"/notebooks/{NAME}\.ipynb"))
    expect(tab.locator("#main-panel .jp-NotebookPanel")).to_be_visible()  # not /lab's layout
    expect(tab.locator("#jp-main-dock-panel")).to_have_count(0)

    nb = notebook_ready(tab, NAME, len(CELLS))
    nb.run_all()
    nb.assert_no_errors()
    panel = tab.locator(".dynamo-query-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".dynamo-table option:checked")).to_have_text("orders")
    type_into(panel.locator(".dynamo-pk"), "c1")
    type_into(panel.locator(".dynamo-sk"), "2024-01-0")
    panel.locator("button.dynamo-run").click()

    output = panel.locator(".dynamo-output")
    rows = output.locator("table.dataframe tbody tr")
    expect(rows).to_have_count(4)  # c1's four orders, begins_with 2024-01-0
    for n, row in enumerate(rows.all(), start=1):
        expect(row).to_contain_text("c1")
        expect(row).to_contain_text(f"2024-01-{n:02d}")
        expect(row).to_contain_text("open" if n % 2 else "shipped")
        expect(row).to_contain_text(str(n * 1.25))
    expect(output).not_to_contain_text("c0")
    expect(output).to_contain_text("4 item(s) from orders, query")
    nb.screenshot()

    # the dark theme, chosen as a user does (Settings > Theme); light again afterwards (a user
    # setting: it would outlive the test)
    choose_theme(tab, "JupyterLab Dark")
    try:
        assert luminance(panel.locator(".dynamo-pk input")) < 0.3
        assert luminance(rows.first) < 0.3
        checked, low = low_contrast(panel)
        assert checked >= 20, f"only {checked} text elements found"
        assert not low, f"text hard to read in Notebook 7's dark theme: {low}"
        nb.screenshot("-dark")
    finally:
        choose_theme(tab, "JupyterLab Light")


def choose_theme(page: Any, name: str) -> None:
    """Settings > Theme > ``name`` in the menu bar, then wait until the page wears it."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{name}$")).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", name)
