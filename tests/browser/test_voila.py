"""A panel served by Voilà (the notebook as an app): no code cells, only the panel; a user types
a key and clicks Run, and the DataFrame appears.

Both panels are opened with ``table='orders'`` while ``events`` is listed first: the table
dropdown moves from the first listed table to the one asked for, and each Index dropdown must
show the chosen table's "(table) ..." label, not a blank (a finding of an earlier session).
"""

from __future__ import annotations

from typing import Any

from .conftest import Voila, screenshot, write_notebook
from moto_servers import MotoServer
from tables import create_events, create_orders, orders_items, put_all

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

from .controls import type_into

APP = [
    "import dynamo_magic",
    "dynamo_magic.QueryPanel(env='dev', table='orders')",
    "dynamo_magic.CopyPanel('dev', 'acct-b', 'orders')",
]
TABLE_LABEL = "(table) customer (S) + order-date (S)"


def test_query_panel_as_a_voila_app(
    voila: Voila, blank_page: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    a, _ = servers
    create_events(a.client())  # listed first: the panel moves from it to orders
    create_orders(a.client())
    put_all(a.client(), "orders", orders_items(customers=3, per_customer=4))
    write_notebook(voila.root / "orders_app.ipynb", APP)
    page = blank_page
    page.goto(voila.render_url("orders_app.ipynb"))

    panel = page.locator(".dynamo-query-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_text("import dynamo_magic")).to_have_count(0)  # an app: no code shown
    expect(panel.locator(".dynamo-env option:checked")).to_have_text("dev")
    expect(panel.locator(".dynamo-table option:checked")).to_have_text("orders")
    copy = page.locator(".dynamo-copy-panel")
    expect(copy.locator(".dynamo-table option:checked")).to_have_text("orders")
    for index in (panel.locator(".dynamo-index select"), copy.locator(".dynamo-index select")):
        expect(index.locator("option")).to_have_count(5)  # the table, 3 GSIs, 1 LSI
        expect(index).to_have_js_property("selectedIndex", 0)
        assert shown(index) == TABLE_LABEL, shown(index)
    type_into(panel.locator(".dynamo-pk"), "c2")
    panel.locator("button.dynamo-run").click()

    rows = panel.locator(".dynamo-output table.dataframe tbody tr")
    expect(rows).to_have_count(4)
    for n in range(1, 5):
        expect(rows.nth(n - 1)).to_contain_text("c2")
        expect(rows.nth(n - 1)).to_contain_text(f"2024-01-{n:02d}")
    expect(panel.locator(".dynamo-output")).not_to_contain_text("c1")
    screenshot(page, "voila_query_panel")


def shown(select: Any) -> str:
    """What a <select> shows: its selected option's label ("" for none: a blank dropdown)."""
    label: str = select.evaluate("s => s.options[s.selectedIndex]?.label ?? ''")
    return label.replace("\xa0", " ").strip()
