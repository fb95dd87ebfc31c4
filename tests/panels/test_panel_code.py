"""Code from clicks in a real kernel: a panel's ``code`` after Run, Plan and Copy, run as the
magic line and the Python call in the kernel and as the ``dynamo`` command in a shell, gives
what the click gave (the same DataFrame, the same plan, the same target table), against two
moto servers."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dynamo_magic import QueryPanel

from conftest import CLI_TIMEOUT, A, B, client_for, subprocess_env, table_items, use_profiles
from live_kernel import errors, live_kernel, printed
from tables import create_orders, orders_items, put_all


def in_bash(command: str) -> subprocess.CompletedProcess[str]:
    """``command`` as a user would paste it into bash, this environment's ``dynamo`` first."""
    env = subprocess_env()
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=env, timeout=CLI_TIMEOUT
    )


def run(kernel: Any, source: str) -> Any:
    cell = kernel.run(source)
    assert errors(cell) == [], errors(cell)
    return printed(cell)


QUERY = f"""
import json
import pandas as pd
import dynamo_magic as dm
from dynamo_magic.codec import item_json
panel = dm.QueryPanel(env="{A}", table="orders")
print(json.dumps(panel.code))
"""
FILL = """
panel.index.value = "status-total"
panel.pk.value = "open"
panel.sk_op.value = "between"
panel.sk.value = "2"
panel.sk2.value = "9"
panel.filter.value = "region <> 'us'"
panel.columns.value = "qty,address.city"
panel.limit.value = "4"
print(json.dumps({"run": panel.run_button.model_id, "code": panel.code_view.code_button.model_id}))
"""
AFTER_RUN = """
panel.wait()
print(json.dumps({"error": panel.error, "rows": len(panel.result), "code": panel.code,
    "items": [item_json(item) for item in panel.read.items]}))
"""


def test_a_run_s_code_gives_the_same_frame_as_magic_python_and_command(servers, tmp_path: Path):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", orders_items())
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        assert run(kernel, QUERY) is None  # no action yet: no code
        ids = run(kernel, FILL)
        kernel.click(ids["run"])  # as the page clicks: the query runs in the background
        clicked = run(kernel, AFTER_RUN)
        assert clicked["error"] is None and 0 < clicked["rows"] <= 4
        code = clicked["code"]
        load, line = code["magic"].split("\n")
        assert load == "%load_ext dynamo_magic" and line.startswith("%dynamo_query orders ")
        assert code["cli"].startswith("dynamo query --table orders ")

        # the Code button on the page shows the three texts
        kernel.click(ids["code"])
        shown = run(kernel, 'print(json.dumps(panel.code_view.code_output.outputs[0]["data"]))')[
            "text/html"
        ]
        for name, heading in (("magic", "Magic"), ("python", "Python"), ("cli", "Terminal")):
            assert f"<b>{heading}</b>" in shown
            assert f'class="dynamo-code-{name}"' in shown

        # the magic line and the Python call, run in the kernel: the click's DataFrame
        replayed = run(
            kernel,
            f"{load}\nby_magic = {line}\n"
            + code["python"]
            + "\npd.testing.assert_frame_equal(by_magic, panel.result)"
            + "\npd.testing.assert_frame_equal(df, panel.result)"
            + "\nprint(json.dumps(len(df)))",
        )
        assert replayed == clicked["rows"]

    # the command, pasted into a shell: the same items
    result = in_bash(code["cli"] + " --format json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == clicked["items"]


COPY = f"""
import json
import dynamo_magic as dm
panel = dm.CopyPanel(source="{A}", target="{B}", table="orders")
panel.target_table.value = "orders-copy"
panel.mode.value = "merge"
panel.pk.value = "c1"
panel.sk.value = "2024-01-0"
panel.workers.value = 2
panel.max_write_units.value = "100"
panel.backup.value = False
panel.plan_button.click()
print(json.dumps({{"error": panel.error, "code": panel.code, "plan": str(panel.plan)}}))
"""
REPLAY_PLAN = """
{load}
by_magic = {line}
{python}
print(json.dumps([str(by_magic), str(plan)]))
"""
COPIED = """
panel.copy_button.click()
panel.wait()
print(json.dumps({"error": panel.error, "code": panel.code,
    "result": panel.result.summary_line()}))
"""


def _drop(table: str) -> None:
    client: Any = client_for(B)
    client.delete_table(TableName=table)
    client.get_waiter("table_not_exists").wait(TableName=table)


def test_a_plan_and_a_copy_s_code_do_what_the_clicks_did(servers, tmp_path: Path):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", orders_items())
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        planned = run(kernel, COPY)
        assert planned["error"] is None
        plan = planned["code"]
        assert plan["magic"].endswith(" --dry-run") and plan["cli"].endswith(" --dry-run")
        load, line = plan["magic"].split("\n")
        replayed = run(kernel, REPLAY_PLAN.format(load=load, line=line, python=plan["python"]))
        assert replayed == [planned["plan"], planned["plan"]]
        command = in_bash(plan["cli"])
        assert command.returncode == 0, command.stderr
        assert command.stdout.strip() == planned["plan"].strip()

        copied = run(kernel, COPIED)
        assert copied["error"] is None, copied
        code = copied["code"]
        assert "--dry-run" not in code["magic"] + code["cli"]
        assert "--workers 2" in code["cli"] and "--no-backup" in code["cli"]
        target = table_items(B, "orders-copy")
        assert len(target) == 9  # c1's orders of 2024-01-01 to 2024-01-09

        for name in ("python", "magic", "cli"):
            _drop("orders-copy")
            if name == "cli":
                outcome = in_bash(code["cli"] + " --no-progress")
                assert outcome.returncode == 0, outcome.stderr
            else:
                source = code[name].replace("\n%dynamo_copy", "\nresult = %dynamo_copy")
                run(kernel, source + "\nprint(json.dumps(result.summary_line()))")
            assert table_items(B, "orders-copy") == target, name


def test_insert_code_puts_the_last_action_s_text_in_the_next_cell(orders, shell):
    """``panel.insert_code(which)`` from a cell: IPython's next input is the text (a command as
    a ``!dynamo`` shell line); before any action, or for another text, one clear error."""
    panel = QueryPanel(env="dev", table="orders", pk="c1", namespace={})
    with pytest.raises(ValueError, match="no action yet"):
        panel.insert_code()
    panel.run()
    assert panel.error is None
    panel.insert_code("cli")
    assert shell.rl_next_input == "!dynamo query --table orders --pk c1 --env dev"
    panel.insert_code()
    assert shell.rl_next_input == "%load_ext dynamo_magic\n%dynamo_query orders --pk c1 --env dev"
    with pytest.raises(ValueError, match="one of magic, python, cli, not 'bash'"):
        panel.insert_code("bash")


def test_the_exploring_page_s_example_prints_what_it_says(servers, isolated_aws, monkeypatch):
    """docs/exploring.md, "Code from clicks": its Python block runs as written against the
    demo's accounts and data (``demo-prod``, table ``shop``) and prints the command its comment
    shows."""
    from dynamo_magic.demo import data

    a, b = servers
    use_profiles({"demo-prod": a.url, "demo-dev": b.url}, isolated_aws, monkeypatch)
    data.create_table(a.client())  # the demo's table, with the one customer the example reads
    mine = [item for item in data.build().prod if item["pk"]["S"] == "CUSTOMER#c001"]
    data.write_items(a.client(), mine)
    text = (Path(__file__).resolve().parents[2] / "docs" / "exploring.md").read_text()
    start = text.index("\n## Code from clicks\n")
    section = text[start : text.index("\n## ", start + 1)]
    (python,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    said = [line.removeprefix("# ") for line in python.splitlines() if line.startswith("# ")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(python, "docs/exploring.md", "exec"), {})
    assert out.getvalue().splitlines() == said
