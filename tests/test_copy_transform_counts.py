"""A transform's counts are honest whatever ends the copy (issue 16 §5): ``produced`` is every
item the function returned, whatever became of it (written, saved as failed for a key that does
not fit the target, never written because the copy stopped), ``dropped`` every source item it
dropped, ``items_read`` every item read; a copy stopped by the function's exception keeps what
its workers had reported (before, the failing segment's counts were lost with its result:
``produced`` came out below ``written``).

The function records what it returned (threads: it runs in this process); the copy reads one
segment in pages of ``PAGE`` items, so the exception lands on a later page.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.errors import CopyFailed
from dynamo_magic.transfer import engine
from dynamo_magic.transfer.channels import Channel
from dynamo_magic.transfer.tasks import Task, TaskResult

from conftest import A, B, client_for, table_items
from tables import create_events, events_items, put_all

PAGE = 5  # items per scan page of the copy
FAIL_AT = 23  # the transform raises on the source item it sees in this place

returned: list[dict[str, Any]] = []  # items the transform returned, in this test
dropped: list[dict[str, Any]] = []  # source items it dropped


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy's scan pages hold ``PAGE`` items; the records start empty."""
    returned.clear()
    dropped.clear()
    real = engine.run_task

    def in_small_pages(task: Task, channel: Channel) -> TaskResult:
        if task.name != "copy":
            return real(task, channel)
        source = dataclasses.replace(task.source, request={**task.source.request, "Limit": PAGE})
        return real(dataclasses.replace(task, source=source), channel)

    monkeypatch.setattr(engine, "run_task", in_small_pages)


def drop_odd_then_fail(item: dict[str, Any]) -> dict[str, Any] | None:
    """Drops odd sequence numbers, keeps even ones, and raises on the ``FAIL_AT``-th item."""
    if len(returned) + len(dropped) + 1 == FAIL_AT:
        raise ValueError("the user's bug")
    if item["seq"] % 2:
        dropped.append(item)
        return None
    returned.append(item)
    return item


def half_unfit(item: dict[str, Any]) -> dict[str, Any]:
    """Odd sequence numbers lose their sort key (they do not fit the target's key)."""
    if item["seq"] % 2:
        del item["seq"]
    return item


def test_a_copy_stopped_by_the_transform_counts_what_it_returned_and_read(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=1, per_device=60))

    with pytest.raises(CopyFailed) as failed:
        dm.copy(
            "events",
            source=A,
            target=B,
            transform=drop_odd_then_fail,
            backend="threading",
            workers=1,
            segments=1,
        )

    result = failed.value.result
    assert "the user's bug" in result.error
    landed = len(table_items(B, "events", ("device", "seq")))
    assert (result.produced, result.dropped) == (len(returned), len(dropped))
    assert result.written == landed <= result.produced
    # the item it failed on was read too (and any page read ahead)
    assert result.items_read >= result.produced + result.dropped + 1
    assert f"{len(dropped):,} dropped, {len(returned):,} produced" in result.summary_line()


def test_items_whose_key_does_not_fit_count_as_produced_and_failed(servers, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the failed-items file goes here
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(devices=2, per_device=10))

    with pytest.raises(CopyFailed) as failed:
        dm.copy("events", source=A, target=B, transform=half_unfit, backend="threading")

    result = failed.value.result
    assert result.produced == 20  # one item returned for each source item
    assert (result.written, result.failed) == (10, 10)
    assert result.written + result.failed == result.produced
    # the verification counts the source as the transform makes it, less what cannot land
    verification = result.verification
    assert (verification.source_count, verification.target_count) == (10, 10)
