"""The plot examples of the docs (docs/exploring.md, "Plots") against the demo's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from .charts import plotted


def test_the_exploring_page_plots_examples_run(demo_running, shell, capsys):
    """The "Plots" section of docs/exploring.md runs as written after ``make demo``: its
    Python block draws five charts; each magic line of its notebook block draws one."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "exploring.md").read_text()
    start = text.index("\n## Plots\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    python, magics = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    namespace: dict[str, Any] = {}
    before = len(plt.get_fignums())
    exec(compile(python, "docs/exploring.md", "exec"), namespace)
    assert len(plt.get_fignums()) == before + 5
    for line in magics.splitlines():
        # a comment is a word starting with '#' (CUSTOMER#c001 is a key)
        words = re.split(r"\s#", line)[0].strip().removeprefix("%dynamo_query ")
        _, ax, output = plotted(shell, capsys, words)
        assert ax is not None and len(ax.patches) > 0, (line, output)
