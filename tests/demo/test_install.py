"""The demo's notebooks copied into its folder, ``make demo`` on a fresh checkout, and the
wheel that ships the notebooks."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest
from demo_process import (
    EXIT_TIMEOUT,
    REPO,
    assert_gone,
    isolated_env,
)

from dynamo_magic.demo import (
    run,
)

from conftest import scratch_venv, subprocess_env
from moto_servers import port_pair


def test_installed_notebooks_are_copied_and_user_edits_kept(tmp_path, monkeypatch):
    shipped = tmp_path / "site-packages" / "notebooks"
    shipped.mkdir(parents=True)
    (shipped / "quickstart.ipynb").write_text('{"cells": []}')
    (shipped / "copy.ipynb").write_text('{"cells": []}')
    monkeypatch.setattr(run, "notebooks_source", lambda: shipped)
    folder = tmp_path / "demo"
    (folder / "notebooks").mkdir(parents=True)
    (folder / "notebooks" / "copy.ipynb").write_text("my edits")
    target = run.notebook_dir(folder)
    assert target == folder / "notebooks"
    assert (target / "quickstart.ipynb").read_text() == '{"cells": []}'
    assert (target / "copy.ipynb").read_text() == "my edits"


def test_checkout_notebooks_are_copied_too(tmp_path):
    """A checkout's notebooks are opened as copies too: `make demo` leaves `git status` clean."""
    assert run.notebooks_source() == REPO / "notebooks"
    target = run.notebook_dir(tmp_path)
    assert target == tmp_path / "notebooks"
    assert sorted(p.name for p in target.glob("*.ipynb")) == sorted(
        p.name for p in (REPO / "notebooks").glob("*.ipynb")
    )
    assert (REPO / "dynamo_magic" / "demo" / "notebooks").is_symlink()  # shipped in the wheel
    assert os.readlink(REPO / "dynamo_magic" / "demo" / "notebooks") == "../../notebooks"


def test_default_folders_are_fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first, second = run.default_folder(), run.default_folder()
    assert first != second and first.parent == second.parent == tmp_path / "dynamo_magic"


MAKE_TIMEOUT = 600.0  # seconds for `make demo` to create the venv, install and start


@pytest.mark.timeout(MAKE_TIMEOUT + 120)
def test_make_demo_creates_the_venv_installs_and_runs(tmp_path):
    """The README's first command, on a fresh venv: ``make demo`` installs ``.[demo]`` into it
    and runs ``dynamo demo`` (``DEMO_ARGS`` passed through); Ctrl-C (SIGINT to the terminal's
    process group) stops make, the demo and its servers."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    scratch = tmp_path / "venv"
    scratch_venv(scratch)  # with this venv's packages: pip downloads only build tools
    env = isolated_env(tmp_path)
    env = {k: v for k, v in env.items() if not k.startswith(("AWS_", "PYTHONPATH", "VIRTUAL_"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    port = port_pair()
    make = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "demo",
            f"VENV={scratch}",
            f"PYTHON={sys.executable}",
            f"DEMO_ARGS=--no-lab --port {port} --folder {tmp_path / 'demo'}",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: the test's "terminal"
    )
    lines: list[str] = []
    try:
        assert make.stdout is not None
        deadline = time.monotonic() + MAKE_TIMEOUT
        for line in make.stdout:
            lines.append(line.rstrip("\n"))
            if "Ctrl-C stops the demo" in line or time.monotonic() > deadline:
                break
        assert any("Ctrl-C stops the demo" in line for line in lines), (
            lines,
            make.stderr.read() if make.poll() is not None and make.stderr else "",
        )
        tree = psutil.Process(make.pid).children(recursive=True)
        dynamo = [p for p in tree if p.cmdline()[:1] and "dynamo" in " ".join(p.cmdline()[:2])]
        assert dynamo and dynamo[0].cmdline()[1] == str(scratch / "bin" / "dynamo")
        assert (scratch / ".installed-demo").exists()
        assert f"AWS_CONFIG_FILE={tmp_path / 'demo' / 'config'}" in lines
        assert f"127.0.0.1:{port}" in "\n".join(lines)
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        make.wait(timeout=EXIT_TIMEOUT)
        assert_gone(tree)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()


@pytest.mark.timeout(600)
def test_the_wheel_ships_the_notebooks(tmp_path):
    """A pip install has no checkout: the wheel carries notebooks/ as
    ``dynamo_magic/demo/notebooks/*.ipynb`` (through the link), for ``dynamo demo`` to copy."""
    notebooks = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    if not notebooks:
        pytest.skip("no notebooks/ on this branch yet")
    source = tmp_path / "src"  # a copy: the build writes build/ and *.egg-info beside it
    tracked = subprocess.run(
        ["git", "ls-files", "pyproject.toml", "README.md", "dynamo_magic", "notebooks"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in tracked:
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_symlink():
            target.symlink_to(os.readlink(REPO / name))
        else:
            shutil.copyfile(REPO / name, target)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", tmp_path],
        capture_output=True,
        text=True,
        timeout=540,
        env=subprocess_env() | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("dynamo_magic-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = sorted(
            Path(name).name
            for name in archive.namelist()
            if name.startswith("dynamo_magic/demo/notebooks/")
        )
    assert shipped == notebooks
