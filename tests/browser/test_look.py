"""The look of both panels in JupyterLab and Notebook 7: rows that keep their line and widths
that do not jump between page widths of 1,000 and 1,400 px; on narrow pages (JupyterLab at 700 px
with the file browser open and at 560 px, Notebook 7 at 560 px) rows that wrap inside the input
column instead of squeezing: every button and label shows its whole text, inputs stay aligned,
checkboxes stay in the column; text readable in the light and dark themes.

One notebook shows a QueryPanel (after a query, so the analysis rows are live) and a CopyPanel
(after a plan). Positions and sizes are read from the page (bounding boxes), colours from the
computed styles; screenshots of each panel go to tests/artifacts/ (look at them).
"""

from __future__ import annotations

import itertools
from typing import Any

from .conftest import ARTIFACTS, Lab, Notebook, missing, notebook_ready, write_notebook
from moto_servers import MotoServer
from tables import create_orders, orders_items, put_all

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

from .colours import low_contrast, luminance
from .controls import choose, type_into

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
    return show_panels(notebook("look", CELLS))


def show_panels(nb: Notebook) -> tuple[Notebook, Any, Any]:
    """Both panels of ``nb`` (JupyterLab or Notebook 7), after a query (a row picked) and a
    plan."""
    nb.run_all()
    nb.assert_no_errors()
    query, copy = nb.page.locator(".dynamo-query-panel"), nb.page.locator(".dynamo-copy-panel")
    type_into(query.locator(".dynamo-pk"), "c1")
    query.locator("button.dynamo-run").click()
    expect(query.locator(".dynamo-output table.dataframe tbody tr")).to_have_count(4)
    expect(query.locator("button.dynamo-store-button")).to_be_enabled()
    choose(query.locator(".dynamo-row"), "row 0")  # the item's rows (view, editor) shown too
    expect(query.locator("button.dynamo-save-button")).to_be_visible()
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


# narrow pages: (page width px, JupyterLab's file browser open) - the tester's 700 px Lab with the
# file browser, and a 560 px page like a narrow Notebook 7 window
NARROW = ((700, True), (560, False))
COPY_TIMEOUT_MS = 60_000


def test_narrow_pages_keep_buttons_labels_and_the_input_column(
    notebook: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    """At narrow widths rows wrap inside the input column instead of squeezing: every button
    and label shows its whole text, the inputs of a panel start at one x with one width, and
    the checkboxes (with the long texts a copy into a table holding items gives them) stay in
    the input column, inside the panel."""
    target_holds_items(servers)
    nb, query, copy = open_panels(notebook, servers)
    copy_into_target(copy)
    for width, browser_open in NARROW:
        nb.page.set_viewport_size({"width": width, "height": HEIGHT})
        show_file_browser(nb.page, browser_open)
        check_narrow_page(nb, query, copy, f"narrow-{width}")


def test_notebook7_at_560_px(page: Any, lab: Lab, servers: tuple[MotoServer, MotoServer]) -> None:
    """The same in Notebook 7 (no side panel: a wider cell than JupyterLab's at 560 px)."""
    try:
        __import__("notebook")
    except ImportError:
        missing("the Python package notebook (>=7) is not installed (the `test` extra has it)")
    target_holds_items(servers)
    a, _ = servers
    create_orders(a.client())
    put_all(a.client(), "orders", orders_items(customers=3, per_customer=4))
    write_notebook(lab.root / "look7.ipynb", CELLS)
    page.set_viewport_size({"width": 1000, "height": HEIGHT})
    page.goto(f"{lab.url}/notebooks/look7.ipynb?token={lab.token}")
    expect(page.locator("#main-panel .jp-NotebookPanel")).to_be_visible()  # Notebook 7's layout
    nb, query, copy = show_panels(notebook_ready(page, "look7", len(CELLS)))
    copy_into_target(copy)
    page.set_viewport_size({"width": 560, "height": HEIGHT})
    check_narrow_page(nb, query, copy, "notebook7-560")


def target_holds_items(servers: tuple[MotoServer, MotoServer]) -> None:
    """acct-b's orders holds an item: a copy into it needs the confirmation and backs it up."""
    _, b = servers
    create_orders(b.client())
    put_all(b.client(), "orders", orders_items(customers=1, per_customer=1))


def copy_into_target(copy: Any) -> None:
    """Confirm and copy (the plan is made): the restore checkbox then names the backup."""
    copy.locator(".dynamo-confirm input[type=checkbox]").check()
    copy.locator("button.dynamo-copy").click()
    expect(copy.locator(".dynamo-summary")).to_contain_text("written", timeout=COPY_TIMEOUT_MS)
    expect(copy.locator("button.dynamo-restore")).to_be_enabled()
    expect(copy.locator(".dynamo-restore-confirm")).to_contain_text("over 'orders' in env")


def check_narrow_page(nb: Notebook, query: Any, copy: Any, name: str) -> None:
    nb.page.wait_for_timeout(500)  # the layout follows the window
    for which, panel, names in (("query", query, QUERY_INPUTS), ("copy", copy, COPY_INPUTS)):
        check_narrow(panel, f"{which} panel, {name}", names)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    query.screenshot(path=str(ARTIFACTS / f"look-query-{name}.png"))
    copy.screenshot(path=str(ARTIFACTS / f"look-copy-{name}.png"))
    nb.screenshot(f"-{name}")


def show_file_browser(page: Any, shown: bool) -> None:
    """JupyterLab's left area (the file browser) open or collapsed."""
    if shown:
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
    else:
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    expect(page.locator(".jp-FileBrowser")).to_be_visible(visible=shown)


def check_narrow(panel: Any, where: str, names: tuple[str, ...]) -> None:
    edge = box(panel)
    right = edge["x"] + edge["width"] + 1
    # narrower than the copy panel's rows on one line (label, restore button and its text)
    assert edge["width"] < 540, f"{where}: the panel is {edge['width']} px wide, not narrow"
    for button in panel.locator("button").all():  # the whole text, nothing cut ("Re")
        text, fits = button.evaluate("e => [e.innerText, e.scrollWidth <= e.clientWidth]")
        assert fits, f"{where}: button {text!r} is cut"
        found = box(button)
        assert found["x"] + found["width"] <= right, f"{where}: button {text!r} leaves the panel"
    for label in panel.locator(".widget-label, .widget-label-basic").all():
        if label.is_visible():  # ("Environmen", "999 i", "over 'shop' in env 'd")
            text, fits = label.evaluate("e => [e.innerText, e.scrollWidth <= e.clientWidth]")
            assert fits, f"{where}: label {text!r} is cut"
            found = box(label)
            assert found["x"] + found["width"] <= right, f"{where}: {text!r} leaves the panel"
    inputs = input_boxes(panel, names)
    assert len(set(inputs.values())) == 1, f"{where}: inputs not aligned: {inputs}"
    column = next(iter(inputs.values()))[0]
    assert column + next(iter(inputs.values()))[1] <= right, f"{where}: inputs leave the panel"
    for control in panel.locator(".widget-checkbox, .dynamo-progress > *").all():
        if control.is_visible():
            found = box(control)
            assert found["x"] >= column - 1, f"{where}: {found} left of the input column"
            assert found["x"] + found["width"] <= right, f"{where}: {found} leaves the panel"
