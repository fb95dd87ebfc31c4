"""``--ui`` and ``%dynamo_panel``: the same parser as the line, every option in the panel's
inputs, and what a panel cannot carry refused in one line."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from dynamo_magic.settings import max_workers

from .lines import q, run


# -- --ui and %dynamo_panel: the same parser, every option in the panel's inputs ----------------
def ui(shell: InteractiveShell, magic: str, line: str) -> Any:
    return shell.run_line_magic(magic, line)


def test_query_ui_puts_every_option_into_the_panel(shell):
    from dynamo_magic.notebook.panels import QueryPanel

    line = (
        "orders c1 --env dev -i status-total --sk 10 --sk-op between --sk2 20 "
        "--filter \"region = 'eu'\" --columns status,total --limit 3 --ui"
    )
    panel = ui(shell, "dynamo_query", line)
    assert isinstance(panel, QueryPanel) and panel.error is None
    inputs = {
        name: getattr(panel, name).value
        for name in ("env", "table", "index", "pk", "sk_op", "sk", "sk2", "filter", "columns")
    }
    assert inputs == {
        "env": "dev",
        "table": "orders",
        "index": "status-total",
        "pk": "c1",
        "sk_op": "between",
        "sk": "10",
        "sk2": "20",
        "filter": "region = 'eu'",
        "columns": "status,total",
    }
    assert panel.limit.value == "3"
    # the CLI form (-t T PK, --pk, --select) fills the same inputs
    line = "-t orders c1 --env dev --select status --sk-op '>=' -sk 2024-01-05 --ui"
    panel = ui(shell, "dynamo_query", line)
    assert (panel.table.value, panel.pk.value, panel.columns.value) == ("orders", "c1", "status")
    assert (panel.sk_op.value, panel.sk.value) == (">=", "2024-01-05")
    panel = ui(shell, "dynamo_panel", "query orders --pk c2 --env dev --sk 2024 --sk-op =")
    assert (panel.pk.value, panel.sk.value, panel.sk_op.value) == ("c2", "2024", "=")


def test_query_ui_panel_runs_the_query_the_line_asks_for(shell):
    """The filled panel's Run gives what the same line without --ui gives."""
    line = "orders c1 --env dev --sk 2024-01 --filter 'total > 0' --columns total --limit 4"
    expected = q(shell, line)
    assert len(expected) == 4 and list(expected.columns)[-1] == "total"
    panel = ui(shell, "dynamo_query", line + " --ui")
    panel.run()
    assert panel.error is None, panel.error
    pd.testing.assert_frame_equal(panel.result, expected)


def test_query_ui_leaves_options_not_given_to_the_panel(shell):
    """A default the line did not give (--sk-op's begins_with) does not override the panel's."""
    from dynamo_magic.notebook.panels import QueryPanel

    default = QueryPanel(env="dev", table="orders")
    panel = ui(shell, "dynamo_query", "orders c1 --env dev --ui")
    assert panel.sk_op.value == default.sk_op.value
    assert (panel.sk.value, panel.filter.value, panel.limit.value) == ("", "", "")
    assert panel.index.value is None


def test_copy_ui_puts_every_option_into_the_panel(shell):
    from dynamo_magic.notebook.panels import CopyPanel

    line = (
        "orders --source dev --target stage --target-table orders2 --pk c1 --sk 5 --sk-op '>' "
        "--mode merge --workers 2 --no-backup -i status-total --ui"
    )
    panel = ui(shell, "dynamo_copy", line)
    assert isinstance(panel, CopyPanel)
    inputs = {
        name: getattr(panel, name).value
        for name in (
            *("source", "target", "table", "target_table", "mode", "pk", "sk_op", "sk"),
            *("index", "workers", "backup", "confirm"),
        )
    }
    assert inputs == {
        "source": "dev",
        "target": "stage",
        "table": "orders",
        "target_table": "orders2",
        "mode": "merge",
        "pk": "c1",
        "sk_op": ">",
        "sk": "5",
        "index": "status-total",
        "workers": 2,
        "backup": False,
        "confirm": False,
    }
    panel = ui(
        shell, "dynamo_copy", "orders -src dev -tgt stage --sk-op between --sk 1 --sk2 9 --ui"
    )
    assert (panel.sk_op.value, panel.sk.value, panel.sk2.value) == ("between", "1", "9")
    assert panel.mode.value == "replace" and panel.backup.value is True  # the panel's defaults


def test_copy_panel_takes_the_copy_options_without_requiring_source_and_target(shell):
    from dynamo_magic.notebook.panels import CopyPanel

    panel = ui(shell, "dynamo_panel", "copy orders --source dev --mode truncate --pk c1")
    assert (panel.source.value, panel.table.value) == ("dev", "orders")
    assert (panel.mode.value, panel.pk.value) == ("truncate", "c1")
    assert panel.target.value == CopyPanel("dev", None, "orders").target.value  # panel's choice
    panel = ui(shell, "dynamo_panel", "copy --target stage")
    assert panel.target.value == "stage"
    panel = ui(shell, "dynamo_panel", "query --env dev")  # no table: the panel offers them
    assert panel.env.value == "dev" and panel.table.value in panel.table.options


UI_REFUSED = {
    "yes": (
        "%dynamo_copy orders --source dev --target stage --yes --ui",
        "--yes cannot be used with --ui: tick the confirmation in the panel",
    ),
    "dry run": (
        "%dynamo_copy orders --source dev --target stage --ui --dry-run",
        "--dry-run cannot be used with --ui: click Plan in the panel",
    ),
    "count": ("%dynamo_query orders c1 --env dev --count --ui", "--count cannot be used with --ui"),
    "plot": (
        "%dynamo_query orders c1 --env dev --ui --plot",
        "--plot cannot be used with --ui: use the panel's Plot button",
    ),
    "head": ("%dynamo_query orders c1 --env dev --head 3 --ui", "--head cannot be used with --ui"),
    "scan": ("%dynamo_panel query orders --env dev --scan", "--scan cannot be used with --ui"),
    "verify": ("%dynamo_copy orders -src dev -tgt stage --verify none --ui", "--verify cannot"),
    "no progress": ("%dynamo_copy orders -src dev -tgt stage --no-progress --ui", "--no-progress"),
    "out": ("%dynamo_query orders c1 --env dev --ui --out x", "--out cannot be used with --ui"),
    "page size": (
        "%dynamo_query orders c1 --env dev --page-size 5 --ui",
        "--page-size cannot be used with --ui: set the panel's Page size and click First",
    ),
    "unknown flag": (
        "%dynamo_query orders c1 --env dev --bogusflag --ui",
        "unrecognized arguments: --bogusflag",
    ),
    "copy without source/target": (
        "%dynamo_copy orders --from dev --to prod --ui",
        "the following arguments are required: -src/--source",
    ),
    "copy missing target": ("%dynamo_copy orders --source dev --ui", "required: -tgt/--target"),
    "panel unknown flag": ("%dynamo_panel copy orders --from dev", "unrecognized arguments"),
    "copy panel env": (
        "%dynamo_panel copy orders --env dev",
        "--env is not an option of a copy panel: name the environment to copy from with --source",
    ),
    "filter binding a variable": (
        "%dynamo_query orders c1 --env dev --filter 'total > :low and status = \"a:b\"' --ui",
        "--filter with :low cannot be used with --ui: the panel's filter takes values written out",
    ),
    "bad sort-key operator": ("%dynamo_query orders c1 --env dev --sk-op '~' --ui", "--sk-op"),
    "limit not a number": ("%dynamo_query orders c1 --env dev --limit x --ui", "--limit"),
    "key twice": ("%dynamo_query orders c1 --pk c2 --env dev --ui", "give the partition key once"),
    "no table": ("%dynamo_query --env dev --ui", "usage: %dynamo_query TABLE"),
    "unknown index": (
        "%dynamo_query orders c1 --env dev -i nope --ui",
        "has no index 'nope'; its indexes: status-total",
    ),
    "workers 0": (
        "%dynamo_copy orders -src dev -tgt stage --workers 0 --ui",
        "--workers must be at least 1, not 0",
    ),
    "workers too many": (
        f"%dynamo_copy orders -src dev -tgt stage --workers {max_workers() + 1} --ui",
        f"--workers must be at most {max_workers()}",
    ),
}


@pytest.mark.parametrize("source", UI_REFUSED.values(), ids=UI_REFUSED.keys())
def test_ui_refuses_what_the_panel_cannot_carry_in_one_line(shell, capsys, source):
    cell, message = source
    result, output = run(shell, capsys, cell)
    assert isinstance(result.error_in_exec, UsageError), output
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: "), output
    assert message in lines[0]


def test_the_same_line_without_ui_gives_the_same_parse_error(shell, capsys):
    for line in ("orders c1 --env dev --bogusflag", "orders --from dev --to prod"):
        magic = "%dynamo_copy " if "--from" in line else "%dynamo_query "
        _, plain = run(shell, capsys, magic + line)
        _, with_ui = run(shell, capsys, magic + line + " --ui")
        assert plain == with_ui and plain.startswith("UsageError: ")
