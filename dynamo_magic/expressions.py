"""Key conditions, filters and projections, always with ``#name`` and ``:value`` placeholders.

Filters are written in a small language close to DynamoDB's own, parsed here (never evaluated)::

    status = 'active' AND (age >= 30 OR attribute_not_exists(closed))
    begins_with(sku, 'A-') AND size(tags) > 2 AND price BETWEEN 10 AND 20.5
    region IN ('eu', 'us') AND NOT deleted = true AND owner = :who

Attribute names are DynamoDB document paths (see ``paths``): ``addr.city`` is key ``city`` of
map ``addr``, ``items[0].sku`` key ``sku`` of the first element of list ``items``; each name
element gets its own ``#placeholder`` (``#n0.#n1[0].#n2``). Bare elements are letters, digits,
``_`` and ``-`` (``order-id``); backquotes quote any other name (```my name```, ```a.b``` is
ONE top-level attribute named ``a.b``). Key attributes of the table are never split. Values
are 'text' or "text", numbers, true, false, null, or ``:name`` bound from the caller's
parameters. boto3's ``ConditionExpressionBuilder`` is not used because its values must be
high-level Python values where ours stay typed, and it has no quoting for names with dots.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from .codec import AttributeValue, key_value, to_attribute
from .errors import InvalidQuery, literal
from .paths import BARE_NAME, KEYWORDS, DocumentPath, format_path, parse_path, scan_path
from .schema import KeySchema
from .settings import SORT_KEY_OPERATORS

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

    def path(self, path: DocumentPath) -> str:
        """``#n0.#n1[2]``: each name element through its own placeholder, indexes as they are."""
        return "".join(
            f"[{e}]" if isinstance(e, int) else ("." if i else "") + self.name(e)
            for i, e in enumerate(path)
        )

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


def default_operator(key: KeySchema) -> str:
    """The sort-key operator when none is given: ``begins_with`` (the ancestor's only one) on a
    string or binary sort key, ``=`` on a number sort key (DynamoDB's begins_with takes S or B)."""
    return "=" if key.range is not None and key.range.type == "N" else "begins_with"


def key_condition(
    key: KeySchema,
    pk: Any,
    ph: Placeholders,
    sk: Any = None,
    sk_op: str | None = None,
    sk2: Any = None,
    where: str = "table",
) -> str:
    """``#pk = :pk [AND <sort-key condition>]`` with typed values; validates the request.

    ``sk_op=None`` (not given) is ``begins_with`` on a string or binary sort key and ``=`` on a
    number one, where DynamoDB offers no ``begins_with``.
    """
    hash_value = key_value(key.hash, pk, "partition key", "pk")
    parts = [f"{ph.name(key.hash.name)} = {ph.value(hash_value)}"]
    op = normalize_operator(sk_op) if sk_op is not None else default_operator(key)
    if sk is None:
        if sk2 is not None:
            raise InvalidQuery(
                "{sk2} is the upper bound of {sk_op} between; give {sk} too",
                parameters=("sk2", "sk_op", "sk"),
            )
        return parts[0]
    if key.range is None:
        raise InvalidQuery(
            f"{where} has no sort key; drop the sort-key condition ({{sk}})", parameters=("sk",)
        )
    attr = key.range
    low = key_value(attr, sk, "sort key", "sk")
    name = ph.name(attr.name)
    if op == "between":
        if sk2 is None:
            raise InvalidQuery(
                "between needs two bounds: {sk} LOW and {sk2} HIGH", parameters=("sk", "sk2")
            )
        high = key_value(attr, sk2, "sort key", "sk2")
        _check_order(attr.type, low, high)
        parts.append(f"{name} BETWEEN {ph.value(low)} AND {ph.value(high)}")
    else:
        if sk2 is not None:
            raise InvalidQuery("{sk2} is only for {sk_op} between", parameters=("sk2", "sk_op"))
        if op == "begins_with":
            if attr.type == "N":
                raise InvalidQuery(
                    "begins_with needs a string or binary sort key; "
                    f"'{literal(attr.name)}' is a number "
                    "(use {sk_op} =, <, <=, >, >= or between)",
                    parameters=("sk_op",),
                )
            parts.append(f"begins_with({name}, {ph.value(low)})")
        else:
            parts.append(f"{name} {op} {ph.value(low)}")
    return " AND ".join(parts)


def _check_order(type_: str, low: AttributeValue, high: AttributeValue) -> None:
    from decimal import Decimal

    (a,), (b,) = low.values(), high.values()
    if (Decimal(a) > Decimal(b)) if type_ == "N" else (a > b):
        raise InvalidQuery(
            "between needs LOW <= HIGH ({sk} LOW, {sk2} HIGH)", parameters=("sk", "sk2")
        )


def projection(attributes: list[str], ph: Placeholders, always: tuple[str, ...] = ()) -> str:
    """A ProjectionExpression of document paths, plus ``always`` (the key attributes, whole).

    DynamoDB refuses two paths where one contains the other ("Two document paths overlap")
    and paths that use one attribute both as a map and as a list ("... conflict"): a path
    inside another selected one is dropped (the outer one brings it), a conflict is refused.
    """
    paths = [parse_path(a, always) for a in attributes if a.strip()]
    if not paths:
        raise InvalidQuery(
            "{columns} needs attribute names, e.g. name,email", parameters=("columns",)
        )
    wanted: list[DocumentPath] = []
    for path in [*((k,) for k in always), *paths]:
        for kept in wanted:
            common = next(
                (i for i, (a, b) in enumerate(zip(kept, path, strict=False)) if a != b), None
            )
            if common is None:
                break  # equal, or one inside the other
            if isinstance(kept[common], int) != isinstance(path[common], int):
                raise InvalidQuery(
                    f"{{columns}} '{literal(format_path(kept, always))}' and "
                    f"'{literal(format_path(path, always))}' use "
                    f"'{literal(format_path(path[:common], always))}' both as a list and as a "
                    "map; keep one of them",
                    parameters=("columns",),
                )
        else:
            wanted.append(path)
            continue
        if len(path) < len(kept):  # the new path contains the kept one: it replaces it
            wanted = [w for w in wanted if w[: len(path)] != path] + [path]
    return ", ".join(ph.path(p) for p in wanted)


def split_names(columns: str | Sequence[str]) -> list[str]:
    """A projection's text (``columns``) split at commas outside backquotes (a quoted name may
    hold a comma)."""
    if not isinstance(columns, str):
        return list(columns)
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in columns:
        if char == "`":
            quoted = not quoted  # a doubled backquote toggles twice: still inside
        if char == "," and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


# -- filter language ---------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<param>:[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><>|!=|<=|>=|=|<|>|\(|\)|,)
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
FILTER_EXAMPLE = "status = 'active' AND age > 30"


@dataclass
class _Token:
    kind: str  # string, number, param, op; word (a plain name or keyword); path (any other)
    text: str
    pos: int
    path: DocumentPath = ()


def _bad_filter(message: str) -> InvalidQuery:
    """``bad filter: message``, about the ``filter`` keyword (named in no field of the text,
    which stays as it is: a front end may name its input for it)."""
    return InvalidQuery(literal(f"bad filter: {message}"), parameters=("filter",))


def _tokenize(text: str) -> list[_Token]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        while text[pos].isspace():
            pos += 1
        if text[pos] == "`" or BARE_NAME.match(text, pos):
            try:
                path, end = scan_path(text, pos)
            except InvalidQuery as exc:
                raise _bad_filter(str(exc)) from None
            raw = text[pos:end]
            tokens.append(_Token("word" if raw == path[0] else "path", raw, pos, path))
            pos = end
            continue
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise _bad_filter(
                f"unexpected '{text[pos:].strip()[:20]}' at position {pos}; "
                f"example: {FILTER_EXAMPLE}"
            )
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


class _FilterParser:
    """Recursive descent over the tokens, emitting the expression with placeholders."""

    def __init__(
        self, text: str, ph: Placeholders, params: Mapping[str, Any], keys: tuple[str, ...] = ()
    ):
        self.text, self.ph, self.params, self.keys = text, ph, params, keys
        self.tokens = _tokenize(text)
        self.i = 0
        self.paths: list[DocumentPath] = []  # every attribute path the filter names

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

    def fail(self, message: str) -> NoReturn:
        raise _bad_filter(f"{message}; example: {FILTER_EXAMPLE}")

    # grammar
    def parse(self) -> str:
        if not self.tokens:
            self.fail("the filter is empty")
        expr = self.or_()
        tok = self.peek()
        if tok is not None:
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
            while (comma := self.peek()) is not None and comma.text == ",":
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
        if tok.kind == "path" or (tok.kind == "word" and tok.text.lower() not in KEYWORDS):
            path = (tok.text,) if tok.text in self.keys else tok.path  # keys stay whole
            self.paths.append(path)
            return self.ph.path(path)
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
        if tok.kind == "path" or (tok.kind == "word" and low not in ("true", "false", "null")):
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


def parse_filter(
    text: str,
    ph: Placeholders,
    params: Mapping[str, Any] | None = None,
    keys: tuple[str, ...] = (),
) -> tuple[str, list[DocumentPath]]:
    """A filter in the language above as a FilterExpression with placeholders, and the
    attribute paths it names (``keys`` are taken whole)."""
    parser = _FilterParser(text, ph, params or {}, keys)
    try:
        return parser.parse(), parser.paths
    except RecursionError:  # the parser descends once per parenthesis or NOT
        raise InvalidQuery(
            "{filter} is nested too deeply (parentheses or NOTs); simplify it",
            parameters=("filter",),
        ) from None


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
        raise InvalidQuery(
            "only SELECT statements run here: PartiQL only reads; items are written by a copy"
        )
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
