"""One run per checkpoint file (issue 17): a copy, import or export holds its checkpoint's lock
while it runs, and a second run of the same file is refused before anything is written.

The first run is held mid-way by a ``proxy.FaultProxy`` gate in front of a moto server; the
second is a real ``dynamo`` process (or a second job of this process, as a notebook kernel
would start it). Once the first has ended, a resume of the same file works.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.errors import CopyFailed
from dynamo_magic.transfer.checkpoints import CheckpointFile, CheckpointInUse, lock_path

from conftest import CLI_TIMEOUT, one_error_line, server_profiles, subprocess_env, use_profiles
from moto_servers import MotoServer
from proxy import FaultProxy, Gate
from tables import create_events, events_items, keyed, put_all, scan_all

A, B = "acct-a", "acct-b"
DEVICES, PER_DEVICE = 8, 5  # 40 items: every segment of 4 holds some
ITEMS = DEVICES * PER_DEVICE
HANG_GUARD = 60.0  # seconds any wait may take at most (a guard, not a measurement)
EVENTS_KEY = ("device", "seq")
ONE_BATCH = 4  # devices of PER_DEVICE events: 20 items, one BatchWriteItem (a held one: no other)


def behind_proxy(
    servers: tuple[MotoServer, MotoServer],
    profile: str,
    rule: Any,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> FaultProxy:
    """``profile`` now reaches its server through a proxy with ``rule`` (this process and the
    ``dynamo`` processes it starts)."""
    endpoints = server_profiles(*servers)
    proxy = FaultProxy(endpoints[profile] or "", rule)
    folder.mkdir()
    use_profiles({**endpoints, profile: proxy.url}, folder, monkeypatch)
    return proxy


@pytest.fixture
def events(servers: tuple[MotoServer, MotoServer]) -> tuple[MotoServer, MotoServer]:
    """``ITEMS`` events in A."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(DEVICES, PER_DEVICE))
    return servers


def dynamo(*args: str) -> subprocess.CompletedProcess[str]:
    """``dynamo ARGS`` as a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "dynamo_magic.cli", *args],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=CLI_TIMEOUT,
    )


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder``: size and modification time (what a run would change)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def in_use_line(line: str, path: str, what: str) -> None:
    """The refusal names the file, the process holding it and what to do."""
    assert f"checkpoint {path} is in use by another running {what}" in line, line
    assert f"{os.getpid()}" in line and "wait for it to end, or stop it" in line, line


def test_a_second_export_of_a_running_checkpoint_is_refused_and_a_resume_works_after_it(
    events, tmp_path, monkeypatch
):
    gate = Gate(
        3, delay=0, guard=HANG_GUARD, op="Scan"
    )  # segments 0 and 1 stored, segment 2's Scan held
    proxy = behind_proxy(events, A, gate, tmp_path / "proxied", monkeypatch)
    out = tmp_path / "out"
    options: dict[str, Any] = {"backend": "threading", "workers": 1, "segments": 4}
    try:
        job = dm.start_export("events", out, env=A, **options)
        assert gate.reached.wait(HANG_GUARD)
        path = job.wait_checkpoint(HANG_GUARD) or ""
        checkpoint_text = Path(path).read_text()
        files = listing(tmp_path / "out")

        argv = ["export", "-t", "events", "-e", A, "--to", str(out), "--backend", "threading"]
        argv += ["--workers", "1", "--no-progress"]
        second = dynamo(*argv, "--resume", path)
        line = one_error_line(second, 2)
        in_use_line(line, path, "export")
        assert "then resume it again" in line
        again = dynamo(*argv, "--resume")  # the newest unfinished one: the same file
        in_use_line(one_error_line(again, 2), path, "export")
        assert listing(tmp_path / "out") == files  # nothing written
        assert Path(path).read_text() == checkpoint_text
        assert lock_path(Path(path)).exists()

        job.cancel()
        gate.release.set()
        with pytest.raises(CopyFailed):
            job.result(HANG_GUARD)
        assert not lock_path(Path(path)).exists()  # released with the run, its file gone
        resumed = dynamo(*argv, "--resume", path)
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.stdout.startswith(f"export OK: {ITEMS} items in 4 file(s)")
        assert sorted(p.name for p in Path(path).parent.iterdir()) == [Path(path).name]
    finally:
        gate.release.set()
        proxy.close()


def test_a_second_copy_of_a_running_checkpoint_is_refused_new_or_resumed(
    servers, tmp_path, monkeypatch, in_process
):
    gate = Gate(1, delay=0, guard=HANG_GUARD)  # the one BatchWriteItem held
    proxy = behind_proxy(servers, B, gate, tmp_path / "proxied", monkeypatch)
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(ONE_BATCH, PER_DEVICE))
    mine = tmp_path / "mine.json"
    options: dict[str, Any] = {"backend": "threading", "workers": 1, "segments": 1}
    try:
        job = dm.start_copy("events", source=A, target=B, checkpoint=mine, **options)
        assert gate.reached.wait(HANG_GUARD)
        assert job.wait_checkpoint(HANG_GUARD) == str(mine)
        text = mine.read_text()
        calls = len(proxy.calls)

        words = ["copy", "-t", "events", "-src", A, "-tgt", B, "--backend", "threading"]
        refused = in_process(*words, "--resume", str(mine), "--no-progress")
        line = one_error_line(refused, 2)
        in_use_line(line, str(mine), "copy")
        assert "a job of this process" in line and "then resume it again" in line
        with pytest.raises(CheckpointInUse, match=r"or give another checkpoint$"):
            dm.copy("events", source=A, target=B, checkpoint=mine, yes=True, **options)
        assert mine.read_text() == text
        assert not [c for c in proxy.calls[calls:] if c.op == "BatchWriteItem"]  # none written

        job.cancel()
        gate.release.set()
        with pytest.raises(CopyFailed):
            job.result(HANG_GUARD)
        resumed = dm.copy("events", source=A, target=B, resume=mine, **options)
    finally:
        gate.release.set()
        proxy.close()
    assert resumed.ok
    assert keyed(scan_all(servers[1].client(), "events"), EVENTS_KEY) == keyed(
        scan_all(servers[0].client(), "events"), EVENTS_KEY
    )


def test_a_second_import_of_a_running_checkpoint_is_refused(servers, tmp_path, monkeypatch):
    create_events(servers[1].client())
    source = tmp_path / "events.jsonl"
    items = events_items(ONE_BATCH, PER_DEVICE)
    source.write_text("".join(json.dumps(item) + "\n" for item in items))
    gate = Gate(1, delay=0, guard=HANG_GUARD)
    proxy = behind_proxy(servers, B, gate, tmp_path / "proxied", monkeypatch)
    try:
        job = dm.start_import("events", source, env=B, workers=1, backend="threading")
        assert gate.reached.wait(HANG_GUARD)
        path = job.wait_checkpoint(HANG_GUARD) or ""
        text = Path(path).read_text()
        calls = len(proxy.calls)
        with pytest.raises(CheckpointInUse) as refused:
            dm.import_table("events", source, env=B, resume=path, yes=True)
        message = str(refused.value)
        assert "\n" not in message
        in_use_line(message, path, "import")
        # nothing written: no write call (its plan only read), the checkpoint as it was
        assert not [c for c in proxy.calls[calls:] if c.op == "BatchWriteItem"]
        assert Path(path).read_text() == text
        gate.release.set()
        assert job.result(HANG_GUARD).ok
    finally:
        gate.release.set()
        proxy.close()
    assert not CheckpointFile.load(path).unfinished
