"""``--backend dask`` and ``--scheduler`` in the ``dynamo`` command (real processes): the
flags reach copy, export and import, and a cluster that cannot run the work is one line before
anything is written. (Copies on a real cluster: tests/test_dask.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import A, B, client_for, dynamo, one_error_line
from tables import create_orders, orders_items, put_all


@pytest.fixture
def orders(servers: Any) -> None:
    create_orders(client_for(A))
    put_all(client_for(A), "orders", orders_items(1, 5))


def test_dask_without_an_address_or_a_client_is_one_line(orders: None, tmp_path: Path) -> None:
    lines = tmp_path / "items.jsonl"
    lines.write_text('{"customer": "c1", "order-date": "2024-01-01"}\n')
    commands = {
        "copy": ["copy", "-t", "orders", "-src", A, "-tgt", B, "--yes", "--backend", "dask"],
        "export": ["export", "-t", "orders", "-e", A, "--to", str(tmp_path / "out"), "--backend",
                   "dask"],
        "import": ["import", "-t", "orders", "-e", B, "--from", str(lines), "--backend", "dask"],
    }  # fmt: skip
    for name, words in commands.items():
        line = one_error_line(dynamo(*words))
        assert "no active distributed.Client" in line and "--scheduler" in line, (name, line)
    assert "orders" not in client_for(B).list_tables()["TableNames"]
    assert not (tmp_path / "out").exists()


def test_a_scheduler_without_the_dask_backend_is_refused(orders: None) -> None:
    line = one_error_line(
        dynamo("copy", "-t", "orders", "-src", A, "-tgt", B, "--scheduler", "tcp://h:8786")
    )
    assert "--scheduler 'tcp://h:8786'" in line and "--backend dask" in line
    assert "orders" not in client_for(B).list_tables()["TableNames"]


def test_an_import_that_creates_its_table_checks_the_cluster_first(
    servers: Any, tmp_path: Path
) -> None:
    """``--create`` makes the table before the import's job starts: the cluster is checked
    before that, so an unreachable scheduler leaves no new table behind."""
    lines = tmp_path / "items.jsonl"
    lines.write_text('{"pk": "a", "n": 1}\n')
    words = [
        "import", "-t", "fresh", "-e", B, "--from", str(lines), "--create", "--key", "pk:S",
        "--yes", "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9",
    ]  # fmt: skip
    line = one_error_line(dynamo(*words))
    assert "unreachable" in line and "tcp://127.0.0.1:9" in line, line
    assert "fresh" not in client_for(B).list_tables()["TableNames"]
