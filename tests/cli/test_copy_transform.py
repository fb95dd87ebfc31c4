"""``dynamo copy --transform module:function`` as real processes (issue 16 §5).

The module is a file in the folder the command runs in, imported as ``python -m`` would
(the current folder on ``sys.path``), by the command and by its loky worker processes. The
copies go from server A's ``events`` into new tables on the same server (dropped afterwards).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .results import assert_one_error_line, server_client
from conftest import CLI_TIMEOUT, subprocess_env
from tables import events_items, keyed, scan_all

SCRUB = '''
LIMIT = 3


def scrub(item):
    """Drop odd sequence numbers, blank the value of the others."""
    if item["seq"] % 2:
        return None
    item["value"] = "hidden"
    return item
'''
FAILING = """
def scrub(item):
    if item["device"] == 2 and item["seq"] == 7:
        return {"email": item["email"]}
    return {**item, "value": "hidden"}
"""
FIXED = """
def scrub(item):
    return {**item, "value": "hidden"}
"""
EVENTS_KEY = ("device", "seq")


def hidden(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "value": {"S": "hidden"}}


@pytest.fixture
def folder(tmp_path: Path, profiles: dict[str, str]) -> Iterator[Path]:
    """A working folder holding ``scrub.py`` and a module that fails at import; the target
    tables the tests make on server A are dropped afterwards."""
    (tmp_path / "scrub.py").write_text(SCRUB)
    (tmp_path / "broken.py").write_text("f = 1 / 0\n")
    client: Any = server_client(profiles)
    before = set(client.list_tables()["TableNames"])
    yield tmp_path
    for table in set(client.list_tables()["TableNames"]) - before:
        client.delete_table(TableName=table)


def dynamo_in(
    folder: Path, profiles: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """``dynamo ARGS`` as a process working in ``folder`` (no bytecode cache: a module
    rewritten within a second is read again)."""
    return subprocess.run(
        [sys.executable, "-m", "dynamo_magic.cli", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**subprocess_env(), **profiles, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=CLI_TIMEOUT,
    )


def copy_args(target_table: str, *more: str) -> list[str]:
    return ["copy", "-t", "events", "--source", "dev", "--target", "dev", "--target-table",
            target_table, *more]  # fmt: skip


def test_bad_transform_specs_are_one_line_exit_2_and_write_nothing(folder, profiles):
    cases = {
        "scrub": "is not module:function",
        "no_such_module_xyz:scrub": "no module named 'no_such_module_xyz'",
        "scrub:nothing": "'scrub' has no attribute 'nothing'",
        "scrub:LIMIT": "is a int, not a function",
        "broken:f": "importing 'broken' failed: ZeroDivisionError: division by zero",
        ":scrub": "is not module:function",
    }
    with ThreadPoolExecutor(3) as pool:
        runs = {
            spec: pool.submit(
                dynamo_in, folder, profiles, *copy_args("ev-bad", "--transform", spec, "--yes")
            )
            for spec in cases
        }
        results = {spec: run.result() for spec, run in runs.items()}
    for spec, message in cases.items():
        assert_one_error_line(spec, results[spec], f"--transform {spec!r} ")
        assert_one_error_line(spec, results[spec], message)
    assert "ev-bad" not in server_client(profiles).list_tables()["TableNames"]


def test_a_dry_run_names_the_transform(folder, profiles):
    result = dynamo_in(folder, profiles, *copy_args("ev-plan", "--transform", "scrub:scrub",
                                                   "--dry-run"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "transform           scrub:scrub on every item" in result.stdout
    assert "ev-plan" not in server_client(profiles).list_tables()["TableNames"]


def test_a_transform_runs_in_loky_worker_processes_and_verifies(folder, profiles):
    result = dynamo_in(
        folder,
        profiles,
        *copy_args(
            "ev-loky",
            "--transform",
            "scrub:scrub",
            "--backend",
            "loky",
            "--workers",
            "2",
            "--no-progress",
        ),
    )
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("copy OK: 20 written, 20 dropped, 20 produced by the transform")
    assert "verification count: OK (source 20, target 20)" in line
    source = [i for i in events_items() if int(i["seq"]["N"]) % 2 == 0]
    copied = scan_all(server_client(profiles), "ev-loky")
    assert keyed(copied, EVENTS_KEY) == keyed([hidden(i) for i in source], EVENTS_KEY)


def test_an_exception_prints_one_line_and_the_resume_command_that_ends_exact(folder, profiles):
    (folder / "scrub.py").write_text(FAILING)
    checkpoint = folder / "copy.json"
    failed = dynamo_in(
        folder,
        profiles,
        *copy_args(
            "ev-fail",
            "--transform",
            "scrub:scrub",
            "--checkpoint",
            str(checkpoint),
            "--no-progress",
        ),
    )

    assert failed.returncode == 1 and failed.stdout == "", failed.stderr
    named, error, resume = failed.stderr.strip().splitlines()
    assert named.startswith(f"Checkpoint: {checkpoint} ")  # named before anything is written
    assert error.startswith("Error: copy FAILED: ")
    assert (
        'stopped by: transform scrub failed on item {"device": 2, "seq": 7}: KeyError: \'email\''
        in error
    )
    assert resume.startswith("Resume it with: dynamo copy -t events ")
    assert resume.endswith(f"--resume {checkpoint}")

    (folder / "scrub.py").write_text(FIXED)  # the user fixes the function
    words = shlex.split(resume.removeprefix("Resume it with: "))
    assert words[:2] == ["dynamo", "copy"]
    done = dynamo_in(folder, profiles, *words[1:], "--yes", "--no-progress")

    assert done.returncode == 0, done.stderr
    assert "verification count: OK (source 40, target 40)" in done.stdout
    copied = scan_all(server_client(profiles), "ev-fail")
    assert keyed(copied, EVENTS_KEY) == keyed([hidden(i) for i in events_items()], EVENTS_KEY)
