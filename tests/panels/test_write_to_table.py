"""The query panel's **Write to table** in a real kernel: the panel's result written into
another account's table with the copy panel's rule (Plan write first; Write only for that
plan's inputs and result, and only with the box ticked when the plan asks for a
confirmation), against two moto servers."""

from __future__ import annotations

from pathlib import Path

from conftest import A, B, client_for, subprocess_env, table_items
from live_kernel import live_kernel, printed
from tables import create_events, events_items, put_all

EVENTS = ("device", "seq")

OPEN = f"""
import json
import dynamo_magic as dm
panel = dm.QueryPanel(env="{A}", table="events")
panel.run_button.click()
writer = panel.writer
print(json.dumps({{"rows": len(panel.result), "write disabled": writer.write_button.disabled,
    "plan disabled": writer.write_plan_button.disabled}}))
"""
STATE = """
print(json.dumps({"error": panel.error, "planned": writer.plan is not None,
    "confirmations": writer.plan.confirmations if writer.plan is not None else None,
    "result": writer.result.summary_line() if writer.result is not None else None,
    "write disabled": writer.write_button.disabled}))
"""


def test_write_to_table_plans_confirms_and_writes_the_result(servers, tmp_path: Path):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(2, 10))
    create_events(client_for(B))
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        opened = printed(kernel.run(OPEN))
        assert opened == {"rows": 20, "write disabled": True, "plan disabled": False}

        refused = printed(kernel.run("writer.write_button.click()" + STATE))
        assert refused["error"].startswith("write refused: no plan")
        assert table_items(B, "events", EVENTS) == {}

        planned = printed(
            kernel.run(f'writer.write_env.value = "{B}"\nwriter.write_plan_button.click()' + STATE)
        )
        assert planned["planned"] and planned["confirmations"] == []
        assert not planned["write disabled"]
        written = printed(kernel.run("writer.write_button.click()" + STATE))
        assert written["result"].startswith("load OK: 20 written")
        assert table_items(B, "events", EVENTS) == table_items(A, "events", EVENTS)

        # B now holds items: the plan asks for the tick, Write refuses without it
        again = printed(kernel.run("writer.write_plan_button.click()" + STATE))
        assert again["confirmations"] == ["target 'events' holds items that will be overwritten"]
        unticked = printed(kernel.run("writer.write_button.click()" + STATE))
        assert unticked["error"].startswith(
            "write refused: target 'events' holds items that will be overwritten: tick 'write "
            f"into 'events' in env '{B}'"
        )
        # an input changed after the plan: plan again
        changed = printed(
            kernel.run(
                'writer.write_confirm.value = True\nwriter.write_mode.value = "replace"\n'
                "writer.write_button.click()" + STATE
            )
        )
        assert changed["error"].startswith("write refused: no plan")
        ticked = printed(
            kernel.run(
                "writer.write_plan_button.click()\nwriter.write_confirm.value = True\n"
                "writer.write_button.click()" + STATE
            )
        )
        assert ticked["result"].startswith("load OK: 20 written, 0 deleted"), ticked
        backups = client_for(B).list_backups(TableName="events")["BackupSummaries"]
        assert len(backups) == 1  # the non-empty target was backed up first
