"""The query panel's **Write to table** (``dynamo_magic.put_df`` of the panel's result), with
the copy panel's rule: **Plan write** shows the plan (nothing written), **Write** runs it only
for the inputs and the result that plan was made for, and only with the confirm box ticked
when the plan asks for a confirmation (a protected environment, a table holding items)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from IPython.display import HTML

from ... import api
from ...errors import PartialFrame
from .layout import BUTTON_WIDTH, CHOICE_WIDTH, _dropdown, _line_of

if TYPE_CHECKING:
    from .query import QueryPanel

PLAN_STYLE = "white-space: pre-wrap; margin: 0"
# the write row's controls: disabled with the rest of the analysis row
WRITE_CONTROLS: tuple[str, ...] = (
    *("write_env", "write_table", "write_mode", "write_confirm"),
    *("write_plan_button", "write_button"),
)


class WriteToTable:
    """The write row of a ``QueryPanel`` (``panel.writer``): target environment, table and
    mode, a confirm box, Plan write and Write. ``plan`` is the last plan shown (``None``: plan
    first), ``result`` the last write's ``CopyResult``."""

    def __init__(self, panel: QueryPanel, environments: list[str]):
        self.panel = panel
        self.write_env = _dropdown(environments, panel.env.value)
        self.write_table = widgets.Text(placeholder="table (default: the queried one)")
        self.write_mode = _dropdown(api.COPY_MODES, "merge")
        self.write_confirm = widgets.Checkbox(
            value=False, indent=False, layout=widgets.Layout(width="auto")
        )
        self.write_plan_button = widgets.Button(description="Plan write", icon="list")
        self.write_button = widgets.Button(
            description="Write", button_style="danger", icon="upload", disabled=True
        )
        for control in (self.write_env, self.write_mode):
            control.layout.width = CHOICE_WIDTH
        for button in (self.write_plan_button, self.write_button):
            button.layout.width = BUTTON_WIDTH
        self.write_plan_button.add_class("dynamo-write-plan")
        self.write_button.add_class("dynamo-write")
        for name in ("write_env", "write_table", "write_mode", "write_confirm"):
            getattr(self, name).add_class("dynamo-" + name.replace("_", "-"))
        self.plan: Any = None
        self.result: Any = None
        self._planned: tuple[Any, ...] | None = None
        self._frame: Any = None  # a copy of the result as it was planned
        # the queried table is the default target: another one changes the write's inputs
        for control in (self.write_env, self.write_table, self.write_mode, panel.table):
            control.observe(lambda _: self._inputs_changed(), "value")
        self.write_plan_button.on_click(lambda _: self.make_plan())
        self.write_button.on_click(lambda _: self.write())
        self._sync_label()

    def rows(self) -> list[tuple[str, Any, bool]]:
        """The panel's form rows of the write."""
        return [
            ("Write to", _line_of(self.write_env, self.write_table, self.write_mode), False),
            ("", self.write_confirm, True),
            ("", _line_of(self.write_plan_button, self.write_button), False),
        ]

    def set_enabled(self, enabled: bool) -> None:
        for name in WRITE_CONTROLS:
            getattr(self, name).disabled = not enabled
        self.write_button.disabled = not enabled or self._planned != self._inputs()

    def table(self) -> str:
        return self.write_table.value.strip() or str(self.panel.table.value or "")

    def _sync_label(self) -> None:
        self.write_confirm.description = (
            f"write into '{self.table() or '?'}' in env '{self.write_env.value or '?'}'"
            " (protected or holding items)"
        )

    def _inputs(self) -> tuple[Any, ...]:
        """What a plan is for: the target, the mode and the very result it would write."""
        return (self.write_env.value, self.table(), self.write_mode.value, id(self.panel.result))

    def _inputs_changed(self) -> None:
        """A write input changed: the confirmation is withdrawn and the plan outdated."""
        self.write_confirm.value = False
        self._sync_label()
        if self._planned is not None and self._planned != self._inputs():
            self.plan, self._planned = None, None
        self.write_button.disabled = self._planned is None

    def _kwargs(self) -> dict[str, Any]:
        return {
            "table": self.table(),
            "env": self.write_env.value,
            "mode": self.write_mode.value,
        }

    def refusal(self) -> str | None:
        """Why Write may not run now (``None``: it may)."""
        if self.plan is None or self._planned != self._inputs():
            return "no plan for these inputs and this result: click Plan write first"
        if not _same_frame(self.panel.result, self._frame):
            return "the result was edited after the plan: click Plan write again"
        if self.plan.confirmations and not self.write_confirm.value:
            reasons = "; ".join(self.plan.confirmations)
            return f"{reasons}: tick '{self.write_confirm.description}' to write"
        return None

    def make_plan(self) -> None:
        """Plan write: the plan of writing the result (nothing written), in the analysis area."""
        panel = self.panel

        def action() -> None:
            self.plan, self._planned = None, None
            self.write_button.disabled = True
            if not panel._need_result():
                return
            if not self.table():
                panel._refuse("choose a table to write into", panel.analysis)
                return
            inputs = self._inputs()
            frame = panel.result.copy(deep=True)
            try:
                self.plan = api.put_df(frame, **self._kwargs(), dry_run=True)
            except PartialFrame as partial:  # said with the panel's own inputs
                panel._refuse(self._partial_line(partial), panel.analysis)
                return
            self._planned, self._frame = inputs, frame
            text = html.escape(str(self.plan))
            pre = f'<pre class="dynamo-write-plan-text" style="{PLAN_STYLE}">{text}</pre>'
            panel._show(HTML(pre), area=panel.analysis)
            if self.plan.confirmations:
                line = "needs confirmation: " + "; ".join(self.plan.confirmations)
            else:
                line = "plan ready: click Write to write it"
            panel._line(line, "dynamo-message", clear=False, area=panel.analysis)
            self.write_button.disabled = False

        panel._analyse(action)

    def _partial_line(self, partial: PartialFrame) -> str:
        """A result that does not hold whole items, refused in the panel's terms: what to
        change in the panel (the panel writes whole items only: no keyword to override)."""
        columns = self.panel._name_of("columns")
        return (
            f"write refused: the result {partial.why}; to write whole items, run the query "
            f"again with {columns} empty, on the table (or an index that projects all "
            "attributes), then Plan write"
        )

    def write(self) -> None:
        """Write: the result written into the table as planned (``put_df``); its summary line
        in the analysis area. The next write needs a new plan and confirmation."""
        panel = self.panel

        def action() -> None:
            reason = self.refusal()
            if reason:
                panel._refuse(f"write refused: {reason}", panel.analysis)
                return
            try:
                self.result = api.put_df(
                    self._frame, **self._kwargs(), yes=self.write_confirm.value
                )
            finally:
                # the table changed: plan again
                self.plan, self._planned, self._frame = None, None, None
                self.write_confirm.value = False
                self.write_button.disabled = True
            panel._line(self.result.summary_line(), "dynamo-summary", area=panel.analysis)

        panel._analyse(action)


def _same_frame(result: Any, planned: Any) -> bool:
    """Whether the panel's result still holds what was planned (values, columns, index,
    dtypes): an edit in place after Plan write keeps the same object, so its id cannot tell."""
    if result is None or planned is None:
        return False
    try:
        return bool(result.equals(planned))
    except (TypeError, ValueError):  # cells pandas cannot compare (arrays): compare as text
        return bool(result.astype(str).equals(planned.astype(str)))
