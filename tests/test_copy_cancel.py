"""Stopping a copy (issue 14 §1, §6): Cancel, Ctrl-C in a terminal and a kernel interrupt stop
every worker within the request it has in flight, whatever the page size or backend, and the
result counts exactly what the target acknowledged.

The target is a moto server behind ``proxy.FaultProxy``, which delays every BatchWriteItem
(a slow target) and stops the copy itself when the ``STOP_AT``-th one arrives (sets the cancel
flag, or sends SIGINT), so the stop lands while a call is in flight and more pages' worth of
batches are left. The source is one scan page per worker (``ITEMS`` small items): before the
fix a worker wrote the rest of its page (~20 batches) after a stop.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from botocore.exceptions import ClientError
from IPython.core.error import UsageError

import dynamo_magic as dm
from dynamo_magic import environments
from dynamo_magic.dynamodb import clients, read, retry
from dynamo_magic.dynamodb.retry import Interrupted, RetryPolicy
from dynamo_magic.dynamodb.write import BatchWriter, batch_get, deletes, puts
from dynamo_magic.settings import get_settings, set_settings
from dynamo_magic.transfer import parallel
from dynamo_magic.transfer.engine import WRITES_PER_WORKER
from dynamo_magic.transfer.messages import Checkpoint, Finished
from dynamo_magic.transfer.operation import Tally
from dynamo_magic.transfer.parallel import NoProgress
from dynamo_magic.transfer.tasks import TaskResult

from conftest import A, B, loky_workers, server_profiles, subprocess_env, use_profiles
from moto_servers import MotoServer
from proxy import Action, Call, FaultProxy, Forward, HoldBack, Rule
from tables import create_events, events_items, put_all, scan_all

ITEMS = 1_000  # ~40 batches: one scan page (~50 bytes an item) per worker
DELAY = 0.3  # seconds every BatchWriteItem spends in the proxy: the stop lands mid-call
STOP_AT = 3  # the BatchWriteItem call whose arrival stops the copy
TIMEOUT = 120  # seconds a copy process may take at most (a hang guard, not a measurement)
# (backend, workers): one worker in threads (joblib runs it in the calling process), and
# loky's worker processes
BACKENDS = [("threading", 1), ("loky", 2)]
# BatchWriteItem calls that may arrive after the one that stops the copy: the others each
# worker had in flight then (sent before the stop, answered and counted); none sent after it
IN_FLIGHT = WRITES_PER_WORKER - 1


class StopAt:
    """A proxy rule: every BatchWriteItem waits ``DELAY`` s; the arrival of the ``at``-th runs
    ``stop()`` (once, before that call goes on), and the calls that arrive after it are
    counted in ``after`` (a call racing with ``stop()`` counts as after)."""

    def __init__(self, stop: Callable[[], None], at: int = STOP_AT, delay: float = DELAY):
        self.stop, self.at, self.delay = stop, at, delay
        self.arrived = 0
        self.after = 0
        self._lock = threading.Lock()

    def __call__(self, op: str, body: dict[str, Any]) -> Action:
        if op != "BatchWriteItem":
            return None
        with self._lock:
            self.arrived += 1
            number = self.arrived
            if number > self.at:
                self.after += 1
        if number == self.at:
            self.stop()
        return Forward(self.delay)


@pytest.fixture
def source(servers: tuple[MotoServer, MotoServer]) -> MotoServer:
    """``ITEMS`` events in A; B empty (the copy creates its table)."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(devices=4, per_device=ITEMS // 4))
    return servers[0]


@pytest.fixture
def slow_target(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Rule], FaultProxy]]:
    """``slow_target(rule)``: profile acct-b now reaches server B through a proxy with ``rule``."""
    proxies: list[FaultProxy] = []

    def behind(rule: Rule) -> FaultProxy:
        proxy = FaultProxy(servers[1].url, rule)
        proxies.append(proxy)
        endpoints = server_profiles(*servers) | {B: proxy.url}
        use_profiles(endpoints, tmp_path / "proxied", monkeypatch)
        return proxy

    (tmp_path / "proxied").mkdir()
    yield behind
    for proxy in proxies:
        proxy.close()


def _done(call: Call) -> bool:
    return call.answered is not None or call.forwarded is not None


def in_target(server: MotoServer, proxy: FaultProxy | None = None) -> int:
    """Items in B's events table, scanned with plain boto3 (past the proxy) once every call
    that reached ``proxy`` is done (a call whose client was interrupted may still land)."""
    if proxy is not None:
        deadline = time.monotonic() + TIMEOUT
        while any(not _done(call) for call in proxy.calls) and time.monotonic() < deadline:
            time.sleep(0.05)
    return len(scan_all(server.client(), "events"))


# -- Cancel ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("backend", "workers"), BACKENDS)
def test_cancel_stops_every_worker_within_its_request_and_counts_exactly(
    source, servers, slow_target, backend, workers
):
    cancel = threading.Event()
    rule = StopAt(cancel.set)
    proxy = slow_target(rule)
    with pytest.raises(dm.CopyFailed) as caught:
        dm.copy(
            "events",
            source=A,
            target=B,
            workers=workers,
            segments=workers,  # one page per worker: a stop between pages came ~20 batches late
            backend=backend,
            cancel=cancel,
        )
    result = caught.value.result
    assert result.interrupted and "copy INTERRUPTED" in result.summary_line()
    # the call that set the flag was in flight; so may be the others the workers had sent
    assert rule.after <= workers * WRITES_PER_WORKER - 1
    landed = in_target(servers[1], proxy)
    assert result.written == landed  # exactly what BatchWriteItem acknowledged
    assert 0 < landed < ITEMS


def test_a_long_backoff_wakes_at_once_on_cancel(source, servers, slow_target):
    """The second batch comes back unprocessed (as from a throttled partition) and the copy is
    cancelled: the retry's backoff, of up to an hour, ends at once (the worker waits on the
    stop flag, not in time.sleep) and nothing more is sent."""
    cancel = threading.Event()
    writes: list[dict[str, Any]] = []

    def held_back_then_cancelled(op: str, body: dict[str, Any]) -> Action:
        if op != "BatchWriteItem":
            return None
        writes.append(body)
        if len(writes) == 1:
            return None  # one batch lands
        cancel.set()
        return HoldBack(lambda table, request: True)  # all of it unprocessed: a retry waits

    proxy = slow_target(held_back_then_cancelled)  # new profiles: the settings start afresh
    set_settings(get_settings().replace(backoff_base=3600.0, backoff_cap=3600.0))
    outcome: list[Any] = []

    def copy() -> None:
        try:
            dm.copy("events", source=A, target=B, workers=1, segments=1, cancel=cancel)
        except dm.CopyFailed as failed:
            outcome.append(failed.result)

    worker = threading.Thread(target=copy, daemon=True)
    worker.start()
    worker.join(TIMEOUT)  # a hang guard: the backoff alone would take up to an hour
    assert not worker.is_alive(), "the backoff did not wake on cancel"
    (result,) = outcome
    assert result.interrupted and result.written == in_target(servers[1], proxy) == 25
    # the batches in flight with the first (held back, waiting out their backoff), and at most
    # one the first batch's writer took once it was answered, before the cancel reached the
    # workers' stop flag (the flag is set from the cancel by another thread); none after it,
    # and no retry sent
    assert 2 <= len(writes) <= WRITES_PER_WORKER + 1 and result.retried == 0


# -- Ctrl-C ----------------------------------------------------------------------------------------
def test_a_kernel_interrupt_stops_within_a_request_and_counts_exactly(
    source, servers, slow_target, shell
):
    """SIGINT to this process while ``%dynamo_copy`` runs in its main thread, as a kernel
    interrupt does: one worker, run by joblib in the calling process itself."""
    rule = StopAt(lambda: os.kill(os.getpid(), signal.SIGINT))
    proxy = slow_target(rule)
    line = f"events --source {A} --target {B} --yes --workers 1 --segments 1 --no-progress"
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("dynamo_copy", line)
    message, resume = str(caught.value).splitlines()  # the short line, then how to resume
    assert message.startswith("copy INTERRUPTED: ")
    assert resume.startswith(f"Resume it with: %dynamo_copy {line} --resume ")
    reported = int(re.search(r"INTERRUPTED: ([\d,]+) written", message)[1].replace(",", ""))
    assert rule.after <= IN_FLIGHT
    assert reported == in_target(servers[1], proxy) > 0


def test_ctrl_c_to_a_copy_process_counts_exactly_what_landed(source, servers, slow_target):
    """``dynamo copy`` as a terminal's foreground job, on two loky worker processes: SIGINT
    reaches its whole process group, workers included (one worker in the calling process is
    the kernel interrupt's case above)."""
    backend, workers = "loky", 2
    started: list[subprocess.Popen[str]] = []
    rule = StopAt(lambda: os.killpg(started[0].pid, signal.SIGINT))
    proxy = slow_target(rule)
    argv = ["copy", "-t", "events", "-src", A, "-tgt", B, "--backend", backend]
    argv += ["--workers", str(workers), "--segments", str(workers), "--yes"]
    copy = subprocess.Popen(
        [sys.executable, "-m", "dynamo_magic.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    started.append(copy)
    try:
        out, err = copy.communicate(timeout=TIMEOUT)
    finally:
        if copy.poll() is None:
            os.killpg(copy.pid, signal.SIGKILL)  # only the group this test started
            copy.wait()
    assert copy.returncode == 1, err
    assert "Traceback" not in out + err and "KeyboardInterrupt" not in out + err, err
    (line,) = [line for line in err.splitlines() if "Error: " in line]  # after the bar
    assert line.startswith("Error: copy INTERRUPTED: ")
    reported = int(re.search(r"INTERRUPTED: ([\d,]+) written", line)[1].replace(",", ""))
    assert rule.after <= workers * WRITES_PER_WORKER - 1
    assert reported == in_target(servers[1], proxy) > 0


def test_an_interrupted_truncate_counts_exactly_what_was_deleted(servers, slow_target):
    """Deletes stop the same way: Ctrl-C in the calling thread while a truncate deletes one
    page of keys in batches of 25."""
    target = servers[1].client()
    create_events(target)
    put_all(target, "events", events_items(devices=4, per_device=ITEMS // 4))
    rule = StopAt(lambda: os.kill(os.getpid(), signal.SIGINT))
    proxy = slow_target(rule)  # new profiles: the settings start afresh
    set_settings(get_settings().replace(workers=1, segments=1))
    result = dm.truncate("events", B, yes=True, backup=False)
    assert result.interrupted and "truncate INTERRUPTED" in result.summary_line()
    assert rule.after <= IN_FLIGHT
    assert result.deleted == ITEMS - in_target(servers[1], proxy) > 0


def test_ctrl_c_while_waiting_for_warm_workers_ends_interrupted_with_the_backup(
    source, servers, monkeypatch
):
    """A non-empty target is backed up, then the copy waits for its loky workers to start:
    SIGINT then ends it like any other interruption (one line, the backup named), and the
    workers being started are shut down."""
    target = servers[1].client()
    create_events(target)
    put_all(target, "events", events_items(devices=1, per_device=5))
    before = loky_workers()
    real_wait = parallel.WarmUp.wait
    interrupted: list[parallel.WarmUp] = []

    def ctrl_c_while_waiting(self: parallel.WarmUp, *args: Any, **kwargs: Any) -> None:
        if not interrupted:  # the copy's wait for its workers: Ctrl-C arrives during it
            interrupted.append(self)
            os.kill(os.getpid(), signal.SIGINT)
        real_wait(self, *args, **kwargs)

    monkeypatch.setattr(parallel.WarmUp, "wait", ctrl_c_while_waiting)
    try:
        with pytest.raises(dm.CopyFailed) as caught:
            dm.copy("events", source=A, target=B, backend="loky", workers=2, yes=True)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C during the warm-up escaped as a bare KeyboardInterrupt")
    assert interrupted and interrupted[0].started
    result = caught.value.result
    assert result.interrupted and result.written == 0 and result.backup is not None
    line = result.summary_line()
    assert line.startswith("copy INTERRUPTED: 0 written") and result.backup.name in line
    assert in_target(servers[1]) == 5  # nothing written, the backup taken
    assert not interrupted[0].running  # the warm-up ended before the release
    leftover = loky_workers() - before
    for pid in leftover:  # released with the call: gone once reaped
        psutil.Process(pid).wait(10)


def test_ctrl_c_while_the_backup_is_requested_names_the_backup(source, servers, slow_target):
    """SIGINT arrives while CreateBackup is in flight: the request is answered, and the
    interrupted result names the backup that now exists (before, the Ctrl-C landed inside the
    request and the backup went unreported)."""
    target = servers[1].client()
    create_events(target)
    put_all(target, "events", events_items(devices=1, per_device=5))

    def ctrl_c_during_the_backup(op: str, body: dict[str, Any]) -> Action:
        if op == "CreateBackup":
            os.kill(os.getpid(), signal.SIGINT)  # the caller's thread: as a terminal's Ctrl-C
            return Forward(DELAY)
        return None

    proxy = slow_target(ctrl_c_during_the_backup)
    try:
        with pytest.raises(dm.CopyFailed) as caught:
            dm.copy("events", source=A, target=B, backend="threading", workers=1, yes=True)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C during the backup escaped as a bare KeyboardInterrupt")
    result = caught.value.result
    assert in_target(servers[1], proxy) == 5  # every call answered; nothing written
    (made,) = target.list_backups(TableName="events")["BackupSummaries"]
    assert result.interrupted and result.written == 0
    assert result.backup is not None and result.backup.arn == made["BackupArn"]
    assert result.backup.name in result.summary_line()


# -- every loop of requests watches the flag ------------------------------------------------------
class RecordingFlag(threading.Event):
    """An interrupt flag that records the backoff waits made on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return super().wait(timeout)


class SetAfter(RecordingFlag):
    """A flag set once ``calls`` requests of ``operation`` were answered (the client's
    ``after-call`` event)."""

    def __init__(self, client: Any, operation: str, calls: int = 1):
        super().__init__()
        self.calls, self.answered = calls, 0
        client.meta.events.register(f"after-call.dynamodb.{operation}", self._answered)

    def _answered(self, **_: Any) -> None:
        self.answered += 1
        if self.answered >= self.calls:
            self.set()


def _table_with(servers: tuple[MotoServer, MotoServer], count: int) -> Any:
    client = clients.client(environments.resolve(A))
    create_events(client)
    put_all(client, "events", events_items(devices=1, per_device=count))
    return client


@pytest.mark.parametrize("kind", ["puts", "deletes"])
def test_batch_writes_stop_between_requests(servers, kind):
    client = _table_with(servers, 100)
    flag = SetAfter(client, "BatchWriteItem")
    writer = BatchWriter(client, "events", RetryPolicy(), interrupt=flag)
    requests = (puts if kind == "puts" else deletes)(
        [{"device": {"N": "9"}, "seq": {"N": str(n)}} for n in range(100)]
    )
    with pytest.raises(Interrupted):
        writer.write(requests)
    assert flag.answered == 1  # four batches asked, one sent
    assert writer.stats.written + writer.stats.deleted == 25  # and counted


def test_key_lookups_and_pages_stop_between_requests(servers):
    client = _table_with(servers, 250)
    keys = [{"device": {"N": "1"}, "seq": {"N": str(n)}} for n in range(250)]
    flag = SetAfter(client, "BatchGetItem")
    with pytest.raises(Interrupted):
        batch_get(client, "events", keys, RetryPolicy(), interrupt=flag)
    assert flag.answered == 1  # three lookups of 100 keys asked, one sent

    flag = SetAfter(client, "Scan")
    stats = read.ReadStats()
    pages = read.iter_pages(
        client,
        "scan",
        {"TableName": "events", "Limit": 50},
        stats,
        policy=RetryPolicy(),
        interrupt=flag,
    )
    with pytest.raises(Interrupted):
        for _ in pages:
            pass
    assert flag.answered == 1 and stats.pages == 1  # five pages, one asked for


def test_a_backoff_waits_on_the_flag(monkeypatch):
    """A retry's wait is a wait on the flag (woken by a stop), never ``time.sleep``; a set flag
    sends nothing."""
    slept: list[float] = []
    monkeypatch.setattr(retry, "sleep", slept.append)
    flag = RecordingFlag()
    calls: list[int] = []

    def throttled() -> None:
        calls.append(1)
        if len(calls) == 1:
            flag.set()  # the stop arrives while the first call is in flight
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "Scan")

    policy = RetryPolicy(base=3600.0, cap=3600.0)
    with pytest.raises(Interrupted):
        retry.retrying(throttled, policy, "scan", interrupt=flag)
    assert len(calls) == 1 and len(flag.waits) == 1 and slept == []  # woke at once
    with pytest.raises(Interrupted):
        retry.retrying(throttled, policy, "scan", interrupt=flag)
    assert len(calls) == 1 and len(flag.waits) == 1  # set before the first call: none sent


def test_a_stopped_segment_keeps_its_checkpoint():
    """A segment a stop ended (``stopped``) is unfinished: its last checkpoint stays, where a
    resume starts; a finished one's is dropped."""
    tally = Tally(NoProgress())
    for segment in (0, 1):
        tally.receive(Checkpoint("copy", segment, {"device": segment}))
    tally.receive(Finished(TaskResult("copy", 0, written=25, stopped=True)))
    tally.receive(Finished(TaskResult("copy", 1, written=25)))
    assert tally.checkpoints == {("copy", 0): {"device": 0}}
