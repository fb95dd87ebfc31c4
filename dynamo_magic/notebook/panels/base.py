"""What both panels share: ``_Panel``, a ``VBox`` of input rows built from ``FIELDS``, an
output area and one-line errors; environment, table and index choices; ``--ui`` filling."""

from __future__ import annotations

import contextlib
import functools
import html
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import ipywidgets as widgets
from IPython.display import HTML
from traitlets import TraitError

from ... import api
from ...api import (
    KeySchema,
    TableSchema,
    default_operator,
)
from ...errors import (
    DynamoMagicError,
    UsageProblem,
    literal,
)
from ...options import label_of
from ..tables import displayable
from .code import CodeView
from .fields import (
    ENVIRONMENT_ERRORS,
    INSTEAD,
    NO_INPUT,
    Field,
    index_options,
)

# the panel's form is a grid of two columns (``_form``): the labels, as wide as the longest (at
from .layout import (
    Row,
    _form,
)


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

    code_view: CodeView  # the Code row: the code of the last action

    @property
    def code(self) -> dict[str, str] | None:
        """The code doing what the panel's last action (Run, Plan, Copy, Restore) did:
        ``{"magic": ..., "python": ..., "cli": ...}``, the ``%dynamo_query``/``%dynamo_copy``
        line, the Python call and the ``dynamo`` command (``None`` before any action)."""
        return self.code_view.code

    def insert_code(self, which: str = "magic") -> None:
        """Put ``code[which]`` in a new cell after this one (call it from a cell; a click
        cannot add a cell: copy the texts Code shows instead); see ``CodeView.insert``."""
        self.code_view.insert(which)

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
            area.append_display_data(displayable(obj))  # a DataFrame as the table display says

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
