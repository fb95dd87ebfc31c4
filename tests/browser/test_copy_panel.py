"""CopyPanel in JupyterLab, driven like a user: plan and run a copy into a second account.

Source ``dev`` (server A) to target ``acct-b`` (server B, another "account"). The dropdowns are
chosen in the page, Plan shows the plan, Copy writes the items with the progress bar fed by the
engine, and the test reads server B itself to check the target holds every item. A second copy
into the now non-empty target is refused until the confirmation box (which names the target)
is ticked.
"""

from __future__ import annotations

import re
from typing import Any

from moto_servers import MotoServer
from tables import create_orders, keyed, orders_items, put_all, scan_all

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

from .controls import choose

CELLS = [
    "%load_ext dynamo_magic",
    "import dynamo_magic\npanel = dynamo_magic.CopyPanel()\npanel",
]
COPY_TIMEOUT_MS = 60_000


def test_copy_panel_plans_and_copies_into_another_account(
    notebook: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    a, b = servers
    create_orders(a.client())
    items = orders_items(customers=3, per_customer=4)
    put_all(a.client(), "orders", items)
    nb = notebook("copy_panel", CELLS)
    nb.run_all()
    nb.assert_no_errors()
    panel = nb.page.locator(".dynamo-copy-panel")
    expect(panel).to_be_visible()
    plan, copy = panel.locator("button.dynamo-plan"), panel.locator("button.dynamo-copy")
    output, progress = panel.locator(".dynamo-output"), panel.locator(".dynamo-progress")

    choose(panel.locator(".dynamo-source"), "dev")
    choose(panel.locator(".dynamo-target"), "acct-b")
    choose(panel.locator(".dynamo-table"), "orders")
    expect(copy).to_be_disabled()  # no plan yet
    plan.click()
    plan_text = output.locator(".dynamo-plan-text")
    expect(plan_text).to_contain_text("Copy plan (nothing written)")
    expect(plan_text).to_contain_text(
        f"orders in env 'acct-b' (profile acct-b, us-east-1, endpoint {b.url})"
    )
    assert b.client().list_tables()["TableNames"] == []  # a plan writes nothing
    expect(copy).to_be_enabled()
    nb.screenshot("-plan")
    copy.click()

    expect(progress).to_contain_text("done", timeout=COPY_TIMEOUT_MS)
    expect(progress).to_contain_text(f"{len(items)}")
    expect(progress.locator(".progress-bar")).to_have_attribute("style", re.compile(r"100%"))
    expect(output.locator(".dynamo-summary")).to_be_visible()
    expect(panel.locator("button.dynamo-cancel")).to_be_disabled()
    assert keyed(scan_all(b.client(), "orders")) == keyed(items)
    nb.screenshot("-copied")

    # the target now holds items: a copy needs the confirmation, which names the target
    confirm = panel.locator(".dynamo-confirm")
    expect(confirm).to_contain_text("'orders'")
    expect(confirm).to_contain_text("'acct-b'")
    stray = orders_items(customers=5, per_customer=1)[-1]  # c4: only on the target
    put_all(b.client(), "orders", [stray])
    plan.click()
    expect(copy).to_be_enabled()
    copy.click()
    expect(output).to_contain_text("copy refused")
    assert keyed(scan_all(b.client(), "orders")) == keyed([*items, stray])  # nothing written
    confirm.locator("input[type=checkbox]").check()
    expect(copy).to_be_enabled()
    copy.click()
    summary = output.locator(".dynamo-summary")
    expect(summary).to_contain_text("12 written, 1 deleted, 0 failed", timeout=COPY_TIMEOUT_MS)
    expect(progress).to_contain_text("done")
    assert keyed(scan_all(b.client(), "orders")) == keyed(items)  # replace: the stray is gone
    nb.screenshot("-recopied")
    nb.cell_screenshot(1)  # docs/images/copy-panel.png
