"""Copy throughput on a Dask cluster of 1, 2 and 4 worker processes against the loky backend at
the same concurrency (issue 18), behind 20 ms of latency per request.

The endpoints are ``latency_servers.py``'s stub (a source serving prepared Scan pages, a target
acknowledging every BatchWriteItem and counting its puts, each answer after the delay): the
client side is measured, not a local server's speed. For each N in ``--workers``:

- ``dask-N``: a ``LocalCluster`` of N worker processes (one thread each: one task at a time,
  as a loky worker), started once (its start-up reported apart: a cluster outlives copies),
  then ``dynamo_magic.copy(..., backend="dask", scheduler=ADDRESS, workers=N)``;
- ``loky-N``: ``dynamo_magic.copy(..., backend="loky", workers=N)`` (its worker processes start
  inside the run, as they do for every copy).

Both use ``4 x N`` segments; each run is the whole call (plan, copy, count verification,
worker shutdown for loky), timed from call to return, and must write exactly the source's
items (the stub's count; the copy verifies it too). Runs alternate (dask, loky, dask, ...).

    .venv/bin/python benchmarks/dask_throughput.py [--items 40000] [--workers 1 2 4]
        [--delay-ms 20] [--repeats 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import distributed
from copy_latency import LatencyServers, _endpoints
from copy_throughput import TABLE

import dynamo_magic

from servers import use_private_profiles


def one_copy(servers: LatencyServers, items: int, **run: Any) -> float:
    """Seconds of one whole copy into the stub's target (which must then hold every item)."""
    servers.reset()
    started = time.perf_counter()
    result = dynamo_magic.copy(TABLE, source="stub-a", target="stub-b", yes=True, **run)
    seconds = time.perf_counter() - started
    written = servers.stats()["written"]
    if result.written != items or written != items:
        raise SystemExit(f"{run}: wrote {result.written:,} ({written:,} acknowledged) of {items:,}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=40_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        servers = LatencyServers(tmp, "stub", ["--stub-items", str(args.items)])
        try:
            use_private_profiles(
                tmp / "aws", _endpoints(servers.url("source"), servers.url("target"), "stub")
            )
            servers.set_delay(args.delay_ms / 1000)
            for n in args.workers:
                started = time.perf_counter()
                cluster = distributed.LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    scheduler_port=0,
                    dashboard_address=":0",
                )
                client = distributed.Client(cluster, set_as_default=False)
                client.wait_for_workers(n)
                start_up = time.perf_counter() - started
                address = cluster.scheduler_address
                common = {"workers": n, "segments": 4 * n}
                times: dict[str, list[float]] = {"dask": [], "loky": []}
                try:
                    for _ in range(args.repeats):
                        times["dask"].append(
                            one_copy(
                                servers, args.items, backend="dask", scheduler=address, **common
                            )
                        )
                        times["loky"].append(
                            one_copy(servers, args.items, backend="loky", **common)
                        )
                finally:
                    client.close()
                    cluster.close()
                dask_rate = args.items / statistics.median(times["dask"])
                loky_rate = args.items / statistics.median(times["loky"])
                rows.append((n, dask_rate, loky_rate, start_up))
                print(
                    f"{n} worker(s): dask {dask_rate:,.0f} items/s {times['dask']}, "
                    f"loky {loky_rate:,.0f} items/s {times['loky']}, cluster start {start_up:.1f} s"
                )
        finally:
            servers.stop()
    print(f"\n{args.items:,} items, {args.delay_ms:g} ms per request, median of {args.repeats}")
    print("| workers | Dask items/s | loky items/s | Dask / loky | cluster start-up |")
    print("|---:|---:|---:|---:|---:|")
    for n, dask_rate, loky_rate, start_up in rows:
        print(
            f"| {n} | {dask_rate:,.0f} | {loky_rate:,.0f} | {dask_rate / loky_rate:.2f} "
            f"| {start_up:.1f} s |"
        )


if __name__ == "__main__":
    main()
