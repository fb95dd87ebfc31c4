"""Where dynamo_magic.query spends its client CPU (cProfile with a CPU-time clock).

Loads one partition (dynalite, in memory, its own process), warms up, then profiles
``dynamo_magic.query`` once (its reading client has the raw-items hook built in,
dynamo_magic/wire.py), prints the CPU seconds of the main parts, the CPU of reading vs
converting measured without the profiler, and with ``--top N`` the N functions with the most own
time.

    .venv/bin/python benchmarks/profile_query.py [--items N] [--shape flat|rich] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from pathlib import Path

import pandas as pd

import dynamo_magic
from dynamo_magic import environments
from dynamo_magic.api import fetch
from dynamo_magic.settings import set_settings

from data import SHAPES, load, partition_items
from servers import Dynalite, create_table, use_private_profiles

ENV, PK, TABLE = "bench", "p0", "profiled"

# (label, file path fragment, function name): cumulative CPU of these functions
PARTS = [
    ("total: dynamo_magic.query", "dynamo_magic/api.py", "query"),
    ("  read pages (api.fetch -> read.read_all)", "dynamo_magic/read.py", "read_all"),
    ("    botocore: whole API calls", "botocore/client.py", "_make_api_call"),
    ("      HTTP send + receive (urllib3)", "botocore/endpoint.py", "_send"),
    ("      response parsing (shape walk)", "botocore/parsers.py", "parse"),
    ("        json.loads of bodies", "json/__init__.py", "loads"),
    ("        base64 decode of B/BS", "botocore/parsers.py", "_handle_blob"),
    ("      retry checks (CRC32 of body)", "botocore/retryhandler.py", "__call__"),
    ("      request build + sign", "botocore/client.py", "_convert_to_request_dict"),
    ("    raw items hook: json.loads + re-dump", "dynamo_magic/wire.py", "_take_items"),
    ("  codec.items_to_frame (items -> DataFrame)", "dynamo_magic/codec.py", "items_to_frame"),
    ("    from_attribute (sets/maps/lists: per value)", "dynamo_magic/codec.py", "from_attribute"),
    ("    number columns", "dynamo_magic/codec.py", "_number_column"),
    ("    pandas.DataFrame(dict of arrays)", "pandas/core/frame.py", "__init__"),
]  # fmt: skip


def cumulative(stats: pstats.Stats, path: str, name: str) -> float:
    """Summed cumulative time of functions ``name`` defined in files containing ``path``."""
    total = 0.0
    for (filename, _, func), (_, _, _, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        if func == name and path in filename.replace("\\", "/"):
            total += cum
    return total


def profile_once(top: int) -> tuple[pd.DataFrame, float, pstats.Stats]:
    profiler = cProfile.Profile(time.process_time)
    cpu0 = time.process_time()
    frame = profiler.runcall(dynamo_magic.query, TABLE, PK, env=ENV)
    cpu = time.process_time() - cpu0
    stats = pstats.Stats(profiler)
    if top:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
        print(out.getvalue())
    return frame, cpu, stats


def unprofiled_split(repeats: int = 3) -> tuple[float, float]:
    """Median CPU seconds of reading (HTTP + parsing) and of converting, without a profiler."""
    reads, converts = [], []
    for _ in range(repeats):
        cpu0 = time.process_time()
        result = fetch(TABLE, PK, env=ENV)
        cpu1 = time.process_time()
        result.to_frame()
        reads.append(cpu1 - cpu0)
        converts.append(time.process_time() - cpu1)
    return sorted(reads)[repeats // 2], sorted(converts)[repeats // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--shape", choices=SHAPES, default="flat")
    parser.add_argument("--top", type=int, default=0, help="also print the top N functions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        server = Dynalite.start(Path(tmp))
        try:
            use_private_profiles(Path(tmp) / "aws", {ENV: server.url})
            set_settings(None)
            environments.clear_caches()
            create_table(server.client(), TABLE)
            load(server.client(), TABLE, partition_items(args.shape, PK, args.items))
            dynamo_magic.query(TABLE, PK, env=ENV)  # warm-up: clients, imports
            frame, cpu, stats = profile_once(args.top)
            split = unprofiled_split()
        finally:
            server.stop()

    print(f"\n{args.items:,} {args.shape} items; {len(frame):,} rows; profiled CPU {cpu:.2f} s")
    print(f"{'CPU seconds (cProfile, CPU clock; profiler overhead inflates)':<62}   CPU")
    for label, path, name in PARTS:
        print(f"{label:<62} {cumulative(stats, path, name):5.2f}")
    print(f"\n{'CPU seconds WITHOUT profiler (median of 3)':<62}   CPU")
    labels = ("fetch: HTTP + botocore + hook -> typed items", "to_frame")
    for label, seconds in zip(labels, split, strict=True):
        print(f"{label:<62} {seconds:5.2f}")


if __name__ == "__main__":
    main()
