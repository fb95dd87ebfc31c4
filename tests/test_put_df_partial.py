"""``put_df`` of frames that do not hold whole items, and of values DynamoDB refuses (issue 17,
a fresh user's findings), against moto servers: every refusal is one line before anything is
read or written (no backup, no item changed); ``whole_items`` writes such a frame on purpose;
float32 values are written as their own shortest text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import dynamo_magic as dm
from dynamo_magic.errors import InvalidQuery
from dynamo_magic.transfer.plan import CopyPlan

from conftest import A, client_for, table_items
from tables import create_events, create_orders, events_items, order_item, put_all, scan_all


@pytest.fixture
def orders(servers: Any) -> dict[str, dict]:
    """Orders of three customers in A; every item as A holds it."""
    create_orders(client_for(A))
    put_all(client_for(A), "orders", [order_item(c, n) for c in range(3) for n in range(2, 8)])
    return table_items(A, "orders")


def backups(table: str) -> list[Any]:
    return client_for(A).list_backups(TableName=table)["BackupSummaries"]


@pytest.mark.parametrize(
    ("read", "says"),
    [
        (
            {"columns": "customer,order-date,status"},
            "holds only some attributes of the items of orders",
        ),
        ({"flatten": True}, "was read from orders with flatten"),
        ({"index": "region-include", "pk": "eu"}, "holds only some attributes"),
    ],
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_frame_of_only_some_attributes_is_refused_before_anything_is_written(
    orders: dict[str, dict], read: dict[str, Any], says: str, dry_run: bool
) -> None:
    """Before: "load OK: 6 written" and every item then held only the three columns (or the
    flattened map as dotted top-level attributes)."""
    pk = read.pop("pk", "c1")
    df = dm.query("orders", pk, env=A, **read)
    with pytest.raises(InvalidQuery) as refused:
        dm.put_df(df, "orders", env=A, yes=True, dry_run=dry_run)
    line = str(refused.value)
    assert "\n" not in line and says in line
    assert "read whole items" in line and "whole_items" in line
    assert table_items(A, "orders") == orders and backups("orders") == []


@pytest.mark.parametrize("cut", ["select", "drop"])
def test_a_whole_frame_cut_to_some_columns_is_refused(orders: dict[str, dict], cut: str) -> None:
    """Before: df[["customer", "order-date", "status"]] of a whole read wrote 6 items that
    then held only those three attributes (the frame's attrs do not change with its columns)."""
    df = dm.query("orders", "c1", env=A)
    kept = ["customer", "order-date", "status"]
    part = df[kept].copy() if cut == "select" else df.drop(columns=["total"])
    part["status"] = "edited"
    with pytest.raises(InvalidQuery) as refused:
        dm.put_df(part, "orders", env=A, yes=True)
    line = str(refused.value)
    assert "\n" not in line and "lacks attributes read from orders (" in line
    assert "total" in line and "whole_items" in line
    assert table_items(A, "orders") == orders and backups("orders") == []


def test_whole_items_writes_the_rows_as_whole_items_on_purpose(orders: dict[str, dict]) -> None:
    df = dm.query("orders", "c1", env=A, columns="customer,order-date,status")
    df["status"] = "edited"
    result = dm.put_df(df, "orders", env=A, yes=True, backup=False, whole_items=True)
    assert result.ok and result.written == 6
    after = table_items(A, "orders")
    c1 = [item for item in after.values() if item["customer"] == {"S": "c1"}]
    assert len(c1) == 6 and all(set(i) == {"customer", "order-date", "status"} for i in c1)
    assert all(i["status"] == {"S": "edited"} for i in c1)


def test_a_whole_frame_and_an_edited_copy_of_one_are_written_as_before(
    orders: dict[str, dict],
) -> None:
    df = dm.query("orders", "c2", env=A)
    edited = df[df["status"] == "open"].copy()  # attrs travel with the slice of rows
    edited["status"] = "closed"
    result = dm.put_df(edited, "orders", env=A, yes=True, backup=False)
    assert result.ok and result.written == len(edited) > 0


def test_the_magic_refuses_it_naming_its_flag(shell: Any, servers: Any, capsys: Any) -> None:
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=1, per_device=3))
    before = scan_all(client_for(A), "events")
    shell.user_ns["df"] = dm.query("events", 1, env=A, columns="device,seq")
    outcome = shell.run_cell(f"%dynamo_put df events --env {A} --yes --no-progress")
    assert "--whole-items" in str(outcome.error_in_exec)
    assert "holds only some attributes" in str(outcome.error_in_exec)
    assert scan_all(client_for(A), "events") == before


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        (pd.DataFrame({"device": [1, 2], "seq": [1, 1], "v": [0.5, 1e200]}), "outside"),
        (pd.DataFrame({"device": [1, 2], "seq": [1, 1], "v": [1e-200, 0.5]}), "outside"),
        (pd.DataFrame({"device": [1], "seq": [1], "v": [[1, 10**130]]}), "outside"),
        (pd.DataFrame({"device": [1], "seq": [10**40 + 1]}, dtype=object), "more than 38"),
    ],
)
def test_numbers_dynamodb_refuses_are_refused_naming_the_row(
    servers: Any, frame: pd.DataFrame, says: str
) -> None:
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=1, per_device=2))
    before = scan_all(client_for(A), "events")
    with pytest.raises(InvalidQuery) as refused:
        dm.put_df(frame, "events", env=A, yes=True)
    assert says in str(refused.value) and "row " in str(refused.value)
    assert scan_all(client_for(A), "events") == before and backups("events") == []


def test_an_empty_string_key_is_refused_naming_the_rows(orders: dict[str, dict]) -> None:
    frame = pd.DataFrame({"customer": ["c9", "", "c9"], "order-date": ["a", "b", ""]})
    with pytest.raises(InvalidQuery) as refused:
        dm.put_df(frame, "orders", env=A, yes=True)
    assert str(refused.value).startswith("key attribute 'customer' is empty in row(s) 1")
    assert table_items(A, "orders") == orders and backups("orders") == []


def test_float32_values_are_written_as_their_own_shortest_text(servers: Any) -> None:
    create_events(client_for(A))
    frame = pd.DataFrame(
        {
            "device": [1, 1],
            "seq": [1, 2],
            "f32": np.array([0.1, 3.3], dtype=np.float32),
            "one": pd.Series([np.float32(0.1), "x"], dtype=object),
            "Float32": pd.array([0.7, None], dtype="Float32"),
        }
    )
    assert dm.put_df(frame, "events", env=A).ok
    items = sorted(scan_all(client_for(A), "events"), key=lambda i: i["seq"]["N"])
    assert items[0]["f32"] == {"N": "0.1"} and items[1]["f32"] == {"N": "3.3"}
    assert items[0]["one"] == {"N": "0.1"} and items[0]["Float32"] == {"N": "0.7"}


def test_replace_says_how_many_items_it_deletes(orders: dict[str, dict]) -> None:
    """Before: the plan said only "items of the target's 1 partition(s) ... after writing"
    and the confirmation "holds items that will be overwritten"; a slice written back in
    replace mode deleted the rest of its partition unannounced."""
    df = dm.query("orders", "c1", env=A, sk="2024-01-03")  # 1 of the partition's 6 items
    plan = dm.put_df(df, "orders", env=A, mode="replace", dry_run=True)
    assert isinstance(plan, CopyPlan)
    assert "~5 to ~6 (estimated" in plan.deletes
    assert any(
        c.startswith("mode replace deletes items of") and "~5 to ~6" in c
        for c in plan.confirmations
    )
    assert "~5 to ~6" in str(plan)
