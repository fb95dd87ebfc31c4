"""Each input of a panel declared once: ``Field`` (API keyword, widget, conversion to the
API's value), the query and copy panels' ``FIELDS``, and how a typed key value is read from
its text."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import ipywidgets as widgets

from ...api import (
    COPY_MODES,
    SORT_KEY_OPERATORS,
    KeyAttribute,
    TableSchema,
    get_settings,
    max_workers,
)
from ...errors import (
    CredentialsMissing,
    EndpointUnreachable,
    EnvironmentNotFound,
)
from ...settings import BACKENDS

# the panel's form is a grid of two columns (``_form``): the labels, as wide as the longest (at
from .layout import (
    SMALL_WIDTH,
    _dropdown,
    _text,
)


def index_options(schema: TableSchema) -> list[tuple[str, str | None]]:
    """The table (``None``), then every GSI and LSI, labelled with their key names and types."""
    options: list[tuple[str, str | None]] = [(f"(table) {schema.key}", None)]
    for name, index in schema.indexes.items():
        options.append((f"{index.kind} {name}: {index.key}", name))
    return options


def typed(text: str, attribute: KeyAttribute | None) -> Any:
    """A text input's value as the API takes it: ``None`` when empty; for an N key a number
    (``"5"`` -> 5, ``"1.5"`` -> Decimal); text that is not a number stays text, so the API's
    check names the key and its type."""
    text = text.strip()
    if not text:
        return None
    if attribute is not None and attribute.type == "N":
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        if number.is_finite():
            return int(number) if number == number.to_integral_value() else number
    return text


# -- fields: each input of a panel declared once ---------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One input of a panel: the panel attribute holding it is the API keyword it gives.

    From a panel's ``FIELDS`` come its labels (``LABELS``, from the options table's ``label``
    of the keyword: errors name a keyword by them; a checkbox's row shows none, its description
    says it), its input rows (in this order), ``kwargs()``, and what the magics' ``--ui`` may
    fill (``fill``).
    """

    keyword: str  # the API's keyword (``api.fetch`` / ``api.copy``), and the panel attribute
    make: Callable[[], widgets.ValueWidget]  # the input, as a new panel shows it
    # the input's value as the API's keyword takes it, given the panel (a key value is typed
    # by the chosen index's key)
    to_api: Callable[[Any, Any], Any] = lambda panel, value: value
    ui: bool = True  # the magics' --ui fills it (the table is the line's TABLE word instead)
    plan: bool = True  # the copy panel's plan depends on it (``api.plan_copy`` takes it)


def _text_or_none(panel: Any, text: str) -> str | None:
    return text.strip() or None


def _hash_key_value(panel: Any, text: str) -> Any:
    key = panel._key()
    return typed(text, key.hash if key else None)


def _sort_key_value(panel: Any, text: str) -> Any:
    key = panel._key()
    return typed(text, key.range if key else None)


def _upper_bound(panel: Any, text: str) -> Any:
    """The second value of ``between`` (none for any other operator)."""
    return _sort_key_value(panel, text) if panel.sk_op.value == "between" else None


def _operator(panel: Any, operator: str) -> str | None:
    """The operator compares the sort key with a value: with none, no operator is sent."""
    given = _sort_key_value(panel, panel.sk.value), _upper_bound(panel, panel.sk2.value)
    return operator if given != (None, None) else None


def _limit(panel: Any, text: str) -> Any:
    """A whole number, else the text (refused by Run, naming the field)."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def _workers() -> widgets.BoundedIntText:
    return widgets.BoundedIntText(
        value=min(get_settings().workers or 4, max_workers()),
        min=1,
        max=max_workers(),  # what a copy allows (8 per CPU core, settings.max_workers)
        layout=widgets.Layout(width=SMALL_WIDTH),
    )


# the fields both panels have (a key condition on the table or one of its indexes)
TABLE = Field("table", _dropdown, ui=False)
INDEX = Field("index", lambda: _dropdown([("(table)", None)]))
SK_OP = Field("sk_op", lambda: _dropdown(SORT_KEY_OPERATORS, "="), _operator)
SK2 = Field("sk2", lambda: _text("upper bound of between"), _upper_bound)

QUERY_FIELDS: tuple[Field, ...] = (
    Field("env", _dropdown),
    TABLE,
    INDEX,
    Field("pk", lambda: _text("partition key value"), _hash_key_value),
    SK_OP,
    Field("sk", lambda: _text("sort key value (optional)"), _sort_key_value),
    SK2,
    Field("filter", lambda: _text("e.g. status = 'open'"), _text_or_none),
    Field("columns", lambda: _text("a,b,addr.city (empty: all)"), _text_or_none),
    Field("limit", lambda: _text("items at most (empty: all)"), _limit),
)
COPY_FIELDS: tuple[Field, ...] = (
    Field("source", _dropdown),
    Field("target", _dropdown),
    TABLE,
    Field("target_table", lambda: _text("same as the source table"), _text_or_none),
    Field("mode", lambda: _dropdown(COPY_MODES, "replace")),
    INDEX,
    Field(
        "pk",
        lambda: _text("slice: partition key (empty: whole table)"),
        _hash_key_value,
    ),
    SK_OP,
    Field("sk", lambda: _text("slice: sort key (optional)"), _sort_key_value),
    SK2,
    Field("workers", _workers, plan=False),
    # a Dask cluster's workers, offered where distributed is installed (dynamo_magic[dask])
    *(
        (
            Field("backend", lambda: _dropdown(BACKENDS, "auto"), plan=False),
            Field(
                "scheduler",
                lambda: _text("tcp://HOST:8786 (empty: the active Client)"),
                _text_or_none,
                plan=False,
            ),
        )
        if importlib.util.find_spec("distributed") is not None
        else ()
    ),
    Field(
        "max_write_units",
        lambda: _text("unlimited (units/s, or P% of the target's)"),
        _text_or_none,
    ),
    Field(
        "max_read_units", lambda: _text("unlimited (units/s, or P% of the source's)"), _text_or_none
    ),
    Field(
        "backup",
        lambda: widgets.Checkbox(value=True, description="back up the target first", indent=False),
    ),
    Field(
        "copy_settings",
        lambda: widgets.Checkbox(
            value=False,
            description="give a created target the source's TTL, stream, PITR, tags, deletion "
            "protection",
            indent=False,
        ),
    ),
    Field(
        "resume",
        lambda: widgets.Checkbox(
            value=False,
            description="resume the last unfinished copy of these tables from its checkpoint",
            indent=False,
        ),
    ),
)
# what to do in a panel instead of an option of the magic line that it has no input for
INSTEAD = {
    "yes": "tick the confirmation in the panel",
    "dry_run": "click Plan in the panel",
    "head": "use the panel's Head button",
    "unique": "use the panel's Unique values button",
    "summary": "use the panel's Summary button",
    "plot": "use the panel's Plot button",
    "progress": "the panel always shows its progress bar",
    "page_size": "set the panel's Page size and click First",
}
NO_INPUT = "the panel has no input for it; run the line without --ui"
# an environment that cannot be used (whatever the request): the error is its field's
ENVIRONMENT_ERRORS = (EnvironmentNotFound, CredentialsMissing, EndpointUnreachable)
