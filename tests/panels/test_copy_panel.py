"""CopyPanel driven from Python (no browser) against the moto servers: set the
inputs' values, click, and assert results, outputs and disabled states. Cancel of a running copy."""

from __future__ import annotations

import threading
import time

import pytest

import dynamo_magic as dm
from dynamo_magic import Outcome, environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.notebook.panels import COPY_INPUTS, CopyPanel, WidgetProgress
from dynamo_magic.settings import override_settings

from .outputs import error_lines, html_of
from conftest import A, B, client_for
from tables import (
    create_events,
    create_orders,
    events_items,
    keyed,
    orders_items,
    put_all,
    scan_all,
)


# -- CopyPanel -----------------------------------------------------------------------------------
def test_copy_panel_plan_then_copy_into_another_account(orders):
    panel = CopyPanel(source=A, target=B, table="orders")
    assert "dynamo-copy-panel" in panel._dom_classes
    for cls, button in (("dynamo-plan", panel.plan_button), ("dynamo-copy", panel.copy_button)):
        assert cls in button._dom_classes
    assert "dynamo-cancel" in panel.cancel_button._dom_classes
    assert panel.backup.value is True and panel.copy_button.disabled
    assert "'orders'" in panel.confirm.description and B in panel.confirm.description
    panel.copy_button.click()  # no plan: refused even when called while disabled
    assert "plan" in panel.error and "orders" not in client_for(B).list_tables()["TableNames"]
    panel.plan_button.click()
    assert panel.error is None and panel.plan is not None
    assert not panel.copy_button.disabled
    assert "orders" in html_of(panel.output)
    # long plan lines wrap between words: kept lines, no break inside a word
    (pre,) = [line for line in html_of(panel.output).splitlines() if "dynamo-plan-text" in line]
    assert "white-space: pre-wrap" in pre and "overflow-wrap: break-word" in pre
    assert "word-break: normal" in pre
    panel.copy_button.click()
    result = panel.wait(120)
    assert result is not None and result.ok, html_of(panel.output)
    assert result.written == 30
    assert keyed(scan_all(client_for(B), "orders")) == keyed(scan_all(client_for(A), "orders"))
    assert panel.progress.complete is True and panel.progress.items == 30
    # the copy's own rate, as its result says (not the verify phase that ran last)
    assert panel.progress.label.value == (
        f"copy: 30 items written, {result.items_per_second:,.0f} items/s done"
    )
    assert panel.copy_button.disabled and not panel.plan_button.disabled  # plan again
    assert "OK" in html_of(panel.output)


def test_copy_panel_input_change_disables_copy(orders):
    panel = CopyPanel(source=A, target=B, table="orders")
    panel.plan_button.click()
    assert not panel.copy_button.disabled
    panel.mode.value = "merge"
    assert panel.copy_button.disabled
    panel.copy_button.click()  # from Python while disabled: its rule holds
    assert "plan" in panel.error and "orders" not in client_for(B).list_tables()["TableNames"]
    panel.mode.value = "replace"  # back to the planned inputs: the plan went, plan again
    assert panel.copy_button.disabled and panel.plan is None
    panel.plan_button.click()
    assert not panel.copy_button.disabled
    panel.target_table.value = "orders-copy"
    assert panel.copy_button.disabled and "'orders-copy'" in panel.confirm.description


def test_copy_panel_slice_typed_by_schema(orders):
    panel = CopyPanel(source=A, target=B, table="events")
    panel.pk.value = "2"
    assert panel.plan_kwargs()["pk"] == 2
    panel.plan_button.click()
    panel.copy_button.click()
    result = panel.wait(120)
    assert result is not None and result.ok
    assert len(scan_all(client_for(B), "events")) == 20


@pytest.mark.parametrize("target", ["non-empty", "protected"])
def test_copy_panel_needs_confirmation(orders, servers, target):
    if target == "non-empty":
        create_orders(client_for(B))
        put_all(client_for(B), "orders", orders_items(customers=1, per_customer=2))
        env = B
    else:
        env = "prod-b"
    before = keyed(scan_all(client_for(B), "orders")) if target == "non-empty" else {}
    panel = CopyPanel(source=A, target=env, table="orders")
    panel.plan_button.click()
    assert panel.plan.confirmations and not panel.copy_button.disabled
    panel.copy_button.click()
    assert panel.job is None  # refused before anything ran
    assert "copy refused" in html_of(panel.output) and len(error_lines(panel.output)) == 1
    assert panel.plan.confirmations[0] in panel.error
    after = keyed(scan_all(client_for(B), "orders")) if target == "non-empty" else {}
    assert after == before
    if target == "protected":
        assert "orders" not in client_for(B).list_tables()["TableNames"]
    panel.confirm.value = True  # not a plan input: the plan still holds
    assert not panel.copy_button.disabled
    panel.copy_button.click()
    result = panel.wait(120)
    assert result is not None and result.ok and result.written == 30


def test_copy_panel_errors_are_one_line(orders):
    panel = CopyPanel(source=A, target=A, table="orders")  # the same table: unsafe
    panel.plan_button.click()
    assert len(error_lines(panel.output)) == 1 and panel.plan is None
    assert panel.copy_button.disabled
    panel = CopyPanel(source=A, target=B, table="orders")
    panel.target_table.value = "bad name!"
    panel.plan_button.click()
    lines = error_lines(panel.output)
    assert len(lines) == 1 and "'Target table'" in lines[0]
    panel = CopyPanel(source="nocreds", target=B)
    assert len(error_lines(panel.output)) == 1
    panel.plan_button.click()
    assert "choose a table" in panel.error


def test_copy_panel_restore_needs_its_own_confirmation(orders):
    create_orders(client_for(B))
    old = orders_items(customers=1, per_customer=2)
    put_all(client_for(B), "orders", old)
    panel = CopyPanel(source=A, target=B, table="orders")
    assert panel.restore_button.disabled
    panel.restore()
    assert "no backup" in panel.error
    panel.plan_button.click()
    panel.confirm.value = True
    panel.copy_button.click()
    result = panel.wait(120)
    assert result.ok and result.backup is not None
    assert (
        not panel.restore_button.disabled
        and result.backup.name in panel.restore_confirm.description
    )
    assert len(scan_all(client_for(B), "orders")) == 30
    panel.restore_button.click()  # without its confirmation: refused
    assert "restore refused" in html_of(panel.output) and panel.restored is None
    assert len(scan_all(client_for(B), "orders")) == 30
    panel.restore_confirm.value = True
    panel.restore_button.click()
    assert panel.error is None, panel.error
    assert panel.restored is not None
    assert keyed(scan_all(client_for(B), "orders")) == keyed(old)


def test_cancel_stops_a_running_copy(servers):
    override_settings(segments=30)  # 30 tasks on 1 worker: Cancel leaves some never started
    client = servers[0].client()
    create_events(client)
    items = events_items(devices=3, per_device=500)  # 1,500 items: a threaded copy
    put_all(client, "events", items)
    target = clients.client(environments.resolve(B))
    target.meta.events.register(
        "before-send.dynamodb.BatchWriteItem", lambda **_: time.sleep(0.05)
    )  # slow writes: the copy is still running when Cancel is clicked
    panel = CopyPanel(source=A, target=B, table="events")
    panel.workers.value = 1
    panel.backup.value = False
    panel.plan_button.click()
    assert panel.cancel_button.disabled  # nothing running
    panel.copy_button.click()
    assert not panel.cancel_button.disabled and panel.running
    deadline = time.monotonic() + 60
    while panel.progress.items < 100 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert panel.running, "the copy ended before it could be cancelled"
    # while it runs: only Cancel; every input, Plan, Copy and Restore disabled, and refusing
    inputs = [getattr(panel, name) for name in COPY_INPUTS]
    assert all(w.disabled for w in inputs) and len(inputs) == 20
    assert panel.plan_button.disabled and panel.copy_button.disabled
    assert panel.restore_button.disabled and not panel.cancel_button.disabled
    panel.plan_button.click()
    assert panel.error == "plan refused: a copy is running" and panel.plan is not None
    panel.copy_button.click()
    assert panel.error == "copy refused: a copy is running"
    panel.restore_button.click()
    assert panel.error == "restore refused: a copy is running"
    panel.cancel_button.click()
    assert panel.error is None
    result = panel.wait(60)
    assert not panel.running
    assert not any(w.disabled for w in inputs) and not panel.plan_button.disabled
    assert panel.copy_button.disabled and panel.restore_button.disabled  # no plan, no backup
    assert result is not None and result.interrupted and not result.ok
    assert "INTERRUPTED" in result.summary_line() and "INTERRUPTED" in html_of(panel.output)
    written = len(scan_all(client_for(B), "events"))
    assert 0 < written < len(items) and result.written == written  # exact: no batch missed
    assert panel.progress.complete is False and panel.cancel_button.disabled


def test_api_copy_cancel_keyword(servers):
    client = servers[0].client()
    create_events(client)
    put_all(client, "events", events_items())
    cancel = threading.Event()
    cancel.set()  # set before it starts: nothing is touched
    with pytest.raises(dm.CopyFailed) as caught:
        dm.copy("events", source=A, target=B, cancel=cancel)
    assert caught.value.result.interrupted and caught.value.result.written == 0
    with pytest.raises(dm.InvalidQuery, match="cancel"):
        dm.copy("events", source=A, target=B, cancel=True)  # type: ignore[arg-type]


def test_widget_progress_counts_items():
    bar = WidgetProgress()
    bar.start("copy", 10)
    bar.advance(4)
    assert bar.bar.value == 4 and "4/10 items" in bar.label.value
    bar.advance(10)  # more than estimated: the bar grows, and its total with it
    assert bar.bar.max == 14 and "14/14 items" in bar.label.value
    bar.close(Outcome.FAILED)
    assert bar.complete is False and bar.label.value.endswith("FAILED")
    # failed past its estimate: how much was left is unknown, so its count and no full bar
    assert (bar.bar.bar_style, bar.bar.value, bar.bar.max) == ("danger", 0, 14)
    assert bar.label.value.startswith("copy: 14 items, ")
