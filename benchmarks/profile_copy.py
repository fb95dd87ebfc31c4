"""Where ``dynamo copy``'s client CPU goes: the whole command (and its loky workers) sampled by
py-spy against the stub endpoint of ``latency_servers.py`` (so the servers' CPU is not in it).

    .venv/bin/pip install py-spy   # not in the bench extra
    .venv/bin/python benchmarks/profile_copy.py [--items 20000] [--delay 20] [--rate 100]
        [--top 30] [--dynamo-args "--workers 16 --segments 64"] [--raw FILE]

Prints the CPU samples by process kind (the command, its workers), the functions with the most
samples on top of the stack (self) and anywhere in it (inclusive), and a few groups (botocore's
request path, JSON, imports, joblib/loky messaging, progress, dynamo_magic's own code). py-spy
samples only running threads (no ``--idle``): a sample is CPU time, not waiting. ``--raw FILE``
aggregates an existing ``py-spy record --format raw`` file instead.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from copy_latency import PROFILES, LatencyServers, dynamo_command
from copy_throughput import TABLE

from servers import use_private_profiles

GROUPS = {  # label -> substrings of a frame (file or function); first match per stack counts
    "imports (interpreter, modules)": ("<frozen importlib", "_find_and_load"),
    "botocore: serialise, sign, send, parse": ("botocore/",),
    "urllib3 / http.client / ssl / socket": ("urllib3/", "http/client.py", "socket.py"),
    "json encode/decode": ("json/",),
    "joblib / loky / multiprocessing (messaging, pickling)": (
        "joblib/",
        "multiprocessing/",
        "pickle",
    ),
    "progress (tqdm)": ("tqdm/",),
    "dynamo_magic": ("dynamo_magic/",),
}


def process_kind(process: str) -> str:
    """What a py-spy ``process PID:"CMDLINE"`` frame (or a command line) is."""
    if "popen_loky" in process:
        return "loky worker"
    if "resource_tracker" in process:
        return "resource tracker"
    return "dynamo (main process and its forks)"


def aggregate(raw: Path, top: int, only: str | None = None) -> dict[str, object]:
    """Samples of a py-spy raw file: by process, self and inclusive per function, by group;
    ``only``: of the processes of this kind (``process_kind``) only.

    The multiprocessing manager's threads blocked in ``Connection._recv`` are sampled as
    running by py-spy (its idle detection misses that wait; psutil gives the manager well under
    half a second of CPU): ``Server.serve_client`` stacks are left out as waiting."""
    by_process: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        processes = [f for f in frames if f.startswith("process ")]
        kind = process_kind(processes[-1] if processes else "?")
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames or (only and kind != only):
            continue
        if any(f.startswith("Server.serve_client ") for f in frames):
            continue
        total += count
        by_process[kind] += count
        own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
        joined = ";".join(frames)
        for label, needles in GROUPS.items():
            if any(n in joined for n in needles):
                groups[label] += count
                break
        else:
            groups["other"] += count

    def table(counter: Counter[str]) -> list[tuple[str, int, float]]:
        return [(name, n, 100 * n / total) for name, n in counter.most_common(top)]

    return {
        "samples": total,
        "by_process": table(by_process),
        "groups (first match on the stack, outermost group listed first)": table(groups),
        "self": table(own),
        "inclusive": table(inclusive),
    }


def cpu_by_process(items: int, delay_ms: int, extra: list[str], tmp: Path) -> None:
    """One unprofiled copy against the stub: CPU seconds of every process of the tree (psutil,
    sampled until each exits), by kind: the main process, its forks (the multiprocessing
    manager that carries the workers' messages), loky workers, resource trackers."""
    import threading
    import time

    import psutil

    servers = LatencyServers(tmp, "stub-cpu", ["--stub-items", str(items)])
    try:
        source, target = PROFILES["stub"]
        use_private_profiles(
            tmp / "aws", {source: servers.url("source"), target: servers.url("target")}
        )
        servers.set_delay(delay_ms / 1000)
        servers.reset()
        copy = dynamo_command("copy", "-t", TABLE, "-src", source, "-tgt", target, "--yes", *extra)
        import subprocess

        started = time.perf_counter()
        child = subprocess.Popen(copy, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp)
        root = psutil.Process(child.pid)
        seen: dict[int, tuple[str, float]] = {}
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                try:
                    procs = [root, *root.children(recursive=True)]
                except psutil.Error:
                    procs = []
                for proc in procs:
                    try:
                        with proc.oneshot():
                            t = proc.cpu_times()
                            name = " ".join(proc.cmdline()) or seen.get(proc.pid, ("", 0.0))[0]
                            if (
                                proc.pid != root.pid
                                and proc.ppid() == root.pid
                                and "dynamo copy" in name
                            ):
                                name = "fork of dynamo (multiprocessing manager)"
                            seen[proc.pid] = (name, t.user + t.system)
                    except psutil.Error:
                        continue
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        output, _ = child.communicate()
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        stats = servers.stats()
        kinds: Counter[str] = Counter()
        for pid, (name, cpu) in sorted(seen.items()):
            kind = "dynamo main process" if pid == child.pid else process_kind(name)
            if name.startswith("fork of dynamo"):
                kind = name
            kinds[kind] += cpu
        print(f"{output.decode().strip().splitlines()[-1][:200]}")
        print(
            f"wall {wall:.1f} s; stub: written {stats['written']}, in flight while copying "
            f"{stats['in_flight_copying']:.1f}; CPU seconds by process kind (psutil, last sample):"
        )
        for kind, cpu in kinds.most_common():
            print(f"  {cpu:6.2f} s  {kind}")
    finally:
        servers.stop()


def record(
    items: int, delay_ms: int, rate: int, extra: list[str], tmp: Path, keep: Path | None
) -> Path:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("py-spy missing: .venv/bin/pip install py-spy")
    servers = LatencyServers(tmp, "stub", ["--stub-items", str(items)])
    try:
        source, target = PROFILES["stub"]
        use_private_profiles(
            tmp / "aws", {source: servers.url("source"), target: servers.url("target")}
        )
        servers.set_delay(delay_ms / 1000)
        servers.reset()
        raw = tmp / "copy.raw"
        copy = dynamo_command("copy", "-t", TABLE, "-src", source, "-tgt", target, "--yes", *extra)
        import subprocess

        command = [spy, "record", "--subprocesses", "--format", "raw", "--rate", str(rate)]
        done = subprocess.run(
            [*command, "-o", str(raw), "--", *copy], capture_output=True, text=True, cwd=tmp
        )
        summary = [line for line in done.stdout.splitlines() if line.startswith("copy ")]
        print("\n".join(summary) or done.stdout[-500:])
        stats = servers.stats()
        if done.returncode != 0 or stats["written"] != items:
            raise SystemExit(f"the copy failed: {done.stderr[-800:]} {stats}")
        print(
            f"stub: {stats['requests']} requests, in flight while copying "
            f"{stats['in_flight_copying']:.1f}"
        )
        if keep is not None:
            shutil.copy(raw, keep)
        return raw
    finally:
        servers.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--delay", type=int, default=20, help="ms per request at the stub")
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--dynamo-args", default="--no-progress", help="more `dynamo copy` args")
    parser.add_argument("--raw", type=Path, help="aggregate this py-spy raw file instead")
    parser.add_argument("--json", type=Path, help="also write the aggregate here")
    parser.add_argument("--keep-raw", type=Path, help="keep py-spy's raw samples here")
    args = parser.parse_args()
    if args.raw is None:
        with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp_name:
            cpu_by_process(args.items, args.delay, args.dynamo_args.split(), Path(tmp_name))
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp_name:
        raw = args.raw or record(
            args.items,
            args.delay,
            args.rate,
            args.dynamo_args.split(),
            Path(tmp_name),
            args.keep_raw,
        )
        results = {
            "all processes": aggregate(raw, args.top),
            "loky workers": aggregate(raw, args.top, "loky worker"),
            "main process": aggregate(raw, args.top, "dynamo (main process and its forks)"),
        }
    for part, result in results.items():
        print(f"\n=== {part}: {result['samples']} CPU samples")
        for title, rows in result.items():
            if title == "samples" or (part != "all processes" and title == "by_process"):
                continue
            print(f"\n{title}:")
            for name, n, share in rows:  # type: ignore[attr-defined]
                print(f"  {share:5.1f}%  {n:6d}  {name}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
