"""The export's result line names its read limit, as a copy's does (``reads RATE, N units
consumed``), in the terminal and in the magic; without a limit it names none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def dev(profiles: dict[str, str], moto_pair: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The package's tables on server A, through profile ``dev``, in this process."""
    for var, value in profiles.items():
        monkeypatch.setenv(var, value)


def test_the_command_s_result_line_names_the_read_limit(dev: None, in_process: Any, tmp_path: Path):
    words = ["export", "-t", "orders", "-e", "dev", "--segments", "2", "--no-progress"]
    limited = in_process(*words, "--to", str(tmp_path / "a"), "--max-read-units", "50")
    assert limited.returncode == 0, limited.stderr
    (line,) = limited.stdout.strip().splitlines()
    assert line.startswith("export OK: ")
    assert "; reads 50 read units/s (asked), " in line and " units consumed" in line, line
    free = in_process(*words, "--to", str(tmp_path / "b"))
    assert free.returncode == 0 and "reads" not in free.stdout, free.stdout


def test_the_magic_s_result_line_names_the_read_limit(
    dev: None, shell: Any, tmp_path: Path, capsys
):
    shell.run_line_magic(
        "dynamo_export", f"orders --env dev --to {tmp_path} --max-read-units 40 --no-progress"
    )
    assert "; reads 40 read units/s (asked), " in capsys.readouterr().out
