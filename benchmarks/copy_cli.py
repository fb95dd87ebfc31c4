"""``dynamo copy`` as a user times it: the whole process, start to exit, planning and
verification included, against a bare parallel copy measured in the same run (issue 6 §8).

Candidates, each its own process tree, interleaved (dynamo, bare-P2, bare-P4, dynamo, ...), the
target table deleted and recreated empty before every run and compared to the source item by
item after it (a fast wrong copy is a failure):
- ``dynamo``: ``dynamo copy -t T -src acct-a -tgt acct-b --yes`` (with its progress bar; the venv's
  console script; ``--repo DIR`` puts another checkout of ``dynamo_magic`` first on PYTHONPATH,
  to measure a base commit the same way);
- ``bare-P``: P processes, each scanning one of P segments and writing each page straight back
  (``copy_candidates.py ceiling``); the best P by median is the reference.

Reported: medians with [min-max] of wall seconds and items/s, CPU seconds of the whole process
tree, the ratio dynamo (whole process) / best bare copy (its own copy loop, after interpreter
start-up and imports: the stricter reference), and where dynamo's wall time goes, from extra
untimed runs through ``cli_phases.py`` (start-up, imports, planning, copy, verification, exit).

    .venv/bin/python benchmarks/copy_cli.py [--items 20000] [--repeats 3] [--processes 2 4]
        [--repo DIR] [--phase-runs 1] [--dynamo-args "--backend loky"]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copy_throughput import TABLE, prepare_source, run_candidate

from data import compare_tables, item_size, scan_all
from measure import Spread, print_table, run_tree, write_results
from servers import HERE, Dynalite, recreate_table, use_private_profiles

SOURCE, TARGET = "acct-a", "acct-b"  # AWS profiles: endpoint_url -> source / target dynalite
REPO = HERE.parent


@dataclass
class Candidate:
    name: str
    command: list[str]  # "{result}" is replaced by a result file (bare copies' own timer)


@dataclass
class Runs:
    walls: list[float] = field(default_factory=list)  # whole process, seconds
    own: list[float] = field(default_factory=list)  # the bare copy's own timer, seconds
    cpu: list[float] = field(default_factory=list)  # user+sys of the tree, seconds
    failures: list[str] = field(default_factory=list)


def dynamo_command(*args: str) -> list[str]:
    """The ``dynamo`` console script of this interpreter's venv (``-m`` if there is none)."""
    script = Path(sys.executable).parent / "dynamo"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "dynamo_magic.cli", *args]


COPY_ARGS = ("copy", "-t", TABLE, "-src", SOURCE, "-tgt", TARGET, "--yes")  # as issue 6 times it


def candidates(processes: list[int], extra: list[str]) -> list[Candidate]:
    bare = str(HERE / "copy_candidates.py")
    found = [Candidate("dynamo", dynamo_command(*COPY_ARGS, *extra))]
    for p in processes:
        command = [sys.executable, bare, "ceiling", "--table", TABLE, "--source", SOURCE]
        command += ["--target", TARGET, "--processes", str(p), "--result", "{result}"]
        found.append(Candidate(f"bare-P{p}", command))
    return found


def child_env(repo: Path) -> dict[str, str]:
    """This environment (private AWS profiles) with ``repo`` first on PYTHONPATH."""
    path = [str(repo), os.environ.get("PYTHONPATH", "")]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in path if p))


def run_all(
    todo: list[Candidate],
    target: Dynalite,
    source_items: list[dict[str, Any]],
    env: dict[str, str],
    repeats: int,
    tmp: Path,
) -> dict[str, Runs]:
    runs = {c.name: Runs() for c in todo}
    for repeat in range(repeats):
        for candidate in todo:  # interleaved: A B C A B C ...
            tree, own, problems = run_candidate(candidate, target, source_items, tmp, env)
            record = runs[candidate.name]
            status = "OK, verified" if not problems else "FAILED: " + "; ".join(problems)
            own_text = f"  (copy loop {own:5.1f} s)" if own is not None else ""
            print(
                f"  [{repeat + 1}/{repeats}] {candidate.name:<8} wall {tree.wall:6.2f} s"
                f"{own_text}  cpu {tree.cpu:5.1f} s  {status}",
                flush=True,
            )
            if problems:
                record.failures.append("; ".join(problems))
                continue
            record.walls.append(tree.wall)
            record.own.append(own if own is not None else tree.wall)
            record.cpu.append(tree.cpu)
    return runs


# -- the breakdown -----------------------------------------------------------------------------
PHASES = (  # (label, from mark, to mark)
    ("interpreter start-up", "launched", "started"),
    ("imports (dynamo_magic.cli)", "started", "imported"),
    ("argument parsing etc.", "imported", "plan_start"),
    ("planning", "plan_start", "plan_end"),
    ("before execute", "plan_end", "execute_start"),
    ("copy (create/backup/copy/prune)", "execute_start", "verify_start"),
    ("verification", "verify_start", "verify_end"),
    ("after verification", "verify_end", "returned"),
    ("interpreter exit (worker shutdown)", "returned", "exited"),
)


def breakdown_run(
    target: Dynalite,
    source_items: list[dict[str, Any]],
    env: dict[str, str],
    tmp: Path,
    extra: list[str],
) -> dict[str, Any]:
    """One untimed copy through cli_phases.py: seconds per phase (and what was imported)."""
    client = target.client()
    recreate_table(client, TABLE, sort_key_type="N")
    times_file = tmp / "phases.json"
    times_file.unlink(missing_ok=True)
    command = [sys.executable, str(HERE / "cli_phases.py"), str(times_file), *COPY_ARGS, *extra]
    launched = time.time()
    tree = run_tree(command, env=env)
    exited = time.time()
    problems = compare_tables(source_items, scan_all(client, TABLE))
    if tree.returncode != 0 or problems or not times_file.exists():
        raise SystemExit(f"breakdown run failed: {tree.output.strip()[-500:]} {problems}")
    marks = json.loads(times_file.read_text()) | {"launched": launched, "exited": exited}
    phases = {
        label: marks[end] - marks[start]
        for label, start, end in PHASES
        if start in marks and end in marks
    }
    return {
        "wall": tree.wall,
        "phases": phases,
        "heavy_after_import": marks["heavy_after_import"],
        "heavy_at_end": marks["heavy_at_end"],
        "dynamo_magic_file": marks["dynamo_magic_file"],
        "engine": marks.get("engine"),
        "estimated_items": marks.get("estimated_items"),
    }


# -- reporting ---------------------------------------------------------------------------------
def report(runs: dict[str, Runs], items: int, breakdowns: list[dict[str, Any]]) -> dict[str, Any]:
    ok = {name: r for name, r in runs.items() if r.walls}
    bare = [name for name in ok if name.startswith("bare")]
    best = max(bare, key=lambda n: statistics.median(items / s for s in ok[n].own), default=None)
    rows, summary = [], {}
    for name, r in runs.items():
        if not r.walls:
            rows.append([name, "FAILED", "-", "-", "-", r.failures[0][:100] if r.failures else ""])
            summary[name] = {"failed": r.failures}
            continue
        summary[name] = {
            "wall_s": Spread.of(r.walls).as_dict(),
            "process_items_per_s": Spread.of([items / w for w in r.walls]).as_dict(),
            "copy_loop_items_per_s": Spread.of([items / s for s in r.own]).as_dict(),
            "cpu_s": Spread.of(r.cpu).as_dict(),
            "verified_runs": len(r.walls),
            "failures": r.failures,
        }
        rows.append(
            [
                name + (" *" if name == best else ""),
                Spread.of(r.walls).text("{:.2f}"),
                Spread.of([items / w for w in r.walls]).text(),
                Spread.of([items / s for s in r.own]).text() if name != "dynamo" else "-",
                Spread.of(r.cpu).text("{:.1f}"),
                f"{len(r.walls)} verified, {len(r.failures)} failed",
            ]
        )
    print()
    headers = ["candidate", "wall s", "items/s (process)", "items/s (copy loop)"]
    print_table([*headers, "CPU s (tree)", "result"], rows)
    overview: dict[str, Any] = {"best_bare": best, "candidates": summary}
    if best and "dynamo" in ok:
        dynamo_rate = statistics.median(items / w for w in ok["dynamo"].walls)
        bare_loop = statistics.median(items / s for s in ok[best].own)
        bare_process = statistics.median(items / w for w in ok[best].walls)
        pairs = [  # per repeat: dynamo's run against the best bare copy's run of that repeat
            (items / d) / (items / b)
            for d, b in zip(ok["dynamo"].walls, ok[best].own, strict=False)
        ]
        overview |= {
            "ratio_vs_bare_copy_loop": dynamo_rate / bare_loop,
            "ratio_vs_bare_process": dynamo_rate / bare_process,
            "ratio_per_repeat": Spread.of(pairs).as_dict(),
        }
        print(
            f"\n* best bare copy: {best}. dynamo copy (whole process) / {best} (copy loop): "
            f"{dynamo_rate / bare_loop:.2f} (medians; per repeat "
            f"{Spread.of(pairs).text('{:.2f}')}); / {best} (whole process): "
            f"{dynamo_rate / bare_process:.2f}"
        )
    if breakdowns:
        labels = [label for label, _, _ in PHASES]
        print(f"\nwhere dynamo copy's wall time goes ({len(breakdowns)} untimed run(s), median s):")
        phase_rows = []
        for label in labels:
            values = [b["phases"][label] for b in breakdowns if label in b["phases"]]
            if values:
                phase_rows.append([label, Spread.of(values).text("{:.2f}")])
        walls = Spread.of([b["wall"] for b in breakdowns])
        phase_rows.append(["total (wall)", walls.text("{:.2f}")])
        print_table(["phase", "seconds"], phase_rows)
        first = breakdowns[0]
        print(f"modules loaded by the import of dynamo_magic.cli: {first['heavy_after_import']}")
        print(f"... and by the end of the copy: {breakdowns[0]['heavy_at_end']}")
        print(f"dynamo_magic came from {breakdowns[0]['dynamo_magic_file']}")
        print(
            f"engine: {breakdowns[0]['engine']} "
            f"(plan's estimate {breakdowns[0]['estimated_items']} items)"
        )
        overview["breakdown"] = breakdowns
    return overview


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000, help="items in the source table")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per candidate")
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[2, 4], help="bare copy: P to try (best wins)"
    )
    parser.add_argument(
        "--repo", type=Path, default=REPO, help="checkout whose dynamo_magic the CLI runs"
    )
    parser.add_argument("--phase-runs", type=int, default=1, help="untimed breakdown runs")
    parser.add_argument(
        "--dynamo-args", default="", help='more `dynamo copy` options, e.g. "--backend loky"'
    )
    args = parser.parse_args()
    extra = args.dynamo_args.split()
    todo = candidates(args.processes, extra)

    with tempfile.TemporaryDirectory(prefix="bench-copy-cli-") as tmp_name:
        tmp = Path(tmp_name)
        source, target = Dynalite.start(tmp), Dynalite.start(tmp)
        try:
            use_private_profiles(tmp / "aws", {SOURCE: source.url, TARGET: target.url})
            (tmp / "work").mkdir()
            os.chdir(tmp / "work")  # where a copy would leave a failed-items file
            env = child_env(args.repo.resolve())
            source_items = prepare_source(source, args.items)
            size = sum(map(item_size, source_items[:500])) / min(500, len(source_items))
            print(
                f"average item ~{size:.0f} bytes; dynamo_magic from {args.repo.resolve()}; "
                f"{len(todo)} candidates x {args.repeats} repeats, interleaved"
            )
            runs = run_all(todo, target, source_items, env, args.repeats, tmp)
            breakdowns = [
                breakdown_run(target, source_items, env, tmp, extra) for _ in range(args.phase_runs)
            ]
        finally:
            source.stop()
            target.stop()

    overview = report(runs, args.items, breakdowns)
    path = write_results(
        "copy_cli",
        {
            "items": args.items,
            "repeats": args.repeats,
            "repo": str(args.repo.resolve()),
            "command": " ".join(["dynamo", *COPY_ARGS, *extra]),
            "avg_item_bytes": round(size),
            **overview,
        },
    )
    print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
