"""Measurement helpers: medians with spread, plain-text tables, JSON results, and peak RSS /
CPU of a whole process tree (parent plus every worker it starts)."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SAMPLE_INTERVAL = 0.01  # seconds between RSS samples of a process tree


@dataclass
class Spread:
    """Median and min-max of repeated measurements."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def text(self, fmt: str = "{:,.0f}") -> str:
        return f"{fmt.format(self.median)} [{fmt.format(self.low)}-{fmt.format(self.high)}]"

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high}


def ratio(value: float | None, reference: float | None) -> str:
    if not value or not reference:
        return "-"
    return f"{value / reference:.2f}"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join("{:<%d}" % w for w in widths)  # noqa: UP031 - a format of formats
    print(line.format(*headers))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps({"machine": machine(), **payload}, indent=2, default=str) + "\n")
    return path


# -- a candidate as a process tree -------------------------------------------------------------
@dataclass
class TreeRun:
    """What one child process tree cost: wall seconds, CPU seconds, peak RSS, exit code."""

    returncode: int
    wall: float
    cpu: float  # user+sys of the child and all descendants it waited for (or sampled, if more)
    peak_rss: int  # bytes: the highest sum of RSS over the tree at one sample
    output: str


class _TreeSampler(threading.Thread):
    """Samples the summed RSS and per-process CPU times of a process tree until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_rss = 0
        self.cpu_by_pid: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self._sample()
            time.sleep(SAMPLE_INTERVAL)

    def _sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0
        for proc in processes:
            try:
                with proc.oneshot():
                    total += proc.memory_info().rss
                    times = proc.cpu_times()
                    self.cpu_by_pid[proc.pid] = times.user + times.system
            except psutil.Error:
                continue
        self.peak_rss = max(self.peak_rss, total)


def run_tree(
    command: list[str], env: dict[str, str] | None = None, timeout: float = 1800
) -> TreeRun:
    """Run ``command`` to completion, measuring its whole process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    sampler = _TreeSampler(process.pid)
    sampler.start()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    wall = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return TreeRun(
        returncode=process.returncode,
        wall=wall,
        cpu=max(waited_cpu, sum(sampler.cpu_by_pid.values())),
        peak_rss=sampler.peak_rss,
        output=output,
    )
