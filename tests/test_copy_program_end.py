"""A program that ends while a copy job runs (issue 16 §1): a script that starts a copy (a
panel's Copy, ``start_copy``) and ends without waiting for it. Python's exit used to let
concurrent.futures and loky wait for every running segment to its end, while joblib printed a
``RuntimeError: cannot schedule new futures after shutdown`` traceback for every task left to
submit. Now the job is cancelled as the program ends: every worker stops within the request it
has in flight, one line says so with the checkpoint, and a resume from it ends exact.

The script runs as a real process against two moto servers, the target behind a proxy that
slows every BatchWriteItem (the copy is still running when the script ends).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

import dynamo_magic as dm
from dynamo_magic.transfer.engine import WRITES_PER_WORKER

from conftest import CLI_TIMEOUT, A, B, server_profiles, subprocess_env, use_profiles
from moto_servers import MotoServer
from proxy import Action, FaultProxy, Forward
from tables import create_events, events_items, keyed, put_all, scan_all

ITEMS = 1_000
WORKERS = 2
SEGMENTS = 4  # more than the workers: segments are still queued when the script ends
DELAY = 0.05  # seconds every BatchWriteItem spends in the proxy
STARTED = 100  # items written when the script ends

SCRIPT = f"""
import sys, time
import dynamo_magic as dm

job = dm.start_copy(
    "events", source={A!r}, target={B!r}, backend=sys.argv[1], workers={WORKERS},
    segments={SEGMENTS}, yes=True,
)
while job.progress().written < {STARTED} and not job.done():
    time.sleep(0.01)
print("ending", flush=True)
"""


def slow_writes(op: str, body: dict) -> Action:
    return Forward(DELAY) if op == "BatchWriteItem" else None


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_a_script_that_ends_while_a_copy_runs_stops_it_quietly_and_resumably(
    servers: tuple[MotoServer, MotoServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
):
    items = events_items(devices=4, per_device=ITEMS // 4)
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", items)
    script = tmp_path / "copy_and_leave.py"
    script.write_text(SCRIPT)
    with FaultProxy(servers[1].url, slow_writes) as target:
        use_profiles(server_profiles(*servers) | {B: target.url}, tmp_path, monkeypatch)
        process = subprocess.Popen(
            [sys.executable, str(script), backend],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=subprocess_env(),
        )
        try:
            assert process.stdout is not None
            assert process.stdout.readline() == "ending\n"
            ended = time.monotonic()  # the script's last line ran: the program ends now
            _, err = process.communicate(timeout=CLI_TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        late = [c for c in target.calls_of("BatchWriteItem") if c.arrived > ended]
        assert process.returncode == 0, err
        assert "Traceback" not in err and "RuntimeError" not in err, err
        (line,) = err.splitlines()
        assert line.startswith("copy INTERRUPTED: "), line
        # only the requests the workers had in flight when it ended
        assert len(late) <= WORKERS * WRITES_PER_WORKER, f"{len(late)} writes after the end"
        checkpoint = line.rpartition("resume it from ")[2]
        assert Path(checkpoint).exists()
        landed = len(scan_all(servers[1].client(), "events"))
        assert 0 < landed < ITEMS

        done = dm.copy("events", source=A, target=B, resume=checkpoint, yes=True)
    assert done.ok and done.verification.ok
    key = ("device", "seq")
    assert keyed(scan_all(servers[1].client(), "events"), key) == keyed(items, key)
