"""The query panel: ``QueryPanel`` (a read into a DataFrame by clicking, then head, unique
values, summary, plots and "store as")."""

from __future__ import annotations

import builtins
import io
import keyword
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import Image

from ... import api, plots
from ...api import (
    DEFAULT_HEAD,
    TableSchema,
    get_settings,
)
from .base import (
    _Panel,
)
from .code import CodeView
from .fields import (
    QUERY_FIELDS,
)

# the panel's form is a grid of two columns (``_form``): the labels, as wide as the longest (at
from .item import ItemEditor
from .layout import (
    BUTTON_WIDTH,
    CHOICE_WIDTH,
    HEAD_WIDTH,
    PageButton,
    _dropdown,
    _line_of,
    _panel_css,
)
from .pager import PageThrough
from .write import WriteToTable

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
        self.writer = WriteToTable(self, names)  # Write to table: put_df of the result
        self.code_view = CodeView(self)  # Code: the last action's code
        self.pager = PageThrough(self)  # Page size, First / Previous / Next (api.pages)
        self.item = ItemEditor(self)  # the row picker, the item as JSON, its editor
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
            *self.pager.rows(),
            ("Result", _line_of(self.head_n, self.head_button, self.summary_button), False),
            ("Column", _line_of(self.unique_column, self.unique_button), False),
            ("Plot", _line_of(self.plot_what, self.plot_button), False),
            ("Variable", _line_of(self.store_name, self.store_button), False),
            *self.writer.rows(),
            *self.code_view.rows(),
        ]
        rows = [self._form(rows), self.output, self.item.box, self.analysis, _panel_css()]
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
        for field in QUERY_FIELDS:  # another input: First and Next start a new walk
            getattr(self, field.keyword).observe(lambda _: self.pager._sync(), "value")
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
        self.pager.reset()  # Run reads the whole result (or Limit), not a page
        self.item.load(None)
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
        self.pager.set_enabled(enabled)
        self.item.set_enabled(enabled)

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
        self.pager.reset()
        self.item.load(None)
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
        self.code_view.remember("query", kwargs)  # fetch's read as query's DataFrame
        read = api.fetch(**kwargs, on_page=on_page)
        if self._scope() != scope:  # set from Python while it ran (the page disables them)
            self._refuse("the environment, table or index changed while the query ran: Run again")
            return
        self._show_read(read)
        self.error = None  # a refusal shown while it ran is over

    def _show_read(self, read: Any, page: Any = None, page_frame: Any = None) -> None:
        """Show what was read: ``read`` (everything read: ``read`` and ``result``, what the
        analysis works on) and, when paging, the current ``page`` (its ``ReadResult``) and its
        frame, which the table, the summary line and the row picker show instead."""
        self.read = read
        self.result = read.to_frame()
        self._choose_columns(read)
        self._set_analysis(True)
        self.analysis.outputs = ()  # a view of what was read before
        shown = read if page is None else page
        self._show(self.result if page_frame is None else page_frame)
        self._line(shown.summary_line(), "dynamo-summary", clear=False)
        note = self.pager.scope_note()
        if note:
            self._line(
                "Head, Unique values, Summary, Plot, Store as and Write to work on what was read"
                + note,
                "dynamo-message",
                clear=False,
            )
        self.item.load(shown)

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
        self.writer.set_enabled(enabled)

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
        self._line(text + self.pager.scope_note(), "dynamo-message", area=self.analysis)

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
            self.message = f"plot: {self.plot_what.label}{self.pager.scope_note()}"

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
        note = self.pager.scope_note()
        self._line(f"stored in {name}{replaced}{note}", clear=clear, area=self.analysis)
