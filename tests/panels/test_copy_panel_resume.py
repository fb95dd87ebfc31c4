"""The copy panel resumes a copy that did not end (issue 16 §2), in a real kernel driven as
JupyterLab drives it: Copy and Cancel are clicked as the page clicks them, while a proxy in
front of the target holds one BatchWriteItem, so the copy is provably stopped mid-way. The
panel then names the checkpoint file and how to continue; ticking Resume, Plan and Copy ends
with the target exactly equal to the source, without copying again what the first run did."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dynamo_magic.demo.profiles import OVERRIDING_VARIABLES
from dynamo_magic.transfer.checkpoints import CheckpointFile

from conftest import subprocess_env, write_profiles
from live_kernel import LiveKernel, live_kernel, printed
from moto_servers import MotoServer
from proxy import FaultProxy, Gate
from tables import create_events, events_items, keyed, put_all, scan_all

SOURCE, TARGET = "acct-a", "acct-b"  # the target is reached through the proxy
ITEMS = 400  # 40 partitions: four segments of ~100 items, one worker, ~4 BatchWriteItem each
HELD_AT = 9  # the 9th BatchWriteItem is held: a segment or two written and acknowledged
HANG_GUARD = 60.0  # seconds a wait may take at most (a guard, not a measurement)
EVENTS_KEY = ("device", "seq")

OPEN = """
import json
import dynamo_magic as dm
panel = dm.CopyPanel(source="{source}", target="{target}", table="events")
panel.workers.value = 1
panel.plan_button.click()
print(json.dumps({{"error": panel.error, "copy": panel.copy_button.model_id,
    "cancel": panel.cancel_button.model_id, "resume": panel.resume.description}}))
"""
ENDED = """
panel.wait(120)
result = panel.result
print(json.dumps({"error": panel.error, "hint": panel.resume_hint, "resume": panel.resume.value,
    "ok": result.ok, "interrupted": result.interrupted, "written": result.written,
    "read": result.items_read, "checkpoint": result.checkpoint}))
"""
RESUME = (
    """
panel.resume.value = True
panel.plan_button.click()  # the resume's plan: the first run's confirmations (none: it made B)
panel.copy_button.click()  # no tick asked for what the first run itself wrote
"""
    + ENDED
)


@pytest.fixture
def gated(servers: tuple[MotoServer, MotoServer], tmp_path: Path) -> Iterator[tuple[Gate, Any]]:
    """``events`` (``ITEMS`` items) at the source; the target behind a proxy with a gate;
    a kernel whose profiles reach the target through it."""
    source = servers[0].client()
    create_events(source)
    put_all(source, "events", events_items(devices=40, per_device=ITEMS // 40))
    gate = Gate(HELD_AT, delay=0, guard=HANG_GUARD)
    with FaultProxy(servers[1].url, gate) as proxy:
        variables = write_profiles(
            tmp_path, {SOURCE: servers[0].url, TARGET: proxy.url, "default": servers[0].url}
        )
        inherited = {k: v for k, v in subprocess_env().items() if k not in OVERRIDING_VARIABLES}
        with live_kernel(tmp_path, {**inherited, **variables}) as kernel:
            try:
                yield gate, kernel
            finally:
                gate.release.set()


def test_a_panel_copy_cancelled_mid_way_resumes_to_an_exact_target(servers, gated):
    gate, kernel = gated
    kernel: LiveKernel
    ids = printed(kernel.run(OPEN.format(source=SOURCE, target=TARGET)))
    assert ids["error"] is None

    kernel.click(ids["copy"])  # as the page clicks: the copy runs in the kernel's background
    assert gate.reached.wait(HANG_GUARD)  # a segment or two acknowledged, the next held
    kernel.click(ids["cancel"])
    kernel.run("pass")  # runs after the click is handled: cancelled while the batch is held
    gate.release.set()
    stopped = printed(kernel.run(ENDED))

    assert stopped["interrupted"] and stopped["error"] is None
    assert stopped["checkpoint"] and Path(stopped["checkpoint"]).exists()
    assert stopped["hint"] == (
        f"checkpoint saved: {stopped['checkpoint']}; to continue this copy tick "
        f"'{ids['resume']}', click Plan, then Copy"
    )
    saved = CheckpointFile.load(stopped["checkpoint"])
    done = sum(seg.read for seg in saved.segments.values() if seg.state == "done")
    assert saved.unfinished and 0 < done < ITEMS and 0 < stopped["written"] < ITEMS

    resumed = printed(kernel.run(RESUME))

    assert resumed["ok"] and resumed["error"] is None and resumed["hint"] is None
    assert resumed["checkpoint"] == stopped["checkpoint"]  # the same file, continued
    assert resumed["read"] == ITEMS and resumed["written"] <= ITEMS - done  # done: not again
    assert resumed["resume"] is False  # the copy ended: the next one starts afresh
    target = keyed(scan_all(servers[1].client(), "events"), EVENTS_KEY)
    assert target == keyed(scan_all(servers[0].client(), "events"), EVENTS_KEY)
