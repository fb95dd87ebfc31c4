"""The look of both panels in JupyterLab: rows that keep their line and widths that do not jump
between page widths of 1,000 and 1,400 px, and text readable in the light and dark themes.

One notebook shows a QueryPanel (after a query, so the analysis rows are live) and a CopyPanel
(after a plan). Positions and sizes are read from the page (bounding boxes), colours from the
computed styles; screenshots of each panel go to tests/artifacts/ (look at them).
"""

from __future__ import annotations

import itertools
from typing import Any

from .conftest import ARTIFACTS, Notebook
from moto_servers import MotoServer
from tables import create_orders, orders_items, put_all

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

from .colours import low_contrast, luminance
from .controls import type_into

CELLS = [
    "%load_ext dynamo_magic",
    "import dynamo_magic\nquery = dynamo_magic.QueryPanel(env='dev', table='orders')\nquery",
    "copy = dynamo_magic.CopyPanel('dev', 'acct-b', 'orders')\ncopy",
]
WIDTHS = (1400, 1000)  # page widths, px
HEIGHT = 1300
# the rows whose controls must stay on one line (CSS classes of the controls, left to right)
QUERY_ROWS = {
    "run": ("dynamo-run-button", "dynamo-status"),
    "head": ("dynamo-head-n", "dynamo-head-button", "dynamo-summary-button"),
    "unique": ("dynamo-unique-column", "dynamo-unique-button"),
    "plot": ("dynamo-plot-what", "dynamo-plot-button"),
    "store": ("dynamo-store-name", "dynamo-store-button"),
}
COPY_ROWS = {
    "buttons": ("dynamo-plan-button", "dynamo-copy-button", "dynamo-cancel-button"),
    "restore": ("dynamo-restore-button", "dynamo-restore-confirm"),
}
# the labelled inputs, one per row: one left edge, one width
QUERY_INPUTS = ("env", "table", "index", "pk", "sk-op", "sk", "filter", "columns", "limit")
COPY_INPUTS = ("source", "target", "table", "target-table", "mode", "index", "pk", "sk-op", "sk")


def open_panels(notebook: Any, servers: tuple[MotoServer, MotoServer]) -> tuple[Notebook, Any, Any]:
    """The notebook with both panels, after a query (4 rows) and a plan."""
    a, _ = servers
    create_orders(a.client())
    put_all(a.client(), "orders", orders_items(customers=3, per_customer=4))
    nb = notebook("look", CELLS)
    nb.run_all()
    nb.assert_no_errors()
    query, copy = nb.page.locator(".dynamo-query-panel"), nb.page.locator(".dynamo-copy-panel")
    type_into(query.locator(".dynamo-pk"), "c1")
    query.locator("button.dynamo-run").click()
    expect(query.locator(".dynamo-output table.dataframe tbody tr")).to_have_count(4)
    expect(query.locator("button.dynamo-store-button")).to_be_enabled()
    copy.locator("button.dynamo-plan").click()
    expect(copy.locator(".dynamo-plan-text")).to_contain_text("Copy plan (nothing written)")
    return nb, query, copy


def box(element: Any) -> dict[str, float]:
    found = element.bounding_box()
    assert found is not None, f"{element} is not shown"
    return dict(found)


def check_row(panel: Any, name: str, classes: tuple[str, ...]) -> None:
    """The row's controls share one top edge, do not overlap, and end inside the panel."""
    boxes = [box(panel.locator(f".{css}").first) for css in classes]
    tops = [b["y"] for b in boxes]
    assert max(tops) - min(tops) <= 2, f"row {name} wraps: tops {tops}"
    for left, right in itertools.pairwise(boxes):
        assert left["x"] + left["width"] <= right["x"] + 1, f"row {name}: controls overlap"
    edge = box(panel)
    end = boxes[-1]["x"] + boxes[-1]["width"]
    assert end <= edge["x"] + edge["width"] + 1, f"row {name} runs out of the panel"


def input_boxes(panel: Any, names: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """Left edge and width of each labelled input (its <input> or <select>)."""
    found = {}
    for name in names:
        control = panel.locator(f".dynamo-{name}").locator("input, select").first
        b = box(control)
        found[name] = (round(b["x"]), round(b["width"]))
    return found


def test_rows_keep_their_line_and_widths_at_1000_and_1400_px(
    notebook: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    nb, query, copy = open_panels(notebook, servers)
    page = nb.page
    sizes: dict[int, dict[str, Any]] = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.wait_for_timeout(500)  # the layout follows the window
        for panel, rows in ((query, QUERY_ROWS), (copy, COPY_ROWS)):
            for name, classes in rows.items():
                check_row(panel, f"{name} at {width} px", classes)
        # a wide DataFrame or plan scrolls inside the output area instead of leaving the panel
        for panel in (query, copy):
            output = panel.locator(".dynamo-output")
            assert output.evaluate("e => getComputedStyle(e).overflowX") in ("auto", "scroll")
            end, edge = box(output), box(panel)
            # (4 px: the output area's own margin)
            assert end["x"] + end["width"] <= edge["x"] + edge["width"] + 4, "output too wide"
        # the plan fits the output area and wraps a long line between words (JupyterLab's
        # own <pre> style, word-break: break-all, would cut a word anywhere)
        plan = copy.locator(".dynamo-plan-text")
        style = plan.evaluate(
            """e => [getComputedStyle(e).wordBreak, getComputedStyle(e).whiteSpace,
                e.scrollWidth <= e.clientWidth + 1]"""
        )
        assert style == ["normal", "pre-wrap", True], f"plan at {width} px: {style}"
        # the analysis rows end where the inputs above them end
        edge = box(query.locator(".dynamo-pk input"))
        for name in ("head", "unique", "plot", "store"):
            last = box(query.locator(f".{QUERY_ROWS[name][-1]}"))
            end = last["x"] + last["width"]
            assert abs(end - edge["x"] - edge["width"]) <= 1, f"row {name} ends at {end}"
        # so do the copy panel's buttons (3 px: three buttons share the width) and its bar
        edge = box(copy.locator(".dynamo-pk input"))
        for name, control in (
            ("buttons", copy.locator(".dynamo-cancel-button")),
            ("progress", copy.locator(".dynamo-progress > :first-child")),
        ):
            last = box(control)
            end = last["x"] + last["width"]
            assert abs(end - edge["x"] - edge["width"]) <= 3, f"row {name} ends at {end}"
        inputs = {
            "query": input_boxes(query, QUERY_INPUTS),
            "copy": input_boxes(copy, COPY_INPUTS),
        }
        for which, found in inputs.items():  # aligned: one left edge, one width
            assert len(set(found.values())) == 1, f"{which} inputs at {width} px: {found}"
        sizes[width] = {k: {n: w for n, (_, w) in v.items()} for k, v in inputs.items()}
        sizes[width]["rows"] = {
            css: round(box(panel.locator(f".{css}").first)["width"])
            for panel, rows in ((query, QUERY_ROWS), (copy, COPY_ROWS))
            for classes in rows.values()
            for css in classes
            if css not in ("dynamo-status", "dynamo-restore-confirm")  # text: its own width
        }
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        query.screenshot(path=str(ARTIFACTS / f"look-query-{width}.png"))
        copy.screenshot(path=str(ARTIFACTS / f"look-copy-{width}.png"))
        nb.screenshot(f"-{width}")
    assert sizes[1400] == sizes[1000], "widths jump between 1,400 and 1,000 px"


def test_both_panels_readable_in_the_light_and_dark_themes(
    notebook: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    nb, query, copy = open_panels(notebook, servers)
    assert_readable(query, copy, "light")
    with nb.theme("JupyterLab Dark"):
        for panel in (query, copy):
            for control in (".dynamo-pk input", ".dynamo-table select"):
                assert luminance(panel.locator(control)) < 0.3, control
        assert luminance(query.locator(".dynamo-output table.dataframe tbody tr").first) < 0.3
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        query.screenshot(path=str(ARTIFACTS / "look-query-dark.png"))
        copy.screenshot(path=str(ARTIFACTS / "look-copy-dark.png"))
        nb.screenshot("-dark")
        assert_readable(query, copy, "dark")


def assert_readable(query: Any, copy: Any, theme: str) -> None:
    for name, panel in (("query", query), ("copy", copy)):
        checked, low = low_contrast(panel)
        assert checked >= 20, f"{name} panel: only {checked} text elements found"
        assert not low, f"{name} panel: text hard to read in the {theme} theme: {low}"
