"""Cancelling a copy in worker processes (issue 16 §1): every worker stops within the request it
has in flight, and no task starts reading after the stop, however many tasks are still queued.

A worker process reads a local copy of the stop flag, kept by a watcher thread
(``channels._local_flag``). Before the fix a flag seen set was forgotten at once: every later
look made a new, unset copy, so each task that started after a Cancel sent its first Scan (a
whole page read and transformed) and a running task's own looks never saw the stop; cancelling
a ``--backend loky`` copy took ~20 s while the queued segments and the verification's counts
each read a page.

The copy's source is a moto server behind ``proxy.FaultProxy`` (every Scan recorded); its
target another, behind a proxy that slows every BatchWriteItem and sets the cancel flag when
the ``STOP_AT``-th one arrives. There are more segments than workers: tasks are still queued
when the stop comes.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.transfer import channels, parallel
from dynamo_magic.transfer.engine import WRITES_PER_WORKER
from dynamo_magic.transfer.messages import Read

from conftest import A, B, server_profiles, use_profiles
from moto_servers import MotoServer
from proxy import Action, FaultProxy, Forward
from tables import create_events, events_items, put_all, scan_all

ITEMS = 800  # one scan page per segment
WORKERS = 2
SEGMENTS = 8  # more than the workers: six segments are still queued at the stop
DELAY = 0.3  # seconds every BatchWriteItem spends in the proxy: the stop lands mid-call
STOP_AT = 3  # the BatchWriteItem call whose arrival sets the cancel flag
GUARD = 60.0  # seconds a worker may take to see a stop (a hang guard, not a measurement)


def started(channel: channels.Channel) -> None:
    """Tell the caller this task has begun (a ``Read`` message, sent now)."""
    channel.send(Read("started", 1))
    channel.flush()


def look_until_stopped(task: int, channel: channels.Channel) -> tuple[bool, bool]:
    """A task: whether the stop flag was set at its first look, and whether it was seen at all
    (its looks end at once when it is, or after ``GUARD`` seconds)."""
    first = channel.stopped()
    started(channel)
    deadline = time.monotonic() + GUARD
    while not channel.stopped() and time.monotonic() < deadline:
        time.sleep(0.01)
    return first, channel.stopped()


def wait_for_flag(task: int, channel: channels.Channel) -> bool:
    """A task: wait on the channel's stop flag (what a backoff wait does); whether it woke."""
    stop = channel.stop
    assert stop is not None
    started(channel)
    return stop.wait(GUARD)


def test_a_worker_process_sees_the_stop_in_every_look_and_every_later_task():
    """Tasks on loky worker processes: one running when the flag is set sees it (its looks,
    and a wait on the flag), and every task started after it sees it at its first look."""
    with parallel.worker_pool() as pool, channels.open_channel("loky") as (channel, arrived):
        processes = pool.executor("loky", WORKERS)
        waiting = processes.submit(wait_for_flag, 0, channel)
        looking = processes.submit(look_until_stopped, 1, channel)
        for _ in range(2):  # both tasks are running
            arrived.get(timeout=GUARD)
        channel.stop_all()
        assert waiting.result() is True
        assert looking.result()[1] is True, "a running task never saw the stop"
        later = [processes.submit(look_until_stopped, n, channel) for n in range(2 * WORKERS)]
        firsts = [future.result()[0] for future in later]
        assert firsts == [True] * len(later), "a task started after the stop did not see it"


class CancelAt:
    """A rule for the target's proxy: every BatchWriteItem waits ``DELAY`` s; the arrival of
    the ``at``-th sets ``cancel`` (once) and notes the time (``when``)."""

    def __init__(self, cancel: threading.Event, at: int = STOP_AT):
        self.cancel, self.at = cancel, at
        self.arrived = 0
        self.when: float | None = None
        self._lock = threading.Lock()

    def __call__(self, op: str, body: dict[str, Any]) -> Action:
        if op != "BatchWriteItem":
            return None
        with self._lock:
            self.arrived += 1
            if self.arrived == self.at:
                self.when = time.monotonic()
                self.cancel.set()
        return Forward(DELAY)


def tag(item: dict[str, Any]) -> dict[str, Any]:
    """The copy's transform (pickled by reference into the workers)."""
    return {**item, "copied": True}


def test_cancelling_a_copy_in_processes_reads_nothing_more(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A copy with a transform on two loky workers, cancelled while its first batches are in
    flight: no Scan arrives after the cancel but those a worker was sending as it came (one
    per worker at most: its reading thread reads one page ahead), none of the queued segments
    nor of the verification's counts; the writes after it are only those in flight; the
    result counts exactly what landed."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(devices=8, per_device=ITEMS // 8))
    cancel = threading.Event()
    rule = CancelAt(cancel)
    with FaultProxy(servers[0].url) as source, FaultProxy(servers[1].url, rule) as target:
        endpoints = server_profiles(*servers) | {A: source.url, B: target.url}
        use_profiles(endpoints, tmp_path, monkeypatch)
        with pytest.raises(dm.CopyFailed) as caught:
            dm.copy(
                "events",
                source=A,
                target=B,
                backend="loky",
                workers=WORKERS,
                segments=SEGMENTS,
                transform=tag,
                cancel=cancel,
            )
        result = caught.value.result
        assert rule.when is not None and result.interrupted
        scans = source.calls_of("Scan")
        late_scans = [call for call in scans if call.arrived > rule.when]
        writes = target.calls_of("BatchWriteItem")
        late_writes = [call for call in writes if call.arrived > rule.when]
        assert len(late_scans) <= WORKERS, f"{len(late_scans)} Scans after the cancel"
        assert len(late_writes) <= WORKERS * WRITES_PER_WORKER - 1
        # every segment not begun at the stop stayed unread
        assert len({call.body.get("Segment") for call in scans}) < SEGMENTS
        assert result.written == len(scan_all(servers[1].client(), "events")) > 0
