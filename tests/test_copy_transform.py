"""Transforms in copies (issue 16 §5), against two moto servers: a function applied to every
item on the way, in the workers (threads and loky processes), as Python values.

Each test computes what the target must hold by applying the same function to the source's
items itself (``expected``), and compares the target item by item.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

import dynamo_magic as dm
from dynamo_magic.codec import decode_binaries, encode_binaries, from_attribute, to_attribute
from dynamo_magic.errors import CopyFailed, InvalidQuery
from dynamo_magic.transfer import engine
from dynamo_magic.transfer.channels import Channel
from dynamo_magic.transfer.checkpoints import CheckpointMismatch
from dynamo_magic.transfer.tasks import Task, TaskResult

from conftest import A, B, client_for, table_items
from tables import create_events, create_orders, events_items, keyed, orders_items, put_all

EVENTS_KEY = ("device", "seq")
FIXED = "DYNAMO_TEST_TRANSFORM_FIXED"  # a file: once it exists, ``scrub_or_fail`` is fixed


@pytest.fixture
def by_value() -> Any:
    """This module's functions travel to loky's workers by value (they cannot import a test
    module), as a notebook's functions do."""
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    yield
    cloudpickle.unregister_pickle_by_value(module)


# -- the users' functions (module level: picklable) ------------------------------------------------
def scrub(item: dict[str, Any]) -> dict[str, Any]:
    """Scrub the address, drop the blob, rename ``qty`` to ``quantity``; refuse anything but
    Python values (Decimal numbers, bytes, sets, dicts, lists) with an exception."""
    assert isinstance(item["total"], Decimal) and isinstance(item["qty"], Decimal)
    assert isinstance(item["blob"], bytes) and isinstance(item["tags"], set)
    assert isinstance(item["chunks"], set) and all(isinstance(c, bytes) for c in item["chunks"])
    assert isinstance(item["address"], dict) and isinstance(item["lines"], list)
    item["address"] = {"city": "REDACTED", "zip": Decimal(0)}
    del item["blob"]
    item["quantity"] = item.pop("qty")
    item["scrubbed"] = b"\x00yes"
    return item


def drop_odd_fan_out_even(item: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Drop odd sequence numbers; an even one becomes two items (itself and seq + 1000)."""
    if item["seq"] % 2:
        return None
    return [item, {**item, "seq": item["seq"] + 1000, "copy_of": item["seq"]}]


def rekey(item: dict[str, Any]) -> dict[str, Any]:
    """Move every item to device + 100."""
    return {**item, "device": item["device"] + 100, "was": item["device"]}


def bad_keys(item: dict[str, Any]) -> dict[str, Any]:
    """Sequence 3 loses its partition key; sequence 4 gets a text sort key: neither fits."""
    if item["seq"] == 3:
        del item["device"]
    elif item["seq"] == 4:
        item["seq"] = "four"
    return item


def scrub_or_fail(item: dict[str, Any]) -> dict[str, Any]:
    """Fails on device 2, sequence 7 (``KeyError: 'email'``) until the file ``FIXED`` names
    exists: the user's bug, then its fix."""
    if item["device"] == 2 and item["seq"] == 7 and not Path(os.environ[FIXED]).exists():
        return {"email": item["email"]}
    return {**item, "value": Decimal("0.5")}


def other(item: dict[str, Any]) -> dict[str, Any]:
    return item


def expected(items: list[dict[str, Any]], function: Any) -> list[dict[str, Any]]:
    """What the target must hold: ``function`` applied here to the source's items (wire form)."""
    out = []
    for item in items:
        python = {name: from_attribute(av, "decimal") for name, av in item.items()}
        made = function(python)
        for one in [] if made is None else made if isinstance(made, list) else [made]:
            out.append(encode_binaries({k: to_attribute(v) for k, v in one.items()}))
    return out


def wire(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items as boto3 gives them back (binaries as bytes), as ``table_items`` reads them."""
    return [decode_binaries(item) for item in items]


# -- what a transform does -------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_a_scrub_changes_attributes_and_the_full_verification_passes(servers, backend, by_value):
    create_orders(client_for(A))
    items = orders_items()
    put_all(client_for(A), "orders", items)

    result = dm.copy(
        "orders", source=A, target=B, transform=scrub, verify="full", backend=backend, workers=2
    )

    assert table_items(B, "orders") == keyed(wire(expected(items, scrub)))
    assert (result.items_read, result.written, result.dropped, result.produced) == (30, 30, 0, 30)
    assert result.ok and result.verification.ok
    assert result.transform == f"{__name__}:scrub"
    assert "0 dropped, 30 produced by the transform" in result.summary_line()
    assert ("items produced by the transform", 30) in result.rows()
    assert "source as transform" in str(result.verification)


def test_drop_and_fan_out_are_counted_and_verified(servers):
    create_events(client_for(A))
    items = events_items(devices=2, per_device=10)
    put_all(client_for(A), "events", items)

    result = dm.copy("events", source=A, target=B, transform=drop_odd_fan_out_even)

    want = expected(items, drop_odd_fan_out_even)
    assert len(want) == 20
    assert table_items(B, "events", EVENTS_KEY) == keyed(want, EVENTS_KEY)
    assert (result.items_read, result.dropped, result.produced, result.written) == (20, 10, 20, 20)
    verification = result.verification
    assert verification.ok and (verification.source_count, verification.target_count) == (20, 20)


def test_a_re_keying_replace_keeps_what_it_wrote_and_deletes_only_stale_items(servers):
    create_events(client_for(A))
    items = events_items(devices=2, per_device=5)
    put_all(client_for(A), "events", items)
    create_events(client_for(B))
    stale = {"device": {"N": "999"}, "seq": {"N": "1"}}  # neither in the source nor written
    older = {"device": {"N": "101"}, "seq": {"N": "0"}, "value": {"N": "-1"}}  # re-keyed before
    put_all(client_for(B), "events", [stale, older])

    plan = dm.plan_copy("events", source=A, target=B, transform=rekey)
    assert "neither the source has nor this copy wrote" in plan.deletes
    result = dm.copy("events", source=A, target=B, transform=rekey, yes=True, backup=False)

    # every re-keyed item (keys the source lacks) kept; only the stale one deleted
    want = keyed(expected(items, rekey), EVENTS_KEY)
    assert table_items(B, "events", EVENTS_KEY) == want
    assert (result.written, result.deleted) == (10, 1)
    assert result.ok and result.verification.ok


def test_merge_with_a_transform_verifies_every_transformed_item_in_the_target(servers, by_value):
    create_orders(client_for(A))
    items = orders_items(customers=2, per_customer=5)
    put_all(client_for(A), "orders", items)
    create_orders(client_for(B))
    extra = orders_items(customers=4, per_customer=1)[3:]  # c3: only in the target
    put_all(client_for(B), "orders", extra)

    result = dm.copy(
        "orders",
        source=A,
        target=B,
        transform=scrub,
        mode="merge",
        verify="full",
        yes=True,
        backup=False,
    )

    assert table_items(B, "orders") == keyed(wire(expected(items, scrub)) + wire(extra))
    assert result.ok and result.verification.ok and result.verification.source_count == 10


def test_an_index_slice_copied_through_a_transform(servers):
    create_orders(client_for(A))
    items = orders_items()
    put_all(client_for(A), "orders", items)

    result = dm.copy("orders", source=A, target=B, pk="open", index="status-total", transform=scrub)

    opened = [i for i in items if i["status"]["S"] == "open"]
    assert table_items(B, "orders") == keyed(wire(expected(opened, scrub)))
    assert result.ok and result.verification.ok and result.produced == len(opened)


def test_the_plan_names_the_transform_and_how_it_verifies(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=1, per_device=3))
    plan = dm.plan_copy("events", source=A, target=B, transform=rekey)
    rows = dict(plan.rows())
    assert rows["transform"] == f"{__name__}:rekey on every item"
    assert "as the transform makes them" in rows["verification"]
    assert "transform" not in dict(dm.plan_copy("events", source=A, target=B).rows())


# -- what goes wrong -------------------------------------------------------------------------------
def test_items_whose_transformed_key_does_not_fit_are_saved_as_failed(
    servers, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the failed-items file goes here
    create_events(client_for(A))
    items = events_items(devices=2, per_device=6)
    put_all(client_for(A), "events", items)

    with pytest.raises(CopyFailed) as failed:
        dm.copy("events", source=A, target=B, transform=bad_keys)

    result = failed.value.result
    assert (result.written, result.failed, result.produced) == (8, 4, 12)  # the copy went on
    saved = [json.loads(line) for line in Path(result.failed_file).read_text().splitlines()]
    assert len(saved) == 4
    assert sorted(json.dumps(s["PutRequest"]["Item"], sort_keys=True) for s in saved) == sorted(
        json.dumps(i, sort_keys=True)
        for i in expected(items, bad_keys)
        if "device" not in i or "S" in i["seq"]
    )
    assert table_items(B, "events", EVENTS_KEY) == keyed(
        [i for i in items if i["seq"]["N"] not in ("3", "4")], EVENTS_KEY
    )


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy's scan pages hold 5 items (in this process: threads)."""
    real = engine.run_task

    def in_pages_of_five(task: Task, channel: Channel) -> TaskResult:
        if task.name != "copy":
            return real(task, channel)
        source = dataclasses.replace(task.source, request={**task.source.request, "Limit": 5})
        return real(dataclasses.replace(task, source=source), channel)

    monkeypatch.setattr(engine, "run_task", in_pages_of_five)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_an_exception_stops_the_copy_in_one_line_and_a_resume_after_the_fix_ends_exact(
    servers, tmp_path, monkeypatch, backend, by_value, small_pages
):
    fixed = tmp_path / "fixed"
    monkeypatch.setenv(FIXED, str(fixed))  # before the copy starts its workers
    create_events(client_for(A))
    items = events_items(devices=3, per_device=20)
    put_all(client_for(A), "events", items)
    checkpoint = tmp_path / "copy.json"

    with pytest.raises(CopyFailed) as failed:
        dm.copy(
            "events",
            source=A,
            target=B,
            transform=scrub_or_fail,
            backend=backend,
            workers=2,
            segments=3,
            checkpoint=checkpoint,
        )

    result = failed.value.result
    assert result.error.startswith(
        'transform scrub_or_fail failed on item {"device": 2, "seq": 7}: KeyError: \'email\''
    )
    assert "\n" not in result.error and "Traceback" not in result.error
    assert result.written == len(table_items(B, "events", EVENTS_KEY)) < len(items)
    assert result.checkpoint == str(checkpoint)

    with pytest.raises(CheckpointMismatch, match=r"transform .*scrub_or_fail.* there, .*other"):
        dm.copy("events", source=A, target=B, transform=other, resume=checkpoint, yes=True)

    fixed.touch()  # the user fixes the function, same name
    done = dm.copy(
        "events",
        source=A,
        target=B,
        transform=scrub_or_fail,
        backend=backend,
        workers=2,
        resume=checkpoint,
        yes=True,
    )

    assert table_items(B, "events", EVENTS_KEY) == keyed(expected(items, scrub_or_fail), EVENTS_KEY)
    assert done.ok and done.verification.ok


def test_a_transform_that_returns_no_item_stops_the_copy_naming_the_item(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=1, per_device=2))
    with pytest.raises(CopyFailed) as failed:
        dm.copy("events", source=A, target=B, transform=lambda item: "not an item")
    assert "failed on item {" in failed.value.result.error
    assert "returned a str: give back an item (a dict), a list of items or None" in (
        failed.value.result.error
    )


def test_a_transform_that_is_not_a_function_is_refused_before_any_work(servers):
    create_events(client_for(A))
    for bad, words in ((42, "must be a function"), ("nomodule_xyz:f", "no module named")):
        with pytest.raises(InvalidQuery, match=words):
            dm.start_copy("events", source=A, target=B, transform=bad)
    assert "events" not in client_for(B).list_tables()["TableNames"]


def test_a_resumed_replace_with_a_transform_deletes_nothing_and_says_why(
    servers, tmp_path, monkeypatch, small_pages
):
    fixed = tmp_path / "fixed"
    monkeypatch.setenv(FIXED, str(fixed))
    create_events(client_for(A))
    items = events_items(devices=2, per_device=10)
    put_all(client_for(A), "events", items)
    create_events(client_for(B))
    stale = {"device": {"N": "999"}, "seq": {"N": "1"}}
    put_all(client_for(B), "events", [stale])
    checkpoint = tmp_path / "copy.json"
    with pytest.raises(CopyFailed):
        dm.copy(
            "events", source=A, target=B, transform=scrub_or_fail, checkpoint=checkpoint,
            yes=True, backup=False,
        )  # fmt: skip

    fixed.touch()
    with pytest.raises(CopyFailed) as failed:
        dm.copy("events", source=A, target=B, transform=scrub_or_fail, resume=checkpoint, yes=True)

    result = failed.value.result  # the earlier run's keys are unknown: nothing deleted
    assert result.deleted == 0 and "this copy was resumed and its transform" in (
        result.deletes_skipped or ""
    )
    assert table_items(B, "events", EVENTS_KEY) == keyed(
        [*expected(items, scrub_or_fail), stale], EVENTS_KEY
    )
    assert result.verification.ok is False  # the stale item is named as a difference
    assert "deletes" not in str(result.verification)
    assert "no target item deleted: this copy was resumed" in result.summary_line()
