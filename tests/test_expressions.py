"""Key conditions, filters, projections and PartiQL binding: placeholders only, clear errors."""

from __future__ import annotations

import re

import pytest

from dynamo_magic.errors import InvalidQuery
from dynamo_magic.expressions import (
    SORT_KEY_OPERATORS,
    Placeholders,
    bind_partiql,
    key_condition,
    normalize_operator,
    parse_filter,
    projection,
    split_names,
)
from dynamo_magic.paths import format_path, lookup, parse_path
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
        (COMPOSITE, "1", "<", "2", "sk2 is only for sk_op between"),
        (COMPOSITE, None, "=", "2", "give sk too"),
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
    expression, _ = parse_filter(text, ph, params)
    assert only_placeholders(expression), expression
    if shape is not None:
        assert resolved(expression, ph) == shape


def test_filter_never_contains_user_names_or_values():
    ph = Placeholders()
    secret = "x' OR 1=1 --"
    expression, _ = parse_filter("`weird name` = :p AND size(order-id) > 3", ph, {"p": secret})
    assert only_placeholders(expression)
    assert secret not in expression and "weird" not in expression and "order" not in expression
    assert ph.values[":v0"] == {"S": secret}


def test_names_share_placeholders_across_request_parts():
    ph = Placeholders()
    key_condition(COMPOSITE, "n0", ph)
    parse_filter("name = 'x' AND other = 1", ph)
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
        parse_filter(text, Placeholders())
        return
    with pytest.raises(InvalidQuery, match=f"^bad filter: .*{message}") as exc:
        parse_filter(text, Placeholders())
    assert "\n" not in str(exc.value)
    assert str(exc.value).endswith("example: status = 'active' AND age > 30")


# -- document paths -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "path", "canonical"),
    [
        ("addr", ("addr",), None),
        ("a" + ".b" * 32, ("a", *["b"] * 32), None),  # 32 levels below the top: the limit
        ("addr.city", ("addr", "city"), None),
        ("items[0].sku", ("items", 0, "sku"), None),
        ("a.b[2][0].c", ("a", "b", 2, 0, "c"), None),
        ("m.2nd.x-y", ("m", "2nd", "x-y"), None),  # a map key may start with a digit
        ("café.prix", ("café", "prix"), None),
        ("`a.b`", ("a.b",), None),  # ONE top-level attribute named a.b
        ("`my.map`.city", ("my.map", "city"), None),
        ("`a[0]`", ("a[0]",), None),
        ("`a``b`.`c d`", ("a`b", "c d"), None),  # a doubled backquote is one backquote
        ("`plain`.`x`", ("plain", "x"), "plain.x"),  # needless quotes are dropped
        ("`and`.or", ("and", "or"), None),  # a keyword is quoted at the top only
        ("`2x`", ("2x",), None),  # a top-level name starting with a digit
        ("  addr.city ", ("addr", "city"), "addr.city"),
        ("a[007]", ("a", 7), "a[7]"),
    ],
)
def test_path_syntax_round_trips(text, path, canonical):
    assert parse_path(text) == path
    assert format_path(path) == (canonical or text)
    assert parse_path(format_path(path)) == path


@pytest.mark.parametrize(
    "path",
    [("a.b",), ("x", "a.b", 1), ("a`b",), ("`",), ("sp ace", "[0]"), ("true",), ("a", "]")],
)
def test_any_name_formats_to_a_path_that_reads_back(path):
    assert parse_path(format_path(path)) == path


def test_key_names_are_never_split():
    keys = ("doc.id", "sort")
    assert parse_path("doc.id", keys) == ("doc.id",)
    assert parse_path("`doc.id`", keys) == ("doc.id",)
    assert format_path(("doc.id",), keys) == "doc.id"
    assert format_path(("doc", "id"), keys) == "`doc`.`id`"  # the nested path stays apart
    assert parse_path("`doc`.`id`", keys) == ("doc", "id")
    ph = Placeholders()
    assert parse_filter("doc.id = 'x' AND doc.other = 1", ph, keys=keys)[0] == (
        "#n0 = :v0 AND #n1.#n2 = :v1"
    )
    assert ph.names == {"#n0": "doc.id", "#n1": "doc", "#n2": "other"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the name is empty"),
        ("a..b", "'a..b': a name is missing after 'a.'"),
        ("a.", "a name is missing after 'a.' \\(got nothing\\)"),
        (".a", "a name is missing at the start"),
        ("a.[0]", "a name is missing after 'a.'"),
        ("a[x]", "a list index is a whole number >= 0 in brackets, not '\\[x\\]'"),
        ("a[-1]", "not '\\[-1\\]'"),
        ("a[]", "not '\\[\\]'"),
        ("a[0", "'\\[' at position 1 has no closing '\\]'"),
        ("`abc", "the backquote at position 0 is not closed"),
        ("``", "an empty name in backquotes"),
        ("a b", "unexpected ' b' after 'a'"),
        ("a[0]b", "unexpected 'b' after 'a\\[0\\]'"),
        ("my name", "unexpected ' name'"),
        ("a" + ".b" * 33, "at most 32 levels deep"),
    ],
)
def test_bad_paths_say_what_to_write(text, message):
    with pytest.raises(InvalidQuery, match=f"^bad attribute path .*{message}") as exc:
        parse_path(text)
    assert "\n" not in str(exc.value)
    assert str(exc.value).endswith(
        "(e.g. addr.city, items[0].sku; a name with other characters in backquotes: `a.b`)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a..b = 1", "bad attribute path 'a..b'"),
        ("items[x].sku = 1", "a list index is a whole number"),
        ("size(a[1) > 2", "'\\[' at position 6 has no closing"),
        ("`a.b = 1", "the backquote at position 0 is not closed"),
        ("attribute_exists(a.)", "a name is missing after 'a.'"),
    ],
)
def test_bad_paths_in_filters(text, message):
    with pytest.raises(InvalidQuery, match=f"^bad filter: .*{message}") as exc:
        parse_filter(text, Placeholders())
    assert "\n" not in str(exc.value) and "backquotes" in str(exc.value)


def test_each_path_element_gets_its_own_placeholder():
    ph = Placeholders()
    expression, _ = parse_filter(
        "addr.city = 'Paris' AND items[0].sku <> :s AND size(a.b[2][0].c) > 1 "
        "AND `a.b` = 1 AND `and` = 2 AND attribute_exists(addr)",
        ph,
        {"s": "x"},
    )
    assert expression == (
        "#n0.#n1 = :v0 AND #n2[0].#n3 <> :v1 AND size(#n4.#n5[2][0].#n6) > :v2 "
        "AND #n7 = :v3 AND #n8 = :v4 AND attribute_exists(#n0)"
    )
    assert ph.names == {
        "#n0": "addr",
        "#n1": "city",
        "#n2": "items",
        "#n3": "sku",
        "#n4": "a",
        "#n5": "b",
        "#n6": "c",
        "#n7": "a.b",
        "#n8": "and",
    }
    assert only_placeholders(expression)


@pytest.mark.parametrize(
    ("select", "keys", "expression", "names"),
    [
        (["addr.city", "items[0].sku"], ("id",), "#n0, #n1.#n2, #n3[0].#n4", None),
        (["addr.city", "addr"], ("id",), "#n0, #n1", ["id", "addr"]),  # addr brings city
        (["addr", "addr.city", "addr"], ("id",), "#n0, #n1", ["id", "addr"]),
        (["l[1]", "l[0]", "l[1].x"], (), "#n0[1], #n0[0]", ["l"]),
        (["id", "`a.b`", "a.b"], ("id",), "#n0, #n1, #n2.#n3", ["id", "a.b", "a", "b"]),
        (["k.x", "`k.x`"], ("k.x",), "#n0", ["k.x"]),  # the key, once, whole
    ],
)
def test_projection_of_paths(select, keys, expression, names):
    ph = Placeholders()
    assert projection(select, ph, keys) == expression
    if names is not None:
        assert list(ph.names.values()) == names


@pytest.mark.parametrize(
    ("select", "message"),
    [
        (["l[0]", "l.x"], "'l\\[0\\]' and 'l.x' use 'l' both as a list and as a map"),
        (["m.a[0]", "m.a.b"], "use 'm.a' both as a list and as a map"),
        (["a..b"], "bad attribute path 'a..b'"),
    ],
)
def test_projection_refusals(select, message):
    with pytest.raises(InvalidQuery, match=message):
        projection(select, Placeholders())


def test_select_splits_at_commas_outside_backquotes():
    assert split_names("a, `b,c`.d ,e[0]") == ["a", "`b,c`.d", "e[0]"]
    assert split_names("`x``,y`,z") == ["`x``,y`", "z"]
    assert split_names(["a.b", "c"]) == ["a.b", "c"]


def test_lookup_follows_maps_and_lists():
    item = {
        "m": {"M": {"l": {"L": [{"S": "x"}, {"M": {"k": {"N": "1"}}}]}}},
        "s": {"S": "text"},
    }
    assert lookup(item, ("m", "l", 1, "k")) == {"N": "1"}
    assert lookup(item, ("m", "l", 0)) == {"S": "x"}
    for missing in [("m", "l", 2), ("m", "x"), ("s", "a"), ("s", 0), ("m", 0), ("nope",)]:
        assert lookup(item, missing) is None


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
