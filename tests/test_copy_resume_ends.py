"""The ends of a resumable copy (issue 16 §2), against two moto servers: the plan and the
result name the checkpoint file, a ``%dynamo_copy`` stopped by an error prints the line that
resumes it, a finished checkpoint says when it ran to its end, and the default folder keeps
only the newest finished files (never an unfinished one)."""

from __future__ import annotations

import json
import os
import re
import shlex
import threading
from pathlib import Path
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.errors import InvalidQuery
from dynamo_magic.transfer import checkpoints
from dynamo_magic.transfer.checkpoints import CheckpointFile, CheckpointMismatch, Identity

from conftest import reset_magic, server_profiles, use_profiles
from proxy import Action, Answer, FaultProxy
from tables import create_events, events_items, keyed, put_all, scan_all

A, B = "acct-a", "acct-b"
EVENTS_KEY = ("device", "seq")
DENIED = "com.amazonaws.dynamodb.v20120810#AccessDeniedException"
IDENTITY = Identity("t", "t", None, None, None, None, None, "replace", None, 1)


@pytest.fixture
def events(servers: Any) -> Any:
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(devices=40, per_device=10))
    return servers


def exact(servers: Any) -> bool:
    source = keyed(scan_all(servers[0].client(), "events"), EVENTS_KEY)
    return source == keyed(scan_all(servers[1].client(), "events"), EVENTS_KEY)


def test_the_plan_and_the_result_name_the_checkpoint_file(events):
    plan = dm.plan_copy("events", source=A, target=B)
    folder = checkpoints.default_folder()
    assert dict(plan.rows())["checkpoint"] == f"a new file in {folder} (named when the copy starts)"

    result = dm.copy("events", source=A, target=B, backend="threading")
    assert result.checkpoint and Path(result.checkpoint).parent == folder
    assert dict(result.rows())["checkpoint"] == result.checkpoint


def test_a_magic_copy_stopped_by_an_error_prints_the_line_that_resumes_it(
    events, tmp_path, monkeypatch, shell, capsys
):
    """The target refuses every BatchWriteItem after the fourth: the copy stops with an
    error; ``%dynamo_copy`` shows its short error line, then the exact line that resumes it,
    which (the fault gone) ends with an exact target."""
    lock, calls = threading.Lock(), [0]
    failing = threading.Event()
    failing.set()

    def rule(op: str, body: dict[str, Any]) -> Action:
        if op != "BatchWriteItem" or not failing.is_set():
            return None
        with lock:
            calls[0] += 1
            if calls[0] <= 4:
                return None
        return Answer(400, {"__type": DENIED, "message": "not allowed"})

    with FaultProxy(events[1].url, rule) as proxy:
        use_profiles({**server_profiles(*events), B: proxy.url}, tmp_path, monkeypatch)
        reset_magic(shell)
        line = f"events --source {A} --target {B} --workers 1 --backend threading --no-progress"
        stopped = shell.run_cell(f"%dynamo_copy {line}")
        output = capsys.readouterr()
        shown = (output.out + output.err).splitlines()
        (error,) = [n for n, text in enumerate(shown) if text.startswith("UsageError: ")]
        assert "copy FAILED" in shown[error] and "AccessDeniedException" in shown[error]
        resume = shown[error + 1]
        assert resume.startswith("Resume it with: %dynamo_copy "), shown
        words = shlex.split(resume.removeprefix("Resume it with: %dynamo_copy "))
        assert words[:-2] == shlex.split(line) and words[-2] == "--resume"
        assert CheckpointFile.load(words[-1]).unfinished and not stopped.success

        failing.clear()
        resumed = shell.run_cell(f"%dynamo_copy {shlex.join(words)}")
        capsys.readouterr()
    assert resumed.success and resumed.result.ok, resumed.error_in_exec
    assert resumed.result.checkpoint == words[-1]
    assert exact(events)


def test_a_finished_checkpoint_says_when_it_ran_to_its_end(events):
    done = dm.copy("events", source=A, target=B, backend="threading")
    saved = CheckpointFile.load(done.checkpoint or "")
    assert not saved.unfinished and saved.phases.finished_at is not None
    ended = re.escape(f"the copy {done.checkpoint} ran to its end at {saved.phases.finished_at}")

    with pytest.raises(CheckpointMismatch, match=f"^nothing to resume: {ended}; start afresh"):
        dm.copy("events", source=A, target=B, resume=done.checkpoint, yes=True)
    with pytest.raises(InvalidQuery, match=f"^nothing to resume: {ended}; start afresh"):
        dm.copy("events", source=A, target=B, resume=True, yes=True)


def finished(folder: Path, name: str, age: int) -> Path:
    """A finished checkpoint file ``age`` seconds old."""
    record = CheckpointFile(folder / name, IDENTITY)
    record.mark(finished=True)
    stamp = 1_700_000_000 - age
    os.utime(record.path, (stamp, stamp))
    return record.path


def test_the_default_folder_keeps_the_newest_finished_files_and_every_unfinished_one(
    tmp_path, monkeypatch
):
    folder = checkpoints.default_folder()
    folder.mkdir(parents=True)
    kept = [finished(folder, f"new-{n}.json", age=n) for n in range(3)]
    old = [finished(folder, f"old-{n}.json", age=100 + n) for n in range(4)]
    unfinished = CheckpointFile(folder / "unfinished.json", IDENTITY)
    unfinished.save()
    os.utime(unfinished.path, (1, 1))  # older than all: still kept
    (folder / "damaged.json").write_text("{")
    (folder / "other.json").write_text(json.dumps({"format": 99}))

    deleted = checkpoints.clean(keep=3)

    assert sorted(deleted) == sorted(old)
    left = {p.name for p in folder.iterdir()}
    assert left == {p.name for p in kept} | {"unfinished.json", "damaged.json", "other.json"}


def test_a_copy_cleans_old_finished_files_before_it_starts(events, monkeypatch):
    monkeypatch.setattr(checkpoints, "KEEP_FINISHED", 1)
    first = dm.copy("events", source=A, target=B, backend="threading")
    second = dm.copy("events", source=A, target=B, backend="threading", yes=True)
    assert Path(first.checkpoint or "").exists()  # the newest finished when the second began
    third = dm.copy("events", source=A, target=B, backend="threading", yes=True)
    files = set(checkpoints.default_folder().glob("*.json"))
    assert files == {Path(second.checkpoint or ""), Path(third.checkpoint or "")}
    assert exact(events)
