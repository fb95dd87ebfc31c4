"""JupyterLab in headless Chromium: the harness itself, and a magic's DataFrame in the page.

Each test writes a notebook, opens it in the session's JupyterLab, runs all cells through the
menu, then asserts what the page shows (Playwright's retrying ``expect``) and saves a
screenshot under tests/artifacts/.
"""

from __future__ import annotations

import re
from typing import Any

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

from moto_servers import MotoServer
from tables import create_orders, orders_items, put_all

HARNESS = [
    "%load_ext dynamo_magic",
    """\
import ipywidgets as widgets
import dynamo_magic

clicks = []
button = widgets.Button(description="Run")
button.add_class("dynamo-run")
output = widgets.Output()
output.add_class("dynamo-output")


def on_click(_):
    clicks.append(1)
    with output:
        print(f"clicked {len(clicks)}: {dynamo_magic.__name__} ran in the kernel")


button.on_click(on_click)
widgets.VBox([button, output])""",
]


def test_widget_button_click_prints_into_its_output(notebook: Any) -> None:
    nb = notebook("harness", HARNESS)
    nb.run_all()
    nb.assert_no_errors()
    button = nb.page.locator("button.dynamo-run")
    output = nb.page.locator(".dynamo-output")
    expect(button).to_be_visible()
    expect(output).to_have_text("")  # nothing before the click

    button.click()
    expect(output).to_contain_text("clicked 1: dynamo_magic ran in the kernel")
    button.click()
    expect(output).to_contain_text("clicked 2: dynamo_magic ran in the kernel")
    nb.screenshot()


def test_dynamo_query_magic_shows_the_dataframe(
    notebook: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    a, _ = servers
    create_orders(a.client())
    put_all(a.client(), "orders", orders_items(customers=3, per_customer=4))
    nb = notebook(
        "query_magic",
        ["%load_ext dynamo_magic", "%dynamo_query orders c1 --env dev --columns status,total"],
    )
    nb.run_all()
    nb.assert_no_errors()

    outputs = nb.page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea")
    expect(outputs).to_contain_text(re.compile(r"4 item\(s\) from orders, query"))
    table = outputs.locator("table.dataframe")
    expect(table).to_have_count(1)
    header = table.locator("thead th")
    expect(header.filter(has_text=re.compile(r"^status$"))).to_have_count(1)
    expect(header.filter(has_text=re.compile(r"^total$"))).to_have_count(1)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(4)  # c1's four orders, none of c0's or c2's
    for n in range(1, 5):
        row = rows.nth(n - 1)
        expect(row).to_contain_text("c1")
        expect(row).to_contain_text(f"2024-01-{n:02d}")
        expect(row).to_contain_text("open" if n % 2 else "shipped")
        expect(row).to_contain_text(str(n * 1.25))
    expect(table).not_to_contain_text("c0")
    nb.screenshot()
