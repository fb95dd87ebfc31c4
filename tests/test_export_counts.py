"""What a stopped export says it stored (issue 17): its result line counts the data files
stored (this run's and those a resume kept), and a job's ``progress().read`` counts the items
read, as a copy's does.

The export is stopped at known points: the table's moto server sits behind
``proxy.FaultProxy`` with a rule holding chosen Scans until the test has cancelled the job
(one worker, segments in order, one page each), as in ``test_export_resume``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.errors import CopyFailed
from dynamo_magic.transfer.checkpoints import CheckpointFile

from conftest import server_profiles, use_profiles
from moto_servers import MotoServer
from proxy import Action, FaultProxy, Forward
from tables import create_events, events_items, put_all

A = "acct-a"
DEVICES, PER_DEVICE = 16, 5  # 80 items over 16 partitions: every segment of 4 holds some
ITEMS = DEVICES * PER_DEVICE
SEGMENTS = 4
HANG_GUARD = 60.0  # seconds any wait may take at most (a guard, not a measurement)


class ScanGates:
    """A proxy rule holding each Scan whose number is in ``at`` until the test releases it
    (``reached[n]`` set when it arrives); every other call passes."""

    def __init__(self, *at: int):
        self.arrived = 0
        self.reached = {n: threading.Event() for n in at}
        self.release = {n: threading.Event() for n in at}
        self._lock = threading.Lock()

    def __call__(self, op: str, body: dict[str, Any]) -> Action:
        if op != "Scan":
            return None
        with self._lock:
            self.arrived += 1
            number = self.arrived
        if number in self.reached:
            self.reached[number].set()
            self.release[number].wait(HANG_GUARD)
        return Forward(0)

    def open_all(self) -> None:
        for event in self.release.values():
            event.set()


def stopped_at(gates: ScanGates, scan: int, out: Path, **kwargs: Any) -> tuple[Any, Any]:
    """An export of ``events`` to ``out`` cancelled while the gate holds Scan ``scan``: its
    progress then and its (interrupted) result."""
    options: dict[str, Any] = {"backend": "threading", "workers": 1, "segments": SEGMENTS}
    job = dm.start_export("events", out, env=A, **(options | kwargs))
    assert gates.reached[scan].wait(HANG_GUARD)
    progress = job.progress()
    job.cancel()
    gates.release[scan].set()
    with pytest.raises(CopyFailed) as stopped:
        job.result(HANG_GUARD)
    result = stopped.value.result
    assert result.interrupted and not result.complete
    return progress, result


def test_a_stopped_export_counts_the_files_it_stored_and_a_resumed_one_those_it_kept_too(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(DEVICES, PER_DEVICE))
    gates = ScanGates(3, 5)  # first run: segment 2's Scan; the resume: segment 3's
    proxy = FaultProxy(servers[0].url, gates)
    (tmp_path / "proxied").mkdir()
    use_profiles({**server_profiles(*servers), A: proxy.url}, tmp_path / "proxied", monkeypatch)
    out = tmp_path / "out"
    try:
        progress, first = stopped_at(gates, 3, out)
        saved = CheckpointFile.load(first.checkpoint)
        stored = [saved.segments[n].file or {} for n in (0, 1)]
        items = sum(f["items"] for f in stored)
        assert items > 0 and saved.segments[2].state == "pending"
        assert [f.key for f in first.files] == [f["key"] for f in stored]
        assert progress.read == items  # segments 0 and 1 read, segment 2's Scan held
        line = first.summary_line()
        assert line.startswith(f"export INTERRUPTED: {items} items in 2 file(s) to "), line
        assert "resumed" not in line
        assert f"2 file(s) of {items} items stored before the stop" in first.problem_line()

        progress, again = stopped_at(gates, 5, out, resume=first.checkpoint)
        now = CheckpointFile.load(first.checkpoint).segments[2].file or {}
        assert (again.kept_files, again.kept_items) == (2, items)
        assert len(again.files) == 3 and again.files[2].key == now["key"]
        assert progress.read == now["items"]  # this run's reads: segment 2
        line = again.summary_line()
        total = items + now["items"]
        assert line.startswith(f"export INTERRUPTED: {total} items in 3 file(s) to "), line
        kept = f"resumed: 2 file(s) of {items} items kept, 1 file(s) of {now['items']} items"
        assert f"{kept} stored now" in line, line

        done = dm.start_export("events", out, env=A, resume=first.checkpoint, workers=1)
        ended = done.result(HANG_GUARD)
        assert ended.ok and ended.summary_line().startswith(
            f"export OK: {ITEMS} items in 4 file(s) to "
        )
    finally:
        gates.open_all()
        proxy.close()
