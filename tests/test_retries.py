"""Throttled and failing reads, against moto servers with faults injected at the HTTP level
(tests/fault_injection.py): reads retry with the writes' policy, and a copy that still fails
ends as ``CopyFailed`` whose result says what was done.

The faults are installed on the cached clients of this process, so copies run on the
threading backend (workers share those clients). botocore's own backoff is made instant
(``fast_botocore``) and the settings' backoff tiny, so the tests stay fast while every
attempt still goes through both retry layers.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import botocore.retries.standard
import pytest
from IPython.core.error import UsageError

import dynamo_magic.api as api
from dynamo_magic import cli, environments
from dynamo_magic.dynamodb import clients, retry
from dynamo_magic.errors import CopyFailed, EndpointUnreachable, Throttled
from dynamo_magic.settings import get_settings, set_settings
from dynamo_magic.transfer import engine as copying
from dynamo_magic.transfer import verify
from dynamo_magic.transfer.sinks import FailedItemsFile
from dynamo_magic.transfer.sources import Side

from conftest import A, B, client_for, reset_caches, reset_magic, write_profiles
from fault_injection import FailSends
from moto_servers import MotoServer
from tables import create_events, events_items, put_all, scan_all

HTTP_ATTEMPTS = clients.HTTP_ATTEMPTS  # botocore's attempts per call (standard mode)
MAX_RETRIES = 3


@pytest.fixture(autouse=True)
def fast_botocore(monkeypatch):
    """botocore retries as configured, without waiting; our backoff tiny."""
    monkeypatch.setattr(
        botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0
    )


@pytest.fixture
def small_backoff(servers):
    set_settings(
        get_settings().replace(max_retries=MAX_RETRIES, backoff_base=0.001, backoff_cap=0.004)
    )


@pytest.fixture
def events(servers, small_backoff):
    """200 events of 40 devices in A (moto spreads 40 partitions over scan segments; a few
    would all land in one), an empty events table in B."""
    source = client_for(A)
    create_events(source)
    put_all(source, "events", events_items(devices=40, per_device=5))
    create_events(client_for(B))
    return source


def faults_on(profile: str, faults: FailSends) -> FailSends:
    """Install on the client the copy (and its threads) will use in this process."""
    return faults.install(clients.client(environments.resolve(profile)))


def target_keys() -> set[tuple[str, str]]:
    return {(i["device"]["N"], i["seq"]["N"]) for i in scan_all(client_for(B), "events")}


# -- (a) a page throttled more often than botocore retries: the copy still succeeds -------------
def test_scan_page_throttled_many_times_in_a_row_is_retried_and_verified(events):
    # 9 consecutive throttles on the second scan page: botocore's 4 attempts fail twice over,
    # so the read layer must retry the page (twice) before it goes through. One worker: the
    # segments run in turn, so the throttled page is the copy's
    faults = faults_on(A, FailSends("Scan", times=9, after=1))

    result = api.copy(
        "events", source=A, target=B, backend="threading", workers=1, segments=2, verify="full"
    )

    assert faults.failed == 9  # the faults really happened
    assert result.ok and result.written == 200 and result.verification.ok
    # every throttled attempt was sent again: 3 + 3 by botocore, 2 by the read layer, 1 more
    # by botocore (botocore's retries are counted, not only the read layer's 2)
    assert result.retried == faults.failed == 9
    assert len(target_keys()) == 200


# -- (b) reads throttled for good: CopyFailed with what was written ------------------------------
def test_reads_throttled_for_good_end_as_copy_failed_with_the_result(events):
    faults = faults_on(A, FailSends("Scan", times=None, after=2))

    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, backend="threading", workers=1, segments=4)

    result = failure.value.result
    written = target_keys()
    assert 0 < len(written) < 200  # two segments were copied before the reads failed
    assert result.written == len(written) and result.failed == 0 and not result.ok
    assert result.verification.ok is None  # not verified: the copy did not finish
    assert faults.failed == HTTP_ATTEMPTS * (MAX_RETRIES + 1)  # both layers, then gave up
    # the failing task never returned its counts: its retries were reported as they were made
    # (every failed attempt but the last was sent again, by botocore or by the read layer)
    assert result.retried == faults.failed - 1
    message = str(failure.value)
    assert f"0 failed, {faults.failed - 1} retried" in message
    assert "\n" not in message and message.startswith("copy FAILED:")
    assert "ProvisionedThroughputExceededException" in message
    assert f"after {MAX_RETRIES} retries" in message and "run it again" in message
    assert isinstance(failure.value.__cause__, Throttled)


def test_key_lookups_retried_while_pruning_are_counted(events):
    """Replace checks the source for every target key before deleting it (BatchGetItem):
    those calls retry like the others, and their retries count in the result."""
    extra = [{"device": {"N": "99"}, "seq": {"N": str(s)}} for s in range(5)]
    put_all(client_for(B), "events", events_items(devices=1, per_device=5) + extra)
    faults = faults_on(A, FailSends("BatchGetItem", times=HTTP_ATTEMPTS + 1))

    result = api.copy(
        "events", source=A, target=B, backend="threading", workers=1, segments=1, yes=True
    )

    assert faults.failed == HTTP_ATTEMPTS + 1  # one whole call failed, then one attempt more
    assert result.ok and result.deleted == len(extra) and len(target_keys()) == 200
    # the first BatchGetItem of the prune was sent again after each failed attempt
    assert result.retried == faults.failed


def test_a_response_cut_off_is_retried_like_a_lost_connection(events):
    """A 200 whose body never arrived (the server died while answering) is not an empty page
    and not a crash: the page is asked for again."""
    faults = faults_on(A, FailSends("Scan", times=2, after=1, error="cut"))

    result = api.copy("events", source=A, target=B, backend="threading", workers=1, segments=2)

    assert faults.failed == 2
    assert result.ok and result.written == 200 and result.retried == 2
    assert len(target_keys()) == 200


# -- (c) a lost connection mid-copy --------------------------------------------------------------
@pytest.mark.parametrize("error", ["connection", "closed"])
def test_source_lost_mid_copy_ends_as_copy_failed_with_the_result(events, error):
    faults_on(A, FailSends("Scan", times=None, after=1, error=error))

    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, backend="threading", workers=1, segments=4)

    result = failure.value.result
    assert 0 < result.written == len(target_keys()) < 200
    assert result.error and "\n" not in str(failure.value)
    if error == "connection":
        assert isinstance(failure.value.__cause__, EndpointUnreachable)
        assert "cannot reach the DynamoDB endpoint" in result.error


def test_target_lost_mid_copy_stops_and_saves_the_unwritten_batch(events, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    faults = faults_on(B, FailSends("BatchWriteItem", times=None, after=3, error="closed"))

    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, backend="threading", workers=1, segments=1)

    result = failure.value.result
    saved = [json.loads(line) for line in Path(result.failed_file).read_text().splitlines()]
    # three batches of 25 written; the batches in flight when the target went (the worker
    # keeps WRITES_PER_WORKER) failed, and the copy stopped there instead of waiting out every
    # later batch against a target that is gone: the rest of the page saved, unsent
    assert (result.written, result.failed, len(saved)) == (75, 125, 125)
    assert len(target_keys()) == 75
    assert (
        not {
            (r["PutRequest"]["Item"]["device"]["N"], r["PutRequest"]["Item"]["seq"]["N"])
            for r in saved
        }
        & target_keys()
    )
    # no batch was tried more than its attempts, and none after the stop: at most the batches
    # sent failed (those in flight), the first of them to the end of its retries
    per_batch = HTTP_ATTEMPTS * (MAX_RETRIES + 1)
    assert per_batch <= faults.failed <= len(saved) // 25 * per_batch
    # every failed attempt was sent again (by botocore, then by the writer) but the last one of
    # each batch saved as failed
    assert faults.failed - len(saved) // 25 <= result.retried < faults.failed
    assert result.failed_file in str(failure.value)


def test_truncate_that_fails_says_what_it_deleted(events):
    set_settings(get_settings().replace(workers=1, segments=4))
    faults = faults_on(A, FailSends("Scan", times=None, after=2))

    with pytest.raises(CopyFailed) as failure:
        api.truncate("events", env=A, yes=True, backup=False)

    result = failure.value.result
    left = len(scan_all(client_for(A), "events"))
    assert 0 < result.deleted == 200 - left < 200
    assert "ProvisionedThroughputExceededException" in result.error
    assert result.retried == faults.failed - 1


def test_cli_prints_the_summary_and_the_error_and_exits_1(events, capsys):
    faults_on(A, FailSends("Scan", times=None, after=2))

    options = ["--backend", "threading", "--workers", "1", "--segments", "4", "--no-progress"]
    code = cli.main(["copy", "-t", "events", "-src", A, "-tgt", B, *options])

    out, err = capsys.readouterr()
    # the checkpoint (named before anything is written), the error, the command that resumes it
    checkpoint, line, resume = err.strip().splitlines()
    assert checkpoint.startswith("Checkpoint: ")
    assert resume.startswith("Resume it with: dynamo copy -t events") and "--resume " in resume
    assert code == 1 and out == ""
    written = len(target_keys())
    assert line.startswith(f"Error: copy FAILED: {written:,} written") and 0 < written < 200
    assert "stopped by: Scan 'events': ProvisionedThroughputExceededException" in line


def test_magic_shows_the_result_and_a_one_line_usage_error(shell, events, capsys):
    reset_magic(shell)  # the traits are the settings in effect (here a 0.004 s cap)
    set_settings(
        get_settings().replace(max_retries=MAX_RETRIES, backoff_base=0.001, backoff_cap=0.004)
    )
    faults_on(A, FailSends("Scan", times=None, after=2))

    outcome = shell.run_cell(
        "%dynamo_copy events --source acct-a --target acct-b --backend threading "
        "--workers 1 --segments 4 --no-progress"
    )

    output = capsys.readouterr()
    text = output.out + output.err
    assert isinstance(outcome.error_in_exec, UsageError) and "Traceback" not in text
    error, resume = str(outcome.error_in_exec).splitlines()  # one short line, then the resume
    assert error.startswith("copy FAILED:")
    assert resume.startswith("Resume it with: %dynamo_copy events --source acct-a --target")
    assert text.count("copy FAILED:") == 2  # the result was shown, then the error


# -- (d) query and scan into DataFrames survive transient throttling ---------------------------
def test_query_scan_and_partiql_into_dataframes_survive_throttling(events):
    query_faults = faults_on(A, FailSends("Query", times=6))
    frame = api.query("events", 2, env=A)
    assert len(frame) == 5 and query_faults.failed == 6
    # each of the 6 throttled attempts was sent again: 3 + 2 by botocore, 1 by the read layer
    assert frame.attrs["dynamo_magic"]["retried"] == query_faults.failed == 6
    assert "6 call(s) retried" in frame.attrs["dynamo_magic"]["summary"]

    scan_faults = faults_on(A, FailSends("Scan", times=5))
    assert len(api.scan("events", env=A, segments=3)) == 200 and scan_faults.failed == 5

    statement_faults = faults_on(A, FailSends("ExecuteStatement", times=5))
    frame = api.partiql('SELECT * FROM "events" WHERE device = ?', [3], env=A)
    assert len(frame) == 5 and statement_faults.failed == 5


def test_describe_table_is_retried(events):
    faults = faults_on(A, FailSends("DescribeTable", times=5, when=lambda body: True))
    assert api.describe("events", env=A).key.names == ("device", "seq")
    assert faults.failed == 5


def test_a_refused_first_connection_is_not_retried_beyond_botocore(events):
    # the first call to an environment: a wrong endpoint must fail at once, not after backoff
    faults = faults_on(A, FailSends("DescribeTable", None, error="connection", when=lambda b: 1))
    with pytest.raises(EndpointUnreachable):
        api.query("events", 1, env=A)
    assert faults.failed == HTTP_ATTEMPTS


# -- (e) the delays follow the policy ------------------------------------------------------------
def test_backoff_delays_follow_the_policy_and_the_limit(events, monkeypatch):
    set_settings(get_settings().replace(max_retries=6, backoff_base=0.01, backoff_cap=0.03))
    delays: list[float] = []
    monkeypatch.setattr(retry, "sleep", delays.append)
    faults = faults_on(A, FailSends("Query", times=None))

    with pytest.raises(Throttled) as failure:
        api.query("events", 1, env=A)

    assert faults.failed == HTTP_ATTEMPTS * (6 + 1)  # each of our 7 calls: 4 HTTP attempts
    assert len(delays) == 6
    bounds = [min(0.03, 0.01 * 2**attempt) for attempt in range(6)]  # capped, doubling
    assert all(0 <= d <= bound for d, bound in zip(delays, bounds, strict=True))
    assert len(set(delays)) == 6  # full jitter: random within the bound
    assert "\n" not in str(failure.value) and "after 6 retries" in str(failure.value)


def test_retry_policy_reaches_every_worker_task(servers, small_backoff):
    create_events(client_for(A))
    engine = copying.Engine.from_settings(get_settings(), 10, workers=2, segments=3)
    side = Side(environments.resolve(A), "events")
    assert engine.policy == retry.RetryPolicy(MAX_RETRIES, 0.001, 0.004)
    failed = FailedItemsFile("unused.jsonl")
    plan = api.plan_copy("events", source=A, target=B, verify="full")
    tasks = copying.copy_tasks(plan, engine, failed)
    tasks += copying.prune_tasks(side, ("device",), engine, failed)
    tasks += copying.prune_tasks(side, ("device",), engine, failed, {"x": 1})
    tasks += [v.task for v in verify.verify_tasks("target", side, "count", plan, engine)]
    tasks += [v.task for v in verify.source_verify_tasks(plan, engine)]
    assert [t.name for t in tasks] == ["copy"] * 3 + ["delete"] * 4 + ["verify target"] * 3 + [
        "verify source"
    ] * 3
    assert {task.policy for task in tasks} == {engine.policy}


def test_a_worker_exception_ends_as_copy_failed_with_the_result(events, monkeypatch):
    real = copying.run_task
    calls = []

    def breaks_on_the_third_segment(task, channel):
        calls.append(task.source.segment)
        if len(calls) == 3:
            raise MemoryError("worker ran out of memory")
        return real(task, channel)

    monkeypatch.setattr(copying, "run_task", breaks_on_the_third_segment)

    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, backend="threading", workers=1, segments=4)

    result = failure.value.result
    assert 0 < result.written == len(target_keys()) < 200
    assert "MemoryError: worker ran out of memory" in result.error
    assert "\n" not in str(failure.value) and isinstance(failure.value.__cause__, MemoryError)


# -- a real server gone mid-copy, with worker processes ------------------------------------------
def test_source_server_killed_mid_copy_with_worker_processes(servers, isolated_aws, monkeypatch):
    """No injection: the source is a moto server of its own, killed while loky workers copy.
    Their scans find the port closed; after botocore's and the policy's retries the copy
    ends as CopyFailed, and its result counts exactly what reached the target."""
    _, b = servers
    gone = MotoServer.start()
    try:
        for var, value in write_profiles(isolated_aws, {"doomed": gone.url, B: b.url}).items():
            monkeypatch.setenv(var, value)
        reset_caches()  # the copy's worker processes are its own: they start with these files
        set_settings(get_settings().replace(max_retries=1, backoff_base=0.001, backoff_cap=0.004))
        source = client_for("doomed")
        create_events(source)
        put_all(source, "events", events_items(devices=400, per_device=5))
        create_events(client_for(B))
        outcome: dict[str, BaseException] = {}

        def run_copy() -> None:
            try:
                api.copy(
                    "events",
                    source="doomed",
                    target=B,
                    backend="loky",
                    workers=2,
                    segments=128,
                    verify="none",
                )
            except BaseException as exc:  # handed to the test thread
                outcome["error"] = exc

        copier = threading.Thread(target=run_copy)
        copier.start()
        target, deadline = client_for(B), time.monotonic() + 60
        while time.monotonic() < deadline:  # kill the source as soon as copying has begun
            if target.scan(TableName="events", Select="COUNT")["Count"]:
                break
            time.sleep(0.02)
        gone.process.kill()
        gone.process.wait()
        copier.join(timeout=120)
    finally:
        gone.process.kill()
        gone.process.wait()

    assert not copier.is_alive()
    failure = outcome.get("error")
    assert isinstance(failure, CopyFailed), (failure, len(target_keys()))
    result = failure.result
    assert 0 < result.written == len(target_keys()) < 2000
    assert result.error and "\n" not in str(failure)
    # the failing workers' retries (max_retries=1 each) reached the caller before they raised
    assert result.retried >= 1 and f"{result.retried:,} retried" in str(failure)
