"""``%dynamo_copy --max-write-units/--max-read-units``: the dry run's plan carries the rates,
a bad value is a one-line usage error naming the flag."""

from __future__ import annotations

from IPython.core.error import UsageError

from dynamo_magic.transfer.plan import CopyPlan

from .lines import run


def test_the_magic_s_limits_reach_the_plan(shell):
    plan = shell.run_line_magic(
        "dynamo_copy",
        "orders --source dev --target stage --target-table orders9 --dry-run "
        "--max-write-units 150 --max-read-units 12.5",
    )
    assert isinstance(plan, CopyPlan)
    assert str(plan.limits.writes) == "150 write units/s (asked)"
    assert str(plan.limits.reads) == "12.5 read units/s (asked)"


def test_a_bad_limit_is_a_one_line_usage_error(shell, capsys):
    result, output = run(
        shell, capsys, "%dynamo_copy orders --source dev --target stage --max-write-units 150%"
    )
    assert isinstance(result.error_in_exec, UsageError), output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: --max-write-units '150%': ")
    assert "at most 100%" in lines[0]
