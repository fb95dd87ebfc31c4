"""A copy's checkpoint file (``transfer.checkpoints``): its format, atomic saves, throttling,
and the refusals of a checkpoint that is not of the command's copy. No server needed."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from dynamo_magic.errors import InvalidQuery
from dynamo_magic.transfer import checkpoints
from dynamo_magic.transfer.checkpoints import CheckpointFile, CheckpointMismatch, Identity

IDENTITY = Identity(
    source_table="orders",
    target_table="orders-copy",
    source_arn="arn:aws:dynamodb:us-east-1:111111111111:table/orders",
    target_arn=None,
    source_endpoint=None,
    target_endpoint="http://127.0.0.1:5001",
    slice=None,
    mode="replace",
    transform=None,
    total_segments=4,
)
BINARY_KEY = {"pk": {"B": b"\x00\xffraw"}, "sk": {"N": "17"}}


def test_a_checkpoint_round_trips_keys_segments_and_phases_through_json(tmp_path):
    saved = CheckpointFile(tmp_path / "c.json", IDENTITY)
    saved.record(1, BINARY_KEY, read=250)
    saved.finish_segment(2, read=400)
    saved.mark(backup_name="orders-copy-dynamo-magic-1", backup_arn="arn:b", target_empty=True)

    text = (tmp_path / "c.json").read_text()
    data = json.loads(text)  # plain JSON: binaries as base64, as the AWS CLI writes them
    assert data["segments"]["1"] == {
        "state": "partial",
        "last_key": {"pk": {"B": "AP9yYXc="}, "sk": {"N": "17"}},
        "read": 250,
    }
    loaded = CheckpointFile.load(tmp_path / "c.json")
    assert loaded.identity == IDENTITY
    assert loaded.start_keys() == {0: None, 1: BINARY_KEY, 3: None}  # segment 2 is done
    assert loaded.items_read() == 650
    assert loaded.phases.backup_arn == "arn:b" and loaded.phases.target_empty
    assert loaded.unfinished


def test_saves_replace_the_file_whole_and_leave_no_temporary_file(tmp_path, monkeypatch, caplog):
    path = tmp_path / "deep" / "folder" / "c.json"  # the folder is made
    checkpoint = CheckpointFile(path, IDENTITY, every=0)
    checkpoint.save()
    before = path.read_text()

    def fails(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fails)
    with pytest.raises(OSError, match="disk full"):  # the save fails at the replace
        checkpoint.save()
    checkpoint.record(0, {"pk": {"S": "a"}}, read=1)  # while copying: logged, not raised
    monkeypatch.undo()
    assert path.read_text() == before  # the old file, whole
    assert sorted(p.name for p in path.parent.iterdir()) == ["c.json"]
    assert [r.getMessage() for r in caplog.records] == [f"checkpoint {path} not saved: disk full"]


def test_records_are_saved_at_most_every_so_often_but_a_finished_segment_at_once(tmp_path):
    checkpoint = CheckpointFile(tmp_path / "c.json", IDENTITY, every=3600)
    checkpoint.record(0, {"pk": {"S": "a"}}, read=1)  # the first is saved
    for n in range(2, 50):
        checkpoint.record(0, {"pk": {"S": f"a{n}"}}, read=n)
    assert checkpoint.saves == 1
    assert CheckpointFile.load(checkpoint.path).segments[0].read == 1
    checkpoint.finish_segment(3, read=9)
    assert checkpoint.saves == 2
    on_disk = CheckpointFile.load(checkpoint.path)
    assert on_disk.segments[0].read == 49 and on_disk.segments[3].state == "done"


def test_a_resumed_run_adds_its_reads_to_those_of_the_runs_before(tmp_path):
    first = CheckpointFile(tmp_path / "c.json", IDENTITY, every=0)
    first.record(0, {"pk": {"S": "a"}}, read=30)
    first.add_failed(2, "failed-1.jsonl")
    first.target_created("arn:created")
    again = CheckpointFile.load(tmp_path / "c.json", every=0)
    assert again.identity.target_arn == "arn:created" and again.phases.target_created
    assert (again.phases.failed, again.phases.failed_files) == (2, ["failed-1.jsonl"])
    again.record(0, {"pk": {"S": "b"}}, read=5)  # this run's reads: after the saved key
    assert again.segments[0].read == 35
    again.finish_segment(0, read=12)
    again.finish_segment(1, read=4)
    assert CheckpointFile.load(tmp_path / "c.json").items_read() == 46


def test_a_late_checkpoint_of_a_finished_segment_does_not_reopen_it(tmp_path):
    checkpoint = CheckpointFile(tmp_path / "c.json", IDENTITY, every=0)
    checkpoint.finish_segment(0, read=10)
    checkpoint.record(0, {"pk": {"S": "z"}}, read=7)  # sent before the result, arrived after
    assert checkpoint.segments[0] == checkpoints.Segment("done", None, 10)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"mode": "merge"}, "mode 'replace' there, 'merge' here"),
        ({"total_segments": 8}, "total segments 4 there, 8 here"),
        ({"slice": "pk='a'"}, "slice the whole table there, \"pk='a'\" here"),
        ({"source_table": "other"}, "source table 'orders' there, 'other' here"),
        ({"target_endpoint": "http://127.0.0.1:5002"}, "target endpoint"),
        ({"transform": "scrub:emails"}, "transform none there, 'scrub:emails' here"),
    ],
)
def test_a_checkpoint_of_another_copy_is_refused_with_the_difference_named(tmp_path, change, named):
    checkpoint = CheckpointFile(tmp_path / "c.json", IDENTITY)
    with pytest.raises(CheckpointMismatch) as refused:
        checkpoint.check(dataclasses.replace(IDENTITY, **change))
    message = str(refused.value)
    assert named in message and "\n" not in message
    assert str(tmp_path / "c.json") in message and "without resume" in message


def test_a_target_created_since_the_checkpoint_is_the_same_copy(tmp_path):
    checkpoint = CheckpointFile(tmp_path / "c.json", IDENTITY)
    checkpoint.check(dataclasses.replace(IDENTITY, target_arn="arn:created"))  # no refusal
    created = dataclasses.replace(IDENTITY, target_arn="arn:created")
    with pytest.raises(CheckpointMismatch, match="target arn"):
        CheckpointFile(tmp_path / "d.json", created).check(
            dataclasses.replace(IDENTITY, target_arn="arn:another")
        )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (None, "no such file"),
        ("{not json", "unreadable"),
        ('{"format": 99}', "not a checkpoint of format 1"),
        ('{"format": 1, "identity": {}}', "damaged"),
    ],
)
def test_an_unreadable_checkpoint_is_refused_in_one_line(tmp_path, text, why):
    path = tmp_path / "c.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(CheckpointMismatch) as refused:
        CheckpointFile.load(path)
    assert why in str(refused.value) and "\n" not in str(refused.value)


def test_segments_that_do_not_fit_the_total_segments_are_refused(tmp_path):
    CheckpointFile(tmp_path / "c.json", IDENTITY).save()
    data = json.loads((tmp_path / "c.json").read_text())
    del data["segments"]["3"]
    (tmp_path / "c.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointMismatch, match="do not match its 4 total segments"):
        CheckpointFile.load(tmp_path / "c.json")
    data["segments"]["3"] = {"state": "partial", "last_key": None, "read": 0}
    (tmp_path / "c.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointMismatch, match="segment 3 is damaged"):
        CheckpointFile.load(tmp_path / "c.json")


def test_the_latest_unfinished_checkpoint_of_the_same_copy_is_found(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert checkpoints.default_folder() == tmp_path / "cache" / "dynamo_magic" / "checkpoints"
    stem = checkpoints.copy_name("orders", "orders-copy", "dev", "stage", None)
    other = checkpoints.copy_name("orders", "orders-copy", "dev", "prod", None)
    assert stem != other and stem.startswith("orders-to-orders-copy-")

    older = CheckpointFile(checkpoints.new_path(stem), IDENTITY)
    older.save()
    newer = CheckpointFile(checkpoints.new_path(stem), IDENTITY)
    newer.save()
    CheckpointFile(checkpoints.new_path(other), IDENTITY).save()
    assert checkpoints.latest(stem) == newer.path
    newer.mark(finished=True)  # a finished run is not resumed
    assert checkpoints.latest(stem) == older.path
    with pytest.raises(InvalidQuery, match="no unfinished checkpoint of this copy"):
        checkpoints.latest(checkpoints.copy_name("x", "y", "dev", "stage", None))


def test_paths_are_plain_files_under_the_folder(tmp_path: Path):
    path = checkpoints.new_path("a-to-b-0123456789", tmp_path)
    assert path.parent == tmp_path and path.suffix == ".json"


def test_an_import_of_files_changed_since_says_so_not_its_hashes() -> None:
    """Before: "source table 'import:f/many.csv#5be38eef77a0' there, '...#aa5db21621d0' here"."""
    saved = dataclasses.replace(IDENTITY, source_table="import:f/many.csv#5be38eef77a0")
    now = dataclasses.replace(IDENTITY, source_table="import:f/many.csv#aa5db21621d0")
    other = dataclasses.replace(IDENTITY, source_table="import:f/other.csv#aa5db21621d0")
    assert saved.differences(now) == [
        "the files of f/many.csv changed since the checkpoint was saved"
    ]
    assert saved.differences(other)[0].startswith("source table 'import:f/many.csv#")
