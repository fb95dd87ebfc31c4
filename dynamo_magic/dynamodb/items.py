"""Writing and deleting one item, safely: the console's "edit item", with a notebook's rules.

``put`` and ``delete`` (``dynamo_magic.put_item``, ``delete_item``) take items as Python
values (what ``query`` returns: ``str``, ``int``/``float``/``Decimal``, ``bytes``, sets, dicts,
lists, ``bool``, ``None``). The rules
are the copy's: a protected environment, or an item that exists (overwritten or deleted),
needs ``yes``. With ``expect`` (the item as it was read) the write happens only if the item is
still that: DynamoDB checks a condition on every attribute ``expect`` has (``=``) and on every
attribute it lacks that the new item sets (``attribute_not_exists``), after a consistent read
that compares the whole item; a change made meanwhile is refused (``ItemChanged``) with the
differences named, never overwritten. An attribute someone adds between that read and the
write, and that neither item names, is the one case the condition cannot see.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from botocore import exceptions as bx

from ..codec import (
    Item,
    WireItem,
    decode_binaries,
    encode_binaries,
    from_attribute,
    json_text,
    key_value,
    to_attribute,
    typed_problem,
)
from ..environments import Environment
from ..errors import (
    ConfirmationRequired,
    InvalidQuery,
    UnsafeOperation,
    error_code,
    literal,
    translate,
)
from ..expressions import Placeholders
from ..schema import TableSchema

Values = Mapping[str, Any]  # an item as Python values


class ItemChanged(UnsafeOperation):
    """The item is not the one ``expect`` says was read: nothing written.

    Attributes
    ----------
    current : dict or None
        The item as it is now (Python values); ``None``: it was deleted.
    differences : list of str
        What differs from ``expect``, one phrase per attribute.
    """

    def __init__(self, message: str, current: dict[str, Any] | None, differences: list[str]):
        super().__init__(message)
        self.current = current
        self.differences = differences


class ItemNotFound(UnsafeOperation):
    """``delete_item`` of a key no item has: nothing deleted."""


@dataclass(frozen=True)
class ItemWrite:
    """What ``put_item`` or ``delete_item`` did.

    Attributes
    ----------
    action : {'put', 'delete'}
    table, env : str
        Where (the environment's label).
    key : dict
        The item's key attributes (Python values).
    old : dict or None
        The item before the write (Python values); ``None``: there was none.
    new : dict or None
        The item after it; ``None`` after a delete.
    """

    action: Literal["put", "delete"]
    table: str
    env: str
    key: dict[str, Any]
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    @property
    def differences(self) -> list[str]:
        """What the write changed, one phrase per attribute (``differences``)."""
        return differences(self.old, self.new)

    def summary_line(self) -> str:
        where = f"table '{self.table}' in env '{self.env}'"
        if self.action == "delete":
            return f"deleted item {_key_text(self.key)} from {where}"
        verb = "replaced" if self.old is not None else "put new"
        changed = "; ".join(self.differences) if self.old is not None else ""
        return f"{verb} item {_key_text(self.key)} in {where}" + (
            f": {changed}" if changed else (": no change" if self.old is not None else "")
        )


def differences(old: Values | None, new: Values | None) -> list[str]:
    """What differs between two items (Python values), one phrase per attribute, in the new
    item's order then the old one's, values as JSON: ``status: "OPEN" -> "SHIPPED"``,
    ``+ note: "x"`` (added), ``- tag: "y"`` (removed). ``None`` is no item (every attribute
    added or removed)."""
    old, new = old or {}, new or {}
    found = []
    for name in [*new, *(n for n in old if n not in new)]:
        if name not in old:
            found.append(f"+ {name}: {json_text(new[name])}")
        elif name not in new:
            found.append(f"- {name}: {json_text(old[name])}")
        elif _attribute(old[name]) != _attribute(new[name]):
            found.append(f"{name}: {json_text(old[name])} -> {json_text(new[name])}")
    return found


# -- one item as text: what a panel shows and edits ----------------------------------------------
ItemForm = Literal["dynamodb", "plain"]
ITEM_FORMS: tuple[ItemForm, ...] = ("dynamodb", "plain")


def item_values(item: WireItem) -> dict[str, Any]:
    """A wire-form item (``ReadResult.items``) as Python values, as ``put_item`` takes them:
    numbers ``int`` or ``Decimal`` (every digit), binaries ``bytes``, sets ``set``."""
    return _decoded(decode_binaries(item))


def item_text(item: Values, form: ItemForm = "dynamodb") -> str:
    """An item (Python values) as JSON text to read, copy and edit, one attribute a line in
    the item's order.

    ``dynamodb``: DynamoDB JSON (``{"qty": {"N": "2"}}``), the form the AWS CLI and console
    take: every type kept (sets stay ``SS``/``NS``/``BS``, numbers as their exact text, binaries
    base64), so ``parse_item_text`` gives the same item back. ``plain``: values as JSON
    (``json_text``: numbers exact, binaries base64 text, sets sorted lists), to read: it cannot
    tell a set from a list or a binary from text.
    """
    if form == "plain":
        lines = [f"  {_json(str(k))}: {json_text(v)}" for k, v in item.items()]
    else:
        wire = encode_binaries({str(k): to_attribute(v) for k, v in item.items()})
        lines = [f"  {_json(k)}: {_json(_sorted_sets(av))}" for k, av in wire.items()]
    return "{\n" + ",\n".join(lines) + "\n}" if lines else "{}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sorted_sets(av: dict[str, Any]) -> dict[str, Any]:
    """A typed value with its sets' members in one order (numbers numerically), at any depth:
    the same item always reads the same."""
    ((tag, value),) = av.items()
    if tag in ("SS", "BS"):
        return {tag: sorted(value)}
    if tag == "NS":
        return {tag: sorted(value, key=Decimal)}
    if tag == "M":
        return {tag: {k: _sorted_sets(v) for k, v in value.items()}}
    if tag == "L":
        return {tag: [_sorted_sets(v) for v in value]}
    return av


def parse_item_text(text: str) -> dict[str, Any]:
    """DynamoDB JSON text of one item (as ``item_text`` writes it, or the AWS console copies
    it) as Python values (``item_values``).

    Raises
    ------
    InvalidQuery
        Not JSON, not an object, or an attribute that is no DynamoDB typed value (named, with
        what is wrong).
    """
    try:
        data = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise InvalidQuery(f"the item is not JSON: {exc!s}") from None
    if not isinstance(data, dict) or not data:
        raise InvalidQuery(
            'the item must be a JSON object of attributes in DynamoDB JSON, e.g. {"pk": {"S": "a"}}'
        )
    for name, av in data.items():
        problem = typed_problem(av)
        if problem:
            raise InvalidQuery(f"attribute '{name}': {problem}")
    return item_values(WireItem(data))


def put(
    client: Any,
    schema: TableSchema,
    env: Environment,
    item: Values,
    expect: Values | None,
    yes: bool,
) -> ItemWrite:
    """``dynamo_magic.put_item`` on the table ``schema`` describes (its rules: the module's)."""
    key = _key(schema, item, "item")
    encoded = {name: to_attribute(value) for name, value in item.items()}
    for name, attr in key.items():
        encoded[name] = attr
    _refuse_protected(env, schema.name, yes, "writing item")
    request: dict[str, Any] = {"TableName": schema.name, "Item": encoded, "ReturnValues": "ALL_OLD"}
    ph = Placeholders()
    if expect is not None:
        _check_expect(schema, key, expect)
        current = _current(client, schema.name, key)
        _refuse_changed(expect, current, key)
        if not yes:
            raise _overwrite(schema.name, env, key)
        conditions = [f"{ph.name(n)} = {ph.value(to_attribute(v))}" for n, v in expect.items()]
        conditions += [f"attribute_not_exists({ph.name(n)})" for n in encoded if n not in expect]
        request["ConditionExpression"] = " AND ".join(conditions)
    elif not yes:  # a new item needs no confirmation; one that exists does
        request["ConditionExpression"] = f"attribute_not_exists({ph.name(schema.key.hash.name)})"
    request |= ph.request_fields()
    old = _write(client, "put_item", request, schema.name, key, env, expect)
    return ItemWrite("put", schema.name, env.label, _plain(key), old, _decoded(encoded))


def delete(
    client: Any,
    schema: TableSchema,
    env: Environment,
    key: Values,
    expect: Values | None,
    yes: bool,
) -> ItemWrite:
    """``dynamo_magic.delete_item`` on the table ``schema`` describes."""
    typed = _key(schema, key, "key")
    if not yes:
        protected = f" (env '{env.label}' is protected)" if env.protected else ""
        raise ConfirmationRequired(
            f"deleting item {literal(_key_text(_plain(typed)))} from table "
            f"'{literal(schema.name)}' in env '{literal(env.label)}'{protected}: confirm with "
            "{yes}",
            parameters=("yes",),
        )
    ph = Placeholders()
    conditions = [f"attribute_exists({ph.name(schema.key.hash.name)})"]
    if expect is not None:
        _check_expect(schema, typed, expect)
        _refuse_changed(expect, _current(client, schema.name, typed), typed)
        conditions = [f"{ph.name(n)} = {ph.value(to_attribute(v))}" for n, v in expect.items()]
    request = {
        "TableName": schema.name,
        "Key": typed,
        "ReturnValues": "ALL_OLD",
        "ConditionExpression": " AND ".join(conditions),
        **ph.request_fields(),
    }
    old = _write(client, "delete_item", request, schema.name, typed, env, expect)
    return ItemWrite("delete", schema.name, env.label, _plain(typed), old, None)


# -- the parts ----------------------------------------------------------------------------------
def _key(schema: TableSchema, values: Values, what: str) -> Item:
    """The key attributes of ``values``, typed from the key schema (``InvalidQuery`` when one
    is missing or of the wrong type)."""
    if not isinstance(values, Mapping):
        raise InvalidQuery(
            f"the {what} must be a mapping of attribute names to values, not "
            f"{type(values).__name__}"
        )
    key: Item = {}
    for attr in (schema.key.hash, schema.key.range):
        if attr is None:
            continue
        if attr.name not in values or values[attr.name] is None:
            raise InvalidQuery(
                f"the {what} lacks key attribute '{attr.name}' ({attr.type}) of table "
                f"'{schema.name}' (key: {schema.key})"
            )
        key[attr.name] = key_value(attr, values[attr.name], role=f"{what} key")
    return key


def _check_expect(schema: TableSchema, key: Item, expect: Values) -> None:
    """``expect`` must be the same item (its key) as the one written."""
    if _key(schema, expect, "expected item") != key:
        raise InvalidQuery(
            f"expect is item {_key_text(_plain(_key(schema, expect, 'expected item')))}, "
            f"not {_key_text(_plain(key))}: give the item as it was read"
        )


def _current(client: Any, table: str, key: Item) -> dict[str, Any] | None:
    """The item now (consistent read, Python values), ``None`` if there is none."""
    try:
        answer = client.get_item(TableName=table, Key=key, ConsistentRead=True)
    except (bx.ClientError, bx.BotoCoreError) as exc:
        raise translate(exc, f"read item of table '{table}'", table=table) from None
    found = answer.get("Item")
    return None if found is None else _decoded(found)


def _refuse_changed(expect: Values, current: dict[str, Any] | None, key: Item) -> None:
    found = differences(expect, current)
    if current is None or found:
        now = "was deleted" if current is None else "changed since it was read: " + "; ".join(found)
        raise ItemChanged(
            f"item {_key_text(_plain(key))} {now}; nothing written (read it again to edit it)",
            current,
            found,
        )


def _refuse_protected(env: Environment, table: str, yes: bool, doing: str) -> None:
    if env.protected and not yes:
        raise ConfirmationRequired(
            f"{doing} into table '{literal(table)}' in env '{literal(env.label)}', which is "
            f"protected: confirm with {{yes}}",
            parameters=("yes",),
        )


def _overwrite(table: str, env: Environment, key: Item) -> ConfirmationRequired:
    return ConfirmationRequired(
        f"item {literal(_key_text(_plain(key)))} exists in table '{literal(table)}' in env "
        f"'{literal(env.label)}' and would be overwritten: confirm with {{yes}}",
        parameters=("yes",),
    )


def _write(
    client: Any,
    operation: str,
    request: dict[str, Any],
    table: str,
    key: Item,
    env: Environment,
    expect: Values | None,
) -> dict[str, Any] | None:
    """Send the conditional write; a failed condition becomes the refusal it means."""
    try:
        answer = getattr(client, operation)(**request)
    except (bx.ClientError, bx.BotoCoreError) as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            doing = "write item into" if operation == "put_item" else "delete item from"
            raise translate(exc, f"{doing} table '{table}'", table=table, env=env.label) from None
        current = _current(client, table, key)
        if expect is not None:  # changed between the consistent read and the write
            _refuse_changed(expect, current, key)
            raise ItemChanged(  # an attribute of the new item appeared meanwhile
                f"item {_key_text(_plain(key))} changed while it was written; nothing "
                "written "
                "(read it again to edit it)",
                current,
                differences(expect, current),
            ) from None
        if operation == "delete_item":
            raise ItemNotFound(
                f"no item {_key_text(_plain(key))} in table '{table}': nothing deleted"
            ) from None
        raise _overwrite(table, env, key) from None
    old = answer.get("Attributes")
    return None if not old else _decoded(old)


def _decoded(item: Item) -> dict[str, Any]:
    return {name: from_attribute(av, "decimal") for name, av in item.items()}


def _plain(key: Item) -> dict[str, Any]:
    return _decoded(key)


def _attribute(value: Any) -> Any:
    """A value as DynamoDB compares it: ``1``, ``1.0`` and ``Decimal('1.00')`` are one number,
    a list and a tuple one list."""
    return from_attribute(to_attribute(value), "decimal")


def key_text(item: Values, names: tuple[str, ...]) -> str:
    """``{pk: "p", sk: 2}``: the attributes ``names`` (an item's key) of an item, values as
    exact JSON (a missing one as ``null``)."""
    return _key_text({name: item.get(name) for name in names})


def _key_text(key: Mapping[str, Any]) -> str:
    """``{pk: "p", sk: 2}``: a key as the messages show it (values as JSON, exact)."""
    return "{" + ", ".join(f"{name}: {json_text(value)}" for name, value in key.items()) + "}"
