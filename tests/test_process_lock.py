"""``locks.ProcessLock``: a lock dies with the process that took it, even when a child it
forked (a ``multiprocessing`` manager of a copy) lives on."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from dynamo_magic.locks import ProcessLock, holder

HOLD_THEN_DIE = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from dynamo_magic.locks import ProcessLock

    lock = ProcessLock.take(Path(sys.argv[1]))
    assert lock is not None
    child = os.fork()
    if child == 0:  # the forked child outlives its parent, as an orphaned manager would
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # not the test's pipes: it would wait for the child's end
            os.dup2(null, fd)
        time.sleep(60)
        os._exit(0)
    print(child, flush=True)
    os._exit(0)  # the parent dies without releasing (as kill -9 would leave it)
    """
)


def test_a_lock_dies_with_its_process_though_a_forked_child_lives_on(tmp_path: Path) -> None:
    path = tmp_path / "run.json.lock"
    done = subprocess.run(
        [sys.executable, "-c", HOLD_THEN_DIE, str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    child = int(done.stdout.strip())
    try:
        lock = ProcessLock.take(path)  # the child still runs: it must not hold the lock
        assert lock is not None, f"held by {holder(path)} after its taker died"
        lock.release()
    finally:
        subprocess.run(["kill", "-9", str(child)], check=False)
