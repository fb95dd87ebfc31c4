"""``dynamo query --page-size N [--start-after KEY]``: one page, and on stderr the exact option
that reads the next (issue 19 §1), as real processes against server A."""

from __future__ import annotations

import json
import shlex

from .results import json_lines
from conftest import dynamo, ok


def next_option(stderr: str) -> list[str]:
    """The ``--start-after KEY`` words of the ``next page:`` line."""
    (line,) = [x for x in stderr.splitlines() if x.startswith("next page: ")]
    return shlex.split(line.removeprefix("next page: "))


def test_pages_follow_one_another_through_the_printed_option(profiles):
    argv = ["query", "-t", "orders", "c1", "-e", "dev", "--format", "json", "--page-size", "4"]
    dates: list[str] = []
    run = dynamo(*argv, env=profiles)
    pages = 1
    while True:
        dates += [row["order-date"] for row in json_lines(run)]
        assert run.stderr.startswith(f"page 1: {len(json_lines(run))} item(s) from orders")
        if "next page: " not in run.stderr:
            assert "the last page" in run.stderr
            break
        option = next_option(run.stderr)
        assert option[0] == "--start-after" and set(json.loads(option[1])) == {
            "customer",
            "order-date",
        }
        run = dynamo(*argv, *option, env=profiles)
        ok(run)
        pages += 1
    assert pages == 3 and dates == [f"2024-01-{n:02}" for n in range(1, 11)]


def test_a_bad_start_key_is_one_error_line(profiles):
    run = dynamo("query", "-t", "orders", "c1", "-e", "dev", "--start-after", "{", env=profiles)
    assert run.returncode == 2 and run.stdout == ""
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("Error: --start-after is not JSON: give the key printed after a page")
