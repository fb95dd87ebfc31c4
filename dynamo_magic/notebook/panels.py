"""ipywidgets panels for querying and copying: ``QueryPanel`` and ``CopyPanel``.

A panel is a ``VBox`` (display it, or put it in another box); each input is declared once, in
the panel's ``FIELDS`` (API keyword, label, widget, conversion to the API's value), from which
its rows, ``kwargs()`` and the magics' ``--ui`` filling (``ui_options``, ``fill``) follow.

A panel holds no DynamoDB logic: its buttons call the same ``api`` functions as the magics,
with the keywords its input widgets give (``panel.pk.value`` is what ``pk=`` takes). Click
handlers never raise: a ``DynamoMagicError`` becomes one line in the output area, naming the
panel's field labels; they also enforce their own rules (a plan before a copy, the confirmation)
when called from Python while their button is disabled.

Every control carries the CSS class ``dynamo-`` + its attribute name (``_`` as ``-``), the
panels ``dynamo-query-panel`` / ``dynamo-copy-panel``, the buttons also ``dynamo-run``,
``dynamo-plan``, ``dynamo-copy``, ``dynamo-cancel``, the output area ``dynamo-output`` (and
the query panel's analysis area, below it, ``dynamo-analysis``): browser tests find them by
these.

Each action starts ``error`` (``None``: it went well) and ``message`` (the last line it showed)
afresh.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import html
import io
import keyword
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, Image
from traitlets import TraitError

from .. import api, plots
from ..api import (
    COPY_MODES,
    DEFAULT_HEAD,
    SORT_KEY_OPERATORS,
    CopyJob,
    CopyPlan,
    CopyResult,
    KeyAttribute,
    KeySchema,
    Outcome,
    TableSchema,
    default_operator,
    get_settings,
    max_workers,
)
from ..errors import (
    CopyFailed,
    CredentialsMissing,
    DynamoMagicError,
    EndpointUnreachable,
    EnvironmentNotFound,
    UsageProblem,
    literal,
)
from ..options import label_of
from ..progress_bars import BAR_STYLES, ENDINGS, PhaseBar

# the panel's form is a grid of two columns (``_form``): the labels, as wide as the longest (at
# least LABEL_WIDTH), and the inputs, INPUT_WIDTH where the page has room and narrower on a
# narrow one; what runs on past the inputs (a checkbox's text, the run status, the progress
# text) takes the rest of the line
LABEL_WIDTH = "110px"
COLUMNS = f"minmax({LABEL_WIDTH}, max-content) minmax(0, 1fr)"
INPUT_WIDTH = "340px"  # an input (and the progress bar, which ends where the inputs end)
INPUT_COLUMN = "344px"  # an input and its margins (2 px each side): where a line of controls ends
MIN_INPUT_WIDTH = "120px"  # on a narrow page a choice beside a button shrinks to this, then wraps
CHOICE_WIDTH = "200px"  # a dropdown or name beside a button (analysis rows)
BUTTON_WIDTH = "136px"  # analysis buttons: a choice and a button end where the inputs end
ACTION_WIDTH = "110px"  # Plan, Copy, Cancel: the three end where the inputs end
HEAD_WIDTH = "60px"  # the number of rows for Head: it and two buttons end there too
SMALL_WIDTH = "80px"  # a number input (workers)
# ipywidgets keeps a label or checkbox text on one line, cut with "…" where it does not fit:
# these texts (long checkbox descriptions, the progress and run status) wrap in their column
PANEL_CSS = """<style>
.dynamo-copy-panel .widget-checkbox .widget-label-basic,
.dynamo-copy-panel .dynamo-progress .widget-label, .dynamo-query-panel .dynamo-status {
  white-space: normal; overflow-wrap: anywhere; line-height: 20px; padding: 4px 0;
  box-sizing: border-box; height: auto; min-height: var(--jp-widgets-inline-height);
}
.dynamo-copy-panel .widget-checkbox {
  min-height: var(--jp-widgets-inline-height); align-items: center;
}
</style>"""


# -- helpers -------------------------------------------------------------------------------------
# what the query panel's Plot button draws (label -> choice)
PLOTS = {
    "values of the column": "column",
    "item sizes": "sizes",
    "items per partition key": "partitions",
}


def _png(figure: Any) -> bytes:
    """The figure as PNG bytes (shown in the output area with or without a kernel), closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


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


def _result_table(result: CopyResult) -> str:
    """The result's rows (``CopyResult.rows``) as an HTML table under its state, leaving out
    the rows with no value (no backup, no failed-items file, no error...), as its summary
    line names only what happened: every count stays, even 0."""
    rows = [(name, value) for name, value in result.rows() if value not in ("", None)]
    table = pd.DataFrame(rows, columns=["", "value"]).set_index("").to_html()
    return f"<b>{html.escape(result.summary_line().split(':')[0])}</b>{table}"


Row = tuple[str, widgets.Widget, bool]  # a label, its control, whether it runs past the inputs


def _form(rows: list[Row]) -> widgets.GridBox:
    """The rows in a grid (``COLUMNS``): each label, then its control, which fills the input
    column up to ``INPUT_WIDTH`` (a line of controls: up to where the inputs end; ``wide``:
    to the end of the line); a control with a width of its own keeps it."""
    cells = []
    for label, control, wide in rows:
        layout = control.layout
        if layout.width is None:
            layout.width = "auto"
            if not wide:
                box = isinstance(control, widgets.Box)
                layout.max_width = INPUT_COLUMN if box else INPUT_WIDTH
        layout.min_width = "0"
        cells += [widgets.Label(label), control]
    layout = widgets.Layout(
        grid_template_columns=COLUMNS, align_items="center", width="100%", overflow="visible"
    )
    return widgets.GridBox(cells, layout=layout)


def _line_of(*controls: widgets.Widget) -> widgets.HBox:
    """Controls sharing one row of the input column while it fits: a choice gives way down to
    ``MIN_INPUT_WIDTH`` and a button down to its text, then they wrap onto further lines."""
    for control in controls:
        layout = control.layout
        if isinstance(control, widgets.Button):  # its width where the line has room
            layout.flex, layout.min_width, layout.max_width = (
                ("1 1 max-content", "max-content", layout.width)
                if layout.width
                else ("0 1 auto", "max-content", None)
            )
        elif isinstance(control, widgets.Label | widgets.Checkbox):  # its text wraps
            layout.flex, layout.min_width = "0 1 auto", "0"
        elif layout.width in (CHOICE_WIDTH, INPUT_WIDTH):
            _give_way(control)
        else:  # a small input keeps its width
            layout.flex = "0 0 auto"
    return widgets.HBox(
        list(controls), layout=widgets.Layout(flex_flow="row wrap", align_items="center")
    )


def _give_way(control: widgets.Widget) -> None:
    """As wide as its width where the line has room, down to ``MIN_INPUT_WIDTH``."""
    layout = control.layout
    layout.flex, layout.min_width = f"1 1 {MIN_INPUT_WIDTH}", MIN_INPUT_WIDTH
    layout.max_width = layout.width


def _panel_css() -> widgets.HTML:
    """The panels' CSS (a hidden ``<style>``): long checkbox descriptions and progress text
    wrap inside their column instead of being cut."""
    return widgets.HTML(PANEL_CSS, layout=widgets.Layout(display="none"))


def _text(placeholder: str = "") -> widgets.Text:
    return widgets.Text(placeholder=placeholder)


def _dropdown(options: Any = (), value: Any = None) -> widgets.Dropdown:
    box = widgets.Dropdown(options=list(options))
    if value is not None:
        box.value = value
    return box


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
    Field(
        "backup",
        lambda: widgets.Checkbox(value=True, description="back up the target first", indent=False),
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
}
NO_INPUT = "the panel has no input for it; run the line without --ui"
# an environment that cannot be used (whatever the request): the error is its field's
ENVIRONMENT_ERRORS = (EnvironmentNotFound, CredentialsMissing, EndpointUnreachable)


class PageButton(widgets.Button):  # type: ignore[misc]  # ipywidgets has no types
    """A ``Button`` whose clicks on the page call ``on_page_click`` (when set) instead of the
    click handlers: the page's Run starts the query in the background, while ``click()`` from
    Python runs the handlers and returns when they are done."""

    on_page_click: Callable[[], None] | None = None

    def _handle_button_msg(self, _: Any, content: dict[str, Any], buffers: Any) -> None:
        if content.get("event", "") == "click" and self.on_page_click is not None:
            self.on_page_click()
        else:
            super()._handle_button_msg(_, content, buffers)


class _Panel(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no types
    """What both panels share: a ``VBox`` (displaying the panel shows it, as
    ``ipywidgets.interactive`` does) of input rows built from ``FIELDS``, the output area,
    one-line errors."""

    FIELDS: ClassVar[tuple[Field, ...]] = ()
    LABELS: ClassVar[dict[str, str]] = {}  # keyword -> label, from FIELDS and the options table
    COMMAND = ""  # the command whose options the fields set (options.label_of)
    PANEL_CLASS = ""

    output: widgets.Output
    error: str | None = None  # the last error or refusal shown (None: the last action went well)
    problem: DynamoMagicError | None = None  # the error behind ``error`` (None: a refusal)
    _error_area: widgets.Output | None = None  # where it is shown
    _error_about: str | None = None  # the field whose value it refuses (None: not one field)
    message = ""  # the last line the last action showed
    # the controls both panels have; ENV_FIELD names the dropdown tables are listed from (the
    # query panel's env, the copy panel's source)
    ENV_FIELD = "env"
    ENVIRONMENT_FIELDS: ClassVar[tuple[str, ...]] = ("env",)  # the fields naming an environment
    table: widgets.Dropdown
    index: widgets.Dropdown
    sk_op: widgets.Dropdown
    _sk2_row: tuple[widgets.Widget, ...]  # the label and input of the upper bound
    schema: TableSchema | None = None
    result: Any = None  # what the last Run or Copy gave
    _thread: threading.Thread | None = None  # a Run clicked on the page (a copy: a CopyJob)
    _sk_op_chosen = False  # the operator was chosen (a click, or .value set), not defaulted
    _sk_op_defaulting = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.LABELS = {field.keyword: label_of(field.keyword, cls.COMMAND) for field in cls.FIELDS}

    def _make_inputs(self) -> None:
        """Each field's input, as the attribute named by its keyword."""
        for field in self.FIELDS:
            setattr(self, field.keyword, field.make())

    def _field_rows(self) -> list[Row]:
        """One labelled row per field, in ``FIELDS`` order; a checkbox's text runs on past
        the inputs (its description is its label)."""
        rows = []
        for field in self.FIELDS:
            control = getattr(self, field.keyword)
            box = isinstance(control, widgets.Checkbox)
            rows.append(("" if box else self.LABELS[field.keyword], control, box))
        return rows

    def _form(self, rows: list[Row]) -> widgets.GridBox:
        """The grid of rows; ``sk2``'s (label and input) is shown for ``between`` only."""
        form = _form(rows)
        cells = list(form.children)
        at = cells.index(self.sk2)
        self._sk2_row = (cells[at - 1], self.sk2)
        return form

    def kwargs(self) -> dict[str, Any]:
        """The keywords the API gets from the inputs (empty text: not given)."""
        return {
            field.keyword: field.to_api(self, getattr(self, field.keyword).value)
            for field in self.FIELDS
        }

    # the magics' --ui: a panel opened from a magic line, filled with its options
    @classmethod
    def ui_options(cls) -> tuple[str, ...]:
        """The API keywords a magic line opening this panel may give (one input each)."""
        return tuple(field.keyword for field in cls.FIELDS if field.ui)

    @classmethod
    def check_ui_options(cls, given: Iterable[str]) -> None:
        """``UsageProblem`` naming (as ``{keyword}``) the first option given that the panel
        has no input for: it would be dropped."""
        refused = sorted(k for k in given if k not in cls.ui_options())
        if refused:
            keyword = refused[0]
            instead = INSTEAD.get(keyword, NO_INPUT)
            raise UsageProblem(
                f"{{{keyword}}} cannot be used with --ui: {instead}", parameters=(keyword,)
            )

    def fill(self, values: Mapping[str, Any]) -> None:
        """Put each value into the input of its keyword, in ``FIELDS`` order (the index before
        the operator: the panel adapts the operator to the index's key). A value the input
        cannot hold (an index the table lacks, a number beyond a bounded input) is a
        ``UsageProblem`` naming the keyword as ``{keyword}``; an index is skipped when the
        table did not load (the panel's error says why)."""
        for field in self.FIELDS:
            name = field.keyword
            if name not in values or not field.ui:
                continue
            value = values[name]
            control = getattr(self, name)
            if name == "index":
                if self.schema is None:
                    continue
                names = [v for _, v in control.options if v is not None]
                if value not in names:
                    have = ", ".join(map(str, names)) or "none"
                    raise UsageProblem(
                        f"{{index}}: table {literal(repr(self.table.value))} has no index "
                        f"{literal(repr(value))}; its indexes: {literal(have)}",
                        parameters=("index",),
                    )
            elif isinstance(control, widgets.Dropdown):
                choices = [o[1] if isinstance(o, tuple) else o for o in control.options]
                if value not in choices:
                    have = ", ".join(map(str, choices)) or "none"
                    raise UsageProblem(
                        f"{{{name}}} {literal(repr(value))} is not one of its choices: "
                        f"{literal(have)}",
                        parameters=(name,),
                    )
            elif isinstance(control.value, str) and not isinstance(value, str):
                value = str(value)  # a text input: --limit 3 is "3"
            with contextlib.suppress(TraitError, TypeError, ValueError):  # a type it cannot hold
                control.value = value
            if control.value != value:  # refused, or clipped by a bounded input
                raise UsageProblem(
                    f"{{{name}}} {literal(repr(value))}: the panel cannot take it",
                    parameters=(name,),
                )

    def _check_keywords(self, values: Mapping[str, Any], others: Iterable[str]) -> None:
        """``TypeError`` for a keyword given to the constructor that is no field of the panel
        (nor one of ``others``), naming those it takes."""
        takes = [*(field.keyword for field in self.FIELDS), *others]
        unknown = [name for name in values if name not in takes]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got an unexpected keyword argument {unknown[0]!r}; "
                f"it takes {', '.join(takes)}"
            )

    def _open(self, table: str | None, values: Mapping[str, Any]) -> None:
        """A new panel's start: the tables of its environment, the table given, then the
        other values given (``fill``: the same checks as the magics' ``--ui``). Each refusal
        is the panel's one-line error (the first one stays shown), never an exception."""
        self._guarded(self._load_tables, about=self.ENV_FIELD)
        for name in self.ENVIRONMENT_FIELDS:
            if name != self.ENV_FIELD:
                self._then(functools.partial(self._check_environment, name), name)
        if table is not None:
            self._then(lambda: self._choose_table(table), "table")
        if values:
            self._then(lambda: self.fill(values))

    def _then(self, action: Callable[[], None], about: str | None = None) -> None:
        """One more step of the panel's start (``_guarded``); an error shown before it stays
        shown (and in ``error``), whether the step went well or failed too."""
        earlier = (self.error, self.message, self.problem, self._error_area, self._error_about)
        self._guarded(action, about=about)
        if earlier[0] is None:
            return
        if self.error is not None:
            self._line(earlier[0], "dynamo-error", area=earlier[3])
        self.error, self.message, self.problem, self._error_area, self._error_about = earlier

    def _check_environment(self, name: str) -> None:
        """The environment the field ``name`` holds is one a name can resolve to (an
        environment field that lists no tables: the copy's target, which may not have the
        right to). A name not listed resolves to nothing: ``list_tables`` refuses it, with the
        error every front end gives, before it sends any request."""
        value = getattr(self, name).value
        if value is not None and value not in api.list_environments():
            api.list_tables(value)

    def wait(self, timeout: float | None = None) -> Any:
        """Wait for what runs in the background (a Run clicked on the page, a copy); its
        result (``None`` when it failed)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.result

    def _table_env(self) -> str | None:
        value: str | None = getattr(self, self.ENV_FIELD).value
        return value

    # choices: tables of the environment, indexes of the table
    def _load_tables(self) -> None:
        """The tables of the chosen environment; the table chosen before stays chosen when
        the environment has one of that name (else the first table)."""
        previous = self.table.value
        self.table.options = []
        self.schema = None
        self.index.options = [("(table)", None)]
        if self._table_env() is None:
            return
        names = api.list_tables(self._table_env())
        self.table.options = names
        self.table.value = previous if previous in names else (names[0] if names else None)

    def _choose_table(self, table: str) -> None:
        if table not in self.table.options:  # not listed (no ListTables right, say): offer it
            self.table.options = [*self.table.options, table]
        self.table.value = table

    def _load_indexes(self) -> None:
        self.schema = None
        self.index.options = [("(table)", None)]
        if self.table.value is None:
            return
        self.schema = api.describe(self.table.value, env=self._table_env())
        self.index.options = index_options(self.schema)
        self.index.index = 0  # the table (value None; setting value None would select nothing)
        self._fit_sk_op()

    def _sync_sk2(self) -> None:
        for cell in self._sk2_row:
            cell.layout.display = "" if self.sk_op.value == "between" else "none"

    def _key(self) -> KeySchema | None:
        """The key of the chosen index (or table), once the table is described."""
        if self.schema is None:
            return None
        try:
            return self.schema.key_for(self.index.value)
        except DynamoMagicError:
            return None

    def _name_of(self, keyword: str) -> str:
        return f"'{self.LABELS.get(keyword, keyword)}'"

    def _tag(self) -> None:
        """CSS classes: ``dynamo-`` + attribute name for every control."""
        for name, value in vars(self).items():
            if isinstance(value, widgets.DOMWidget) and not name.startswith("_"):
                value.add_class("dynamo-" + name.replace("_", "-"))
        self.output.add_class("dynamo-output")
        self.add_class(self.PANEL_CLASS)

    def _show(self, *objects: Any, clear: bool = True, area: widgets.Output | None = None) -> None:
        """Display ``objects`` in ``area`` (the output area unless given), replacing what it
        showed unless ``clear`` is false."""
        area = self.output if area is None else area
        if clear:
            area.outputs = ()
        for obj in objects:
            area.append_display_data(obj)

    def _line(
        self,
        text: str,
        css: str = "dynamo-message",
        clear: bool = True,
        area: widgets.Output | None = None,
    ) -> None:
        """One line in the output area (text/plain and HTML); ``message`` says it."""
        self._show(HTML(f'<div class="{css}">{html.escape(text)}</div>'), clear=clear, area=area)
        self.message = text

    def _refuse(self, text: str, area: widgets.Output | None = None) -> None:
        """A refusal or a missing input: one error line, and ``error`` says it."""
        self._line(text, "dynamo-error", area=area)
        self.error, self.problem, self._error_about = text, None, None
        self._error_area = self.output if area is None else area

    def _error(
        self, exc: BaseException, area: widgets.Output | None = None, about: str | None = None
    ) -> None:
        if isinstance(exc, ENVIRONMENT_ERRORS) and about not in self.ENVIRONMENT_FIELDS:
            about = self._environment_field(exc, about)
        if isinstance(exc, DynamoMagicError):
            text = self._render(exc, about)
        else:  # never out of a click handler: one line, the type named
            text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        self._refuse(text.splitlines()[0] if text else type(exc).__name__, area)
        if isinstance(exc, DynamoMagicError):
            self.problem, self._error_about = exc, about or self._field_of(exc)

    def _environment_field(self, exc: DynamoMagicError, about: str | None) -> str | None:
        """The field of the environment an environment's error is about: loading the table,
        the one its tables are listed from; else the one holding the error's ``env``."""
        if about == "table":
            return self.ENV_FIELD
        held = [f for f in self.ENVIRONMENT_FIELDS if getattr(self, f).value == exc.env]
        return held[0] if exc.env is not None and len(held) == 1 else about

    def _field_of(self, exc: DynamoMagicError) -> str | None:
        """The one field of this panel whose value the error refuses without naming it in a
        ``{field}`` of its text (a key of the wrong type, a bad filter), else ``None``."""
        if any(f"{{{keyword}}}" in exc.template for keyword in exc.parameters):
            return None  # its text names its parameters itself
        fields = [keyword for keyword in exc.parameters if keyword in self.LABELS]
        return fields[0] if len(fields) == 1 else None

    def _render(self, exc: DynamoMagicError, about: str | None = None) -> str:
        """The error's one line, its parameters named by the panel's field labels; an error
        about one field (``about``, or the one parameter its text does not name) that does
        not name it starts with its label (``'Partition key': ...``)."""
        line = exc.render(self._name_of)
        field = about or self._field_of(exc)
        if field is not None and self._name_of(field) not in line:
            line = f"{self._name_of(field)}: {line}"
        return line

    def _guarded(
        self,
        action: Callable[[], None],
        area: widgets.Output | None = None,
        about: str | None = None,
    ) -> None:
        """Run one action: ``error`` and ``message`` start afresh (``None`` and ``""``: an
        action that went well leaves no earlier error behind), and an exception becomes one
        error line in ``area`` (about the field ``about`` when the action handles one)."""
        self.error, self.message, self.problem, self._error_about = None, "", None, None
        try:
            action()
        except Exception as exc:
            self._error(exc, area, about)

    def _reload(self, load: Callable[[], None], about: str) -> None:
        """The field ``about`` changed (an environment, the table): reload the choices (or
        check the value) it gives; an error line shown for the earlier inputs is stale now
        and goes away, unless it is about another environment, which still holds the value
        it refused."""
        earlier = (self.error, self.message, self.problem, self._error_area, self._error_about)
        self._guarded(load, about=about)
        if earlier[0] is None or self.error is not None:
            return
        if earlier[4] != about and earlier[4] in self.ENVIRONMENT_FIELDS:
            self.error, self.message, self.problem, self._error_area, self._error_about = earlier
        elif earlier[3] is not None:
            earlier[3].outputs = ()

    def _fit_sk_op(self) -> None:
        """The operator the API takes when none is given (``expressions.default_operator``:
        ``begins_with`` on a string or binary sort key, ``=`` on a number one) until one is
        chosen; a chosen ``begins_with`` becomes ``=`` on a number key, which has none."""
        key = self._key()
        if key is None:
            return
        number = key.range is not None and key.range.type == "N"
        if not self._sk_op_chosen or (number and self.sk_op.value == "begins_with"):
            self._sk_op_defaulting = True
            try:
                self.sk_op.value = default_operator(key)
            finally:
                self._sk_op_defaulting = False

    def _watch_sk_op(self) -> None:
        """Show the upper bound's row for ``between``; remember that an operator was chosen."""

        def changed(_: Any) -> None:
            self._sync_sk2()
            if not self._sk_op_defaulting:
                self._sk_op_chosen = True

        self.sk_op.observe(changed, "value")


# -- the query panel -----------------------------------------------------------------------------
# the query's inputs: disabled while a Run runs
QUERY_INPUTS: tuple[str, ...] = tuple(field.keyword for field in QUERY_FIELDS)
# what the result is read from: a change of one clears the result (it would sit under inputs
# that name another table)
RESULT_SCOPE: tuple[str, ...] = ("env", "table", "index")
# the analysis row: disabled while a Run runs and while there is no result
ANALYSIS_CONTROLS: tuple[str, ...] = (
    *("head_n", "head_button", "summary_button", "unique_column", "unique_button"),
    *("plot_what", "plot_button", "store_name", "store_button"),
)


class QueryPanel(_Panel):
    """Query a table or index into a DataFrame by clicking.

    Parameters
    ----------
    env : str, optional
        The environment chosen first (else the configured default, else the first one).
    table : str, optional
        The table chosen first.
    namespace : dict, optional
        Where "store as" puts the result (default: the IPython user namespace).
    **values
        Any other field's starting value, by its keyword (``index``, ``pk``, ``sk_op``,
        ``sk``, ``sk2``, ``filter``, ``columns``, ``limit``), put in as the magics' ``--ui``
        puts it (``fill``).

    Raises
    ------
    TypeError
        A keyword that is no field of the panel (the message lists those it takes). A bad
        environment, table or value is no exception: it is the panel's one-line ``error``.

    Examples
    --------
    >>> panel = dynamo_magic.QueryPanel(env="dev", table="orders", pk="c1")  # doctest: +SKIP
    >>> panel.limit.value = "10"; panel.run_button.click(); panel.result  # doctest: +SKIP
    """

    FIELDS = QUERY_FIELDS
    COMMAND = "query"
    PANEL_CLASS = "dynamo-query-panel"

    def __init__(
        self,
        env: str | None = None,
        table: str | None = None,
        *,
        namespace: dict[str, Any] | None = None,
        **values: Any,
    ):
        super().__init__(layout=widgets.Layout(width="100%"))
        self._check_keywords(values, ("namespace",))
        self._namespace = namespace
        self.schema: TableSchema | None = None
        self.read: Any = None  # the ReadResult of the last run
        self.result: Any = None  # its DataFrame
        self.message = ""
        self.error: str | None = None
        self.output = widgets.Output(layout=widgets.Layout(width="100%", overflow="auto"))
        # Head, Unique values, Summary, Plot and Store as show here, below the result
        self.analysis = widgets.Output(layout=widgets.Layout(width="100%", overflow="auto"))
        self.view: Any = None  # the last Unique values / Summary frame
        self._ran = False  # a Run was tried (a failed one leaves no result)
        self._running = False
        self._thread: threading.Thread | None = None  # a Run clicked on the page
        known = api.list_environments()
        names = known + [e for e in (env,) if e and e not in known]
        start = env or get_settings().default_env or "default"
        self._make_inputs()
        self.env.options = names  # the first chosen, unless the one to start with is there
        if start in names:
            self.env.value = start
        self.run_button = PageButton(description="Run", button_style="primary", icon="play")
        self.status = widgets.Label("")
        self.head_n = widgets.BoundedIntText(
            value=DEFAULT_HEAD, min=1, max=10_000, layout=widgets.Layout(width=HEAD_WIDTH)
        )
        self.head_button = widgets.Button(description="Head")
        self.unique_column = _dropdown()
        self.unique_button = widgets.Button(description="Unique values")
        self.summary_button = widgets.Button(description="Summary")
        self.plot_what = _dropdown(list(PLOTS.items()), "column")
        self.plot_button = widgets.Button(description="Plot")
        self.store_name = widgets.Text(placeholder="variable")
        self.store_button = widgets.Button(description="Store as")
        # the analysis: one labelled row per action, each as wide as the inputs above
        for choice in (self.unique_column, self.plot_what, self.store_name):
            choice.layout.width = CHOICE_WIDTH
        for button in (
            *(self.head_button, self.summary_button, self.unique_button),
            *(self.plot_button, self.store_button),
        ):
            button.layout.width = BUTTON_WIDTH
        rows = [
            *self._field_rows(),
            ("", _line_of(self.run_button, self.status), True),
            ("Result", _line_of(self.head_n, self.head_button, self.summary_button), False),
            ("Column", _line_of(self.unique_column, self.unique_button), False),
            ("Plot", _line_of(self.plot_what, self.plot_button), False),
            ("Variable", _line_of(self.store_name, self.store_button), False),
        ]
        rows = [self._form(rows), self.output, self.analysis, _panel_css()]
        self.children = rows
        self._tag()
        self.run_button.add_class("dynamo-run")
        self._sync_sk2()
        self._watch_sk_op()
        for name in RESULT_SCOPE:  # before the reloads: they may fail and show an error
            getattr(self, name).observe(lambda _: self._scope_changed(), "value")
        self.env.observe(lambda _: self._reload(self._load_tables, "env"), "value")
        self.table.observe(lambda _: self._reload(self._load_indexes, "table"), "value")
        self.index.observe(lambda _: self._fit_sk_op(), "value")
        self.run_button.on_click(lambda _: self.run())
        self.run_button.on_page_click = lambda: self.run(background=True)
        self.head_button.on_click(lambda _: self.show_head())
        self.unique_button.on_click(lambda _: self.show_unique())
        self.summary_button.on_click(lambda _: self.show_summary())
        self.plot_button.on_click(lambda _: self.show_plot())
        self.store_button.on_click(lambda _: self.store())
        self._set_analysis(False)
        self._open(table, values)

    # running
    def run(self, background: bool = False) -> None:
        """The Run button: query (or preview without a key) and show the DataFrame.

        The earlier result goes first: a failed Run leaves ``result`` ``None`` and the analysis
        row disabled until a Run succeeds. Run, every input and the analysis row are disabled
        and ``status`` says "running…" (then the items read so far) until the query ends.
        With ``background`` (a click on the page) the query runs in a thread, so the kernel
        stays free; ``wait()`` joins it. Called from Python (``run()``,
        ``run_button.click()``) it returns when the query has ended.
        """
        if self.running:
            self._refuse("run refused: a query is running")
            return
        self._running = True
        self.error, self.message = None, ""
        self._ran = True
        self.read, self.result, self.view = None, None, None
        self._set_analysis(False)
        self.output.outputs = ()
        self.analysis.outputs = ()
        self.run_button.disabled = True
        self._set_inputs(False)
        self.status.value = "running…"
        if background:
            self._thread = threading.Thread(target=self._run_to_end, daemon=True)
            self._thread.start()
        else:
            self._run_to_end()

    @property
    def running(self) -> bool:
        """Whether a query is running."""
        return self._running

    def _run_to_end(self) -> None:
        try:
            self._guarded(self._run)
        finally:
            self._running = False
            self._set_inputs(True)
            self.run_button.disabled = False
            self.status.value = ""

    def _set_inputs(self, enabled: bool) -> None:
        for name in QUERY_INPUTS:
            getattr(self, name).disabled = not enabled

    def _scope(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name).value for name in RESULT_SCOPE)

    def _scope_changed(self) -> None:
        """Another environment, table or index: the result (of the one before) goes, as a
        failed Run's does; the analysis row waits for the next Run. A running query's result
        is dropped when it ends (``_run``)."""
        if self.running or (self.read is None and not self._ran):
            return
        self.read, self.result, self.view = None, None, None
        self._ran = False  # the analysis buttons say "run a query first"
        self._set_analysis(False)
        self.output.outputs = ()
        self.analysis.outputs = ()

    def _run(self) -> None:
        if not self.table.value:
            self._refuse("choose a table")
            return
        kwargs = self.kwargs()
        if isinstance(kwargs["limit"], str):
            self._refuse(f"'Limit' must be a whole number, not {kwargs['limit']!r}")
            return
        seen = [0]

        def on_page(items: int) -> None:
            seen[0] += items
            self.status.value = f"read {seen[0]:,} items…"

        scope = self._scope()
        read = api.fetch(**kwargs, on_page=on_page)
        if self._scope() != scope:  # set from Python while it ran (the page disables them)
            self._refuse("the environment, table or index changed while the query ran: Run again")
            return
        self.read = read
        self.result = read.to_frame()
        self._choose_columns(read)
        self._set_analysis(True)
        self._show(self.result)
        self._line(read.summary_line(), "dynamo-summary", clear=False)
        self.error = None  # a refusal shown while it ran is over

    def _choose_columns(self, read: Any) -> None:
        """The result's columns in the column dropdown, one of them chosen: the earlier choice
        when the result still has it, else the partition key, else the first column."""
        previous = self.unique_column.value
        columns = [str(c) for c in self.result.columns]
        self.unique_column.options = columns
        keys = [name for name in read.key_names if name in columns]
        for choice in (previous, *keys[:1], *columns[:1]):
            if choice in columns:
                self.unique_column.value = choice
                return
        self.unique_column.value = None

    def _set_analysis(self, enabled: bool) -> None:
        for name in ANALYSIS_CONTROLS:
            getattr(self, name).disabled = not enabled

    def _need_result(self, rows: bool = True) -> bool:
        """Whether there is a result to work on (with ``rows``: a non-empty one); else one
        error line in the analysis area says why not."""
        if self.running:
            self._refuse("a query is running: wait for its result", self.analysis)
            return False
        if self.read is None:
            if self._ran:
                self._refuse(
                    "no result: the last Run failed; fix the inputs and Run", self.analysis
                )
            else:
                self._refuse("run a query first", self.analysis)
            return False
        if rows and len(self.result) == 0:
            self._refuse("the result is empty (0 items): nothing to analyse", self.analysis)
            return False
        return True

    def _analyse(self, action: Callable[[], None]) -> None:
        """An analysis button: errors as one line in the analysis area, the result stays."""
        self._guarded(action, self.analysis)

    def _caption(self, text: str) -> None:
        """The analysis area's first line: what the view below it shows."""
        self._line(text, "dynamo-message", area=self.analysis)

    def _column(self) -> str | None:
        column: str | None = self.unique_column.value
        if column is None:
            self._refuse("choose a column", self.analysis)
        return column

    # analysis of the result, without re-querying
    def show_head(self) -> None:
        """Head: the first N rows of the result, in the analysis area."""

        def action() -> None:
            if self._need_result():
                rows = min(self.head_n.value, len(self.result))
                self._caption(f"head: the first {rows:,} of {len(self.result):,} row(s)")
                self._show(self.result.head(self.head_n.value), clear=False, area=self.analysis)

        self._analyse(action)

    def show_unique(self) -> None:
        """Unique values of the chosen column, with counts, in the analysis area."""

        def action() -> None:
            if not self._need_result():
                return
            column = self._column()
            if column is None:
                return
            read = self.read
            self.view = read.unique(column)
            self._caption(f"unique values of {column}: {len(self.view):,} value(s)")
            self._show(self.view, clear=False, area=self.analysis)

        self._analyse(action)

    def show_summary(self) -> None:
        """The attribute summary of the result, in the analysis area."""

        def action() -> None:
            if not self._need_result():
                return
            read = self.read
            self.view = read.summary()
            self._caption(f"summary of {len(self.result):,} item(s)")
            self._show(self.view, clear=False, area=self.analysis)

        self._analyse(action)

    def show_plot(self) -> None:
        """Plot the result without re-querying (``plots``): the chosen column (a histogram of
        numbers, else bars of its values), the item sizes, or the items per partition key. A
        missing matplotlib is one line with the install hint."""

        def action() -> None:
            if not self._need_result():
                return
            what, read = self.plot_what.value, self.read
            if what == "column":
                column = self._column()
                if column is None:
                    return
                axes = plots.plot_column(self.result, column)  # what --plot COLUMN draws
            elif what == "sizes":
                axes = plots.plot_item_sizes(read)
            else:
                axes = plots.plot_partitions(read)
            self._show(Image(data=_png(axes.figure), format="png"), area=self.analysis)
            self.message = f"plot: {self.plot_what.label}"

        self._analyse(action)

    def store(self) -> None:
        """Store the result in the notebook variable named in ``store_name``.

        Refused (one line, nothing stored): a name that is not a Python identifier, a keyword
        (``for``), a builtin (``print``), or a name the notebook already uses for anything but
        a DataFrame (``dm``, a function). A name holding a DataFrame (an earlier stored result)
        is replaced, and the line says so."""
        stale = self.error is not None  # an error line shown before goes away
        self._analyse(lambda: self._store(clear=stale))

    def _store(self, clear: bool) -> None:
        if not self._need_result(rows=False):
            return
        name = self.store_name.value.strip()
        if not name.isidentifier():
            self._refuse(f"{name!r} is not a Python variable name", self.analysis)
            return
        if keyword.iskeyword(name):
            self._refuse(f"'{name}' is a Python keyword: choose another name", self.analysis)
            return
        if hasattr(builtins, name):
            self._refuse(f"'{name}' is a Python builtin: choose another name", self.analysis)
            return
        namespace = self._namespace
        if namespace is None:
            from IPython import get_ipython

            shell = get_ipython()
            if shell is None:
                self._refuse("no IPython session to store into", self.analysis)
                return
            namespace = shell.user_ns
        replaced = ""
        if name in namespace and namespace[name] is not self.result:
            held = namespace[name]
            if not isinstance(held, pd.DataFrame):
                kind = type(held).__name__
                self._refuse(
                    f"'{name}' already holds a {kind} in the notebook: choose another name",
                    self.analysis,
                )
                return
            replaced = f" (it replaced the DataFrame {name} held)"
        namespace[name] = self.result
        self._line(f"stored in {name}{replaced}", clear=clear, area=self.analysis)


# -- progress ------------------------------------------------------------------------------------
class WidgetProgress(PhaseBar):
    """A ``Progress`` (start/advance/close) shown as an ``IntProgress`` bar and a line of text
    (phase, items of the total, items/s), ended as every bar ends (``progress_bars``): green
    and full, neutral and "cancelled", or red and "FAILED"."""

    def __init__(self) -> None:
        super().__init__()
        self.bar = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="300px"))
        _give_way(self.bar)
        self.label = widgets.Label("", layout=widgets.Layout(min_width="0"))
        self.widget = widgets.HBox([self.bar, self.label])  # the text under the bar when narrow
        self.widget.layout.flex_flow, self.widget.layout.flex = "row wrap", "1 1 auto"
        self.widget.layout.min_width = "0"
        self.widget.add_class("dynamo-progress")

    @property
    def complete(self) -> bool | None:
        """Whether the last phase (or, after ``finish``, the copy) ended as a success
        (``None`` while it runs)."""
        return None if self.outcome is None else self.outcome is Outcome.SUCCESS

    def _begin(self) -> None:
        self.bar.max = max(self.total or 0, 1)
        self.bar.value = 0
        self.bar.bar_style = ""
        self._label()

    def _draw(self, count: int) -> None:
        self._fill()
        self._label()

    def _end(self, outcome: Outcome) -> None:
        self._fill()
        self.bar.bar_style = BAR_STYLES[outcome]
        self._label()

    def _fill(self) -> None:
        """The bar as ``PhaseBar.filled`` says (the maximum first: it clips the value)."""
        value, self.bar.max = self.filled
        self.bar.value = value

    def finish(self, result: CopyResult, total: int | None = None) -> None:
        """After a copy: the bar and its text give the copy's own numbers (items written of
        ``total``, the plan's estimate; items/s as the result says), not those of the phase
        that ran last (the verify), and end as the copy did (``result.outcome``)."""
        with self._lock:
            self.running, self.outcome = False, result.outcome
            self.phase, self.items = result.operation, result.written
            self.total = self.ended_total(self.outcome, self.items, total or None)
            self._fill()
            self.bar.bar_style = BAR_STYLES[self.outcome]
            self.label.value = (
                f"{result.operation}: {result.written:,} items written, "
                f"{result.items_per_second:,.0f} items/s {ENDINGS[self.outcome]}"
            )

    def _label(self) -> None:
        total = f"/{self.total:,}" if self.total else ""
        ending = "" if self.outcome is None else f" {ENDINGS[self.outcome]}"
        self.label.value = (
            f"{self.phase}: {self.items:,}{total} items, {self.items_per_second:,.0f} items/s"
            f"{ending}"
        )


# -- the copy panel ------------------------------------------------------------------------------
# the inputs a plan depends on: changing one disables Copy until the next plan
PLAN_INPUTS: tuple[str, ...] = tuple(field.keyword for field in COPY_FIELDS if field.plan)
# the plan keeps its lines, and wraps a long one between words (a word longer than the line:
# anywhere), never a lone letter of a word on its own line
PLAN_STYLE = "white-space: pre-wrap; word-break: normal; overflow-wrap: break-word"
# what the output says when an input changed after a Plan (the plan shown went)
OUTDATED_PLAN = "the inputs changed: click Plan again"
# what cannot change while a copy runs (disabled until it ends)
COPY_INPUTS: tuple[str, ...] = (
    *(field.keyword for field in COPY_FIELDS),
    *("confirm", "restore_confirm"),
)


class CopyPanel(_Panel):
    """Plan and run a copy by clicking: Plan first, then Copy (with the confirmation a
    protected or non-empty target needs), Cancel while it runs, Restore the backup after.

    Parameters
    ----------
    source, target : str, optional
        The environments chosen first.
    table : str, optional
        The source table chosen first.
    **values
        Any other field's starting value, by its keyword (``target_table``, ``mode``,
        ``index``, ``pk``, ``sk_op``, ``sk``, ``sk2``, ``workers``, ``backup``), put in as the
        magics' ``--ui`` puts it (``fill``).

    Raises
    ------
    TypeError
        A keyword that is no field of the panel (the message lists those it takes). A bad
        environment (source or target), table or value is no exception: it is the panel's
        one-line ``error``.

    Examples
    --------
    >>> panel = dynamo_magic.CopyPanel("dev", "stage", "orders")  # doctest: +SKIP
    >>> panel.plan_button.click(); panel.copy_button.click(); panel.wait()  # doctest: +SKIP

    Copy runs the copy as a ``CopyJob`` (``dynamo_magic.start_copy``), kept in ``job``: its
    ``progress()`` says how far it is, Cancel is its ``cancel()``, ``wait()`` its ``result()``.
    """

    FIELDS = COPY_FIELDS
    COMMAND = "copy"
    PANEL_CLASS = "dynamo-copy-panel"
    ENV_FIELD = "source"
    ENVIRONMENT_FIELDS = ("source", "target")

    def __init__(
        self,
        source: str | None = None,
        target: str | None = None,
        table: str | None = None,
        **values: Any,
    ):
        super().__init__(layout=widgets.Layout(width="100%"))
        self._check_keywords(values, ())
        self.schema: TableSchema | None = None
        self.plan: CopyPlan | None = None
        self.result: CopyResult | None = None
        self.restored: Any = None
        self.message = ""
        self.error: str | None = None
        self._planned: tuple[Any, ...] | None = None
        self._outdated = False  # the last plan went because an input changed after it
        self.job: CopyJob | None = None  # the last copy (``start_copy``)
        self._shown = threading.Event()  # the last copy's outcome is shown (set: none runs)
        self._shown.set()
        self._copied_to: str | None = None  # the environment the last copy wrote into
        names = api.list_environments()  # a name given that is none of them: offered, to be refused
        names += [e for e in dict.fromkeys((source, target)) if e and e not in names]
        self.output = widgets.Output(layout=widgets.Layout(width="100%", overflow="auto"))
        start = source or get_settings().default_env or "default"  # as the query panel's env
        self._make_inputs()
        self.source.options = names  # the first chosen, unless the one to start with is there
        if start in names:
            self.source.value = start
        self.target.options = names
        if target in names:
            self.target.value = target
        else:  # never a default target: the user picks where to write
            self.target.index = None
        self.confirm = widgets.Checkbox(
            value=False, indent=False, layout=widgets.Layout(width="auto")
        )
        self.plan_button = widgets.Button(description="Plan", icon="list")
        self.copy_button = widgets.Button(
            description="Copy", button_style="danger", icon="copy", disabled=True
        )
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", disabled=True)
        self.restore_button = widgets.Button(description="Restore backup", disabled=True)
        self.restore_confirm = widgets.Checkbox(
            value=False, indent=False, layout=widgets.Layout(width="auto")
        )
        self._progress = WidgetProgress()
        self.progress = self._progress
        for button in (self.plan_button, self.copy_button, self.cancel_button):
            button.layout.width = ACTION_WIDTH
        self._progress.bar.layout.width = INPUT_WIDTH  # the bar as wide as the inputs above
        _give_way(self._progress.bar)
        rows = [
            *self._field_rows(),
            ("", self.confirm, True),
            ("", _line_of(self.plan_button, self.copy_button, self.cancel_button), False),
            ("Progress", self._progress.widget, True),
            ("", _line_of(self.restore_button, self.restore_confirm), True),
        ]
        rows = [self._form(rows), self.output, _panel_css()]
        self.children = rows
        self._tag()
        for button, name in (
            (self.plan_button, "dynamo-plan"),
            (self.copy_button, "dynamo-copy"),
            (self.cancel_button, "dynamo-cancel"),
            (self.restore_button, "dynamo-restore"),
        ):
            button.add_class(name)
        self._sync_sk2()
        self._sync_labels()
        self._watch_sk_op()
        # a target chosen is checked first: the plan it outdates says so after the check
        self.target.observe(lambda _: self._reload(self._check_target, "target"), "value")
        for name in PLAN_INPUTS:
            getattr(self, name).observe(lambda _: self._inputs_changed(), "value")
        self.source.observe(lambda _: self._reload(self._load_tables, "source"), "value")
        self.table.observe(lambda _: self._reload(self._load_indexes, "table"), "value")
        self.index.observe(lambda _: self._fit_sk_op(), "value")
        self.plan_button.on_click(lambda _: self.make_plan())
        self.copy_button.on_click(lambda _: self.start_copy())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.restore_button.on_click(lambda _: self.restore())
        self._open(table, values)

    # choices
    def _check_target(self) -> None:
        self._check_environment("target")

    def _target_name(self) -> str:
        return self.target_table.value.strip() or str(self.table.value or "")

    def _sync_labels(self) -> None:
        self.confirm.description = (
            f"write into '{self._target_name()}' in env '{self.target.value or '?'}'"
            " (protected or holding items)"
        )
        backup = self.result.backup if self.result else None
        if backup is None:
            self.restore_confirm.description = "restore the backup the copy took"
        else:  # where the copy wrote, whatever the inputs say now
            self.restore_confirm.description = (
                f"restore {backup.name} over '{backup.table}' in env '{self._copied_to}'"
            )

    def _inputs(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name).value for name in PLAN_INPUTS)

    def _inputs_changed(self) -> None:
        """A plan input changed: the confirmation is withdrawn, and a plan shown for the
        inputs before is cleared (``plan`` ``None``, one line says to plan again)."""
        self.confirm.value = False  # a confirmation is for the inputs it was given with
        self._sync_labels()
        if self.plan is not None and self._planned != self._inputs() and not self.running:
            self.plan, self._planned, self._outdated = None, None, True
            self.error = None
            self._line(OUTDATED_PLAN)
        self.copy_button.disabled = (
            self.plan is None or self._planned != self._inputs() or self.running
        )

    def _name_of(self, keyword: str) -> str:
        """A parameter of an error as the panel names it: ``yes`` is the confirmation
        checkbox, by its label."""
        if keyword == "yes":
            return f"'{self.confirm.description}'"
        return super()._name_of(keyword)

    def _render(self, exc: DynamoMagicError, about: str | None = None) -> str:
        """As every panel renders it, and a confirmation asked for says to tick the checkbox
        (by its label, as ``refusal`` does), never "confirm with"."""
        box = self._name_of("yes")
        return super()._render(exc, about).replace(f"confirm with {box}", f"tick {box} to copy")

    def plan_kwargs(self) -> dict[str, Any]:
        """The keywords ``api.plan_copy`` gets from the inputs (``kwargs()``, which
        ``api.copy`` gets, without those the plan does not depend on)."""
        return {k: v for k, v in self.kwargs().items() if k in PLAN_INPUTS}

    @property
    def running(self) -> bool:
        """A copy runs, or its outcome is still being shown."""
        return not self._shown.is_set()

    def wait(self, timeout: float | None = None) -> Any:
        """Wait (at most ``timeout`` seconds) for the copy to end and its outcome to be shown;
        the result (``None`` when it failed without one). A kernel interrupt while waiting
        cancels the copy, as it does ``%dynamo_copy``'s (``CopyJob.result``)."""
        job = self.job
        if job is not None:
            deadline = None if timeout is None else time.monotonic() + timeout
            with contextlib.suppress(Exception):  # its outcome is the panel's to show
                job.result(timeout)
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            self._shown.wait(left)
        return self.result

    # plan
    def make_plan(self) -> None:
        """The Plan button: the dry run, shown; Copy is enabled for these inputs. Refused
        while a copy runs."""

        def action() -> None:
            if self.running:
                self._refuse("plan refused: a copy is running")
                return
            self.plan, self._planned, self._outdated = None, None, False
            self.copy_button.disabled = True
            if not self.table.value:
                self._refuse("choose a table")
                return
            if self.target.value is None:
                self._refuse("choose a Target environment to copy into")
                return
            inputs = self._inputs()
            self.plan = api.plan_copy(**self.plan_kwargs())
            text = html.escape(str(self.plan))
            self._planned = inputs
            self._show(HTML(f'<pre class="dynamo-plan-text" style="{PLAN_STYLE}">{text}</pre>'))
            if self.plan.confirmations:
                line = "needs confirmation: " + "; ".join(self.plan.confirmations)
            else:
                line = "plan ready: click Copy to run it"
            self._line(line, "dynamo-message", clear=False)
            self.copy_button.disabled = False

        self._guarded(action)

    # copy
    def refusal(self) -> str | None:
        """Why Copy may not run now (``None``: it may)."""
        if self.running:
            return "a copy is running"
        if self.plan is None and self._outdated:
            return "the inputs changed since the plan: click Plan again"
        if self.plan is None:
            return "no plan yet: click Plan first"
        if self._planned != self._inputs():
            return "the inputs changed since the plan: click Plan again"
        if self.plan.confirmations and not self.confirm.value:
            reasons = "; ".join(self.plan.confirmations)
            return f"{reasons}: tick '{self.confirm.description}' to copy"
        return None

    def start_copy(self) -> None:
        """The Copy button: starts the copy as a ``CopyJob`` (``api.start_copy``, kept in
        ``job``); its outcome is shown when it ends (``wait()`` waits for that)."""
        reason = self.refusal()
        if reason:
            self._refuse(f"copy refused: {reason}")
            return
        kwargs = self.kwargs() | {"yes": self.confirm.value, "progress": self.progress}
        self.result = None
        self.error = None
        self._set_copying(True)
        self._line("copying…")
        self._copied_to = kwargs["target"]
        self._shown.clear()
        try:
            self.job = api.start_copy(**kwargs)
        except Exception as exc:  # a keyword no copy can use: refused before any request
            self._copied(None, exc)
            return
        self.job.add_done_callback(self._copied)

    def _copied(self, job: CopyJob | None, refused: Exception | None = None) -> None:
        """Show how the copy ended (in the job's thread, once it has ended)."""
        try:
            try:
                if refused is not None:
                    raise refused
                assert job is not None
                self.result = job.result()
            except CopyFailed as exc:
                self.result = exc.result if isinstance(exc.result, CopyResult) else None
                if self.result is None:
                    raise
            self._progress.finish(self.result, self.plan.source_items if self.plan else None)
            self._show(HTML(_result_table(self.result)))
            line = self.result.summary_line()
            if self.result.outcome is Outcome.FAILED:  # an error, as any failed action's
                self._line(line, "dynamo-summary dynamo-error", clear=False)
                self.error, self._error_area = line, self.output
            else:  # done, or cancelled by the user: no error
                self._line(line, "dynamo-summary", clear=False)
        except Exception as exc:
            self._error(exc)
        finally:
            self.plan, self._planned = None, None  # the target changed: plan again
            self._set_copying(False)
            self.confirm.value = False  # the next copy is confirmed anew
            self._sync_labels()
            self._shown.set()

    def _set_copying(self, copying: bool) -> None:
        """While a copy runs only Cancel is enabled: Plan, Copy, Restore and every input are
        disabled (their handlers refuse too). After it, Copy waits for a new plan and Restore
        for the backup the copy took."""
        for name in COPY_INPUTS:
            getattr(self, name).disabled = copying
        self.plan_button.disabled = copying
        self.copy_button.disabled = True
        self.cancel_button.disabled = not copying
        self.restore_button.disabled = copying or not (self.result and self.result.backup)

    def cancel(self) -> None:
        """The Cancel button: every worker stops within its request in flight; the result says
        interrupted."""
        if not self.running or self.job is None:
            self._refuse("no copy is running")
            return
        self.job.cancel()
        self.error = None
        self.cancel_button.disabled = True
        self._line("cancelling…", clear=False)

    # restore
    def restore(self) -> None:
        """The Restore button: the backup the copy took, back over the target table (in place),
        only with its own confirmation ticked."""

        def action() -> None:
            if self.running:
                self._refuse("restore refused: a copy is running")
                return
            backup = self.result.backup if self.result else None
            if backup is None:
                self._refuse("no backup to restore: the last copy took none")
                return
            if not self.restore_confirm.value:
                self._refuse(f"restore refused: tick '{self.restore_confirm.description}' first")
                return
            self._line(f"restoring {backup.name}…")
            self.restored = api.restore(
                backup.table,
                env=self._copied_to,
                backup=backup.arn,
                in_place=True,
                yes=True,
                progress=self.progress,
            )
            self._line(self.restored.summary_line(), "dynamo-summary")
            self.restore_confirm.value = False

        self._guarded(action)
