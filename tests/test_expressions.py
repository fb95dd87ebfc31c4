"""Key conditions, filters, projections and PartiQL binding: placeholders only, clear errors."""

from __future__ import annotations

import re

import pytest

from dynamo_magic.errors import InvalidQuery
from dynamo_magic.expressions import (
    SORT_KEY_OPERATORS,
    Placeholders,
    bind_partiql,
    filter_expression,
    key_condition,
    format_path,
    normalize_operator,
    parse_path,
    projection,
    split_names,
)
from dynamo_magic.schema import KeyAttribute, KeySchema

COMPOSITE = KeySchema(KeyAttribute("name", "S"), KeyAttribute("size", "N"))
HASH_ONLY = KeySchema(KeyAttribute("id", "B"))

# Everything an expression may contain besides placeholders
SYNTAX = re.compile(
    r"#n\d+(?:\.#n\d+|\[\d+\])*|:v\d+|<>|<=|>=|[=<>(),]|\b(?:AND|OR|NOT|BETWEEN|IN|size|attribute_exists|"
    r"attribute_not_exists|attribute_type|begins_with|contains)\b|\s+"
)


def only_placeholders(expression: str) -> bool:
    return SYNTAX.sub("", expression) == ""


def resolved(expression: str, ph: Placeholders) -> str:
    """The expression with placeholders replaced (names bare, values as their payload)."""
    text = re.sub(r"#n\d+", lambda m: ph.names[m.group()], expression)
    return re.sub(r":v\d+", lambda m: repr(next(iter(ph.values[m.group()].values()))), text)


# -- key conditions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("op", "sk2", "shape"),
    [
        ("=", None, "name = 'n0' AND size = '5'"),
        ("<", None, "name = 'n0' AND size < '5'"),
        ("<=", None, "name = 'n0' AND size <= '5'"),
        (">", None, "name = 'n0' AND size > '5'"),
        (">=", None, "name = 'n0' AND size >= '5'"),
        ("between", "10", "name = 'n0' AND size BETWEEN '5' AND '10'"),
    ],
)
def test_key_condition_operators(op, sk2, shape):
    ph = Placeholders()
    expression = key_condition(COMPOSITE, "n0", ph, "5", op, sk2)
    assert only_placeholders(expression)
    assert resolved(expression, ph) == shape
    assert ph.names == {"#n0": "name", "#n1": "size"}
    assert all(next(iter(v)) in ("S", "N") for v in ph.values.values())


def test_begins_with_on_string_and_binary_keys():
    key = KeySchema(KeyAttribute("pk", "S"), KeyAttribute("sk", "B"))
    ph = Placeholders()
    expression = key_condition(key, "p", ph, "AAE=", "begins_with")
    assert resolved(expression, ph) == "pk = 'p' AND begins_with(sk, b'\\x00\\x01')"


def test_partition_key_only():
    ph = Placeholders()
    assert key_condition(HASH_ONLY, b"\x01", ph) == "#n0 = :v0"
    assert ph.request_fields() == {
        "ExpressionAttributeNames": {"#n0": "id"},
        "ExpressionAttributeValues": {":v0": {"B": b"\x01"}},
    }


@pytest.mark.parametrize(
    ("key", "sk", "op", "sk2", "message"),
    [
        (COMPOSITE, "1", "begins_with", None, "'size' is a number"),
        (COMPOSITE, "1", "between", None, "between needs two bounds"),
        (COMPOSITE, "2", "between", "10.5", None),  # numeric, not text, order: valid
        (COMPOSITE, "10", "between", "9", "LOW <= HIGH"),
        (COMPOSITE, "1", "<", "2", "only for --sk-op between"),
        (COMPOSITE, None, "=", "2", "give --sk too"),
        (COMPOSITE, "x", "=", None, "sort key 'size' is a number"),
        (HASH_ONLY, "x", "=", None, "table has no sort key"),
        (COMPOSITE, "1", "like", None, "unknown sort-key operator 'like'"),
    ],
)
def test_key_condition_errors(key, sk, op, sk2, message):
    pk = b"\x01" if key is HASH_ONLY else "n0"
    if message is None:
        key_condition(key, pk, Placeholders(), sk, op, sk2)
        return
    with pytest.raises(InvalidQuery, match=message):
        key_condition(key, pk, Placeholders(), sk, op, sk2)


@pytest.mark.parametrize("op", [*SORT_KEY_OPERATORS, "EQ", "lt", "le", "gt", "ge", "=="])
def test_normalize_operator(op):
    assert normalize_operator(op) in SORT_KEY_OPERATORS


def test_unknown_operator_lists_the_operators():
    with pytest.raises(InvalidQuery) as exc:
        normalize_operator("~")
    assert all(op in str(exc.value) for op in SORT_KEY_OPERATORS)


def test_projection_puts_keys_first_once():
    ph = Placeholders()
    expression = projection(["qty", "name", " ", "qty"], ph, ("name", "size"))
    assert resolved(expression, ph) == "name, size, qty"


# -- filter language ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "params", "shape"),
    [
        ("a = 'x'", None, "a = 'x'"),
        ('a <> "it\\"s"', None, "a <> 'it\"s'"),
        ("a != 1.5e3", None, "a <> '1.5e3'"),
        ("a < -2 AND b >= 3", None, "a < '-2' AND b >= '3'"),
        ("a BETWEEN 1 AND 2", None, "a BETWEEN '1' AND '2'"),
        ("a IN ('x', 'y', :z)", {"z": "w"}, "a IN ('x', 'y', 'w')"),
        ("NOT a = true OR b = null", None, "NOT a = True OR b = True"),
        ("(a = false OR b > c) AND d <= 1", None, "(a = False OR b > c) AND d <= '1'"),
        ("attribute_exists(order-id)", None, "attribute_exists(order-id)"),
        ("attribute_not_exists(`my name`)", None, "attribute_not_exists(my name)"),
        ("begins_with(`data.value`, 'x')", None, "begins_with(data.value, 'x')"),
        ("contains(tags, :t)", {"t": 5}, "contains(tags, '5')"),
        ("size(tags) > 2", None, "size(tags) > '2'"),
        ("size = 3 AND name = 'n'", None, "size = '3' AND name = 'n'"),  # reserved words
        ("attribute_type(a, 'SS')", None, "attribute_type(a, 'SS')"),
        # keywords in any case
        (
            "a = 1 and b = 1 or not c = 2",
            None,
            "a = '1' AND b = '1' OR NOT c = '2'",
        ),  # keywords in any case
    ],
)
def test_filter_translation(text, params, shape):
    ph = Placeholders()
    expression = filter_expression(text, ph, params)
    assert only_placeholders(expression), expression
    if shape is not None:
        assert resolved(expression, ph) == shape


def test_filter_never_contains_user_names_or_values():
    ph = Placeholders()
    secret = "x' OR 1=1 --"
    expression = filter_expression("`weird name` = :p AND size(order-id) > 3", ph, {"p": secret})
    assert only_placeholders(expression)
    assert secret not in expression and "weird" not in expression and "order" not in expression
    assert ph.values[":v0"] == {"S": secret}


def test_names_share_placeholders_across_request_parts():
    ph = Placeholders()
    key_condition(COMPOSITE, "n0", ph)
    filter_expression("name = 'x' AND other = 1", ph)
    assert ph.names == {"#n0": "name", "#n1": "other"}
    assert len(ph.values) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the filter is empty"),
        ("a =", "ends too early"),
        ("a 'x'", "expected an operator"),
        ("a = 'x'", None),
        ("(a = 1", "ends too early"),
        ("a = 1)", "unexpected '\\)'"),
        ("a ~ 1", "unexpected '~ 1'"),
        ("a = 'open", "unexpected ''open'"),
        ("a BETWEEN 1 OR 2", "expected 'and'"),
        ("a IN 1", "expected '\\('"),
        ("attribute_exists('x')", "expected an attribute name"),
        ("contains(a)", "expected ','"),
        ("a = :missing", "':missing' has no value \\(parameters given: none\\)"),
        ("a = )", "expected a value"),
    ],
)
def test_filter_errors_are_one_line_with_an_example(text, message):
    if message is None:
        filter_expression(text, Placeholders())
        return
    with pytest.raises(InvalidQuery, match=f"^bad filter: .*{message}") as exc:
        filter_expression(text, Placeholders())
    assert "\n" not in str(exc.value)
    assert str(exc.value).endswith("example: --filter \"status = 'active' AND age > 30\"")


# -- PartiQL binding ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("statement", "params", "lookup", "text", "bound"),
    [
        ("SELECT * FROM t WHERE a = ?", ["x"], None, "SELECT * FROM t WHERE a = ?", [{"S": "x"}]),
        (
            "select * from t where a = :a and b = :b;",
            {"a": 1, "b": True},
            None,
            "select * from t where a = ? and b = ?",
            [{"N": "1"}, {"BOOL": True}],
        ),
        (
            "SELECT * FROM t WHERE a = :v AND s = ':not' AND \"q:x\" = ?",
            ["p"],
            {"v": b"\x01"}.__getitem__,
            "SELECT * FROM t WHERE a = ? AND s = ':not' AND \"q:x\" = ?",
            [{"B": b"\x01"}, {"S": "p"}],
        ),
        ("SELECT * FROM t WHERE s = 'it''s ?'", None, None, None, []),
    ],
)
def test_bind_partiql(statement, params, lookup, text, bound):
    got_text, got_bound = bind_partiql(statement, params, lookup)
    assert got_text == (text or statement)
    assert got_bound == bound


@pytest.mark.parametrize(
    ("statement", "params", "message"),
    [
        ("DELETE FROM t WHERE a = ?", ["x"], "only SELECT statements"),
        ("  insert into t value {'a': 1}", None, "only SELECT statements"),
        ("SELECT * FROM t WHERE a = :a", {"b": 1}, "uses :a but no variable 'a'"),
        ("SELECT * FROM t WHERE a = ? AND b = ?", ["x"], "more \\? markers than parameters"),
        ("SELECT * FROM t", ["x"], "0 \\? marker\\(s\\) but 1 parameters"),
    ],
)
def test_bind_partiql_refusals(statement, params, message):
    with pytest.raises(InvalidQuery, match=message):
        bind_partiql(statement, params)
