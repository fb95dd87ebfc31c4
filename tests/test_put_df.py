"""``dynamo_magic.put_df`` against two moto servers (two "accounts"): a frame read with
``scan``/``query`` written back gives identical items; every refusal writes nothing; replace
touches only the partitions the frame covers; the copy's confirmation, backup and dry run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dynamo_magic as dm
from dynamo_magic.errors import ConfirmationRequired, InvalidQuery, TableNotFound
from dynamo_magic.transfer.plan import CopyPlan

from conftest import A, B, client_for, table_items
from tables import (
    create_blobs,
    create_events,
    create_orders,
    events_items,
    keyed,
    order_item,
    put_all,
    scan_all,
)

EVENTS = ("device", "seq")


def rich_items() -> list[dict]:
    """Every attribute type of ``order_item``; some items lack ``paid``. No top-level NULL: a
    frame cannot tell one from a missing attribute (both are a missing cell)."""
    items = [order_item(c, n) for c in range(3) for n in range(2, 12)]
    for item in items:
        del item["note"]
    return items


def test_a_scanned_frame_written_into_another_account_gives_identical_items(servers):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", rich_items())
    create_orders(client_for(B))
    df = dm.scan("orders", env=A)
    result = dm.put_df(df, "orders", env=B)
    assert result.ok and result.written == 30 and result.verification.target_count == 30
    assert table_items(B, "orders") == table_items(A, "orders")


def test_a_queried_partition_written_back_after_an_edit_changes_only_the_edit(servers):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", rich_items())
    before = table_items(A, "orders")
    df = dm.query("orders", "c1", env=A)
    df.loc[df["order-date"] == "2024-01-03", "status"] = "edited"
    result = dm.put_df(df, "orders", env=A, yes=True, backup=False)
    assert result.ok and result.written == 10
    after = table_items(A, "orders")
    changed = [k for k in before if before[k] != after[k]]
    assert len(changed) == 1 and after[changed[0]]["status"] == {"S": "edited"}


def test_top_level_nulls_come_back_with_nulls_null(servers):
    items = [order_item(0, n) for n in (2, 3, 4, 6)]  # every item has every attribute
    create_orders(client_for(A))
    put_all(client_for(A), "orders", items)
    create_orders(client_for(B))
    dm.put_df(dm.scan("orders", env=A), "orders", env=B, nulls="null")
    assert table_items(B, "orders") == table_items(A, "orders")


def test_binary_keys_and_numpy_numbers_round_trip(servers):
    """Replace mode: its partitions are read by Query (moto 5.2.5 answers a segmented scan of
    a binary hash key with HTTP 500), the partition values as bytes."""
    create_blobs(client_for(A))
    put_all(client_for(A), "blobs", [{"id": {"B": b"\x01\x02"}, "old": {"S": "x"}}])
    frame = pd.DataFrame({"id": [b"\x01\x02", b"\xff"], "n": np.array([1, 2], dtype=np.int32)})
    result = dm.put_df(frame, "blobs", env=A, mode="replace", yes=True)
    assert result.ok and result.written == 2 and result.deleted == 0
    assert result.verification.target_count == 2
    assert keyed(scan_all(client_for(A), "blobs"), ("id",)) == keyed(
        [{"id": {"B": b"\x01\x02"}, "n": {"N": "1"}}, {"id": {"B": b"\xff"}, "n": {"N": "2"}}],
        ("id",),
    )


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"device": [1, 2]}),
            "no column for the key attribute 'seq' (its columns: device)",
        ),
        (
            pd.DataFrame({"device": [1, None], "seq": [1, 2]}, index=["a", "b"]),
            "key attribute 'device' missing or null in row(s) 'b'",
        ),
        (
            pd.DataFrame({"device": ["1"], "seq": [1]}, index=["r"]),
            "key attribute 'device' must be of type N, is S in row(s) 'r'",
        ),
        (
            pd.DataFrame({"device": [1, 1, 2], "seq": [5, 5, 5]}, index=["x", "y", "z"]),
            "duplicate keys (device, seq) in row(s) 'x', 'y'",
        ),
        (
            pd.DataFrame({"device": [1], "seq": [1], "tags": [set()]}, index=["r"]),
            "row 'r', column 'tags': DynamoDB cannot store an empty set",
        ),
        (
            pd.DataFrame({"device": [1], "seq": [1], "v": [[np.nan]]}, index=["r"]),
            "row 'r', column 'v': DynamoDB cannot store NaN inside a list",
        ),
        (
            pd.DataFrame({"device": [1], "seq": [1], "v": ["x" * 410_000]}, index=["r"]),
            "row 'r': the item is",
        ),
    ],
)
def test_a_bad_frame_is_one_line_and_nothing_is_written(servers, frame, message):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(1, 3))
    before = table_items(A, "events", EVENTS)
    with pytest.raises(InvalidQuery) as caught:
        dm.put_df(frame, "events", env=A, yes=True)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert table_items(A, "events", EVENTS) == before


def test_not_a_frame_or_a_missing_table_is_refused(servers):
    with pytest.raises(InvalidQuery, match="df must be a pandas DataFrame, not list"):
        dm.put_df([{"a": 1}], "events", env=A)  # type: ignore[arg-type]
    with pytest.raises(TableNotFound):
        dm.put_df(pd.DataFrame({"device": [1], "seq": [1]}), "events", env=A)


def test_a_non_empty_table_needs_yes_and_is_backed_up_first(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(1, 3))
    frame = pd.DataFrame({"device": [9], "seq": [1], "value": [0.1]})
    with pytest.raises(ConfirmationRequired, match="holds items that will be overwritten"):
        dm.put_df(frame, "events", env=A)
    assert len(scan_all(client_for(A), "events")) == 3
    result = dm.put_df(frame, "events", env=A, yes=True)
    assert result.backup is not None and result.written == 1
    # merge into a table that held items: the row looked up by key, not the table counted
    assert (result.verification.source_count, result.verification.target_count) == (1, 1)
    assert "each item looked up in the target by key" in str(result.verification)  # as planned
    backups = client_for(A).list_backups(TableName="events")["BackupSummaries"]
    assert [b["BackupArn"] for b in backups] == [result.backup.arn]
    new = table_items(A, "events", EVENTS)
    assert [i["value"] for i in new.values() if i["device"] == {"N": "9"}] == [{"N": "0.1"}]


def test_a_dry_run_returns_the_plan_and_writes_nothing(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(2, 3))
    frame = pd.DataFrame({"device": [1, 1], "seq": [0, 7]})
    plan = dm.put_df(frame, "events", env=A, mode="replace", dry_run=True)
    assert isinstance(plan, CopyPlan)
    text = str(plan)
    assert "DataFrame of 2 row(s), 2 column(s)" in text
    assert "1 partition key value(s) in the frame" in text
    assert "items of the target's 1 partition(s) of device the load writes" in text
    assert "~3 items" in text  # the covered partition counted, not the table
    assert len(scan_all(client_for(A), "events")) == 6


def test_replace_deletes_only_in_the_partitions_the_frame_covers(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(3, 5))  # devices 1, 2, 3; seq 0..4
    others = {k: v for k, v in table_items(A, "events", EVENTS).items() if '"2"' not in k[:20]}
    frame = pd.DataFrame({"device": [2, 2], "seq": [1, 9], "value": [1.5, 9.5]})
    result = dm.put_df(frame, "events", env=A, mode="replace", yes=True)
    assert result.ok and result.written == 2 and result.deleted == 4  # seq 0, 2, 3, 4 gone
    assert result.verification.target_count == 2
    after = table_items(A, "events", EVENTS)
    device_2 = sorted(i["seq"]["N"] for i in after.values() if i["device"] == {"N": "2"})
    assert device_2 == ["1", "9"]
    assert {k: v for k, v in after.items() if '"2"' not in k[:20]} == others


def test_truncate_empties_the_covered_partitions_first(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(2, 5))
    frame = pd.DataFrame({"device": [1], "seq": [42]})
    result = dm.put_df(frame, "events", env=A, mode="truncate", yes=True)
    assert result.ok and result.deleted == 5 and result.written == 1
    after = table_items(A, "events", EVENTS)
    assert sorted(
        (i["device"]["N"], i["seq"]["N"]) for i in after.values() if i["device"] == {"N": "1"}
    ) == [("1", "42")]
    assert len(after) == 6
