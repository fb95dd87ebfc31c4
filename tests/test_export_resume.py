"""Resuming an export from its checkpoint file (issue 17), against moto servers (S3 too).

An export is stopped at a known point: the table's moto server sits behind
``proxy.FaultProxy`` with a rule that holds the ``HELD_AT``-th Scan until the test has
cancelled the export, so (one worker, segments in order) the segments before it are stored
and saved in the checkpoint and the one it belongs to is not. The resumed export must keep
those files as they are, export the others, and end as a whole export of exactly the table's
items: read back with the import's own checks (every MD5 and count) into account B.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

import dynamo_magic as dm
from dynamo_magic.errors import CopyFailed, InvalidQuery
from dynamo_magic.transfer import checkpoints
from dynamo_magic.transfer.checkpoints import CheckpointFile, CheckpointMismatch

from conftest import server_profiles, subprocess_env, use_profiles
from moto_servers import MotoServer
from proxy import FaultProxy, Gate
from tables import create_events, events_items, keyed, put_all, scan_all

A, B = "acct-a", "acct-b"
DEVICES, PER_DEVICE = 16, 5  # 80 items over 16 partitions: every segment of 4 holds some
ITEMS = DEVICES * PER_DEVICE
SEGMENTS = 4
HELD_AT = 3  # the third Scan (segment 2's) is held: segments 0 and 1 stored
HANG_GUARD = 60.0  # seconds any wait may take at most (a guard, not a measurement)
EVENTS_KEY = ("device", "seq")
BUCKET = "exchange"


@pytest.fixture
def gated(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Gate]:
    """``ITEMS`` events in A, reached through a proxy whose gate holds the ``HELD_AT``-th
    Scan; B empty (with a bucket)."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(DEVICES, PER_DEVICE))
    gate = Gate(HELD_AT, delay=0, guard=HANG_GUARD, op="Scan")  # that Scan held
    proxy = FaultProxy(servers[0].url, gate)
    (tmp_path / "proxied").mkdir()
    use_profiles({**server_profiles(*servers), A: proxy.url}, tmp_path / "proxied", monkeypatch)
    s3_of_b().create_bucket(Bucket=BUCKET)
    yield gate
    gate.release.set()
    proxy.close()


def s3_of_b() -> Any:
    return boto3.Session(profile_name=B).client("s3")


def export_events(to: str | Path, **kwargs: Any) -> dm.CopyJob:
    """``events`` of A to ``to`` on one worker thread, ``SEGMENTS`` segments in order."""
    options: dict[str, Any] = {"backend": "threading", "workers": 1, "segments": SEGMENTS}
    return dm.start_export("events", to, env=A, **(options | kwargs))


def stopped_mid_way(gate: Gate, to: str | Path, **kwargs: Any) -> tuple[CheckpointFile, Any]:
    """An export cancelled while the gate holds segment 2's Scan: its checkpoint file and
    its (interrupted) result."""
    job = export_events(to, storage_env=B if str(to).startswith("s3://") else None, **kwargs)
    assert gate.reached.wait(HANG_GUARD)
    job.cancel()
    gate.release.set()
    with pytest.raises(CopyFailed) as stopped:
        job.result(HANG_GUARD)
    result = stopped.value.result
    assert result.interrupted and not result.complete and result.resumable
    assert result.checkpoint == job.checkpoint
    return CheckpointFile.load(job.checkpoint or ""), result


def imported_back(servers: tuple[MotoServer, MotoServer], folder: str, **kwargs: Any) -> Any:
    """The export at ``folder`` imported into B's new table ``events`` with the import's own
    checks (every file's MD5 and count before the first write, the count after); B's items."""
    result = dm.import_table(
        "events", folder, env=B, create=True, key="device:N,seq:N", yes=True, **kwargs
    )
    assert result.ok and result.verification.ok and result.written == ITEMS
    return keyed(scan_all(servers[1].client(), "events"), EVENTS_KEY)


def in_a(servers: tuple[MotoServer, MotoServer]) -> dict[str, Any]:
    return keyed(scan_all(servers[0].client(), "events"), EVENTS_KEY)


def manifest(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    summary = json.loads((folder / "manifest-summary.json").read_text())
    lines = (folder / "manifest-files.json").read_text().splitlines()
    return summary, [json.loads(line) for line in lines]


def test_a_stopped_export_resumes_into_the_same_folder_keeping_the_stored_files(
    gated, servers, tmp_path
):
    saved, first = stopped_mid_way(gated, tmp_path / "out")
    states = {n: s.state for n, s in saved.segments.items()}
    assert states == {0: "done", 1: "done", 2: "pending", 3: "pending"} and saved.unfinished
    assert saved.phases.export_id == first.export_id
    assert saved.path.parent == checkpoints.default_folder()
    folder = Path(first.folder)
    assert not list(folder.glob("manifest-*"))
    stored = {n: saved.segments[n].file for n in (0, 1)}
    assert all(f is not None and f["items"] > 0 for f in stored.values())
    kept_items = sum(f["items"] for f in stored.values() if f)
    paths = {n: tmp_path / "out" / f["key"] for n, f in stored.items() if f}
    stamps = {n: path.stat().st_mtime_ns for n, path in paths.items()}

    job = export_events(tmp_path / "out", resume=True)  # no path: the newest of this export
    job.wait_checkpoint(HANG_GUARD)
    assert job.resuming is not None
    assert f"resuming export {first.export_id}" in job.resuming
    assert "2 of 4 segment(s) kept, 2 left" in job.resuming
    resumed = job.result(HANG_GUARD)
    assert resumed.ok and resumed.complete and resumed.export_id == first.export_id
    assert resumed.folder == first.folder and resumed.checkpoint == str(saved.path)
    assert (resumed.kept_files, resumed.kept_items) == (2, kept_items)
    assert resumed.written == ITEMS - kept_items  # the two segments left, not the kept ones
    assert resumed.items_read == ITEMS
    assert f"{ITEMS} items in 4 file(s)" in resumed.summary_line().replace(",", "")
    assert {n: p.stat().st_mtime_ns for n, p in paths.items()} == stamps  # not rewritten
    assert [p.name for p in folder.parent.iterdir()] == [first.export_id]  # one export

    summary, entries = manifest(folder)
    assert [e["dataFileS3Key"] for e in entries] == [
        f"AWSDynamoDB/{first.export_id}/data/segment-{n:05d}-of-00004.json.gz" for n in range(4)
    ]
    assert summary["itemCount"] == ITEMS
    started = saved.phases.export_started or ""
    assert summary["startTime"] == summary["exportTime"]
    assert summary["startTime"].startswith(started[:19])  # the first run's start, kept
    assert not list(folder.rglob("*.part"))
    assert imported_back(servers, str(tmp_path / "out")) == in_a(servers)  # no item twice

    done = CheckpointFile.load(saved.path)
    assert not done.unfinished and {s.state for s in done.segments.values()} == {"done"}
    with pytest.raises(CheckpointMismatch, match=r"nothing to resume: the export .* ran to its"):
        export_events(tmp_path / "out", resume=saved.path).result(HANG_GUARD)
    with pytest.raises(InvalidQuery, match="nothing to resume"):
        export_events(tmp_path / "out", resume=True).result(HANG_GUARD)


def test_a_resume_of_another_export_is_refused_before_anything_is_written(gated, tmp_path):
    saved, _ = stopped_mid_way(gated, tmp_path / "out")
    text = saved.path.read_text()
    listing = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "cache" not in p.parts)
    for to, kwargs, named in [
        (tmp_path / "out", {"segments": 2}, "total segments 4 there, 2 here"),
        (tmp_path / "other", {}, f"destination '{tmp_path / 'out'}' there"),
        (tmp_path / "out", {"pk": 3, "segments": None}, "slice the whole table there"),
    ]:
        with pytest.raises(CheckpointMismatch) as refused:
            export_events(to, resume=saved.path, **kwargs).result(HANG_GUARD)
        message = str(refused.value)
        assert "is of another export" in message and named in message, message
        assert "\n" not in message
    assert saved.path.read_text() == text
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "cache" not in p.parts)
    assert after == listing and not (tmp_path / "other").exists()


def test_a_kept_file_deleted_or_changed_before_the_resume_is_exported_again(
    gated, servers, tmp_path
):
    saved, first = stopped_mid_way(gated, tmp_path / "out")
    gone, changed = (tmp_path / "out" / (saved.segments[n].file or {})["key"] for n in (0, 1))
    gone.unlink()
    changed.write_bytes(changed.read_bytes() + b"x")

    job = export_events(tmp_path / "out", resume=saved.path)
    job.wait_checkpoint(HANG_GUARD)
    line = job.resuming or ""
    assert "0 of 4 segment(s) kept, 4 left" in line
    assert f"{gone} missing" in line and f"{changed} changed" in line
    resumed = job.result(HANG_GUARD)
    assert resumed.ok and resumed.kept_files == 0 and resumed.written == ITEMS
    assert imported_back(servers, first.folder) == in_a(servers)


def test_an_export_to_s3_resumes_in_its_bucket(gated, servers):
    to = f"s3://{BUCKET}/team"
    saved, first = stopped_mid_way(gated, to)
    assert saved.identity.target_endpoint == servers[1].url
    s3 = s3_of_b()
    prefix = f"team/AWSDynamoDB/{first.export_id}/"
    before = {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert len([k for k in before if "/data/" in k]) == 2

    resumed = export_events(to, storage_env=B, resume=True).result(HANG_GUARD)
    assert resumed.ok and resumed.kept_files == 2 and resumed.folder == first.folder
    after = {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert all(after[k] == etag for k, etag in before.items())  # kept objects untouched
    assert all(k.startswith(prefix) for k in after)
    assert len([k for k in after if "/data/" in k]) == SEGMENTS
    assert imported_back(servers, to, storage_env=B) == in_a(servers)


def test_an_export_killed_with_its_process_group_resumes_from_the_cli(gated, servers, tmp_path):
    """``kill -9`` of the whole ``dynamo export`` process group mid-export: the checkpoint
    it leaves is whole; ``dynamo export ... --resume`` says what it keeps and ends with a
    whole export of exactly the table's items."""
    out = tmp_path / "out"
    argv = ["export", "-t", "events", "-e", A, "--to", str(out), "--backend", "threading"]
    argv += ["--workers", "1", "--segments", str(SEGMENTS), "--no-progress"]
    command = subprocess.Popen(
        [sys.executable, "-m", "dynamo_magic.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        start_new_session=True,
    )
    folder = checkpoints.default_folder()

    def segments_done() -> int:
        files = list(folder.glob("*.json")) if folder.exists() else []
        if len(files) != 1:
            return 0
        return sum(s.state == "done" for s in CheckpointFile.load(files[0]).segments.values())

    try:
        assert gated.reached.wait(HANG_GUARD)
        deadline = time.monotonic() + HANG_GUARD
        while segments_done() < HELD_AT - 1:  # the segments before the gate, saved as stored
            assert time.monotonic() < deadline and command.poll() is None, "hang guard"
            time.sleep(0.02)
        os.killpg(command.pid, signal.SIGKILL)  # only the group this test started
        command.wait(HANG_GUARD)
    finally:
        gated.release.set()
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
            command.wait()
    (path,) = folder.glob("*.json")
    saved = CheckpointFile.load(path)
    assert saved.unfinished and segments_done() == 2

    again = subprocess.run(
        [sys.executable, "-m", "dynamo_magic.cli", *argv, "--resume"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=HANG_GUARD * 2,
    )
    assert again.returncode == 0, again.stderr
    assert f"Checkpoint: {path} (if the export stops, --resume continues it)" in again.stderr
    export_id = saved.phases.export_id
    assert f"Resuming export {export_id} from {path}: 2 of 4 segment(s) kept, 2 left" in (
        again.stderr
    )
    assert again.stdout.startswith(f"export OK: {ITEMS} items in 4 file(s)")
    summary, entries = manifest(out / "AWSDynamoDB" / str(export_id))
    assert summary["itemCount"] == ITEMS and len(entries) == SEGMENTS
    assert imported_back(servers, str(out)) == in_a(servers)


def test_an_interrupted_export_prints_the_command_that_resumes_it(gated, tmp_path, in_process):
    """Cancelled (as Ctrl-C cancels it), ``dynamo export`` names the command that resumes it
    and exits non-zero; that command continues the export."""
    from dynamo_magic.cli import _resume_command

    saved, first = stopped_mid_way(gated, tmp_path / "out")
    stopped = CopyFailed("export INTERRUPTED", first)
    words = ["export", "-t", "events", "--to", str(tmp_path / "out"), "--checkpoint", "x.json"]
    command = _resume_command(stopped, words)
    assert command == (f"dynamo export -t events --to {tmp_path / 'out'} --resume {saved.path}")
    run = in_process(*words[:5], "-e", A, "--resume", str(saved.path), "--no-progress")
    assert run.returncode == 0, run.stderr
    assert "2 of 4 segment(s) kept, 2 left" in run.stderr


def test_the_magic_resumes_an_export(gated, servers, tmp_path, shell, capsys):
    _, first = stopped_mid_way(gated, tmp_path / "out")
    line = f"events --env {A} --to {tmp_path / 'out'} --backend threading --workers 1"
    result = shell.run_line_magic("dynamo_export", f"{line} --no-progress --resume")
    shown = capsys.readouterr().out
    assert f"Resuming export {first.export_id}" in shown and "2 of 4 segment(s) kept" in shown
    assert result.ok and result.kept_files == 2 and result.export_id == first.export_id
    assert imported_back(servers, first.folder) == in_a(servers)


def test_bad_resume_and_checkpoint_values_are_refused_by_the_export(tmp_path):
    with pytest.raises(InvalidQuery, match="resume must be a path or True, not 3"):
        dm.export_table("events", tmp_path / "out", env=A, resume=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidQuery, match="checkpoint must be a path"):
        dm.start_export("events", tmp_path / "out", env=A, checkpoint=True)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_a_new_export_saves_its_checkpoint_where_asked_and_marks_it_finished(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path
):
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(2, 5))
    path = tmp_path / "mine.json"
    result = dm.export_table("events", tmp_path / "out", env=A, segments=2, checkpoint=path)
    assert result.ok and result.checkpoint == str(path)
    done = CheckpointFile.load(path)
    assert not done.unfinished and done.phases.finished_at
    assert done.phases.export_id == result.export_id and done.identity.mode == "export"
    files = sorted((s.file or {}).get("key", "") for s in done.segments.values())
    assert files == sorted(f.key for f in result.files)


def test_resume_without_a_checkpoint_of_this_export_says_so(servers, tmp_path):
    create_events(servers[0].client())
    with pytest.raises(InvalidQuery, match="no unfinished checkpoint of this export in"):
        dm.export_table("events", tmp_path / "out", env=A, resume=True)
    assert not (tmp_path / "out").exists()


def test_start_export_takes_export_table_s_keywords_and_is_documented():
    import inspect

    job_signature = inspect.signature(dm.start_export)
    assert list(job_signature.parameters) == list(inspect.signature(dm.export_table).parameters)
    assert job_signature.return_annotation == "CopyJob"
    assert "start_export" in dm.__all__
    doc = inspect.getdoc(dm.start_export) or ""
    for section in ("Parameters", "Returns", "Raises", "Examples"):
        assert f"{section}\n{'-' * len(section)}" in doc
    for name in job_signature.parameters:
        assert f"\n{name} : " in doc, name
