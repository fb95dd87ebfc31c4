"""Reading what a chart drew (bar heights, tick labels), the magic's ``--plot`` run in a shell,
and the figures saved under tests/artifacts/ to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt


def heights(ax) -> list[int]:
    return [round(p.get_height()) for p in ax.patches]


def labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]


def plotted(shell, capsys, line: str) -> tuple[Any, Any, str]:
    """Run ``%dynamo_query LINE``: its result, the chart it drew (or None) and its output."""
    before = set(plt.get_fignums())
    result = shell.run_line_magic("dynamo_query", line)
    new = sorted(set(plt.get_fignums()) - before)
    captured = capsys.readouterr()
    ax = plt.figure(new[-1]).axes[0] if new else None
    return result, ax, captured.out + captured.err


ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def saved(ax, name: str) -> Any:
    """Draw ``ax``'s figure as a PNG under tests/artifacts/ (to look at); its renderer."""
    ARTIFACTS.mkdir(exist_ok=True)
    figure = ax.figure
    figure.savefig(ARTIFACTS / f"plot_{name}.png")
    figure.canvas.draw()
    return figure.canvas.get_renderer()


def assert_title_inside(ax, name: str) -> None:
    renderer = saved(ax, name)
    box, page = ax.title.get_window_extent(renderer), ax.figure.bbox
    assert box.x0 >= page.x0 and box.x1 <= page.x1, (name, box, page)
    assert box.y0 >= page.y0 and box.y1 <= page.y1, (name, box, page)
    assert box.width > 0 and ax.get_title().strip()


def long_values():
    import pandas as pd

    blobs = [f"value-{i:03d}-" + "x" * 30 for i in range(256)]
    return pd.DataFrame(
        {"blob": blobs + blobs[:44], "pk": [f"customer-{i % 40}" for i in range(300)]}
    )
