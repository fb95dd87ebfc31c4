"""The load seam (``transfer.origins`` / ``transfer.loading``): items that do not come from a
table written into one by the copy's plan, rules and engine, against real moto servers, with
an in-memory origin (``ItemsOrigin``)."""

from __future__ import annotations

import pytest

from dynamo_magic.codec import WireItem
from dynamo_magic.errors import ConfirmationRequired, InvalidQuery, TableNotFound
from dynamo_magic.settings import get_settings
from dynamo_magic.transfer import checkpoints, loading
from dynamo_magic.transfer.loading import LoadRequest
from dynamo_magic.transfer.origins import ItemsOrigin

from conftest import A, client_for
from tables import create_events, events_items, keyed, put_all, scan_all

EVENTS_KEY = ("device", "seq")


def items(devices: int, per_device: int, value: str = "x") -> list[WireItem]:
    return [
        WireItem({"device": {"N": str(d)}, "seq": {"N": str(s)}, "v": {"S": f"{value}{s}"}})
        for d in range(1, devices + 1)
        for s in range(per_device)
    ]


def table(profile: str = A) -> dict[str, dict]:
    return keyed(scan_all(client_for(profile), "events"), EVENTS_KEY)


def load(origin: ItemsOrigin, mode: str = "merge", yes: bool = False, **options):
    request = LoadRequest(origin, "events", env=A, mode=mode)  # type: ignore[arg-type]
    return loading.load(request, get_settings(), yes=yes, **options)


def test_a_load_into_an_empty_table_writes_every_item_and_verifies_the_count(servers):
    create_events(client_for(A))
    origin = ItemsOrigin(items(3, 30), "three devices")
    result = load(origin, segments=4)
    assert result.ok and result.written == 90 and result.items_read == 90
    assert result.source == "three devices"
    assert result.verification.target_count == 90 and result.verification.ok
    assert table() == keyed(list(origin.items), EVENTS_KEY)
    assert result.backup is None  # nothing to back up in an empty table


def test_the_plan_names_the_origin_and_writes_nothing(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(1, 5))
    plan = loading.plan_load(LoadRequest(ItemsOrigin(items(1, 2)), "events", env=A), get_settings())
    text = str(plan)
    assert text.startswith("Load plan (nothing written):")
    assert "2 item(s) in memory" in text and "holds items that will be overwritten" in text
    assert len(scan_all(client_for(A), "events")) == 5


def test_a_non_empty_target_needs_confirmation_and_gets_a_backup(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", events_items(1, 5))
    with pytest.raises(ConfirmationRequired, match="holds items that will be overwritten"):
        load(ItemsOrigin(items(1, 2)))
    assert len(scan_all(client_for(A), "events")) == 5  # nothing written
    result = load(ItemsOrigin(items(1, 2)), yes=True)
    assert result.ok and result.backup is not None and result.written == 2


def test_replace_of_the_partitions_covered_keeps_the_others_and_deletes_the_rest(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", items(3, 10, value="old"))  # devices 1, 2, 3
    new = [i for i in items(2, 4, value="new") if i["device"]["N"] == "2"]  # device 2 only
    origin = ItemsOrigin(new, covered=[{"N": "2"}])
    result = load(origin, mode="replace", yes=True)
    assert result.ok and result.written == 4 and result.deleted == 6
    after = table()
    assert len(after) == 24
    device_2 = sorted(i["v"]["S"] for i in after.values() if i["device"]["N"] == "2")
    assert device_2 == ["new0", "new1", "new2", "new3"]
    assert result.verification.ok and result.verification.target_count == 4


def test_replace_of_the_whole_table_deletes_what_the_load_did_not_write(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", items(2, 10, value="old"))
    result = load(ItemsOrigin(items(1, 3, value="new")), mode="replace", yes=True)
    assert result.ok and result.deleted == 17
    assert table() == keyed(items(1, 3, value="new"), EVENTS_KEY)


def test_truncate_empties_the_table_first(servers):
    create_events(client_for(A))
    put_all(client_for(A), "events", items(2, 10, value="old"))
    result = load(ItemsOrigin(items(1, 3, value="new")), mode="truncate", yes=True)
    assert result.ok and result.deleted == 20 and result.written == 3
    assert table() == keyed(items(1, 3, value="new"), EVENTS_KEY)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([{"device": {"N": "1"}, "v": {"S": "x"}}], "key attribute 'seq' missing or null in row"),
        ([{"device": {"S": "1"}, "seq": {"N": "1"}}], "must be of type N, is S in row"),
        (
            [{"device": {"N": "1"}, "seq": {"N": "1"}}, {"device": {"N": "1"}, "seq": {"N": "1"}}],
            r"duplicate keys \(device, seq\) in row\(s\) 'a', 'b'",
        ),
    ],
)
def test_items_whose_key_does_not_fit_are_refused_before_anything_is_written(servers, bad, message):
    create_events(client_for(A))
    origin = ItemsOrigin([WireItem(i) for i in bad], labels=["a", "b"][: len(bad)])
    with pytest.raises(InvalidQuery, match=message):
        load(origin, yes=True)
    assert scan_all(client_for(A), "events") == []


def test_a_load_into_a_missing_table_is_refused(servers):
    with pytest.raises(TableNotFound):
        load(ItemsOrigin(items(1, 1)))


def test_a_stopped_load_resumes_from_its_checkpoint(servers, tmp_path):
    """A load's checkpoint names its origin and one segment per source; a resume writes only
    what its sources hold after their saved keys (here: segment 0 stopped after 2 of its 5
    items, segment 1 done), and its result counts every run's reads."""
    create_events(client_for(A))
    origin = ItemsOrigin(items(1, 10))
    path = tmp_path / "c.json"
    first = load(origin, segments=2, checkpoint=path)
    saved = checkpoints.CheckpointFile.load(path)
    assert first.ok and not saved.unfinished
    assert saved.identity.source_table == origin.identity()
    assert saved.identity.total_segments == 2
    # as a load stopped after segment 0's first 2 items would have left it
    saved.phases.finished = saved.phases.copy_done = False
    saved.segments[0] = checkpoints.Segment("partial", {"offset": {"N": "2"}}, 2)
    saved.save()
    client = client_for(A)
    for item in origin.items[2:5]:
        client.delete_item(TableName="events", Key={k: item[k] for k in EVENTS_KEY})
    resumed = load(origin, resume=path)  # no confirmation the first run did not need
    assert resumed.ok and resumed.written == 3 and resumed.items_read == 10
    assert table() == keyed(list(origin.items), EVENTS_KEY)
    with pytest.raises(checkpoints.CheckpointMismatch, match="source table"):
        saved.phases.finished = False
        saved.save()
        load(ItemsOrigin(items(1, 9)), resume=path, yes=True)  # another origin's checkpoint


def test_an_items_source_pages_with_offsets_and_resumes_after_one():
    from dynamo_magic.dynamodb.retry import RetryPolicy
    from dynamo_magic.transfer.channels import Channel
    from dynamo_magic.transfer.origins import ItemsSource

    source = ItemsSource(tuple(items(1, 5)), segment=3, page_items=2)
    channel: Channel = None  # type: ignore[assignment]  # an ItemsSource reads no table
    pages = list(source.pages(RetryPolicy(), channel))
    assert [p.count for p in pages] == [2, 2, 1]
    assert [p.last_key for p in pages] == [{"offset": {"N": "2"}}, {"offset": {"N": "4"}}, None]
    resumed = list(ItemsSource(source.items, 3, 2, pages[0].last_key).pages(RetryPolicy(), channel))
    assert [i["seq"]["N"] for p in resumed for i in p.items] == ["2", "3", "4"]
