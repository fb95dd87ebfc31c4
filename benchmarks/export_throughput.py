"""Export of a whole table to files (``dynamo_magic.export_table``) against the copy of the
same table (``dynamo_magic.copy``), on the same dynalite source (issue 17 §1).

Candidates, interleaved (copy, export-local, copy, export-local ...), in this process (threads
backend, the default), each with the package's default workers and segments:
- copy: the table into an empty table of a second dynalite (``mode="merge"``, no backup, no
  verification: the target's own count is checked here instead);
- export: the table to a new folder of gzipped DynamoDB JSON files with its manifests.

Each run is verified: the copy's target holds every item (compared item by item), the
export's files (read back, every line decoded, binaries compared as base64) hold every item.
Reported: items/s from the result's own ``seconds`` (the operation, without start-up), and
this process's CPU seconds (``time.process_time``) per run.

    .venv/bin/python benchmarks/export_throughput.py [--items 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import dynamo_magic

from data import compare_tables, item_size, load, scan_all, spread_items
from measure import Spread, print_table, ratio, write_results
from servers import Dynalite, recreate_table, use_private_profiles

TABLE = "export_bench"
SOURCE, TARGET = "acct-a", "acct-b"
SHAPE = "rich"  # every DynamoDB type: S N B BOOL NULL SS NS BS L M (nested)


def _client_form(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"B"}:
            return {"B": base64.b64decode(value["B"])}
        if set(value) == {"BS"}:
            return {"BS": [base64.b64decode(v) for v in value["BS"]]}
        return {k: _client_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_client_form(v) for v in value]
    return value


def exported_items(folder: Path) -> list[dict[str, Any]]:
    """Every item of the export's data files, in boto3's client form."""
    items = []
    for path in sorted((folder / "data").glob("*.json.gz")):
        for line in gzip.decompress(path.read_bytes()).decode().splitlines():
            items.append(_client_form(json.loads(line)["Item"]))
    return items


def run_copy(target: Dynalite, source_items: list[dict[str, Any]]) -> tuple[float, float, str]:
    recreate_table(target.client(), TABLE, sort_key_type="N")
    cpu = time.process_time()
    result = dynamo_magic.copy(
        TABLE, source=SOURCE, target=TARGET, mode="merge", backup=False, verify="none", yes=True
    )
    cpu = time.process_time() - cpu
    problems = compare_tables(source_items, scan_all(target.client(), TABLE))
    return result.seconds, cpu, "; ".join(problems)


def run_export(tmp: Path, source_items: list[dict[str, Any]], n: int) -> tuple[float, float, str]:
    cpu = time.process_time()
    result = dynamo_magic.export_table(TABLE, tmp / f"export-{n}", env=SOURCE)
    cpu = time.process_time() - cpu
    problems = compare_tables(source_items, exported_items(Path(result.folder)))
    if not result.complete:
        problems.append("no manifest")
    return result.seconds, cpu, "; ".join(problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000, help="items in the source table")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per candidate")
    args = parser.parse_args()
    seconds: dict[str, list[float]] = {"copy": [], "export": []}
    cpus: dict[str, list[float]] = {"copy": [], "export": []}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp_name:
        tmp = Path(tmp_name)
        source, target = Dynalite.start(tmp), Dynalite.start(tmp)
        try:
            use_private_profiles(tmp / "aws", {SOURCE: source.url, TARGET: target.url})
            recreate_table(source.client(), TABLE, sort_key_type="N")
            load(source.client(), TABLE, spread_items(SHAPE, args.items))
            source_items = scan_all(source.client(), TABLE)
            size = sum(map(item_size, source_items[:500])) / min(500, len(source_items))
            print(f"{len(source_items):,} {SHAPE} items, ~{size:.0f} bytes each")
            for repeat in range(args.repeats):
                for name in ("copy", "export"):
                    if name == "copy":
                        took, cpu, problem = run_copy(target, source_items)
                    else:
                        took, cpu, problem = run_export(tmp, source_items, repeat)
                    status = f"FAILED: {problem}" if problem else "OK, verified"
                    print(
                        f"  [{repeat + 1}/{args.repeats}] {name:<7} {took:6.2f} s "
                        f"({args.items / took:,.0f} items/s), CPU {cpu:5.1f} s  {status}",
                        flush=True,
                    )
                    if not problem:
                        seconds[name].append(took)
                        cpus[name].append(cpu)
        finally:
            source.stop()
            target.stop()
    rates = {n: Spread.of([args.items / s for s in seconds[n]]) for n in seconds if seconds[n]}
    rows = [
        [
            name,
            rates[name].text(),
            Spread.of(cpus[name]).text("{:.1f}"),
            ratio(rates[name].median, rates["copy"].median if "copy" in rates else None),
        ]
        for name in rates
    ]
    print()
    print_table(["candidate", "items/s", "CPU s", "vs copy"], rows)
    path = write_results(
        "export_throughput",
        {
            "items": args.items,
            "repeats": args.repeats,
            "shape": SHAPE,
            "avg_item_bytes": round(size),
            "items_per_s": {n: r.as_dict() for n, r in rates.items()},
            "cpu_s": {n: Spread.of(c).as_dict() for n, c in cpus.items() if c},
        },
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
