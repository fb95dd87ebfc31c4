"""The copy panel's capacity limits: its two inputs reach the plan and the copy (the plan shows
the rates, the result table the rates and units consumed), and a bad value is the input's
one-line error with nothing written."""

from __future__ import annotations

from typing import Any

from dynamo_magic.notebook.panels import CopyPanel

from .outputs import error_lines, html_of
from conftest import A, B
from tables import create_events, events_items, put_all, scan_all

HANG_GUARD = 60.0  # seconds the copy may take at most (a guard, not a measurement)


def test_the_panel_s_limits_reach_the_plan_and_the_copy(servers: Any) -> None:
    a, b = servers
    create_events(a.client())
    put_all(a.client(), "events", events_items(devices=2, per_device=20))
    panel = CopyPanel(source=A, target=B, table="events")
    panel.max_write_units.value = "40"
    panel.max_read_units.value = " 20 "
    panel.plan_button.click()
    plan = html_of(panel.output)
    assert "write rate" in plan and "40 write units/s (asked)" in plan, plan
    assert "20 read units/s (asked)" in plan
    panel.copy_button.click()
    result = panel.wait(HANG_GUARD)
    assert result is not None and result.ok and result.written == 40, result
    assert (result.write_rate, result.write_units) == ("40 write units/s (asked)", 40)
    shown = html_of(panel.output)
    assert "write units consumed" in shown and "read units consumed" in shown
    assert len(scan_all(b.client(), "events")) == 40


def test_a_bad_limit_is_its_input_s_error(servers: Any) -> None:
    a, b = servers
    create_events(a.client())
    put_all(a.client(), "events", events_items(devices=1, per_device=5))
    panel = CopyPanel(source=A, target=B, table="events", max_write_units="-1")
    panel.plan_button.click()
    label = CopyPanel.LABELS["max_write_units"]
    assert panel.error is not None and panel.error.startswith(f"'{label}' '-1': "), panel.error
    assert "units per second" in panel.error and len(error_lines(panel.output)) == 1
    assert "events" not in b.client().list_tables()["TableNames"]
