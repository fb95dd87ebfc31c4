"""Binder: ``binder/postBuild`` and ``binder/start`` run as repo2docker runs them (no Docker
here): postBuild in a scratch virtual environment with a scratch HOME, then ``start`` with a
command that asks a real kernel what it sees. Nothing may be left running afterwards."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import textwrap
import tomllib
from pathlib import Path

import psutil
import pytest

from dynamo_magic.demo import DEV, PROD, TABLE

from conftest import scratch_venv, subprocess_env
from moto_servers import port_pair

REPO = Path(__file__).resolve().parent.parent
BINDER = REPO / "binder"
BUILD_TIMEOUT = 600  # seconds for postBuild (pip builds the editable package)
RUN_TIMEOUT = 600  # seconds for start + a kernel + the quickstart notebook
QUICKSTART = REPO / "notebooks" / "quickstart.ipynb"


def _requirement_names(lines: list[str]) -> dict[str, str]:
    """``name[extras]`` (lowercase) -> the whole requirement."""
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            found[re.split(r"[<>=!~; ]", line, maxsplit=1)[0].lower()] = line
    return found


def test_requirements_match_the_demo_extra():
    """binder/requirements.txt (installed before the repository is copied) lists what
    ``.[demo]`` needs, so the postBuild install has nothing left to download."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted, pending, seen = list(project["dependencies"]), ["demo"], set()
    while pending:
        extra = pending.pop()
        seen.add(extra)
        for requirement in extras[extra]:
            own = re.fullmatch(r"dynamo_magic\[(.+)\]", requirement)
            if own:
                pending.extend(e for e in own.group(1).split(",") if e not in seen)
            else:
                wanted.append(requirement)
    listed = _requirement_names((BINDER / "requirements.txt").read_text().splitlines())
    assert listed == _requirement_names(wanted)
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"  # requires-python
    assert project["requires-python"] == ">=3.11"


def test_scripts_are_executable_and_strict():
    for name in ("postBuild", "start"):
        script = BINDER / name
        assert os.access(script, os.X_OK), f"binder/{name} is not executable"
        text = script.read_text()
        assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    assert 'exec "$@"' in (BINDER / "start").read_text()


KERNEL_CHECK = (
    textwrap.dedent(
        """
    import json, os, sys, psutil
    from jupyter_client.manager import start_new_kernel

    code = (
        "import json, dynamo_magic as dm\\n"
        "ip = get_ipython()\\n"
        "print(json.dumps({'envs': dm.list_environments(), "
        "'prod': dm.list_tables(env=%r), 'dev': dm.list_tables(env=%r), "
        "'magic': 'dynamo_query' in ip.magics_manager.magics['line'], "
        "'module': dm.__file__}))"
    ) % (PROD_NAME, DEV_NAME)
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        seen = []
        reply = client.execute_interactive(
            code, timeout=120, output_hook=lambda msg: seen.append(msg)
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        text = "".join(m["content"].get("text", "") for m in seen if m["msg_type"] == "stream")
        answer = json.loads(text)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    notebook = sys.argv[1]
    if os.path.exists(notebook):
        import nbformat
        from nbclient import NotebookClient

        book = nbformat.read(notebook, as_version=4)
        NotebookClient(book, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": os.path.dirname(notebook)}}).execute()
        answer["notebook_cells"] = len(book.cells)
        answer["outputs"] = json.dumps([c.get("outputs", []) for c in book.cells])
    answer["variables"] = {k: os.environ.get(k) for k in ("AWS_CONFIG_FILE", "DYNAMO_MAGIC_CONFIG")}
    # the settings defaults JupyterLab (started by the same `start`) reads
    from jupyter_server.services.config.manager import ConfigManager
    labconfig = ConfigManager(config_dir_name="labconfig")
    answer["lab_defaults"] = labconfig.get("default_setting_overrides")
    answer["children"] = [p.pid for p in psutil.Process().children(recursive=True)]
    print("ANSWER " + json.dumps(answer))
    """
    )
    .replace("PROD_NAME", repr(PROD))
    .replace("DEV_NAME", repr(DEV))
)


@pytest.mark.timeout(BUILD_TIMEOUT + RUN_TIMEOUT)
def test_postbuild_then_start_give_kernels_the_demo(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    python = scratch_venv(tmp_path / "venv")
    env = {k: v for k, v in subprocess_env().items() if not k.startswith(("AWS_", "PYTHON"))}
    env.pop("DYNAMO_MAGIC_CONFIG", None)
    env.pop("VIRTUAL_ENV", None)
    env.update(
        HOME=str(home),
        PATH=f"{python.parent}{os.pathsep}{env['PATH']}",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        DYNAMO_DEMO_FOLDER=str(tmp_path / "demo"),
        DYNAMO_DEMO_PORT=str(port_pair()),
    )
    build = subprocess.run(
        [str(BINDER / "postBuild")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    # the notebooks load the extension: a preloaded one would greet with "already loaded"
    assert not (home / ".ipython" / "profile_default" / "ipython_config.py").exists()

    start = subprocess.Popen(
        [str(BINDER / "start"), str(python), "-c", KERNEL_CHECK, str(QUICKSTART)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the background demo is in this group: stopped below
    )
    try:
        out, err = start.communicate(timeout=RUN_TIMEOUT)
    finally:
        leftovers = _group(start.pid)
        if leftovers:
            os.killpg(start.pid, signal.SIGTERM)
    assert start.returncode == 0, out[-3000:] + err[-3000:]
    (line,) = [line for line in out.splitlines() if line.startswith("ANSWER ")]
    answer = json.loads(line.removeprefix("ANSWER "))
    assert {PROD, DEV} <= set(answer["envs"])
    assert answer["prod"] == [TABLE] and answer["dev"] == [TABLE]
    assert not answer["magic"], "the extension is preloaded: %load_ext would say so"
    assert answer["module"].startswith(str(REPO))  # postBuild installed this checkout
    assert answer["variables"]["AWS_CONFIG_FILE"] == str(tmp_path / "demo" / "config")
    # JupyterLab saves widget state: a notebook reopened under a new kernel shows its panels
    widgets = answer["lab_defaults"]["@jupyter-widgets/jupyterlab-manager:plugin"]
    assert widgets == {"saveState": True}
    if QUICKSTART.exists():
        assert answer["notebook_cells"] > 0
        assert "already loaded" not in answer["outputs"]
    # nothing left: the demo (SIGTERM above) stops its servers, which were its children
    processes = [psutil.Process(pid) for pid in answer["children"] if psutil.pid_exists(pid)]
    _gone, alive = psutil.wait_procs(processes + leftovers, timeout=60)
    assert not alive, [p.cmdline() for p in alive]
    assert not (home / ".aws").exists()


def _group(pgid: int) -> list[psutil.Process]:
    """The processes still in process group ``pgid`` (the background demo)."""
    found = []
    for process in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(process.pid) == pgid:
                found.append(process)
        except (ProcessLookupError, psutil.Error):
            continue
    return found
