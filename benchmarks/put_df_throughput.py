"""``put_df`` of a 20,000-row frame vs ``copy`` of the same items, between two dynalite
"accounts": items/s of each, and of the encoder alone.

The source table (shape ``rich``: every DynamoDB type) is loaded into server A and read once
into a DataFrame (``dm.scan``, not timed). Then, interleaved per repeat, the target table on
server B is recreated empty before each run:

- copy: ``dm.copy(table, source=A, target=B)`` (the table read and written);
- put_df: ``dm.put_df(frame, table, env=B)`` (the frame encoded, checked and written);
- encode: ``encoding.frame_items(frame)`` alone (no server).

Both write paths use the same engine (batches of 25, the same workers) and end with the same
count verification. After each run the target is compared item by item with what it should
hold: the source for the copy; for put_df the source less its top-level NULL attributes (a
frame cannot tell NULL from missing: ``nulls="omit"`` leaves both out).

    .venv/bin/python benchmarks/put_df_throughput.py [--items N] [--repeats R]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from data import compare_tables, load, scan_all, spread_items
from measure import Spread, print_table, write_results
from servers import Dynalite, recreate_table, use_private_profiles

TABLE = "put_bench"
SOURCE, TARGET = "acct-a", "acct-b"
SHAPE = "rich"


def without_nulls(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{n: v for n, v in item.items() if "NULL" not in v} for item in items]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()

    import dynamo_magic as dm
    from dynamo_magic.encoding import frame_items

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        source, target = Dynalite.start(tmp), Dynalite.start(tmp)
        try:
            use_private_profiles(tmp / "aws", {SOURCE: source.url, TARGET: target.url})
            recreate_table(source.client(), TABLE, sort_key_type="N")
            items = list(spread_items(SHAPE, options.items))
            load(source.client(), TABLE, iter(items))
            frame = dm.scan(TABLE, env=SOURCE)
            print(f"{len(frame):,} rows x {len(frame.columns)} columns read into a frame")
            seconds: dict[str, list[float]] = {"copy": [], "put_df": [], "encode": []}
            for repeat in range(options.repeats):
                for name in ("copy", "put_df", "encode"):
                    if name != "encode":
                        recreate_table(target.client(), TABLE, sort_key_type="N")
                    start = time.perf_counter()
                    if name == "copy":
                        dm.copy(TABLE, source=SOURCE, target=TARGET)
                        want = items
                    elif name == "put_df":
                        dm.put_df(frame, TABLE, env=TARGET)
                        want = without_nulls(items)
                    else:
                        frame_items(frame)
                    took = time.perf_counter() - start
                    problems = (
                        compare_tables(want, scan_all(target.client(), TABLE))
                        if name != "encode"
                        else []
                    )
                    status = "OK, verified" if not problems else "FAILED: " + "; ".join(problems)
                    print(
                        f"  [{repeat + 1}/{options.repeats}] {name:<7} {took:6.2f} s "
                        f"({options.items / took:8,.0f} items/s)  {status}",
                        flush=True,
                    )
                    if not problems:
                        seconds[name].append(took)
        finally:
            source.stop()
            target.stop()
    rows = []
    results = {}
    for name, runs in seconds.items():
        if not runs:
            rows.append([name, "failed", ""])
            continue
        rate = Spread.of([options.items / s for s in runs])
        results[name] = {"items_per_s": rate.as_dict(), "seconds": runs}
        rows.append([name, rate.text("{:,.0f}"), f"{len(runs)} run(s)"])
    print_table(["what", "items/s median [min-max]", ""], rows)
    write_results("put_df_throughput", {"items": options.items, "shape": SHAPE, **results})


if __name__ == "__main__":
    main()
