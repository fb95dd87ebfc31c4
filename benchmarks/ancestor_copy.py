"""Run the ancestor CLI (dynamo-cmdline 0.0.1) with its ``create_backup`` patched out.

Runs with benchmarks/.ancestor-venv/bin/python (dynamo-cmdline, pathos and boto3 installed
there; dynamo-cmdline declares no boto3 dependency). dynalite has no backups, and on an empty
target the backup would protect nothing; everything else is the ancestor's own code:

    .ancestor-venv/bin/python ancestor_copy.py copy -t T -src A -tgt B

With ``BENCH_RESULT=FILE`` set, writes ``{"seconds": ...}`` (time of ``main()``, after imports).
"""

from __future__ import annotations

import json
import os
import sys
import time

from dynamo.cli import main
from dynamo.dynamodb_table import DynamodbTable


def _no_backup(self: DynamodbTable) -> dict:
    print(f"(benchmark wrapper: create_backup of {self.table_name} skipped: dynalite has none)")
    return {}


def run() -> None:
    DynamodbTable.create_backup = _no_backup
    sys.argv[0] = "dynamo"
    started = time.perf_counter()
    main()
    seconds = time.perf_counter() - started
    if os.environ.get("BENCH_RESULT"):
        with open(os.environ["BENCH_RESULT"], "w") as out:
            json.dump({"seconds": seconds, "written": None}, out)


if __name__ == "__main__":
    run()
