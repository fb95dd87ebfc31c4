"""Key conditions, filters and projections, always with ``#name`` and ``:value`` placeholders.

Filters are written in a small language close to DynamoDB's own, parsed here (never evaluated)::

    status = 'active' AND (age >= 30 OR attribute_not_exists(closed))
    begins_with(sku, 'A-') AND size(tags) > 2 AND price BETWEEN 10 AND 20.5
    region IN ('eu', 'us') AND NOT deleted = true AND owner = :who

Bare names are whole attribute names (dashes and dots included: ``order-id``, ``a.b``);
backquotes quote any name (```my name```). Values are 'text' or "text", numbers, true, false,
null, or ``:name`` bound from the caller's parameters. boto3's ``ConditionExpressionBuilder``
is not used because it splits names on dots into nested paths, and its values must be
high-level Python values where ours stay typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .codec import AttributeValue, key_value, to_attribute
from .errors import InvalidQuery
from .schema import KeySchema

SORT_KEY_OPERATORS = ("begins_with", "=", "<", "<=", ">", ">=", "between")
_OPERATOR_ALIASES = {"==": "=", "eq": "=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


@dataclass
class Placeholders:
    """Collects ``#nN`` -> name and ``:vN`` -> value; shared by all parts of one request."""

    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, AttributeValue] = field(default_factory=dict)

    def name(self, attribute: str) -> str:
        for placeholder, existing in self.names.items():
            if existing == attribute:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: AttributeValue) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def request_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self.names:
            fields["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            fields["ExpressionAttributeValues"] = dict(self.values)
        return fields


def normalize_operator(op: str) -> str:
    op = _OPERATOR_ALIASES.get(op.strip().lower(), op.strip().lower())
    if op not in SORT_KEY_OPERATORS:
        raise InvalidQuery(
            f"unknown sort-key operator '{op}'; use one of {', '.join(SORT_KEY_OPERATORS)}"
        )
    return op


def key_condition(
    key: KeySchema,
    pk: Any,
    ph: Placeholders,
    sk: Any = None,
    sk_op: str = "begins_with",
    sk2: Any = None,
    where: str = "table",
) -> str:
    """``#pk = :pk [AND <sort-key condition>]`` with typed values; validates the request."""
    parts = [f"{ph.name(key.hash.name)} = {ph.value(key_value(key.hash, pk, 'partition key'))}"]
    op = normalize_operator(sk_op)
    if sk is None:
        if sk2 is not None:
            raise InvalidQuery("--sk2 is the upper bound of --sk-op between; give --sk too")
        return parts[0]
    if key.range is None:
        raise InvalidQuery(f"{where} has no sort key; drop the sort-key condition (--sk)")
    attr = key.range
    low = key_value(attr, sk, "sort key")
    name = ph.name(attr.name)
    if op == "between":
        if sk2 is None:
            raise InvalidQuery("between needs two bounds: --sk LOW --sk2 HIGH")
        high = key_value(attr, sk2, "sort key")
        _check_order(attr.type, low, high)
        parts.append(f"{name} BETWEEN {ph.value(low)} AND {ph.value(high)}")
    else:
        if sk2 is not None:
            raise InvalidQuery("--sk2 is only for --sk-op between")
        if op == "begins_with":
            if attr.type == "N":
                raise InvalidQuery(
                    f"begins_with needs a string or binary sort key; '{attr.name}' is a number "
                    "(use --sk-op with =, <, <=, >, >= or between)"
                )
            parts.append(f"begins_with({name}, {ph.value(low)})")
        else:
            parts.append(f"{name} {op} {ph.value(low)}")
    return " AND ".join(parts)


def _check_order(type_: str, low: AttributeValue, high: AttributeValue) -> None:
    from decimal import Decimal

    (a,), (b,) = low.values(), high.values()
    if (Decimal(a) > Decimal(b)) if type_ == "N" else (a > b):
        raise InvalidQuery("between needs LOW <= HIGH (--sk LOW --sk2 HIGH)")


def projection(attributes: list[str], ph: Placeholders, always: tuple[str, ...] = ()) -> str:
    """A ProjectionExpression of whole attribute names, plus ``always`` (the key attributes)."""
    names = [a.strip() for a in attributes if a.strip()]
    if not names:
        raise InvalidQuery("--select needs attribute names, e.g. --select name,email")
    wanted = list(dict.fromkeys([*always, *names]))
    return ", ".join(ph.name(n) for n in wanted)


def split_names(select: str | list[str] | tuple[str, ...]) -> list[str]:
    return [s.strip() for s in select.split(",")] if isinstance(select, str) else list(select)


# -- filter language ---------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`[^`]+`)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<param>:[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><>|!=|<=|>=|=|<|>|\(|\)|,)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.\-]*)
  )""",
    re.VERBOSE,
)
_COMPARATORS = {"=", "<>", "!=", "<", "<=", ">", ">="}
_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
_KEYWORDS = {"and", "or", "not", "between", "in", "true", "false", "null"}  # not names
FILTER_EXAMPLE = "--filter \"status = 'active' AND age > 30\""


@dataclass
class _Token:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise InvalidQuery(
                f"bad filter: unexpected '{text[pos:].strip()[:20]}' at position {pos}; "
                f"example: {FILTER_EXAMPLE}"
            )
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


class _FilterParser:
    """Recursive descent over the tokens, emitting the expression with placeholders."""

    def __init__(self, text: str, ph: Placeholders, params: Mapping[str, Any]):
        self.text, self.ph, self.params = text, ph, params
        self.tokens = _tokenize(text)
        self.i = 0

    # token helpers
    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def word(self) -> str:
        tok = self.peek()
        return tok.text.lower() if tok and tok.kind == "word" else ""

    def next_is(self, text: str) -> bool:
        """Whether the token after the current one is ``text`` (a function's ``(``)."""
        nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        return nxt is not None and nxt.text == text

    def take(self) -> _Token:
        tok = self.peek()
        if tok is None:
            self.fail("the filter ends too early")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text.lower() != text:
            self.fail(f"expected '{text}' at position {tok.pos}, got '{tok.text}'")

    def fail(self, message: str) -> Any:
        raise InvalidQuery(f"bad filter: {message}; example: {FILTER_EXAMPLE}")

    # grammar
    def parse(self) -> str:
        if not self.tokens:
            self.fail("the filter is empty")
        expr = self.or_()
        if self.peek() is not None:
            tok = self.peek()
            self.fail(f"unexpected '{tok.text}' at position {tok.pos}")
        return expr

    def or_(self) -> str:
        parts = [self.and_()]
        while self.word() == "or":
            self.take()
            parts.append(self.and_())
        return " OR ".join(parts)

    def and_(self) -> str:
        parts = [self.not_()]
        while self.word() == "and":
            self.take()
            parts.append(self.not_())
        return " AND ".join(parts)

    def not_(self) -> str:
        if self.word() == "not":
            self.take()
            return f"NOT {self.not_()}"
        return self.primary()

    def primary(self) -> str:
        tok = self.peek()
        if tok and tok.text == "(":
            self.take()
            inner = self.or_()
            self.expect(")")
            return f"({inner})"
        if tok and tok.kind == "word" and tok.text.lower() in _FUNCTIONS and self.next_is("("):
            return self.function()
        left = self.operand()
        tok = self.peek()
        if tok is None:
            self.fail("a condition needs an operator, e.g. name = 'x'")
        if tok.text in _COMPARATORS:
            self.take()
            op = "<>" if tok.text == "!=" else tok.text
            return f"{left} {op} {self.operand()}"
        if tok.text.lower() == "between":
            self.take()
            low = self.operand()
            self.expect("and")
            return f"{left} BETWEEN {low} AND {self.operand()}"
        if tok.text.lower() == "in":
            self.take()
            self.expect("(")
            values = [self.operand()]
            while self.peek() and self.peek().text == ",":
                self.take()
                values.append(self.operand())
            self.expect(")")
            return f"{left} IN ({', '.join(values)})"
        return self.fail(f"expected an operator at position {tok.pos}, got '{tok.text}'")

    def function(self) -> str:
        name = self.take().text.lower()
        self.expect("(")
        args = [self.path()]
        for _ in range(_FUNCTIONS[name] - 1):
            self.expect(",")
            args.append(self.operand())
        self.expect(")")
        return f"{name}({', '.join(args)})"

    def path(self) -> str:
        tok = self.take()
        if tok.kind == "quoted":
            return self.ph.name(tok.text[1:-1])
        if tok.kind == "word" and tok.text.lower() not in _KEYWORDS:
            return self.ph.name(tok.text)
        return self.fail(f"expected an attribute name at position {tok.pos}, got '{tok.text}'")

    def operand(self) -> str:
        tok = self.peek()
        if tok is None:
            return self.fail("the filter ends too early")
        low = tok.text.lower()
        if tok.kind == "word" and low == "size" and self.next_is("("):  # else an attribute
            self.take()
            self.expect("(")
            inner = self.path()
            self.expect(")")
            return f"size({inner})"
        if tok.kind in ("quoted", "word") and low not in ("true", "false", "null"):
            return self.path()
        self.take()
        if tok.kind == "string":
            body = tok.text[1:-1]
            return self.ph.value({"S": re.sub(r"\\(.)", r"\1", body)})
        if tok.kind == "number":
            return self.ph.value({"N": tok.text})
        if low in ("true", "false"):
            return self.ph.value({"BOOL": low == "true"})
        if low == "null":
            return self.ph.value({"NULL": True})
        if tok.kind == "param":
            name = tok.text[1:]
            if name not in self.params:
                known = ", ".join(sorted(self.params)) or "none"
                self.fail(f"':{name}' has no value (parameters given: {known})")
            return self.ph.value(to_attribute(self.params[name]))
        return self.fail(f"expected a value at position {tok.pos}, got '{tok.text}'")


def filter_expression(text: str, ph: Placeholders, params: Mapping[str, Any] | None = None) -> str:
    """Translate a filter in the language above into a FilterExpression with placeholders."""
    return _FilterParser(text, ph, params or {}).parse()


# -- PartiQL -----------------------------------------------------------------------------------
_PARTIQL_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|:([A-Za-z_][A-Za-z0-9_]*)|\?")


def bind_partiql(
    statement: str,
    params: Mapping[str, Any] | list[Any] | tuple[Any, ...] | None = None,
    lookup: Callable[[str], Any] | None = None,
) -> tuple[str, list[AttributeValue]]:
    """Replace ``:name`` markers (outside quotes) by ``?`` and collect the typed parameters.

    ``params`` is a list for ``?`` markers or a mapping for ``:name`` markers; ``lookup`` finds
    names missing from the mapping (a notebook's variables). Values are bound, never pasted.
    """
    text = statement.strip().rstrip(";").strip()
    if not re.match(r"(?is)^select\b", text):
        raise InvalidQuery("only SELECT statements run here; use %dynamo_copy to write data")
    positional = list(params) if isinstance(params, list | tuple) else []
    named = params if isinstance(params, Mapping) else {}
    bound: list[AttributeValue] = []
    out: list[str] = []
    last, question_marks = 0, 0

    def value_of(name: str) -> Any:
        if name in named:
            return named[name]
        if lookup is not None:
            try:
                return lookup(name)
            except KeyError:
                pass
        raise InvalidQuery(f"the statement uses :{name} but no variable '{name}' is defined")

    for match in _PARTIQL_TOKEN.finditer(text):
        token = match.group(0)
        if token == "?":
            if question_marks >= len(positional):
                raise InvalidQuery("the statement has more ? markers than parameters given")
            bound.append(to_attribute(positional[question_marks]))
            question_marks += 1
        elif match.group(1):
            out.append(text[last : match.start()] + "?")
            last = match.end()
            bound.append(to_attribute(value_of(match.group(1))))
    out.append(text[last:])
    if question_marks != len(positional):
        raise InvalidQuery(
            f"the statement has {question_marks} ? marker(s) but {len(positional)} parameters"
        )
    return "".join(out), bound
