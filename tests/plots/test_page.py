"""The plot examples of the docs (docs/exploring.md, "Plots") against the demo's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest

from .charts import plotted


@pytest.mark.timeout(600)  # three sections' examples against one demo: a hang guard
def test_the_exploring_page_s_examples_run(demo_running, shell, capsys):
    """The "Plots" section of docs/exploring.md runs as written after ``make demo``: its
    Python block draws five charts; each magic line of its notebook block draws one. So does
    the "Page by page" section (one demo for both: a demo takes seconds to start)."""
    paging_example_runs(demo_running.prod)
    one_item_example_runs()
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


def paging_example_runs(prod: list[dict[str, Any]]) -> None:
    """The "Page by page" section's Python block runs as written and does what it says."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "exploring.md").read_text()
    start = text.index("\n## Page by page\n")
    section = text[start : text.index("\n## ", start + 1)]
    (python,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(python, "docs/exploring.md", "exec"), namespace)
    walk, later, everything = namespace["walk"], namespace["later"], namespace["everything"]
    orders = sorted(item["sk"]["S"] for item in prod if item["pk"]["S"] == "CUSTOMER#c001")
    assert len(namespace["first"]) == 3 and walk.number == 1
    assert walk.summary_line().startswith("page 1: 3 item(s) from shop, query")
    assert list(later.first()["sk"]) == list(namespace["second"]["sk"]) == orders[3:6]
    pages = [everything.first()]
    while everything.has_next():
        pages.append(everything.next())
    assert sum(len(p) for p in pages) == len(prod)


def one_item_example_runs() -> None:
    """The "One item" section's Python block runs as written against the demo: the profile
    is edited, then deleted."""
    import re

    from dynamo_magic.codec import from_attribute

    text = (Path(__file__).resolve().parents[2] / "docs" / "exploring.md").read_text()
    start = text.index("\n## One item\n")
    section = text[start : text.index("\n## ", start + 1)]
    (python,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(python, "docs/exploring.md", "exec"), namespace)
    done, gone, row = namespace["done"], namespace["gone"], namespace["row"]
    assert [d.split(":")[0] for d in done.differences] == ["tier"]
    assert gone.old is not None and from_attribute({"S": gone.old["tier"]}) == "platinum"
    assert set(gone.old) == set(row)  # every attribute read, written back as it was
    import dynamo_magic as dm

    assert dm.query("shop", "CUSTOMER#c002", env="demo-dev", sk="PROFILE").empty
