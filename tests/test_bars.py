"""How a copy ends looks the same in every front end: the panel's progress widget, the magics'
tqdm widgets and the CLI's terminal bars.

Success is green and full with the true count; cancelled (Cancel, a kernel interrupt) is
neutral and says so; failed (items unwritten after every retry) is red, says FAILED, is not
full, and a panel's ``error`` holds its line. The failure is made deterministic by a proxy in
front of the target that hands one partition's puts back as ``UnprocessedItems`` every time,
with ``max_retries = 2``.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tqdm import tqdm as terminal_tqdm

from dynamo_magic import CopyResult, Outcome
from dynamo_magic.demo.profiles import OVERRIDING_VARIABLES
from dynamo_magic.notebook.panels import WidgetProgress
from dynamo_magic.progress_bars import BAR_STYLES, ENDINGS, TqdmProgress
from dynamo_magic.transfer.result import Verification

from conftest import subprocess_env, write_profiles
from live_kernel import LiveKernel, errors, live_kernel, printed
from moto_servers import MotoServer
from proxy import Action, FaultProxy, Forward, HoldBack
from tables import create_events, events_items, put_all

DYNAMO = (sys.executable, "-m", "dynamo_magic.cli")  # the `dynamo` command
SOURCE, TARGET = "acct-a", "acct-b"  # the target is reached through the proxy
HELD_DEVICE = "1"  # its puts always come back unprocessed: its 20 items fail
DEVICES, PER_DEVICE = 5, 20  # 100 items: a copy in threads
ITEMS, FAILING = DEVICES * PER_DEVICE, PER_DEVICE
SETTINGS = "max_retries = 2\nbackoff_base = 0.01\nbackoff_cap = 0.05\n"
SLOW_WRITE = 0.1  # seconds each BatchWriteItem is held: a copy still running when cancelled
SLOW_ITEMS = 400  # items of the cancelled copy (16 batches, one worker)


def held(table: str, request: dict[str, Any]) -> bool:
    put = request.get("PutRequest")
    return put is not None and put["Item"]["device"]["N"] == HELD_DEVICE


class Lab:
    """Two servers, the target behind a proxy whose rule a test sets, profiles and settings
    (``max_retries = 2``) in a folder: what a kernel or the CLI is started with."""

    def __init__(self, servers: tuple[MotoServer, MotoServer], folder: Path):
        self.servers, self.folder = servers, folder
        self.rule: Any = None  # ``None``: forward everything
        self.proxy = FaultProxy(servers[1].url, self._rule)
        variables = write_profiles(
            folder, {SOURCE: servers[0].url, TARGET: self.proxy.url, "default": servers[0].url}
        )
        Path(variables["DYNAMO_MAGIC_CONFIG"]).write_text(SETTINGS)
        inherited = {k: v for k, v in subprocess_env().items() if k not in OVERRIDING_VARIABLES}
        # the module's kernel outlives every test's own cache folder (``isolated_aws``): its
        # copies' checkpoints go to the lab's, never to the user's
        self.env = {**inherited, **variables, "XDG_CACHE_HOME": str(folder / "cache")}

    def _rule(self, op: str, body: dict[str, Any]) -> Action:
        return self.rule(op, body) if self.rule is not None and op == "BatchWriteItem" else None

    def seed(self, items: list[dict[str, Any]], rule: Any = None) -> None:
        """Empty servers, ``events`` at the source holding ``items``, and the proxy's rule."""
        for server in self.servers:
            server.reset()
        self.rule = None
        source = self.servers[0].client()
        create_events(source)
        put_all(source, "events", items)
        self.rule = rule

    def target_count(self) -> int:
        client = self.servers[1].client()
        return int(client.scan(TableName="events", Select="COUNT")["Count"])


@pytest.fixture(scope="module")
def lab(
    moto_pair: tuple[MotoServer, MotoServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Lab]:
    made = Lab(moto_pair, tmp_path_factory.mktemp("bars"))
    with made.proxy:
        yield made


@pytest.fixture(scope="module")
def kernel(lab: Lab) -> Iterator[LiveKernel]:
    """One kernel for the module (each test its own variables), working in the lab's folder."""
    with live_kernel(lab.folder, lab.env) as started:
        started.run("import json\nimport dynamo_magic as dm\n%load_ext dynamo_magic")
        yield started
        assert started.stray == []  # nothing shown outside a cell: a page would show it nowhere


def all_items() -> list[dict[str, Any]]:
    return events_items(devices=DEVICES, per_device=PER_DEVICE)


def failing(lab: Lab) -> None:
    lab.seed(all_items(), lambda op, body: HoldBack(held))


def slow(lab: Lab) -> None:
    lab.seed(
        events_items(devices=10, per_device=SLOW_ITEMS // 10), lambda op, body: Forward(SLOW_WRITE)
    )


# -- one end state ---------------------------------------------------------------------------------
def test_a_results_outcome_is_failed_whenever_something_failed():
    def result(**fields: Any) -> CopyResult:
        return CopyResult("events (a)", "events (b)", "replace", **fields)

    mismatch = Verification("count", 100, 80, False)
    assert result().outcome is Outcome.SUCCESS and bool(Outcome.SUCCESS)
    assert result(interrupted=True).outcome is Outcome.CANCELLED
    for failed in (
        result(failed=20),
        result(verification=mismatch),
        result(error="stopped"),
        result(interrupted=True, failed=3),  # cancelled, but items were lost before
    ):
        assert failed.outcome is Outcome.FAILED and not failed.outcome
        assert failed.summary_line().startswith("copy FAILED:")
    assert not Outcome.CANCELLED and Outcome("failed") == "failed"


# -- one adapter: a low estimate grows -----------------------------------------------------------
def test_a_running_bar_grows_its_total_when_the_count_passes_the_estimate():
    from tqdm.notebook import tqdm as notebook_tqdm

    for make in (terminal_tqdm, notebook_tqdm):
        out = io.StringIO()
        bars = TqdmProgress()
        bars._tqdm = lambda make=make, out=out, **kw: make(file=out, **kw)
        bars.start("copy", 150)
        bars.advance(100)
        assert bars.bar.total == 150
        bars.advance(200)  # 300 of an estimated 150: the total grows, never "300/150"
        assert (bars.bar.n, bars.bar.total) == (300, 300)
        bars.bar.refresh()  # tqdm draws at most every 0.1 s
        if make is notebook_tqdm:
            widget = bars.bar.container.children[1]
            assert (widget.value, widget.max) == (300, 300)
        else:
            assert "300/300" in out.getvalue().split("\r")[-1]
        bars.close(Outcome.FAILED)
    widget = WidgetProgress()
    widget.start("copy", 150)
    widget.advance(300)
    assert (widget.bar.value, widget.bar.max, widget.total) == (300, 300, 300)
    assert "300/300 items" in widget.label.value


# -- one adapter: a bar that did not succeed is never full, never "100%" ---------------------------
def drawn(make: Any) -> tuple[TqdmProgress, io.StringIO]:
    out = io.StringIO()
    bars = TqdmProgress()
    bars._tqdm = lambda **kw: make(file=out, **kw)
    return bars, out


def last_line(out: io.StringIO) -> str:
    return out.getvalue().rstrip("\n").split("\r")[-1]


@pytest.mark.parametrize("outcome", [Outcome.FAILED, Outcome.CANCELLED])
def test_a_bar_short_of_its_total_never_reads_100_percent(outcome):
    from tqdm.notebook import tqdm as notebook_tqdm

    bars, out = drawn(terminal_tqdm)
    bars.start("copy", 4790)
    bars.advance(4780)  # 99.8%: tqdm's own percentage rounds it to "100%"
    bars.close(outcome)
    line = last_line(out)
    assert line.startswith(f"copy {ENDINGS[outcome]}:  99%|") and " 4780/4790 " in line, line
    assert "100%" not in out.getvalue()

    bars, _ = drawn(notebook_tqdm)
    bars.start("copy", 4790)
    bars.advance(4780)
    text, widget = bars.bar.container.children[:2]
    bars.close(outcome)
    assert (widget.value, widget.max) == (4780, 4790)
    assert text.value.replace("\u2007", " ").startswith(f"copy {ENDINGS[outcome]}:  99%")
    assert widget.bar_style == BAR_STYLES[outcome]


def test_a_failed_phase_of_unknown_total_shows_its_count_and_failed_not_a_full_bar():
    """A verification's count has no total: failed, it is red, says FAILED and its count,
    and its bar is not full (tqdm's notebook bar of an unknown total is a full 1 of 1)."""
    from tqdm.notebook import tqdm as notebook_tqdm

    bars, out = drawn(terminal_tqdm)
    bars.start("verify acct-b", None)
    bars.advance(3)
    bars.close(Outcome.FAILED)
    assert last_line(out).startswith("verify acct-b FAILED: 3 items [")

    bars, _ = drawn(notebook_tqdm)
    bars.start("verify acct-b", None)
    bars.advance(3)
    container = bars.bar.container
    bars.close(Outcome.FAILED)
    widget = container.children[1]
    assert widget.value < widget.max and widget.bar_style == "danger"
    shown = " ".join(child.value for child in (container.children[0], container.children[2]))
    assert re.search(r"verify acct-b FAILED: +3(/\?| items) ", shown.replace("\u2007", " "))


def test_a_failed_phase_that_grew_its_total_does_not_end_full():
    """The grown total is the count while running; failed, how much was left is unknown:
    its count and FAILED, no full bar (terminal, notebook tqdm and the panel's widget)."""
    from tqdm.notebook import tqdm as notebook_tqdm

    bars, out = drawn(terminal_tqdm)
    bars.start("copy", 150)
    bars.advance(100)
    bars.advance(200)
    bars.close(Outcome.FAILED)
    assert last_line(out).startswith("copy FAILED: 300 items [")
    assert "300/300" not in last_line(out) and "100%" not in last_line(out)

    bars, _ = drawn(notebook_tqdm)
    bars.start("copy", 150)
    bars.advance(100)
    bars.advance(200)
    widget = bars.bar.container.children[1]
    bars.close(Outcome.FAILED)
    assert widget.value < widget.max and widget.bar_style == "danger"

    panel = WidgetProgress()
    panel.start("copy", 150)
    panel.advance(100)
    panel.advance(200)
    assert (panel.bar.value, panel.bar.max) == (300, 300)  # running: the grown total
    panel.close(Outcome.FAILED)
    assert panel.bar.value < panel.bar.max and panel.bar.bar_style == "danger"
    assert panel.label.value.startswith("copy: 300 items, ")
    assert panel.label.value.endswith(" FAILED")


def test_a_successful_phase_stays_green_and_full_with_the_true_count():
    from tqdm.notebook import tqdm as notebook_tqdm

    bars, out = drawn(terminal_tqdm)
    bars.start("copy", 150)
    bars.advance(120)
    bars.close(Outcome.SUCCESS)
    assert last_line(out).startswith("copy: 100%|") and " 120/120 " in last_line(out)
    bars, _ = drawn(notebook_tqdm)
    bars.start("copy", 150)
    bars.advance(120)
    widget = bars.bar.container.children[1]
    bars.close(Outcome.SUCCESS)
    assert (widget.value, widget.max, widget.bar_style) == (120, 120, "success")
    panel = WidgetProgress()
    panel.start("copy", 150)
    panel.advance(120)
    panel.close(Outcome.SUCCESS)
    assert (panel.bar.value, panel.bar.max, panel.bar.bar_style) == (120, 120, "success")
    assert panel.label.value.startswith("copy: 120/120 items")


# -- the terminal --------------------------------------------------------------------------------
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("outcome", "colour"),
    [(Outcome.SUCCESS, "\x1b[32m"), (Outcome.FAILED, "\x1b[31m"), (Outcome.CANCELLED, None)],
)
@pytest.mark.parametrize("stream", [Terminal, io.StringIO])
def test_a_terminal_bar_is_coloured_by_its_outcome_only_on_a_terminal(outcome, colour, stream):
    out = stream()
    bars = TqdmProgress()
    bars._tqdm = lambda **kw: terminal_tqdm(file=out, **kw)
    bars.start("copy", 10)
    bars.advance(4)
    bars.close(outcome)
    last = out.getvalue().rstrip("\n").split("\r")[-1]
    assert ("\x1b[" in last) is (colour is not None and stream is Terminal), repr(last)
    if colour and stream is Terminal:
        assert colour in last


def test_a_failed_copy_ends_its_terminal_bars_failed_not_full(lab, tmp_path):
    failing(lab)
    result = subprocess.run(
        [*DYNAMO, "copy", "-t", "events", "--source", SOURCE, "--target", TARGET, "--yes"],
        capture_output=True,
        text=True,
        env=lab.env,
        cwd=tmp_path,  # the failed-items file lands here
        timeout=120,
    )
    assert result.returncode == 1
    lines = [line for part in result.stderr.splitlines() for line in part.split("\r") if line]
    assert lines[-1].startswith("Error: copy FAILED:") and f"{FAILING} failed" in lines[-1]
    assert lines[0].startswith("Checkpoint: ")  # printed before the first bar
    finals = {}  # each bar's last state, by phase
    for line in lines[1:-1]:
        finals[line.split(":")[0].removesuffix(" FAILED")] = line
    assert set(finals) == {"copy", f"verify {TARGET}"}, lines
    written = ITEMS - FAILING
    short = f"copy FAILED: {100 * written // ITEMS:3d}%|"  # 80 of 100: short of full
    assert finals["copy"].startswith(short) and f" {written}/{ITEMS} " in finals["copy"]
    assert finals[f"verify {TARGET}"].startswith(f"verify {TARGET} FAILED:")
    assert all("100%" not in line for line in finals.values())
    assert lab.target_count() == written


# -- the copy panel ------------------------------------------------------------------------------
PANEL = """
{name} = dm.CopyPanel(source="{source}", target="{target}", table="events")
{name}.workers.value = 1
{name}.plan_button.click()
print(json.dumps({{"error": {name}.error, "copy": {name}.copy_button.model_id,
    "cancel": {name}.cancel_button.model_id, "bar": {name}.progress.bar.model_id}}))
"""
ENDED = """
{name}.wait(120)
print(json.dumps({{"error": {name}.error, "label": {name}.progress.label.value,
    "ok": {name}.result.ok if {name}.result else None,
    "interrupted": {name}.result.interrupted if {name}.result else None,
    "written": {name}.result.written if {name}.result else None}}))
"""


def panel(kernel: LiveKernel, name: str) -> dict[str, str]:
    ids = printed(kernel.run(PANEL.format(name=name, source=SOURCE, target=TARGET)))
    assert ids["error"] is None
    return ids


def test_a_failed_copy_in_the_panel_ends_red_short_and_sets_error(lab, kernel):
    failing(lab)
    ids = panel(kernel, "failing")
    kernel.click(ids["copy"])  # on the page: the copy runs in the kernel's background
    ended = printed(kernel.run(ENDED.format(name="failing")))
    styles = kernel.history(ids["bar"], "bar_style")
    state = kernel.widget_state[ids["bar"]]
    assert styles[-1] == "danger" and state["value"] < state["max"], styles
    assert ended["written"] == state["value"] == lab.target_count() == ITEMS - FAILING
    assert ended["label"].endswith("FAILED")
    assert ended["error"] is not None and ended["error"].startswith("copy FAILED:")
    assert f"{FAILING} failed" in ended["error"]


def test_a_good_copy_in_the_panel_ends_green_and_full_and_never_red(lab, kernel):
    lab.seed(all_items())
    ids = panel(kernel, "good")
    kernel.click(ids["copy"])
    ended = printed(kernel.run(ENDED.format(name="good")))
    state = kernel.widget_state[ids["bar"]]
    assert "danger" not in kernel.history(ids["bar"], "bar_style")
    assert state["bar_style"] == "success" and state["value"] == state["max"] == ITEMS
    assert ended["error"] is None and ended["ok"] and ended["written"] == ITEMS


def test_a_cancelled_copy_in_the_panel_ends_neutral(lab, kernel):
    slow(lab)
    ids = panel(kernel, "stopping")
    kernel.click(ids["copy"])
    wait_for_progress(kernel, ids["bar"], "stopping")
    kernel.click(ids["cancel"])
    ended = printed(kernel.run(ENDED.format(name="stopping")))
    styles = set(kernel.history(ids["bar"], "bar_style"))
    state = kernel.widget_state[ids["bar"]]
    assert styles == {""} and state["value"] < state["max"] == SLOW_ITEMS
    assert ended["interrupted"] and ended["error"] is None
    assert ended["label"].endswith("(cancelled)")


def wait_for_progress(kernel: LiveKernel, bar: str, name: str) -> None:
    """Until the panel's bar has moved (read by a cell: iopub is read while one runs)."""
    kernel.run(
        f"import time\nwhile {name}.progress.items == 0 and {name}.running: time.sleep(0.02)"
    )
    assert any(value > 0 for value in kernel.history(bar, "value"))


# -- the magic's tqdm bars -------------------------------------------------------------------------
COPY = f"%dynamo_copy events --source {SOURCE} --target {TARGET} --yes --workers 1"


def tqdm_bars(kernel: LiveKernel, before: set[str]) -> list[tuple[str, str]]:
    """(progress model, text model left of it) of each tqdm bar made since ``before``."""
    bars = []
    for box in kernel.models("HBoxModel"):
        children = [c.removeprefix("IPY_MODEL_") for c in kernel.widget_state[box]["children"]]
        if len(children) != 3 or children[1] in before:
            continue
        if kernel.widget_state[children[1]].get("_model_name") == "FloatProgressModel":
            bars.append((children[1], children[0]))
    return bars


def test_a_failed_copy_in_the_magic_ends_its_bars_red_not_full(lab, kernel):
    failing(lab)
    before = set(kernel.widget_state)
    cell = kernel.run(COPY)
    assert any("copy FAILED" in e and f"{FAILING} failed" in e for e in errors(cell))
    bars = tqdm_bars(kernel, before)
    assert len(bars) == 2  # copy, verify
    for bar, text in bars:
        assert kernel.widget_state[bar]["bar_style"] == "danger"
        assert "FAILED" in kernel.widget_state[text]["value"]
    copy_bar = kernel.widget_state[bars[0][0]]
    assert copy_bar["value"] == ITEMS - FAILING < copy_bar["max"] == ITEMS


def test_a_good_copy_in_the_magic_ends_its_bars_green_and_full(lab, kernel):
    lab.seed(all_items())
    before = set(kernel.widget_state)
    cell = kernel.run(f"result = {COPY}\nprint(json.dumps(result.written))")
    assert not errors(cell) and printed(cell) == ITEMS
    bars = tqdm_bars(kernel, before)
    assert len(bars) == 2
    for bar, _ in bars:
        state = kernel.widget_state[bar]
        assert "danger" not in kernel.history(bar, "bar_style")
        assert state["bar_style"] == "success" and state["value"] == state["max"]
    assert kernel.widget_state[bars[0][0]]["max"] == ITEMS


def test_an_interrupted_copy_in_the_magic_ends_its_bar_neutral(lab, kernel):
    slow(lab)
    before = set(kernel.widget_state)
    interrupted = threading.Event()

    def interrupt_once_written() -> None:  # as the page's interrupt button: SIGINT
        while not interrupted.is_set():
            if any(c.op == "BatchWriteItem" and c.answered for c in lab.proxy.calls):
                os.kill(kernel.km.provisioner.process.pid, signal.SIGINT)
                interrupted.set()
            interrupted.wait(0.02)

    watcher = threading.Thread(target=interrupt_once_written, daemon=True)
    lab.proxy.calls.clear()
    watcher.start()
    cell = kernel.run(COPY)
    interrupted.set()
    watcher.join()
    assert any("copy INTERRUPTED" in e for e in errors(cell)), errors(cell)
    (bar, text), *_ = tqdm_bars(kernel, before)
    state = kernel.widget_state[bar]
    assert set(kernel.history(bar, "bar_style")) <= {""}
    assert state["bar_style"] == "" and state["value"] < state["max"] == SLOW_ITEMS
    assert "(cancelled)" in kernel.widget_state[text]["value"]
