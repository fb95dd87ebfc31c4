"""Speed under latency (issue 16 §4): a copy keeps several requests in flight per worker —
several BatchWriteItem calls of a page at once, and the next Scan page read while a page is
written — so its speed under latency does not rest on processes alone.

Both servers sit behind ``proxy.FaultProxy``es that delay every Scan and BatchWriteItem; the
proxies record when each call arrived and was answered, and the tests assert on how those
calls overlapped (events, not seconds). One worker (``workers=1``, ``segments=1``), so every
overlap is within one worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.transfer.engine import WRITES_PER_WORKER

from conftest import A, B, server_profiles, use_profiles
from moto_servers import MotoServer
from proxy import Action, Call, FaultProxy, Forward
from tables import create_events, put_all, scan_all

DELAY = 0.2  # seconds the proxies hold every Scan and BatchWriteItem: calls overlap or queue
ITEMS = 1_500  # ~1 KB each: two Scan pages (1 MB each), 60 batches


def _delayed(op: str, body: dict[str, Any]) -> Action:
    return Forward(DELAY) if op in ("Scan", "BatchWriteItem") else None


def _items() -> list[dict[str, Any]]:
    pad = "x" * 1_000
    return [
        {"device": {"N": str(n % 7)}, "seq": {"N": str(n)}, "pad": {"S": pad}} for n in range(ITEMS)
    ]


@pytest.fixture
def proxied(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FaultProxy, FaultProxy]]:
    """``ITEMS`` events in A; both servers reached through delaying proxies (source, target)."""
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", _items())
    source, target = FaultProxy(servers[0].url, _delayed), FaultProxy(servers[1].url, _delayed)
    folder = tmp_path / "proxied"
    folder.mkdir()
    use_profiles(server_profiles(*servers) | {A: source.url, B: target.url}, folder, monkeypatch)
    yield source, target
    source.close()
    target.close()


def _most_at_once(calls: list[Call]) -> int:
    """The most of ``calls`` in flight at one moment (arrived, not yet answered)."""
    events = sorted(
        [(call.arrived, 1) for call in calls] + [(call.answered or 0.0, -1) for call in calls],
        key=lambda event: (event[0], event[1]),  # an answer before an arrival at the same time
    )
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def _overlap(a: Call, b: Call) -> bool:
    return a.arrived < (b.answered or 0.0) and b.arrived < (a.answered or 0.0)


def test_one_worker_keeps_several_writes_and_a_read_in_flight(servers, proxied):
    source, target = proxied
    result = dm.copy("events", source=A, target=B, workers=1, segments=1)
    assert result.ok and result.written == ITEMS
    assert len(scan_all(servers[1].client(), "events")) == ITEMS
    writes = [call for call in target.calls if call.op == "BatchWriteItem"]
    assert _puts(writes) == ITEMS and all(call.answered for call in writes)
    assert _most_at_once(writes) == WRITES_PER_WORKER  # never more than the worker's share
    # the copy's next Scan page was read while the page before was written
    later_pages = [call for call in source.calls if call.op == "Scan" and _next_page(call)]
    assert later_pages
    assert any(_overlap(page, write) for page in later_pages for write in writes)


def test_worker_processes_each_keep_several_writes_in_flight(servers, proxied):
    _, target = proxied
    result = dm.copy("events", source=A, target=B, workers=2, segments=2, backend="loky")
    assert result.ok and result.written == ITEMS
    writes = [call for call in target.calls if call.op == "BatchWriteItem"]
    assert _puts(writes) == ITEMS
    # one process alone keeps its WRITES_PER_WORKER (1 each before); the two, up to twice that
    assert WRITES_PER_WORKER <= _most_at_once(writes) <= 2 * WRITES_PER_WORKER


def _next_page(call: Call) -> bool:
    """A Scan for a page after the first, of the copy itself (not a Select COUNT of its
    verification)."""
    return "ExclusiveStartKey" in call.body and call.body.get("Select") != "COUNT"


def _puts(writes: list[Call]) -> int:
    return sum(len(call.body["RequestItems"]["events"]) for call in writes)
