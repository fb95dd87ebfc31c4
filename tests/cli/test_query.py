"""``dynamo query``: key conditions, every flag, JSON/csv/table output parsed back.

Processes cannot see in-process moto, so these tests use server A of the session's moto pair,
filled once for the package (conftest.py), and run several commands concurrently. A process
costs ~0.8 s of CPU (imports), so the long matrices call ``cli.main`` in this process
(``in_process``) against the same server; each behaviour that differs between the two (exit
status, stdout vs stderr, the console script) is also checked as a real process.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re

from .results import json_lines, table_rows
from conftest import dynamo_many, ok
from tables import BIG


def test_partition_key_forms(profiles):
    runs = dynamo_many(
        {
            "positional": ["query", "--table", "orders", "c1", "-e", "dev"],
            "option": ["query", "-t", "orders", "-pk", "c1", "--env", "dev", "--format", "json"],
            "default env": ["query", "-t", "orders", "--pk", "c0", "-sk", "2024-01-0"],
            "between": [
                *("query", "-t", "events", "1", "--sk-op", "between", "--sk", "3"),
                *("--sk2", "6", "--format", "json"),
            ],
        },
        env=profiles,
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
        env=profiles,
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
        {
            "json": ["query", "-t", "orders", "c1", "-e", "dev", "--format", "json"],
            "csv": ["query", "-t", "orders", "c1", "-e", "dev", "--format", "csv"],
            "csv-mixed": ["query", "-t", "users", "--scan", "-e", "dev", "--format", "csv"],
        },
        env=profiles,
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
        {
            "json": [*base, *select, "--flatten", "--format", "json"],
            "csv": [*base, *select, "--flatten", "--format", "csv"],
            "table": [*base, *select, "--flatten"],
            "nested": [*base, *select, "--format", "json"],
            "all": [*base, "--flatten", "--format", "json"],
            "head": [*base, "--flatten", "--head", "2", "--format", "json"],
        },
        env=profiles,
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
        {
            (attribute, fmt): ["query", "-t", "odd", "--scan", "-u", attribute, "--format", fmt]
            for attribute in ("type", "count")
            for fmt in ("json", "csv", "table")
        },
        env=profiles,
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
        {
            fmt: ["query", "-t", "orders", "nobody", "-e", "dev", "--format", fmt]
            for fmt in ("table", "json")
        },
        env=profiles,
    )
    assert ok(runs["table"]).strip() == "(no items)"
    assert ok(runs["json"]) == ""
    assert "0 item(s)" in runs["json"].stderr
    empty_csv = ok(in_process("query", "-t", "orders", "nobody", "--format", "csv"))
    assert empty_csv.strip() == "customer,order-date"  # the header: the key columns
    assert ok(in_process("query", "-t", "orders", "nobody", "--count")).strip() == "0"
