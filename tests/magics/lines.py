"""Running magic lines and cells as a user would, and a value that breaks anything pasted."""

from __future__ import annotations

import pandas as pd
from IPython.core.interactiveshell import InteractiveShell

QUOTED = """it's "quoted" {x} $x"""  # would break a filter or statement if pasted into it


def q(shell: InteractiveShell, line: str) -> pd.DataFrame | int:
    """``%dynamo_query LINE`` (errors surface as exceptions)."""
    return shell.run_line_magic("dynamo_query", line)


def run(shell: InteractiveShell, capsys, source: str):
    """Run a cell as a user would; returns (result, captured stdout + stderr)."""
    result = shell.run_cell(source)
    captured = capsys.readouterr()
    return result, captured.out + captured.err
