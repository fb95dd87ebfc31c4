"""QueryPanel driven from Python (no browser) against the moto servers: set the
inputs' values, click, and assert results, outputs and disabled states."""

from __future__ import annotations

from typing import Any

import pytest

from dynamo_magic import environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.notebook.panels import QueryPanel, typed
from dynamo_magic.schema import KeyAttribute

from .outputs import error_lines, html_of


# -- QueryPanel ----------------------------------------------------------------------------------
def test_query_panel_lists_environments_tables_and_indexes(orders):
    panel = QueryPanel(env="dev")
    assert {"dev", "acct-a", "acct-b"} <= set(panel.env.options)
    assert panel.env.value == "dev"
    assert set(panel.table.options) == {"orders", "events"}
    panel.table.value = "orders"
    labels = dict((v, label) for label, v in panel.index.options)
    assert labels[None].startswith("(table)") and "customer (S)" in labels[None]
    assert "status (S) + total (N)" in labels["status-total"] and "GSI" in labels["status-total"]
    assert "LSI" in labels["by-total"]
    assert panel.index.value is None
    # another environment: its own tables (server B has none)
    panel.env.value = "acct-b"
    assert list(panel.table.options) == [] and panel.table.value is None


def test_query_panel_runs_a_query_and_shows_the_frame(orders):
    panel = QueryPanel(env="dev", table="orders")
    assert panel._dom_classes[-1] == "dynamo-query-panel" or (
        "dynamo-query-panel" in panel._dom_classes
    )
    for name in ("pk", "sk_op", "run_button"):
        assert f"dynamo-{name.replace('_', '-')}" in getattr(panel, name)._dom_classes
    assert "dynamo-run" in panel.run_button._dom_classes
    assert "dynamo-output" in panel.output._dom_classes
    panel.pk.value = "c1"
    panel.sk_op.value = "begins_with"
    panel.sk.value = "2024-01-0"
    panel.columns.value = "total"
    panel.run_button.click()
    assert panel.error is None, panel.error
    assert len(panel.result) == 9  # 2024-01-01 .. 09
    assert list(panel.result.columns) == ["customer", "order-date", "total"]
    shown = html_of(panel.output)
    assert "<table" in shown and "2024-01-09" in shown and "9 item" in shown
    assert not panel.run_button.disabled
    assert list(panel.unique_column.options) == ["customer", "order-date", "total"]


def test_query_panel_between_shows_sk2_and_types_number_keys(orders):
    panel = QueryPanel(env="dev", table="events")
    assert {cell.layout.display for cell in panel._sk2_row} == {"none"}  # label and input
    panel.sk_op.value = "between"
    assert {cell.layout.display for cell in panel._sk2_row} == {""}
    panel.pk.value, panel.sk.value, panel.sk2.value = "1", "3", "5"
    kwargs = panel.kwargs()
    assert kwargs["pk"] == 1 and kwargs["sk"] == 3 and kwargs["sk2"] == 5
    panel.run_button.click()
    assert panel.error is None
    assert list(panel.result["seq"]) == [3, 4, 5]
    panel.sk_op.value = "="  # sk2 is not given for another operator
    assert panel.kwargs()["sk2"] is None


def test_typed_values():
    n, s = KeyAttribute("k", "N"), KeyAttribute("k", "S")
    assert typed("5", n) == 5 and str(typed("1.5", n)) == "1.5"
    assert typed("5", s) == "5" and typed("  ", n) is None and typed("abc", n) == "abc"


def test_query_panel_analysis_without_requerying(orders):
    panel = QueryPanel(env="dev", table="orders")
    assert panel.head_button.disabled  # nothing to analyse yet
    panel.show_head()
    assert error_lines(panel.analysis) and "run a query first" in panel.error
    panel.pk.value = "c1"
    panel.run()
    calls: list[dict] = []
    client = clients.client(environments.resolve("dev"))
    client.meta.events.register(
        "provide-client-params.dynamodb.*", lambda params, **_: calls.append(params)
    )
    panel.head_n.value = 3
    panel.head_button.click()
    head = html_of(panel.analysis)
    assert "2024-01-03" in head and "2024-01-04" not in head
    assert "the first 3 of 10 row(s)" in head and panel.message == "head: the first 3 of 10 row(s)"
    # the analysis appears below the result: the result and its summary line stay
    shown = html_of(panel.output)
    assert "2024-01-10" in shown and "dynamo-summary" in shown
    panel.unique_column.value = "status"
    panel.unique_button.click()
    assert set(panel.view["status"]) == {"open", "shipped"}
    panel.summary_button.click()
    assert "total" in set(panel.view.iloc[:, 0]) or "total" in panel.view.index
    assert calls == []  # none of it read DynamoDB again
    namespace: dict[str, Any] = {}
    panel._namespace = namespace
    panel.store_name.value = "df"
    panel.store_button.click()
    assert namespace["df"] is panel.result
    panel.store_name.value = "1bad"
    panel.store()
    assert "1bad" not in namespace and error_lines(panel.analysis)


@pytest.mark.parametrize(
    "setup, expected",
    [
        (lambda p: setattr(p.pk, "value", "x"), "key 'device' is a number"),  # N key
        (lambda p: setattr(p.limit, "value", "many"), "'limit' must be a whole number"),
        (lambda p: setattr(p.filter, "value", "seq = = 1"), "filter"),
    ],
)
def test_query_panel_errors_are_one_line_naming_fields(orders, setup, expected):
    panel = QueryPanel(env="dev", table="events")
    setup(panel)
    panel.run_button.click()  # nothing raises
    lines = error_lines(panel.output)
    assert len(lines) == 1 and expected.lower() in panel.error.lower(), html_of(panel.output)
    assert panel.result is None and not panel.run_button.disabled


def test_query_panel_missing_table_and_bad_credentials(orders, servers):
    panel = QueryPanel(env="dev", table="nope")  # not listed: offered, DescribeTable fails
    assert len(error_lines(panel.output)) == 1 and "nope" in panel.error
    panel.run_button.click()
    assert len(error_lines(panel.output)) == 1 and "nope" in panel.error
    # an environment without credentials: its tables cannot be listed, one line, no raise
    panel = QueryPanel(env="nocreds")
    assert len(error_lines(panel.output)) == 1 and "credential" in panel.error.lower()
    panel.run_button.click()
    assert len(error_lines(panel.output)) == 1


def test_query_panel_shows_a_progress_status_while_reading(orders):
    panel = QueryPanel(env="dev", table="orders")
    seen: list[str] = []
    disabled: list[bool] = []
    panel.status.observe(lambda change: seen.append(change["new"]), "value")
    panel.run_button.observe(lambda change: disabled.append(change["new"]), "disabled")
    panel.run()  # a preview without a key
    assert disabled == [True, False]  # disabled while running
    assert any(s.startswith("read ") for s in seen) and panel.status.value == ""
    assert len(panel.result) == 20
