"""tqdm progress bars for the front ends (a terminal bar in the CLI, a widget in Jupyter).

Implements the core's ``Progress`` protocol; the core itself never imports tqdm.
"""

from __future__ import annotations

from typing import Any


class TqdmProgress:
    """One bar per phase (copy, delete, verify): items done of the approximate total, items/s."""

    def __init__(self, notebook: bool = False, enabled: bool = True):
        if notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        self._tqdm = tqdm
        self.enabled = enabled
        self.bar: Any = None

    def start(self, phase: str, total: int | None) -> None:
        self.close()
        if self.enabled:
            self.bar = self._tqdm(total=total or None, desc=phase, unit=" items", leave=True)

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
