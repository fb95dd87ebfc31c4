"""QueryPanel in JupyterLab, driven like a user: dropdowns, typed keys, the Run button.

Against server A (profile ``dev``): the environment, table and index are chosen through the
page's ``<select>`` elements (each choice travels to the kernel, which refills the next
dropdown from ListTables / DescribeTable), keys are typed, Run is clicked, and the DataFrame's
cells are asserted in the panel's output area.
"""

from __future__ import annotations

import re
from typing import Any

from moto_servers import MotoServer
from tables import create_events, create_orders, orders_items, put_all

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

from .controls import choose, type_into

CELLS = [
    "%load_ext dynamo_magic",
    "import dynamo_magic\npanel = dynamo_magic.QueryPanel()\npanel",
]


def test_query_panel_choose_type_run(notebook: Any, servers: tuple[MotoServer, MotoServer]) -> None:
    a, _ = servers
    create_events(a.client())  # listed before orders: choosing "orders" must reach the kernel
    create_orders(a.client())
    put_all(a.client(), "orders", orders_items(customers=3, per_customer=4))
    nb = notebook("query_panel", CELLS)
    nb.run_all()
    nb.assert_no_errors()
    page = nb.page
    panel = page.locator(".dynamo-query-panel")
    expect(panel).to_be_visible()

    choose(panel.locator(".dynamo-env"), "dev")
    choose(panel.locator(".dynamo-table"), "orders")
    expect(panel.locator(".dynamo-index option", has_text="status-total")).to_have_count(1)
    type_into(panel.locator(".dynamo-pk"), "c1")
    choose(panel.locator(".dynamo-sk-op"), "between")
    expect(panel.locator(".dynamo-sk2 input")).to_be_visible()  # shown for between only
    type_into(panel.locator(".dynamo-sk"), "2024-01-02")
    type_into(panel.locator(".dynamo-sk2"), "2024-01-03")
    panel.locator("button.dynamo-run").click()

    output = panel.locator(".dynamo-output")
    rows = output.locator("table.dataframe tbody tr")
    expect(rows).to_have_count(2)
    for row, (date, status, total) in zip(
        rows.all(), [("2024-01-02", "shipped", "2.5"), ("2024-01-03", "open", "3.75")], strict=True
    ):
        expect(row).to_contain_text("c1")
        expect(row).to_contain_text(date)
        expect(row).to_contain_text(status)
        expect(row).to_contain_text(total)
    expect(panel.locator("button.dynamo-run")).to_be_enabled()
    nb.screenshot("-table")
    nb.cell_screenshot(1)  # docs/images/query-panel.png

    # a GSI with a numeric sort key: open orders of every customer with total >= 3
    choose(panel.locator(".dynamo-index"), "status-total")
    type_into(panel.locator(".dynamo-pk"), "open")
    choose(panel.locator(".dynamo-sk-op"), ">=")
    expect(panel.locator(".dynamo-sk2 input")).to_be_hidden()
    type_into(panel.locator(".dynamo-sk"), "3")
    panel.locator("button.dynamo-run").click()
    expect(rows).to_have_count(3)  # n = 3 (total 3.75) of c0, c1 and c2
    for customer in ("c0", "c1", "c2"):
        expect(output.locator("td", has_text=re.compile(f"^{customer}$"))).to_have_count(1)
    expect(output.locator("td", has_text=re.compile(r"^3\.75$"))).to_have_count(3)
    expect(output).not_to_contain_text("shipped")
    nb.screenshot("-gsi")
