"""``%dynamo_copy ... --transform NAME`` in a real kernel (issue 16 §5): a function defined in
the notebook runs in loky's worker processes (pickled by value: they cannot import
``__main__``), against two moto servers. The kernel checks the target itself (this process
runs the magics package's in-process moto)."""

from __future__ import annotations

from pathlib import Path

from conftest import A, B, subprocess_env
from live_kernel import errors, live_kernel, printed
from moto_servers import MotoServer
from tables import create_events, events_items, put_all

DEFINE = """
import json, os
%load_ext dynamo_magic

def scrub(item):
    if item["seq"] % 2:
        return None
    item["value"] = "hidden"
    item["pid"] = os.getpid()
    return [item, {**item, "seq": item["seq"] + 1000}]

LIMIT = 3
"""
CHECK = f"""
import boto3
client = boto3.Session(profile_name="{B}").client("dynamodb")
items = client.scan(TableName="events")["Items"]
print(json.dumps({{
    "counts": [res.written, res.dropped, res.produced],
    "verification": str(res.verification),
    "transform": res.transform,
    "keys": sorted((int(i["device"]["N"]), int(i["seq"]["N"])) for i in items),
    "values": sorted({{i["value"]["S"] for i in items}}),
    "pids": sorted({{int(i["pid"]["N"]) for i in items}}),
    "kernel": os.getpid(),
}}))
"""


def test_a_notebook_function_transforms_a_copy_in_worker_processes(
    servers: tuple[MotoServer, MotoServer], tmp_path: Path
) -> None:
    create_events(servers[0].client())
    put_all(servers[0].client(), "events", events_items(devices=2, per_device=10))
    line = f"%dynamo_copy events --source {A} --target {B} --no-progress --transform"
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        assert errors(kernel.run(DEFINE)) == []
        ran = kernel.run(f"{line} scrub --backend loky --workers 2 -o res")
        assert errors(ran) == []
        seen = printed(kernel.run(CHECK))
        missing = kernel.run(f"{line} nosuch")
        constant = kernel.run(f"{line} LIMIT")

    assert seen["counts"] == [20, 10, 20]
    assert seen["verification"].startswith("count: OK (source 20, target 20)")
    assert seen["transform"] == "__main__:scrub"
    even = [[d, s] for d in (1, 2) for s in range(0, 10, 2)]
    assert seen["keys"] == sorted(even + [[d, s + 1000] for d, s in even])
    assert seen["values"] == ["hidden"]
    assert seen["pids"] and seen["kernel"] not in seen["pids"]  # ran in worker processes
    assert errors(missing) == [
        "UsageError: --transform nosuch: no such name in the notebook; define the function "
        "(item -> item, list of items or None) first, or give module:function"
    ]
    assert errors(constant) == ["UsageError: --transform LIMIT is a int, not a function"]
