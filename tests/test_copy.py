"""Copy engine against two real moto servers ("accounts" A and B): every mode, key type,
index kind and attribute type, compared item by item; safety rules; faults; restore."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import boto3
import psutil
import pytest
from botocore.config import Config

import dynamo_magic.api as api
from dynamo_magic import environments
from dynamo_magic.dynamodb import backups as backup_admin
from dynamo_magic.dynamodb import clients
from dynamo_magic.dynamodb import tables as table_admin
from dynamo_magic.errors import (
    BackupFailed,
    ConfirmationRequired,
    CopyFailed,
    EndpointUnreachable,
    IndexNotFound,
    InvalidQuery,
    TableNotFound,
    UnsafeOperation,
    UsageProblem,
)
from dynamo_magic.settings import get_settings, set_settings
from dynamo_magic.transfer import engine as copying
from dynamo_magic.transfer import parallel
from dynamo_magic.transfer import verify as verification

from conftest import A, B, client_for, table_items
from fault_injection import Faults, error_response
from tables import (
    ORDER_KEY,
    blobs_items,
    create_blobs,
    create_events,
    create_keyed,
    create_orders,
    events_items,
    keyed,
    order_item,
    orders_items,
    put_all,
    scan_all,
)


@pytest.fixture
def orders_source(servers):
    client = client_for(A)
    create_orders(client)
    put_all(client, "orders", orders_items())
    return client


def stale_target() -> list[dict]:
    """Target content before a copy: one changed overlapping item, two target-only items."""
    changed = order_item(0, 1) | {"note": {"S": "stale"}}
    only = [order_item(9, 1), order_item(9, 2)]
    return [changed, *only]


# -- whole table ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["replace", "truncate", "merge"])
def test_whole_table_modes_end_exact(orders_source, mode):
    target = client_for(B)
    create_orders(target)
    put_all(target, "orders", stale_target())

    # worker processes (loky), as large tables get; small ones default to threads
    result = api.copy(
        "orders", source=A, target=B, mode=mode, yes=True, verify="full", backend="loky"
    )

    source_items = table_items(A, "orders")
    expected = dict(source_items)
    if mode == "merge":  # puts only: target-only items stay
        expected |= {
            k: v for k, v in keyed(stale_target(), ORDER_KEY).items() if k not in source_items
        }
    assert table_items(B, "orders") == expected
    assert result.written == len(source_items)
    assert result.deleted == {"replace": 2, "truncate": 3, "merge": 0}[mode]
    assert result.backup is not None  # the non-empty target was backed up first
    assert result.ok


@pytest.mark.parametrize(
    ("create", "items", "key", "segments"),
    [
        (create_events, events_items(), ("device", "seq"), None),
        # moto 5.2.5 crashes on a segmented scan of a binary hash key (a moto bug): one segment
        (create_blobs, blobs_items(), ("id",), 1),
    ],
    ids=["numeric-keys", "binary-key"],
)
def test_copy_into_missing_target_creates_it(servers, create, items, key, segments):
    source = client_for(A)
    create(source)
    table = source.list_tables()["TableNames"][0]
    put_all(source, table, items)

    result = api.copy(table, source=A, target=B, segments=segments, verify="full")

    assert result.created_target and result.ok
    assert table_items(B, table, key) == table_items(A, table, key)
    assert len(table_items(B, table, key)) == len(items)


def test_created_target_has_source_indexes_and_billing(orders_source):
    api.copy("orders", source=A, target=B, target_table="orders-copy")
    source = api.describe("orders", env=A)
    copied = api.describe("orders-copy", env=B)
    assert copied.key == source.key
    assert copied.billing_mode == source.billing_mode == "PAY_PER_REQUEST"
    assert {n: (i.kind, i.key, i.projection) for n, i in copied.indexes.items()} == {
        n: (i.kind, i.key, i.projection) for n, i in source.indexes.items()
    }


def test_items_near_the_size_limit(servers):
    source = client_for(A)
    create_events(source)
    big = [
        {"device": {"N": "1"}, "seq": {"N": str(i)}, "payload": {"S": chr(65 + i) * 390_000}}
        for i in range(30)
    ]
    put_all(source, "events", big)
    result = api.copy("events", source=A, target=B, verify="full")
    assert result.ok and result.written == 30
    assert table_items(B, "events", ("device", "seq")) == table_items(
        A, "events", ("device", "seq")
    )


# -- slices --------------------------------------------------------------------------------------
def in_slice(items: dict[str, dict], predicate) -> dict[str, dict]:
    return {k: v for k, v in items.items() if predicate(v)}


SLICES = {
    "pk": (dict(pk="c1"), lambda i: i["customer"]["S"] == "c1"),
    "pk+sk-prefix": (
        dict(pk="c1", sk="2024-01-0"),
        lambda i: i["customer"]["S"] == "c1" and i["order-date"]["S"].startswith("2024-01-0"),
    ),
    "pk+sk-between": (
        dict(pk="c2", sk="2024-01-03", sk_op="between", sk2="2024-01-06"),
        lambda i: (
            i["customer"]["S"] == "c2" and "2024-01-03" <= i["order-date"]["S"] <= "2024-01-06"
        ),
    ),
    "gsi-all": (dict(pk="open", index="status-total"), lambda i: i["status"]["S"] == "open"),
    "gsi-keys-only": (dict(pk="eu", index="region-keys"), lambda i: i["region"]["S"] == "eu"),
    "gsi-include": (
        dict(pk="us", index="region-include", sk="2024-01-05", sk_op=">="),
        lambda i: i["region"]["S"] == "us" and i["order-date"]["S"] >= "2024-01-05",
    ),
    "lsi": (
        dict(pk="c0", index="by-total", sk="5", sk_op="<"),
        lambda i: i["customer"]["S"] == "c0" and float(i["total"]["N"]) < 5,
    ),
}


@pytest.mark.parametrize("mode", ["replace", "truncate", "merge"])
@pytest.mark.parametrize("name", list(SLICES))
def test_slice_copy_makes_target_slice_equal(orders_source, name, mode):
    options, predicate = SLICES[name]
    target = client_for(B)
    create_orders(target)
    # target: a stale copy of every source item in the slice plus extra slice members
    stale = [order_item(c, n) | {"note": {"S": "stale"}} for c in range(3) for n in range(1, 11)]
    extra = [order_item(c, n) for c in (0, 1, 2) for n in (20, 21)]
    put_all(target, "orders", stale + extra)
    before = table_items(B, "orders")

    result = api.copy("orders", source=A, target=B, mode=mode, yes=True, **options)

    source_slice = in_slice(table_items(A, "orders"), predicate)
    after = table_items(B, "orders")
    assert source_slice, "the slice must not be empty for this test to mean anything"
    assert result.written == len(source_slice)
    # every source slice item arrived whole (index entries with partial projections too)
    assert {k: after[k] for k in source_slice} == source_slice
    extra_in_slice = {k for k in in_slice(before, predicate) if k not in source_slice}
    if mode == "merge":
        assert extra_in_slice <= after.keys()
    else:  # the target slice now equals the source slice
        assert in_slice(after, predicate) == source_slice
    # nothing outside the slice was touched
    outside = {k: v for k, v in before.items() if not predicate(v)}
    assert {k: after[k] for k in outside} == outside


@pytest.mark.parametrize(
    ("index", "pk", "verify"),
    [("status-total", "open", "count"), ("region-keys", "eu", "count"), ("by-total", "c0", "full")],
    ids=["gsi-all", "gsi-keys-only", "lsi-full"],
)
def test_merge_of_an_index_slice_needs_no_index_in_the_target(orders_source, index, pk, verify):
    """Merge only writes: a target without the slice's index (same table key) takes the slice;
    replace and truncate, which must find the target's slice to delete it, are refused."""
    target = client_for(B)
    create_keyed(target, "orders", ("customer", "S"), ("order-date", "S"))  # no index at all
    stale = [order_item(c, n) | {"note": {"S": "stale"}} for c in range(3) for n in (1, 2, 3)]
    other = [order_item(c, n) for c in (5, 6) for n in (1, 2)]  # keys the source lacks
    put_all(target, "orders", stale + other)
    before = table_items(B, "orders")
    options = dict(source=A, target=B, index=index, pk=pk, verify=verify)

    plan = api.plan_copy("orders", mode="merge", **options)
    assert plan.target_lacks_index and plan.target_items is None and plan.deletes == "none"
    text = str(plan)
    assert f"its slice is not counted: it lacks index '{index}'" in text
    assert plan.confirmations == [
        f"target 'orders' holds items that may be overwritten (its slice is not counted: it "
        f"lacks index '{index}')"
    ]
    with pytest.raises(ConfirmationRequired):
        api.copy("orders", mode="merge", **options)
    for mode in ("replace", "truncate"):
        with pytest.raises(UnsafeOperation, match=f"target 'orders' lacks index '{index}'"):
            api.plan_copy("orders", mode=mode, **options)
    assert table_items(B, "orders") == before

    result = api.copy("orders", mode="merge", yes=True, **options)

    source = table_items(A, "orders")
    predicate = {
        "status-total": lambda i: i["status"]["S"] == pk,
        "region-keys": lambda i: i["region"]["S"] == pk,
        "by-total": lambda i: i["customer"]["S"] == pk,
    }[index]
    source_slice = in_slice(source, predicate)
    after = table_items(B, "orders")
    assert result.ok and result.written == len(source_slice) > 0 and result.deleted == 0
    assert {k: after[k] for k in source_slice} == source_slice  # whole items, not index entries
    assert {k: v for k, v in after.items() if k not in source_slice} == {
        k: v for k, v in before.items() if k not in source_slice
    }  # nothing else touched
    checked = result.verification
    assert (checked.method, checked.ok) == (verify, True)
    assert checked.source_count == checked.target_count == len(source_slice)


def test_merge_of_an_index_slice_finds_a_changed_item_in_a_target_without_the_index(
    orders_source,
):
    """The lookup that verifies a merge into a target lacking the index really compares."""
    target = client_for(B)
    create_keyed(target, "orders", ("customer", "S"), ("order-date", "S"))
    plan = api.plan_copy(
        "orders", source=A, target=B, index="status-total", pk="open", mode="merge"
    )
    engine = copying.Engine.from_settings(get_settings(), plan.source_items, 1, 1, "threading")
    assert plan.target_empty and not plan.confirmations  # an empty target: nothing to confirm
    assert copying.execute(plan, engine).ok
    put_all(target, "orders", [order_item(0, 1) | {"note": {"S": "changed"}}])  # in the slice
    checked = verification.verify(plan, engine, parallel.NoProgress())
    assert (checked.method, checked.ok, checked.detail) == (
        "count",
        False,
        "1 source item(s) missing or different in the target; each item looked up in the "
        "target by key",
    )
    assert checked.source_count == 15 and checked.target_count == 14


# -- faults: throttling and UnprocessedItems -----------------------------------------------------
def faulty_target(faults: Faults) -> None:
    """Install faults on the target client the (threading) workers will use."""
    faults.install(clients.client(environments.resolve(B)))


def test_copy_is_exact_despite_throttling_and_unprocessed_items(servers):
    source = client_for(A)
    create_events(source)
    put_all(source, "events", events_items(devices=4, per_device=100))
    create_events(client_for(B))
    faults = Faults(throttle=0.10, unprocessed=0.30)
    faulty_target(faults)

    result = api.copy("events", source=A, target=B, backend="threading", verify="full")

    assert faults.held_back > 50 and faults.throttled > 3  # the faults really happened
    assert result.ok and result.written == 400
    # every call throttled or answered with UnprocessedItems was sent again, and counted once
    assert result.retried == faults.throttled + faults.held_calls
    assert table_items(B, "events", ("device", "seq")) == table_items(
        A, "events", ("device", "seq")
    )


def test_items_left_unwritten_are_reported_and_saved(servers, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    set_settings(get_settings().replace(max_retries=0))
    source = client_for(A)
    create_events(source)
    put_all(source, "events", events_items(devices=2, per_device=100))
    create_events(client_for(B))
    faulty_target(Faults(unprocessed=0.30))

    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, backend="threading")

    result = failure.value.result
    saved = [json.loads(line) for line in Path(result.failed_file).read_text().splitlines()]
    assert result.failed == len(saved) > 0
    assert result.written + result.failed == 200
    saved_keys = {
        (r["PutRequest"]["Item"]["device"]["N"], r["PutRequest"]["Item"]["seq"]["N"]) for r in saved
    }
    target_keys = {(i["device"]["N"], i["seq"]["N"]) for i in scan_all(client_for(B), "events")}
    assert not saved_keys & target_keys  # exactly the unwritten items were saved
    assert len(target_keys) == result.written
    assert "failed" in str(failure.value) and result.failed_file in str(failure.value)


# -- safety --------------------------------------------------------------------------------------
def assert_untouched(profile: str, table: str, before: dict) -> None:
    assert table_items(profile, table) == before


@pytest.mark.parametrize("target", ["acct-a", "dev"], ids=["same-env", "same-account-other-name"])
def test_same_table_is_refused(orders_source, target):
    before = table_items(A, "orders")
    with pytest.raises(UnsafeOperation, match="same table"):
        api.copy("orders", source=A, target=target, yes=True)
    assert_untouched(A, "orders", before)


def test_key_schema_mismatch_is_refused_before_any_write(orders_source):
    target = client_for(B)
    create_events(target, name="orders")  # same name, other keys
    put_all(target, "orders", events_items(1, 3))
    with pytest.raises(UnsafeOperation, match="key schemas differ") as refused:
        api.copy("orders", source=A, target=B, yes=True)
    assert "customer (S)" in str(refused.value) and "device (N)" in str(refused.value)
    assert len(scan_all(target, "orders")) == 3
    assert not target.list_backups()["BackupSummaries"]


def test_non_empty_and_protected_targets_need_confirmation(orders_source):
    target = client_for(B)
    create_orders(target)
    put_all(target, "orders", stale_target())
    before = table_items(B, "orders")
    with pytest.raises(ConfirmationRequired, match=r"confirm with yes$") as refused:
        api.copy("orders", source=A, target=B)
    assert refused.value.parameters == ("yes",)  # each front end names it its own way
    assert refused.value.render(lambda name: f"--{name}").endswith("confirm with --yes")
    assert_untouched(B, "orders", before)
    # prod-b points at the same server as acct-b: a protected environment name
    with pytest.raises(ConfirmationRequired, match="protected"):
        api.copy("orders", source=A, target="prod-b", target_table="fresh")
    assert "fresh" not in target.list_tables()["TableNames"]


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"workers": 0}, "workers must be at least 1, not 0"),
        ({"workers": -3}, "workers must be at least 1, not -3"),
        ({"segments": 0}, "segments must be from 1 to 1,000,000 .*not 0"),
        ({"segments": -1}, "segments must be from 1 to 1,000,000 .*not -1"),
        ({"segments": 1_000_001}, "segments must be from 1 to 1,000,000 .*not 1000001"),
    ],
)
def test_worker_and_segment_counts_are_refused_before_anything_is_done(
    orders_source, counts, message
):
    started = parallel_children()
    for options in ({}, {"pk": "c1"}):  # whole table, a slice
        with pytest.raises(UsageProblem, match=message) as exc:
            api.copy("orders", source=A, target=B, yes=True, **options, **counts)
        assert "\n" not in str(exc.value)
    assert client_for(B).list_tables()["TableNames"] == []  # nothing created or written
    assert parallel_children() == started  # and no worker started


def parallel_children() -> int:
    """Processes this test process started (the moto servers, any copy workers)."""
    return len(psutil.Process().children(recursive=True))


def test_empty_source_over_non_empty_target_is_announced_and_confirmed(servers):
    create_orders(client_for(A))
    target = client_for(B)
    create_orders(target)
    put_all(target, "orders", stale_target())
    plan = api.plan_copy("orders", source=A, target=B)
    assert any("would empty the target" in w for w in plan.warnings)
    with pytest.raises(ConfirmationRequired):
        api.copy("orders", source=A, target=B)
    assert len(scan_all(target, "orders")) == 3


def test_dry_run_writes_nothing_and_describes_the_plan(orders_source):
    target = client_for(B)
    plan = api.plan_copy("orders", source=A, target=B)
    text = str(plan)
    assert "will be created" in text and "30 (exact)" in text and "nothing written" in text
    assert plan.write_units >= 30 and plan.create_target
    assert target.list_tables()["TableNames"] == []


def test_backup_unsupported_refuses_unless_opted_out(orders_source):
    target = client_for(B)
    create_orders(target)
    put_all(target, "orders", stale_target())
    before = table_items(B, "orders")

    def refuse_backup(request, **_):  # as dynalite and other local servers answer
        return error_response(request.url, "UnknownOperationException", "not supported")

    clients.client(environments.resolve(B)).meta.events.register(
        "before-send.dynamodb.CreateBackup", refuse_backup
    )
    with pytest.raises(BackupFailed, match="turn the backup off"):
        api.copy("orders", source=A, target=B, yes=True, backend="threading")
    assert_untouched(B, "orders", before)
    result = api.copy("orders", source=A, target=B, yes=True, backup=False, backend="threading")
    assert result.ok and result.backup is None


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (dict(source="nosuch"), Exception, "unknown environment 'nosuch'"),
        (dict(table="nosuch"), TableNotFound, "not found"),
        (dict(pk="c1", index="nosuch"), IndexNotFound, "no index 'nosuch'"),
        (dict(pk="c1", sk="x", sk_op="~"), InvalidQuery, "unknown sort-key operator"),
        (dict(pk="eu", index="region-keys", sk="x"), InvalidQuery, "no sort key"),
        (dict(sk="x"), InvalidQuery, "give pk"),
        (dict(mode="wipe"), InvalidQuery, "unknown mode"),
    ],
)
def test_bad_input_writes_nothing(orders_source, options, error, match):
    kwargs = dict(table="orders", source=A, target=B, yes=True) | options
    with pytest.raises(error, match=match):
        api.copy(kwargs.pop("table"), **kwargs)
    assert client_for(B).list_tables()["TableNames"] == []


# -- backups, restore, truncate ------------------------------------------------------------------
def test_restore_in_place_brings_back_the_overwritten_data(orders_source):
    target = client_for(B)
    create_orders(target)
    put_all(target, "orders", stale_target())
    original = table_items(B, "orders")
    result = api.copy("orders", source=A, target=B, yes=True)
    assert table_items(B, "orders") != original
    assert result.backup.name in set(api.backups("orders", env=B)["name"])

    api.restore("orders", env=B, backup=result.backup, in_place=True, yes=True)  # the Backup

    assert table_items(B, "orders") == original
    assert client_for(B).list_tables()["TableNames"] == ["orders"]  # temporary table removed


def test_restore_into_new_table(orders_source):
    api.copy("orders", source=A, target=B)
    client_for(B).create_backup(TableName="orders", BackupName="manual")
    api.restore("orders", env=B, backup="manual", into="orders-restored")
    assert table_items(B, "orders-restored") == table_items(A, "orders")
    with pytest.raises(InvalidQuery, match="into NEW_TABLE or in_place"):
        api.restore("orders", env=B)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: api.restore("orders", env=B, into="T"), "into: 'T' is not a DynamoDB table"),
        (lambda: api.restore("orders", env=B, into="a" * 256), "(it has 256 characters)"),
        (lambda: api.restore("o", env=B, in_place=True, yes=True), "table: 'o' is not"),
        (lambda: api.restore(None, env=B, into="fine"), "table must be a table name (text)"),
        (lambda: api.copy("orders", source=A, target=B, target_table="x y"), "' ' is not allowed"),
        (lambda: api.plan_copy("orders", source=A, target=B, target_table=7), "not int"),
        (lambda: api.copy("ord:ers", source=A, target=B, target_table="ok1"), "':' is not"),
        (lambda: api.truncate("tbl#", env=B, yes=True), "'#' is not allowed"),
        (lambda: api.backups("bk", env=B), "table: 'bk' is not"),
    ],
    ids=["into-1", "into-256", "in-place", "none", "space", "int", "colon", "truncate", "backups"],
)
def test_table_names_are_refused_before_any_call(orders_source, call, message):
    """DynamoDB's rule for table names, checked first: one line naming the parameter (and
    botocore's multi-line ParamValidationError, once raised as it was, never reached)."""
    create_orders(client_for(B))
    client_for(B).create_backup(TableName="orders", BackupName="kept")
    with pytest.raises(InvalidQuery) as refused:
        call()
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert "3 to 255 characters" in str(refused.value) or "text" in str(refused.value)
    assert client_for(B).list_tables()["TableNames"] == ["orders"]
    assert len(client_for(B).list_backups()["BackupSummaries"]) == 1


def test_table_management_translates_botocores_own_errors(orders_source):
    """Table management reports botocore's errors (a parameter it refuses, an endpoint it
    cannot reach) as one-line errors, as it reports DynamoDB's: not as tracebacks."""
    client = client_for(A)
    client.create_backup(TableName="orders", BackupName="b-one")
    backup = backup_admin.find_backup(client, "orders", "b-one")
    with pytest.raises(InvalidQuery) as refused:  # checked by botocore, never sent
        backup_admin.restore_to_new_table(client, backup, "T")
    assert "restore backup 'b-one' into 'T': Parameter validation failed: Invalid length" in str(
        refused.value
    )
    assert "\n" not in str(refused.value)

    schema = api.describe("orders", env=A)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1),
    )
    calls = {
        "restore": lambda: backup_admin.restore_to_new_table(unreachable, backup, "orders-new"),
        "create": lambda: table_admin.create_like(unreachable, schema, "orders-new"),
        "wait": lambda: table_admin.wait_active(unreachable, "orders", timeout=1),
        "delete": lambda: table_admin.delete_table(unreachable, "orders"),
        "back up": lambda: backup_admin.create_backup(unreachable, "orders"),
        "backups": lambda: backup_admin.list_backups(unreachable, "orders"),
    }
    for name, call in calls.items():
        with pytest.raises(EndpointUnreachable) as failed:
            call()
        assert "cannot reach the DynamoDB endpoint" in str(failed.value), name
        assert "\n" not in str(failed.value), name


def test_truncate_backs_up_then_empties(orders_source):
    with pytest.raises(ConfirmationRequired):
        api.truncate("orders", env=A)
    assert len(scan_all(orders_source, "orders")) == 30
    result = api.truncate("orders", env=A, yes=True)
    assert result.deleted == 30 and result.backup is not None
    assert scan_all(orders_source, "orders") == []
    # a truncate is reported as one, not as a copy with nothing verified
    line = result.summary_line()
    assert line.startswith("truncate OK: 30 deleted, 0 failed, 0 retried in ")
    assert f"; backup {result.backup.name}" in line
    assert "copy" not in line and "verification" not in line and "written" not in line
    rows = dict(result.rows())
    assert rows["items deleted"] == 30 and "verification" not in rows and "source" not in rows
    assert result.items_per_second == pytest.approx(30 / result.seconds)
    assert result._repr_html_().startswith("<b>truncate OK</b>")


def test_an_item_the_target_refuses_is_saved_and_the_rest_copied(servers, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = client_for(A)
    create_events(source)
    items = events_items(devices=2, per_device=30)
    items[17] = items[17] | {"poison": {"S": "refused by the target"}}
    put_all(source, "events", items)
    create_events(client_for(B))

    def refuse_poison(request, **_):  # as DynamoDB refuses a whole batch for one bad item
        if b"poison" in request.body:
            return error_response(request.url, "ValidationException", "Item size too large")
        return None

    clients.client(environments.resolve(B)).meta.events.register(
        "before-send.dynamodb.BatchWriteItem", refuse_poison
    )
    with pytest.raises(CopyFailed) as failure:
        api.copy("events", source=A, target=B, backend="threading")

    result = failure.value.result
    assert (result.written, result.failed) == (59, 1)
    saved = [json.loads(line) for line in Path(result.failed_file).read_text().splitlines()]
    assert [r["PutRequest"]["Item"]["poison"] for r in saved] == [{"S": "refused by the target"}]
    assert len(scan_all(client_for(B), "events")) == 59
