"""Progress bars for the front ends: one adapter of the core's ``Progress`` protocol.

``PhaseBar`` keeps what every bar shows (the phase, items done, the total, how it ended) and
decides it once; ``TqdmProgress`` draws it with tqdm (the CLI's terminal bar, the magics'
notebook widget), the copy panel's ``WidgetProgress`` (``notebook.panels``) with its own
widget. The core itself never imports tqdm.

How a phase ends (``Outcome``) looks the same everywhere:

- success: green and full, its total what was done ("300/300"), whatever the estimate was;
- cancelled (Cancel, Ctrl-C, a kernel interrupt): neutral (no colour), left where it
  stopped, the text says ``cancelled``;
- failed (items failed, verification failed, stopped by an error): red (``danger``), left
  where it stopped, the text says ``FAILED``.

Only a success is full or reads 100%. A bar's percentage is rounded down (4,780 of 4,790 is
99%, never "100%" short of the total). A cancelled or failed phase that stopped short of its
total keeps it (``4780/4790``); one whose total is unknown (a verification's count) or whose
estimate it reached or passed (a total grown while it ran) ends with its count alone and an
empty bar: how much was left is not known, and a full bar would say nothing was.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .api import Outcome

# the words after a phase's name, in the terminal and in a widget's text ("copy FAILED")
ENDINGS = {Outcome.SUCCESS: "done", Outcome.CANCELLED: "(cancelled)", Outcome.FAILED: "FAILED"}
# ipywidgets' bar_style of an ended bar ('': the neutral default)
BAR_STYLES = {Outcome.SUCCESS: "success", Outcome.CANCELLED: "", Outcome.FAILED: "danger"}
# tqdm's default layout right of its percentage (``l_bar`` is "{desc}: {percentage:3.0f}%|")
BAR_AND_RIGHT = "{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"
# a terminal bar's colour (tqdm's ``colour``; only where the stream is a terminal)
COLOURS = {Outcome.SUCCESS: "green", Outcome.CANCELLED: None, Outcome.FAILED: "red"}


class PhaseBar:
    """The state of one phase's bar (copy, delete, verify), drawn by a subclass.

    Totals are estimates (DescribeTable's count lags, a segment count is extrapolated): a
    count that passes its total grows the total with it while the phase runs, so a bar never
    reads ``300/150``; a phase that ends as a success gets its total set to what was done, so
    it ends full; one that does not ends as ``ended_total`` says, never full. ``percent`` and
    ``filled`` are what a bar shows. Subclasses draw in ``_begin``, ``_draw`` and ``_end``,
    called under the lock (the workers' progress arrives on another thread than the caller's).
    """

    def __init__(self) -> None:
        self.phase = ""
        self.items = 0  # done in this phase
        self.done_before = 0  # of ``items``, done before this run (a resumed copy's)
        self.total: int | None = None  # the estimate, grown when passed (None: unknown)
        self.outcome: Outcome | None = None  # how the phase ended (None: running, or none yet)
        self.running = False
        self._started = time.monotonic()
        self._lock = threading.RLock()

    def start(self, phase: str, total: int | None) -> None:
        """Begin ``phase`` with an estimated ``total`` (``None``: unknown); a phase still open
        ends as a success."""
        self.start_at(phase, total, 0)

    def start_at(self, phase: str, total: int | None, done: int) -> None:
        """``start``, with ``done`` items done before this run (a resumed copy's: the bar
        starts there, the rate excludes them)."""
        with self._lock:
            self._close(Outcome.SUCCESS)
            self.phase, self.items, self.done_before = phase, done, done
            self.total = total or None  # 0 is what a table's count says for hours: unknown
            self.outcome, self.running = None, True
            self._started = time.monotonic()
            self._begin()

    def advance(self, count: int) -> None:
        """``count`` more items done."""
        with self._lock:
            if not self.running:
                return
            self.items += count
            if self.total is not None and self.items > self.total:
                self.total = self.items  # an estimate that was low grows with the count
            self._draw(count)

    def close(self, outcome: Outcome = Outcome.SUCCESS) -> None:
        """End the running phase as ``outcome`` (nothing if none runs)."""
        with self._lock:
            self._close(Outcome(outcome))

    @staticmethod
    def ended_total(outcome: Outcome, items: int, total: int | None) -> int | None:
        """The total a phase that ended as ``outcome`` after ``items`` shows: for a success
        ``items`` (full, the true count); otherwise its estimate ``total`` while ``items`` is
        short of it, else ``None`` (unknown: an estimate reached or passed says nothing of
        what was left)."""
        if outcome is Outcome.SUCCESS:
            return items
        return total if total is not None and items < total else None

    @property
    def percent(self) -> int | None:
        """Items done of the total in whole percent, rounded down: 99 for 4,780 of 4,790, so
        "100" only when all is done (``None``: the total is unknown)."""
        if not self.total:
            return None
        return min(100, 100 * self.items // self.total)

    @property
    def filled(self) -> tuple[int, int]:
        """(value, maximum) of a progress widget: while running, items of the total (full
        while it counts to an unknown total); ended, full as a success only, and empty for a
        cancelled or failed phase whose total is unknown (its text gives the count)."""
        if self.running or self.outcome is None:
            maximum = max(self.total or self.items, 1)
            return min(self.items, maximum), maximum
        if self.outcome is Outcome.SUCCESS:
            maximum = max(self.items, 1)
            return maximum, maximum
        if self.total is None:
            return 0, max(self.items, 1)
        return self.items, self.total

    @property
    def items_per_second(self) -> float:
        seconds = time.monotonic() - self._started
        return (self.items - self.done_before) / seconds if seconds > 0 else 0.0

    def _close(self, outcome: Outcome) -> None:
        if not self.running:
            return
        self.running, self.outcome = False, outcome
        self.total = self.ended_total(outcome, self.items, self.total)
        self._end(outcome)

    def _begin(self) -> None:
        """Show a new phase (``phase``, ``total``)."""

    def _draw(self, count: int) -> None:
        """Show ``count`` more items (``items``, ``total`` already updated)."""

    def _end(self, outcome: Outcome) -> None:
        """Show the phase ended as ``outcome``."""


class TqdmProgress(PhaseBar):
    """One tqdm bar per phase: items done of the total, items/s; in a notebook tqdm's widget.

    tqdm's notebook bar picks its own end style when closed (``danger`` below its total,
    ``success`` otherwise); here the outcome picks it (``BAR_STYLES``). A terminal bar that did
    not succeed says so after the phase's name (``copy FAILED``, ``copy (cancelled)``) and
    keeps its total; on a terminal it is coloured as well (``COLOURS``).
    """

    def __init__(self, notebook: bool = False, enabled: bool = True):
        super().__init__()
        if notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        self._tqdm = tqdm
        self.enabled = enabled
        self.bar: Any = None

    def _begin(self) -> None:
        if self.enabled:
            self.bar = self._tqdm(  # initial: tqdm's rate counts from it
                total=self.total, desc=self.phase, unit=" items", leave=True, initial=self.items
            )
            self._set_format(self.bar)

    def _draw(self, count: int) -> None:
        if self.bar is None:
            return
        if self.total and self.total != self.bar.total:
            _set_total(self.bar, self.total)
        self._set_format(self.bar)
        self.bar.update(count)

    def _set_format(self, bar: Any) -> None:
        """tqdm's own layout with ``percent`` (rounded down) for tqdm's rounded percentage,
        which reads "100%" at 99.5%; tqdm's default layout where the total is unknown."""
        percent = self.percent
        bar.bar_format = None if percent is None else f"{{desc}}: {percent:3d}%|{BAR_AND_RIGHT}"

    def _end(self, outcome: Outcome) -> None:
        bar, self.bar = self.bar, None
        if bar is None:
            return
        _set_total(bar, self.total)  # the true count, the estimate, or unknown (no bar)
        self._set_format(bar)
        if outcome is not Outcome.SUCCESS:
            bar.set_description_str(f"{self.phase} {ENDINGS[outcome]}", refresh=False)
        widget = _widget(bar)
        if widget is None:  # a terminal bar: its last line is drawn by close
            if COLOURS[outcome] and _is_terminal(bar.fp):
                bar.colour = COLOURS[outcome]
            bar.close()
            return
        # tqdm's notebook close would choose the style from n < total: its bookkeeping only
        # (the base class's close), then the last text and the outcome's style, once each
        from tqdm.std import tqdm as std_tqdm

        std_tqdm.close(bar)
        bar.disp(check_delay=False)
        widget.max, widget.value = self.filled[1], self.filled[0]  # disp sets value to n
        widget.bar_style = BAR_STYLES[outcome]


def _widget(bar: Any) -> Any:
    """The ``IntProgress`` of a tqdm notebook bar (``None`` for a terminal bar)."""
    container = getattr(bar, "container", None)
    return container.children[1] if container is not None else None


def _set_total(bar: Any, total: int | None) -> None:
    """Set a tqdm bar's total (``None``: unknown), and its widget's maximum in a notebook (tqdm
    keeps its own)."""
    bar.total = total
    widget = _widget(bar)
    if widget is not None and total:
        widget.max = total


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no such method, or a closed file
        return False
