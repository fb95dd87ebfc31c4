"""One copy candidate, run as its own process by copy_throughput.py (which measures the tree).

    python copy_candidates.py {naive,ceiling,threads,dynamo_magic} --table T --source A
        --target B [--processes P] [--threads T] --result FILE

``--source``/``--target`` are AWS profile names (endpoint_url -> a dynalite server). Writes
``{"seconds": ..., "written": ...}`` to FILE: seconds from the start of the copy to its end
(after imports and interpreter start-up, which the harness's wall time includes).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import botocore.config

MAX_BATCH_WRITE = 25  # DynamoDB limit per BatchWriteItem
RETRY_LIMIT = 10  # attempts for UnprocessedItems before giving up
BACKOFF_BASE = 0.05  # seconds, doubled per attempt ...
BACKOFF_CAP = 2.0  # ... up to this, with full jitter


def client_for(profile: str, connections: int | None = None) -> Any:
    """A boto3 client of ``profile``; ``connections``: its pool size (botocore's default 10
    caps a client's requests in flight)."""
    config = botocore.config.Config(max_pool_connections=connections) if connections else None
    return boto3.Session(profile_name=profile).client("dynamodb", config=config)


def write_page(client: Any, table: str, items: list[dict[str, Any]]) -> int:
    """Write one scanned page in batches of 25, retrying UnprocessedItems; returns items."""
    for start in range(0, len(items), MAX_BATCH_WRITE):
        request = {
            table: [{"PutRequest": {"Item": i}} for i in items[start : start + MAX_BATCH_WRITE]]
        }
        for attempt in range(RETRY_LIMIT):
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems")
            if not request:
                break
            time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)))
        else:
            raise RuntimeError(f"items still unprocessed after {RETRY_LIMIT} attempts")
    return len(items)


def copy_segment(
    table: str,
    source: str,
    target: str,
    segment: int | None,
    total: int | None,
    clients: tuple[Any, Any] | None = None,
) -> int:
    """Scan one segment (or the whole table) page by page, writing each page at once;
    ``clients``: (reader, writer) to use, default new ones."""
    reader, writer = clients or (client_for(source), client_for(target))
    request: dict[str, Any] = {"TableName": table}
    if total is not None:
        request.update(Segment=segment, TotalSegments=total)
    written = 0
    while True:
        page = reader.scan(**request)
        written += write_page(writer, table, page["Items"])
        if "LastEvaluatedKey" not in page:
            return written
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def naive(args: argparse.Namespace) -> int:
    """Single process: one sequential scan, each page written in batches of 25."""
    return copy_segment(args.table, args.source, args.target, None, None)


def ceiling(args: argparse.Namespace) -> int:
    """P processes, each scanning one of P segments and writing each page straight away."""
    context = multiprocessing.get_context("fork")
    p = args.processes
    with ProcessPoolExecutor(max_workers=p, mp_context=context) as pool:
        counts = pool.map(
            copy_segment, [args.table] * p, [args.source] * p, [args.target] * p, range(p), [p] * p
        )
        return sum(counts)


def threaded_segments(
    table: str, source: str, target: str, first: int, threads: int, total: int
) -> int:
    """In one process: ``threads`` threads, each copying one segment (``first`` onwards of
    ``total``) through one reader and one writer client shared by all (thread-safe)."""
    clients = (client_for(source, threads), client_for(target, threads))
    with ThreadPoolExecutor(threads) as pool:
        counts = pool.map(
            lambda s: copy_segment(table, source, target, s, total, clients),
            range(first, first + threads),
        )
        return sum(counts)


def threads(args: argparse.Namespace) -> int:
    """P processes x T threads: P x T segments, each thread scanning one and writing each page
    at once (up to P x T requests in flight)."""
    p, t = args.processes, args.threads
    if p == 1:
        return threaded_segments(args.table, args.source, args.target, 0, t, t)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=p, mp_context=context) as pool:
        counts = pool.map(
            threaded_segments,
            [args.table] * p,
            [args.source] * p,
            [args.target] * p,
            [i * t for i in range(p)],
            [t] * p,
            [p * t] * p,
        )
        return sum(counts)


def dynamo_magic_copy(args: argparse.Namespace) -> int:
    """dynamo_magic.copy with its default settings (the target is empty)."""
    import dynamo_magic

    result = dynamo_magic.copy(args.table, source=args.source, target=args.target)
    print(f"dynamo_magic.copy result: {result!r}")
    return int(getattr(result, "written", -1))


CANDIDATES = {
    "naive": naive,
    "ceiling": ceiling,
    "threads": threads,
    "dynamo_magic": dynamo_magic_copy,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidate", choices=sorted(CANDIDATES))
    parser.add_argument("--table", required=True)
    parser.add_argument("--source", required=True, help="source AWS profile")
    parser.add_argument("--target", required=True, help="target AWS profile")
    parser.add_argument("--processes", type=int, default=1, help="ceiling: processes/segments")
    parser.add_argument("--threads", type=int, default=1, help="threads: threads per process")
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    written = CANDIDATES[args.candidate](args)
    seconds = time.perf_counter() - started
    args.result.write_text(json.dumps({"seconds": seconds, "written": written}))


if __name__ == "__main__":
    main()
