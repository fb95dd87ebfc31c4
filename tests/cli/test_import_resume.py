"""``dynamo import`` as a real process (issue 17 findings): an import that stops prints its
checkpoint and the exact command that resumes it, as a copy does, and that command finishes it
exactly; ``--create --key`` in a dry run shows the plan of the table it would create."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from dynamo_magic.transfer.checkpoints import CheckpointFile

from conftest import B, client_for, dynamo, ok, server_profiles, subprocess_env, use_profiles
from proxy import FaultProxy, Gate
from tables import create_keyed, scan_all

FILES, PER_FILE = 4, 100  # one worker writes the files one after the other, 4 batches each
HELD_AT = 6  # the gate holds the 6th BatchWriteItem: the first file acknowledged
HANG_GUARD = 60.0  # seconds any wait may take at most (a guard, not a measurement)


def write_files(folder: Path) -> Path:
    folder.mkdir()
    for f in range(FILES):
        lines = [json.dumps({"pk": f"p{f}", "sk": n, "v": n * 0.5}) for n in range(PER_FILE)]
        (folder / f"part-{f}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def test_an_interrupted_import_prints_the_command_that_resumes_it(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: no --checkpoint/--resume in the CLI, and a stopped import said nothing of how
    to continue it."""
    create_keyed(client_for(B), "landing", ("pk", "S"), ("sk", "N"))
    source = write_files(tmp_path / "src")
    gate = Gate(HELD_AT, delay=0, guard=HANG_GUARD)
    proxy = FaultProxy(server_profiles(*servers)[B] or "", gate)
    (tmp_path / "proxied").mkdir()
    use_profiles({**server_profiles(*servers), B: proxy.url}, tmp_path / "proxied", monkeypatch)
    argv = ["import", "-t", "landing", "-e", B, "--from", str(source), "--workers", "1"]
    command = subprocess.Popen(
        [sys.executable, "-m", "dynamo_magic.cli", *argv, "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        start_new_session=True,
    )
    try:
        assert gate.reached.wait(HANG_GUARD)
        command.send_signal(signal.SIGTERM)  # the command only, as `kill PID` does
        time.sleep(0.2)  # let the handler run before the held write is answered
        gate.release.set()
        _, err = command.communicate(timeout=HANG_GUARD)
    finally:
        gate.release.set()
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)  # only the group this test started
            command.wait()
    assert command.returncode != 0 and "INTERRUPTED" in err, err
    assert any(line.startswith("Checkpoint: ") for line in err.splitlines()), err
    (resume,) = [line for line in err.splitlines() if line.startswith("Resume it with: ")]
    words = shlex.split(resume.removeprefix("Resume it with: "))
    assert words[:2] == ["dynamo", "import"] and words[-2] == "--resume"
    assert CheckpointFile.load(words[-1]).unfinished

    try:  # through the same endpoint (a checkpoint is of one target), the gate passed
        summary = ok(dynamo(*words[1:], "--yes"))  # the table holds the first run's items
    finally:
        proxy.close()
    assert summary.startswith("import OK")
    assert len(scan_all(servers[1].client(), "landing")) == FILES * PER_FILE


def test_create_in_a_dry_run_prints_the_plan(servers: Any, tmp_path: Path) -> None:
    """Before: "Error: ... run it without the dry run", exit 2."""
    source = write_files(tmp_path / "src")
    plan = ok(
        dynamo(
            "import", "-t", "newtab", "-e", B, "--from", str(source),
            "--create", "--key", "pk:S,sk:N", "--dry-run",
        )
    )  # fmt: skip
    assert "missing: will be created, key pk (S) + sk (N), on demand" in plan
    assert f"{FILES * PER_FILE:,} (exact)" in plan
    assert "newtab" not in client_for(B).list_tables()["TableNames"]
