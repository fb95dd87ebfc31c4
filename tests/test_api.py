"""The public API's shape (issue 7): real signatures, one return type each, one read
specification, streaming pages, ``head`` reading only what it shows, settings resolved once.

Against moto servers on loopback (``servers``): dynamo_magic's own cached client of ``dev``
(server A) is watched through botocore's events to see the requests it really sends.
"""

from __future__ import annotations

import collections.abc
import inspect
import re
import typing
from typing import Any

import pandas as pd
import pytest

import dynamo_magic as dm
from dynamo_magic import api, environments, reading
from dynamo_magic.dynamodb import backups as backup_admin
from dynamo_magic.dynamodb import clients, read
from dynamo_magic.reading import ReadSpec
from dynamo_magic.transfer.engine import CopyResult
from dynamo_magic.transfer.plan import CopyPlan
from dynamo_magic.transfer.restore import RestoreResult

from conftest import client_for
from tables import create_keyed, create_orders, keyed, orders_items, put_all, scan_all


def names(text: str) -> list[str]:
    return text.split()


READ = [
    "env", "sk", "sk_op", "sk2", "index", "filter", "columns", "limit", "consistent", "reverse",
    "scan", "segments", "params", "count", "numbers", "flatten", "on_page",
]  # fmt: skip
FETCH = ["table", "pk", *READ]
NO_COUNT = [p for p in FETCH if p not in ("count", "on_page")]
PLAN = [
    "table", "source", "target", "target_table", "target_region", "pk", "sk", "sk_op", "sk2",
    "index", "mode", "backup", "verify", "transform", "max_write_units", "max_read_units",
    "copy_settings",
]  # fmt: skip
# every public function and its parameters, in order (the contract the front ends build on)
CONTRACT: dict[str, list[str]] = {
    "describe": ["table", "env"],
    "list_environments": [],
    "list_tables": ["env"],
    "fetch": FETCH,
    "query": [p for p in NO_COUNT if p not in ("scan", "segments")],  # no scan: no segments
    "scan": names(
        "table env index filter columns limit consistent segments params numbers flatten"
    ),
    "iter_frames": NO_COUNT,
    "count": names("table pk env sk sk_op sk2 index filter limit consistent segments params"),
    "head": names(
        "table pk n env sk sk_op sk2 index filter columns consistent reverse scan "
        "segments params numbers flatten"
    ),
    "unique": names(
        "table attribute pk env sk sk_op sk2 index filter limit consistent reverse scan "
        "segments params numbers"
    ),
    "summary": names(
        "table pk env sk sk_op sk2 index filter columns limit consistent reverse scan "
        "segments params numbers flatten"
    ),
    "explore": ["table", "pk", "head", "unique", "summary", *READ, "page_size", "start_after"],
    "pages": names(
        "table pk env sk sk_op sk2 index filter columns consistent reverse params numbers "
        "flatten page_size start_after"
    ),
    "put_item": ["table", "item", "env", "expect", "yes"],
    "delete_item": ["table", "key", "env", "expect", "yes"],
    "run_partiql": ["statement", "params", "env", "limit", "numbers", "flatten", "lookup"],
    "partiql": ["statement", "params", "env", "limit", "numbers", "flatten", "lookup"],
    "plan_copy": [*PLAN, "checkpoint", "resume"],
    "copy": [
        *PLAN,
        "yes",
        "workers",
        "segments",
        "backend",
        "scheduler",
        "checkpoint",
        "resume",
        "progress",
        "cancel",
    ],
    "backups": ["table", "env"],
    "truncate": ["table", "env", "yes", "backup", "progress"],
    "restore": ["table", "env", "backup", "into", "in_place", "yes", "progress"],
    "reset": [],
}
RETURNS = {
    "describe": "TableSchema",
    "fetch": "ReadResult",
    "run_partiql": "ReadResult",
    "query": "pd.DataFrame",
    "scan": "pd.DataFrame",
    "head": "pd.DataFrame",
    "unique": "pd.DataFrame",
    "summary": "pd.DataFrame",
    "partiql": "pd.DataFrame",
    "backups": "pd.DataFrame",
    "iter_frames": "Iterator[pd.DataFrame]",
    "count": "int",
    "explore": "Exploration",
    "pages": "Pages",
    "put_item": "items.ItemWrite",
    "delete_item": "items.ItemWrite",
    "plan_copy": "CopyPlan",
    "copy": "CopyResult",
    "truncate": "CopyResult",
    "restore": "RestoreResult",
    "reset": "None",
    "list_environments": "list[str]",
    "list_tables": "list[str]",
}


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_signatures_list_every_keyword(name):
    """No ``**options``: help(), tab completion and a panel see every parameter."""
    function = getattr(dm, name)
    signature = inspect.signature(function)
    kinds = {p.kind for p in signature.parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds
    assert inspect.Parameter.VAR_POSITIONAL not in kinds
    assert list(signature.parameters) == CONTRACT[name]
    assert signature.return_annotation == RETURNS[name]
    assert "select" not in signature.parameters and "dry_run" not in signature.parameters


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_docstrings_are_numpy_style_and_name_every_parameter(name):
    doc = inspect.getdoc(getattr(dm, name)) or ""
    for section in ("Returns\n-------", "Examples\n--------"):
        assert section in doc, (name, section)
    if CONTRACT[name]:
        assert "Parameters\n----------" in doc and "Raises\n------" in doc
    for parameter in CONTRACT[name]:
        assert f"\n{parameter} : " in doc, (name, parameter)
    assert ".md" not in doc  # no file outside the repository


def test_public_classes_are_exported_and_documented():
    for name in ("ReadResult", "ReadSpec", "RestoreResult", "Exploration", "iter_frames"):
        assert name in dm.__all__ and hasattr(dm, name)
    for cls in (dm.ReadResult, dm.ReadSpec, dm.RestoreResult, dm.Exploration):
        doc = inspect.getdoc(cls) or ""
        assert "Examples\n--------" in doc and ("Attributes" in doc or "Parameters" in doc)


def test_every_type_a_public_function_takes_or_returns_is_exported():
    """A user can name (and annotate with) whatever a public function accepts or returns."""
    missing = set()
    for name in dm.__all__:
        function = getattr(dm, name)
        if not inspect.isfunction(function):
            continue
        for annotation in function.__annotations__.values():
            for word in re.findall(r"\b[A-Z]\w+", str(annotation)):
                found = function.__globals__.get(word)
                made_here = inspect.isclass(found) and found.__module__.startswith("dynamo_magic")
                alias = typing.get_origin(found) is not None  # Literal[...], a | b, Callable[...]
                if alias and word not in dir(typing) and word not in dir(collections.abc):
                    made_here = True  # a type alias of ours (SortKeyOperator, Columns ...)
                if made_here and word not in dm.__all__:
                    missing.add(f"{word} ({name})")
    assert sorted(missing) == []
    # and what the results hold: a copy's verification, a read's statistics, a schema's parts
    for name in ("Verification", "ReadStats", "Index", "KeySchema", "KeyAttribute"):
        assert name in dm.__all__ and hasattr(dm, name)


# -- against moto servers ------------------------------------------------------------------------
ORDERS = orders_items()


@pytest.fixture
def orders(servers) -> Any:
    client = servers[0].client()
    create_orders(client)
    put_all(client, "orders", ORDERS)
    return client


def request_log(event: str) -> list[dict[str, Any]]:
    """Parameters of every ``event`` request (``Query``, ``Scan``) dynamo_magic's dev client
    sends, in order."""
    calls: list[dict[str, Any]] = []
    client = clients.client(environments.resolve("dev"))
    client.meta.events.register(
        f"provide-client-params.dynamodb.{event}", lambda params, **_: calls.append(dict(params))
    )
    return calls


def test_head_reads_only_what_it_shows(orders):
    """head and explore(head=N) ask DynamoDB for N items (+1 to learn whether more follow),
    never a whole partition: ScannedCount and the requests say so."""
    queries = request_log("Query")
    frame = dm.head("orders", "c1", n=3, env="dev")
    assert len(frame) == 3
    assert len(queries) == 1 and queries[0]["Limit"] == 4
    result = dm.fetch("orders", "c1", env="dev", limit=3)
    assert result.stats.evaluated == 3  # of the 10 items of the partition
    queries.clear()
    found = dm.explore("orders", "c1", env="dev", head=2)
    assert found.kind == "items" and len(found.frame) == 2
    assert [q["Limit"] for q in queries] == [3]
    assert found.result.stats.evaluated == 2 and found.result.stats.truncated
    # with unique/summary every item is analysed, head cuts the rows shown
    queries.clear()
    found = dm.explore("orders", "c1", env="dev", head=1, unique="region")
    assert "Limit" not in queries[0] and found.result.stats.count == 10 and len(found.frame) == 1


def test_fetch_and_the_copy_slice_build_one_request(servers, orders):
    """The copy plan's slice is the same Query request the API sends for the same read."""
    queries = request_log("Query")
    dm.fetch("orders", "c1", env="dev", sk="2024-01-0", sk_op="begins_with")
    plan = dm.plan_copy(
        "orders", source="acct-a", target="acct-b", pk="c1", sk="2024-01-0", sk_op="begins_with"
    )
    sent = {k: v for k, v in queries[0].items() if k not in ("TableName", "ReturnConsumedCapacity")}
    sent.pop("Limit", None)
    assert plan.slice_request == sent
    schema = dm.describe("orders", env="dev")
    spec = ReadSpec("orders", pk="c1", sk="2024-01-0")
    built = reading.build(spec, schema)
    assert built.operation == "query"
    assert {k: v for k, v in built.parameters.items() if k != "TableName"} == sent


def test_a_read_spec_is_validated_against_the_schema(orders):
    schema = dm.describe("orders", env="dev")
    with pytest.raises(dm.InvalidQuery, match=r"GSI.*consistent") as refused:
        reading.validate(
            ReadSpec("orders", pk="open", index="status-total", consistent=True), schema
        )
    assert refused.value.render(lambda p: f"--{p}").endswith("drop --consistent")
    with pytest.raises(dm.TableNotFound, match="no index 'nope'"):
        reading.validate(ReadSpec("orders", pk="x", index="nope"), schema)
    for spec, parameter in (
        (ReadSpec("orders", limit=0), "limit"),
        (ReadSpec("orders", pk="c1", scan=True), "scan"),
        (ReadSpec("orders", sk="x"), "pk"),
        (ReadSpec("orders", reverse=True, scan=True), "reverse"),
        (ReadSpec("orders", scan=True, count=True, columns=("qty",)), "columns"),  # no items
        (ReadSpec("orders", pk="c1", segments=2), "segments"),  # a query is not scanned
        (ReadSpec("orders", pk="c1", sk_op="<"), "sk_op"),  # compares nothing
        (ReadSpec("orders", pk=""), "pk"),  # DynamoDB refuses empty key values
    ):
        with pytest.raises(dm.InvalidQuery) as refused:
            reading.check(spec)
        assert parameter in refused.value.parameters
    count = reading.build(ReadSpec("orders", scan=True, count=True), schema)
    assert count.operation == "scan" and count.parameters["Select"] == "COUNT"
    assert "ProjectionExpression" not in count.parameters
    assert ReadSpec("orders").mode == "preview" and ReadSpec("orders", scan=True).mode == "scan"


@pytest.fixture
def pages(servers) -> Any:
    """25 items of ~100 KB in one partition: DynamoDB (and moto) return 1 MB pages, so ~3."""
    client = servers[0].client()
    create_keyed(client, "pages", ("p", "S"), ("n", "N"))
    items = [
        {
            "p": {"S": "x"},
            "n": {"N": str(i)},
            "qty": {"N": str(i * 7)},
            "blob": {"S": "b" * 100_000},
        }
        for i in range(25)
    ]
    put_all(client, "pages", items)
    return client


def test_iter_frames_streams_page_by_page(pages):
    queries = request_log("Query")
    frames = dm.iter_frames("pages", "x", env="dev", columns=["qty", "blob"])
    assert queries == []  # checked and described at the call, nothing read yet
    first = next(frames)
    assert len(queries) == 1  # the first page arrives before the next is asked for
    assert 0 < len(first) < 25 and list(first.columns) == ["p", "n", "qty", "blob"]
    rest = list(frames)
    assert len(queries) == 1 + len(rest) >= 3
    streamed = pd.concat([first, *rest], ignore_index=True)
    whole = dm.query("pages", "x", env="dev")
    assert streamed["qty"].dtype == whole["qty"].dtype == "Int64"
    pd.testing.assert_frame_equal(streamed[["p", "n", "qty"]], whole[["p", "n", "qty"]])


def test_iter_frames_of_a_segmented_scan_and_a_limit(pages):
    scans = request_log("Scan")
    frames = list(dm.iter_frames("pages", env="dev", scan=True, segments=3, columns="qty"))
    assert sorted(pd.concat(frames)["n"]) == list(range(25))
    assert {s["TotalSegments"] for s in scans} == {3}
    assert {s["Segment"] for s in scans} == {0, 1, 2}
    limited = pd.concat(dm.iter_frames("pages", "x", env="dev", limit=5, columns="qty"))
    assert list(limited["n"]) == [0, 1, 2, 3, 4]


def test_settings_are_resolved_once_per_call(orders, monkeypatch):
    calls = []
    real = api.get_settings

    def counted() -> Any:
        calls.append(1)
        return real()

    monkeypatch.setattr(api, "get_settings", counted)
    for call in (
        lambda: dm.query("orders", "c1", env="dev"),
        lambda: dm.count("orders", env="dev"),
        lambda: dm.explore("orders", "c1", env="dev", unique="qty"),
        lambda: list(dm.iter_frames("orders", "c1", env="dev")),
    ):
        calls.clear()
        call()
        assert len(calls) == 1
    assert "get_settings" not in vars(read) and "current_policy" not in vars(read)


def test_plan_copy_and_copy_return_one_type_each(servers, orders):
    plan = dm.plan_copy("orders", source="acct-a", target="acct-b")
    assert isinstance(plan, CopyPlan) and plan.create_target
    assert client_for("acct-b").list_tables()["TableNames"] == []  # a plan writes nothing
    with pytest.raises(TypeError, match="dry_run"):
        dm.copy("orders", source="acct-a", target="acct-b", dry_run=True)
    result = dm.copy("orders", source="acct-a", target="acct-b", pk="c1")
    assert isinstance(result, CopyResult) and result.ok
    copied = keyed(scan_all(client_for("acct-b"), "orders"))
    assert copied == keyed([it for it in ORDERS if it["customer"]["S"] == "c1"])


def test_restore_returns_a_restore_result_in_both_modes(servers, orders):
    backup = backup_admin.create_backup(orders, "orders")
    into = dm.restore("orders", "dev", backup=backup.name, into="orders-restored")
    assert isinstance(into, RestoreResult)
    assert (into.table, into.in_place, into.copy, into.backup.arn) == (
        "orders-restored", False, None, backup.arn,
    )  # fmt: skip
    assert keyed(scan_all(orders, "orders-restored")) == keyed(ORDERS)
    assert "into new table 'orders-restored'" in into.summary_line()

    orders.delete_item(
        TableName="orders", Key={"customer": {"S": "c0"}, "order-date": {"S": "2024-01-01"}}
    )
    put_all(orders, "orders", [{**ORDERS[0], "customer": {"S": "zz"}}])  # not in the backup
    with pytest.raises(dm.ConfirmationRequired) as refused:
        dm.restore("orders", "dev", backup=backup.name, in_place=True)
    assert str(refused.value).endswith("confirm with yes")
    back = dm.restore("orders", "dev", backup=backup.name, in_place=True, yes=True)
    assert isinstance(back, RestoreResult) and back.in_place and back.ok
    assert isinstance(back.copy, CopyResult) and back.table == "orders"
    assert keyed(scan_all(orders, "orders")) == keyed(ORDERS)  # equal to the backup again
    tables_left = orders.list_tables()["TableNames"]
    assert not [t for t in tables_left if "-restore-" in t]  # the temporary table is gone
    line = back.summary_line()
    assert line.startswith(f"restore OK: backup '{backup.name}' into 'orders' in place (copy OK")
    assert line.endswith(")")


def test_braces_in_names_never_break_a_message(servers):
    """A key attribute named ``v{x}`` (DynamoDB allows braces) shows as it is in an error that
    also names a parameter, from Python and as a front end renders it."""
    client = servers[0].client()
    create_keyed(client, "braces", ("p", "S"), ("v{x}", "N"))
    with pytest.raises(dm.InvalidQuery) as refused:
        dm.query("braces", "a", env="dev", sk=1, sk_op="begins_with")  # on a number
    assert "'v{x}' is a number (use sk_op =" in str(refused.value)
    assert "(use --sk-op =" in refused.value.render(lambda p: "--" + p.replace("_", "-"))


def test_a_bad_backend_is_refused_before_anything_is_written(servers, orders):
    with pytest.raises(dm.UsageProblem, match="unknown backend 'nope'; use one of auto, loky"):
        dm.copy("orders", source="acct-a", target="acct-b", backend="nope", yes=True)
    assert client_for("acct-b").list_tables()["TableNames"] == []  # no target created


def test_restoring_a_backup_that_does_not_exist_is_one_usage_error(servers, orders):
    with pytest.raises(dm.BackupNotFound, match="table 'orders' has no backups"):
        dm.restore("orders", "dev", into="orders-restored")
    backup_admin.create_backup(orders, "orders")
    with pytest.raises(dm.BackupNotFound, match="no backup 'nope' of table 'orders'") as refused:
        dm.restore("orders", "dev", backup="nope", into="orders-restored")
    assert refused.value.exit_code == 2
    assert "orders-restored" not in orders.list_tables()["TableNames"]


def test_a_backup_name_two_backups_share_is_refused(servers, orders):
    """DynamoDB keeps backup names unique only by ARN: a name two backups share is never
    resolved by guessing; the ARN picks one. Names the copy gives are to the millisecond."""
    first, second = (
        orders.create_backup(TableName="orders", BackupName="same")["BackupDetails"]["BackupArn"]
        for _ in range(2)
    )
    with pytest.raises(dm.BackupNotFound, match="2 backups of table 'orders' are named 'same'"):
        dm.restore("orders", "dev", backup="same", into="orders-restored")
    assert "orders-restored" not in orders.list_tables()["TableNames"]
    restored = dm.restore("orders", "dev", backup=second, into="orders-restored")
    assert restored.backup.arn == second != first
    names = {backup_admin.backup_name("orders") for _ in range(3)}
    assert all(re.fullmatch(r"orders-dynamo-magic-\d{8}-\d{6}-\d{3}", n) for n in names)


@pytest.mark.parametrize("progress", [True, "yes", 1])
def test_a_progress_that_is_not_a_progress_is_refused_before_any_work(servers, orders, progress):
    with pytest.raises(dm.InvalidQuery, match="progress must be None or an object with start"):
        dm.copy("orders", source="acct-a", target="acct-b", progress=progress)
    assert client_for("acct-b").list_tables()["TableNames"] == []
    with pytest.raises(dm.InvalidQuery, match="progress must be"):
        dm.truncate("orders", "dev", yes=True, progress=progress)
    assert len(scan_all(orders, "orders")) == len(ORDERS)


def test_backups_of_a_table_that_never_existed_is_table_not_found(servers, orders):
    with pytest.raises(dm.TableNotFound):
        dm.backups("nosuch", env="dev")
    assert dm.backups("orders", env="dev").empty  # exists, no backups yet: an empty frame


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dm.query("orders", "c1", env="dev", limit="5"), "limit must be a whole number"),
        (lambda: dm.query("orders", "c1", env="dev", limit=2.5), "limit must be a whole number"),
        (lambda: dm.query("orders", "c1", env="dev", limit=True), "limit must be a whole number"),
        (lambda: dm.head("orders", "c1", n="3", env="dev"), "n must be a whole number of items"),
        (lambda: dm.scan("orders", env="dev", segments=2.0), "segments must be a whole number"),
    ],
)
def test_numbers_of_the_wrong_type_are_one_usage_error(orders, call, message):
    with pytest.raises(dm.UsageProblem, match=message):
        call()


@pytest.mark.parametrize("verify", ["count", "full"])
def test_a_slice_copy_refreshes_items_that_left_the_slice_in_the_source(servers, orders, verify):
    """Replace on a GSI slice: an item the target's slice holds whose key the source has outside
    the slice (its status changed in the source) is neither kept stale nor deleted: the
    source's version is put, so both slices end equal and the copy verifies."""
    dm.copy("orders", source="acct-a", target="acct-b")  # target = source
    target = client_for("acct-b")
    moved = {"customer": {"S": "c1"}, "order-date": {"S": "2024-01-02"}}  # "shipped" in A
    target.update_item(
        TableName="orders",
        Key=moved,
        UpdateExpression="SET #s = :open",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":open": {"S": "open"}},
    )
    result = dm.copy(
        "orders", source="acct-a", target="acct-b", pk="open", index="status-total",
        yes=True, verify=verify,
    )  # fmt: skip
    assert result.ok and result.verification.ok
    assert result.deleted == 0
    assert keyed(scan_all(target, "orders")) == keyed(ORDERS)  # the stale item is A's again
    again = dm.copy(
        "orders", source="acct-a", target="acct-b", pk="open", index="status-total", yes=True
    )
    assert again.ok and again.written == len([o for o in ORDERS if o["status"]["S"] == "open"])


def test_settings_and_params_of_the_wrong_shape_are_one_usage_error(orders):
    with pytest.raises(dm.UsageProblem, match=r"set_settings takes a dynamo_magic\.Settings"):
        dm.set_settings({"workers": 2})  # type: ignore[arg-type]
    assert isinstance(dm.get_settings(), dm.Settings)  # unchanged: calls still work
    with pytest.raises(dm.UsageProblem, match="progress must be True or False, not 'no'"):
        dm.Settings(progress="no")  # type: ignore[arg-type]
    with pytest.raises(dm.InvalidQuery, match=r"params of a filter map each :name"):
        dm.query("orders", "c1", env="dev", filter="qty > :n", params=[3])  # type: ignore[arg-type]


def test_iter_frames_of_nothing_is_one_empty_frame_with_the_keys(pages):
    frames = list(dm.iter_frames("pages", "no-such-partition", env="dev"))
    assert len(frames) == 1 and frames[0].empty
    assert list(frames[0].columns) == ["p", "n"]  # pd.concat(frames) works, as query's frame


def test_unique_of_an_attribute_left_out_of_the_columns_still_reads_it(orders):
    found = dm.explore("orders", "c1", env="dev", unique="status", columns=["qty"])
    assert dict(zip(found.frame.iloc[:, 0], found.frame["count"], strict=True)) == {
        "open": 5, "shipped": 5,
    }  # fmt: skip
    assert not any("no item had" in note for note in found.result.notes)


def test_a_filter_nested_too_deeply_is_one_usage_error(orders):
    deep = "(" * 1000 + "qty > 1" + ")" * 1000
    with pytest.raises(dm.InvalidQuery, match="filter is nested too deeply"):
        dm.query("orders", "c1", env="dev", filter=deep)


def test_environments_and_tables_are_listed_through_the_api(servers, orders):
    assert {"dev", "acct-a", "acct-b"} <= set(dm.list_environments())
    assert dm.list_tables(env="dev") == ["orders"]
    assert dm.list_tables(env="acct-b") == []
    with pytest.raises(dm.EnvironmentNotFound):
        dm.list_tables(env="no-such-env")
