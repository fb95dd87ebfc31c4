"""Code from clicks and interactive tables in the browser: in JupyterLab and Notebook 7 a click on
the query panel's Code button shows the magic line, the Python call and the ``dynamo`` command
of the Run before it; in JupyterLab, with ``DynamoMagic.table_display = "interactive"``, the
panel's result and a magic's result are itables tables whose search and sorting work (offline:
the bundled DataTables)."""

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

PANEL = (
    "import dynamo_magic\npanel = dynamo_magic.QueryPanel(env='dev', table='orders', pk='c1')"
    "\npanel"
)
TEXTS = {
    "magic": "%load_ext dynamo_magic\n%dynamo_query orders --pk c1 --env dev",
    "python": "import dynamo_magic\ndf = dynamo_magic.query('orders', pk='c1', env='dev')",
    "cli": "dynamo query --table orders --pk c1 --env dev",
}


def code_shows(page: Any) -> Any:
    """Run, then Code: the three texts of that Run under the panel's inputs (c1's 12 orders:
    more than itables' page of 10, so an interactive table has its search and paging)."""
    panel = page.locator(".dynamo-query-panel")
    expect(panel).to_be_visible()
    area = panel.locator(".dynamo-code-output")
    panel.locator("button.dynamo-code-button").click()  # before any action: it says so
    expect(area).to_contain_text("no action yet")
    panel.locator("button.dynamo-run").click()
    expect(panel.locator(".dynamo-output")).to_contain_text("12 item(s) from orders, query")
    panel.locator("button.dynamo-code-button").click()
    for name, text in TEXTS.items():
        expect(area.locator(f"pre.dynamo-code-{name}")).to_have_text(text)
    for heading in ("Magic", "Python", "Terminal"):
        expect(area).to_contain_text(heading)
    page_text = page.locator("body").inner_text()
    assert "Traceback" not in page_text and "Error displaying widget" not in page_text
    return panel


def test_code_and_interactive_tables_in_jupyterlab(
    notebook: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    a, _ = servers
    create_orders(a.client())
    put_all(a.client(), "orders", orders_items(customers=3, per_customer=12))
    nb = notebook("code_and_tables", ["%load_ext dynamo_magic", PANEL])
    nb.run_all()
    nb.assert_no_errors()
    panel = code_shows(nb.page)
    nb.cell_screenshot(1)  # docs/images/code-from-clicks.png

    # interactive tables: the panel's result after the next Run, and a magic's result
    cell = nb.page.locator(".jp-Notebook .jp-Cell").nth(0)
    cell.click()
    editor = cell.locator(".cm-content")
    editor.click()
    nb.page.keyboard.press("ControlOrMeta+a")
    nb.page.keyboard.type('%config DynamoMagic.table_display = "interactive"')
    nb.page.keyboard.press("Shift+Enter")
    nb.wait_idle()
    panel.locator("button.dynamo-run").click()
    table = panel.locator(".dynamo-output table.dataTable")
    expect(table).to_have_count(1)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(10)  # the first page of 12 rows
    search = panel.locator(".dynamo-output .dt-search input")
    search.fill("2024-01-03")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2024-01-03")
    search.fill("")
    expect(rows).to_have_count(10)
    header = table.locator("thead th", has_text=re.compile(r"^\s*order-date\s*$"))
    sort = header.locator(".dt-column-order")  # itables sorts by the header's icon
    sort.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_contain_text("2024-01-01")
    sort.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_contain_text("2024-01-12")
    nb.screenshot("-interactive")
    nb.cell_screenshot(1, "-interactive-cell")  # docs/images/interactive-table.png


def test_code_in_notebook7(page: Any, lab: Lab, servers: tuple[MotoServer, MotoServer]) -> None:
    try:
        __import__("notebook")
    except ImportError:
        missing("the Python package notebook (>=7) is not installed (the `test` extra has it)")
    a, _ = servers
    create_orders(a.client())
    put_all(a.client(), "orders", orders_items(customers=3, per_customer=12))
    name = "notebook7_code"
    write_notebook(lab.root / f"{name}.ipynb", ["%load_ext dynamo_magic", PANEL])
    page.goto(lab.notebook_url(f"{name}.ipynb").replace("/lab/tree/", "/notebooks/"))
    expect(page.locator("#main-panel .jp-NotebookPanel")).to_be_visible()
    nb = notebook_ready(page, name, 2)
    nb.run_all()
    nb.assert_no_errors()
    code_shows(page)
    nb.screenshot()
