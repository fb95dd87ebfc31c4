"""The ``dynamo`` command as a real process against a moto server (a real HTTP endpoint).

Processes cannot see in-process moto, so these tests use server A of the session's moto pair,
filled once for the module, and run several commands concurrently. A process costs ~0.8 s of
CPU (imports), so the long matrices (every operator, every extra bad input) call
``cli.main`` in this process against the same server; each behaviour that differs between the
two (exit status, stdout vs stderr, the console script) is also checked as a real process.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dynamo_magic import cli
from dynamo_magic.cli import build_parser
from dynamo_magic.options import COMMANDS
from dynamo_magic.settings import max_workers

from conftest import reset_caches, subprocess_env, write_profiles
from moto_servers import endpoint_client
from tables import (
    BIG,
    blobs_items,
    create_blobs,
    create_events,
    create_orders,
    create_reserved,
    events_items,
    orders_items,
    put_all,
    reserved_items,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"
PARALLEL = 4  # CLI processes at a time
TIMEOUT = 60  # seconds per command


@pytest.fixture(scope="module")
def profiles(moto_pair, tmp_path_factory) -> dict[str, str]:
    """Server A emptied and filled with the test tables; AWS config variables pointing at it."""
    server = moto_pair[0]
    server.reset()
    client = server.client()
    create_orders(client)
    put_all(client, "orders", orders_items())
    create_events(client)
    put_all(client, "events", events_items())
    create_blobs(client)
    put_all(client, "blobs", blobs_items())
    create_reserved(client)
    put_all(client, "reserved", reserved_items())
    for name, type_ in (("users", "S"), ("nums", "N"), ("odd", "S")):
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": type_}],
            BillingMode="PAY_PER_REQUEST",
        )
    client.put_item(TableName="users", Item={"id": {"S": "u1"}, "big": {"N": BIG}})
    client.put_item(TableName="users", Item={"id": {"S": "u2"}, "big": {"N": "2"}})
    client.put_item(TableName="nums", Item={"id": {"N": "42"}, "name": {"S": "answer"}})
    # attributes named like the --unique columns, and a real string "<missing>"
    for item in (
        {"id": {"S": "a"}, "type": {"S": "<missing>"}, "count": {"N": "1.5"}},
        {"id": {"S": "b"}, "type": {"S": "x"}, "count": {"N": BIG}},
        {"id": {"S": "c"}, "type": {"NULL": True}},
        {"id": {"S": "d"}},
    ):
        client.put_item(TableName="odd", Item=item)
    folder = tmp_path_factory.mktemp("cli-aws")
    return write_profiles(folder, {"default": server.url, "dev": server.url})


def dynamo(profiles: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**subprocess_env(), **profiles}
    return subprocess.run(
        [sys.executable, "-m", "dynamo_magic.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
    )


def dynamo_many(
    profiles: dict[str, str], commands: dict[str, list[str]]
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run several ``dynamo`` commands at once; results by the caller's names."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {name: pool.submit(dynamo, profiles, *argv) for name, argv in commands.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture
def in_process(profiles, monkeypatch, capsys):
    """``cli.main`` in this process, with the same profiles; returns a CompletedProcess."""
    for var, value in profiles.items():
        monkeypatch.setenv(var, value)
    reset_caches()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["dynamo", *args], code, out, err)

    return run


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def json_lines(result: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in ok(result).splitlines()]


def table_rows(result: subprocess.CompletedProcess[str]) -> int:
    """Data rows of ``--format table`` output (header line excluded)."""
    lines = ok(result).strip().splitlines()
    return 0 if lines == ["(no items)"] else len(lines) - 1


def test_partition_key_forms(profiles):
    runs = dynamo_many(
        profiles,
        {
            "positional": ["query", "--table", "orders", "c1", "-e", "dev"],
            "option": ["query", "-t", "orders", "-pk", "c1", "--env", "dev", "--format", "json"],
            "default env": ["query", "-t", "orders", "--pk", "c0", "-sk", "2024-01-0"],
            "between": [
                *("query", "-t", "events", "1", "--sk-op", "between", "--sk", "3"),
                *("--sk2", "6", "--format", "json"),
            ],
        },
    )
    assert table_rows(runs["positional"]) == 10
    assert runs["positional"].stderr.startswith("10 item(s) from orders, query")
    assert {row["customer"] for row in json_lines(runs["option"])} == {"c1"}
    assert len(json_lines(runs["option"])) == 10
    assert table_rows(runs["default env"]) == 9  # begins_with by default: 01..09
    assert [row["seq"] for row in json_lines(runs["between"])] == [3, 4, 5, 6]


SORT_KEY_CASES = {
    ("2024-01-0", None, None): list(range(1, 10)),  # begins_with by default
    ("2024-01-1", "begins_with", None): [10],
    ("2024-01-05", "=", None): [5],
    ("2024-01-05", "<", None): [1, 2, 3, 4],
    ("2024-01-05", "<=", None): [1, 2, 3, 4, 5],
    ("2024-01-05", ">", None): [6, 7, 8, 9, 10],
    ("2024-01-05", ">=", None): [5, 6, 7, 8, 9, 10],
    ("2024-01-03", "between", "2024-01-05"): [3, 4, 5],
}


def test_every_sort_key_operator(in_process):
    for (sk, op, sk2), days in SORT_KEY_CASES.items():
        argv = ["query", "-t", "orders", "c1", "-e", "dev", "-sk", sk, "--format", "json"]
        argv += ["--sk-op", op] if op else []
        argv += ["--sk2", sk2] if sk2 else []
        rows = json_lines(in_process(*argv))
        assert sorted(int(row["order-date"][-2:]) for row in rows) == days, argv
    numeric = in_process(
        *("query", "-t", "events", "2", "--sk", "17", "--sk-op", ">", "-e", "dev"),
        *("--format", "json"),
    )
    assert [row["seq"] for row in json_lines(numeric)] == [18, 19]


def test_reserved_dashed_and_binary_keys(in_process):
    reserved = json_lines(in_process("query", "-t", "reserved", "n1", "--format", "json"))
    assert {row["size"] for row in reserved} == {1, 3, 5, 7}
    assert {row["data.value"] for row in reserved} == {"dot1", "dot3", "dot5", "dot7"}
    filtered = in_process(
        *(
            "query",
            "-t",
            "reserved",
            "n1",
            "--filter",
            "order-id >= 103 AND `data.value` <> 'dot5'",
        ),
        *("--format", "json"),
    )  # a name with a dot in backquotes (issue 6: a bare data.value is key value of map data)
    assert sorted(row["order-id"] for row in json_lines(filtered)) == [103, 107]
    key = base64.b64encode(bytes([3, 7])).decode()
    (blob,) = json_lines(in_process("query", "-t", "blobs", key, "--format", "json"))
    assert blob == {"id": key, "payload": "p3"}


def test_flags_in_a_real_process(profiles):
    q = ["query", "-t", "orders", "-e", "dev"]
    runs = dynamo_many(  # several flags per process: each reaches the engine and the output
        profiles,
        {
            "gsi": [
                *(*q, "open", "-i", "status-total", "--sk", "5", "--sk-op", ">"),
                *("--select", "qty", "--format", "json"),
            ],
            "lsi": [
                *(*q, "c1", "--index", "by-total", "--sk", "10", "--sk-op", ">="),
                *("--filter", "qty > 8", "--format", "json"),
            ],
            "unique": [*q, "c1", "-u", "status"],
            "head": [*q, "c1", "-head"],
            "summary": [*q, "c1", "--summary", "--format", "csv"],
            "count": [*q, "c1", "--count"],
            "scan": [*q, "--scan", "--limit", "7", "--format", "json"],
        },
    )
    gsi = json_lines(runs["gsi"])
    assert sorted(row["total"] for row in gsi) == sorted([6.25, 8.75, 11.25] * 3)
    assert set(gsi[0]) == {"status", "total", "customer", "order-date", "qty"}
    assert "index status-total" in runs["gsi"].stderr
    assert sorted(row["qty"] for row in json_lines(runs["lsi"])) == [9, 10]
    unique = ok(runs["unique"])
    assert re.search(r"open\s+S\s+5", unique) and re.search(r"shipped\s+S\s+5", unique)
    assert table_rows(runs["head"]) == 5
    summary = {row["attribute"] for row in csv.DictReader(io.StringIO(ok(runs["summary"])))}
    assert {"customer", "big", "paid", "address", "size"} <= summary
    assert ok(runs["count"]).strip() == "10"
    assert len(json_lines(runs["scan"])) == 7
    assert "truncated at 7" in runs["scan"].stderr


def test_every_query_flag(in_process):
    def rows(*args: str) -> list[dict]:
        argv = ["query", "-t", "orders", "-e", "dev", *args, "--format", "json"]
        return json_lines(in_process(*argv))

    gsi = rows("open", "-i", "status-total")
    assert len(gsi) == 15 and {row["status"] for row in gsi} == {"open"}
    lsi = rows("c1", "-i", "by-total", "--sk", "10", "--sk-op", ">=")
    assert sorted(row["total"] for row in lsi) == [10, 11.25, 12.5]
    keys_only = rows("eu", "-i", "region-keys")
    assert len(keys_only) == 9  # n = 3, 6, 9 for each of 3 customers
    assert set(keys_only[0]) == {"customer", "order-date", "region"}
    include = rows("us", "-i", "region-include")
    assert set(include[0]) == {"customer", "order-date", "region", "total"}
    paid = in_process("query", "-t", "orders", "c1", "--unique", "paid", "--format", "csv")
    counts = sorted(row["count"] for row in csv.DictReader(io.StringIO(ok(paid))))
    assert counts == ["2", "4", "4"]  # True, False and missing
    assert len(rows("c1", "--head", "2")) == 2
    assert len(rows("c1", "-head", "3", "--filter", "status = 'open'")) == 3
    count = in_process("query", "-t", "orders", "c1", "--count", "--filter", "status = 'open'")
    assert ok(count).strip() == "5"
    assert len(rows("--scan")) == 30
    assert sorted(r["qty"] for r in rows("c1", "--filter", "status = 'open' AND qty > 3")) == [
        5,
        7,
        9,
    ]
    selected = rows("c1", "--select", "total,qty")
    assert len(selected) == 10
    assert all(set(row) == {"customer", "order-date", "total", "qty"} for row in selected)
    limited = in_process("query", "-t", "orders", "c1", "--limit", "4", "--format", "json")
    assert len(json_lines(limited)) == 4 and "truncated at 4" in limited.stderr
    preview = in_process("query", "-t", "orders", "--format", "json")
    assert len(json_lines(preview)) == 20 and "preview" in preview.stderr
    newest = rows("c1", "--reverse", "--limit", "1", "--consistent")
    assert newest[0]["order-date"] == "2024-01-10"
    assert len(rows("--scan", "--segments", "2")) == 30
    flat = in_process("query", "-t", "orders", "c1", "--flatten", "--numbers", "float")
    header = ok(flat).splitlines()[0].split()
    assert "address.city" in header and "address.zip" in header


def test_json_and_csv_parse_back_exactly(profiles):
    runs = dynamo_many(
        profiles,
        {
            "json": ["query", "-t", "orders", "c1", "-e", "dev", "--format", "json"],
            "csv": ["query", "-t", "orders", "c1", "-e", "dev", "--format", "csv"],
            "csv-mixed": ["query", "-t", "users", "--scan", "-e", "dev", "--format", "csv"],
        },
    )
    lines = ok(runs["json"]).splitlines()
    assert len(lines) == 10  # JSON Lines: one item per line
    assert all(f'"big": {BIG}' in line for line in lines)  # 38 digits, unrounded
    items = [json.loads(line) for line in lines]
    first = next(item for item in items if item["order-date"] == "2024-01-01")
    assert first["big"] == int(BIG)
    assert first["total"] == 1.25 and first["qty"] == 1 and first["paid"] is False
    assert first["note"] is None
    # NS ["1", "1"] (moto accepts the duplicate; DynamoDB would not) is the set {1}
    assert first["tags"] == ["a", "t1"] and first["scores"] == [1]
    assert base64.b64decode(first["blob"]) == bytes([1, 0, 255])
    assert first["address"] == {"city": "Paris", "zip": 75001}
    assert first["lines"] == ["x", 2, {"k": True}]

    rows = list(csv.DictReader(io.StringIO(ok(runs["csv"]))))
    assert len(rows) == 10
    assert list(rows[0])[:2] == ["customer", "order-date"]  # key columns first
    assert {row["big"] for row in rows} == {BIG}
    assert sorted(float(row["total"]) for row in rows) == [n * 1.25 for n in range(1, 11)]
    mixed = {row["id"]: row["big"] for row in csv.DictReader(io.StringIO(ok(runs["csv-mixed"])))}
    assert mixed == {"u1": BIG, "u2": "2"}  # a column that cannot be Int64 keeps every digit


def test_flatten_applies_to_every_format(profiles):
    """--flatten names columns by path in JSON lines as in csv and table; without it JSON keeps
    the item's nested shape. Values are the one encoding: exact numbers as JSON numbers."""
    base = ["query", "-t", "orders", "c1", "-e", "dev"]
    select = ["--select", "address.city,big"]
    runs = dynamo_many(
        profiles,
        {
            "json": [*base, *select, "--flatten", "--format", "json"],
            "csv": [*base, *select, "--flatten", "--format", "csv"],
            "table": [*base, *select, "--flatten"],
            "nested": [*base, *select, "--format", "json"],
            "all": [*base, "--flatten", "--format", "json"],
            "head": [*base, "--flatten", "--head", "2", "--format", "json"],
        },
    )
    flat = json_lines(runs["json"])
    assert len(flat) == 10
    keys = {"customer", "order-date", "address.city", "big"}
    assert all(set(row) == keys and row["address.city"] == "Paris" for row in flat)
    assert all(f'"big": {BIG}' in line for line in ok(runs["json"]).splitlines())
    rows = list(csv.DictReader(io.StringIO(ok(runs["csv"]))))
    assert set(rows[0]) == keys  # the same columns as csv
    assert [r["address.city"] for r in rows] == [r["address.city"] for r in flat]
    assert "address.city" in ok(runs["table"]).splitlines()[0].split()
    nested = json_lines(runs["nested"])
    assert all(row["address"] == {"city": "Paris"} for row in nested)
    everything = json_lines(runs["all"])
    assert all("address" not in row for row in everything)
    assert sorted(row["address.zip"] for row in everything) == list(range(75001, 75011))
    assert all(isinstance(row["address.zip"], int) for row in everything)
    assert all(row["total"] == row["qty"] * 1.25 for row in everything)  # numbers stay numbers
    assert [set(row) for row in json_lines(runs["head"])] == [set(everything[0])] * 2


def test_unique_missing_row_and_clashing_names(profiles):
    """The row of items without the attribute is null in JSON (a real string "<missing>" is a
    string of type S, NULL has type NULL) and <missing> in csv/table; an attribute named
    ``type`` or ``count`` keeps its name and the other columns become _type and _count."""
    runs = dynamo_many(
        profiles,
        {
            (attribute, fmt): ["query", "-t", "odd", "--scan", "-u", attribute, "--format", fmt]
            for attribute in ("type", "count")
            for fmt in ("json", "csv", "table")
        },
    )
    rows = [json.loads(line) for line in ok(runs["type", "json"]).splitlines()]
    assert all(list(row) == ["type", "_type", "_count"] for row in rows)
    assert sorted((r["type"] or "", r["_type"] or "", r["_count"]) for r in rows) == [
        ("", "", 1),
        ("", "NULL", 1),
        ("<missing>", "S", 1),
        ("x", "S", 1),
    ]
    missing = [r for r in rows if r["_type"] is None]
    assert missing == [{"type": None, "_type": None, "_count": 1}]
    cells = list(csv.DictReader(io.StringIO(ok(runs["type", "csv"]))))
    assert sorted((r["type"], r["_type"], r["_count"]) for r in cells) == [
        ("", "NULL", "1"),
        ("<missing>", "", "1"),
        ("<missing>", "S", "1"),
        ("x", "S", "1"),
    ]
    table = ok(runs["type", "table"]).splitlines()
    assert table[0].split() == ["type", "_type", "_count"]
    assert sum("<missing>" in line for line in table) == 2
    counts = [json.loads(line, parse_float=str) for line in ok(runs["count", "json"]).splitlines()]
    assert all(list(row) == ["count", "_type", "_count"] for row in counts)
    assert sorted(str(r["count"]) for r in counts) == sorted(["1.5", BIG, "None"])
    header = ok(runs["count", "csv"]).splitlines()[0]
    assert header == "count,_type,_count"


def test_empty_result_exits_zero(profiles, in_process):
    runs = dynamo_many(
        profiles,
        {
            fmt: ["query", "-t", "orders", "nobody", "-e", "dev", "--format", fmt]
            for fmt in ("table", "json")
        },
    )
    assert ok(runs["table"]).strip() == "(no items)"
    assert ok(runs["json"]) == ""
    assert "0 item(s)" in runs["json"].stderr
    empty_csv = ok(in_process("query", "-t", "orders", "nobody", "--format", "csv"))
    assert empty_csv.strip() == "customer,order-date"  # the header: the key columns
    assert ok(in_process("query", "-t", "orders", "nobody", "--count")).strip() == "0"


BAD_INPUT = {  # name: (arguments after "query -e dev", part of the message)
    "unknown env": (["-t", "orders", "c1", "-e", "nope"], "unknown environment 'nope'"),
    "unknown table": (["-t", "nope", "c1"], "table 'nope' not found"),
    "unknown index": (["-t", "orders", "c1", "-i", "nope"], "has no index 'nope'"),
    "wrong key type": (["-t", "events", "x"], "is a number (N)"),
    "bad operator": (["-t", "orders", "c1", "--sk", "x", "--sk-op", "~"], "--sk-op"),
    "malformed filter": (["-t", "orders", "c1", "--filter", "status ="], "bad filter"),
    # the flag the user typed is the one named (--head N reads N items: it was called --limit)
    "zero head": (["-t", "orders", "c1", "--head", "0"], "--head must be a positive number"),
    "negative head": (["-t", "orders", "c1", "--head", "-1"], "--head must be a positive"),
}
MORE_BAD_INPUT = {
    "unbalanced filter": (["-t", "orders", "c1", "--filter", "(status = 'x'"], "bad filter"),
    "unknown filter variable": (["-t", "orders", "c1", "--filter", "status = :x"], ":x"),
    "between one bound": (
        ["-t", "orders", "c1", "--sk", "a", "--sk-op", "between"],
        "between needs two bounds",
    ),
    "sk2 without between": (["-t", "orders", "c1", "--sk", "a", "--sk2", "b"], "--sk2"),
    "sort key on hash-only": (["-t", "users", "u1", "--sk", "x"], "no sort key"),
    "sort key on keys-only index": (
        ["-t", "orders", "eu", "-i", "region-keys", "--sk", "x"],
        "no sort key",
    ),
    "begins_with on a number": (
        ["-t", "events", "1", "--sk", "1", "--sk-op", "begins_with"],
        "begins_with",
    ),
    "wrong sort key type": (["-t", "events", "1", "--sk", "x", "--sk-op", "="], "number"),
    "binary key not base64": (["-t", "blobs", "@@"], "base64"),
    "sort key without pk": (["-t", "orders", "--sk", "x"], "partition key"),
    "scan with pk": (["-t", "orders", "c1", "--scan"], "--scan"),
    "two partition keys": (["-t", "orders", "c1", "-pk", "c2"], "partition key once"),
    "two views": (["-t", "orders", "c1", "-u", "status", "--summary"], "choose one"),
    "empty select": (["-t", "orders", "c1", "--select", ","], "--select"),
    "missing table": (["c1"], "--table"),
    "bad limit": (["-t", "orders", "c1", "--limit", "x"], "--limit"),
    "zero limit": (["-t", "orders", "c1", "--limit", "0"], "--limit"),
    "negative limit with head": (
        ["-t", "orders", "c1", "--head", "3", "--limit", "-1"],
        "--limit must be a positive number",
    ),
    "zero limit with head": (
        ["-t", "orders", "c1", "--head", "3", "--limit", "0"],
        "--limit must be a positive number",
    ),
    "negative head with unique": (
        ["-t", "orders", "c1", "--head", "-2", "-u", "status"],
        "--head must be a positive number",
    ),
    "zero head with summary": (
        ["-t", "orders", "c1", "--head", "0", "--summary"],
        "--head must be a positive number",
    ),
    "unknown option": (["-t", "orders", "c1", "--nope"], "--nope"),
    "unknown format": (["-t", "orders", "c1", "--format", "xml"], "--format"),
    "no region": (["-t", "orders", "c1", "-e", "noregion"], "no region"),
}


def assert_one_error_line(name: str, result: subprocess.CompletedProcess[str], message: str):
    assert result.returncode == 2, (name, result.stderr)
    assert result.stdout == "", name
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), (name, result.stderr)
    assert message in lines[0], (name, lines[0])


def in_dev(argv: list[str]) -> list[str]:
    """``argv`` with ``-e dev`` unless it names its environment (an option given twice with
    two values is refused)."""
    return argv if {"-e", "--env"} & set(argv) else ["-e", "dev", *argv]


def test_bad_input_is_one_error_line_and_exit_2(profiles):
    runs = dynamo_many(
        profiles,
        {name: ["query", *in_dev(argv)] for name, (argv, _) in BAD_INPUT.items()},
    )
    for name, (_, message) in BAD_INPUT.items():
        assert_one_error_line(name, runs[name], message)


def test_more_bad_input(in_process):
    for name, (argv, message) in (BAD_INPUT | MORE_BAD_INPUT).items():
        assert_one_error_line(name, in_process("query", *in_dev(argv)), message)
    assert_one_error_line("no command", in_process(), "required")
    for limit in ("0", "-1"):  # not 0 items, nor a page without its last item
        refused = in_process("partiql", "SELECT * FROM orders", "-e", "dev", "--limit", limit)
        assert_one_error_line("partiql limit", refused, "--limit must be a positive number")


def server_client(profiles: dict[str, str]) -> object:
    """A plain boto3 client of server A (the test's own view)."""
    config = Path(profiles["AWS_CONFIG_FILE"]).read_text()
    url = re.search(r"endpoint_url = (\S+)", config).group(1)
    return endpoint_client(url)


COPY_DEV = ["copy", "-t", "orders", "-src", "dev", "-tgt", "dev", "--yes", "--no-backup"]
COUNT_REFUSALS = {  # name: (arguments, part of the message)
    "query segments 0": (["--segments", "0"], "segments must be from 1 to 1,000,000"),
    "query segments -2": (["--segments", "-2"], "segments must be from 1 to 1,000,000"),
    "query segments 2000000": (["--segments", "2000000"], "(DynamoDB's limit on a parallel"),
    "copy workers 0": ([*COPY_DEV, "--workers", "0"], "workers must be at least 1, not 0"),
    "copy segments 0": ([*COPY_DEV, "--segments", "0"], "segments must be from 1 to"),
    "copy segments -1": ([*COPY_DEV, "--segments", "-1"], "TotalSegments), not -1"),
    "copy segments 2000000": ([*COPY_DEV, "--segments", "2000000"], "not 2000000"),
    "copy workers too many": (
        [*COPY_DEV, "--workers", str(max_workers() + 1)],
        f"workers must be at most {max_workers()} (8 per CPU core",
    ),
    "dry run workers 100000": ([*COPY_DEV, "--dry-run", "--workers", "100000"], "not 100000"),
}


def test_worker_and_segment_counts_are_refused_at_once(profiles):
    """2,000,000 segments once ran for minutes on a thread per segment: now refused, as are
    counts below 1, before anything is read or written."""
    started = time.monotonic()
    runs = dynamo_many(
        profiles,
        {
            name: (
                [*argv, "--target-table", f"never-{i}"]
                if argv[0] == "copy"
                else ["query", "-e", "dev", "-t", "orders", "--scan", "--count", *argv]
            )
            for i, (name, (argv, _)) in enumerate(COUNT_REFUSALS.items())
        },
    )
    assert time.monotonic() - started < TIMEOUT
    for name, (_, message) in COUNT_REFUSALS.items():
        assert_one_error_line(name, runs[name], message)
    assert not [t for t in server_client(profiles).list_tables()["TableNames"] if "never" in t]


BAD_CONFIG_NUMBERS = {  # config file text: part of the message
    "max_retries = -1": "max_retries must be a whole number >= 0, not -1",
    "backoff_cap = nan": "backoff_cap must be a number of seconds > 0, not nan",
    "backoff_base = -1": "backoff_base must be a number of seconds > 0, not -1",
    "backoff_base = 1e300\nbackoff_cap = 1e300": "backoff_cap must be at most 3600 seconds",
    "preview_items = -4": "preview_items must be a whole number >= 1, not -4",
    "preview_items = 0": "preview_items must be a whole number >= 1, not 0",
    "workers = 100000": f"workers must be at most {max_workers()}",
}


def test_bad_numbers_in_the_config_file_are_one_error_line_and_exit_2(profiles, tmp_path):
    """Once a traceback when a read was retried (nan, a negative wait, an overflow) or taken
    silently (-1 retries as 0, 0 preview items): now refused when the file is loaded."""
    commands = {
        "query": ["query", "-t", "orders", "c1", "-e", "dev"],
        "preview": ["query", "-t", "orders", "-e", "dev"],
        "copy": [*COPY_DEV, "--target-table", "never-config"],
    }
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {}
        for i, text in enumerate(BAD_CONFIG_NUMBERS):
            (tmp_path / f"{i}.toml").write_text(text + "\n")
            variables = {**profiles, "DYNAMO_MAGIC_CONFIG": str(tmp_path / f"{i}.toml")}
            for command, argv in commands.items():
                futures[text, command] = pool.submit(dynamo, variables, *argv)
        for (text, command), future in futures.items():
            message = f"{tmp_path / str(list(BAD_CONFIG_NUMBERS).index(text))}.toml: "
            assert_one_error_line((text, command), future.result(), message)
            assert BAD_CONFIG_NUMBERS[text] in future.result().stderr, (text, command)
    assert "never-config" not in server_client(profiles).list_tables()["TableNames"]


LONG_NAME = "x" * 256
TABLE_NAME_REFUSALS = {  # name: (arguments, part of the message); "users" has a backup
    "restore into 1 character": (
        ["restore", "-t", "users", "-e", "dev", "--backup", "latest", "--into", "T"],
        "--into: 'T' is not a DynamoDB table name (it has 1 character); a table name is 3 to 255",
    ),
    "restore into a space": (
        ["restore", "-t", "users", "-e", "dev", "--into", "new users"],
        "--into: 'new users' is not a DynamoDB table name (' ' is not allowed)",
    ),
    "restore from 2 characters": (
        ["restore", "-t", "us", "-e", "dev", "--in-place", "--yes"],
        "--table: 'us' is not a DynamoDB table name (it has 2 characters)",
    ),
    "copy target table": (
        [*COPY_DEV, "--target-table", "ab"],
        "--target-table: 'ab' is not a DynamoDB table name",
    ),
    "copy target 256": ([*COPY_DEV, "--target-table", LONG_NAME], "(it has 256 characters)"),
    "copy source": (
        ["copy", "-t", "or/ders", "-src", "dev", "-tgt", "dev", "--target-table", "never-x"],
        "--table: 'or/ders' is not a DynamoDB table name ('/' is not allowed)",
    ),
    "query": (["query", "-t", "ord ers", "-e", "dev", "c1"], "--table: 'ord ers' is not"),
    "describe": (["describe", "-t", "o", "-e", "dev"], "--table: 'o' is not"),
    "backups": (["backups", "-t", "users!", "-e", "dev"], "'!' is not allowed"),
    "truncate": (["truncate", "-t", "us", "-e", "dev", "--yes"], "--table: 'us' is not"),
}


def test_table_names_are_checked_before_any_call(profiles):
    """A table name DynamoDB's rule refuses (3 to 255 of A-Z a-z 0-9 _ . -) is one error line
    naming the option, exit 2, for every option that names a table: once a restore into a
    1-character name was botocore's multi-line ParamValidationError, as a traceback."""
    client = server_client(profiles)
    client.create_backup(TableName="users", BackupName="users-names-test")
    before = sorted(client.list_tables()["TableNames"])
    runs = dynamo_many(profiles, {name: argv for name, (argv, _) in TABLE_NAME_REFUSALS.items()})
    for name, (_, message) in TABLE_NAME_REFUSALS.items():
        assert_one_error_line(name, runs[name], message)
    assert sorted(client.list_tables()["TableNames"]) == before  # nothing created
    assert len(client.list_backups()["BackupSummaries"]) == 1  # nor backed up


def test_malformed_endpoints_are_one_error_line_and_exit_2(profiles, tmp_path):
    url = re.search(r"endpoint_url = (\S+)", Path(profiles["AWS_CONFIG_FILE"]).read_text())[1]
    aws = write_profiles(tmp_path, {"default": url, "dev": url, "bad": "not a url"})
    toml = tmp_path / "bad-endpoint.toml"
    toml.write_text('[environments.x]\nendpoint_url = "127.0.0.1:5701"\n')
    query = ["query", "-t", "orders", "c1", "--count"]
    cases = {  # name: (variables, arguments, part of the message)
        "profile": ({}, [*query, "-e", "bad"], "environment 'bad' (the profile): endpoint_url 'n"),
        "AWS_ENDPOINT_URL": (
            {"AWS_ENDPOINT_URL": "127.0.0.1:5701"},
            query,
            "(AWS_ENDPOINT_URL): endpoint_url '127.0.0.1:5701' is not a URL",
        ),
        "AWS_ENDPOINT_URL_DYNAMODB": (
            {"AWS_ENDPOINT_URL_DYNAMODB": "localhost:5701"},
            [*query, "-e", "dev"],
            "endpoint_url 'localhost:5701' is not a URL; write it as http(s)://host[:port]",
        ),
        "config file": (
            {"DYNAMO_MAGIC_CONFIG": str(toml)},
            [*query, "-e", "dev"],
            "environment 'x': endpoint_url '127.0.0.1:5701' is not a URL",
        ),
        "copy target": (
            {},
            [*COPY_DEV[:5], "-tgt", "bad", "--yes"],
            "endpoint_url 'not a url' is not",
        ),
    }
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {
            name: pool.submit(dynamo, {**aws, **variables}, *argv)
            for name, (variables, argv, _) in cases.items()
        }
        for name, (_, _, message) in cases.items():
            assert_one_error_line(name, futures[name].result(), message)


def has_bar(result: subprocess.CompletedProcess[str]) -> bool:
    """A tqdm bar on stderr (its rate is in " items/s")."""
    return " items/s" in result.stderr


def test_progress_follows_the_config_file(profiles, tmp_path):
    """``progress = false`` in the config file turns the bars of copy, truncate and restore
    off; without it they show, and --no-progress turns them off for one call."""
    quiet = {**profiles, "DYNAMO_MAGIC_CONFIG": str(tmp_path / "quiet.toml")}
    (tmp_path / "quiet.toml").write_text("progress = false\n")
    loud = {**profiles, "DYNAMO_MAGIC_CONFIG": str(tmp_path / "loud.toml")}  # no file: default
    steps = [  # (name, variables, arguments) run together
        [
            ("copy quiet", quiet, [*COPY_DEV, "--target-table", "bars-quiet"]),
            ("copy loud", loud, [*COPY_DEV, "--target-table", "bars-loud"]),
            ("copy flag", loud, [*COPY_DEV, "--target-table", "bars-flag", "--no-progress"]),
        ],
        [
            ("truncate quiet", quiet, ["truncate", "-t", "bars-quiet", "-e", "dev", "--yes"]),
            ("truncate loud", loud, ["truncate", "-t", "bars-loud", "-e", "dev", "--yes"]),
        ],
        [
            (
                "restore quiet",
                quiet,
                ["restore", "-t", "bars-quiet", "-e", "dev", "--in-place", "--yes"],
            ),
            (
                "restore loud",
                loud,
                ["restore", "-t", "bars-loud", "-e", "dev", "--in-place", "--yes"],
            ),
        ],
    ]
    runs = {}
    try:
        with ThreadPoolExecutor(PARALLEL) as pool:
            for step in steps:
                futures = {name: pool.submit(dynamo, env, *argv) for name, env, argv in step}
                runs |= {name: future.result() for name, future in futures.items()}
                for name in futures:
                    ok(runs[name])
    finally:
        client = server_client(profiles)
        for table in client.list_tables()["TableNames"]:
            if table.startswith("bars-"):
                client.delete_table(TableName=table)
    assert {name: has_bar(run) for name, run in runs.items()} == {
        "copy quiet": False,
        "copy loud": True,
        "copy flag": False,
        "truncate quiet": False,
        "truncate loud": True,
        "restore quiet": False,
        "restore loud": True,
    }


def test_describe(profiles, in_process):
    text = ok(dynamo(profiles, "describe", "-t", "orders", "-e", "dev"))
    for name in ("orders", "customer", "order-date", "status-total", "region-keys", "by-total"):
        assert name in text
    for projection in ("KEYS_ONLY", "INCLUDE", "ALL"):
        assert projection in text
    events = ok(in_process("describe", "--table", "events", "--env", "dev"))
    assert "device" in events and "seq" in events
    assert_one_error_line("missing", in_process("describe", "-t", "nope"), "table 'nope' not found")


def test_partiql_binds_parameters(profiles, in_process):
    runs = dynamo_many(
        profiles,
        {
            "string": [
                *("partiql", "SELECT * FROM users WHERE id = ?", "-p", "u1"),
                *("-e", "dev", "--format", "json"),
            ],
            "number": [
                *("partiql", 'SELECT * FROM "nums" WHERE id = ?', "--param", "42"),
                *("--env", "dev", "--format", "csv"),
            ],
            "not select": ["partiql", "DELETE FROM users WHERE id = ?", "-p", "u1"],
        },
    )
    (item,) = json_lines(runs["string"])
    assert item == {"id": "u1", "big": int(BIG)}
    (row,) = csv.DictReader(io.StringIO(ok(runs["number"])))
    assert row == {"id": "42", "name": "answer"}
    assert_one_error_line("not select", runs["not select"], "only SELECT")

    pasted = in_process("partiql", "SELECT * FROM users WHERE id = ?", "-p", "u1' OR 'a'='a")
    assert ok(pasted).strip() == "(no items)"  # the value was bound, not pasted
    limited = in_process("partiql", "SELECT * FROM users", "--limit", "1", "--format", "json")
    assert len(json_lines(limited)) == 1 and "truncated" in limited.stderr
    assert "u2" in ok(in_process("partiql", "SELECT * FROM users WHERE id = ?", "-p", "u2"))
    too_few = in_process("partiql", "SELECT * FROM users WHERE id = ?")
    assert_one_error_line("too few", too_few, "marker")


def test_help_and_console_script(profiles):
    result = dynamo(profiles, "query", "--help")
    assert "--sk-op" in ok(result)
    script = Path(sys.executable).with_name("dynamo")
    if script.exists():
        env = {**subprocess_env(), **profiles}
        run = subprocess.run(
            [str(script), "query", "-t", "orders", "c1", "--count", "-e", "dev"],
            capture_output=True,
            text=True,
            env=env,
            timeout=TIMEOUT,
        )
        assert ok(run).strip() == "10"


def _subcommands() -> dict[str, list[str]]:
    parser = build_parser()
    (sub,) = (a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return {
        name: [flag for action in command._actions for flag in action.option_strings]
        for name, command in sub.choices.items()
    }


def test_every_subcommand_and_option_is_documented():
    """sqlite-utils style: the CLI reference (docs/reference/cli.md) has a section for every
    ``dynamo`` subcommand with its usage and, for each command of the option table, the table
    generated from it; every other flag is named in the prose pages."""
    reference = (DOCS / "reference" / "cli.md").read_text()
    prose = "\n".join(p.read_text() for p in DOCS.glob("*.md"))
    commands = _subcommands()
    assert set(commands) >= {"query", "describe", "partiql"}
    missing = []
    for name, flags in commands.items():
        if f"## `dynamo {name}`" not in reference or f"{{dynamo-usage}} {name}\n" not in reference:
            missing.append(f"dynamo {name}")
        if name in COMMANDS:
            if f"{{dynamo-options}} {name} cli\n" not in reference:
                missing.append(f"dynamo {name}: its options table")
            continue
        for flag in flags:
            if flag in ("-h", "--help"):
                continue
            if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", prose):
                missing.append(f"dynamo {name} {flag}")
    assert not missing, f"undocumented in docs/: {missing}"
