"""The copy front ends for real: ``dynamo copy/restore/backups/truncate`` as processes (and
``cli.main`` in this process where a fault must be injected), ``%dynamo_copy`` and
``%dynamo_restore`` through the session's IPython shell; both "accounts" are moto servers.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from dynamo_magic import cli, environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.settings import set_settings
from dynamo_magic.transfer.engine import CopyResult
from dynamo_magic.transfer.plan import CopyPlan

from conftest import (
    A,
    B,
    client_for,
    dynamo,
    dynamo_many,
    ok,
    one_error_line,
    reset_magic,
    subprocess_env,
    table_items,
)
from fault_injection import Faults
from tables import (
    create_events,
    create_keyed,
    create_orders,
    events_items,
    order_item,
    orders_items,
    put_all,
    scan_all,
)


def tables_in(profile: str) -> list[str]:
    return client_for(profile).list_tables()["TableNames"]


def backup_of(summary: str) -> str:
    match = re.search(r"; backup (\S+)", summary)
    assert match, summary
    return match.group(1)


@pytest.fixture
def orders_a(servers):
    """``orders`` (30 items, every attribute type, GSIs and an LSI) in account A."""
    client = client_for(A)
    create_orders(client)
    put_all(client, "orders", orders_items())
    return client


# -- dynamo copy ---------------------------------------------------------------------------------
def test_cli_copy_confirmation_dry_run_refusals_and_slice(orders_a):
    copy = ["copy", "-t", "orders", "-src", A, "-tgt", B, "--no-progress"]
    runs = dynamo_many(
        {
            "copy": copy,
            "dry run": [*copy, "--target-table", "fresh", "--dry-run"],
            "same table": ["copy", "-t", "orders", "-src", A, "-tgt", A, "--yes"],
            "unknown env": [
                *("copy", "-t", "orders", "-src", "nope", "-tgt", B, "--no-progress"),
                *("--target-table", "nowhere", "--yes"),
            ],
        }
    )
    (line,) = ok(runs["copy"]).splitlines()  # the one-line summary
    assert line.startswith("copy OK: 30 written, 0 deleted, 0 failed")
    assert "verification count: OK (source 30, target 30)" in line
    assert table_items(B, "orders") == table_items(A, "orders")

    plan = ok(runs["dry run"])
    assert plan.startswith("Copy plan (nothing written)")
    assert "will be created" in plan and "30 (exact)" in plan
    assert "same table" in one_error_line(runs["same table"])
    assert "unknown environment 'nope'" in one_error_line(runs["unknown env"])
    assert sorted(tables_in(B)) == ["orders"]  # neither "fresh" nor "nowhere" was created
    assert len(scan_all(orders_a, "orders")) == 30

    # onto the now non-empty target: refused without --yes, nothing changes, no backup
    put_all(client_for(B), "orders", [order_item(9, 1)])  # a target-only item replace deletes
    before = table_items(B, "orders")
    assert "--yes" in one_error_line(dynamo(*copy))
    assert table_items(B, "orders") == before
    assert not client_for(B).list_backups()["BackupSummaries"]

    confirmed = ok(dynamo(*copy, "--yes")).strip()
    assert confirmed.startswith("copy OK: 30 written, 1 deleted")
    assert table_items(B, "orders") == table_items(A, "orders")
    backup = backup_of(confirmed)
    slice_copy = [*copy, "--target-table", "slice", "-pk", "c1", "-sk", "2024-01-0"]
    runs = dynamo_many({"backups": ["backups", "-t", "orders", "-e", B], "slice": slice_copy})
    listed = ok(runs["backups"])
    assert backup in listed and "AVAILABLE" in listed
    assert ok(runs["slice"]).startswith("copy OK: 9 written")
    expected = {
        k: v
        for k, v in table_items(A, "orders").items()
        if v["customer"] == {"S": "c1"} and v["order-date"]["S"].startswith("2024-01-0")
    }
    assert len(expected) == 9 and table_items(B, "slice") == expected


def test_cli_merges_an_index_slice_into_a_target_without_the_index(orders_a):
    target = client_for(B)
    create_keyed(target, "plain", ("customer", "S"), ("order-date", "S"))  # no index
    put_all(target, "plain", [order_item(8, 1)])  # a target-only item merge leaves alone
    copy = ["copy", "-t", "orders", "-src", A, "-tgt", B, "--target-table", "plain"]
    copy += ["-i", "status-total", "--pk", "open", "--no-progress"]
    runs = dynamo_many(
        {
            "dry run": [*copy, "--mode", "merge", "--dry-run"],
            "unconfirmed": [*copy, "--mode", "merge"],
            "replace": [*copy, "--yes"],
        }
    )
    plan = ok(runs["dry run"])
    assert plan.startswith("Copy plan (nothing written)") and "mode merge" in plan
    assert "its slice is not counted: it lacks index 'status-total'" in plan
    assert "look every source item up in the target by key" in plan
    assert "--yes" in one_error_line(runs["unconfirmed"])
    refused = one_error_line(runs["replace"])
    assert "target 'plain' lacks index 'status-total'" in refused and "--mode merge" in refused
    assert len(scan_all(target, "plain")) == 1  # nothing written so far

    (line,) = ok(dynamo(*copy, "--mode", "merge", "--yes")).splitlines()
    assert line.startswith("copy OK: 15 written, 0 deleted, 0 failed")
    assert "verification count: OK (source 15, target 15)" in line
    expected = {k: v for k, v in table_items(A, "orders").items() if v["status"]["S"] == "open"}
    after = table_items(B, "plain")
    assert {k: after[k] for k in expected} == expected and len(after) == 16


# -- dynamo truncate / backups / restore ---------------------------------------------------------
def test_cli_truncate_backups_and_restore(servers):
    target = client_for(B)
    create_orders(target)
    put_all(target, "orders", orders_items())
    original = table_items(B, "orders")

    assert "--yes" in one_error_line(dynamo("truncate", "-t", "orders", "-e", B))
    assert table_items(B, "orders") == original
    truncated = ok(dynamo("truncate", "-t", "orders", "-e", B, "--yes"))
    (line,) = truncated.splitlines()  # reported as a truncate: no copy, no verification
    assert line.startswith("truncate OK: 30 deleted, 0 failed, 0 retried in ")
    assert "copy" not in line and "verification" not in line
    assert scan_all(target, "orders") == []
    backup = backup_of(truncated)
    assert backup in ok(dynamo("backups", "-t", "orders", "-e", B))

    in_place = ["restore", "-t", "orders", "-e", B, "--backup", "latest", "--in-place"]
    assert "--yes" in one_error_line(dynamo(*in_place))
    assert scan_all(target, "orders") == []
    restored = ok(dynamo(*in_place, "--yes"))
    assert (
        restored.strip()
        .splitlines()[-1]
        .startswith(f"restore OK: backup '{backup}' into 'orders' in place (copy OK: 30 written")
    )
    assert table_items(B, "orders") == original
    # one line, RestoreResult.summary_line(), naming the new table
    (line,) = ok(dynamo("restore", "-t", "orders", "-e", B, "--into", "orders-new")).splitlines()
    assert "'orders-new'" in line
    assert table_items(B, "orders-new") == original
    assert sorted(tables_in(B)) == ["orders", "orders-new"]  # the temporary table is gone


# -- exit code 1: items left unwritten -----------------------------------------------------------
@pytest.fixture
def unwritten(servers, isolated_aws, tmp_path, monkeypatch) -> Faults:
    """200 events in A, an empty events table in B that leaves 30% of each batch unprocessed,
    no retries: a copy ends with items left unwritten (saved to a file in ``tmp_path``)."""
    monkeypatch.chdir(tmp_path)
    (isolated_aws / "dynamo_magic.toml").write_text("max_retries = 0\n")
    set_settings(None)
    source = client_for(A)
    create_events(source)
    put_all(source, "events", events_items(devices=2, per_device=100))
    create_events(client_for(B))
    faults = Faults(unprocessed=0.3)
    faults.install(clients.client(environments.resolve(B)))
    return faults


def test_cli_exit_1_names_the_file_of_unwritten_items(unwritten, tmp_path, capsys):
    faults = unwritten

    code = cli.main(
        ["copy", "-t", "events", "-src", A, "-tgt", B, "--backend", "threading", "--no-progress"]
    )

    out, err = capsys.readouterr()
    assert code == 1 and out == "" and faults.held_back > 0
    checkpoint, line = err.strip().splitlines()  # the checkpoint first, named before writing
    assert checkpoint.startswith("Checkpoint: ")
    assert line.startswith("Error: copy FAILED: ")
    saved = Path(re.search(r"unwritten items saved to (\S+)", line).group(1))
    assert saved.parent == tmp_path and saved.exists()
    failed = int(re.search(r"([\d,]+) failed", line).group(1).replace(",", ""))
    assert failed == len(saved.read_text().splitlines()) > 0
    assert len(scan_all(client_for(B), "events")) == 200 - failed


# -- Ctrl-C --------------------------------------------------------------------------------------
def session_processes(sid: int) -> list[psutil.Process]:
    """Live (not zombie) processes of the session ``sid``."""
    found = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) == sid and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (ProcessLookupError, PermissionError, psutil.NoSuchProcess):
            continue
    return found


def target_count(client) -> int:
    try:
        return client.scan(TableName="events", Select="COUNT")["Count"]
    except client.exceptions.ResourceNotFoundException:
        return 0


CTRL_C_COPY = ["copy", "-t", "events", "-src", A, "-tgt", B, "--backend", "loky", "--workers", "2"]


WRITTEN_BEFORE_CTRL_C = 250  # ten batches: their counts have surely reached the parent


def test_ctrl_c_stops_every_worker_and_reports_what_was_done(servers):
    source, target = client_for(A), client_for(B)
    create_events(source)
    put_all(source, "events", events_items(devices=10, per_device=500))  # 5,000: seconds
    copy = subprocess.Popen(  # with its progress bar, as in a terminal
        [sys.executable, "-m", "dynamo_magic.cli", *CTRL_C_COPY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 60
        while target_count(target) < WRITTEN_BEFORE_CTRL_C:  # batches done and reported
            assert copy.poll() is None, copy.communicate()
            assert time.monotonic() < deadline, "the copy wrote too little in 60 s"
            time.sleep(0.05)
        os.killpg(copy.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group gets it
        out, err = copy.communicate(timeout=20)  # stops promptly
        deadline = time.monotonic() + 5  # a moment for workers to notice their parent is gone
        while session_processes(copy.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_processes(copy.pid) == []  # no orphan worker or manager
    finally:
        if copy.poll() is None or session_processes(copy.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(copy.pid, signal.SIGKILL)  # only the group this test started
            copy.wait()

    written_at_exit = target_count(target)
    assert copy.returncode == 1, err
    output = out + err
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    (line,) = [line for line in err.splitlines() if "Error: " in line]  # after the bar
    assert line.startswith("Error: copy INTERRUPTED: ")
    reported = int(re.search(r"INTERRUPTED: ([\d,]+) written", line).group(1).replace(",", ""))
    assert 0 < reported == written_at_exit < 5000  # exactly what landed; stopped mid-copy
    time.sleep(1)
    assert target_count(target) == written_at_exit  # nothing kept writing after the exit


# -- %dynamo_copy / %dynamo_restore --------------------------------------------------------------
@pytest.fixture
def magics(shell, orders_a):
    """The registered DynamoMagic at its defaults, on this test's servers and settings."""
    reset_magic(shell)
    shell.user_ns.pop("res", None)
    return shell


def run(shell: InteractiveShell, capsys, source: str):
    result = shell.run_cell(source)
    captured = capsys.readouterr()
    return result, captured.out + captured.err


def test_magic_copy_dry_run_confirmation_and_out(magics, capsys):
    shell = magics
    result, output = run(shell, capsys, "%dynamo_copy orders --source acct-a --target acct-b")
    assert result.success, output
    copied = result.result
    assert isinstance(copied, CopyResult) and copied.ok and copied.written == 30
    assert output.startswith("copy OK: 30 written")
    html = copied._repr_html_()
    assert "<table" in html and "items written" in html
    assert table_items(B, "orders") == table_items(A, "orders")

    plan = shell.run_line_magic(
        "dynamo_copy", "orders --source acct-a --target acct-b --target-table fresh --dry-run"
    )
    assert isinstance(plan, CopyPlan) and plan.create_target
    assert "nothing written" in plan._repr_html_()
    assert tables_in(B) == ["orders"]

    put_all(client_for(B), "orders", [order_item(9, 1)])
    before = table_items(B, "orders")
    result, output = run(shell, capsys, "%dynamo_copy orders --source acct-a --target acct-b")
    assert isinstance(result.error_in_exec, UsageError), output
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: ") and "--yes" in lines[0]
    assert table_items(B, "orders") == before

    result, output = run(
        shell, capsys, "%dynamo_copy -t orders -src acct-a -tgt acct-b --yes --no-progress -o res"
    )
    assert result.success and result.result is None, output
    stored = shell.user_ns["res"]
    assert isinstance(stored, CopyResult) and stored.deleted == 1 and stored.backup is not None
    assert "stored in res" in output
    assert table_items(B, "orders") == table_items(A, "orders")

    listed = shell.run_line_magic("dynamo_restore", "orders --env acct-b")
    assert isinstance(listed, pd.DataFrame)
    assert listed["name"].tolist() == [stored.backup.name]
    assert listed["status"].tolist() == ["AVAILABLE"]
    capsys.readouterr()  # the listing's output
    for bad in ("T", "be fore"):  # DynamoDB's rule for table names, one line, nothing made
        result, output = run(
            shell, capsys, f"%dynamo_restore orders --env acct-b --backup latest --into '{bad}'"
        )
        assert isinstance(result.error_in_exec, UsageError), output
        assert "Traceback" not in output
        lines = output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(
            f"UsageError: --into: '{bad}' is not a DynamoDB table name"
        ), output
    assert tables_in(B) == ["orders"]
    result, output = run(shell, capsys, "%dynamo_restore orders --env acct-b --into before")
    assert result.success, output
    assert table_items(B, "before") == before  # the backup holds the target as it was
    result, output = run(shell, capsys, "%dynamo_restore orders --env acct-b --in-place")
    assert isinstance(result.error_in_exec, UsageError) and "--yes" in output
    assert "Traceback" not in output


def test_a_failed_magic_copy_shows_its_summary_once(magics, unwritten, tmp_path, capsys):
    """The result is displayed (its table, every count) and the error is one short line
    saying what went wrong: the summary is not shown a second time in the error."""
    faults = unwritten

    result, output = run(
        magics,
        capsys,
        f"%dynamo_copy events --source {A} --target {B} --backend threading --no-progress --yes",
    )

    assert isinstance(result.error_in_exec, UsageError) and faults.held_back > 0, output
    assert output.count(" retried in ") == 1, output  # the summary's counts, once
    error = [line for line in output.splitlines() if line.startswith("UsageError: ")]
    failed = int(re.search(r"([\d,]+) failed", output).group(1).replace(",", ""))
    saved = next(tmp_path.glob("dynamo-failed-*"))
    assert len(error) == 1 and " written, " not in error[0], error
    assert error[0].startswith(f"UsageError: copy FAILED: {failed} failed; verification count: ")
    assert error[0].endswith(
        f"; unwritten items saved to {saved} (the result above has every count)"
    )
