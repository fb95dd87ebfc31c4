"""Whole-table copy between two DynamoDB "accounts" (two dynalite processes): throughput,
peak RSS of each candidate's whole process tree, and client CPU.

Candidates, each run as its own process tree, interleaved, the target recreated empty before
every run and compared to the source item by item after it:
- naive: one process, sequential scan, each page written with batch_write_item (25 per batch);
- ceiling-P: P processes (P in 1, 2, 4), each scanning one segment and writing each page at
  once; the best P is this machine's ceiling;
- ancestor: dynamo-cmdline 0.0.1 ``dynamo copy -t T -src A -tgt B`` (its own venv, backup call
  patched out);
- dynamo_magic: ``dynamo_magic.copy(table, source=A, target=B)``, skipped while it does not exist.

    .venv/bin/python benchmarks/copy_throughput.py [--items N] [--repeats R] [--candidates ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data import compare_tables, item_size, load, scan_all, spread_items
from measure import Spread, TreeRun, print_table, ratio, run_tree, write_results
from servers import HERE, Dynalite, recreate_table, use_private_profiles

TABLE = "copy_bench"
SOURCE, TARGET = "acct-a", "acct-b"  # AWS profiles: endpoint_url -> source / target dynalite
SHAPE = "rich"  # every DynamoDB type: S N B BOOL NULL SS NS BS L M (nested)
CEILING_PROCESSES = (1, 2, 4)
ANCESTOR_PYTHON = HERE / ".ancestor-venv" / "bin" / "python"
MB = 1024 * 1024


@dataclass
class Candidate:
    name: str
    command: list[str]  # run as a process tree; "{result}" is replaced by a result file
    note: str = ""


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)  # the candidate's own copy time
    walls: list[float] = field(default_factory=list)  # whole process, start-up included
    rss: list[float] = field(default_factory=list)  # peak RSS of the tree, bytes
    cpu: list[float] = field(default_factory=list)  # user+sys of the tree, seconds
    failures: list[str] = field(default_factory=list)


# -- candidates --------------------------------------------------------------------------------
def _ours(name: str, *extra: str) -> list[str]:
    script = str(HERE / "copy_candidates.py")
    base = [sys.executable, script, name, "--table", TABLE, "--source", SOURCE, "--target", TARGET]
    return [*base, *extra, "--result", "{result}"]


def candidates(wanted: list[str]) -> list[Candidate]:
    found = [Candidate("naive", _ours("naive"))]
    found += [
        Candidate(f"ceiling-P{p}", _ours("ceiling", "--processes", str(p)))
        for p in CEILING_PROCESSES
    ]
    if ANCESTOR_PYTHON.exists():
        wrapper = [str(ANCESTOR_PYTHON), str(HERE / "ancestor_copy.py")]
        args = ["copy", "-t", TABLE, "-src", SOURCE, "-tgt", TARGET]
        found.append(Candidate("ancestor", [*wrapper, *args], note="create_backup patched out"))
    else:
        print(f"NOTE: ancestor skipped: {ANCESTOR_PYTHON} missing (see benchmarks/README.md)")
    if _dynamo_magic_has_copy():
        found.append(Candidate("dynamo_magic", _ours("dynamo_magic")))
    else:
        print("NOTE: dynamo_magic candidate skipped: dynamo_magic.copy does not exist yet")
    return [c for c in found if not wanted or any(c.name.startswith(w) for w in wanted)]


def _dynamo_magic_has_copy() -> bool:
    import dynamo_magic

    return callable(getattr(dynamo_magic, "copy", None))


# -- one run -----------------------------------------------------------------------------------
def run_candidate(
    candidate: Any,
    target: Dynalite,
    source_items: list[dict[str, Any]],
    tmp: Path,
    env: dict[str, str] | None = None,
) -> tuple[TreeRun, float | None, list[str]]:
    """Recreate the target empty, run the candidate's tree (``name``, ``command`` with a
    ``{result}`` placeholder; environment ``env``, default this one), verify the target
    item by item. Returns the tree's run, the seconds it reported itself, the problems."""
    client = target.client()
    recreate_table(client, TABLE, sort_key_type="N")
    result_file = tmp / f"result-{candidate.name}.json"
    result_file.unlink(missing_ok=True)
    command = [part.replace("{result}", str(result_file)) for part in candidate.command]
    env = dict(env or os.environ, BENCH_RESULT=str(result_file))
    tree = run_tree(command, env=env)
    problems = []
    if tree.returncode != 0:
        problems.append(f"exit code {tree.returncode}: {tree.output.strip()[-300:]}")
    seconds = json.loads(result_file.read_text())["seconds"] if result_file.exists() else None
    problems += compare_tables(source_items, scan_all(client, TABLE))
    return tree, seconds, problems


def run_all(
    todo: list[Candidate],
    target: Dynalite,
    source_items: list[dict[str, Any]],
    repeats: int,
    tmp: Path,
) -> dict[str, Runs]:
    runs = {c.name: Runs() for c in todo}
    for repeat in range(repeats):
        for candidate in todo:  # interleaved: A B C ... per repeat
            tree, seconds, problems = run_candidate(candidate, target, source_items, tmp)
            record = runs[candidate.name]
            status = "OK, verified" if not problems else "FAILED: " + "; ".join(problems)
            print(
                f"  [{repeat + 1}/{repeats}] {candidate.name:<13} wall {tree.wall:6.1f} s  "
                f"cpu {tree.cpu:6.1f} s  peak RSS {tree.peak_rss / MB:6.0f} MB  {status}",
                flush=True,
            )
            if problems:
                record.failures.append("; ".join(problems))
                continue
            record.seconds.append(seconds if seconds is not None else tree.wall)
            record.walls.append(tree.wall)
            record.rss.append(tree.peak_rss)
            record.cpu.append(tree.cpu)
    return runs


# -- reporting ---------------------------------------------------------------------------------
def summarize(runs: Runs, items: int) -> dict[str, Any]:
    if not runs.seconds:
        return {"failed": runs.failures}
    return {
        "items_per_s": Spread.of([items / s for s in runs.seconds]).as_dict(),
        "process_items_per_s": Spread.of([items / w for w in runs.walls]).as_dict(),
        "peak_rss_mb": Spread.of([r / MB for r in runs.rss]).as_dict(),
        "cpu_s": Spread.of(runs.cpu).as_dict(),
        "runs_verified": len(runs.seconds),
        "failures": runs.failures,
    }


def _median(summary: dict[str, Any], metric: str) -> float | None:
    return summary.get(metric, {}).get("median")


def ceiling_of(summaries: dict[str, dict[str, Any]]) -> tuple[str | None, float | None]:
    """The best ceiling-P candidate by median items/s."""
    best = [
        (_median(s, "items_per_s"), name)
        for name, s in summaries.items()
        if name.startswith("ceiling") and _median(s, "items_per_s")
    ]
    if not best:
        return None, None
    rate, name = max(best)
    return name, rate


def report(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    best, ceiling = ceiling_of(summaries)
    ancestor = _median(summaries.get("ancestor", {}), "items_per_s")
    rows = []
    for name, s in summaries.items():
        if "failed" in s:
            rows.append([name, "FAILED", "-", "-", "-", "-", "-", s["failed"][0][:120]])
            continue
        rate = _median(s, "items_per_s")
        rows.append(
            [
                name + (" *" if name == best else ""),
                Spread(*s["items_per_s"].values()).text(),
                Spread(*s["process_items_per_s"].values()).text(),
                Spread(*s["peak_rss_mb"].values()).text(),
                Spread(*s["cpu_s"].values()).text("{:.1f}"),
                ratio(rate, ceiling),
                ratio(rate, ancestor),
                f"{s['runs_verified']} verified, {len(s['failures'])} failed",
            ]
        )
    headers = [
        "candidate",
        "items/s (copy)",
        "items/s (process)",
        "peak RSS MB (tree)",
        "CPU s (tree)",
        "vs ceiling",
        "vs ancestor",
        "result",
    ]
    print()
    print_table(headers, rows)
    print(f"* ceiling = best of {', '.join(f'P={p}' for p in CEILING_PROCESSES)}: {best}")
    return {"ceiling": best, "ceiling_items_per_s": ceiling, "ancestor_items_per_s": ancestor}


# -- setup -------------------------------------------------------------------------------------
def prepare_source(source: Dynalite, items: int) -> list[dict[str, Any]]:
    client = source.client()
    recreate_table(client, TABLE, sort_key_type="N")
    started = time.perf_counter()
    load(client, TABLE, spread_items(SHAPE, items))
    print(
        f"loaded {items:,} {SHAPE} items into the source in {time.perf_counter() - started:.1f} s"
    )
    snapshot = scan_all(client, TABLE)
    if len(snapshot) != items:
        raise SystemExit(f"source holds {len(snapshot)} items, expected {items}")
    return snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000, help="items in the source table")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per candidate")
    parser.add_argument(
        "--candidates",
        nargs="*",
        default=[],
        help="name prefixes to run (naive, ceiling, ceiling-P2, ancestor, dynamo_magic); all",
    )
    args = parser.parse_args()
    todo = candidates(args.candidates)

    with tempfile.TemporaryDirectory(prefix="bench-copy-") as tmp_name:
        tmp = Path(tmp_name)
        source, target = Dynalite.start(tmp), Dynalite.start(tmp)
        try:
            use_private_profiles(tmp / "aws", {SOURCE: source.url, TARGET: target.url})
            source_items = prepare_source(source, args.items)
            size = sum(map(item_size, source_items[:500])) / min(500, len(source_items))
            print(f"average item ~{size:.0f} bytes; {len(todo)} candidates, {args.repeats} repeats")
            runs = run_all(todo, target, source_items, args.repeats, tmp)
        finally:
            source.stop()
            target.stop()

    summaries = {name: summarize(r, args.items) for name, r in runs.items()}
    overview = report(summaries)
    path = write_results(
        "copy_throughput",
        {
            "items": args.items,
            "repeats": args.repeats,
            "shape": SHAPE,
            "avg_item_bytes": round(size),
            **overview,
            "candidates": summaries,
        },
    )
    print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
