"""PartiQL through the Python API, queries over real HTTP (a moto server), and the one
documented item form of every read."""

from __future__ import annotations

from decimal import Decimal

import pytest

import dynamo_magic as dm
from dynamo_magic import api
from dynamo_magic.errors import InvalidQuery, TableNotFound

from .data import EVENTS, ORDERS, dev_client, key_pairs, load, order_numbers, request_log
from conftest import client_for
from tables import BIG, keyed


# -- PartiQL ------------------------------------------------------------------------------------
# moto's PartiQL is unreliable beyond ``SELECT ... WHERE key = ?`` and may return nothing on
# tables with many attribute types, so these tests use a simple hash-only table and only that
# statement shape; the binding logic itself is covered in test_expressions.py.
@pytest.fixture
def people(mock_dynamo: None) -> str:
    client = dev_client()
    client.create_table(
        TableName="people",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(3):
        item = {"id": {"S": f"p{i}"}, "age": {"N": str(30 + i)}, "city": {"S": "Oslo"}}
        client.put_item(TableName="people", Item=item)
    return "people"


@pytest.mark.parametrize(
    ("statement", "params", "lookup"),
    [
        ('SELECT * FROM "people" WHERE id = ?', ["p1"], None),
        ('SELECT * FROM "people" WHERE id = :who', {"who": "p1"}, None),
        ("SELECT * FROM people WHERE id = :who;", None, {"who": "p1"}.__getitem__),
    ],
)
def test_partiql(people, statement, params, lookup):
    calls = request_log("ExecuteStatement")
    result = api.run_partiql(statement, params, env="dev", lookup=lookup)
    frame = result.to_frame()
    assert frame.to_dict("records") == [{"id": "p1", "age": 31, "city": "Oslo"}]
    assert str(frame["age"].dtype) == "Int64"
    assert calls[0]["Parameters"] == [{"S": "p1"}]
    assert "p1" not in calls[0]["Statement"]
    assert result.table == "people" and result.mode == "partiql"


def test_partiql_dataframe_function(people):
    frame = dm.partiql('SELECT * FROM "people" WHERE id = ?', ["p2"], env="dev", numbers="decimal")
    assert frame["age"][0] == Decimal(32)


@pytest.mark.parametrize(
    ("statement", "params", "message"),
    [
        ('DELETE FROM "people" WHERE id = ?', ["p1"], "only SELECT statements"),
        ('UPDATE "people" SET age = 1 WHERE id = ?', ["p1"], "only SELECT statements"),
        ('SELECT * FROM "people" WHERE id = :who', {}, "no variable 'who'"),
        ('SELECT * FROM "people" WHERE id = ?', [], "more \\? markers than parameters"),
        ('SELECT * FROM "people" WHERE id = ?', ["a", "b"], "1 \\? marker\\(s\\) but 2"),
    ],
)
def test_partiql_refusals(people, statement, params, message):
    calls = request_log("ExecuteStatement")
    with pytest.raises(InvalidQuery, match=message):
        dm.partiql(statement, params, env="dev")
    assert calls == []  # refused before anything is sent


# -- over real HTTP (moto server) ---------------------------------------------------------------
def test_query_types_and_index_over_http(servers):
    load(client_for("acct-b"))
    frame = dm.query("orders", "c1", env="prod-b", sk="2024-01-08", sk_op=">=")
    assert order_numbers(frame) == [8, 9, 10]
    assert frame["big"][0] == Decimal(BIG) and frame["blob"][0] == bytes([8, 0, 255])
    frame = dm.query("orders", "eu", env="acct-b", index="region-keys")
    assert sorted(frame.columns) == ["customer", "order-date", "region"]
    with pytest.raises(TableNotFound):  # server A has no tables: two separate accounts
        dm.query("orders", "c1", env="acct-a")


def test_scan_count_and_paging_over_http(servers):
    load(client_for("dev"))
    frame = dm.scan("orders", env="dev", segments=3)
    assert key_pairs(frame, "customer", "order-date") == sorted(
        (it["customer"]["S"], it["order-date"]["S"]) for it in ORDERS
    )
    assert dm.count("events", env="dev") == len(EVENTS)
    result = api.fetch("events", 2, env="dev", limit=20)
    assert result.stats.count == 20 and not result.stats.truncated


# -- one documented item form for every read (wire form), the client's form on request ----------
FILE_ITEM = {
    "id": {"S": "f1"},
    "data": {"B": b"\x00\x01\xff"},
    "parts": {"BS": [b"\x02", b"\x01"]},
    "meta": {"M": {"thumb": {"B": b"\xfe"}, "sizes": {"L": [{"B": b"\x03"}, {"N": "2"}]}}},
    "size": {"N": BIG},
}
FILE_ITEM_WIRE = {  # the same item as DynamoDB sends it: binaries as base64 text
    "id": {"S": "f1"},
    "data": {"B": "AAH/"},
    "parts": {"BS": ["Ag==", "AQ=="]},
    "meta": {"M": {"thumb": {"B": "/g=="}, "sizes": {"L": [{"B": "Aw=="}, {"N": "2"}]}}},
    "size": {"N": BIG},
}


def test_fetch_and_partiql_items_share_the_wire_form(servers):
    # moto's PartiQL handles key equality and full-table SELECTs on a hash-only table
    client = client_for("dev")
    client.create_table(
        TableName="files",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="files", Item=FILE_ITEM)
    client.put_item(TableName="files", Item={"id": {"S": "f2"}, "data": {"B": b"\x07"}})
    expected = keyed([FILE_ITEM_WIRE], ("id",))
    fetched = api.fetch("files", "f1", env="dev")
    by_key = api.run_partiql('SELECT * FROM "files" WHERE id = ?', ["f1"], env="dev")
    everything = api.run_partiql("SELECT * FROM files", env="dev")
    assert keyed(fetched.items, ("id",)) == keyed(by_key.items, ("id",)) == expected
    f1 = next(item for item in everything.items if item["id"] == {"S": "f1"})
    assert keyed([f1], ("id",)) == expected
    assert {item["id"]["S"]: item["data"] for item in everything.items}["f2"] == {"B": "Bw=="}

    # decoded_items(): the form boto3's client returns and accepts (binaries as bytes)
    stored = client.get_item(TableName="files", Key={"id": {"S": "f1"}})["Item"]
    for result in (fetched, by_key):
        (decoded,) = result.decoded_items()
        assert keyed([decoded], ("id",)) == keyed([stored], ("id",)) == keyed([FILE_ITEM], ("id",))
    client.put_item(TableName="files", Item=by_key.decoded_items()[0] | {"id": {"S": "copy"}})
    copy = client.get_item(TableName="files", Key={"id": {"S": "copy"}})["Item"]
    assert copy["data"] == {"B": b"\x00\x01\xff"}  # not base64 text encoded a second time
    assert copy["meta"]["M"]["thumb"] == {"B": b"\xfe"}

    # both forms make the same DataFrame
    for result in (fetched, by_key):
        frame = result.to_frame()
        assert frame["data"][0] == b"\x00\x01\xff" and frame["parts"][0] == {b"\x01", b"\x02"}
        assert frame["size"][0] == Decimal(BIG)
