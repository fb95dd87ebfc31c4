import dynamo_magic as dm

from conftest import client_for
from tables import create_orders, orders_items, put_all


def test_query_in_process(mock_dynamo):
    client = client_for("dev")
    create_orders(client)
    put_all(client, "orders", orders_items())
    frame = dm.query("orders", "c1", env="dev")
    assert len(frame) == 10


def test_query_against_server(servers):
    client = client_for("acct-b")
    create_orders(client)
    put_all(client, "orders", orders_items())
    assert len(dm.query("orders", "c2", env="acct-b")) == 10
    assert dm.count("orders", env="acct-b") == 30
