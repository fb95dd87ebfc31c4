"""Real-browser fixtures: a JupyterLab server on loopback and headless Chromium via Playwright.

- ``lab``: one JupyterLab per session (127.0.0.1, a token, ``--allow-root``, a root_dir, settings,
  workspaces and runtime in a temporary folder, lab settings ``overrides.json`` suppressing the
  news toast). Its kernels see a private AWS config whose profiles point at the session's moto
  servers (``dev``/``acct-a`` -> server A, ``acct-b``/``prod-b`` -> server B, as in
  ``tests/conftest.py``), and import dynamo_magic from this checkout.
- ``page``: a fresh Chromium page (``/usr/bin/chromium``, headless); after the test, every
  JupyterLab session is deleted (kernels outlive the page otherwise).
- ``notebook``: writes a notebook into the root_dir, opens it, waits for its kernel, and returns
  a :class:`Notebook` (Run All, wait until every cell ran, assert no error, screenshot).
  The same server also serves Notebook 7 (``/tree``, ``/notebooks/NAME.ipynb``; the
  ``notebook`` package): ``notebook_ready`` waits for a notebook opened there.

Chromium missing: the tests FAIL in CI (``CI`` set to true) and SKIP with the reason elsewhere.
Screenshots go to ``tests/artifacts/`` (gitignored).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import nbformat
import pytest

from conftest import server_profiles, write_profiles
from moto_servers import MotoServer, free_port

# DYNAMO_MAGIC_CHROMIUM: another Chromium (the tests of the fail-in-CI rule point it nowhere)
CHROMIUM = Path(os.environ.get("DYNAMO_MAGIC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
SERVER_START_TIMEOUT = 60  # seconds (JupyterLab, Voilà)
TIMEOUT_MS = 30_000  # a Playwright wait (cells, kernel start)
NEWS_OFF = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> None:
    """A browser prerequisite is missing: a failure in CI, a skip with the reason elsewhere."""
    if in_ci():
        pytest.fail(f"{reason} (CI: browser tests must run; `make test` installs it)")
    pytest.skip(f"{reason}; `make test` installs it (as root), or: apt-get install -y chromium")


# ----------------------------------------------------------------------------- JupyterLab


@dataclass
class Server:
    """A Jupyter server process on loopback: its URL, token, root_dir and log file."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


ServerT = TypeVar("ServerT", bound=Server)


def start_server(
    kind: type[ServerT],
    folder: Path,
    profiles: dict[str, str],
    arguments: Callable[[int, str, Path], list[str]],
    ready: Callable[[ServerT], bool],
) -> ServerT:
    """Start ``python -m <arguments(port, token, root)>`` on a free loopback port with a fresh
    token, its root_dir ``folder/root`` and its log ``folder/<kind>.log``; return once
    ``ready(server)`` says yes. While it starts, connection errors count as "not yet"; if the
    process exits, or does not answer within SERVER_START_TIMEOUT, it is stopped and a
    RuntimeError carries the log's tail."""
    name = kind.__name__
    root = folder / "root"
    root.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    log = folder / f"{name.lower()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", *arguments(port, token, root)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=lab_environment(folder, profiles),
            cwd=root,
        )
    server = kind(f"http://127.0.0.1:{port}", token, root, process, log)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if ready(server):
                return server
        except (OSError, urllib.error.URLError, ValueError):
            pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{name} did not answer in {SERVER_START_TIMEOUT} s:\n{server.log_tail()}")


@dataclass
class Lab(Server):
    """JupyterLab (``/lab``) and, from the same server, Notebook 7 (``/tree``, ``/notebooks``)."""

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def delete_sessions(self) -> None:
        """Shut down every notebook session (and so its kernel)."""
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")
        assert self.api("/api/kernels") == [], "a kernel outlived its session"

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"

    def tree_url(self) -> str:
        """Notebook 7's file browser (a notebook opens from it at ``/notebooks/NAME.ipynb``)."""
        return f"{self.url}/tree?token={self.token}"


def lab_environment(folder: Path, profiles: dict[str, str]) -> dict[str, str]:
    """The server's (and its kernels') environment: private Jupyter dirs and AWS profiles."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "JUPYTER_"))}
    env.update(profiles)
    env.update(
        {
            # a PYTHONPATH given to pytest first (the checkout under test), then this checkout
            "PYTHONPATH": os.pathsep.join(
                [*filter(None, [os.environ.get("PYTHONPATH")]), str(REPO)]
            ),
            "JUPYTER_CONFIG_DIR": str(folder / "config"),
            "JUPYTER_DATA_DIR": str(folder / "data"),
            "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
            "IPYTHONDIR": str(folder / "ipython"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def start_lab(folder: Path, profiles: dict[str, str]) -> Lab:
    """JupyterLab (and Notebook 7, the same server) serving ``folder/root``."""
    settings = folder / "app-settings"
    for sub in (settings, folder / "user-settings", folder / "workspaces"):
        sub.mkdir(parents=True)
    (settings / "overrides.json").write_text(json.dumps(NEWS_OFF))

    def arguments(port: int, token: str, root: Path) -> list[str]:
        return [
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.app_settings_dir={settings}",
            f"--LabApp.user_settings_dir={folder / 'user-settings'}",
            f"--LabApp.workspaces_dir={folder / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: commands (the theme)
        ]

    return start_server(
        Lab, folder, profiles, arguments, lambda lab: bool(lab.api("/api/status").get("started"))
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The Chromium executable (fails in CI, skips elsewhere, when it is missing)."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"{CHROMIUM} is missing")
    return CHROMIUM


@pytest.fixture(scope="session")
def lab(
    chromium: Path,
    moto_pair: tuple[MotoServer, MotoServer],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Lab]:
    """One JupyterLab for the session; its kernels see profiles of the session's moto servers."""
    for module in ("jupyterlab", "ipykernel", "ipywidgets"):
        try:
            __import__(module)
        except ImportError:
            missing(f"the Python package {module} is not installed (the `test` extra has it)")
    folder = tmp_path_factory.mktemp("lab")
    aws = folder / "aws"
    aws.mkdir()
    profiles = write_profiles(aws, server_profiles(*moto_pair))
    server = start_lab(folder, profiles)
    yield server
    stop(server.process)


# ----------------------------------------------------------------------------- Voilà


@dataclass
class Voila(Server):
    def render_url(self, name: str) -> str:
        return f"{self.url}/voila/render/{name}?token={self.token}"


def start_voila(folder: Path, profiles: dict[str, str]) -> Voila:
    """Voilà serving the notebooks of ``folder/root`` (``/voila/render/NAME.ipynb``)."""

    def arguments(port: int, token: str, root: Path) -> list[str]:
        return [
            "voila",
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--port={port}",
            "--Voila.port_retries=0",
            f"--token={token}",
            "--show_tracebacks=True",
            str(root),
        ]

    def ready(server: Voila) -> bool:  # the tree page answers once it listens (no kernel yet)
        with urllib.request.urlopen(f"{server.url}/?token={server.token}", timeout=5) as answer:
            return bool(answer.status == 200)

    return start_server(Voila, folder, profiles, arguments, ready)


@pytest.fixture(scope="session")
def voila(
    chromium: Path,
    moto_pair: tuple[MotoServer, MotoServer],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Voila]:
    """One Voilà for the session; its kernels see the same profiles as JupyterLab's."""
    try:
        __import__("voila")
    except ImportError:
        missing("the Python package voila is not installed (the `test` extra has it)")
    folder = tmp_path_factory.mktemp("voila")
    aws = folder / "aws"
    aws.mkdir()
    server = start_voila(folder, write_profiles(aws, server_profiles(*moto_pair)))
    yield server
    stop(server.process)


# ----------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the Python package playwright is not installed (the `test` extra has it)")
    from playwright.sync_api import expect

    # what the page shows waits on the kernel (the first boto3 client of a fresh venv, a moto
    # call): assertions get the same patience as actions, not Playwright's 5 s
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chrome = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield chrome
        chrome.close()


@pytest.fixture
def blank_page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own browser context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(blank_page: Any, lab: Lab) -> Iterator[Any]:
    """A fresh page for JupyterLab; afterwards every JupyterLab session is deleted."""
    try:
        yield blank_page
    finally:
        blank_page.context.close()
        lab.delete_sessions()


# ----------------------------------------------------------------------------- notebooks


def write_notebook(path: Path, cells: list[str]) -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cells],
        metadata={"kernelspec": KERNELSPEC},
    )
    nbformat.write(notebook, str(path))


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@dataclass
class Notebook:
    page: Any
    name: str
    cells: int

    def run_all(self) -> None:
        """Run → Run All Cells, then wait until every cell has its execution count."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        self.page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        self.wait_ran()

    def wait_ran(self) -> None:
        from playwright.sync_api import expect

        prompts = self.page.locator(".jp-Notebook .jp-InputArea-prompt")
        expect(prompts).to_have_count(self.cells)
        for n in range(self.cells):
            expect(prompts.nth(n)).to_have_text(re.compile(r"^\[\d+\]:$"))
        self.wait_idle()

    def wait_idle(self) -> None:
        from playwright.sync_api import expect

        indicator = self.page.locator(".jp-Notebook-ExecutionIndicator")
        expect(indicator).to_have_attribute("data-status", "idle")

    def assert_no_errors(self) -> None:
        """No cell printed a traceback or wrote to stderr; every widget rendered."""
        errors = self.page.locator(
            ".jp-Notebook [data-mime-type='application/vnd.jupyter.error'],"
            " .jp-Notebook [data-mime-type='application/vnd.jupyter.stderr']"
        )
        assert errors.count() == 0, errors.all_inner_texts()
        broken = self.page.get_by_text(re.compile("Error displaying widget"))
        assert broken.count() == 0, broken.all_inner_texts()

    def screenshot(self, suffix: str = "") -> Path:
        return screenshot(self.page, f"{self.name}{suffix}")

    def cell_screenshot(self, cell: int, suffix: str = "-cell") -> Path:
        """The code cell ``cell`` (0-based) with its outputs only, without JupyterLab around
        it (for the README)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}{suffix}.png"
        self.page.locator(".jp-Notebook .jp-Cell").nth(cell).screenshot(path=str(path))
        return path

    @contextmanager
    def theme(self, name: str) -> Iterator[None]:
        """JupyterLab in the theme ``name`` (e.g. "JupyterLab Dark"), light again afterwards
        (the choice is a user setting: it would outlive the test)."""
        self.set_theme(name)
        try:
            yield
        finally:
            self.set_theme("JupyterLab Light")

    def set_theme(self, name: str) -> None:
        from playwright.sync_api import expect

        self.page.evaluate(
            "theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", name
        )
        expect(self.page.locator("body")).to_have_attribute("data-jp-theme-name", name)
        expect(self.page.locator("#jupyterlab-splash")).to_have_count(0)  # shown while it loads


def open_notebook(page: Any, lab: Lab, name: str, cells: list[str]) -> Notebook:
    """Write ``name``.ipynb, open it in JupyterLab and wait until its kernel is idle."""
    write_notebook(lab.root / f"{name}.ipynb", cells)
    page.goto(lab.notebook_url(f"{name}.ipynb"))
    return notebook_ready(page, name, len(cells))


def notebook_ready(page: Any, name: str, cells: int) -> Notebook:
    """The notebook open in ``page`` (JupyterLab or Notebook 7: the same notebook widgets),
    once its kernel is idle."""
    from playwright.sync_api import expect

    # for a moment after load the indicator says idle while the kernel is still "No Kernel"
    kernel = page.locator(".jp-NotebookPanel-toolbar .jp-KernelName")
    expect(kernel).to_be_visible()
    expect(kernel).not_to_have_text(re.compile("No Kernel|Connecting|Initializing", re.I))
    notebook = Notebook(page, name, cells)
    notebook.wait_idle()
    return notebook


@pytest.fixture
def notebook(page: Any, lab: Lab) -> Any:
    """``notebook(name, cells)`` opens a new notebook of these code cells (kernel idle)."""

    def make(name: str, cells: list[str]) -> Notebook:
        return open_notebook(page, lab, name, cells)

    return make
