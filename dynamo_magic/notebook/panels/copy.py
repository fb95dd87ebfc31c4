"""The copy panel: ``CopyPanel`` (Plan, then Copy with the confirmation a target needs,
Cancel while it runs, Restore the backup after), its copy run as a ``CopyJob``."""

from __future__ import annotations

import contextlib
import html
import threading
import time
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML

from ... import api
from ...api import (
    CopyJob,
    CopyPlan,
    CopyResult,
    Outcome,
    TableSchema,
    get_settings,
)
from ...errors import (
    CopyFailed,
    DynamoMagicError,
)
from .base import (
    _Panel,
)
from .code import CodeView
from .fields import (
    COPY_FIELDS,
)

# the panel's form is a grid of two columns (``_form``): the labels, as wide as the longest (at
from .layout import (
    ACTION_WIDTH,
    INPUT_WIDTH,
    _give_way,
    _line_of,
    _panel_css,
)
from .progress import (
    WidgetProgress,
)


def _result_table(result: CopyResult) -> str:
    """The result's rows (``CopyResult.rows``) as an HTML table under its state, leaving out
    the rows with no value (no backup, no failed-items file, no error...), as its summary
    line names only what happened: every count stays, even 0."""
    rows = [(name, value) for name, value in result.rows() if value not in ("", None)]
    table = pd.DataFrame(rows, columns=["", "value"]).set_index("").to_html()
    return f"<b>{html.escape(result.summary_line().split(':')[0])}</b>{table}"


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
        ``index``, ``pk``, ``sk_op``, ``sk``, ``sk2``, ``workers``, ``backup``,
        ``copy_settings``), put in as the magics' ``--ui`` puts it (``fill``).

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
    A copy that did not end (cancelled, stopped by an error) names its checkpoint file
    (``resume_hint``); ticking Resume (``resume``) continues the last unfinished copy of the
    same tables and slice (``resume=True``) to an exact target.
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
        # how to continue the last copy, which did not end (its checkpoint file): ``None``
        # when it ended or none ran
        self.resume_hint: str | None = None
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
        self.code_view = CodeView(self)  # Code: the last action's code
        rows += self.code_view.rows()
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
            self.code_view.remember("plan_copy", self.plan_kwargs())
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
        self.code_view.remember("copy", {k: v for k, v in kwargs.items() if k != "progress"})
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
            self._say_how_to_resume(self.result)
        except Exception as exc:
            self._error(exc)
        finally:
            self.plan, self._planned = None, None  # the target changed: plan again
            self._set_copying(False)
            self.confirm.value = False  # the next copy is confirmed anew
            self._sync_labels()
            self._shown.set()

    def _say_how_to_resume(self, result: CopyResult) -> None:
        """A copy that did not end (cancelled, stopped by an error): a line naming its
        checkpoint file and how to continue it; ``resume_hint`` keeps it. A copy that ended
        unticks Resume (the next copy starts afresh)."""
        if not result.resumable:
            self.resume_hint = None
            self.resume.value = False
            return
        self.resume_hint = (
            f"checkpoint saved: {result.checkpoint}; to continue this copy tick "
            f"'{self.resume.description}', click Plan, then Copy"
        )
        # after the summary (the failure stays the panel's error), not replacing it
        message = self.message
        self._line(self.resume_hint, "dynamo-message dynamo-resume", clear=False)
        self.message = message

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
            restore: dict[str, Any] = {
                "table": backup.table,
                "env": self._copied_to,
                "backup": backup.arn,
                "in_place": True,
                "yes": True,
            }
            self.code_view.remember("restore", restore)
            self.restored = api.restore(**restore, progress=self.progress)
            self._line(self.restored.summary_line(), "dynamo-summary")
            self.restore_confirm.value = False

        self._guarded(action)
