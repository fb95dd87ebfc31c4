"""The rule for a missing Chromium: browser tests FAIL in CI and SKIP (with the reason) elsewhere.

Runs the harness test in a child pytest whose Chromium path points nowhere; needs no browser.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HARNESS = "tests/browser/test_lab.py::test_widget_button_click_prints_into_its_output"


def run_without_chromium(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["DYNAMO_MAGIC_CHROMIUM"] = str(tmp_path / "no-chromium")
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider", HARNESS],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("ci", ["true", "1"])
def test_missing_chromium_fails_in_ci(tmp_path: Path, ci: str) -> None:
    run = run_without_chromium(tmp_path, ci)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 error in" in run.stdout  # the fixture fails: the test errors
    assert f"{tmp_path / 'no-chromium'} is missing (CI: browser tests must run" in run.stdout


def test_missing_chromium_skips_outside_ci(tmp_path: Path) -> None:
    run = run_without_chromium(tmp_path, None)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout
    assert f"{tmp_path / 'no-chromium'} is missing; `make test` installs it" in run.stdout
