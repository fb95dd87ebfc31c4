"""Capacity limits (issue 16 §3): does a copy with ``--max-write-units R`` write at R units/s, for
1, 4 and 16 workers?

Two dynalite servers (two "accounts") sit behind the delaying proxy (``latency_servers.py``, 20 ms
per request by default); the source holds ``--items`` items of ~1 KB (one write unit each). Each
run is ``dynamo copy --max-write-units R --workers W --yes --no-backup --verify none`` as a whole
process (the package's CLI, with INFO logging on so that it reports its copy phase and the
units its budget was charged), into a target recreated empty before it; the target is then
compared to the source item by item. Reported per run:

- ``achieved``: write units consumed (the budget's count, all workers) / seconds of the copy
  phase (the engine's ``phase copy ended: ... in X s``: from the first read to the last
  acknowledged write), and ``achieved / asked`` (issue 16's goal: between 0.9 and 1.0);
- the whole process's wall seconds;
- ``ceiling``: the same copy without a limit, in the same run: the items/s (= write units/s) the
  box reaches with that many workers. A ratio means something only where the ceiling is well
  above the rate asked (on a busy 2-core box 16 worker processes may not reach it at all).

    .venv/bin/python benchmarks/copy_limits.py [--items 4000] [--rate 200]
        [--workers 1 4 16] [--delay 0.02] [--repeats 1]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from copy_latency import LatencyServers

from dynamo_magic.item_size import item_size

from measure import print_table, run_tree, write_results
from servers import Dynalite, create_table, recreate_table, use_private_profiles

TABLE = "limits_bench"
GOAL = (0.9, 1.0)  # achieved / asked
PAD = 950  # bytes of filler: items of ~1,000 bytes, one write unit each
PHASE = re.compile(r"phase copy ended: ([\d,]+) item\(s\) in ([\d.]+) s")
CONSUMED = re.compile(r"capacity: ([\d.]+) write units consumed")
# the copy as a process of its own, with the package's INFO log lines on stderr
COPY = (
    "import logging, sys; logging.basicConfig(level=logging.INFO, format='%(message)s'); "
    "from dynamo_magic.cli import main; sys.exit(main(sys.argv[1:]))"
)


def items(count: int) -> list[dict[str, Any]]:
    made = [
        {"pk": {"S": f"p{i % 97:03}"}, "sk": {"N": str(i)}, "pad": {"S": "x" * PAD}}
        for i in range(count)
    ]
    assert all(item_size(i) <= 1024 for i in made)  # one write unit each
    return made


def create(client: Any) -> None:
    """The table, keys ``pk`` (S) and ``sk`` (N), on-demand; returns once it is ACTIVE."""
    create_table(client, TABLE, sort_key_type="N")


def load(client: Any, rows: list[dict[str, Any]]) -> None:
    for at in range(0, len(rows), 25):
        batch = [{"PutRequest": {"Item": item}} for item in rows[at : at + 25]]
        client.batch_write_item(RequestItems={TABLE: batch})


def scan(client: Any) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    request: dict[str, Any] = {"TableName": TABLE}
    while True:
        page = client.scan(**request)
        found.update({(i["pk"]["S"], i["sk"]["N"]): i for i in page["Items"]})
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def one_run(
    servers: LatencyServers, target: Dynalite, rate: float | None, workers: int, expected: Any
) -> dict[str, Any]:
    """One ``dynamo copy`` into an empty target (``rate`` ``None``: without a limit)."""
    client = target.client()
    recreate_table(client, TABLE, sort_key_type="N")
    servers.reset()
    command = [
        sys.executable,
        "-c",
        COPY,
        "copy",
        "-t",
        TABLE,
        "--source",
        "lim-a",
        "--target",
        "lim-b",
        *(["--max-write-units", f"{rate:g}"] if rate is not None else []),
        "--workers",
        str(workers),
        "--yes",
        "--no-backup",
        "--verify",
        "none",
        "--no-progress",
    ]
    run = run_tree(command)
    stats = servers.stats()
    phase, consumed = PHASE.search(run.output), CONSUMED.search(run.output)
    if run.returncode != 0 or phase is None or (consumed is None and rate is not None):
        raise SystemExit(f"the copy failed ({run.returncode}):\n{run.output[-2000:]}")
    if scan(client) != expected:
        raise SystemExit("the target differs from the source")
    seconds = float(phase.group(2))
    units = float(consumed.group(1)) if consumed else float(phase.group(1).replace(",", ""))
    calls = stats.get("calls", {})
    writes = sum(n for op, n in calls.items() if op.endswith("BatchWriteItem"))
    return {
        "workers": workers,
        "limited": rate is not None,
        "units": units,
        "copy_seconds": seconds,
        "achieved": units / seconds,
        "ratio": units / seconds / rate if rate is not None else None,
        "wall": run.wall,
        "batch_writes": writes,
        # the server's view: from the first write's arrival to the last one's answer
        "server_seconds": stats.get("copy_seconds", 0.0),
        "server_rate": units / stats["copy_seconds"] if stats.get("copy_seconds") else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4000, help="items (~1 KB) in the source")
    parser.add_argument("--rate", type=float, default=200.0, help="--max-write-units asked")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 4, 16])
    parser.add_argument("--delay", type=float, default=0.02, help="seconds the proxy adds")
    parser.add_argument("--repeats", type=int, default=1, help="runs per worker count")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp_name:
        tmp = Path(tmp_name)
        source, target = Dynalite.start(tmp), Dynalite.start(tmp)
        servers: LatencyServers | None = None
        try:
            servers = LatencyServers(
                tmp,
                "limits",
                ["--proxy", f"source={source.url}", "--proxy", f"target={target.url}"],
            )
            servers.set_delay(args.delay)
            use_private_profiles(
                tmp / "aws", {"lim-a": servers.url("source"), "lim-b": servers.url("target")}
            )
            rows = items(args.items)
            create(source.client())
            load(source.client(), rows)
            expected = scan(source.client())
            print(
                f"{args.items:,} items of ~1 KB, --max-write-units {args.rate:g}, "
                f"{args.delay * 1000:g} ms per request"
            )
            runs = []
            for _ in range(args.repeats):
                for workers in args.workers:
                    for rate in (args.rate, None):  # limited, then the ceiling
                        run = one_run(servers, target, rate, workers, expected)
                        runs.append(run)
                        print(
                            f"  workers {workers:>2} {'limited' if rate else 'ceiling'}: "
                            f"{run['units']:,.0f} units in {run['copy_seconds']:.2f} s = "
                            f"{run['achieved']:.1f} units/s"
                            + (f" (x{run['ratio']:.3f})" if rate else "")
                            + f"; server saw {run['server_rate']:.1f} units/s over "
                            + f"{run['server_seconds']:.2f} s; whole process {run['wall']:.1f} s"
                        )
        finally:
            if servers is not None:
                servers.stop()
            source.stop()
            target.stop()

    table = []
    for workers in args.workers:
        mine = [r for r in runs if r["workers"] == workers and r["limited"]]
        ceiling = [r["achieved"] for r in runs if r["workers"] == workers and not r["limited"]]
        ratio = statistics.median(r["ratio"] for r in mine)
        table.append(
            [
                str(workers),
                f"{statistics.median(r['achieved'] for r in mine):.1f}",
                f"{ratio:.3f}",
                f"{statistics.median(r['copy_seconds'] for r in mine):.2f}",
                f"{statistics.median(r['server_rate'] for r in mine):.1f}",
                f"{statistics.median(r['wall'] for r in mine):.1f}",
                f"{statistics.median(ceiling):.0f}",
                "yes" if GOAL[0] <= ratio <= GOAL[1] else "NO",
            ]
        )
    print()
    print_table(
        [
            "workers",
            "achieved units/s",
            "achieved/asked",
            "copy s",
            "server units/s",
            "process s",
            "ceiling units/s",
            "goal",
        ],
        table,
    )
    path = write_results(
        "copy_limits",
        {"items": args.items, "rate": args.rate, "delay": args.delay, "runs": runs},
    )
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
