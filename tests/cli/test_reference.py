"""The CLI reference (docs/reference/cli.md) says what ``dynamo COMMAND --help`` says: the page
is made from ``docs/_ext/cli_reference.reference``, compared here with the help the command
prints, argument by argument (its flags and value as ``--help`` writes them, its text, its
default)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

from cli_reference import reference, subcommands  # noqa: E402

from conftest import ok  # noqa: E402


def one_line(text: str) -> str:
    return " ".join(text.split())


def arguments(text: str) -> list[tuple[str, str]]:
    """``(invocation, help)`` of each argument a ``--help`` text lists, ``--help`` itself
    left out."""
    found: list[tuple[str, str]] = []
    listing = False
    for line in text.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            listing = line in ("options:", "positional arguments:")
        elif listing and re.match(r"  \S", line):
            invocation, _, said = line.strip().partition("  ")
            found.append((invocation, said.strip()))
        elif listing and line.strip():
            invocation, said = found[-1]
            found[-1] = (invocation, one_line(f"{said} {line}"))
    return [(i, s) for i, s in found if i != "-h, --help"]


COMMANDS = sorted(subcommands())


@pytest.mark.parametrize("command", COMMANDS)
def test_the_reference_says_what_help_says(command, in_process, monkeypatch):
    monkeypatch.setenv("COLUMNS", "10000")  # argparse wraps no line
    printed = ok(in_process(command, "--help"))
    description, usage, rows = reference(command)
    assert [(invocation, one_line(text)) for invocation, text, _ in rows] == arguments(printed)
    assert one_line(printed).startswith(one_line(usage))
    parser, summary = subcommands()[command]
    if parser.description:
        assert one_line(description) in one_line(printed)
    else:  # what `dynamo --help` says of it
        assert description == summary != ""
    for invocation, text, default in rows:  # a default the help states is in the column
        if "(default" in text:
            assert default, (invocation, text)
    assert f"```{{dynamo-command}} {command}\n```" in (DOCS / "reference" / "cli.md").read_text()


def test_defaults_come_from_the_parser_or_the_help_text():
    """The default column: the parser's default, else the one the help text states (a default
    the settings decide); none for a flag."""
    rows = {invocation: default for invocation, _, default in reference("copy")[2]}
    assert rows["--mode {replace,truncate,merge}"] == "replace"
    assert rows["--verify {count,full,none}"] == "count"
    assert rows["--backend {auto,loky,threading,dask}"] == "auto"
    assert rows["--dry-run"] == "" and rows["--no-backup"] == ""
    demo = {invocation: default for invocation, _, default in reference("demo")[2]}
    assert demo == {"--no-lab": "", "--port N": "free ports", "--folder DIR": demo["--folder DIR"]}
    assert demo["--folder DIR"].startswith("a fresh folder")
