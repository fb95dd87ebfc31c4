"""Resuming a copy from its checkpoint file (issue 16 §2), against two moto servers.

A copy is stopped at a known point: the target's moto server sits behind ``proxy.FaultProxy``
with a ``Gate`` that holds one BatchWriteItem until the test has cancelled the job, so the
pages before it are written and acknowledged (their keys saved) and the page it belongs to is
not. Pages are made small (``Limit``) so a segment has several. The resumed copy must end
with the target exactly equal to the source, without redoing what the first run did.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

import dynamo_magic as dm
from dynamo_magic.errors import ConfirmationRequired, CopyFailed, InvalidQuery
from dynamo_magic.transfer import checkpoints, engine
from dynamo_magic.transfer.channels import Channel
from dynamo_magic.transfer.checkpoints import CheckpointFile, CheckpointMismatch
from dynamo_magic.transfer.tasks import Task, TaskResult

from conftest import dynamo, server_profiles, subprocess_env, use_profiles
from moto_servers import MotoServer
from proxy import FaultProxy, Gate, Rule
from tables import create_events, events_items, keyed, put_all, scan_all

A, B = "acct-a", "acct-b"
ITEMS = 400
PAGE = 50  # items per scan page: two BatchWriteItem calls each
HELD_AT = 9  # the gate holds the 9th BatchWriteItem: four pages (200 items) acknowledged
HANG_GUARD = 60.0  # seconds any wait may take at most (a guard, not a measurement)
EVENTS_KEY = ("device", "seq")


@pytest.fixture
def source(servers: tuple[MotoServer, MotoServer], monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """``ITEMS`` events in A, read in pages of ``PAGE``; B empty (the copy creates it)."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(devices=4, per_device=ITEMS // 4))
    real = engine.run_task

    def in_small_pages(task: Task, channel: Channel) -> TaskResult:
        if task.name != "copy":
            return real(task, channel)
        source = task.source
        source = dataclasses.replace(source, request={**source.request, "Limit": PAGE})
        return real(dataclasses.replace(task, source=source), channel)

    monkeypatch.setattr(engine, "run_task", in_small_pages)  # threads: the caller's module
    return servers[0]


@pytest.fixture
def proxied(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Rule], FaultProxy]]:
    """``proxied(rule)``: acct-b now reaches its server through a proxy with ``rule``."""
    proxies: list[FaultProxy] = []
    endpoints = server_profiles(*servers)
    (tmp_path / "proxied").mkdir()

    def behind(rule: Rule) -> FaultProxy:
        proxy = FaultProxy(endpoints[B] or "", rule)
        proxies.append(proxy)
        use_profiles({**endpoints, B: proxy.url}, tmp_path / "proxied", monkeypatch)
        return proxy

    yield behind
    for proxy in proxies:
        proxy.close()


def copy_events(**kwargs: Any) -> dm.CopyJob:
    """A -> B on one worker thread, two segments (segment 0 first, then 1)."""
    options: dict[str, Any] = {"backend": "threading", "workers": 1, "segments": 2}
    return dm.start_copy("events", source=A, target=B, **(options | kwargs))


def stopped_mid_way(
    proxied: Callable[[Rule], FaultProxy], held_at: int = HELD_AT, **kwargs: Any
) -> CheckpointFile:
    """A copy cancelled while the gate holds its ``held_at``-th BatchWriteItem (of the fifth
    page by default); its checkpoint file."""
    gate = Gate(held_at, delay=0, guard=HANG_GUARD)
    proxied(gate)
    job = copy_events(**kwargs)
    assert gate.reached.wait(HANG_GUARD)
    job.cancel()
    gate.release.set()
    with pytest.raises(CopyFailed) as stopped:
        job.result(HANG_GUARD)
    assert stopped.value.result.interrupted
    assert stopped.value.result.checkpoint == job.checkpoint
    return CheckpointFile.load(job.checkpoint or "")


class RecordingBar:
    """A ``Progress`` that adds up what each phase advanced, from where it started."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.advanced: dict[str, int] = {}
        self.done: dict[str, int] = {}

    def start(self, phase: str, total: int | None) -> None:
        self.start_at(phase, total, 0)

    def start_at(self, phase: str, total: int | None, done: int) -> None:
        self.started.append(phase)
        self.done[phase] = done

    def advance(self, count: int) -> None:
        phase = self.started[-1]
        self.advanced[phase] = self.advanced.get(phase, 0) + count

    def close(self, outcome: Any = None) -> None:
        pass


def in_b(servers: tuple[MotoServer, MotoServer]) -> dict[str, Any]:
    return keyed(scan_all(servers[1].client(), "events"), EVENTS_KEY)


def in_a(servers: tuple[MotoServer, MotoServer]) -> dict[str, Any]:
    return keyed(scan_all(servers[0].client(), "events"), EVENTS_KEY)


def test_a_stopped_copy_resumes_after_its_last_acknowledged_page_to_an_exact_target(
    source, servers, proxied
):
    saved = stopped_mid_way(proxied)
    first, second = saved.segments[0], saved.segments[1]
    # four pages acknowledged when the gate held the fifth page's write; the fifth is in the
    # checkpoint only if its writes were answered before the worker saw the stop (the gate
    # is released right after the cancel): never a page ahead of an acknowledged write
    acknowledged = first.read
    assert first.state == "partial" and acknowledged in (4 * PAGE, 5 * PAGE)
    assert first.last_key is not None and set(first.last_key) == set(EVENTS_KEY)
    assert second.state == "pending" and saved.unfinished
    assert saved.phases.target_created and saved.identity.total_segments == 2
    assert saved.path.parent == checkpoints.default_folder()

    bar = RecordingBar()
    resumed = copy_events(resume=True, progress=bar).result(HANG_GUARD)  # no path, no yes
    assert resumed.ok and resumed.verification.ok
    # the bar starts at the first run's items, not at 0, and advances by this run's only
    assert bar.done["copy"] == acknowledged and bar.advanced["copy"] == ITEMS - acknowledged
    assert resumed.items_read == ITEMS  # the first run's 200 and this run's
    assert resumed.written == ITEMS - acknowledged  # the page after the key, then the rest
    assert not resumed.created_target and resumed.backup is None
    assert resumed.checkpoint == str(saved.path)
    assert in_b(servers) == in_a(servers)
    done = CheckpointFile.load(saved.path)
    assert not done.unfinished and {s.state for s in done.segments.values()} == {"done"}
    assert done.items_read() == ITEMS
    with pytest.raises(CheckpointMismatch, match="ran to its end"):
        copy_events(resume=saved.path).result(HANG_GUARD)


def test_an_item_deleted_at_the_saved_key_before_the_resume_still_ends_exact(
    source, servers, proxied
):
    saved = stopped_mid_way(proxied)
    key = saved.segments[0].last_key
    assert key is not None
    servers[0].client().delete_item(TableName="events", Key=key)  # copied, then gone

    resumed = copy_events(resume=saved.path, yes=True).result(HANG_GUARD)
    assert resumed.ok and resumed.items_read == ITEMS  # counted when the first run read it
    assert resumed.deleted == 1  # replace prunes what the source lost since the first run
    assert in_b(servers) == in_a(servers) and len(in_b(servers)) == ITEMS - 1


def test_a_resumed_truncate_copy_takes_no_second_backup_and_does_not_truncate_again(
    source, servers, proxied
):
    create_events(servers[1].client())
    stale = [{"device": {"N": "99"}, "seq": {"N": str(s)}} for s in range(30)]
    put_all(servers[1].client(), "events", stale)
    saved = stopped_mid_way(proxied, mode="truncate", yes=True)
    assert saved.phases.truncate_done and saved.phases.backup_arn
    assert saved.segments[0].state == "partial"
    backups = servers[1].client().list_backups(TableName="events")["BackupSummaries"]
    assert len(backups) == 1

    resumed = copy_events(mode="truncate", resume=True, yes=True).result(HANG_GUARD)
    assert resumed.ok and resumed.deleted == 0  # the truncate was done by the first run
    assert resumed.backup is not None and resumed.backup.arn == saved.phases.backup_arn
    again = servers[1].client().list_backups(TableName="events")["BackupSummaries"]
    assert len(again) == 1
    assert in_b(servers) == in_a(servers)


def test_a_resume_of_another_copy_is_refused_before_anything_is_written(source, servers, proxied):
    saved = stopped_mid_way(proxied)
    before = in_b(servers)
    text = saved.path.read_text()
    for kwargs, named in [
        ({"segments": 4}, "total segments 2 there, 4 here"),
        ({"mode": "merge"}, "mode 'replace' there, 'merge' here"),
    ]:
        with pytest.raises(CheckpointMismatch) as refused:
            copy_events(resume=saved.path, **kwargs).result(HANG_GUARD)
        assert named in str(refused.value)
    assert saved.path.read_text() == text and in_b(servers) == before
    assert json.loads(text)["segments"]["0"]["state"] == "partial"


def test_a_stopped_slice_copy_resumes_its_query_after_its_saved_key(source, servers, proxied):
    saved = stopped_mid_way(proxied, held_at=3, pk=2, segments=None)  # page 2 of the slice
    assert saved.identity.slice == "pk=2" and saved.identity.total_segments == 1
    assert (saved.segments[0].state, saved.segments[0].read) == ("partial", PAGE)

    resumed = copy_events(pk=2, segments=None, resume=True).result(HANG_GUARD)
    # read after the saved key: 50 then and 50 now (from the start it would be 150); replace
    # on a slice puts again the target's slice items this run did not write (the first run's:
    # they could have left the source's slice), so the writes are not the rest alone
    assert resumed.ok and resumed.items_read == ITEMS // 4
    device_2 = {k: v for k, v in in_a(servers).items() if v["device"] == {"N": "2"}}
    assert in_b(servers) == device_2


def test_a_copy_refused_by_its_plan_saves_no_checkpoint(source, servers):
    create_events(servers[1].client())
    put_all(servers[1].client(), "events", events_items(devices=1, per_device=3))
    with pytest.raises(ConfirmationRequired):
        copy_events().result(HANG_GUARD)
    assert not checkpoints.default_folder().exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"resume": 3}, "resume must be a path or True, not 3"),
        ({"checkpoint": True}, "checkpoint must be a path"),
        ({"resume": "a.json", "checkpoint": "b.json"}, "resume and checkpoint name two files"),
    ],
)
def test_bad_resume_and_checkpoint_values_are_refused_by_start_copy(kwargs, message):
    with pytest.raises(InvalidQuery, match=message):
        dm.start_copy("events", source=A, target=B, **kwargs)


def test_worker_processes_checkpoints_reach_the_file(servers):
    """loky's processes send their checkpoints through the channel; the caller saves them."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(devices=4, per_device=ITEMS // 4))
    result = dm.copy("events", source=A, target=B, backend="loky", workers=2, segments=4)
    assert result.ok and result.checkpoint is not None
    done = CheckpointFile.load(result.checkpoint)
    assert not done.unfinished and done.phases.copy_done and done.phases.target_created
    assert {s.state for s in done.segments.values()} == {"done"}
    assert done.items_read() == ITEMS


def test_the_cli_resumes_with_resume_and_names_the_command_that_resumes(
    source, servers, proxied, in_process
):
    saved = stopped_mid_way(proxied)
    common = ["copy", "-t", "events", "-src", A, "-tgt", B, "--backend", "threading"]
    run = in_process(*common, "--workers", "1", "--resume", "--no-progress")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("copy OK: 200 written")  # the rest after the saved key
    assert in_b(servers) == in_a(servers)
    assert not CheckpointFile.load(saved.path).unfinished

    refused = in_process(*common, "--segments", "4", "--resume", str(saved.path))
    assert refused.returncode == 2 and "ran to its end" in refused.stderr


def test_an_interrupted_copy_names_the_exact_command_that_resumes_it():
    from dynamo_magic.cli import _resume_command
    from dynamo_magic.transfer.result import CopyResult

    result = CopyResult("events (a)", "events (b)", "replace", interrupted=True)
    result.checkpoint = "/cache/events to events.json"
    stopped = CopyFailed("copy INTERRUPTED", result)
    words = ["copy", "-t", "events", "--checkpoint", "old.json", "--resume", "--yes"]
    assert _resume_command(stopped, words) == (
        "dynamo copy -t events --yes --resume '/cache/events to events.json'"
    )
    result.interrupted = False  # every phase ran (items failed): nothing to resume
    assert _resume_command(stopped, words) is None


def copy_held(
    servers: tuple[MotoServer, MotoServer],
    proxied: Callable[[Rule], FaultProxy],
    backend: str = "loky",
) -> tuple[Gate, subprocess.Popen[str]]:
    """``ITEMS`` events in A; ``dynamo copy`` to B started in loky workers (or ``backend``'s;
    2 workers, 8 segments of ~50 items: two batches each) as a process group of its own (the
    command and its workers), the gate holding its ``HELD_AT``-th BatchWriteItem."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(devices=4, per_device=ITEMS // 4))
    gate = Gate(HELD_AT, delay=0, guard=HANG_GUARD)
    proxied(gate)
    argv = ["copy", "-t", "events", "-src", A, "-tgt", B, "--backend", backend]
    argv += ["--workers", "2", "--segments", "8", "--no-progress"]
    command = subprocess.Popen(
        [sys.executable, "-m", "dynamo_magic.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        start_new_session=True,
    )
    return gate, command


def test_a_copy_killed_with_its_workers_resumes_to_an_exact_target(servers, proxied):
    """``kill -9`` of the whole ``dynamo copy`` process group (the command and its loky
    workers) mid-copy: the checkpoint file it leaves is whole, and resuming from it skips the
    segments it saved as done and ends exact."""
    gate, command = copy_held(servers, proxied)
    folder = checkpoints.default_folder()

    def segments_done() -> int:
        files = list(folder.glob("*.json")) if folder.exists() else []
        if len(files) != 1:
            return 0
        return sum(s.state == "done" for s in CheckpointFile.load(files[0]).segments.values())

    try:
        assert gate.reached.wait(HANG_GUARD)
        deadline = time.monotonic() + HANG_GUARD
        while segments_done() < 2:  # the segments before the gate, saved as they ended
            assert time.monotonic() < deadline and command.poll() is None, "hang guard"
            time.sleep(0.02)
        os.killpg(command.pid, signal.SIGKILL)  # only the group this test started
        command.wait(HANG_GUARD)
    finally:
        gate.release.set()
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
            command.wait()
    (path,) = folder.glob("*.json")
    saved = CheckpointFile.load(path)
    done = [n for n, s in saved.segments.items() if s.state == "done"]
    assert saved.unfinished and 2 <= len(done) < 8

    resumed = dm.copy("events", source=A, target=B, resume=True, backend="threading")
    assert resumed.ok and resumed.items_read == ITEMS
    assert resumed.written <= ITEMS - sum(saved.segments[n].read for n in done)
    assert in_b(servers) == in_a(servers)


def test_the_magic_resumes_with_resume(source, servers, proxied, shell):
    saved = stopped_mid_way(proxied)
    line = f"events --source {A} --target {B} --backend threading --workers 1 --no-progress"
    result = shell.run_line_magic("dynamo_copy", f"{line} --resume {saved.path}")
    assert result.ok and result.items_read == ITEMS
    assert result.written == ITEMS - saved.segments[0].read  # after the checkpoint's key
    assert in_b(servers) == in_a(servers)
    panel = shell.run_line_magic("dynamo_copy", f"events --source {A} --target {B} --resume --ui")
    assert panel.resume.value is True and panel.error is None  # Resume ticked in the panel
    with pytest.raises(UsageError, match=r"--resume 'old\.json': the panel cannot take it"):
        shell.run_line_magic(
            "dynamo_copy", f"events --source {A} --target {B} --resume old.json --ui"
        )


def test_a_copy_whose_worker_process_is_killed_prints_the_command_that_resumes_it(servers, proxied):
    """``kill -9`` of one loky worker mid-copy: the copy fails, saying what it did, and prints
    the exact command that resumes it; that command ends with an exact target."""
    import psutil

    gate, command = copy_held(servers, proxied)
    try:
        assert gate.reached.wait(HANG_GUARD)
        workers = [
            child
            for child in psutil.Process(command.pid).children(recursive=True)
            if "popen_loky" in " ".join(child.cmdline())
        ]
        assert len(workers) == 2
        workers[0].send_signal(signal.SIGKILL)  # one worker, not the command
        gate.release.set()
        _, err = command.communicate(timeout=HANG_GUARD)
    finally:
        gate.release.set()
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)  # only the group this test started
            command.wait()
    assert command.returncode == 1, err
    (error,) = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert error.startswith("Error: copy FAILED: ")
    (resume,) = [line for line in err.splitlines() if line.startswith("Resume it with: ")]
    words = shlex.split(resume.removeprefix("Resume it with: "))
    assert words[:2] == ["dynamo", "copy"] and words[-2] == "--resume"
    assert CheckpointFile.load(words[-1]).unfinished

    again = dynamo(*words[1:])
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("copy OK: ")
    assert in_b(servers) == in_a(servers)


def test_a_dry_run_of_a_resume_plans_what_the_resume_does(source, servers, proxied):
    saved = stopped_mid_way(proxied)
    fresh = dm.plan_copy("events", source=A, target=B)  # the target now holds items
    assert fresh.confirmations and fresh.checkpoint is None

    plan = dm.plan_copy("events", source=A, target=B, resume=True)
    rows = dict(plan.rows())
    assert plan.checkpoint == str(saved.path) and rows["checkpoint"].startswith(str(saved.path))
    assert f"0 of 2 segment(s) done, {saved.items_read():,} item(s) read" in rows["checkpoint"]
    # what is left to write, not the whole table (the rates' durations are of it too)
    assert plan.items_done == saved.items_read() and fresh.items_done == 0
    left = plan.units_left(plan.write_units)
    assert left < plan.write_units == fresh.write_units
    assert rows["write units"] == f"~{left:,} left of ~{plan.write_units:,} (estimated)"
    assert plan.confirmations == [] and not plan.backup  # the first run's: it created B
    with pytest.raises(CheckpointMismatch, match="mode"):
        dm.plan_copy("events", source=A, target=B, mode="merge", resume=saved.path)

    dry = dynamo("copy", "-t", "events", "-src", A, "-tgt", B, "--dry-run", "--resume")
    assert dry.returncode == 0, dry.stderr
    assert str(saved.path) in dry.stdout and "segment(s) done" in dry.stdout
    resumed = copy_events(resume=True).result(HANG_GUARD)  # no yes, as the plan said
    assert resumed.ok and in_b(servers) == in_a(servers)


def test_a_terminated_copy_stops_as_ctrl_c_does_and_prints_the_command_that_resumes_it(
    servers, proxied
):
    """SIGTERM to ``dynamo copy`` (``kill``, a CI job's time limit) mid-copy: the copy stops
    as Ctrl-C stops it, keeps its checkpoint and prints the exact command that resumes it;
    that command ends with an exact target. Before, SIGTERM killed it with nothing said."""
    gate, command = copy_held(servers, proxied, backend="threading")
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
    assert command.returncode != 0, err
    assert "INTERRUPTED" in err, err
    (resume,) = [line for line in err.splitlines() if line.startswith("Resume it with: ")]
    words = shlex.split(resume.removeprefix("Resume it with: "))
    assert words[:2] == ["dynamo", "copy"] and words[-2] == "--resume"
    assert CheckpointFile.load(words[-1]).unfinished

    again = dynamo(*words[1:])
    assert again.returncode == 0, again.stderr
    assert in_b(servers) == in_a(servers)
