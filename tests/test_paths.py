"""Document paths end to end (issue 6 section 4): filters, projections, --unique, --summary and
flattened column names on items with maps, lists and names that contain dots, brackets and
backquotes. In-process moto for the engine, a moto server for the ``dynamo`` process.

moto 5.2.5 mishandles a list index in a ProjectionExpression (``#l[0]`` is refused as an
unused name, ``l[2], l[0]`` returns one element): projections of list elements are checked
as expressions in test_expressions.py, not against moto. Filters on list elements work.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from typing import Any

import pandas as pd
import pytest

import dynamo_magic as dm
from dynamo_magic import api, environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.errors import InvalidQuery

from conftest import client_for, subprocess_env
from tables import put_all

CITIES = ["Paris", "Lyon", "Nice"]
N = 6
KEY = "doc.id"  # a key name with a dot: always one top-level name, never split


def doc(i: int) -> dict[str, Any]:
    """Item ``d{i}``: a nested map (not in d5), a list of maps (empty in d4, absent in d5),
    a top-level ``a.b`` beside a map ``a`` holding ``b`` (even i), and a map whose name holds a
    backquote with a key holding a dot."""
    item: dict[str, Any] = {
        KEY: {"S": f"d{i}"},
        "a.b": {"S": f"top{i}"},
        "odd`name": {"M": {"x.y": {"N": str(i)}}},
    }
    if i != 5:
        item["addr"] = {
            "M": {
                "city": {"S": CITIES[i % 3]},
                "zip": {"N": str(75000 + i)},
                "geo": {"M": {"lat": {"N": f"{i}.5"}}},
            }
        }
        item["items"] = {
            "L": []
            if i == 4
            else [
                {"M": {"sku": {"S": f"A{i}"}, "qty": {"N": str(i)}}},
                {"M": {"sku": {"S": f"B{i}"}}},
            ]
        }
    if i % 2 == 0:
        item["a"] = {"M": {"b": {"S": f"nested{i}"}}}
    return item


DOCS = [doc(i) for i in range(N)]


def ids(keep: Any) -> list[str]:
    return [f"d{i}" for i in range(N) if keep(i)]


def create_docs(client: Any) -> None:
    client.create_table(
        TableName="docs",
        KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    put_all(client, "docs", DOCS)


@pytest.fixture
def docs(mock_dynamo: None) -> None:
    create_docs(clients.client(environments.resolve("dev")))


def scan(**options: Any) -> pd.DataFrame:
    frame = dm.scan("docs", env="dev", **options)
    return frame.sort_values(KEY, ignore_index=True)


def scan_calls() -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    reader = clients.client(environments.resolve("dev"))
    reader.meta.events.register(
        "provide-client-params.dynamodb.Scan", lambda params, **_: calls.append(dict(params))
    )
    return calls


# -- filters ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("addr.city = 'Paris'", ids(lambda i: i != 5 and i % 3 == 0)),
        ("addr.geo.lat > 2", ids(lambda i: 2 <= i < 5)),  # lat is i + 0.5
        ("items[0].sku = 'A1'", ["d1"]),
        ("items[1].sku BETWEEN 'B1' AND 'B2'", ["d1", "d2"]),
        ("attribute_exists(items[1])", ids(lambda i: i < 4)),
        ("attribute_type(items[0], 'M') AND items[0].qty >= 2", ["d2", "d3"]),
        ("contains(addr.city, 'i') AND NOT addr.zip = 75002", ["d0", "d3"]),
        ("a.b = 'nested2'", ["d2"]),  # key b of map a
        ("`a.b` = 'top3'", ["d3"]),  # the top-level attribute named a.b
        ("begins_with(`a.b`, 'top') AND attribute_not_exists(a.b)", ids(lambda i: i % 2)),
        ("`odd``name`.`x.y` >= 3", ids(lambda i: i >= 3)),
        ("doc.id = 'd1' OR `doc.id` = 'd2'", ["d1", "d2"]),  # a key name is never split
    ],
)
def test_filter_on_paths(docs, text, expected):
    frame = scan(filter=text)
    assert list(frame[KEY]) == expected


def test_filter_sends_one_placeholder_per_path_element(docs):
    calls = scan_calls()
    api.fetch("docs", env="dev", filter="addr.geo.lat > 2 AND items[1].sku = 'B1'")
    (request,) = calls
    assert request["FilterExpression"] == "#n0.#n1.#n2 > :v0 AND #n3[1].#n4 = :v1"
    assert request["ExpressionAttributeNames"] == {
        "#n0": "addr",
        "#n1": "geo",
        "#n2": "lat",
        "#n3": "items",
        "#n4": "sku",
    }


def test_a_filter_that_matched_nothing_says_so(docs):
    result = api.fetch("docs", env="dev", scan=True, filter="a.b = 'top1'")
    line = result.summary_line()
    assert result.stats.count == 0
    assert "0 of 6 evaluated items matched the filter" in line
    assert "a.b is key 'b' of map 'a'; an attribute named 'a.b' is written `a.b`" in line
    found = api.fetch("docs", env="dev", scan=True, filter="`a.b` = 'top1'")
    assert [it[KEY]["S"] for it in found.items] == ["d1"]
    assert "matched the filter" not in found.summary_line()


def test_a_really_empty_result_has_no_filter_note(docs):
    result = api.fetch("docs", "nobody", env="dev", filter="addr.city = 'Paris'")
    assert result.stats.evaluated == 0
    assert "matched" not in result.summary_line() and "no item had" not in result.summary_line()


# -- projections --------------------------------------------------------------------------------
def test_projection_of_a_nested_path_returns_the_nested_value(docs):
    frame = scan(columns="addr.city,`a.b`")
    assert list(frame.columns) == [KEY, "addr", "a.b"]
    expected = [None if i == 5 else {"city": CITIES[i % 3]} for i in range(N)]
    assert [None if pd.isna(v) else v for v in frame["addr"]] == expected
    assert list(frame["a.b"]) == [f"top{i}" for i in range(N)]


def test_projection_flattened_names_the_column_by_its_path(docs):
    frame = scan(columns="addr.city, addr.geo.lat, a.b", flatten=True)
    assert list(frame.columns) == [KEY, "addr.city", "addr.geo.lat", "a.b"]
    assert list(frame["addr.city"].fillna("-")) == [*(CITIES[i % 3] for i in range(5)), "-"]
    assert list(frame["a.b"].fillna("-")) == ["nested0", "-", "nested2", "-", "nested4", "-"]


def test_overlapping_paths_are_one_path(docs):
    frame = scan(columns="addr.city, addr, doc.id")
    assert list(frame.columns) == [KEY, "addr"]
    assert frame["addr"][0] == {"city": "Paris", "zip": 75000, "geo": {"lat": 0.5}}


def test_a_selected_path_no_item_had_is_named(docs):
    result = api.fetch("docs", env="dev", scan=True, columns="addr.nope, `a.b`, `no such`")
    line = result.summary_line()
    assert "no item had attribute 'addr.nope', '`no such`'" in line
    assert [sorted(it) for it in result.items] == [sorted([KEY, "a.b"])] * N


# -- unique and summary -------------------------------------------------------------------------
MISSING = ("<NA>", "<NA>")  # how rows() writes the row of items without the attribute


def rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """A unique table's rows, ``pd.NA`` cells (the missing row) written as ``"<NA>"``."""
    return [tuple("<NA>" if v is pd.NA else v for v in r) for r in frame.itertuples(index=False)]


def test_unique_of_nested_paths(docs):
    city = dm.unique("docs", "addr.city", env="dev", scan=True)
    assert list(city.columns) == ["addr.city", "type", "count"]
    assert rows(city)[:2] == [("Lyon", "S", 2), ("Paris", "S", 2)]  # most frequent first
    assert sorted(rows(city)[2:]) == [(*MISSING, 1), ("Nice", "S", 1)]
    sku = dm.unique("docs", "items[0].sku", env="dev", scan=True)
    assert sorted(rows(sku)) == sorted([*((f"A{i}", "S", 1) for i in range(4)), (*MISSING, 2)])
    top = dm.unique("docs", "`a.b`", env="dev", scan=True)
    assert top.columns[0] == "`a.b`" and len(top) == N
    key = dm.unique("docs", "doc.id", env="dev", scan=True)
    assert key.columns[0] == KEY and len(key) == N


def test_unique_of_a_path_no_item_had_says_so(docs):
    found = api.explore("docs", env="dev", scan=True, unique="addr.zipcode")
    assert rows(found.frame) == [(*MISSING, N)]
    assert (
        "no item had attribute 'addr.zipcode' (addr.zipcode is key 'zipcode'" in found.summary_line
    )


def test_summary_flattened_has_a_row_per_path(docs):
    frame = dm.summary("docs", env="dev", scan=True, flatten=True)
    present = dict(zip(frame["attribute"], frame["present"], strict=True))
    assert present[KEY] == 1.0 and present["`a.b`"] == 1.0
    assert present["addr.city"] == present["addr.geo.lat"] == round(5 / N, 4)  # a share
    assert present["a.b"] == round(3 / N, 4)
    assert present["`odd``name`.`x.y`"] == 1.0
    plain = dm.summary("docs", env="dev", scan=True)
    assert "addr" in set(plain["attribute"]) and "addr.city" not in set(plain["attribute"])


# -- flattened names round-trip -----------------------------------------------------------------
def test_flattened_names_paste_back_into_select_filter_and_unique(docs):
    whole = scan(flatten=True)
    names = [c for c in whole.columns if c != KEY]
    assert {"addr.city", "addr.zip", "addr.geo.lat", "`a.b`", "a.b", "`odd``name`.`x.y`"} <= set(
        names
    )
    for name in names:
        again = scan(columns=name, flatten=True)
        assert list(again.columns) == [KEY, name], name
        assert again[name].astype(object).equals(whole[name].astype(object)), name
        having = scan(filter=f"attribute_exists({name})")
        assert list(having[KEY]) == list(whole[KEY][whole[name].notna()]), name
        counts = dm.unique("docs", name, env="dev", scan=True)
        assert counts.columns[0] == name
        assert counts["count"].sum() == N, name


# -- bad paths: one line, nothing read ----------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"columns": "addr..city"}, "bad attribute path 'addr..city': a name is missing"),
        ({"columns": "items[x]"}, "a list index is a whole number >= 0"),
        ({"columns": "my name"}, "unexpected ' name' after 'my'"),
        ({"filter": "items[0 = 1"}, "'\\[' at position 5 has no closing '\\]'"),
        ({"filter": "`a.b = 'x'"}, "the backquote at position 0 is not closed"),
        ({"unique": "addr."}, "bad attribute path 'addr.': a name is missing after 'addr.'"),
    ],
)
def test_bad_paths_are_refused_before_reading(docs, options, message):
    calls = scan_calls()
    with pytest.raises(InvalidQuery, match=message) as exc:
        api.explore("docs", env="dev", scan=True, **options)
    assert "\n" not in str(exc.value)
    assert "backquotes" in str(exc.value)
    assert calls == []


def test_a_path_used_as_list_and_map_is_refused(docs):
    """DynamoDB refuses such a projection ("Two document paths conflict"); moto may not."""
    calls = scan_calls()
    with pytest.raises(InvalidQuery, match="use 'items' both as a list and as a map"):
        api.fetch("docs", env="dev", scan=True, columns="items[0], items.sku")
    assert calls == []


# -- the dynamo command against a moto server ---------------------------------------------------
def test_cli_paths_over_http(servers):
    create_docs(client_for("dev"))

    def dynamo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "dynamo_magic.cli",
                "query",
                "-t",
                "docs",
                "--env",
                "dev",
                *args,
            ],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=60,
        )

    found = dynamo(
        "--scan",
        "--filter",
        "addr.city = 'Paris'",
        "--select",
        "addr.zip",
        "--flatten",
        "--format",
        "csv",
    )
    assert found.returncode == 0, found.stderr
    table = list(csv.DictReader(io.StringIO(found.stdout)))
    assert sorted((r[KEY], r["addr.zip"]) for r in table) == [("d0", "75000"), ("d3", "75003")]
    bad = dynamo("--scan", "--select", "addr[", "--format", "csv")
    assert bad.returncode == 2 and bad.stdout == ""
    assert (
        bad.stderr.startswith("Error: bad attribute path 'addr['") and bad.stderr.count("\n") == 1
    )
