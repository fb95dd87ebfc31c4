"""tqdm progress bars for the front ends (a terminal bar in the CLI, a widget in Jupyter).

Implements the core's ``Progress`` protocol; the core itself never imports tqdm.
"""

from __future__ import annotations

from typing import Any

STOPPED = "stopped"  # appended to a bar's description when its work did not end


class TqdmProgress:
    """One bar per phase (copy, delete, verify): items done of the approximate total, items/s.

    Totals are estimates (DescribeTable's count lags, a segment count is extrapolated), and
    tqdm's notebook bar turns red when closed below its total: a phase that ended as it
    should gets its total set to what was done before closing, so it ends complete; one that
    was interrupted or failed keeps its total and says "stopped".
    """

    def __init__(self, notebook: bool = False, enabled: bool = True):
        if notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        self._tqdm = tqdm
        self.enabled = enabled
        self.bar: Any = None

    def start(self, phase: str, total: int | None) -> None:
        self.close()  # a new phase starts only when the previous one ran to its end
        if self.enabled:
            self.bar = self._tqdm(total=total or None, desc=phase, unit=" items", leave=True)

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self, complete: bool = True) -> None:
        bar, self.bar = self.bar, None
        if bar is None:
            return
        if complete:
            bar.total = bar.n  # done is all there was: a full bar, never a red one
            container = getattr(bar, "container", None)  # the notebook widget keeps its own max
            if container is not None:
                container.children[1].max = bar.n
        else:
            bar.set_description_str(f"{bar.desc} ({STOPPED})", refresh=False)
        bar.refresh()
        bar.close()
