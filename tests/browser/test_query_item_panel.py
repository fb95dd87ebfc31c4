"""The query panel's paging, row picker and item editor in JupyterLab and Notebook 7, and its
"Write to" in JupyterLab, driven like a user in headless Chromium against the moto servers.

Page through (Page size, First / Next / Previous), pick a row (the item as DynamoDB JSON, then
plain JSON), edit it (Show changes), and meet a change someone made through boto3 between the
read and the Save: refused with the difference, nothing overwritten. The screenshots
(``tests/artifacts/query-paging-*.png``) are the ones docs/exploring.md shows (copied to
docs/images).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .conftest import ARTIFACTS, Lab, missing, notebook_ready, write_notebook
from moto_servers import MotoServer
from tables import create_events, create_orders, events_items, orders_items, put_all

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

from .controls import choose, type_into

CELLS = [
    "%load_ext dynamo_magic",
    "import dynamo_magic\npanel = dynamo_magic.QueryPanel(env='dev', table='orders')\npanel",
]
KEY = {"customer": {"S": "c1"}, "order-date": {"S": "2024-01-03"}}  # the row picked and edited


def _seed(a: MotoServer) -> None:
    create_orders(a.client())
    put_all(a.client(), "orders", orders_items(customers=3, per_customer=4))


def page_pick_and_conflict(panel: Any, a: MotoServer, shoot: Any) -> None:
    """Page through c1's orders two at a time, pick the third, edit it, and Save after
    someone else changed it: the refusal names the difference, the table keeps their change."""
    output = panel.locator(".dynamo-output")
    rows = output.locator("table.dataframe tbody tr")
    type_into(panel.locator(".dynamo-pk"), "c1")
    type_into(panel.locator(".dynamo-page-size"), "2")
    panel.locator("button.dynamo-page-first").click()
    expect(output).to_contain_text("page 1: 2 item(s) from orders, query")
    expect(rows).to_have_count(2)
    expect(panel.locator("button.dynamo-page-previous")).to_be_disabled()
    panel.locator("button.dynamo-page-next").click()
    expect(output).to_contain_text("page 2: 2 item(s) from orders, query")
    expect(rows.first).to_contain_text("2024-01-03")
    expect(output).to_contain_text("work on what was read (in the 2 page(s) read: 4 items)")
    panel.locator("button.dynamo-page-previous").click()
    expect(output).to_contain_text("page 1: 2 item(s)")
    expect(rows.first).to_contain_text("2024-01-01")
    panel.locator("button.dynamo-page-next").click()
    expect(output).to_contain_text("page 2: 2 item(s)")
    shoot("-pages", None)

    choose(panel.locator(".dynamo-row"), 'row 0: {customer: "c1", order-date: "2024-01-03"}')
    view = panel.locator(".dynamo-item-json pre")
    expect(view).to_contain_text('"status": {"S": "open"}')
    expect(view).to_contain_text('"total": {"N": "3.75"}')
    panel.locator(".dynamo-item-form button", has_text="plain JSON").click()
    expect(view).to_contain_text('"status": "open"')
    expect(view).to_contain_text('"total": 3.75')
    shoot("-item", panel.locator(".dynamo-item"))

    editor = panel.locator(".dynamo-item-editor textarea")
    text = editor.input_value()
    assert json.loads(text)["status"] == {"S": "open"}
    editor.fill(text.replace('"status": {"S": "open"}', '"status": {"S": "shipped"}'))
    panel.locator("button.dynamo-changes-button").click()
    changes = panel.locator(".dynamo-item-output")
    expect(changes).to_contain_text('status: "open" -> "shipped"')
    expect(panel.locator("button.dynamo-save-button")).to_be_enabled()
    # someone else changes the item meanwhile
    a.client().update_item(
        TableName="orders",
        Key=KEY,
        UpdateExpression="SET #t = :t",
        ExpressionAttributeNames={"#t": "total"},
        ExpressionAttributeValues={":t": {"N": "4"}},
    )
    panel.locator(".dynamo-item-confirm input").check()
    panel.locator("button.dynamo-save-button").click()
    expect(changes).to_contain_text("changed since it was read: total: 3.75 -> 4")
    expect(changes).to_contain_text("nothing written")
    shoot("-conflict", panel.locator(".dynamo-item"))
    now = a.client().get_item(TableName="orders", Key=KEY)["Item"]
    assert now["status"] == {"S": "open"} and now["total"] == {"N": "4"}


def test_page_pick_and_edit_with_a_conflict_in_jupyterlab(
    notebook: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    a, _ = servers
    _seed(a)
    nb = notebook("query_paging", CELLS)
    nb.run_all()
    nb.assert_no_errors()
    nb.page.set_viewport_size({"width": 1100, "height": 2600})  # the whole cell in view
    panel = nb.page.locator(".dynamo-query-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".dynamo-table option:checked")).to_have_text("orders")

    def shoot(suffix: str, part: Any) -> None:
        """tests/artifacts/query_paging-*.png, the docs' images: the cell, or a part of it."""
        if part is None:
            nb.cell_screenshot(1, suffix)
        else:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            part.screenshot(path=str(ARTIFACTS / f"query_paging{suffix}.png"))

    page_pick_and_conflict(panel, a, shoot)
    nb.assert_no_errors()
    body = nb.page.locator("body")
    for leak in ("Traceback", 'File "', '.py"'):
        expect(body).not_to_contain_text(leak)


def test_page_pick_and_edit_with_a_conflict_in_notebook7(
    page: Any, lab: Lab, servers: tuple[MotoServer, MotoServer]
) -> None:
    try:
        __import__("notebook")
    except ImportError:
        missing("the Python package notebook (>=7) is not installed (the `test` extra has it)")
    a, _ = servers
    _seed(a)
    name = "notebook7_query_paging"
    write_notebook(lab.root / f"{name}.ipynb", CELLS)
    page.goto(lab.tree_url())
    entry = page.locator(".jp-DirListing-item", has_text=f"{name}.ipynb")
    with page.context.expect_page() as opened:  # Notebook 7 opens a notebook in a new tab
        entry.dblclick()
    tab = opened.value
    expect(tab).to_have_url(re.compile(rf"/notebooks/{name}\.ipynb"))
    nb = notebook_ready(tab, name, len(CELLS))
    nb.run_all()
    nb.assert_no_errors()
    panel = tab.locator(".dynamo-query-panel")
    expect(panel).to_be_visible()
    page_pick_and_conflict(panel, a, lambda suffix, part: nb.screenshot(suffix))
    nb.assert_no_errors()


WRITE_CELLS = [
    "%load_ext dynamo_magic",
    "import dynamo_magic\npanel = dynamo_magic.QueryPanel(env='acct-a', table='events')\npanel",
]


def test_write_to_another_environment_with_the_tick_in_jupyterlab(
    notebook: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    a, b = servers
    create_events(a.client())
    put_all(a.client(), "events", events_items(1, 6))
    create_events(b.client())
    put_all(b.client(), "events", events_items(1, 1))  # B holds an item: the plan asks a tick
    nb = notebook("query_write_to", WRITE_CELLS)
    nb.run_all()
    nb.assert_no_errors()
    panel = nb.page.locator(".dynamo-query-panel")
    type_into(panel.locator(".dynamo-pk"), "1")
    panel.locator("button.dynamo-run").click()
    expect(panel.locator(".dynamo-output")).to_contain_text("6 item(s) from events, query")

    choose(panel.locator(".dynamo-write-env"), "acct-b")
    panel.locator("button.dynamo-write-plan").click()
    analysis = panel.locator(".dynamo-analysis")
    expect(analysis).to_contain_text("needs confirmation: target 'events' holds items")
    panel.locator("button.dynamo-write").click()
    expect(analysis).to_contain_text("write refused: target 'events' holds items")
    assert len(b.client().scan(TableName="events")["Items"]) == 1  # nothing written

    panel.locator("button.dynamo-write-plan").click()
    expect(analysis).to_contain_text("needs confirmation")
    confirm = panel.locator(".dynamo-write-confirm")
    expect(confirm).to_contain_text("write into 'events' in env 'acct-b'")
    confirm.locator("input").check()
    panel.locator("button.dynamo-write").click()
    expect(analysis).to_contain_text("load OK: 6 written")
    nb.cell_screenshot(1, "-written")
    items = b.client().scan(TableName="events")["Items"]
    assert sorted(int(i["seq"]["N"]) for i in items) == list(range(6))
    nb.assert_no_errors()
