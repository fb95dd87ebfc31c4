"""Reading what a ``dynamo`` run printed: JSON lines, table rows, the one error line."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from conftest import ok
from moto_servers import endpoint_client


def json_lines(result: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in ok(result).splitlines()]


def table_rows(result: subprocess.CompletedProcess[str]) -> int:
    """Data rows of ``--format table`` output (header line excluded)."""
    lines = ok(result).strip().splitlines()
    return 0 if lines == ["(no items)"] else len(lines) - 1


def assert_one_error_line(name: str, result: subprocess.CompletedProcess[str], message: str):
    assert result.returncode == 2, (name, result.stderr)
    assert result.stdout == "", name
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), (name, result.stderr)
    assert message in lines[0], (name, lines[0])


def in_dev(argv: list[str]) -> list[str]:
    """``argv`` with ``-e dev`` unless it names its environment (an option given twice with
    two values is refused)."""
    return argv if {"-e", "--env"} & set(argv) else ["-e", "dev", *argv]


def server_client(profiles: dict[str, str]) -> object:
    """A plain boto3 client of server A (the test's own view)."""
    config = Path(profiles["AWS_CONFIG_FILE"]).read_text()
    url = re.search(r"endpoint_url = (\S+)", config).group(1)
    return endpoint_client(url)


COPY_DEV = ["copy", "-t", "orders", "-src", "dev", "-tgt", "dev", "--yes", "--no-backup"]
