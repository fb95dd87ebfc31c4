"""``dynamo describe``, ``partiql``, progress bars, help, the console script and the CLI
reference.

Processes cannot see in-process moto, so these tests use server A of the session's moto pair,
filled once for the package (conftest.py), and run several commands concurrently. A process
costs ~0.8 s of CPU (imports), so the long matrices call ``cli.main`` in this process
(``in_process``) against the same server; each behaviour that differs between the two (exit
status, stdout vs stderr, the console script) is also checked as a real process.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dynamo_magic.cli import build_parser
from dynamo_magic.options import COMMANDS, NOT_IN_CLI

from .results import COPY_DEV, assert_one_error_line, json_lines, server_client
from conftest import dynamo, dynamo_many, ok, subprocess_env
from tables import BIG

DOCS = Path(__file__).resolve().parents[2] / "docs"
PARALLEL = 4  # CLI processes at a time
TIMEOUT = 60  # seconds per command


def has_bar(result: subprocess.CompletedProcess[str]) -> bool:
    """A tqdm bar on stderr (its rate is in " items/s")."""
    return " items/s" in result.stderr


def test_progress_follows_the_config_file(profiles, tmp_path):
    """``progress = false`` in the config file turns the bars of copy, truncate and restore
    off; without it they show, and --no-progress turns them off for one call."""
    quiet = {**profiles, "DYNAMO_MAGIC_CONFIG": str(tmp_path / "quiet.toml")}
    (tmp_path / "quiet.toml").write_text("progress = false\n")
    loud = {**profiles, "DYNAMO_MAGIC_CONFIG": str(tmp_path / "loud.toml")}  # no file: default
    steps = [  # (name, variables, arguments) run together
        [
            ("copy quiet", quiet, [*COPY_DEV, "--target-table", "bars-quiet"]),
            ("copy loud", loud, [*COPY_DEV, "--target-table", "bars-loud"]),
            ("copy flag", loud, [*COPY_DEV, "--target-table", "bars-flag", "--no-progress"]),
        ],
        [
            ("truncate quiet", quiet, ["truncate", "-t", "bars-quiet", "-e", "dev", "--yes"]),
            ("truncate loud", loud, ["truncate", "-t", "bars-loud", "-e", "dev", "--yes"]),
        ],
        [
            (
                "restore quiet",
                quiet,
                ["restore", "-t", "bars-quiet", "-e", "dev", "--in-place", "--yes"],
            ),
            (
                "restore loud",
                loud,
                ["restore", "-t", "bars-loud", "-e", "dev", "--in-place", "--yes"],
            ),
        ],
    ]
    runs = {}
    try:
        with ThreadPoolExecutor(PARALLEL) as pool:
            for step in steps:
                futures = {name: pool.submit(dynamo, *argv, env=env) for name, env, argv in step}
                runs |= {name: future.result() for name, future in futures.items()}
                for name in futures:
                    ok(runs[name])
    finally:
        client = server_client(profiles)
        for table in client.list_tables()["TableNames"]:
            if table.startswith("bars-"):
                client.delete_table(TableName=table)
    assert {name: has_bar(run) for name, run in runs.items()} == {
        "copy quiet": False,
        "copy loud": True,
        "copy flag": False,
        "truncate quiet": False,
        "truncate loud": True,
        "restore quiet": False,
        "restore loud": True,
    }


def test_describe(profiles, in_process):
    text = ok(dynamo("describe", "-t", "orders", "-e", "dev", env=profiles))
    for name in ("orders", "customer", "order-date", "status-total", "region-keys", "by-total"):
        assert name in text
    for projection in ("KEYS_ONLY", "INCLUDE", "ALL"):
        assert projection in text
    events = ok(in_process("describe", "--table", "events", "--env", "dev"))
    assert "device" in events and "seq" in events
    assert_one_error_line("missing", in_process("describe", "-t", "nope"), "table 'nope' not found")


def test_partiql_binds_parameters(profiles, in_process):
    runs = dynamo_many(
        {
            "string": [
                *("partiql", "SELECT * FROM users WHERE id = ?", "-p", "u1"),
                *("-e", "dev", "--format", "json"),
            ],
            "number": [
                *("partiql", 'SELECT * FROM "nums" WHERE id = ?', "--param", "42"),
                *("--env", "dev", "--format", "csv"),
            ],
            "not select": ["partiql", "DELETE FROM users WHERE id = ?", "-p", "u1"],
        },
        env=profiles,
    )
    (item,) = json_lines(runs["string"])
    assert item == {"id": "u1", "big": int(BIG)}
    (row,) = csv.DictReader(io.StringIO(ok(runs["number"])))
    assert row == {"id": "42", "name": "answer"}
    assert_one_error_line("not select", runs["not select"], "only SELECT")

    pasted = in_process("partiql", "SELECT * FROM users WHERE id = ?", "-p", "u1' OR 'a'='a")
    assert ok(pasted).strip() == "(no items)"  # the value was bound, not pasted
    limited = in_process("partiql", "SELECT * FROM users", "--limit", "1", "--format", "json")
    assert len(json_lines(limited)) == 1 and "truncated" in limited.stderr
    assert "u2" in ok(in_process("partiql", "SELECT * FROM users WHERE id = ?", "-p", "u2"))
    too_few = in_process("partiql", "SELECT * FROM users WHERE id = ?")
    assert_one_error_line("too few", too_few, "marker")


def test_help_and_console_script(profiles):
    result = dynamo("query", "--help", env=profiles)
    assert "--sk-op" in ok(result)
    script = Path(sys.executable).with_name("dynamo")
    if script.exists():
        env = {**subprocess_env(), **profiles}
        run = subprocess.run(
            [str(script), "query", "-t", "orders", "c1", "--count", "-e", "dev"],
            capture_output=True,
            text=True,
            env=env,
            timeout=TIMEOUT,
        )
        assert ok(run).strip() == "10"


def _subcommands() -> dict[str, list[str]]:
    parser = build_parser()
    (sub,) = (a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return {
        name: [flag for action in command._actions for flag in action.option_strings]
        for name, command in sub.choices.items()
    }


def test_every_subcommand_and_option_is_documented():
    """sqlite-utils style: the CLI reference (docs/reference/cli.md) has a section for every
    ``dynamo`` subcommand, made from its parser (``{dynamo-command}``: its description, usage
    and every argument; tests/cli/test_reference.py compares that with ``--help``)."""
    reference = (DOCS / "reference" / "cli.md").read_text()
    commands = _subcommands()
    assert set(commands) >= {"query", "describe", "partiql", *COMMANDS} - set(NOT_IN_CLI)
    missing = [
        f"dynamo {name}"
        for name in commands
        if f"## `dynamo {name}`" not in reference or f"{{dynamo-command}} {name}\n" not in reference
    ]
    assert not missing, f"undocumented in docs/: {missing}"
