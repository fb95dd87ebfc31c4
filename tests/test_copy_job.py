"""Copies as jobs (issue 16 §1): ``start_copy`` returns a ``CopyJob`` at once; the copy runs in
the job's thread, watched (``progress``), stopped (``cancel``) and waited for (``result``).

The target is a moto server behind ``proxy.FaultProxy`` whose rule holds one BatchWriteItem
(a ``Gate``) until the test has looked at the running job: the copy is provably mid-way, with
batches acknowledged before it and more to come, without timing anything.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.transfer.result import Outcome

from conftest import server_profiles, use_profiles
from moto_servers import MotoServer
from proxy import Action, Call, FaultProxy, Forward, Gate, Rule
from tables import (
    create_events,
    create_orders,
    events_items,
    keyed,
    orders_items,
    put_all,
    scan_all,
)

A, B = "acct-a", "acct-b"
ITEMS = 600  # 24 batches of 25
HELD_AT = 5  # the BatchWriteItem the gate holds: four batches (100 items) acknowledged before it
HANG_GUARD = 60.0  # seconds any wait may take at most (a guard, not a measurement)
EVENTS_KEY = ("device", "seq")


@pytest.fixture
def source(servers: tuple[MotoServer, MotoServer]) -> MotoServer:
    """``ITEMS`` events in A; B empty (the copy creates its table)."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(devices=4, per_device=ITEMS // 4))
    return servers[0]


@pytest.fixture
def proxied(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., FaultProxy]]:
    """``proxied(rule, profile)``: ``profile`` (default: acct-b) now reaches its server through
    a proxy with ``rule`` (each call adds one)."""
    proxies: list[FaultProxy] = []
    endpoints = server_profiles(*servers)

    def behind(rule: Rule, profile: str = B) -> FaultProxy:
        proxy = FaultProxy(endpoints[profile] or "", rule)
        proxies.append(proxy)
        endpoints[profile] = proxy.url
        use_profiles(endpoints, tmp_path / "proxied", monkeypatch)
        return proxy

    (tmp_path / "proxied").mkdir()
    yield behind
    for proxy in proxies:
        proxy.close()


def _done(call: Call) -> bool:
    return call.answered is not None or call.forwarded is not None


def in_target(server: MotoServer, proxy: FaultProxy) -> int:
    """Items in B's events table once every call that reached ``proxy`` is done."""
    deadline = time.monotonic() + HANG_GUARD
    while any(not _done(call) for call in proxy.calls) and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(scan_all(server.client(), "events"))


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + HANG_GUARD
    while not condition():
        assert time.monotonic() < deadline, "hang guard"
        time.sleep(0.01)


class Recording:
    """A ``Progress`` (what a CLI bar or the panel's bars are) that records what it is told."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.advanced: dict[str, int] = {}
        self.closed: list[Outcome] = []

    def start(self, phase: str, total: int | None) -> None:
        self.started.append(phase)

    def advance(self, count: int) -> None:
        phase = self.started[-1]
        self.advanced[phase] = self.advanced.get(phase, 0) + count

    def close(self, outcome: Outcome = Outcome.SUCCESS) -> None:
        self.closed.append(outcome)


def one_worker(**kwargs: Any) -> dm.CopyJob:
    """The events table A -> B on one worker thread, one segment (batches in order)."""
    return dm.start_copy(
        "events", source=A, target=B, backend="threading", workers=1, segments=1, **kwargs
    )


# -- progress -------------------------------------------------------------------------------------
def test_progress_grows_while_running_and_ends_with_the_results_counts(source, servers, proxied):
    gate = Gate(HELD_AT, guard=HANG_GUARD)
    proxied(gate)
    bars = Recording()
    job = one_worker(progress=bars)
    assert isinstance(job, dm.CopyJob)
    first = job.progress()
    assert first.read <= ITEMS and first.written == 0
    assert gate.reached.wait(HANG_GUARD)
    assert job.checkpoint is not None and Path(job.checkpoint).is_file()  # saved from the start
    wait_for(lambda: job.progress().written >= (HELD_AT - 1) * 25)  # acknowledged before it
    held = job.progress()
    assert not job.done()
    assert held.phase == "copy" and 0 < held.written < ITEMS and held.read >= held.written
    assert held.failed == 0 and held.items_per_second > 0 and held.seconds >= first.seconds
    assert held.deleted == 0
    gate.release.set()
    result = job.result(HANG_GUARD)
    assert result.ok and result.written == ITEMS and job.done()
    end = job.progress()
    counts = (end.read, end.written, end.deleted, end.retried, end.failed)
    expected = (result.items_read, result.written, result.deleted, result.retried, result.failed)
    assert counts == expected
    assert end.phase == "ended" and end.seconds >= held.seconds
    assert end.items_per_second == result.items_per_second
    assert job.progress() == end  # frozen once ended
    # the progress object passed along was told everything, as before
    assert bars.started[0] == "copy" and bars.advanced["copy"] == result.written
    assert bars.closed and all(outcome is Outcome.SUCCESS for outcome in bars.closed)
    assert len(scan_all(servers[1].client(), "events")) == ITEMS
    assert not job.cancel()  # it had ended: nothing to stop


def test_result_with_a_timeout_raises_while_the_copy_runs(source, proxied):
    gate = Gate(HELD_AT, guard=HANG_GUARD)
    proxied(gate)
    job = one_worker()
    assert gate.reached.wait(HANG_GUARD)
    with pytest.raises(TimeoutError):
        job.result(timeout=0.05)
    assert not job.done()  # the copy goes on
    seen: list[dm.CopyJob] = []
    job.add_done_callback(seen.append)
    gate.release.set()
    assert job.result(HANG_GUARD).ok and job.done() and seen == [job]


# -- cancel ---------------------------------------------------------------------------------------
def test_cancel_mid_copy_ends_cancelled_counting_exactly_what_the_target_holds(
    source, servers, proxied
):
    gate = Gate(HELD_AT, guard=HANG_GUARD)
    proxy = proxied(gate)
    job = dm.start_copy("events", source=A, target=B, backend="threading", workers=2, yes=True)
    assert gate.reached.wait(HANG_GUARD)
    assert job.cancel() is True  # it was running
    assert job.cancel() is True  # again: still running (stopping), nothing more to do
    gate.release.set()
    with pytest.raises(dm.CopyFailed) as caught:
        job.result(HANG_GUARD)
    result = caught.value.result
    assert result.interrupted and result.outcome is Outcome.CANCELLED
    assert result.summary_line().startswith("copy INTERRUPTED: ")
    assert 0 < result.written == in_target(servers[1], proxy) < ITEMS
    ended = job.progress()
    assert ended.phase == "ended" and ended.written == result.written
    assert job.done() and job.cancel() is False


# -- Ctrl-C while the caller waits in result() ----------------------------------------------------
def test_ctrl_c_while_the_copy_plans_cancels_it_before_anything_is_written(
    source, servers, proxied
):
    """``copy`` is ``start_copy(...).result()``: a Ctrl-C while the job plans (the source's
    DescribeTable in flight) cancels it, the job ends before its first write, and the caller
    gets the ``KeyboardInterrupt`` as before jobs (the CLI's ``Interrupted.``, exit 130)."""
    sent = threading.Event()

    def ctrl_c_while_planning(op: str, body: dict[str, Any]) -> Action:
        if op == "DescribeTable" and not sent.is_set():
            sent.set()  # SIGINT once the caller surely waits in result(); the call held past it
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
            return Forward(0.5)
        return None

    proxied(ctrl_c_while_planning, A)
    target = proxied(lambda op, body: None, B)
    with pytest.raises(KeyboardInterrupt):
        dm.copy("events", source=A, target=B, backend="threading", yes=True)
    assert sent.is_set()
    wait_for(lambda: not any(t.name == "dynamo-copy" for t in threading.enumerate()))
    writes = [c.op for c in target.calls if c.op in ("CreateTable", "BatchWriteItem")]
    assert writes == []  # nothing touched
    assert "events" not in servers[1].client().list_tables()["TableNames"]


# -- refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("keywords", "error"),
    [
        ({"mode": "overwrite"}, dm.InvalidQuery),
        ({"verify": "maybe"}, dm.InvalidQuery),
        ({"workers": 0}, dm.UsageProblem),
        ({"backend": "cluster"}, dm.UsageProblem),
        ({"table": "no/such"}, dm.InvalidQuery),
        ({"progress": True}, dm.InvalidQuery),
        ({"cancel": True}, dm.InvalidQuery),
        ({"pk": 1, "segments": 4}, dm.InvalidQuery),
    ],
)
def test_a_bad_keyword_is_refused_by_start_copy_before_any_request(
    source, proxied, keywords, error
):
    proxies = [proxied(lambda op, body: None, side) for side in (A, B)]  # every call recorded
    threads = {thread.name for thread in threading.enumerate()}
    arguments = {"table": "events", "source": A, "target": B, "yes": True} | keywords
    with pytest.raises(error):
        dm.start_copy(**arguments)
    assert [proxy.calls for proxy in proxies] == [[], []]  # refused before any request
    assert {thread.name for thread in threading.enumerate()} <= threads  # and before any thread


def test_a_refusal_of_the_plan_is_raised_by_result(source, servers):
    create_events(servers[1].client())
    put_all(servers[1].client(), "events", events_items(devices=1, per_device=3))
    job = dm.start_copy("events", source=A, target=B)  # a non-empty target, no yes
    with pytest.raises(dm.ConfirmationRequired):
        job.result(HANG_GUARD)
    assert job.done() and job.progress().phase == "ended"
    with pytest.raises(dm.UnsafeOperation):  # the same table on both sides
        dm.start_copy("events", source=A, target=A, yes=True).result(HANG_GUARD)
    assert len(scan_all(servers[1].client(), "events")) == 3  # nothing written


# -- two at once ----------------------------------------------------------------------------------
def test_two_jobs_at_once_on_different_tables_both_verify(servers):
    source = servers[0].client()
    create_events(source)
    put_all(source, "events", events_items(devices=3, per_device=100))
    create_orders(source)
    put_all(source, "orders", orders_items(customers=4, per_customer=40))
    events = dm.start_copy("events", source=A, target=B, backend="loky", workers=2, verify="full")
    orders = dm.start_copy("orders", source=A, target=B, backend="threading", verify="full")
    for job in (events, orders):
        result = job.result(HANG_GUARD * 2)
        assert result.ok and result.verification.ok, result.summary_line()
    target = servers[1].client()
    assert keyed(scan_all(target, "events"), EVENTS_KEY) == keyed(
        scan_all(source, "events"), EVENTS_KEY
    )
    assert keyed(scan_all(target, "orders")) == keyed(scan_all(source, "orders"))
