"""An import of an export folder against a copy of the same table, into the same empty table
(two dynalite "accounts"), in one process each run: items/s of each, interleaved (copy, import,
copy, import, ...), the target recreated empty before every run and compared to the source item
by item after it (a fast wrong load is a failure).

- ``copy``: ``dynamo_magic.copy(T, source=A, target=B, mode="merge", yes=True)``;
- ``import``: ``dynamo_magic.import_table(T, FOLDER, env=B, yes=True)`` of an export folder in
  DynamoDB's layout written from the source (``--files`` gzipped data files, as many as the
  copy's scan segments by default), its whole time: every file read and checked (MD5, counts,
  keys, sizes, duplicates), then read again and written;
- ``import-jsonl``: the same items as one plain JSON Lines file (a single worker: one file).

    .venv/bin/python benchmarks/import_vs_copy.py [--items 20000] [--repeats 3] [--files 16]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import dynamo_magic
from dynamo_magic.codec import WireItem, encode_binaries, item_json

from data import compare_tables, load, scan_all, spread_items
from measure import print_table, write_results
from servers import Dynalite, recreate_table, use_private_profiles

TABLE = "import_bench"
SOURCE, TARGET = "acct-a", "acct-b"


def write_export(root: Path, items: list[dict[str, Any]], files: int) -> Path:
    """``items`` (client form) as an export folder of ``files`` data files under ``root``."""
    export_id = "01700000000000-bench001"
    folder = root / "AWSDynamoDB" / export_id
    (folder / "data").mkdir(parents=True)
    lines = []
    for n in range(files):
        part = items[n::files]
        text = "".join(json.dumps({"Item": encode_binaries(i)}) + "\n" for i in part)
        body = gzip.compress(text.encode(), compresslevel=6)
        name = f"{n:04d}bench.json.gz"
        (folder / "data" / name).write_bytes(body)
        md5 = hashlib.md5(body)
        entry = {
            "itemCount": len(part),
            "md5Checksum": base64.b64encode(md5.digest()).decode(),
            "etag": md5.hexdigest(),
            "dataFileS3Key": f"AWSDynamoDB/{export_id}/data/{name}",
        }
        lines.append(json.dumps(entry))
    (folder / "manifest-files.json").write_text("\n".join(lines) + "\n")
    summary = {
        "version": "2020-06-30",
        "manifestFilesS3Key": f"AWSDynamoDB/{export_id}/manifest-files.json",
        "itemCount": len(items),
        "outputFormat": "DYNAMODB_JSON",
        "exportType": "FULL_EXPORT",
    }
    (folder / "manifest-summary.json").write_text(json.dumps(summary))
    return folder


def write_plain(path: Path, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Plain JSON Lines (``codec.item_json``: numbers exact) of the attributes plain JSON
    holds as they are (S, N, BOOL: binaries and sets would come back as text and lists);
    returns those items, as the table should then hold them."""
    kept = [
        {k: v for k, v in item.items() if next(iter(v)) in ("S", "N", "BOOL")} for item in items
    ]
    with path.open("w") as out:
        out.writelines(item_json(WireItem(item)) + "\n" for item in kept)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--files", type=int, default=16)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    a, b = Dynalite.start(work), Dynalite.start(work)
    try:
        use_private_profiles(work / "aws", {SOURCE: a.url, TARGET: b.url})
        recreate_table(a.client(), TABLE, "N")
        load(a.client(), TABLE, spread_items("rich", args.items))
        source = scan_all(a.client(), TABLE)
        folder = write_export(work / "export", source, args.files)
        plain_items = write_plain(work / "items.jsonl", source)
        runs: dict[str, list[float]] = {"copy": [], "import": [], "import-jsonl": []}
        failures: list[str] = []
        for _ in range(args.repeats):
            for name in runs:
                recreate_table(b.client(), TABLE, "N")
                start = time.perf_counter()
                if name == "copy":
                    dynamo_magic.copy(TABLE, source=SOURCE, target=TARGET, mode="merge", yes=True)
                    expected = source
                elif name == "import":
                    dynamo_magic.import_table(TABLE, str(folder), env=TARGET, yes=True)
                    expected = source
                else:
                    plain = str(work / "items.jsonl")
                    dynamo_magic.import_table(TABLE, plain, env=TARGET, yes=True)
                    expected = plain_items
                seconds = time.perf_counter() - start
                problems = compare_tables(expected, scan_all(b.client(), TABLE))
                if problems:
                    failures.append(f"{name}: {problems[:3]}")
                runs[name].append(seconds)
                print(f"{name}: {args.items / seconds:,.0f} items/s ({seconds:.2f} s)", flush=True)
        rows = []
        for name, seconds in runs.items():
            median = statistics.median(seconds)
            rows.append(
                [
                    name,
                    f"{args.items / median:,.0f}",
                    f"{args.items / max(seconds):,.0f}-{args.items / min(seconds):,.0f}",
                    f"{median:.2f}",
                    f"{statistics.median(runs['copy']) / median:.2f}",
                ]
            )
        print_table(["candidate", "items/s (median)", "range", "seconds", "vs copy"], rows)
        if failures:
            print("FAILURES:", *failures, sep="\n  ")
        write_results(
            "import_vs_copy",
            {"items": args.items, "files": args.files, "runs": runs, "failures": failures},
        )
    finally:
        a.stop()
        b.stop()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
