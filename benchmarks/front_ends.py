"""A partition into a DataFrame as a notebook user waits for it: the API, the magic, the panel.

One partition of N ~1 KB items (default 5,000, shape ``flat``) on dynalite (its own process).
Candidates, interleaved (A B C A B C ...), each result checked to hold every row:

- ``api``: ``dynamo_magic.query(table, pk, env=...)`` (the baseline the others are divided by);
- ``magic``: ``%dynamo_query table pk --env ...`` through a real IPython shell, the DataFrame
  rendered as the notebook renders a cell's result (``DisplayFormatter.format``: HTML + text);
- ``panel``: ``QueryPanel`` with the same inputs, ``run_button.click()`` (the Python click
  returns when the DataFrame and its summary line are in the output area).

Wall and client CPU seconds per call; ratios against ``api`` in the same run. What the front
ends add (parsing, the summary line, rendering) should be a small part of a real query.

    .venv/bin/python benchmarks/front_ends.py [--items N] [--repeats R]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from IPython.testing.globalipapp import start_ipython

import dynamo_magic
from dynamo_magic import environments
from dynamo_magic.settings import set_settings

from data import load, partition_items
from measure import Spread, print_table, ratio, write_results
from servers import Dynalite, create_table, use_private_profiles

ENV = "bench"
PK = "p0"
TABLE = "front_ends"
BASELINE = "api"


def candidates() -> dict[str, Callable[[], pd.DataFrame]]:
    shell = start_ipython()
    shell.run_line_magic("load_ext", "dynamo_magic")
    formatter = shell.display_formatter

    def magic() -> pd.DataFrame:
        with contextlib.redirect_stdout(io.StringIO()):  # the summary line, printed as usual
            frame = shell.run_line_magic("dynamo_query", f"{TABLE} {PK} --env {ENV}")
        formatter.format(frame)  # what the notebook does with a cell's result
        return frame

    panel = dynamo_magic.QueryPanel(env=ENV, table=TABLE)
    panel.pk.value = PK

    def click() -> pd.DataFrame:
        panel.run_button.click()
        if panel.error:
            raise AssertionError(panel.error)
        result: pd.DataFrame = panel.result
        return result

    return {
        "api": lambda: dynamo_magic.query(TABLE, PK, env=ENV),
        "magic": magic,
        "panel": click,
    }


def measure_once(call: Callable[[], pd.DataFrame], items: int) -> tuple[float, float]:
    gc.collect()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    frame = call()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if len(frame) != items or frame["sk"].nunique() != items:
        raise AssertionError(f"returned {len(frame)} rows, {frame['sk'].nunique()} distinct keys")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5_000, help="items in the partition")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per candidate")
    args = parser.parse_args()
    walls: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-front-") as tmp:
        server = Dynalite.start(Path(tmp))
        try:
            use_private_profiles(Path(tmp) / "aws", {ENV: server.url})
            set_settings(None)
            environments.clear_caches()
            client = server.client()
            create_table(client, TABLE)
            load(client, TABLE, partition_items("flat", PK, args.items))
            calls = candidates()
            for call in calls.values():  # warm-up: imports, clients, first-call caches
                measure_once(call, args.items)
            for repeat in range(args.repeats):
                for name, call in calls.items():
                    wall, cpu = measure_once(call, args.items)
                    walls.setdefault(name, []).append(wall)
                    cpus.setdefault(name, []).append(cpu)
                print(f"  repeat {repeat + 1}/{args.repeats} done", flush=True)
        finally:
            server.stop()
    base_wall = Spread.of(walls[BASELINE]).median
    base_cpu = Spread.of(cpus[BASELINE]).median
    rows, results = [], {}
    for name in walls:
        wall, cpu = Spread.of(walls[name]), Spread.of(cpus[name])
        rows.append(
            [
                name,
                wall.text("{:.3f}"),
                cpu.text("{:.3f}"),
                ratio(wall.median, base_wall),
                ratio(cpu.median, base_cpu),
            ]
        )
        results[name] = {"wall_s": wall.as_dict(), "cpu_s": cpu.as_dict()}
    print(f"\n{args.items:,} items, one partition; every result holds every row")
    headers = ["front end", "wall s [min-max]", "client CPU s", "wall vs api", "CPU vs api"]
    print_table(headers, rows)
    path = write_results(
        "front_ends", {"items": args.items, "repeats": args.repeats, "front_ends": results}
    )
    print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
