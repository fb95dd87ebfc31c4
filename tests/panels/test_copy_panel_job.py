"""The copy panel runs its copy as a ``CopyJob`` (issue 16 §1): ``panel.job`` is watched while it
runs, Cancel is the job's ``cancel()``, and a kernel interrupt while ``panel.wait()`` waits
cancels the copy as it does ``%dynamo_copy``'s.

The target is server B behind a ``proxy.Gate`` that holds one BatchWriteItem until the test has
acted, so the copy is provably mid-way without timing anything.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import dynamo_magic as dm
from dynamo_magic import Outcome
from dynamo_magic.notebook.panels import CopyPanel

from .outputs import html_of
from conftest import A, B, server_profiles, use_profiles
from moto_servers import MotoServer
from proxy import FaultProxy, Gate
from tables import create_events, events_items, put_all, scan_all

ITEMS = 400  # 16 batches of 25
HANG_GUARD = 60.0  # seconds any wait may take at most (a guard, not a measurement)


@pytest.fixture
def gated(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Gate, FaultProxy]]:
    """``ITEMS`` events in A; profile acct-b reaches B through a proxy holding the 5th batch."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(devices=4, per_device=ITEMS // 4))
    gate = Gate(guard=HANG_GUARD)
    proxy = FaultProxy(servers[1].url, gate)
    (tmp_path / "gated").mkdir()
    use_profiles(server_profiles(*servers) | {B: proxy.url}, tmp_path / "gated", monkeypatch)
    yield gate, proxy
    gate.release.set()
    proxy.close()


def in_target(server: MotoServer, proxy: FaultProxy) -> int:
    """Items in B's events table once every call that reached ``proxy`` is answered."""
    deadline = time.monotonic() + HANG_GUARD
    while any(c.answered is None for c in proxy.calls) and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(scan_all(server.client(), "events"))


def copying_panel(gate: Gate) -> CopyPanel:
    """A panel whose copy (one worker: batches one after another) is held at the gate."""
    panel = CopyPanel(source=A, target=B, table="events")
    panel.workers.value = 1
    panel.backup.value = False
    panel.plan_button.click()
    panel.copy_button.click()
    assert gate.reached.wait(HANG_GUARD)
    return panel


def test_the_panels_copy_is_a_job_that_cancel_stops(servers, gated):
    gate, proxy = gated
    assert CopyPanel(source=A, target=B, table="events").job is None  # none before Copy
    panel = copying_panel(gate)
    job = panel.job
    assert isinstance(job, dm.CopyJob) and not job.done() and panel.running
    assert job.progress().phase == "copy"
    panel.cancel_button.click()
    gate.release.set()
    result = panel.wait(HANG_GUARD)
    assert job.done() and not panel.running and panel.job is job
    assert result is not None and result.outcome is Outcome.CANCELLED
    assert 0 < result.written == in_target(servers[1], proxy) < ITEMS
    assert job.progress().written == result.written
    assert "INTERRUPTED" in html_of(panel.output)


def test_a_kernel_interrupt_while_waiting_for_the_panel_cancels_its_copy(servers, gated):
    """SIGINT to this process while ``panel.wait()`` waits in the main thread, as a kernel
    interrupt of the cell that waits: the copy is cancelled, not left running."""
    gate, proxy = gated
    panel = copying_panel(gate)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    threading.Timer(0.5, gate.release.set).start()  # the batch held is answered after it
    result = panel.wait(HANG_GUARD)
    assert panel.job is not None and panel.job.done() and not panel.running
    assert result is not None and result.interrupted and result.outcome is Outcome.CANCELLED
    assert 0 < result.written == in_target(servers[1], proxy) < ITEMS
