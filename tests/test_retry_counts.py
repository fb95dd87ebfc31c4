"""Every retry the service caused is counted: botocore's quick retries (standard mode retries a
throttled call inside the call) as well as dynamo_magic's own, in every process.

The throttles come from a real proxy (tests/proxy.py) in front of the moto servers, so loky's
worker processes meet them too; each throttled answer is sent again once, by botocore or by
the retry layer, so a result's ``retried`` must equal the throttled answers the proxy sent.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import botocore.retries.standard
import pytest

import dynamo_magic.api as api

from conftest import A, B, client_for, use_profiles
from fault_injection import is_copy_read
from proxy import Action, Answer, FaultProxy, Rule
from tables import create_events, events_items, put_all, scan_all


def throttle_first(counts: dict[str, int]) -> Rule:
    """Throttle the first attempt of the first ``counts[op]`` calls of each operation, once
    each (botocore retries each after at most a second). Scans that count (Select COUNT) or
    sample (``is_copy_read``) are the plan's and the verification's: left alone, so the
    proxy's count is the copy's own."""
    left = dict(counts)
    seen: set[str] = set()
    lock = threading.Lock()

    def rule(op: str, body: dict[str, Any]) -> Action:
        if op == "Scan" and not is_copy_read(body):
            return None
        key = op + json.dumps(body, sort_keys=True)
        with lock:
            if left.get(op, 0) > 0 and key not in seen:
                seen.add(key)
                left[op] -= 1
                return Answer.throttled()
        return None

    return rule


def no_botocore_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore retries as configured, without waiting (in this process only)."""
    monkeypatch.setattr(
        botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0
    )


def throttled(*proxies: FaultProxy) -> int:
    return sum(1 for proxy in proxies for call in proxy.calls if call.status == 400)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_a_copy_counts_every_throttled_call_botocore_retried(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """Three writes and two scan pages are throttled once each; botocore retries them all
    within their calls (nothing reaches the retry layer), and the result says 5 retried
    (it said 0)."""
    no_botocore_waits(monkeypatch)  # in this process (threads); loky's workers really wait
    a, b = servers
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=20, per_device=10))
    create_events(client_for(B))
    with (
        FaultProxy(a.url, throttle_first({"Scan": 2})) as source,
        FaultProxy(b.url, throttle_first({"BatchWriteItem": 3})) as target,
    ):
        use_profiles({A: source.url, B: target.url}, tmp_path / "proxied", monkeypatch)
        result = api.copy("events", source=A, target=B, backend=backend, workers=2, segments=4)

    assert throttled(source) == 2 and throttled(target) == 3  # the faults really happened
    assert result.ok and result.written == 200 and len(scan_all(b.client(), "events")) == 200
    assert result.retried == throttled(source, target) == 5
    assert "5 retried" in result.summary_line()


def test_a_query_counts_the_retries_botocore_made(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two throttles of one Query call: botocore's third attempt succeeds; the summary says
    2 calls retried (it said none)."""
    no_botocore_waits(monkeypatch)
    a, _ = servers
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=2, per_device=5))
    left = {"Query": 2}

    def rule(op: str, body: dict[str, Any]) -> Action:
        if left.get(op):
            left[op] -= 1
            return Answer.throttled()
        return None

    with FaultProxy(a.url, rule) as proxy:
        use_profiles({A: proxy.url}, tmp_path / "proxied", monkeypatch)
        result = api.fetch("events", 1, env=A)

    assert result.stats.count == 5 and throttled(proxy) == 2
    assert result.stats.retried == 2
    assert "2 call(s) retried" in result.summary_line()
