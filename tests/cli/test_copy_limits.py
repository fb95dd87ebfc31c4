"""``dynamo copy --max-write-units/--max-read-units`` as a real process: the dry run states the
rates, the copy's line the rates and units consumed, a bad value is one error line (exit 2)
with nothing written."""

from __future__ import annotations

from typing import Any

from conftest import A, B, client_for, dynamo, ok, one_error_line
from tables import put_all, scan_all


def source_table() -> None:
    """``limits`` on A: provisioned at 100 write / 40 read units, 50 ~1-unit items."""
    client: Any = client_for(A)
    client.create_table(
        TableName="limits",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 40, "WriteCapacityUnits": 100},
    )
    put_all(
        client, "limits", [{"id": {"S": f"k{i:03}"}, "pad": {"S": "x" * 200}} for i in range(50)]
    )


COPY = ["copy", "-t", "limits", "--source", A, "--target", B, "--no-progress"]


def test_the_dry_run_and_the_copy_state_the_rates(servers: Any) -> None:
    source_table()
    plan = ok(dynamo(*COPY, "--dry-run", "--max-write-units", "50%", "--max-read-units", "20"))
    assert "write rate          50 write units/s (50% of provisioned) ~1 s for ~50 units" in plan
    assert "read rate           20 read units/s (asked)" in plan
    out = ok(dynamo(*COPY, "--max-write-units", "50%", "--max-read-units", "20"))
    assert out.startswith("copy OK: 50 written"), out
    assert "writes 50 write units/s (50% of provisioned), 50 units consumed" in out
    assert "reads 20 read units/s (asked), " in out
    assert len(scan_all(client_for(B), "limits")) == 50


def test_a_bad_limit_is_one_line_and_nothing_is_written(servers: Any) -> None:
    source_table()
    line = one_error_line(dynamo(*COPY, "--max-write-units", "-3"))
    assert line.startswith("Error: --max-write-units '-3': give write units per second"), line
    line = one_error_line(dynamo(*COPY, "--max-read-units", "200%"))
    assert "--max-read-units '200%'" in line and "at most 100%" in line, line
    assert "limits" not in client_for(B).list_tables()["TableNames"]  # type: ignore[attr-defined]
