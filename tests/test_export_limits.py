"""An export's read limit (``max_read_units``, ``--max-read-units``), as a copy's (issue 17:
"the same resume and limits"): every page the workers read is charged to one budget, the
result says the rate and the units used; a bad value or a share of an on-demand table without
a maximum is one line before any call reaches DynamoDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic.errors import InvalidQuery

from conftest import A, client_for, dynamo, ok, one_error_line, use_profiles
from proxy import FaultProxy

PAD = "x" * 300


def create_plain(client: Any, read: int = 0) -> None:
    billing: dict[str, Any] = (
        {"ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": 5}}
        if read
        else {"BillingMode": "PAY_PER_REQUEST"}
    )
    client.create_table(
        TableName="limited",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        **billing,
    )
    items = [{"id": {"S": f"k{i:05}"}, "pad": {"S": PAD}} for i in range(120)]
    for at in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[at : at + 25]]
        client.batch_write_item(RequestItems={"limited": batch})


def test_an_export_s_reads_are_charged_to_its_read_limit(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = servers
    create_plain(client_for(A))
    with FaultProxy(a.url) as source:
        use_profiles({A: source.url}, tmp_path / "proxied", monkeypatch)
        result = dm.export_table(
            "limited", tmp_path / "out", env=A, max_read_units=50, workers=2, segments=4
        )
    scans = [c for c in source.calls_of("Scan") if c.status == 200]
    assert result.ok and result.written == 120
    assert all(c.body.get("ReturnConsumedCapacity") == "TOTAL" for c in scans)
    assert result.read_rate == "50 read units/s (asked)"
    assert result.read_units is not None and result.read_units > 0
    assert dict(result.rows())["read limit"] == "50 read units/s (asked)"


def test_a_share_is_of_the_table_s_provisioned_read_capacity(servers: Any, tmp_path: Path) -> None:
    create_plain(client_for(A), read=40)
    result = dm.export_table("limited", tmp_path / "out", env=A, max_read_units="50%")
    assert result.ok and result.read_rate.startswith("20 read units/s (50% of")


@pytest.mark.parametrize(
    ("value", "says"),
    [("150%", "at most 100%"), ("x%", "a number and % (e.g. 80%)"), (-3, "max_read_units")],
)
def test_a_bad_limit_is_refused_before_any_call(
    servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: Any, says: str
) -> None:
    a, _ = servers
    with FaultProxy(a.url) as source:
        use_profiles({A: source.url}, tmp_path / "proxied", monkeypatch)
        with pytest.raises(InvalidQuery) as refused:
            dm.export_table("limited", tmp_path / "out", env=A, max_read_units=value)
    assert says in str(refused.value) and source.calls == []
    assert not (tmp_path / "out").exists()


def test_the_cli_takes_the_flag_and_refuses_a_share_of_on_demand(
    servers: Any, tmp_path: Path
) -> None:
    create_plain(client_for(A))
    line = one_error_line(
        dynamo("export", "-t", "limited", "-e", A, "--to", str(tmp_path / "x"),
               "--max-read-units", "50%")
    )  # fmt: skip
    assert "--max-read-units" in line and "on-demand" in line
    assert not (tmp_path / "x").exists()
    out = ok(
        dynamo("export", "-t", "limited", "-e", A, "--to", str(tmp_path / "y"),
               "--max-read-units", "100", "--no-progress")
    )  # fmt: skip
    assert out.startswith("export OK: 120 items")
