"""Run ``dynamo ...`` (the CLI's ``main``) and record when each phase of a copy starts and ends.

    python cli_phases.py TIMES_FILE copy -t T -src A -tgt B --yes

Used by copy_cli.py for its breakdown run only (the timed runs start the real ``dynamo``
console script). Wraps, from outside, the functions every version of the copy path calls:
``api.plan_copy`` (planning: DescribeTable, sample, count), ``transfer.execute`` (create/backup,
the copy itself, prune) and ``transfer.verify``. Writes to TIMES_FILE the epoch times of:
``started`` (this script's first line: interpreter start-up before it), ``imported`` (after
``import dynamo_magic.cli``), each phase's start/end, ``returned`` (``main`` returned; what is
left is interpreter exit: joblib/loky shutting workers down), plus the heavy modules that were
loaded in this process by then, the file ``dynamo_magic`` came from, and the engine used.
"""

from __future__ import annotations

import time

STARTED = time.time()

import functools  # noqa: E402 - after the first timestamp on purpose
import json  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

HEAVY = ("pandas", "numpy", "IPython", "ipywidgets", "tqdm", "pyarrow", "joblib", "loky")


def main() -> int:
    times_file, argv = sys.argv[1], sys.argv[2:]
    marks: dict[str, Any] = {"started": STARTED}
    import dynamo_magic.cli as cli

    marks["imported"] = time.time()
    marks["heavy_after_import"] = [m for m in HEAVY if m in sys.modules]
    from dynamo_magic import api
    from dynamo_magic.transfer import engine as copying

    def timed(module: Any, name: str, phase: str) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            marks[f"{phase}_start"] = time.time()
            try:
                return original(*args, **kwargs)
            finally:
                marks[f"{phase}_end"] = time.time()

        setattr(module, name, wrapper)

    timed(api, "plan_copy", "plan")
    execute = copying.execute

    def engine_of(plan: Any, engine: Any, *args: Any, **kwargs: Any) -> Any:
        marks["engine"] = f"{engine.backend}, {engine.workers} workers, {engine.segments} segments"
        marks["estimated_items"] = plan.source_items
        return execute(plan, engine, *args, **kwargs)

    copying.execute = engine_of
    timed(copying, "execute", "execute")
    timed(copying, "verify", "verify")
    code = 1
    try:
        code = cli.main(argv)
    finally:
        marks["returned"] = time.time()
        marks["heavy_at_end"] = [m for m in HEAVY if m in sys.modules]
        marks["dynamo_magic_file"] = sys.modules["dynamo_magic"].__file__
        with open(times_file, "w") as out:
            json.dump(marks, out)
    return code


if __name__ == "__main__":
    sys.exit(main())
