"""Query one DynamoDB partition into a pandas DataFrame: dynamo_magic vs awswrangler vs boto3.

One partition of N ~1 KB items (default 20,000) in two shapes (flat, rich) on dynalite, which
runs in its own process so that the client CPU measured here is this process's own work.
Candidates run interleaved (A B C A B C ...); each result is checked to hold every row.

    .venv/bin/python benchmarks/query_dataframe.py [--items N] [--repeats R]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import awswrangler as wr
import boto3
import pandas as pd
from boto3.dynamodb.conditions import Key

import dynamo_magic
from dynamo_magic import environments
from dynamo_magic.settings import set_settings

from data import SHAPES, item_size, load, partition_items
from measure import Spread, print_table, ratio, write_results
from servers import Dynalite, create_table, use_private_profiles

ENV = "bench"  # the AWS profile (endpoint_url -> dynalite) every candidate uses
PK = "p0"  # the one partition queried
REFERENCE = "awswrangler"  # ratios are against this candidate (the targets)
BASELINE = "boto3+pandas"  # and against this one (awswrangler fails on the rich shape)

Reader = Callable[[str], pd.DataFrame]


# -- candidates --------------------------------------------------------------------------------
def read_dynamo_magic(table: str) -> pd.DataFrame:
    return dynamo_magic.query(table, PK, env=ENV)


def read_awswrangler(table: str) -> pd.DataFrame:
    # partition_values=[PK] on a table with a sort key means get/batch-get of exact keys and
    # demands sort_values; a whole partition is awswrangler's key_condition_expression.
    return wr.dynamodb.read_items(
        table_name=table,
        key_condition_expression=Key("pk").eq(PK),
        boto3_session=boto3.Session(profile_name=ENV),
    )


_RESOURCE: dict[str, Any] = {}


def read_boto3(table: str) -> pd.DataFrame:
    """boto3's resource Table.query with full paging, then ``pd.DataFrame(items)``."""
    if "dynamodb" not in _RESOURCE:  # made once, as a notebook user would
        _RESOURCE["dynamodb"] = boto3.Session(profile_name=ENV).resource("dynamodb")
    handle = _RESOURCE["dynamodb"].Table(table)
    request: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(PK)}
    items: list[dict[str, Any]] = []
    while True:
        page = handle.query(**request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return pd.DataFrame(items)
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


CANDIDATES: dict[str, Reader] = {
    "dynamo_magic": read_dynamo_magic,
    "awswrangler": read_awswrangler,
    "boto3+pandas": read_boto3,
}


# -- measuring ---------------------------------------------------------------------------------
@dataclass
class Runs:
    """Repeated measurements of one candidate on one shape."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    failure: str | None = None


def measure_once(reader: Reader, table: str, items: int) -> tuple[float, float]:
    """Wall and this process's CPU seconds for one read; raises if rows are missing."""
    gc.collect()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    frame = reader(table)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if len(frame) != items or frame["sk"].nunique() != items:
        raise AssertionError(f"returned {len(frame)} rows, {frame['sk'].nunique()} distinct keys")
    return wall, cpu


def run_all(
    tables: dict[str, str], items: int, repeats: int, names: list[str]
) -> dict[tuple[str, str], Runs]:
    runs = {(name, shape): Runs() for name in names for shape in tables}
    for name in names:  # warm-up: imports, clients, first-call caches (not counted)
        for shape, table in tables.items():
            try:
                measure_once(CANDIDATES[name], table, items)
            except Exception as exc:
                runs[name, shape].failure = describe_failure(exc)
    for repeat in range(repeats):
        for shape, table in tables.items():
            for name in names:  # interleaved: A B C ... per repeat
                record = runs[name, shape]
                if record.failure:
                    continue
                wall, cpu = measure_once(CANDIDATES[name], table, items)
                record.walls.append(wall)
                record.cpus.append(cpu)
        print(f"  repeat {repeat + 1}/{repeats} done", flush=True)
    return runs


def describe_failure(exc: Exception) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = next((f for f in reversed(frames) if f.filename.endswith(".py")), frames[-1])
    message = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {message[:160]} (at {Path(where.filename).name}:{where.lineno})"


# -- reporting ---------------------------------------------------------------------------------
def summarize(runs: Runs, items: int) -> dict[str, Any]:
    if runs.failure:
        return {"failed": runs.failure}
    rate = Spread.of([items / w for w in runs.walls])
    cpu_k = Spread.of([c / items * 1000 for c in runs.cpus])
    return {"items_per_s": rate.as_dict(), "cpu_s_per_1k": cpu_k.as_dict(), "rows_ok": True}


def _medians(summary: dict[str, Any]) -> tuple[float | None, float | None]:
    return (
        summary.get("items_per_s", {}).get("median"),
        summary.get("cpu_s_per_1k", {}).get("median"),
    )


def report(shape: str, summaries: dict[str, dict[str, Any]]) -> None:
    ref_rate, ref_cpu = _medians(summaries.get(REFERENCE, {}))
    base_rate, base_cpu = _medians(summaries.get(BASELINE, {}))
    rows = []
    for name, s in summaries.items():
        if "failed" in s:
            rows.append([name, "FAILED", "-", "-", "-", s["failed"]])
            continue
        rate, cpu = Spread(*s["items_per_s"].values()), Spread(*s["cpu_s_per_1k"].values())
        rows.append(
            [
                name,
                rate.text(),
                cpu.text("{:.4f}"),
                f"{ratio(rate.median, ref_rate)} / {ratio(rate.median, base_rate)}",
                f"{ratio(cpu.median, ref_cpu)} / {ratio(cpu.median, base_cpu)}",
                "all rows",
            ]
        )
    headers = [
        "candidate",
        "wall items/s median [min-max]",
        "client CPU s/1k items",
        f"speed vs {REFERENCE} / {BASELINE}",
        "CPU vs same",
        "result",
    ]
    print(f"\nshape: {shape}")
    print_table(headers, rows)


def targets(summaries: dict[str, dict[str, Any]]) -> list[str]:
    """Issue 2's targets for dynamo_magic against awswrangler on one shape."""
    dm, ref = summaries.get("dynamo_magic", {}), summaries.get(REFERENCE, {})
    if "failed" in dm:
        return ["dynamo_magic FAILED"]
    if "failed" in ref or not ref:
        return [f"{REFERENCE} failed on this shape: targets not comparable"]
    cpu = dm["cpu_s_per_1k"]["median"] / ref["cpu_s_per_1k"]["median"]
    speed = dm["items_per_s"]["median"] / ref["items_per_s"]["median"]
    return [
        f"CPU/item {cpu:.2f}x of {REFERENCE} (target <= 0.50): {'MET' if cpu <= 0.5 else 'MISSED'}",
        f"wall speed {speed:.2f}x of {REFERENCE} (target >= 1.00): "
        f"{'MET' if speed >= 1.0 else 'MISSED'}",
    ]


# -- setup -------------------------------------------------------------------------------------
def prepare(server: Dynalite, items: int) -> tuple[dict[str, str], dict[str, float]]:
    """One table per shape holding one partition of ``items`` items; returns names and sizes."""
    client = server.client()
    tables, sizes = {}, {}
    for shape in SHAPES:
        table = f"query_{shape}"
        create_table(client, table)
        started = time.perf_counter()
        load(client, table, partition_items(shape, PK, items))
        print(f"loaded {items:,} {shape} items in {time.perf_counter() - started:.1f} s")
        sample = list(partition_items(shape, PK, 200))
        sizes[shape] = sum(map(item_size, sample)) / len(sample)
        tables[shape] = table
    return tables, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000, help="items in the partition")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per candidate")
    args = parser.parse_args()
    names = list(CANDIDATES)

    with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp:
        server = Dynalite.start(Path(tmp))
        try:
            use_private_profiles(Path(tmp) / "aws", {ENV: server.url})
            set_settings(None)
            environments.clear_caches()
            tables, sizes = prepare(server, args.items)
            print(f"running {len(names)} candidates x {len(tables)} shapes, {args.repeats} repeats")
            runs = run_all(tables, args.items, args.repeats, names)
        finally:
            server.stop()

    results: dict[str, Any] = {}
    for shape in tables:
        summaries = {name: summarize(runs[name, shape], args.items) for name in names}
        report(shape, summaries)
        verdict = targets(summaries)
        print("targets: " + "; ".join(verdict))
        results[shape] = {
            "avg_item_bytes": round(sizes[shape]),
            "candidates": summaries,
            "targets": verdict,
        }
    path = write_results(
        "query_dataframe",
        {"items": args.items, "repeats": args.repeats, "partition": PK, "shapes": results},
    )
    print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
