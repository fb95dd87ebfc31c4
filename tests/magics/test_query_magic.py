"""``%dynamo_query``, ``%%dynamo_query`` and ``%config DynamoMagic`` through a real IPython
shell: keys, indexes, filters bound to notebook variables, output and settings."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from IPython.core.error import UsageError

from .lines import QUOTED, q, run
from tables import BIG


def test_load_ext_and_assignment(shell, capsys):
    assert "dynamo_query" in shell.magics_manager.magics["line"]
    assert "dynamo_query" in shell.magics_manager.magics["cell"]
    result, output = run(shell, capsys, "df = %dynamo_query orders c1 --env dev")
    assert result.success, output
    df = shell.user_ns["df"]
    assert isinstance(df, pd.DataFrame) and len(df) == 10
    assert list(df.columns[:2]) == ["customer", "order-date"]  # key columns first
    assert set(df["customer"]) == {"c1"}
    assert output.startswith("10 item(s) from orders, query")


def test_summary_line_is_printed_above_the_result(shell, capsys):
    result, output = run(shell, capsys, "%dynamo_query orders open --env dev -i status-total")
    assert result.success and len(result.result) == 15
    first, rest = output.split("\n", 1)
    assert first.startswith("15 item(s) from orders (index status-total), query")
    assert "read units" in first  # consumed capacity, as moto reports it
    assert "truncated" not in first
    assert rest.startswith("Out[") and "status" in rest  # the DataFrame comes after
    _, output = run(shell, capsys, "%dynamo_query orders open --env dev -i status-total --limit 4")
    assert "4 item(s)" in output and "truncated at 4" in output.splitlines()[0]


def test_partition_key_forms(shell):
    by_position = q(shell, "orders c2 --env dev")
    by_option = q(shell, "orders -pk c2 --env dev")
    by_long_option = q(shell, "orders --pk c2 --env dev")
    pd.testing.assert_frame_equal(by_position, by_option)
    pd.testing.assert_frame_equal(by_position, by_long_option)
    assert q(shell, "events 2 --env dev")["seq"].tolist() == list(range(20))  # N key typed


@pytest.mark.parametrize(
    ("options", "days"),
    [
        ("--sk 2024-01-0", list(range(1, 10))),  # begins_with by default
        ("-sk 2024-01-1 --sk-op begins_with", [10]),
        ("--sk 2024-01-05 --sk-op =", [5]),
        ("--sk 2024-01-05 --sk-op '<'", [1, 2, 3, 4]),
        ("--sk 2024-01-05 --sk-op '<='", [1, 2, 3, 4, 5]),
        ("--sk 2024-01-05 --sk-op '>'", [6, 7, 8, 9, 10]),
        ("--sk 2024-01-05 --sk-op '>='", [5, 6, 7, 8, 9, 10]),
        ("--sk 2024-01-03 --sk-op between --sk2 2024-01-05", [3, 4, 5]),
    ],
)
def test_every_sort_key_operator(shell, options, days):
    frame = q(shell, f"orders c1 --env dev {options}")
    assert sorted(int(d[-2:]) for d in frame["order-date"]) == days


def test_indexes(shell):
    gsi = q(shell, "orders open --env dev --index status-total --sk 5 --sk-op '>'")
    assert len(gsi) == 9 and set(gsi["status"]) == {"open"}
    lsi = q(shell, "orders c1 --env dev -i by-total --sk 10 --sk-op '>='")
    assert sorted(lsi["total"]) == [10, 11.25, 12.5]
    keys_only = q(shell, "orders eu --env dev -i region-keys")
    assert len(keys_only) == 9
    assert set(keys_only.columns) == {"customer", "order-date", "region"}
    include = q(shell, "orders us --env dev -i region-include --sk 2024-01-0")
    assert set(include.columns) == {"region", "order-date", "customer", "total"}


def test_env_option(shell):
    assert len(q(shell, "orders c1 --env stage")) == 10
    assert len(q(shell, "orders c1 -e dev")) == 10


def test_filter_binds_notebook_variables(shell, capsys):
    shell.user_ns["who"] = QUOTED
    shell.user_ns["x"] = "plain"
    found = q(shell, "notes --scan --env dev --filter 'text = :who'")
    assert found["id"].tolist() == [QUOTED]  # bound as a value: quotes, {x}, $x untouched
    found = q(shell, 'notes --scan --env dev --filter "text = :x OR n > 5"')
    assert found["id"].tolist() == ["plain"]
    found = q(shell, "notes --scan --env dev --filter \"text = '{x}' OR text = '$x'\"")
    assert found.empty  # IPython's {x} / $x expansion is off: nothing is pasted
    shell.user_ns["status"] = "open"
    shell.user_ns["x"] = 7
    found = q(shell, "orders c1 --env dev --filter 'status = :status AND qty >= :x'")
    assert sorted(found["qty"]) == [7, 9]
    found = q(shell, "orders c1 --env dev --filter \"status = 'open' AND size(tags) = 2\"")
    assert len(found) == 5


def test_select_limit_head(shell, capsys):
    selected = q(shell, "orders c1 --env dev --select total,qty")
    assert list(selected.columns) == ["customer", "order-date", "total", "qty"]
    assert len(q(shell, "orders c1 --env dev --limit 3")) == 3
    assert len(q(shell, "orders c1 --env dev --head")) == 5
    assert len(q(shell, "orders c1 --env dev -head 2")) == 2
    assert q(shell, "orders c1 --env dev --head 3")["order-date"].tolist() == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
    ]
    capsys.readouterr()


def test_unique_summary_count_scan(shell):
    unique = q(shell, "orders c1 --env dev --unique status")
    assert dict(zip(unique["status"], unique["count"], strict=True)) == {"open": 5, "shipped": 5}
    paid = q(shell, "orders c1 --env dev -u paid")
    assert sorted(paid["count"]) == [2, 4, 4]  # True, False and missing
    summary = q(shell, "orders c1 --env dev --summary")
    assert {"customer", "big", "paid", "address"} <= set(summary["attribute"])
    assert q(shell, "orders c1 --env dev --count") == 10
    assert q(shell, "orders c1 --env dev --count --filter \"status = 'open'\"") == 5
    scanned = q(shell, "orders --scan --env dev")
    assert len(scanned) == 30 and set(scanned["customer"]) == {"c0", "c1", "c2"}


def test_document_paths_in_the_magic(shell, capsys):
    """Issue 6: nested paths in --filter, --select, --unique and flattened names; a bad path is
    a one-line UsageError."""
    line = 'orders c1 --env dev --filter "address.zip > 75007" --select address.zip --flatten'
    flat = q(shell, line)
    assert list(flat.columns) == ["customer", "order-date", "address.zip"]
    assert sorted(flat["address.zip"]) == [75008, 75009, 75010]
    cities = q(shell, "orders c1 --env dev -u address.city")
    assert list(cities.columns) == ["address.city", "type", "count"]
    assert list(cities["count"]) == [10]
    summary = q(shell, "orders c1 --env dev --summary --flatten")
    assert {"address.city", "address.zip"} <= set(summary["attribute"])
    with pytest.raises(UsageError, match=r"bad attribute path 'address\.\.zip'") as exc:
        q(shell, "orders c1 --env dev --select address..zip")
    assert "\n" not in str(exc.value)


def test_out_stores_into_the_namespace(shell, capsys):
    result, output = run(shell, capsys, "%dynamo_query orders c1 --env dev --out res")
    assert result.success and result.result is None
    assert len(shell.user_ns["res"]) == 10
    assert "stored in res" in output
    run(shell, capsys, "%dynamo_query orders c1 --env dev --count -o res")
    assert shell.user_ns["res"] == 10


def test_no_key_is_a_labelled_preview(shell, capsys):
    result, output = run(shell, capsys, "%dynamo_query orders --env dev")
    assert result.success and len(result.result) == 20  # preview_items
    assert "preview" in output.splitlines()[0]
    assert "give a partition key, or scan the whole table" in output.splitlines()[0]
    shell.run_line_magic("config", "DynamoMagic.preview_items = 3")
    assert len(q(shell, "orders --env dev")) == 3


def test_cell_form_partiql_binds_variables(shell, capsys):
    shell.user_ns["who"] = QUOTED
    result, output = run(
        shell, capsys, "%%dynamo_query res --env dev\nSELECT * FROM notes WHERE id = :who\n"
    )
    assert result.success, output
    assert shell.user_ns["res"]["text"].tolist() == [QUOTED]
    assert "1 item(s) from notes, partiql" in output
    result, output = run(
        shell, capsys, '%%dynamo_query --env dev\nSELECT id, n FROM "notes" WHERE id = :who'
    )
    assert result.success and result.result["n"].tolist() == [1]
    shell.run_line_magic("config", "DynamoMagic.default_env = 'dev'")
    result, output = run(shell, capsys, "%%dynamo_query\nSELECT * FROM notes WHERE id = 'plain'")
    assert result.success and result.result["text"].tolist() == ["plain"]


def test_cell_form_takes_the_option_tables_spellings(shell, capsys):
    """The cell's line is parsed by the partiql options of the one table: ``--env=dev``, the
    options before the variable, and ``--limit`` as the CLI spells them."""
    result, output = run(
        shell, capsys, "%%dynamo_query --env=dev --limit 1 res\nSELECT * FROM notes"
    )
    assert result.success, output
    assert len(shell.user_ns["res"]) == 1


def test_config_default_env_and_per_call_override(shell, capsys):
    shell.run_line_magic("config", "DynamoMagic.default_env = 'stage'")
    with pytest.raises(UsageError, match="env 'stage'"):
        q(shell, "missing c1")
    with pytest.raises(UsageError, match="env 'dev'"):
        q(shell, "missing c1 --env dev")  # the flag overrides the configured default
    assert len(q(shell, "orders c1")) == 10
    shell.run_line_magic("config", "DynamoMagic.default_env = 'nowhere'")
    with pytest.raises(UsageError, match="unknown environment 'nowhere'"):
        q(shell, "orders c1")
    assert len(q(shell, "orders c1 --env dev")) == 10


def test_config_numbers_changes_dtypes(shell):
    auto = q(shell, "orders c1 --env dev")
    assert auto["qty"].dtype == "Int64" and auto["total"].dtype == "Float64"
    assert auto["big"].tolist() == [Decimal(BIG)] * 10  # too big for Int64: exact Decimals
    shell.run_line_magic("config", "DynamoMagic.numbers = 'decimal'")
    exact = q(shell, "orders c1 --env dev")
    assert exact["qty"].dtype == object and isinstance(exact["qty"].iloc[0], Decimal)
    assert exact["total"].tolist()[0] == Decimal("1.25")
    as_float = q(shell, "orders c1 --env dev --numbers float")  # the flag overrides config
    assert as_float["qty"].dtype == "Float64"
