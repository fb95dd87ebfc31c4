"""What the service answers, as the one line a user sees: an HTML error page (moto's 500, a
proxy's 502) and a missing index, from real moto servers with faults injected at the HTTP
level (tests/fault_injection.py)."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import botocore.retries.standard
import pytest

import dynamo_magic.api as api
from dynamo_magic import cli, environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.errors import (
    CopyFailed,
    IndexNotFound,
    ServiceError,
    TableNotFound,
    concerning,
    translate,
)
from dynamo_magic.settings import get_settings, set_settings

from conftest import client_for
from fault_injection import error_response, html_response
from tables import create_orders, orders_items, put_all


@pytest.fixture
def orders(servers) -> Any:
    """``orders`` in account A (profile ``dev``); botocore's retries do not wait."""
    client = client_for("dev")
    create_orders(client)
    put_all(client, "orders", orders_items())
    set_settings(get_settings().replace(max_retries=0))
    return client


@pytest.fixture(autouse=True)
def fast_botocore(monkeypatch):
    monkeypatch.setattr(
        botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0
    )


def answer_with(operation: str, respond: Any) -> list[int]:
    """Every ``operation`` of the cached ``dev`` client answered by ``respond(url)``; returns
    the list the attempts are counted in."""
    attempts: list[int] = []

    def on_send(request: Any, **_: Any) -> Any:
        attempts.append(1)
        return respond(request.url)

    client = clients.client(environments.resolve("dev"))
    client.meta.events.register(f"before-send.dynamodb.{operation}", on_send)
    return attempts


def test_an_html_error_page_is_one_short_line(orders, capsys):
    attempts = answer_with("Query", html_response)
    with pytest.raises(ServiceError) as caught:
        api.query("orders", "c1", env="dev")
    assert str(caught.value) == "Query 'orders': the service answered 500 Internal Server Error"
    assert attempts  # the page really came from the wire

    assert cli.main(["query", "-t", "orders", "-e", "dev", "--pk", "c1"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "Error: Query 'orders': the service answered 500 Internal Server Error"
    assert "<" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (502, b"<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>", "502 Bad Gateway"),
        (503, b"", "503 Service Unavailable"),  # no page at all: the status's own name
        (  # a firewall's page without a title: its text, cut short
            403,
            b"<html><p>Request <b>blocked</b> by the firewall. " * 20 + b"</p></html>",
            "403 Request blocked by the firewall. Request blocked",
        ),
    ],
)
def test_other_pages_keep_the_status_and_a_short_title(orders, status, body, said):
    answer_with("Query", lambda url: html_response(url, status, body))
    with pytest.raises(ServiceError) as caught:
        api.query("orders", "c1", env="dev")
    message = str(caught.value)
    assert message.startswith(f"Query 'orders': the service answered {said}")
    assert "<" not in message and "\n" not in message and len(message) < 160
    assert message.endswith("…") == (status == 403)


def test_a_missing_index_is_named_not_the_table(orders):
    # moto: ResourceNotFoundException "Invalid index: ..." for a table that exists
    with pytest.raises(botocore.exceptions.ClientError) as moto_said:
        orders.query(
            TableName="orders",
            IndexName="by_status",
            KeyConditionExpression="#s = :v",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":v": {"S": "open"}},
        )
    assert "Invalid index" in str(moto_said.value)
    error = translate(moto_said.value, "Query 'orders'")
    assert isinstance(error, IndexNotFound)
    assert str(error) == (
        "Query 'orders': the table has no index 'by_status': check the index name, or add the "
        "index to the table"
    )
    # DynamoDB's own wording is a ValidationException
    answer_with(
        "Query",
        lambda url: error_response(
            url, "ValidationException", "The table does not have the specified index: by_status"
        ),
    )
    with pytest.raises(IndexNotFound) as caught:
        api.query("orders", "open", env="dev", index="status-total")
    assert "has no index 'by_status'" in str(caught.value)
    assert "check the table name" not in str(caught.value)


def test_errors_name_their_table_and_environment(orders, monkeypatch):
    """An error says which table and environment it is about (``table``/``env``), where the
    raising code knows them: a table or index missing, a call the service refused, a copy."""
    with pytest.raises(TableNotFound) as missing:
        api.describe("nope", env="dev")
    assert (missing.value.table, missing.value.env) == ("nope", "dev")
    with pytest.raises(IndexNotFound) as no_index:
        api.query("orders", "c1", env="dev", index="nope")
    assert no_index.value.table == "orders"
    answer_with("Query", html_response)
    with pytest.raises(ServiceError) as refused:
        api.query("orders", "c1", env="dev")
    assert refused.value.table == "orders"
    error = CopyFailed("copy failed", table="orders", env="dev")
    assert (error.table, error.env, error.result) == ("orders", "dev", None)
    with pytest.raises(ServiceError) as named, concerning(table="orders", env="dev"):
        raise ServiceError("x", table="other")
    assert (named.value.table, named.value.env) == ("other", "dev")  # what it said stays
