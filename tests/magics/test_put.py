"""``%dynamo_put FRAME TABLE``: a notebook's DataFrame into a table (``put_df``), its refusals
one line each, in the magics' in-process moto."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pandas as pd
import pytest
from IPython.core.error import UsageError

from dynamo_magic.transfer.plan import CopyPlan
from dynamo_magic.transfer.result import CopyResult

from .lines import run
from tables import create_events, scan_all

TABLE = "put-target"


@pytest.fixture
def target() -> Iterator[object]:
    """An empty events-shaped table of its own (the package's tables stay as they are)."""
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    create_events(client, TABLE)
    yield client
    client.delete_table(TableName=TABLE)


def one_line(shell, capsys, line: str) -> str:
    result, output = run(shell, capsys, line)
    assert isinstance(result.error_in_exec, UsageError), output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: "), output
    return lines[0]


def test_the_magic_writes_the_notebook_s_frame(shell, target, capsys):
    shell.user_ns["df"] = pd.DataFrame({"device": [1, 1], "seq": [1, 2], "v": [0.1, None]})
    result = shell.run_line_magic("dynamo_put", f"df {TABLE} --env dev --no-progress")
    assert isinstance(result, CopyResult) and result.ok and result.written == 2
    assert "2 written" in capsys.readouterr().out
    items = sorted(scan_all(target, TABLE), key=lambda i: i["seq"]["N"])
    assert items[0] == {"device": {"N": "1"}, "seq": {"N": "1"}, "v": {"N": "0.1"}}
    assert items[1] == {"device": {"N": "1"}, "seq": {"N": "2"}}  # NaN: left out


def test_the_magic_s_options_reach_put_df(shell, target):
    shell.user_ns["df"] = pd.DataFrame({"device": [1], "seq": [1], "v": [None]})
    plan = shell.run_line_magic(
        "dynamo_put", f"df -t {TABLE} --env dev --mode replace --dry-run --no-backup"
    )
    assert isinstance(plan, CopyPlan) and plan.request.mode == "replace" and not plan.backup
    assert scan_all(target, TABLE) == []
    shell.run_line_magic("dynamo_put", f"df {TABLE} --env dev --nulls null --no-progress")
    assert scan_all(target, TABLE)[0]["v"] == {"NULL": True}


def test_a_non_empty_table_needs_yes(shell, target, capsys):
    shell.user_ns["df"] = pd.DataFrame({"device": [1], "seq": [1]})
    shell.run_line_magic("dynamo_put", f"df {TABLE} --env dev --no-progress")
    capsys.readouterr()
    line = one_line(shell, capsys, f"%dynamo_put df {TABLE} --env dev")
    assert "holds items that will be overwritten: confirm with --yes" in line
    shell.run_line_magic("dynamo_put", f"df {TABLE} --env dev --yes --no-progress --no-backup")


@pytest.mark.parametrize(
    ("setup", "line", "says"),
    [
        ("", f"%dynamo_put nothing {TABLE} --env dev", "nothing: no such name in the notebook"),
        ("x = [1, 2]", f"%dynamo_put x {TABLE} --env dev", "x is a list, not a pandas DataFrame"),
        ("", "%dynamo_put", "usage: %dynamo_put FRAME TABLE"),
        (
            "import pandas as pd; df = pd.DataFrame({'device': [1], 'seq': [1], 's': [set()]})",
            f"%dynamo_put df {TABLE} --env dev",
            "row 0, column 's': DynamoDB cannot store an empty set",
        ),
        (
            "import pandas as pd; df = pd.DataFrame({'device': [1, 1], 'seq': [2, 2]})",
            f"%dynamo_put df {TABLE} --env dev",
            "duplicate keys (device, seq) in row(s) 0, 1",
        ),
        (
            "import pandas as pd; df = pd.DataFrame({'device': [1]})",
            f"%dynamo_put df {TABLE} --env dev --mode upsert",
            "argument --mode: invalid choice",
        ),
    ],
)
def test_a_refusal_is_one_line_and_writes_nothing(shell, target, capsys, setup, line, says):
    if setup:
        shell.run_cell(setup)
        capsys.readouterr()
    assert says in one_line(shell, capsys, line)
    assert scan_all(target, TABLE) == []
