"""``%dynamo_query ... --page-size N --start-after KEY`` in a real IPython shell (issue 19 §1)."""

from __future__ import annotations

import shlex

from .lines import run


def test_a_page_then_the_next_through_the_printed_option(shell, capsys):
    result, output = run(shell, capsys, "%dynamo_query orders c0 --env dev --page-size 6")
    assert result.success, output
    assert len(result.result) == 6
    summary, hint = output.splitlines()[:2]
    assert summary.startswith("page 1: 6 item(s) from orders, query")
    assert hint.startswith("next page: --start-after ")
    option = hint.removeprefix("next page: ")
    assert shlex.split(option)[0] == "--start-after"
    result, output = run(shell, capsys, f"%dynamo_query orders c0 --env dev --page-size 6 {option}")
    assert result.success, output
    assert list(result.result["order-date"]) == [f"2024-01-{n:02}" for n in range(7, 11)]
    assert "the last page" in output.splitlines()[0] and "next page" not in output
