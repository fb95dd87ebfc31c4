"""A notebook saved with panels in the demo's JupyterLab reopens, in a second demo on the same
``--folder`` (a new kernel), with its panels as they were saved: never "Error displaying widget:
model not found" (see dynamo_magic/demo/reopen.py).

The demo runs as a user runs it (``python -m dynamo_magic.demo --folder F``, a scratch HOME kept
for both runs: a new HOME would untrust the saved notebook); the quickstart's panel cells are
run and saved through the page, the demo is stopped with Ctrl-C and started again.
"""

from __future__ import annotations

import json
import re
import signal
import time
import urllib.request
from pathlib import Path
from typing import Any

from demo_process import EXIT_TIMEOUT, LAB_TIMEOUT, DemoProcess, assert_gone, isolated_env

from .conftest import ARTIFACTS, notebook_ready

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures then fail (in CI) or skip (elsewhere), with the reason
    expect = None

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# the quickstart's cells to run: the extension, a QueryPanel, a query run through it (its
# DataFrame shows inside the panel), and a panel opened by the magic
RUN = (
    "import dynamo_magic as dm",
    "panel = dm.QueryPanel(",
    "panel.run_button.click()",
    "%dynamo_panel query shop",
)
SAVE_TIMEOUT = 60.0  # seconds for the saved notebook to reach the disk


def _lab_url(demo: DemoProcess) -> str:
    lines = demo.wait_for("Ctrl-C stops the demo", LAB_TIMEOUT)
    (line,) = [line for line in lines if "JupyterLab on" in line]
    return line.split(": ", 1)[1]


def _saved_views(path: Path) -> list[str]:
    """The model ids of the widget outputs saved in the notebook at ``path``."""
    notebook = json.loads(path.read_text())
    return [
        output["data"][WIDGET_VIEW]["model_id"]
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
    ]


def _open(blank_page: Any, url: str) -> Any:
    blank_page.goto(url)
    return notebook_ready(blank_page, "quickstart", 0)


def test_a_notebook_saved_with_panels_reopens_in_a_second_demo(blank_page, tmp_path):
    env = isolated_env(tmp_path)
    folder = tmp_path / "demo"
    saved = folder / "notebooks" / "quickstart.ipynb"
    started: list[DemoProcess] = []
    try:
        first = DemoProcess(["--folder", str(folder)], env)
        started.append(first)
        url = _lab_url(first)
        base, token = url.split("/lab", 1)[0], url.split("token=", 1)[1]
        setting = f"{base}/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin"
        with urllib.request.urlopen(f"{setting}?token={token}", timeout=60) as answer:
            schema = json.load(answer)["schema"]  # the demo's default ("Save Widget State")
        assert schema["properties"]["saveState"]["default"] is True

        page = _open(blank_page, url).page
        for text in RUN:
            cell = page.locator(".jp-Notebook .jp-CodeCell", has_text=text).first
            cell.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            expect(cell.locator(".jp-InputArea-prompt")).to_have_text(re.compile(r"^\[\d+\]:$"))
        panels = page.locator(".dynamo-query-panel")
        expect(panels).to_have_count(2)
        expect(panels.first.locator("table.dataframe")).to_contain_text("CUSTOMER#c002")
        page.keyboard.press("Control+s")
        deadline = time.monotonic() + SAVE_TIMEOUT
        while len(_saved_views(saved)) < 2:
            assert time.monotonic() < deadline, "the notebook was not saved"
            time.sleep(0.5)
        tree = first.tree()
        assert first.stop(signal.SIGINT)[0] == 0
        assert_gone(tree)

        second = DemoProcess(["--folder", str(folder)], env)
        started.append(second)
        page = _open(blank_page, _lab_url(second)).page
        panels = page.locator(".dynamo-query-panel")
        broken = page.get_by_text(re.compile("Error displaying widget"))
        expect(panels.or_(broken).first).to_be_visible()  # the saved outputs have rendered
        assert broken.count() == 0, broken.all_inner_texts()
        expect(panels).to_have_count(2)  # as saved, before any cell runs
        expect(panels.first.locator("table.dataframe")).to_contain_text("CUSTOMER#c002")
        assert broken.count() == 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        panels.first.screenshot(path=str(ARTIFACTS / "reopened-query-panel.png"))
        tree = second.tree()
        assert second.stop(signal.SIGINT)[0] == 0
        assert_gone(tree)
    finally:
        for demo in started:
            if demo.process.poll() is None:
                demo.kill()
                demo.process.wait(timeout=EXIT_TIMEOUT)
