"""The panels' look: a form of two columns (labels, inputs) as a ``GridBox``, lines of
several controls that wrap on a narrow page, the widths they share, and the little CSS that
ipywidgets cannot express."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

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
.dynamo-query-panel .widget-checkbox .widget-label-basic,
.dynamo-copy-panel .dynamo-progress .widget-label, .dynamo-query-panel .dynamo-status {
  white-space: normal; overflow-wrap: anywhere; line-height: 20px; padding: 4px 0;
  box-sizing: border-box; height: auto; min-height: var(--jp-widgets-inline-height);
}
.dynamo-copy-panel .widget-checkbox, .dynamo-query-panel .widget-checkbox {
  min-height: var(--jp-widgets-inline-height); align-items: center;
}
</style>"""


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
