"""Logging by the standard library's convention: records under the ``dynamo_magic`` logger for
phases, retries, failed items and refusals, from loky's worker processes too; nothing shown
unless the application configures logging; no credentials or item contents in any record.

Faults come from a real proxy (tests/proxy.py) in front of the moto servers, so worker
processes meet them as the caller's threads do.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import botocore.retries.standard
import pandas as pd
import pytest

import dynamo_magic.api as api
from dynamo_magic.errors import ConfirmationRequired, CopyFailed, UnsafeOperation
from dynamo_magic.settings import get_settings, set_settings
from dynamo_magic.transfer import logs
from dynamo_magic.transfer.result import CopyResult

from conftest import A, B, client_for, subprocess_env, use_profiles
from proxy import Action, Answer, FaultProxy, HoldBack, Rule
from tables import create_events, events_items, put_all

KEY_ID, SECRET, TOKEN = "AKIAFAKELOGGINGKEY42", "fAkeLoggingSecret/0123456789", "FaKeLoGgInGtOkEn77"
ITEM_MARKER = "item-content-never-logged"  # an attribute value of every source item
THROTTLED_WRITES = 3
LOST_DEVICE = "7"  # the target never takes this device's items: they end failed


def distinctive_credentials(folder: Path) -> None:
    """Give every profile the keys and session token above (moto takes any)."""
    credentials = folder / "credentials"
    text = credentials.read_text().replace(
        "aws_secret_access_key = testing",
        f"aws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}",
    )
    credentials.write_text(
        text.replace("aws_access_key_id = testing", f"aws_access_key_id = {KEY_ID}")
    )


def faulty_target() -> Rule:
    """The first attempt of the first few BatchWriteItem calls throttled (botocore retries
    them), and every write of one device held back as UnprocessedItems (ours retry them, then
    give up: those items end failed)."""
    seen: set[str] = set()
    lock = threading.Lock()

    def lost(table: str, request: dict[str, Any]) -> bool:
        return request["PutRequest"]["Item"]["device"]["N"] == LOST_DEVICE

    def rule(op: str, body: dict[str, Any]) -> Action:
        if op != "BatchWriteItem":
            return None
        with lock:
            key = json.dumps(body, sort_keys=True)
            if len(seen) < THROTTLED_WRITES and key not in seen:
                seen.add(key)
                return Answer.throttled()
        return HoldBack(lost)

    return rule


@pytest.fixture
def proxied(servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """events (10 devices x 10, each item marked) in A; an empty events in B behind a faulty
    proxy; profiles with distinctive credentials; retries few and quick; failed files in
    tmp_path."""
    monkeypatch.setattr(  # botocore retries without waiting in this process (not in loky's)
        botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0
    )
    a, b = servers
    source = client_for(A)
    create_events(source)
    items = events_items(devices=10, per_device=10)
    put_all(source, "events", [{**item, "note": {"S": ITEM_MARKER}} for item in items])
    create_events(client_for(B))
    monkeypatch.chdir(tmp_path)
    with FaultProxy(b.url, faulty_target()) as target:
        folder = tmp_path / "proxied"
        use_profiles({A: a.url, B: target.url}, folder, monkeypatch)
        distinctive_credentials(folder)
        set_settings(get_settings().replace(max_retries=2, backoff_base=0.001, backoff_cap=0.002))
        yield target


def everything_in(record: logging.LogRecord) -> str:
    """A record as any handler could show it: its message and every attribute."""
    return record.getMessage() + repr(record.__dict__)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_a_copys_records_reach_the_callers_logging_from_every_worker(
    proxied: FaultProxy, caplog: pytest.LogCaptureFixture, backend: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="dynamo_magic")

    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, backend=backend, workers=2, segments=4)

    result = failure.value.result
    throttled = sum(1 for call in proxied.calls if call.status == 400)
    assert throttled == THROTTLED_WRITES and result.failed == 10 and result.written == 90
    records = [r for r in caplog.records if r.name.startswith("dynamo_magic")]
    assert all(r.name.startswith("dynamo_magic.") for r in records)  # module loggers
    said = [(r.levelname, r.getMessage()) for r in records]
    # the copy and its phases at INFO, with counts
    start = (
        f"copy started: events (acct-a) -> events (acct-b), mode replace, 2 worker(s) ({backend})"
    )
    assert any(level == "INFO" and text.startswith(start) for level, text in said)
    assert ("INFO", "phase copy started (about 100 items)") in said
    assert any(text.startswith("phase copy ended: 90 item(s) in ") for _, text in said)
    # every retry at DEBUG: botocore's (3 throttled calls) and the writer's
    botocore = [r for r in records if "botocore retried it" in r.getMessage()]
    ours = [r for r in records if r.levelname == "DEBUG" and " not done, retry " in r.getMessage()]
    assert sum(int(r.getMessage().split("retried it ")[1].split()[0]) for r in botocore) == 3
    assert len(botocore) + len(ours) == result.retried and ours
    # the retry budget ran out, the failed items saved: WARNING, with the file and its count
    gave_up = [r for r in records if "still not done after 2 retries" in r.getMessage()]
    assert gave_up and all(r.levelname == "WARNING" for r in gave_up)
    assert sum(int(r.getMessage().split(": ")[1].split()[0]) for r in gave_up) == 10
    assert ("WARNING", f"copy: 10 unwritten item(s) saved to {result.failed_file}") in said
    assert ("WARNING", result.summary_line()) in said
    # the workers' records came from where the work was done: loky's processes, or threads
    workers = {r.process for r in botocore + ours + gave_up}
    assert (os.getpid() not in workers) if backend == "loky" else (workers == {os.getpid()})
    # no credentials, session token or item content in any record, whatever a handler shows
    for record in caplog.records:
        text = everything_in(record)
        assert not any(secret in text for secret in (KEY_ID, SECRET, TOKEN, ITEM_MARKER))


def test_workers_send_only_the_records_the_caller_lets_through(
    proxied: FaultProxy, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller's dynamo_magic logger shows WARNING and above: loky's workers send their
    warnings, and build and send no DEBUG record of their retries."""
    caplog.set_level(logging.WARNING, logger="dynamo_magic")
    arrived: list[int] = []
    emit = logs.emit
    monkeypatch.setattr(
        logs, "emit", lambda fields: (arrived.append(fields["levelno"]), emit(fields))
    )

    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, backend="loky", workers=2, segments=4)

    assert failure.value.result.retried > THROTTLED_WRITES  # retries were made in the workers
    assert arrived and set(arrived) == {logging.WARNING}  # their warnings only
    assert not [r for r in caplog.records if r.levelno < logging.WARNING]


def test_the_package_logger_has_a_null_handler_and_shows_nothing_by_itself() -> None:
    assert any(
        isinstance(handler, logging.NullHandler)
        for handler in logging.getLogger("dynamo_magic").handlers
    )
    code = (
        "import logging, dynamo_magic\n"
        "logging.getLogger('dynamo_magic.transfer.engine').warning('a warning nobody asked for')\n"
        "print([type(h).__name__ for h in logging.getLogger('dynamo_magic').handlers])"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert shown.returncode == 0 and shown.stderr == ""  # logging's lastResort never ran
    assert shown.stdout.strip() == "['NullHandler']"


def test_a_dynamo_copy_that_logs_warnings_prints_no_log_line(proxied: FaultProxy) -> None:
    """The CLI configures no logging: its stderr holds the one-line error only, though its
    workers logged retries, given-up batches and the failed-items file."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dynamo_magic.cli",
            "copy",
            "-t",
            "events",
            "-src",
            A,
            "-tgt",
            B,
            "--backend",
            "loky",
            "--workers",
            "2",
            "--segments",
            "4",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == ""
    checkpoint, line = done.stderr.splitlines()  # the checkpoint, then the error: no log line
    assert checkpoint.startswith("Checkpoint: ")
    assert line.startswith("Error: copy FAILED: 90 written") and "10 failed" in line


def test_refusals_backups_truncates_and_restores_are_logged(
    servers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dynamo_magic")
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=2, per_device=5))
    create_events(client_for(B))
    put_all(client_for(B), "events", events_items(devices=1, per_device=1))

    with pytest.raises(UnsafeOperation) as same:
        api.copy("events", source=A, target=A, backend="threading")
    with pytest.raises(ConfirmationRequired) as confirm:
        api.copy("events", source=A, target=B, backend="threading")
    result = api.copy("events", source=A, target=B, backend="threading", yes=True)

    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert ("WARNING", f"copy refused: {same.value}") in said
    assert ("INFO", f"copy refused: {confirm.value}") in said
    assert result.backup is not None
    assert ("INFO", f"backup {result.backup.name} of 'events' taken") in [
        (level, text.split(" (AVAILABLE")[0]) for level, text in said
    ]
    assert ("INFO", result.summary_line()) in said

    caplog.clear()
    with pytest.raises(ConfirmationRequired) as truncate:
        api.truncate("events", env=B)
    emptied = api.truncate("events", env=B, yes=True, backup=False)
    restored = api.restore("events", B, backup=result.backup.name, into="events-old")

    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert ("INFO", f"truncate refused: {truncate.value}") in said
    assert any(text.startswith("truncate started: events (acct-b)") for _, text in said)
    assert ("INFO", emptied.summary_line()) in said
    assert ("INFO", restored.summary_line()) in said


def test_retry_records_name_each_call_by_dynamodbs_operation_name(
    servers: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every retry record names its call as DynamoDB does (DescribeTable, Query, Scan,
    BatchWriteItem...), never a Python method's name (``scan``)."""
    monkeypatch.setattr(
        botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0
    )
    a, _ = servers
    create_events(client_for(A), "tl1")
    put_all(client_for(A), "tl1", events_items(devices=2, per_device=3))
    throttled: set[str] = set()

    def first_call_of_each_operation_throttled(op: str, body: dict[str, Any]) -> Action:
        if op in throttled:
            return None
        throttled.add(op)
        return Answer.throttled()

    caplog.set_level(logging.DEBUG, logger="dynamo_magic")
    with FaultProxy(a.url, first_call_of_each_operation_throttled) as proxy:
        use_profiles({A: proxy.url}, tmp_path / "profiles", monkeypatch)
        assert len(api.query("tl1", 1, env=A)) == 3
        assert len(api.scan("tl1", env=A)) == 6

    said = [r.getMessage() for r in caplog.records if "botocore retried it" in r.getMessage()]
    assert sorted(text.split(":")[0] for text in said) == [
        "DescribeTable 'tl1'",
        "Query 'tl1'",
        "Scan 'tl1'",
    ]


def test_a_load_logs_itself_as_a_load(servers: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dynamo_magic")
    create_events(client_for(B))
    frame = pd.DataFrame({"device": [1, 2], "seq": [10, 20], "value": [0.5, 1.5]})

    result = api.put_df(frame, "events", env=B)

    said = [r.getMessage() for r in caplog.records]
    assert isinstance(result, CopyResult) and result.written == 2
    assert any(text.startswith(f"load started: {result.source} -> events") for text in said)
    assert not any(text.startswith("copy started") for text in said)
