"""An export that fails while working (a segment's reads keep failing after every retry):
no manifest is written, and the error is one line that says so and why. Faults come from a
real HTTP proxy in front of the table's moto server."""

from __future__ import annotations

from typing import Any

import pytest

import dynamo_magic
from dynamo_magic.errors import CopyFailed
from dynamo_magic.settings import get_settings, set_settings

from conftest import A, B, client_for, use_profiles
from proxy import Answer, FaultProxy
from tables import create_orders, orders_items, put_all


def throttle_segment_one(op: str, body: dict[str, Any]) -> Any:
    if op == "Scan" and body.get("Segment") == 1:
        return Answer.throttled()
    return None


def test_a_failing_segment_fails_the_export_without_manifests(
    servers, isolated_aws, monkeypatch, tmp_path
):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", orders_items())
    with FaultProxy(servers[0].url, throttle_segment_one) as proxy:
        use_profiles({"dev": proxy.url, B: servers[1].url}, isolated_aws, monkeypatch)
        # profiles reset the settings: few, fast retries from here on
        set_settings(get_settings().replace(max_retries=1, backoff_base=0.001, backoff_cap=0.004))
        with pytest.raises(CopyFailed) as failed:
            dynamo_magic.export_table("orders", tmp_path, env="dev", segments=2, workers=2)
    result = failed.value.result
    assert not result.ok and not result.complete and not result.interrupted
    assert "\n" not in str(failed.value)
    assert "no manifest written" in str(failed.value) and "stopped by:" in str(failed.value)
    assert "Throttl" in (result.error or "") or "ProvisionedThroughput" in (result.error or "")
    assert not list(tmp_path.rglob("manifest-*"))
    assert result.retried > 0
