"""The rule for a missing Chromium: browser tests FAIL in CI and SKIP (with the reason) elsewhere.

Once for real: the harness test in a child pytest whose Chromium path points nowhere, with
``CI=true``; the values of ``CI`` on the rule itself. Needs no browser.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import missing

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


def test_missing_chromium_fails_in_ci(tmp_path: Path) -> None:
    run = run_without_chromium(tmp_path, "true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 error in" in run.stdout  # the fixture fails: the test errors
    assert f"{tmp_path / 'no-chromium'} is missing (CI: browser tests must run" in run.stdout


@pytest.mark.parametrize("ci", ["true", "1", "yes", "TRUE"])
def test_ci_values_fail(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI: browser tests must run"):
        missing("chromium is missing")


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_other_values_skip(monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="chromium is missing; `make test` installs"):
        missing("chromium is missing")
