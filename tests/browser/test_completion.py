"""Tab completion of the magics in the browser: in JupyterLab and Notebook 7 (headless Chromium),
a user types ``%load_ext dynamo_magic`` in a cell and runs it, then types ``%dynamo_query `` in
the next cell and presses Tab: the front end's completer lists the environment's tables (asked
of the kernel, which asks the moto server); choosing one puts it in the cell. ``--env `` and Tab
list the environments (the AWS profiles the kernel sees). The JupyterLab screenshot
(``tests/artifacts/completion-tables.png``) is the one docs/querying.md shows (copied to
docs/images/completion.png).
"""

from __future__ import annotations

import configparser
import os
import re
from typing import Any

from .conftest import ARTIFACTS, Lab, Notebook, missing, notebook_ready, write_notebook
from moto_servers import MotoServer
from tables import create_events, create_orders

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

TABLES = ["events", "orders"]
TAB_ATTEMPTS = 5  # the kernel waits a second for a lookup; a cold first one may take longer
POPUP_MS = 5_000  # how long one Tab's popup is waited for before Tab is pressed again


def _seed(a: MotoServer) -> None:
    create_orders(a.client())
    create_events(a.client())


def offered(page: Any, line: str) -> list[str]:
    """Type ``line`` at the end of the cell being edited and press Tab until the completer
    lists the kernel's suggestions (as a user presses Tab again when a press offers nothing):
    the names dynamo_magic offers (the items of type "dynamo"), in the list's order.

    JupyterLab's completer also lists words of the cell itself (its context provider: ``%``,
    ``dynamo_query``); those are not the kernel's and are left out."""
    completer = page.locator(".jp-Completer")
    ours = completer.locator('.jp-Completer-item[title="dynamo"]')
    page.keyboard.type(line)
    for _ in range(TAB_ATTEMPTS):
        page.keyboard.press("Tab")
        try:
            expect(ours.first).to_be_visible(timeout=POPUP_MS)
        except AssertionError:
            if completer.is_visible():  # only the cell's own words this time
                page.keyboard.press("Escape")
            continue
        return [str(v) for v in ours.evaluate_all("els => els.map(e => e.dataset.value)")]
    raise AssertionError(
        f"Tab after {line!r} listed none of dynamo_magic's names in {TAB_ATTEMPTS} attempts"
    )


def profile_names() -> list[str]:
    """The AWS profiles of the config file the ``servers`` fixture wrote for this process: the
    same profiles the lab's kernels see (``server_profiles`` through ``write_profiles``)."""
    config = configparser.ConfigParser()
    config.read(os.environ["AWS_CONFIG_FILE"])
    return sorted(name.removeprefix("profile ") for name in config.sections())


def cell_text(page: Any, cell: int) -> str:
    """The source of code cell ``cell`` (0-based) as the editor shows it."""
    text = page.locator(".jp-Notebook .jp-Cell").nth(cell).locator(".cm-content").inner_text()
    return str(text).replace("\xa0", " ")


def complete_in(nb: Notebook, shoot: bool = False) -> None:
    """In the notebook's empty first cell: load the extension, then complete a table name by
    choosing it from the list, and an environment name after ``--env``."""
    page = nb.page
    page.locator(".jp-Notebook .jp-Cell").nth(0).locator(".cm-content").click()
    page.keyboard.type("%load_ext dynamo_magic")
    page.keyboard.press("Shift+Enter")  # runs it and edits a new cell below
    prompts = page.locator(".jp-Notebook .jp-InputArea-prompt")
    expect(prompts.first).to_have_text(re.compile(r"^\[\d+\]:$"))
    nb.wait_idle()
    expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(2)

    assert offered(page, "%dynamo_query ") == TABLES
    completer = page.locator(".jp-Completer")
    if shoot:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        # the cell and the popup under it: the docs' image
        box = page.locator(".jp-Notebook .jp-Cell").nth(1).bounding_box()
        popup = completer.bounding_box()
        assert box is not None and popup is not None
        left, top = min(box["x"], popup["x"]), min(box["y"], popup["y"])
        right = max(box["x"] + box["width"], popup["x"] + popup["width"])
        bottom = max(box["y"] + box["height"], popup["y"] + popup["height"])
        page.screenshot(
            path=str(ARTIFACTS / "completion-tables.png"),
            clip={
                "x": left - 8,
                "y": top - 8,
                "width": right - left + 16,
                "height": bottom - top + 16,
            },
        )
    else:
        nb.screenshot("-tables")
    completer.locator('.jp-Completer-item[data-value="orders"]').click()
    expect(completer).to_be_hidden()
    assert cell_text(page, 1) == "%dynamo_query orders"

    environments = profile_names()
    assert {"dev", "acct-b"} <= set(environments)
    assert offered(page, " --env ") == environments
    completer.locator('.jp-Completer-item[data-value="dev"]').click()
    expect(completer).to_be_hidden()
    assert cell_text(page, 1) == "%dynamo_query orders --env dev"
    nb.screenshot("-env")


def test_tab_completes_tables_and_environments_in_jupyterlab(
    notebook: Any, servers: tuple[MotoServer, MotoServer]
) -> None:
    a, _ = servers
    _seed(a)
    nb = notebook("completion", [""])
    complete_in(nb, shoot=True)


def test_tab_completes_tables_and_environments_in_notebook7(
    page: Any, lab: Lab, servers: tuple[MotoServer, MotoServer]
) -> None:
    try:
        __import__("notebook")
    except ImportError:
        missing("the Python package notebook (>=7) is not installed (the `test` extra has it)")
    a, _ = servers
    _seed(a)
    name = "notebook7_completion"
    write_notebook(lab.root / f"{name}.ipynb", [""])
    page.goto(lab.notebook_url(f"{name}.ipynb").replace("/lab/tree/", "/notebooks/"))
    expect(page.locator("#main-panel .jp-NotebookPanel")).to_be_visible()  # Notebook 7's layout
    nb = notebook_ready(page, name, 1)
    complete_in(nb)
