"""One item written or deleted (issue 19 §2): ``put_item`` and ``delete_item`` with the copy's
rules (an existing item or a protected environment needs ``yes``) and ``expect`` (a change made
since the item was read is refused with the differences named, never overwritten), against a
moto server."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.codec import from_attribute
from dynamo_magic.errors import ConfirmationRequired, InvalidQuery

from conftest import A, client_for

TABLE = "notes"


@pytest.fixture
def notes(servers: Any) -> Any:
    """Table ``notes`` (pk S, sk N) on server A, holding one rich item."""
    client = client_for(A)
    client.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(
        TableName=TABLE,
        Item={
            "pk": {"S": "p"},
            "sk": {"N": "1"},
            "text": {"S": "hello"},
            "tags": {"SS": ["a", "b"]},
            "blob": {"B": b"\x00\xff"},
            "meta": {"M": {"n": {"N": "1.50"}, "l": {"L": [{"S": "x"}, {"NULL": True}]}}},
        },
    )
    return client


def stored(client: Any, sk: int = 1) -> dict[str, Any] | None:
    return client.get_item(TableName=TABLE, Key={"pk": {"S": "p"}, "sk": {"N": str(sk)}}).get(
        "Item"
    )


def read_item() -> dict[str, Any]:
    """The item as a user reads it (Python values, as query returns them)."""
    (item,) = dm.fetch(TABLE, "p", env=A).decoded_items()
    return {name: from_attribute(value, "decimal") for name, value in item.items()}


def test_a_new_item_is_put_without_confirmation(notes):
    done = dm.put_item(TABLE, {"pk": "p", "sk": 2, "text": "new", "n": 0.1}, env=A)
    assert done.old is None and done.summary_line().startswith('put new item {pk: "p", sk: 2}')
    assert stored(notes, 2) == {
        "pk": {"S": "p"},
        "sk": {"N": "2"},
        "text": {"S": "new"},
        "n": {"N": "0.1"},
    }


def test_overwriting_an_existing_item_needs_yes_and_says_what_changed(notes):
    before = stored(notes)
    with pytest.raises(ConfirmationRequired, match=r"exists in table 'notes'.*confirm with yes"):
        dm.put_item(TABLE, {"pk": "p", "sk": 1, "text": "bye"}, env=A)
    assert stored(notes) == before  # nothing written
    done = dm.put_item(TABLE, {"pk": "p", "sk": 1, "text": "bye"}, env=A, yes=True)
    assert done.old is not None and done.old["text"] == "hello"
    assert done.differences[0] == 'text: "hello" -> "bye"'
    assert '- tags: ["a", "b"]' in done.differences  # sets as sorted JSON lists
    assert stored(notes) == {"pk": {"S": "p"}, "sk": {"N": "1"}, "text": {"S": "bye"}}


def test_an_edit_of_the_item_as_read_is_written_with_every_type_kept(notes):
    item = read_item()
    edited = {**item, "text": "edited", "meta": {**item["meta"], "n": Decimal("2")}}
    done = dm.put_item(TABLE, edited, env=A, expect=item, yes=True)
    assert done.differences == [
        'text: "hello" -> "edited"',
        'meta: {"l": ["x", null], "n": 1.5} -> {"l": ["x", null], "n": 2}',
    ]
    now = stored(notes)
    assert now["tags"] == {"SS": ["a", "b"]} and now["blob"] == {"B": b"\x00\xff"}
    assert now["text"] == {"S": "edited"} and now["meta"]["M"]["n"] == {"N": "2"}


def test_a_change_made_since_the_read_is_refused_with_the_difference_never_overwritten(notes):
    item = read_item()
    notes.update_item(  # someone else, meanwhile
        TableName=TABLE,
        Key={"pk": {"S": "p"}, "sk": {"N": "1"}},
        UpdateExpression="SET #t = :v",
        ExpressionAttributeNames={"#t": "text"},
        ExpressionAttributeValues={":v": {"S": "theirs"}},
    )
    theirs = stored(notes)
    with pytest.raises(dm.ItemChanged) as refused:
        dm.put_item(TABLE, {**item, "text": "mine"}, env=A, expect=item, yes=True)
    assert refused.value.differences == ['text: "hello" -> "theirs"']
    assert refused.value.current["text"] == "theirs"
    assert 'changed since it was read: text: "hello" -> "theirs"' in str(refused.value)
    assert "\n" not in str(refused.value)
    assert stored(notes) == theirs


def test_a_delete_needs_yes_and_respects_expect(notes):
    item = read_item()
    with pytest.raises(ConfirmationRequired, match=re.escape('deleting item {pk: "p", sk: 1}')):
        dm.delete_item(TABLE, {"pk": "p", "sk": 1}, env=A)
    notes.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "p"}, "sk": {"N": "1"}},
        UpdateExpression="REMOVE tags",
    )
    with pytest.raises(dm.ItemChanged, match="- tags"):
        dm.delete_item(TABLE, item, env=A, expect=item, yes=True)
    assert stored(notes) is not None
    done = dm.delete_item(TABLE, read_item(), env=A, expect=read_item(), yes=True)
    assert done.old["text"] == "hello" and stored(notes) is None
    assert done.summary_line() == (
        "deleted item {pk: \"p\", sk: 1} from table 'notes' in env 'acct-a'"
    )
    with pytest.raises(dm.ItemNotFound, match="nothing deleted"):
        dm.delete_item(TABLE, {"pk": "p", "sk": 1}, env=A, yes=True)


def test_a_protected_environment_needs_yes_even_for_a_new_item(servers):
    """``prod-b`` (server B) is protected by its name: a new item there needs ``yes`` too."""
    client = client_for("prod-b")
    client.create_table(
        TableName="plain",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(ConfirmationRequired, match="env 'prod-b', which is protected"):
        dm.put_item("plain", {"id": "x"}, env="prod-b")
    assert client.scan(TableName="plain")["Count"] == 0
    dm.put_item("plain", {"id": "x"}, env="prod-b", yes=True)
    assert client.scan(TableName="plain")["Count"] == 1


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"sk": 1}, r"lacks key attribute 'pk' \(S\)"),
        ({"pk": "p", "sk": "x"}, "sk"),
        ({"pk": "p", "sk": 1, "s": set()}, "empty set"),
        (["pk"], "must be a mapping"),
    ],
)
def test_a_bad_item_is_refused_in_one_line_before_any_write(notes, item, message):
    before = stored(notes)
    with pytest.raises(InvalidQuery, match=message) as refused:
        dm.put_item(TABLE, item, env=A, yes=True)
    assert "\n" not in str(refused.value)
    assert stored(notes) == before
