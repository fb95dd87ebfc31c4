"""``dynamo demo`` as a user runs it: a real process whose stdout lines are collected, a
scratch HOME, and psutil to check that nothing it started is left (tests/demo/, the
browser's reopened notebooks)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from conftest import subprocess_env

START_TIMEOUT = 240.0  # seconds for `dynamo demo` to print its variables (2 loaded cores)
LAB_TIMEOUT = 300.0  # seconds until JupyterLab answers too
EXIT_TIMEOUT = 60.0
REPO = Path(__file__).resolve().parent.parent


class DemoProcess:
    """``dynamo demo`` in its own process; its stdout lines are collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str], module: str = "dynamo_magic.demo"):
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.errors: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.append(line)

    def stderr(self) -> str:
        """What the process wrote to stderr (complete once it has exited)."""
        if self.process.poll() is not None:
            time.sleep(0.2)  # the reader thread drains the closed pipe
        return "".join(self.errors)

    def wait_for(self, marker: str, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while not any(marker in line for line in self.seen):
            if self.process.poll() is not None and self.lines.empty():
                raise AssertionError(f"demo exited {self.process.returncode}: {self.stderr()}")
            try:
                self.seen.append(self.lines.get(timeout=1))
            except queue.Empty:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"no {marker!r} in {self.seen}; stderr: {self.stderr()}"
                    ) from None
        return self.seen

    def variables(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.seen if line and not line.startswith("#"))

    def tree(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self, sig: int) -> tuple[int, str]:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=EXIT_TIMEOUT)
        return code, self.stderr()

    def kill(self) -> None:
        for child in [*self.tree(), psutil.Process(self.process.pid)]:
            child.kill()


def isolated_env(tmp_path: Path) -> dict[str, str]:
    env = subprocess_env()
    env["HOME"] = str(tmp_path / "home")  # the demo must leave ~/.aws alone
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["BROWSER"] = "true"  # JupyterLab opens no browser here
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    (tmp_path / "home").mkdir()
    return env


def command(process: psutil.Process) -> str:
    """A process's command line ("" once it is gone)."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def assert_gone(processes: list[psutil.Process]) -> None:
    _gone, alive = psutil.wait_procs(processes, timeout=EXIT_TIMEOUT)
    assert not alive, f"left running: {[p.cmdline() for p in alive]}"
