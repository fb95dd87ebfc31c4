"""``WidgetProgress``: a copy's phases as an ipywidgets bar (the panels' and the magics'
view of ``progress_bars.PhaseBar``)."""

from __future__ import annotations

import ipywidgets as widgets

from ...api import (
    CopyResult,
    Outcome,
)
from ...progress_bars import BAR_STYLES, ENDINGS, PhaseBar

# the panel's form is a grid of two columns (``_form``): the labels, as wide as the longest (at
from .layout import (
    _give_way,
)


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
        self._fill()  # empty, or where a resumed copy's earlier runs left it
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
