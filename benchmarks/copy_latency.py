"""``dynamo copy`` under real latency (issue 16 §4): the whole command against the best bare
parallel copy, through a delaying proxy in front of two dynalite servers and against a stub
endpoint that is not itself the bottleneck, 0/10/20 ms per request.

Settings (server x items x delay) run one after the other; in each, the candidates run
interleaved (A B C A B C ...), each its own process tree timed from start to exit:
- ``dynamo``: ``dynamo copy -t T -src A -tgt B --yes`` with its defaults (progress bar, planning,
  count verification and worker shutdown included); variants ``dynamo-w1`` (``--workers 1``),
  ``dynamo-w16s64`` (``--workers 16 --segments 64``) and ``dynamo-w16s64-threads`` (the same
  with ``--backend threading``);
- ``bare-PxT``: P processes x T threads with plain boto3 clients (P x T segments, each thread
  scanning one and writing each page straight back: up to P x T requests in flight;
  ``copy_candidates.py threads``); the best by median items/s is the reference.

Servers (``latency_servers.py``, one process of its own):
- ``dynalite``: two dynalite processes (source, target) behind the delaying proxy; the target
  table is recreated empty before every run and compared to the source item by item after it;
- ``stub``: a source serving prepared Scan pages and a target acknowledging BatchWriteItem after
  the delay, counting the put requests: every run must write exactly the source's items (and
  ``dynamo copy`` verifies its own count against the stub's).

Reported per run and setting: wall seconds and items/s of the whole process, the ratio to the
best bare copy of the same setting, requests in flight as the server saw them (time-weighted
mean from the first request to the last, and peak; with no delay the stub answers each request
at once, so it never sees more than one), client CPU seconds (user+sys of the whole tree, from
``getrusage(RUSAGE_CHILDREN)`` or psutil samples) and per 1,000 items, peak RSS of the tree, and
the server process's own CPU. Also the proxy's own cost at 0 ms (sequential calls direct vs
through it; in the full run also the best bare copy direct vs through it), and issue 16's goals.

    .venv/bin/python benchmarks/copy_latency.py [--quick] [--items 20000 100000]
        [--delays 0 10 20] [--servers dynalite stub] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copy_throughput import TABLE, prepare_source

from data import compare_tables, item_size, scan_all
from measure import Spread, print_table, run_tree, write_results
from servers import HERE, Dynalite, create_table, delete_table, use_private_profiles

MB = 1024 * 1024
READY_TIMEOUT = 600.0  # seconds for the latency servers to listen (a 100k stub prepares pages)
PROFILES = {  # server kind -> (source profile, target profile)
    "dynalite": ("lat-a", "lat-b"),  # through the delaying proxy
    "stub": ("stub-a", "stub-b"),
    "direct": ("direct-a", "direct-b"),  # dynalite without the proxy (its overhead)
}
BARE = ((2, 32), (4, 16))  # (processes, threads) of the bare copies: 64 requests in flight
VARIANTS = {  # dynamo copy candidates: extra arguments
    "dynamo": [],
    "dynamo-w1": ["--workers", "1"],
    "dynamo-w16s64": ["--workers", "16", "--segments", "64"],
    "dynamo-w16s64-threads": ["--workers", "16", "--segments", "64", "--backend", "threading"],
    # P processes x T threads vs threads only (each worker keeps 4 writes and a read in flight)
    "dynamo-threads": ["--backend", "threading"],
    "dynamo-loky": ["--backend", "loky"],
    "dynamo-w2-loky": ["--workers", "2", "--segments", "16", "--backend", "loky"],
    "dynamo-w8-threads": ["--workers", "8", "--backend", "threading"],
    # one request in flight: one worker writing one BatchWriteItem at a time (its read-ahead
    # still overlaps); no user option sets it, so the harness sets the engine's field
    "dynamo-w1-write1": ["--workers", "1"],
}
# candidates whose engine the harness changes: name -> Engine field values
ENGINE_FIELDS = {"dynamo-w1-write1": {"writes_in_flight": 1}}
# ``dynamo copy`` with Engine.from_settings patched to give the engine these field values
ENGINE_SCRIPT = """
import dataclasses, json, sys
from dynamo_magic import cli
from dynamo_magic.transfer import engine
fields = json.loads(sys.argv[1])
made = engine.Engine.from_settings.__func__
engine.Engine.from_settings = classmethod(
    lambda cls, *a, **k: dataclasses.replace(made(cls, *a, **k), **fields))
sys.exit(cli.main(sys.argv[2:]))
"""
# issue 16 §4's goals
GOAL_SPEED = 0.9  # dynamo copy (defaults) / best bare copy, at 0 and 20 ms
GOAL_IN_FLIGHT = 12.0  # 16 requests in flight / 1, against the stub at 20 ms
GOAL_CPU = 1.5  # client CPU per item: dynamo copy / bare copy, at most
GOAL_RSS = 1.2  # peak RSS of a 100k copy / a 20k copy, at most


# -- the latency servers' process ------------------------------------------------------------------
class LatencyServers:
    """``latency_servers.py`` as a child process: its ports, and its control path."""

    def __init__(self, tmp: Path, name: str, arguments: list[str]):
        ready = tmp / f"{name}-ready.json"
        ready.unlink(missing_ok=True)
        self.log = tmp / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(HERE / "latency_servers.py"),
                    "--ready",
                    str(ready),
                    *arguments,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=HERE,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"latency servers did not start: {self.log.read_text()[-500:]}")
            time.sleep(0.1)
        self.ports: dict[str, int] = json.loads(ready.read_text())["ports"]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def _control(self, command: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.url(next(iter(self.ports)))}/_bench/{command}"
        data = json.dumps(body or {}).encode() if body is not None or command != "stats" else None
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as answer:
            result: dict[str, Any] = json.load(answer)
            return result

    def set_delay(self, seconds: float) -> None:
        self._control("delay", {"delay": seconds})

    def reset(self) -> None:
        self._control("reset", {})

    def stats(self) -> dict[str, Any]:
        return self._control("stats")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- candidates ------------------------------------------------------------------------------------
@dataclass
class Candidate:
    name: str
    command: list[str]  # "{result}" is replaced by a result file (bare copies' own timer)
    in_flight: int | None = None  # requests in flight it is built for (bare copies)


def dynamo_command(*args: str) -> list[str]:
    """The ``dynamo`` console script of this interpreter's venv (``-m`` if there is none)."""
    script = Path(sys.executable).parent / "dynamo"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "dynamo_magic.cli", *args]


def make_candidates(kind: str, names: list[str]) -> list[Candidate]:
    source, target = PROFILES[kind]
    found = []
    for name in names:
        if name in VARIANTS:
            args = ["copy", "-t", TABLE, "-src", source, "-tgt", target, "--yes"]
            if name in ENGINE_FIELDS:
                fields = json.dumps(ENGINE_FIELDS[name])
                command = [sys.executable, "-c", ENGINE_SCRIPT, fields, *args, *VARIANTS[name]]
                found.append(Candidate(name, command))
                continue
            found.append(Candidate(name, dynamo_command(*args, *VARIANTS[name])))
            continue
        p, t = (int(n) for n in name.removeprefix("bare-").split("x"))
        command = [sys.executable, str(HERE / "copy_candidates.py"), "threads", "--table", TABLE]
        command += ["--source", source, "--target", target, "--processes", str(p)]
        command += ["--threads", str(t), "--result", "{result}"]
        found.append(Candidate(name, command, p * t))
    return found


# -- runs ------------------------------------------------------------------------------------------
@dataclass
class Setting:
    kind: str  # "dynalite" (through the proxy), "stub", "direct" (dynalite, no proxy)
    items: int
    delay_ms: int
    candidates: list[Candidate]


@dataclass
class Run:
    wall: float
    cpu: float
    rss: int
    loop: float | None  # the bare copy's own timer (after start-up and imports)
    server: dict[str, Any]


@dataclass
class Runs:
    runs: list[Run] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass
class Bench:
    """The servers of the current item count, and how to run one candidate against them."""

    tmp: Path
    servers: LatencyServers
    target: Dynalite | None = None  # dynalite's target (the stub has none to recreate)
    source_items: list[dict[str, Any]] = field(default_factory=list)

    def run(self, setting: Setting, candidate: Candidate) -> tuple[Run | None, list[str]]:
        if setting.kind != "stub":
            assert self.target is not None
            client = self.target.client()
            delete_table(client, TABLE)
            create_table(client, TABLE, sort_key_type="N")
        self.servers.set_delay(setting.delay_ms / 1000 if setting.kind != "direct" else 0.0)
        self.servers.reset()
        result_file = self.tmp / "result.json"
        result_file.unlink(missing_ok=True)
        command = [part.replace("{result}", str(result_file)) for part in candidate.command]
        tree = run_tree(command, env=dict(os.environ))
        server = self.servers.stats()
        problems = []
        if tree.returncode != 0:
            problems.append(f"exit code {tree.returncode}: {tree.output.strip()[-300:]}")
        if candidate.name.startswith("dynamo") and "verification count: OK" not in tree.output:
            problems.append(f"dynamo copy's own verification: {tree.output.strip()[-300:]}")
        loop = None
        if result_file.exists():
            reported = json.loads(result_file.read_text())
            loop = reported["seconds"]
            if reported["written"] != setting.items:
                problems.append(f"the copy says it wrote {reported['written']:,}")
        if setting.kind == "stub":
            if server["written"] != setting.items or server["deleted"]:
                problems.append(
                    f"the stub acknowledged {server['written']:,} puts and "
                    f"{server['deleted']:,} deletes; expected {setting.items:,} puts"
                )
        else:
            assert self.target is not None
            problems += compare_tables(self.source_items, scan_all(self.target.client(), TABLE))
        if problems:
            return None, problems
        return Run(tree.wall, tree.cpu, tree.peak_rss, loop, server), []


def run_setting(bench: Bench, setting: Setting, repeats: int) -> dict[str, Runs]:
    runs = {c.name: Runs() for c in setting.candidates}
    label = f"{setting.kind} {setting.items:,} items {setting.delay_ms} ms"
    for repeat in range(repeats):
        for candidate in setting.candidates:  # interleaved: A B C A B C ...
            run, problems = bench.run(setting, candidate)
            record = runs[candidate.name]
            if run is None:
                record.failures.append("; ".join(problems))
                print(f"  [{label} {repeat + 1}/{repeats}] {candidate.name:<22} FAILED: {problems}")
                continue
            record.runs.append(run)
            print(
                f"  [{label} {repeat + 1}/{repeats}] {candidate.name:<22} "
                f"wall {run.wall:6.2f} s  {setting.items / run.wall:7,.0f} items/s  "
                f"cpu {run.cpu:5.1f} s  rss {run.rss / MB:5.0f} MB  "
                f"in flight {run.server['in_flight_copying']:4.1f} "
                f"(peak {run.server['in_flight_peak']})  OK, verified",
                flush=True,
            )
    return runs


# -- the proxy's own cost --------------------------------------------------------------------------
def proxy_overhead(direct_url: str, proxied_url: str, calls: int = 300) -> dict[str, Any]:
    """Milliseconds per sequential DescribeTable call, direct and through the proxy at 0 ms
    (A B B A, medians of the per-round means)."""
    import boto3

    from servers import FAKE_KEY, REGION  # the harness's own plain clients

    def client(url: str) -> Any:
        session = boto3.Session(
            aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_KEY, region_name=REGION
        )
        return session.client("dynamodb", endpoint_url=url)

    clients = {"direct": client(direct_url), "proxy": client(proxied_url)}
    times: dict[str, list[float]] = {"direct": [], "proxy": []}
    for name in ("direct", "proxy", "proxy", "direct", "direct", "proxy"):
        c = clients[name]
        c.describe_table(TableName=TABLE)  # connection up
        started = time.perf_counter()
        for _ in range(calls):
            c.describe_table(TableName=TABLE)
        times[name].append(1000 * (time.perf_counter() - started) / calls)
    direct, proxy = statistics.median(times["direct"]), statistics.median(times["proxy"])
    return {"direct_ms": direct, "proxy_ms": proxy, "added_ms": proxy - direct, "rounds": times}


# -- reporting -------------------------------------------------------------------------------------
def summarize(setting: Setting, runs: dict[str, Runs]) -> dict[str, Any]:
    """Medians per candidate, and ratios to the best bare copy of this setting."""
    items = setting.items
    rates = {
        name: statistics.median(items / r.wall for r in rec.runs)
        for name, rec in runs.items()
        if rec.runs
    }
    bare = [n for n in rates if n.startswith("bare")]
    best = max(bare, key=lambda n: rates[n], default=None)
    best_cpu = statistics.median(r.cpu for r in runs[best].runs) if best else None
    candidates = {}
    for name, rec in runs.items():
        if not rec.runs:
            candidates[name] = {"failed": rec.failures}
            continue
        cpu = statistics.median(r.cpu for r in rec.runs)
        loops = [items / r.loop for r in rec.runs if r.loop]
        candidates[name] = {
            "wall_s": Spread.of([r.wall for r in rec.runs]).as_dict(),
            "items_per_s": Spread.of([items / r.wall for r in rec.runs]).as_dict(),
            "copy_loop_items_per_s": Spread.of(loops).as_dict() if loops else None,
            "ratio_to_best_bare": rates[name] / rates[best] if best else None,
            "cpu_s": Spread.of([r.cpu for r in rec.runs]).as_dict(),
            "cpu_ms_per_1k_items": 1e6 * cpu / items,
            "cpu_ratio_to_best_bare": cpu / best_cpu if best_cpu else None,
            "peak_rss_mb": Spread.of([r.rss / MB for r in rec.runs]).as_dict(),
            "in_flight_mean": statistics.median(r.server["in_flight_mean"] for r in rec.runs),
            "in_flight_copying": statistics.median(r.server["in_flight_copying"] for r in rec.runs),
            "in_flight_peak": max(r.server["in_flight_peak"] for r in rec.runs),
            "server_cpu_s": statistics.median(r.server["cpu_s"] for r in rec.runs),
            "late_ms": statistics.median(r.server["late_mean_ms"] for r in rec.runs),
            "requests": statistics.median(r.server["requests"] for r in rec.runs),
            "verified_runs": len(rec.runs),
            "failures": rec.failures,
        }
    return {
        "server": setting.kind,
        "items": items,
        "delay_ms": setting.delay_ms,
        "best_bare": best,
        "candidates": candidates,
    }


def print_report(summaries: list[dict[str, Any]]) -> None:
    headers = ["server", "items", "delay", "candidate", "items/s", "vs bare", "in flight"]
    headers += ["CPU s", "CPU/1k", "CPU vs bare", "RSS MB", "srv CPU", "runs"]
    rows = []
    for s in summaries:
        for name, c in s["candidates"].items():
            head = [s["server"], f"{s['items']:,}", f"{s['delay_ms']} ms"]
            if "failed" in c:
                rows.append([*head, name, "FAILED", *["-"] * 7, c["failed"][0][:60]])
                continue
            rows.append(
                [
                    *head,
                    name + (" *" if name == s["best_bare"] else ""),
                    Spread(**_spread(c["items_per_s"])).text(),
                    f"{c['ratio_to_best_bare']:.2f}" if c["ratio_to_best_bare"] else "-",
                    f"{c['in_flight_copying']:.1f} / {c['in_flight_peak']}",
                    Spread(**_spread(c["cpu_s"])).text("{:.1f}"),
                    f"{c['cpu_ms_per_1k_items'] / 1000:.3f}",
                    f"{c['cpu_ratio_to_best_bare']:.2f}" if c["cpu_ratio_to_best_bare"] else "-",
                    f"{c['peak_rss_mb']['median']:.0f}",
                    f"{c['server_cpu_s']:.1f}",
                    f"{c['verified_runs']} ok"
                    + (f", {len(c['failures'])} failed" if c["failures"] else ""),
                ]
            )
    print()
    print_table(headers, rows)
    print(
        "items/s: whole process, median [min-max]; vs bare: / the best bare copy (*) of the "
        "setting; in flight: requests at the server, time-weighted mean from the first "
        "BatchWriteItem to the end of the last / peak; CPU: client "
        "tree user+sys, s and s per 1,000 items; RSS: peak of the client tree; srv CPU: the "
        "proxy's or stub's own CPU s"
    )


def markdown(summaries: list[dict[str, Any]]) -> str:
    """The table as Markdown (for docs/performance.md)."""
    lines = [
        "| server | items | delay | candidate | items/s | vs bare | in flight | CPU s | "
        "CPU vs bare | RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        for name, c in s["candidates"].items():
            if "failed" in c:
                lines.append(
                    f"| {s['server']} | {s['items']:,} | {s['delay_ms']} ms | {name} | failed |"
                )
                continue
            best = " (best bare)" if name == s["best_bare"] else ""
            spread = Spread(**_spread(c["items_per_s"])).text()
            head = f"| {s['server']} | {s['items']:,} | {s['delay_ms']} ms | {name}{best}"
            lines.append(
                f"{head} | {spread} | "
                f"{c['ratio_to_best_bare']:.2f} | {c['in_flight_copying']:.1f} / "
                f"{c['in_flight_peak']} | {c['cpu_s']['median']:.1f} | "
                f"{c['cpu_ratio_to_best_bare']:.2f} | {c['peak_rss_mb']['median']:.0f} |"
            )
    return "\n".join(lines)


def _spread(d: dict[str, float]) -> dict[str, float]:
    return {"median": d["median"], "low": d["min"], "high": d["max"]}


def goals(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Issue 16 §4's goals, from the runs that have them."""
    found: dict[str, Any] = {}

    def candidate(server: str, items: int, delay: int, name: str) -> dict[str, Any] | None:
        for s in summaries:
            if (s["server"], s["items"], s["delay_ms"]) == (server, items, delay):
                c = s["candidates"].get(name)
                return c if c and "failed" not in c else None
        return None

    for s in summaries:
        d = s["candidates"].get("dynamo")
        if not d or "failed" in d or d["ratio_to_best_bare"] is None:
            continue
        key = f"{s['server']} {s['items']} {s['delay_ms']}ms"
        found[f"speed vs bare, {key}"] = (d["ratio_to_best_bare"], f">= {GOAL_SPEED}")
        found[f"CPU per item vs bare, {key}"] = (d["cpu_ratio_to_best_bare"], f"<= {GOAL_CPU}")
    for server in ("stub", "dynalite"):
        for delay in (20, 10, 0):
            one = candidate(server, 20_000, delay, "dynamo-w1")
            for many_name in ("dynamo-w16s64", "dynamo-w16s64-threads"):
                many = candidate(server, 20_000, delay, many_name)
                if one and many:
                    ratio = many["items_per_s"]["median"] / one["items_per_s"]["median"]
                    label = f"16 in flight / 1 ({many_name} / dynamo-w1), {server} {delay}ms"
                    found[label] = (ratio, f">= {GOAL_IN_FLIGHT}")
            for items in (20_000, 100_000):
                one = candidate(server, items, delay, "dynamo-w1-write1")
                many = candidate(server, items, delay, "dynamo")
                if one and many:
                    ratio = many["items_per_s"]["median"] / one["items_per_s"]["median"]
                    label = f"16 writes in flight / 1 (dynamo / dynamo-w1-write1), {server}"
                    found[f"{label} {items:,} {delay}ms"] = (ratio, f">= {GOAL_IN_FLIGHT}")
            small = candidate(server, 20_000, delay, "dynamo")
            large = candidate(server, 100_000, delay, "dynamo")
            if small and large:
                ratio = large["peak_rss_mb"]["median"] / small["peak_rss_mb"]["median"]
                found[f"RSS 100k / 20k, {server} {delay}ms"] = (ratio, f"<= {GOAL_RSS}")
    if found:
        print("\nissue 16 §4 goals (dynamo copy with its defaults unless named):")
        print_table(
            ["measure", "value", "goal"],
            [[name, f"{value:.2f}", goal] for name, (value, goal) in found.items()],
        )
    return {name: {"value": value, "goal": goal} for name, (value, goal) in found.items()}


# -- main ------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 items, 20 ms, one repeat")
    parser.add_argument("--items", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--delays", type=int, nargs="+", default=[0, 10, 20], help="ms")
    parser.add_argument("--servers", nargs="+", default=["dynalite", "stub"])
    parser.add_argument("--repeats", type=int, default=2, help="runs per candidate (20k items)")
    parser.add_argument(
        "--large-repeats", type=int, default=1, help="runs per candidate above 20,000 items"
    )
    parser.add_argument(
        "--large-delays", type=int, nargs="+", help="delays (ms) above 20,000 items (all)"
    )
    parser.add_argument(
        "--variants-at", type=int, default=20, help="delay (ms) of the dynamo copy variants"
    )
    parser.add_argument(
        "--report", type=Path, help="print the tables of this results file (no runs)"
    )
    parser.add_argument(
        "--candidates",
        nargs="+",
        help=f"run only these (of {', '.join(VARIANTS)}, bare-PxT), at every delay",
    )
    args = parser.parse_args()
    if args.report:
        saved = json.loads(args.report.read_text())
        print_report(saved["settings"])
        goals(saved["settings"])
        print()
        print(markdown(saved["settings"]))
        return
    if args.quick:
        args.items, args.delays, args.repeats = [20_000], [20], 1
    bare = [f"bare-{p}x{t}" for p, t in BARE]
    summaries: list[dict[str, Any]] = []
    overhead: dict[str, Any] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "work").mkdir()
        os.chdir(tmp / "work")  # where a copy would leave a failed-items file
        for items in args.items:
            large = items > 20_000
            repeats = args.large_repeats if large else args.repeats
            delays = (args.large_delays or args.delays) if large else args.delays
            for kind in args.servers:
                summaries += measure_server(
                    tmp,
                    kind,
                    items,
                    delays,
                    repeats,
                    bare,
                    not large,  # the dynamo copy variants at 20,000 items only
                    args.variants_at,
                    overhead,
                    full=not args.quick,
                    chosen=args.candidates,
                )
                partial = {"arguments": vars(args), "settings": summaries, "overhead": overhead}
                write_results("copy_latency-partial", partial)
    print_report(summaries)
    if overhead:
        o = overhead["calls"]
        print(
            f"\nproxy's own cost at 0 ms: sequential DescribeTable {o['direct_ms']:.2f} ms direct, "
            f"{o['proxy_ms']:.2f} ms through the proxy (+{o['added_ms']:.2f} ms per call)"
        )
    reached = goals(summaries)
    path = write_results(
        "copy_latency",
        {
            "arguments": vars(args),
            "seconds": time.perf_counter() - started,
            "settings": summaries,
            "proxy_overhead": overhead,
            "goals": reached,
        },
    )
    print(f"\nresults written to {path} ({(time.perf_counter() - started) / 60:.1f} min)")


def measure_server(
    tmp: Path,
    kind: str,
    items: int,
    delays: list[int],
    repeats: int,
    bare: list[str],
    with_variants: bool,
    variants_at: int,
    overhead: dict[str, Any],
    full: bool,
    chosen: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Every delay of one server kind and item count (``chosen``: only these candidates)."""
    summaries = []
    dynalites: list[Dynalite] = []
    servers: LatencyServers | None = None
    try:
        if kind == "stub":
            servers = LatencyServers(tmp, f"stub-{items}", ["--stub-items", str(items)])
            use_private_profiles(
                tmp / "aws", _endpoints(servers.url("source"), servers.url("target"), "stub")
            )
            bench = Bench(tmp, servers)
            print(f"stub: {items:,} items prepared; ports {servers.ports}")
        else:
            source, target = Dynalite.start(tmp), Dynalite.start(tmp)
            dynalites = [source, target]
            proxy_args = ["--proxy", f"source={source.url}", "--proxy", f"target={target.url}"]
            servers = LatencyServers(tmp, f"proxy-{items}", proxy_args)
            endpoints = _endpoints(servers.url("source"), servers.url("target"), "dynalite")
            endpoints |= _endpoints(source.url, target.url, "direct")
            use_private_profiles(tmp / "aws", endpoints)
            source_items = prepare_source(source, items)
            size = sum(map(item_size, source_items[:500])) / min(500, len(source_items))
            print(f"dynalite: average item ~{size:.0f} bytes, behind the proxy {servers.ports}")
            bench = Bench(tmp, servers, target, source_items)
            if "calls" not in overhead:
                servers.set_delay(0.0)
                overhead["calls"] = proxy_overhead(source.url, servers.url("source"))
                print(f"proxy's own cost: {overhead['calls']}")
        for delay in delays:
            names = ["dynamo", *bare]
            if with_variants and delay == variants_at:
                names = ["dynamo", "dynamo-w1", "dynamo-w16s64", *bare]
                if full:
                    names.insert(3, "dynamo-w16s64-threads")
            if chosen:
                names = list(chosen)
            setting = Setting(kind, items, delay, make_candidates(kind, names))
            summaries.append(summarize(setting, run_setting(bench, setting, repeats)))
        if kind == "dynalite" and full and not chosen and "copy" not in overhead and 0 in delays:
            # the proxy's cost on a whole copy: the best bare copy direct vs through it, at 0 ms
            best = summaries[[s["delay_ms"] for s in summaries].index(0)]["best_bare"]
            if best:
                direct = Setting("direct", items, 0, make_candidates("direct", [best]))
                proxied = Setting("dynalite", items, 0, make_candidates("dynalite", [best]))
                pairs: dict[str, list[float]] = {"direct": [], "proxy": []}
                for _ in range(repeats):
                    for name, setting in (("direct", direct), ("proxy", proxied)):
                        run, problems = bench.run(setting, setting.candidates[0])
                        if run is None:
                            print(f"  proxy's cost, {name} run FAILED: {problems}")
                        else:
                            pairs[name].append(items / run.wall)
                overhead["copy"] = {"candidate": best, "items_per_s": pairs}
                print(f"proxy's cost on {best} at 0 ms (items/s): {pairs}")
    finally:
        if servers is not None:
            servers.stop()
        for server in dynalites:
            server.stop()
    return summaries


def _endpoints(source: str, target: str, kind: str) -> dict[str, str]:
    a, b = PROFILES[kind]
    return {a: source, b: target}


if __name__ == "__main__":
    main()
