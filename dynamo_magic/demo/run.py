"""``dynamo demo``: start the demo, print what to export, optionally run JupyterLab, and stop
everything it started on Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import dynamo_magic

from ..errors import DynamoMagicError, UsageProblem
from . import DEV, PROD, TABLE, Demo, start_demo
from .profiles import OVERRIDING_VARIABLES
from .reopen import drop_stale_widget_views, write_lab_settings
from .servers import HOST, MAX_PORT, free_port

LAB_START_TIMEOUT = 120.0  # seconds for JupyterLab to answer (a first start builds caches)
LAB_STOP_TIMEOUT = 20.0  # seconds for JupyterLab to shut its kernels down after SIGTERM
POLL = 0.5  # seconds between checks that the servers (and JupyterLab) still run
INSTALL_HINT = "pip install 'dynamo_magic[demo]'"
# what a terminal that exports the demo's lines must unset (they set the region themselves);
# JupyterLab and the demo's own processes get no AWS_* variable of the user's at all
OVERRIDING_VARS = tuple(name for name in OVERRIDING_VARIABLES if "REGION" not in name)
NOTEBOOKS = "notebooks"
FIRST_NOTEBOOK = "quickstart.ipynb"  # opened first when it is there
LAB_SETTINGS_DIR = "jupyter"  # on JupyterLab's JUPYTER_CONFIG_PATH: its settings defaults


class DemoFailed(DynamoMagicError):
    """A server or JupyterLab exited on its own (exit code 1; the rest was stopped)."""


class _Stop(Exception):
    """Ctrl-C, SIGTERM or SIGHUP arrived: leave the wait and stop everything."""


# Ctrl-C, `kill`, a closed terminal (SIGHUP does not exist on Windows)
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def lab_installed() -> bool:
    """Whether JupyterLab can be started with this Python."""
    return importlib.util.find_spec("jupyterlab") is not None


def default_folder() -> Path:
    """A fresh folder under ``$XDG_CACHE_HOME/dynamo_magic`` (``~/.cache``), else the temp dir."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dynamo_magic"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="demo-", dir=cache))
    except OSError:
        return Path(tempfile.mkdtemp(prefix="dynamo_magic-demo-"))


def notebooks_source() -> Path | None:
    """The notebooks to copy: a checkout's ``notebooks/``, else the package's copy."""
    package = Path(dynamo_magic.__file__).resolve().parent
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / NOTEBOOKS).is_dir():
        return checkout / NOTEBOOKS
    shipped = package / "demo" / NOTEBOOKS
    return shipped if shipped.is_dir() and any(shipped.glob("*.ipynb")) else None


def notebook_dir(folder: Path) -> Path:
    """Where JupyterLab opens: the notebooks (a checkout's or the package's) copied into
    ``folder/notebooks``, the user's own copy (existing files are kept), so that running and
    saving them never changes a checkout or the installed package; ``folder`` when there are
    none. Widget outputs that a new kernel could only show as errors are dropped from the
    notebooks there (see ``reopen``)."""
    source = notebooks_source()
    if source is None:
        target = folder
    else:
        target = folder / NOTEBOOKS
        target.mkdir(exist_ok=True)
        for notebook in sorted(source.glob("*.ipynb")):
            if not (target / notebook.name).exists():
                shutil.copyfile(notebook, target / notebook.name)
    drop_stale_widget_views(target)
    return target


def run(lab: bool, port: int | None, folder: Path | None) -> None:
    """Run the demo until Ctrl-C or SIGTERM (or until JupyterLab is shut down from its menu).

    Raises ``UsageProblem`` (nothing started) for a taken port or a missing JupyterLab, and
    ``DemoFailed`` when a server or JupyterLab stops on its own.
    """
    if port is not None and not 1 <= port < MAX_PORT:
        raise UsageProblem(
            f"--port {port} is not a usable port: give 1 to {MAX_PORT - 1} "
            "(demo-dev takes the next one)"
        )
    if lab and not lab_installed():
        raise UsageProblem(f"JupyterLab is not installed: {INSTALL_HINT} (or use --no-lab)")
    if folder is None:
        folder = default_folder()
    elif folder.exists() and not folder.is_dir():
        raise UsageProblem(f"--folder {folder} is a file: give a folder (created when missing)")
    overriding = [name for name in OVERRIDING_VARS if os.environ.get(name)]
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        del os.environ[name]  # the user's AWS settings play no part (servers, seeding, lab)
    with _stop_on_signals():
        try:
            started = time.monotonic()
            with start_demo(folder.resolve(), port) as demo:
                _print_variables(demo, time.monotonic() - started, overriding)
                if lab:
                    with _jupyterlab(demo) as process:
                        _wait(demo, process)
                else:
                    _wait(demo, None)
        except _Stop:
            print("Stopping the demo.", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """The first Ctrl-C, SIGTERM or SIGHUP raises ``_Stop``; later ones are ignored, so that
    stopping the servers and JupyterLab is not itself interrupted."""

    def stop(signum: int, frame: FrameType | None) -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        raise _Stop

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _print_variables(demo: Demo, seconds: float, overriding: list[str]) -> None:
    """The variables as ``NAME=value`` lines (a valid shell/.env file: the rest are comments);
    ``overriding``: variables of the user's shell that a terminal must unset to use them."""
    lines = [
        f"# dynamo_magic demo in {demo.folder} (seeded in {seconds:.1f} s)",
        f"# {PROD}: DynamoDB at {demo.prod.url}; {DEV}: DynamoDB at {demo.dev.url}; "
        f"table {TABLE} in both",
        "# export these in any terminal or kernel to use them:",
        *(f"{name}={shlex.quote(value)}" for name, value in demo.variables.items()),
    ]
    if overriding:
        lines.append(f"# and unset {' '.join(overriding)} (they would override the profiles)")
    print("\n".join(lines), flush=True)


def _lab_config(folder: Path) -> Path:
    """A JupyterLab config of the demo's own: its terminals run the user's shell as is. (Without
    a tty JupyterLab starts a login shell, whose /etc/profile resets PATH: `dynamo` would be
    "command not found" in a terminal of the demo.)"""
    shell = os.environ.get("SHELL") or shutil.which("bash") or shutil.which("sh") or "sh"
    path = folder / "jupyter_server_config.json"
    path.write_text(json.dumps({"ServerApp": {"terminado_settings": {"shell_command": [shell]}}}))
    return path


@contextlib.contextmanager
def _jupyterlab(demo: Demo) -> Iterator[subprocess.Popen[bytes]]:
    """JupyterLab on the notebooks with the demo's variables (so every kernel sees the two
    environments), on a free loopback port with a fresh token; stopped on the way out."""
    root = notebook_dir(demo.folder)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ) | demo.variables  # no AWS_* variable of the user's is left (run)
    # this Python's scripts first: `!dynamo ...` and JupyterLab's terminals find the CLI even
    # when the virtual environment was never activated (`make demo`)
    env["PATH"] = os.pathsep.join(filter(None, [str(Path(sys.executable).parent), env.get("PATH")]))
    # JupyterLab settings of the demo's (reopen.LAB_SETTINGS): defaults that ~/.jupyter beats
    write_lab_settings(demo.folder / LAB_SETTINGS_DIR)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        filter(None, [str(demo.folder / LAB_SETTINGS_DIR), env.get("JUPYTER_CONFIG_PATH")])
    )
    log = demo.folder / "jupyterlab.log"
    page = f"/lab/tree/{FIRST_NOTEBOOK}" if (root / FIRST_NOTEBOOK).is_file() else "/lab"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.default_url={page}",  # the page a browser opens on
        f"--IdentityProvider.token={token}",
        f"--config={_lab_config(demo.folder)}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")  # containers often run as root
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,
            start_new_session=True,  # Ctrl-C reaches the demo only, which stops JupyterLab
        )
    try:
        url = f"http://{HOST}:{port}{page}?token={token}"
        _wait_for_lab(process, f"http://{HOST}:{port}/api/status?token={token}", log)
        print(
            f"# JupyterLab on {root}: {url}\n# (its log: {log})\n# Ctrl-C stops the demo",
            flush=True,
        )
        yield process
    finally:
        _stop_process(process)


def _wait_for_lab(process: subprocess.Popen[bytes], status_url: str, log: Path) -> None:
    deadline = time.monotonic() + LAB_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoFailed(f"JupyterLab exited with code {process.returncode}; see {log}")
        try:
            urllib.request.urlopen(status_url, timeout=2).close()
            return
        except OSError:
            time.sleep(POLL)
    raise DemoFailed(f"JupyterLab did not answer in {LAB_START_TIMEOUT:.0f} s; see {log}")


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=LAB_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(demo: Demo, lab: subprocess.Popen[bytes] | None) -> None:
    """Until a signal (``_Stop``), or JupyterLab shut down from its File menu (return); a
    server or JupyterLab that fails ends the demo with ``DemoFailed``."""
    if lab is None:
        print("# Ctrl-C stops the demo", flush=True)
    while True:
        for name, process in ((PROD, demo.prod.process), (DEV, demo.dev.process)):
            if process.poll() is not None:
                log = demo.folder / f"{name}.log"
                raise DemoFailed(
                    f"{name}'s DynamoDB server exited (code {process.returncode}); see {log}"
                )
        if lab is not None and lab.poll() is not None:
            if lab.returncode:
                log = demo.folder / "jupyterlab.log"
                raise DemoFailed(f"JupyterLab exited with code {lab.returncode}; see {log}")
            print("JupyterLab was shut down; stopping the demo.", file=sys.stderr, flush=True)
            return
        time.sleep(POLL)
