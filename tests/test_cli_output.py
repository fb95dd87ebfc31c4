"""Text output of rich types: ``dynamo query``/``dynamo partiql`` in every format and view, as
real processes against a moto server.

Every combination of ``--format {table,json,csv}`` with the items, ``--head N``, ``--unique
ATTR`` (each rich type), ``--summary`` and ``--count`` is run once for the module (several
processes at a time) on items holding B, SS, NS, BS, M, L, BOOL, NULL and 38-digit N values;
the tests then parse each output back and compare values with what the items hold, written by
hand below (not computed by the code under test). One cell encoding for every text output:
binary as base64, sets as sorted lists, maps with sorted keys, numbers exact and as numbers.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest

from conftest import dynamo, dynamo_many, ok, write_profiles
from tables import BIG, put_all

# pytest-timeout counts a test's fixtures: the module's one ``runs`` (some fifty ``dynamo``
# processes, 2-3 minutes on two idle cores) falls on its first test, and on a loaded machine
# (``make test``: two xdist workers) it can take over the 300 s default, every test then
# erroring at setup. A hang guard for the fixture, not a measurement.
pytestmark = pytest.mark.timeout(900)

PI = "3.14159265358979323846264338327950288"  # 36 digits: no float holds it
FORMATS = ("table", "json", "csv")
RICH = ("b", "ss", "ns", "bs", "m", "l", "flag", "nothing", "big", "pi")
TYPES = {
    "b": "B",
    "ss": "SS",
    "ns": "NS",
    "bs": "BS",
    "m": "M",
    "l": "L",
    "flag": "BOOL",
    "nothing": "NULL",
    "big": "N",
    "pi": "N",
}

ITEMS = [
    {
        "id": {"S": "r1"},
        "b": {"B": b"\x00\x01\xff"},
        "ss": {"SS": ["pear", "fig", "kiwi", "date"]},
        "ns": {"NS": ["10", "9", "-1.5", "100"]},
        "bs": {"BS": [b"\xff", b"\x00", b"\x10"]},
        "m": {
            "M": {
                "z": {"N": "1.5"},
                "a": {"SS": ["y", "x"]},
                "b": {"B": b"\x01"},
                "n": {"NS": ["20", "3"]},
            }
        },
        "l": {
            "L": [
                {"S": "x"},
                {"N": "2"},
                {"BOOL": True},
                {"NULL": True},
                {"M": {"k": {"NS": ["20", "3"]}}},
                {"B": b"\x02"},
            ]
        },
        "flag": {"BOOL": True},
        "nothing": {"NULL": True},
        "big": {"N": BIG},
        "pi": {"N": PI},
    },
    {
        "id": {"S": "r2"},
        "b": {"B": b"\x07"},
        "ss": {"SS": ["b", "a"]},
        "ns": {"NS": ["1"]},
        "bs": {"BS": [b"\x01"]},
        "m": {"M": {"a": {"S": "q"}}},
        "l": {"L": []},
        "flag": {"BOOL": False},
        "nothing": {"NULL": True},
        "big": {"N": "-" + BIG},
        "pi": {"N": "1.5"},
    },
    {  # the same string set as r1 in another order; most attributes missing
        "id": {"S": "r3"},
        "ss": {"SS": ["kiwi", "date", "pear", "fig"]},
        "flag": {"BOOL": True},
        "big": {"N": BIG},
    },
]

# What each item holds, as plain JSON values (numbers exact: parsed with Decimal).
EXPECTED: dict[str, dict[str, Any]] = {
    "r1": {
        "id": "r1",
        "b": "AAH/",
        "ss": ["date", "fig", "kiwi", "pear"],
        "ns": [Decimal("-1.5"), 9, 10, 100],
        "bs": ["/w==", "AA==", "EA=="],
        "m": {"a": ["x", "y"], "b": "AQ==", "n": [3, 20], "z": Decimal("1.5")},
        "l": ["x", 2, True, None, {"k": [3, 20]}, "Ag=="],
        "flag": True,
        "nothing": None,
        "big": int(BIG),
        "pi": Decimal(PI),
    },
    "r2": {
        "id": "r2",
        "b": "Bw==",
        "ss": ["a", "b"],
        "ns": [1],
        "bs": ["AQ=="],
        "m": {"a": "q"},
        "l": [],
        "flag": False,
        "nothing": None,
        "big": -int(BIG),
        "pi": Decimal("1.5"),
    },
    "r3": {"id": "r3", "ss": ["date", "fig", "kiwi", "pear"], "flag": True, "big": int(BIG)},
}
# Exact text of some cells: sorted map keys, sorted sets, numbers as numbers.
EXACT_CELLS = {
    ("r1", "m"): '{"a": ["x", "y"], "b": "AQ==", "n": [3, 20], "z": 1.5}',
    ("r1", "ns"): "[-1.5, 9, 10, 100]",
    ("r1", "bs"): '["/w==", "AA==", "EA=="]',
    ("r1", "l"): '["x", 2, true, null, {"k": [3, 20]}, "Ag=="]',
    ("r1", "big"): BIG,
    ("r1", "pi"): PI,
    ("r2", "big"): "-" + BIG,
}
# --unique ATTR over the three items: (value as JSON, count); "<missing>" for items without it
UNIQUE = {
    "b": [("AAH/", 1), ("Bw==", 1), ("<missing>", 1)],
    "ss": [(["date", "fig", "kiwi", "pear"], 2), (["a", "b"], 1)],
    "ns": [([Decimal("-1.5"), 9, 10, 100], 1), ([1], 1), ("<missing>", 1)],
    "bs": [(["/w==", "AA==", "EA=="], 1), (["AQ=="], 1), ("<missing>", 1)],
    "m": [(EXPECTED["r1"]["m"], 1), ({"a": "q"}, 1), ("<missing>", 1)],
    "l": [(EXPECTED["r1"]["l"], 1), ([], 1), ("<missing>", 1)],
    "flag": [(True, 2), (False, 1)],
    "nothing": [(None, 2), ("<missing>", 1)],
    "big": [(int(BIG), 2), (-int(BIG), 1)],
    "pi": [(Decimal(PI), 1), (Decimal("1.5"), 1), ("<missing>", 1)],
}
# --summary: (present, distinct, top values as [value, count] pairs, the table's shortened text)
# per attribute, written by hand. present is the share rounded to 4 places (2 of 3: 0.6667).
TWO_THIRDS = Decimal("0.6667")
SUMMARY = {
    "id": (1, 3, [["r1", 1], ["r2", 1], ["r3", 1]], "r1 (1), r2 (1), r3 (1)"),
    "ss": (
        1,
        2,
        [[["date", "fig", "kiwi", "pear"], 2], [["a", "b"], 1]],
        '["date", "fig", "kiwi", "pear"] (2), ["a", "b"] (1)',
    ),
    "flag": (1, 2, [[True, 2], [False, 1]], "true (2), false (1)"),
    "big": (1, 2, [[int(BIG), 2], [-int(BIG), 1]], f"{BIG} (2), -{BIG} (1)"),  # 39: not cut
    "b": (TWO_THIRDS, 2, [["AAH/", 1], ["Bw==", 1]], "AAH/ (1), Bw== (1)"),
    "nothing": (TWO_THIRDS, 1, [[None, 2]], "null (2)"),
    "ns": (
        TWO_THIRDS,
        2,
        [[[Decimal("-1.5"), 9, 10, 100], 1], [[1], 1]],
        "[-1.5, 9, 10, 100] (1), [1] (1)",
    ),
    "bs": (
        TWO_THIRDS,
        2,
        [[["/w==", "AA==", "EA=="], 1], [["AQ=="], 1]],
        '["/w==", "AA==", "EA=="] (1), ["AQ=="] (1)',
    ),
    "l": (
        TWO_THIRDS,
        2,
        [[[], 1], [EXPECTED["r1"]["l"], 1]],  # equal counts: by canonical text
        '[] (1), ["x", 2, true, null, {"k": [3, 20]}, "A… (1)',
    ),
    "m": (
        TWO_THIRDS,
        2,
        [[{"a": "q"}, 1], [EXPECTED["r1"]["m"], 1]],
        '{"a": "q"} (1), {"a": ["x", "y"], "b": "AQ==", "n": [3,… (1)',
    ),
    "pi": (TWO_THIRDS, 2, [[Decimal("1.5"), 1], [Decimal(PI), 1]], f"1.5 (1), {PI} (1)"),
}


def _query(*args: str) -> list[str]:
    return ["query", "-t", "rich", "x", *args]


def _commands() -> dict[tuple[str, ...], list[str]]:
    commands: dict[tuple[str, ...], list[str]] = {}
    for fmt in FORMATS:
        commands["items", fmt] = _query("--format", fmt)
        commands["head", fmt] = _query("--head", "2", "--format", fmt)
        commands["summary", fmt] = _query("--summary", "--format", fmt)
        commands["count", fmt] = _query("--count", "--format", fmt)
        commands["partiql", fmt] = ["partiql", "SELECT * FROM flat", "--format", fmt]
        for attribute in RICH:
            commands["unique", attribute, fmt] = _query("--unique", attribute, "--format", fmt)
    commands["count-limit", "2"] = _query("--count", "--limit", "2")
    commands["count-limit", "3"] = _query("--count", "--limit", "3")
    commands["head1"] = _query("--head", "1")
    commands["count-limit", "scan"] = ["query", "-t", "rich", "--scan", "--count", "--limit", "2"]
    return commands


@pytest.fixture(scope="module")
def runs(moto_pair, tmp_path_factory) -> dict[tuple[str, ...], Any]:
    """Server A emptied, the rich tables loaded, every command run once (4 at a time)."""
    server = moto_pair[0]
    server.reset()
    client = server.client()
    for name, key in (("rich", ["p", "id"]), ("flat", ["id"])):
        client.create_table(
            TableName=name,
            KeySchema=[
                {"AttributeName": k, "KeyType": t}
                for k, t in zip(key, ["HASH", "RANGE"], strict=False)
            ],
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in key],
            BillingMode="PAY_PER_REQUEST",
        )
    put_all(client, "rich", [{"p": {"S": "x"}, **item} for item in ITEMS])
    put_all(client, "flat", ITEMS)  # moto's PartiQL: a hash-only key and a full-table SELECT
    profiles = write_profiles(tmp_path_factory.mktemp("text-aws"), {"default": server.url})
    results = dynamo_many(_commands(), env=profiles)
    seeds = {
        (what, seed): dynamo(*argv, env={**profiles, "PYTHONHASHSEED": seed})
        for what, argv in {
            "table": _query("--format", "table"),
            "summary": _query("--summary", "--format", "csv"),
        }.items()
        for seed in ("1", "2")
    }
    return results | seeds


def exact_json(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def from_cell(attribute: str, cell: str) -> Any:
    """A csv cell back to the value it stands for: strings and base64 as they are, everything
    else JSON; an empty cell is a missing attribute or NULL."""
    if attribute in ("p", "id", "b") or cell == "":
        return cell or None
    return exact_json(cell)


def without_missing(expected: dict[str, Any], p: bool) -> dict[str, Any]:
    return ({"p": "x"} if p else {}) | expected


def check_json_items(result: Any, ids: list[str], p: bool = True) -> None:
    rows = [exact_json(line) for line in ok(result).splitlines()]
    assert rows == [without_missing(EXPECTED[i], p) for i in ids]
    for line in ok(result).splitlines():
        if '"id": "r1"' in line:
            for (item, attribute), text in EXACT_CELLS.items():
                if item == "r1":
                    assert f'"{attribute}": {text}' in line


def check_csv_items(result: Any, ids: list[str], p: bool = True) -> None:
    rows = list(csv.DictReader(io.StringIO(ok(result))))
    assert [row["id"] for row in rows] == ids
    for row in rows:
        expected = without_missing(EXPECTED[row["id"]], p)
        assert {a: from_cell(a, c) for a, c in row.items() if c != ""} == {
            a: v for a, v in expected.items() if v is not None
        }
        assert all(row[a] == "" for a in row if expected.get(a) is None)  # NULL and missing
        for (item, attribute), text in EXACT_CELLS.items():
            if item == row["id"]:
                assert row[attribute] == text


def check_table_items(result: Any, ids: list[str], csv_result: Any) -> None:
    """Each table row holds exactly the cells the csv output has for that item."""
    lines = ok(result).splitlines()
    assert len(lines) == len(ids) + 1
    cells = {row["id"]: row for row in csv.DictReader(io.StringIO(ok(csv_result)))}
    for line, item in zip(lines[1:], ids, strict=True):
        for attribute, cell in cells[item].items():
            assert cell in line, (item, attribute, cell, line)
        for (key, _), text in EXACT_CELLS.items():
            if key == item:
                assert text in line
    assert "{'" not in ok(result) and "Decimal" not in ok(result) and "b'" not in ok(result)


# -- items, --head, partiql ---------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("view", "ids"), [("items", ["r1", "r2", "r3"]), ("head", ["r1", "r2"]), ("partiql", None)]
)
def test_items_in_every_format(runs, view, ids, fmt):
    result = runs[view, fmt]
    assert "Traceback" not in result.stderr
    p = view != "partiql"
    if ids is None:  # a full-table scan: moto's order; compare as a set of items
        ids = sorted(EXPECTED)
        if fmt == "json":
            rows = sorted((exact_json(x) for x in ok(result).splitlines()), key=lambda r: r["id"])
            assert rows == [EXPECTED[i] for i in ids]
            return
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(ok(result))))
            assert sorted(row["id"] for row in rows) == ids
            for row in rows:
                assert {a: from_cell(a, c) for a, c in row.items() if c != ""} == {
                    a: v for a, v in EXPECTED[row["id"]].items() if v is not None
                }
            return
        ids = [row["id"] for row in csv.DictReader(io.StringIO(ok(runs["partiql", "csv"])))]
    if fmt == "json":
        check_json_items(result, ids, p)
    elif fmt == "csv":
        check_csv_items(result, ids, p)
    else:
        check_table_items(result, ids, runs[view, "csv"])
    if view == "head":
        assert "truncated at 2" in result.stderr and "evaluated" not in result.stderr


def test_head_one_evaluates_one_item(runs):
    result = runs["head1"]
    assert len(ok(result).splitlines()) == 2
    assert result.stderr.startswith("1 item(s) from rich, query")
    assert "evaluated" not in result.stderr and "truncated at 1" in result.stderr


# -- --unique ATTR on every rich type -------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("attribute", RICH)
def test_unique_values_in_every_format(runs, attribute, fmt):
    result = runs["unique", attribute, fmt]
    expected = [
        (value, "" if value == "<missing>" else TYPES[attribute], count)
        for value, count in UNIQUE[attribute]
    ]
    if fmt == "json":  # the row of items without the attribute: value and type null
        expected = [(None, None, c) if v == "<missing>" else (v, t, c) for v, t, c in expected]
        rows = [exact_json(line) for line in ok(result).splitlines()]
        assert all(list(row) == [attribute, "type", "count"] for row in rows)
        got = [(row[attribute], row["type"], row["count"]) for row in rows]
    else:
        if fmt == "table":  # the same cells as csv, aligned
            cells = list(csv.reader(io.StringIO(ok(runs["unique", attribute, "csv"]))))
            lines = ok(result).splitlines()
            assert len(lines) == len(cells)
            for line, row in zip(lines, cells, strict=True):
                assert all(cell in line for cell in row)
            result = runs["unique", attribute, "csv"]
        rows = list(csv.DictReader(io.StringIO(ok(result))))
        assert all(list(row) == [attribute, "type", "count"] for row in rows)
        got = [
            (
                row[attribute]
                if row["type"] in ("", "B")
                else from_cell(attribute, row[attribute]),
                row["type"],
                int(row["count"]),
            )
            for row in rows
        ]
    assert [count for *_, count in got] == sorted((c for *_, c in got), reverse=True)
    assert sorted(got, key=repr) == sorted(expected, key=repr)


# -- --summary ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_summary_in_every_format(runs, fmt):
    """JSON and csv are machine-readable: top values whole, as [value, count] pairs in JSON
    (a JSON text in the csv cell); only the table shortens them. present is the same rounded
    share in every format."""
    result = runs["summary", fmt]
    if fmt == "json":
        rows = [exact_json(line) for line in ok(result).splitlines()]
        for row in rows:  # numbers are JSON numbers, not strings
            assert not isinstance(row["present"], str) and isinstance(row["distinct"], int)
    else:
        rows = list(csv.DictReader(io.StringIO(ok(runs["summary", "csv"]))))
        for row in rows:
            row["present"], row["distinct"] = exact_json(row["present"]), int(row["distinct"])
            row["top values"] = exact_json(row["top values"])
    by_name = {row["attribute"]: row for row in rows}
    assert set(by_name) == {"p", *SUMMARY}
    for name, (present, distinct, top, _) in SUMMARY.items():
        row = by_name[name]
        assert Decimal(str(row["present"])) == present, name
        assert row["distinct"] == distinct, name
        assert row["top values"] == top, name
        assert row["types"] == TYPES.get(name, "S")
    if fmt == "table":
        text = ok(result)
        for _, _, _, shown in SUMMARY.values():
            assert shown in text
        assert "0.6667 " in text and "0.666666" not in text
    else:
        assert "…" not in ok(result)


# -- --count with and without a limit ----------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_count_in_every_format(runs, fmt):
    result = runs["count", fmt]
    assert exact_json(ok(result)) == 3
    assert "truncated" not in result.stderr


@pytest.mark.parametrize(
    ("key", "printed", "truncated"),
    [(("count-limit", "2"), 2, True), (("count-limit", "3"), 3, False)],
)
def test_count_with_a_limit_counts_at_most_the_limit(runs, key, printed, truncated):
    result = runs[key]
    assert int(ok(result)) == printed
    assert ("truncated at 2" in result.stderr) is truncated


def test_count_of_a_scan_with_a_limit(runs):
    result = runs["count-limit", "scan"]
    assert int(ok(result)) == 2 and "truncated at 2" in result.stderr


# -- deterministic ------------------------------------------------------------------------------
@pytest.mark.parametrize("what", ["table", "summary"])
def test_output_does_not_depend_on_the_hash_seed(runs, what):
    first, second = runs[what, "1"], runs[what, "2"]
    assert ok(first) == ok(second)
    sorted_set = '["date", "fig", "kiwi", "pear"]'
    assert (sorted_set if what == "table" else sorted_set.replace('"', '""')) in ok(first)
