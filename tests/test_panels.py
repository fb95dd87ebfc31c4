"""QueryPanel and CopyPanel driven from Python (no browser) against the moto servers: set the
inputs' values, click, and assert results, outputs and disabled states."""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import ipywidgets as widgets
import pytest
from IPython.core.interactiveshell import InteractiveShell

import dynamo_magic as dm
from dynamo_magic import Outcome, environments, plots
from dynamo_magic.dynamodb import clients
from dynamo_magic.notebook.panels import (
    ANALYSIS_CONTROLS,
    COPY_INPUTS,
    OUTDATED_PLAN,
    QUERY_INPUTS,
    CopyPanel,
    QueryPanel,
    WidgetProgress,
    typed,
)
from dynamo_magic.schema import KeyAttribute
from dynamo_magic.settings import override_settings

from conftest import client_for, reset_caches
from tables import (
    blobs_items,
    create_blobs,
    create_events,
    create_orders,
    events_items,
    keyed,
    orders_items,
    put_all,
    scan_all,
)

A, B = "acct-a", "acct-b"


def html_of(output: widgets.Output) -> str:
    """Every text/html (else text/plain) of the output area, joined, entities undone."""
    parts = []
    for out in output.outputs:
        data = out.get("data", {})
        parts.append(data.get("text/html") or data.get("text/plain") or out.get("text", ""))
    return html.unescape("\n".join(parts))


def error_lines(output: widgets.Output) -> list[str]:
    return [line for line in html_of(output).splitlines() if "dynamo-error" in line]


@pytest.fixture
def orders(servers) -> Any:
    client = servers[0].client()
    create_orders(client)
    put_all(client, "orders", orders_items())
    create_events(client)
    put_all(client, "events", events_items())
    return client


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


# -- CopyPanel -----------------------------------------------------------------------------------
def test_copy_panel_plan_then_copy_into_another_account(orders):
    panel = CopyPanel(source=A, target=B, table="orders")
    assert "dynamo-copy-panel" in panel._dom_classes
    for cls, button in (("dynamo-plan", panel.plan_button), ("dynamo-copy", panel.copy_button)):
        assert cls in button._dom_classes
    assert "dynamo-cancel" in panel.cancel_button._dom_classes
    assert panel.backup.value is True and panel.copy_button.disabled
    assert "'orders'" in panel.confirm.description and B in panel.confirm.description
    panel.copy_button.click()  # no plan: refused even when called while disabled
    assert "plan" in panel.error and "orders" not in client_for(B).list_tables()["TableNames"]
    panel.plan_button.click()
    assert panel.error is None and panel.plan is not None
    assert not panel.copy_button.disabled
    assert "orders" in html_of(panel.output)
    # long plan lines wrap between words: kept lines, no break inside a word
    (pre,) = [line for line in html_of(panel.output).splitlines() if "dynamo-plan-text" in line]
    assert "white-space: pre-wrap" in pre and "overflow-wrap: break-word" in pre
    assert "word-break: normal" in pre
    panel.copy_button.click()
    result = panel.wait(120)
    assert result is not None and result.ok, html_of(panel.output)
    assert result.written == 30
    assert keyed(scan_all(client_for(B), "orders")) == keyed(scan_all(client_for(A), "orders"))
    assert panel.progress.complete is True and panel.progress.items == 30
    # the copy's own rate, as its result says (not the verify phase that ran last)
    assert panel.progress.label.value == (
        f"copy: 30 items written, {result.items_per_second:,.0f} items/s done"
    )
    assert panel.copy_button.disabled and not panel.plan_button.disabled  # plan again
    assert "OK" in html_of(panel.output)


def test_copy_panel_input_change_disables_copy(orders):
    panel = CopyPanel(source=A, target=B, table="orders")
    panel.plan_button.click()
    assert not panel.copy_button.disabled
    panel.mode.value = "merge"
    assert panel.copy_button.disabled
    panel.copy_button.click()  # from Python while disabled: its rule holds
    assert "plan" in panel.error and "orders" not in client_for(B).list_tables()["TableNames"]
    panel.mode.value = "replace"  # back to the planned inputs: the plan went, plan again
    assert panel.copy_button.disabled and panel.plan is None
    panel.plan_button.click()
    assert not panel.copy_button.disabled
    panel.target_table.value = "orders-copy"
    assert panel.copy_button.disabled and "'orders-copy'" in panel.confirm.description


def test_copy_panel_slice_typed_by_schema(orders):
    panel = CopyPanel(source=A, target=B, table="events")
    panel.pk.value = "2"
    assert panel.plan_kwargs()["pk"] == 2
    panel.plan_button.click()
    panel.copy_button.click()
    result = panel.wait(120)
    assert result is not None and result.ok
    assert len(scan_all(client_for(B), "events")) == 20


@pytest.mark.parametrize("target", ["non-empty", "protected"])
def test_copy_panel_needs_confirmation(orders, servers, target):
    if target == "non-empty":
        create_orders(client_for(B))
        put_all(client_for(B), "orders", orders_items(customers=1, per_customer=2))
        env = B
    else:
        env = "prod-b"
    before = keyed(scan_all(client_for(B), "orders")) if target == "non-empty" else {}
    panel = CopyPanel(source=A, target=env, table="orders")
    panel.plan_button.click()
    assert panel.plan.confirmations and not panel.copy_button.disabled
    panel.copy_button.click()
    assert panel._thread is None  # refused before anything ran
    assert "copy refused" in html_of(panel.output) and len(error_lines(panel.output)) == 1
    assert panel.plan.confirmations[0] in panel.error
    after = keyed(scan_all(client_for(B), "orders")) if target == "non-empty" else {}
    assert after == before
    if target == "protected":
        assert "orders" not in client_for(B).list_tables()["TableNames"]
    panel.confirm.value = True  # not a plan input: the plan still holds
    assert not panel.copy_button.disabled
    panel.copy_button.click()
    result = panel.wait(120)
    assert result is not None and result.ok and result.written == 30


def test_copy_panel_errors_are_one_line(orders):
    panel = CopyPanel(source=A, target=A, table="orders")  # the same table: unsafe
    panel.plan_button.click()
    assert len(error_lines(panel.output)) == 1 and panel.plan is None
    assert panel.copy_button.disabled
    panel = CopyPanel(source=A, target=B, table="orders")
    panel.target_table.value = "bad name!"
    panel.plan_button.click()
    lines = error_lines(panel.output)
    assert len(lines) == 1 and "'Target table'" in lines[0]
    panel = CopyPanel(source="nocreds", target=B)
    assert len(error_lines(panel.output)) == 1
    panel.plan_button.click()
    assert "choose a table" in panel.error


def test_copy_panel_restore_needs_its_own_confirmation(orders):
    create_orders(client_for(B))
    old = orders_items(customers=1, per_customer=2)
    put_all(client_for(B), "orders", old)
    panel = CopyPanel(source=A, target=B, table="orders")
    assert panel.restore_button.disabled
    panel.restore()
    assert "no backup" in panel.error
    panel.plan_button.click()
    panel.confirm.value = True
    panel.copy_button.click()
    result = panel.wait(120)
    assert result.ok and result.backup is not None
    assert (
        not panel.restore_button.disabled
        and result.backup.name in panel.restore_confirm.description
    )
    assert len(scan_all(client_for(B), "orders")) == 30
    panel.restore_button.click()  # without its confirmation: refused
    assert "restore refused" in html_of(panel.output) and panel.restored is None
    assert len(scan_all(client_for(B), "orders")) == 30
    panel.restore_confirm.value = True
    panel.restore_button.click()
    assert panel.error is None, panel.error
    assert panel.restored is not None
    assert keyed(scan_all(client_for(B), "orders")) == keyed(old)


def test_cancel_stops_a_running_copy(servers):
    override_settings(segments=30)  # 30 tasks on 1 worker: Cancel leaves some never started
    client = servers[0].client()
    create_events(client)
    items = events_items(devices=3, per_device=500)  # 1,500 items: a threaded copy
    put_all(client, "events", items)
    target = clients.client(environments.resolve(B))
    target.meta.events.register(
        "before-send.dynamodb.BatchWriteItem", lambda **_: time.sleep(0.05)
    )  # slow writes: the copy is still running when Cancel is clicked
    panel = CopyPanel(source=A, target=B, table="events")
    panel.workers.value = 1
    panel.backup.value = False
    panel.plan_button.click()
    assert panel.cancel_button.disabled  # nothing running
    panel.copy_button.click()
    assert not panel.cancel_button.disabled and panel.running
    deadline = time.monotonic() + 60
    while panel.progress.items < 100 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert panel.running, "the copy ended before it could be cancelled"
    # while it runs: only Cancel; every input, Plan, Copy and Restore disabled, and refusing
    inputs = [getattr(panel, name) for name in COPY_INPUTS]
    assert all(w.disabled for w in inputs) and len(inputs) == 14
    assert panel.plan_button.disabled and panel.copy_button.disabled
    assert panel.restore_button.disabled and not panel.cancel_button.disabled
    panel.plan_button.click()
    assert panel.error == "plan refused: a copy is running" and panel.plan is not None
    panel.copy_button.click()
    assert panel.error == "copy refused: a copy is running"
    panel.restore_button.click()
    assert panel.error == "restore refused: a copy is running"
    panel.cancel_button.click()
    assert panel.error is None
    result = panel.wait(60)
    assert not panel.running
    assert not any(w.disabled for w in inputs) and not panel.plan_button.disabled
    assert panel.copy_button.disabled and panel.restore_button.disabled  # no plan, no backup
    assert result is not None and result.interrupted and not result.ok
    assert "INTERRUPTED" in result.summary_line() and "INTERRUPTED" in html_of(panel.output)
    written = len(scan_all(client_for(B), "events"))
    assert 0 < written < len(items) and result.written == written  # exact: no batch missed
    assert panel.progress.complete is False and panel.cancel_button.disabled


def test_api_copy_cancel_keyword(servers):
    client = servers[0].client()
    create_events(client)
    put_all(client, "events", events_items())
    cancel = threading.Event()
    cancel.set()  # set before it starts: nothing is touched
    with pytest.raises(dm.CopyFailed) as caught:
        dm.copy("events", source=A, target=B, cancel=cancel)
    assert caught.value.result.interrupted and caught.value.result.written == 0
    with pytest.raises(dm.InvalidQuery, match="cancel"):
        dm.copy("events", source=A, target=B, cancel=True)  # type: ignore[arg-type]


def test_widget_progress_counts_items():
    bar = WidgetProgress()
    bar.start("copy", 10)
    bar.advance(4)
    assert bar.bar.value == 4 and "4/10 items" in bar.label.value
    bar.advance(10)  # more than estimated: the bar grows, and its total with it
    assert bar.bar.max == 14 and "14/14 items" in bar.label.value
    bar.close(Outcome.FAILED)
    assert bar.complete is False and bar.label.value.endswith("FAILED")
    # failed past its estimate: how much was left is unknown, so its count and no full bar
    assert (bar.bar.bar_style, bar.bar.value, bar.bar.max) == ("danger", 0, 14)
    assert bar.label.value.startswith("copy: 14 items, ")


# -- exports and magics --------------------------------------------------------------------------
def test_lazy_exports():
    assert dm.QueryPanel is QueryPanel and dm.CopyPanel is CopyPanel
    with pytest.raises(AttributeError):
        dm.NoSuchThing  # noqa: B018


@pytest.fixture
def shell() -> Any:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "dynamo_magic")
    return ip


def test_magics_open_panels(orders, shell):
    panel = shell.run_line_magic("dynamo_panel", "query orders c1 --env dev")
    assert isinstance(panel, QueryPanel)
    assert panel.table.value == "orders" and panel.pk.value == "c1" and panel.env.value == "dev"
    panel.run()
    panel.store_name.value = "stored_df"
    panel.store()
    assert shell.user_ns["stored_df"] is panel.result
    panel = shell.run_line_magic("dynamo_query", "orders --env dev --ui --index status-total")
    assert isinstance(panel, QueryPanel) and panel.index.value == "status-total"
    panel = shell.run_line_magic("dynamo_copy", f"orders --source {A} --target {B} --ui")
    assert isinstance(panel, CopyPanel)
    assert (panel.source.value, panel.target.value, panel.table.value) == (A, B, "orders")
    panel = shell.run_line_magic("dynamo_panel", f"copy -t orders -src {A} -tgt {B}")
    assert isinstance(panel, CopyPanel) and panel.table.value == "orders"
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match=r"query\|copy"):
        shell.run_line_magic("dynamo_panel", "nothing")


class _CancelAfter:
    """A Progress that sets ``cancel`` once ``items`` were reported."""

    def __init__(self, cancel: threading.Event, items: int):
        self.cancel_event, self.items, self.seen = cancel, items, 0

    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        self.seen += count
        if self.seen >= self.items:
            self.cancel_event.set()

    def close(self, complete: bool = True) -> None:
        pass


def test_api_copy_cancel_stops_process_workers(servers):
    """With loky worker processes the cancel flag reaches them through the channel's stop flag
    (a manager event): the copy ends interrupted with part of the source written."""
    client = servers[0].client()
    create_events(client)
    items = events_items(devices=3, per_device=800)
    put_all(client, "events", items)
    cancel = threading.Event()
    with pytest.raises(dm.CopyFailed) as caught:
        dm.copy(
            "events",
            source=A,
            target=B,
            backup=False,
            workers=2,
            segments=60,
            backend="loky",
            progress=_CancelAfter(cancel, 100),
            cancel=cancel,
        )
    result = caught.value.result
    assert result.interrupted and "INTERRUPTED" in result.summary_line()
    written = len(scan_all(client_for(B), "events"))
    assert 0 < written < len(items)


def test_an_unknown_environment_is_one_line(servers):
    panel = QueryPanel(env="nowhere")
    assert panel.env.value == "nowhere"
    assert len(error_lines(panel.output)) == 1 and "unknown environment 'nowhere'" in panel.error
    copier = CopyPanel(source=A, target="nowhere")
    assert copier.target.value == "nowhere"
    create_events(servers[0].client())
    copier.table.options = ["events"]
    copier.table.value = "events"
    copier.plan_button.click()
    assert "unknown environment 'nowhere'" in copier.error and copier.copy_button.disabled


def test_query_panel_plots_the_result_without_requerying(orders):
    panel = QueryPanel(env="dev", table="orders")
    assert panel.plot_button.disabled
    panel.pk.value = "c1"
    panel.run()
    panel.unique_column.value = "status"
    for what in ("column", "sizes", "partitions"):
        panel.plot_what.value = what
        panel.plot_button.click()
        assert panel.error is None
        (shown,) = panel.analysis.outputs
        assert shown["data"]["image/png"]  # a PNG in the analysis area, no traceback
        assert "<table" in html_of(panel.output)  # below the result, which stays
    panel.unique_column.value = None
    panel.plot_what.value = "column"
    panel.show_plot()
    assert "choose a column" in panel.error


def test_a_confirmation_is_withdrawn_when_an_input_changes(orders):
    """Ticked for one target, it must not carry over to another (nor to the next copy)."""
    copier = CopyPanel(source="dev", target="acct-b", table="orders")
    copier.confirm.value = True
    copier.target.value = "dev"
    assert copier.confirm.value is False
    copier.target.value = "acct-b"
    copier.plan_button.click()
    copier.confirm.value = True
    copier.target_table.value = "other"
    assert copier.confirm.value is False


# -- issue 8 findings: operators, stale errors, empty and failed results, Store as -----------------
def test_sort_key_operator_starts_as_the_api_default_and_never_begins_with_on_a_number(orders):
    panel = QueryPanel(env="dev", table="orders")  # customer S + order-date S: begins_with
    assert panel.sk_op.value == "begins_with"
    panel.index.value = "by-total"  # customer S + total N: '=' until an operator is chosen
    assert panel.sk_op.value == "="
    panel.index.value = None
    assert panel.sk_op.value == "begins_with"
    panel.sk_op.value = "<"  # chosen: kept whatever index is picked
    panel.index.value = "by-total"
    assert panel.sk_op.value == "<"
    panel = QueryPanel(env="dev", table="events")  # device N + seq N
    assert panel.sk_op.value == "="
    panel.pk.value, panel.sk.value = "1", "5"  # only a sort-key value typed
    panel.run_button.click()
    assert panel.error is None, panel.error
    assert list(panel.result["seq"]) == [5]
    # begins_with chosen on a string sort key, then a number sort key: back to '='
    panel.table.value = "orders"
    panel.sk_op.value = "begins_with"
    panel.index.value = "by-total"  # customer S + total N
    assert panel.sk_op.value == "="
    panel.index.value = None
    panel.sk_op.value = "begins_with"
    panel.table.value = "events"
    assert panel.sk_op.value == "="
    copier = CopyPanel(source=A, target=B, table="events")
    assert copier.sk_op.value == "="
    copier.pk.value, copier.sk.value = "1", "5"
    assert copier.plan_kwargs()["sk_op"] == "=" and copier.plan_kwargs()["sk"] == 5
    copier.plan_button.click()
    assert copier.error is None and copier.plan.source_items == 1, copier.error


def test_every_query_action_resets_error_and_message(orders):
    panel = QueryPanel(env="dev", table="orders", namespace={})
    panel.pk.value = "c1"
    panel.run_button.click()
    assert panel.error is None and "10 item" in panel.message
    panel.store_name.value = "1abc"
    panel.store_button.click()
    assert panel.error == "'1abc' is not a Python variable name"
    panel.store_name.value = "my_df"
    panel.store_button.click()
    assert panel.error is None and panel.message == "stored in my_df"
    assert len(error_lines(panel.analysis)) == 0  # the stale error line went too
    panel.unique_column.value = None
    panel.unique_button.click()
    assert panel.error == "choose a column"
    panel.head_button.click()
    assert panel.error is None and panel.message.startswith("head: ")
    panel.unique_button.click()
    panel.summary_button.click()
    assert panel.error is None and panel.message == "summary of 10 item(s)"
    panel.unique_column.value = "status"
    panel.unique_button.click()
    assert panel.error is None and panel.message == "unique values of status: 2 value(s)"
    # a failed Run, then another environment: the stale error goes, from `error` and the page
    panel.pk.value = ""
    panel.sk.value = "x"
    panel.run_button.click()
    assert panel.error and len(error_lines(panel.output)) == 1
    panel.env.value = "acct-b"
    assert panel.error is None and panel.message == "" and error_lines(panel.output) == []
    # an analysis error goes from the analysis area; the result stays
    panel.env.value = "dev"
    panel.table.value = "orders"
    panel.pk.value, panel.sk.value = "c2", ""
    panel.run_button.click()
    panel.unique_column.value = None
    panel.unique_button.click()
    assert error_lines(panel.analysis) == ['<div class="dynamo-error">choose a column</div>']
    panel.table.value = "events"  # the result of orders goes with its error line
    assert panel.error is None and error_lines(panel.analysis) == []
    assert panel.result is None and html_of(panel.output) == ""


def test_every_copy_action_resets_error_and_message(orders):
    copier = CopyPanel(source=A, target=B, table="orders")
    copier.copy_button.click()  # before any plan
    assert copier.error == "copy refused: no plan yet: click Plan first"
    assert "changed" not in copier.error
    copier.target_table.value = "bad name!"
    copier.plan_button.click()
    assert "'Target table'" in copier.error and copier.message == copier.error
    copier.target_table.value = ""
    copier.plan_button.click()
    assert copier.error is None and copier.message == "plan ready: click Copy to run it"
    copier.mode.value = "merge"
    copier.copy_button.click()  # there was a plan: now the inputs differ from it
    assert copier.error == "copy refused: the inputs changed since the plan: click Plan again"
    copier.plan_button.click()
    assert copier.error is None and "refused" not in copier.message
    copier.restore_button.click()
    assert copier.error == "no backup to restore: the last copy took none"
    copier.source.value = "dev"  # another source: the stale error goes
    assert copier.error is None and error_lines(copier.output) == []


def test_store_as_refuses_keywords_builtins_and_names_in_use(orders):
    namespace: dict[str, Any] = {"dm": dm, "helper": len, "earlier": None}
    panel = QueryPanel(env="dev", table="orders", namespace=namespace)
    panel.pk.value = "c1"
    panel.run()
    namespace["earlier"] = panel.result.head(1)  # a DataFrame stored before
    for name, why in (
        ("for", "'for' is a Python keyword: choose another name"),
        ("print", "'print' is a Python builtin: choose another name"),
        ("dm", "'dm' already holds a module in the notebook: choose another name"),
        ("helper", "'helper' already holds a builtin_function_or_method in the notebook"),
    ):
        panel.store_name.value = name
        panel.store_button.click()
        assert panel.error.startswith(why) and len(error_lines(panel.analysis)) == 1
    assert namespace["dm"] is dm and namespace["helper"] is len and "for" not in namespace
    assert "print" not in namespace
    panel.store_name.value = "earlier"
    panel.store_button.click()
    assert panel.error is None and namespace["earlier"] is panel.result
    assert panel.message == "stored in earlier (it replaced the DataFrame earlier held)"
    panel.store_button.click()  # the same result again: nothing replaced
    assert panel.message == "stored in earlier"


def test_analysis_of_an_empty_result_says_so(orders):
    panel = QueryPanel(env="dev", table="orders", namespace={})
    panel.pk.value = "nobody"
    panel.run()
    assert panel.error is None and len(panel.result) == 0
    assert panel.unique_column.value == "customer"  # a column is chosen, yet nothing to count
    for button in (panel.head_button, panel.unique_button, panel.summary_button):
        button.click()
        assert panel.error == "the result is empty (0 items): nothing to analyse"
    for what in ("column", "sizes", "partitions"):
        panel.plot_what.value = what
        panel.plot_button.click()
        assert panel.error == "the result is empty (0 items): nothing to analyse"
    panel.store_name.value = "none_found"
    panel.store_button.click()  # an empty DataFrame can still be kept
    assert panel.error is None and panel._namespace["none_found"] is panel.result


def test_a_failed_run_clears_the_result_and_disables_the_analysis(orders):
    namespace: dict[str, Any] = {}
    panel = QueryPanel(env="dev", table="orders", namespace=namespace)
    buttons = (
        panel.head_button,
        panel.unique_button,
        panel.summary_button,
        panel.plot_button,
        panel.store_button,
    )
    panel.index.value = "status-total"
    panel.pk.value = "open"
    panel.run()
    assert len(panel.result) == 15 and not any(b.disabled for b in buttons)
    panel.head_button.click()
    assert panel.analysis.outputs
    panel.index.value = None
    panel.pk.value, panel.sk_op.value, panel.sk.value = "c1", "between", "2024-01-05"
    panel.run_button.click()  # between without its upper bound: refused
    assert panel.error and panel.result is None and panel.read is None
    assert all(b.disabled for b in buttons) and panel.analysis.outputs == ()
    panel.store_name.value = "stale"
    for handler in (
        panel.show_head,
        panel.show_unique,
        panel.show_summary,
        panel.show_plot,
        panel.store,
    ):
        handler()  # from Python while disabled: refused, the old result is not used
        assert panel.error == "no result: the last Run failed; fix the inputs and Run"
        assert len(error_lines(panel.analysis)) == 1
    assert namespace == {}
    panel.sk2.value = "2024-01-07"
    panel.run_button.click()
    assert panel.error is None and len(panel.result) == 3
    assert not any(b.disabled for b in buttons)


def test_the_column_dropdown_has_a_column_chosen_after_each_run(orders):
    panel = QueryPanel(env="dev", table="orders")
    panel.pk.value = "c1"
    panel.run_button.click()
    assert panel.unique_column.value == "customer"  # the partition key
    panel.unique_column.value = "status"
    panel.sk.value = "2024-01-02"
    panel.run_button.click()
    assert panel.unique_column.value == "status"  # the earlier choice, still a column
    panel.columns.value = "total"  # status is not in this result
    panel.run_button.click()
    assert list(panel.unique_column.options) == ["customer", "order-date", "total"]
    assert panel.unique_column.value == "customer"
    panel.columns.value = ""
    panel.index.value = "status-total"
    panel.pk.value, panel.sk.value = "open", ""
    panel.unique_column.value = None
    panel.run_button.click()
    assert panel.unique_column.value == "status"  # the index's partition key
    panel.unique_button.click()
    assert panel.error is None and list(panel.view["status"]) == ["open"]


def test_the_same_table_error_is_short(orders):
    copier = CopyPanel(source=A, target=A, table="orders")
    copier.plan_button.click()
    assert copier.error == (
        f"source and target are the same table: 'orders' in env '{A}'; "
        "choose another 'Target' or 'Target table'"
    )
    # two names for one server: both spellings, with the endpoint that makes them one table
    with pytest.raises(dm.UnsafeOperation) as refused:
        dm.plan_copy("orders", source=A, target="dev")
    text = str(refused.value)
    assert text.startswith(f"source and target are the same table: 'orders' in env '{A}' (http")
    assert "is 'orders' in env 'dev' (http" in text and text.count("profile") == 0


def test_a_run_clicked_on_the_page_leaves_the_kernel_free(orders):
    """The page's click message starts the query in a thread: the handler returns at once,
    Run is disabled and says "running…" until the query ends; ``wait()`` joins it."""
    panel = QueryPanel(env="dev", table="orders")
    panel.pk.value = "c1"
    release = threading.Event()
    client = clients.client(environments.resolve("dev"))

    def hold(**_: Any) -> None:  # the query waits for the test: no timing guesses
        assert release.wait(30), "never released"

    client.meta.events.register("before-send.dynamodb.Query", hold)
    try:
        started = time.monotonic()
        panel.run_button._handle_button_msg(None, {"event": "click"}, [])  # as the page sends
        assert time.monotonic() - started < 5 and panel.running
        assert panel.run_button.disabled and panel.status.value == "running…"
        assert panel.result is None and panel.head_button.disabled
        panel.show_head()  # from Python while it runs: refused
        assert panel.error == "a query is running: wait for its result"
        panel.run()  # a second Run: refused, the first goes on
        assert panel.error == "run refused: a query is running"
        release.set()
        assert panel.wait(60) is panel.result
    finally:
        release.set()
        client.meta.events.unregister("before-send.dynamodb.Query", hold)
    assert not panel.running and not panel.run_button.disabled and panel.status.value == ""
    assert panel.error is None and len(panel.result) == 10
    assert "<table" in html_of(panel.output) and not panel.head_button.disabled
    # click() from Python runs the query to its end before returning
    panel.pk.value = "c2"
    panel.run_button.click()
    assert not panel.running and list(set(panel.result["customer"])) == ["c2"]


def test_a_copy_panel_has_no_default_target(orders):
    """Without ``target=`` nothing is chosen for the target: Plan asks for one (a first
    environment picked by default could be any account)."""
    copier = CopyPanel(source=A, table="orders")
    assert copier.target.value is None and copier.target.options
    copier.plan_button.click()
    assert copier.error == "choose a Target environment to copy into"
    assert copier.plan is None and copier.copy_button.disabled
    copier.target.value = B
    copier.plan_button.click()
    assert copier.error is None and copier.plan is not None, copier.error


# -- round 2: a result, a plan and a table always match the inputs shown --------------------------
class _Held:
    """Holds every request of ``operation`` on the dev client until ``release``d (no timing
    guesses: the test decides when the query may go on)."""

    def __init__(self, operation: str = "Query"):
        self.event = f"before-send.dynamodb.{operation}"
        self.released = threading.Event()
        self.client = clients.client(environments.resolve("dev"))

    def _hold(self, **_: Any) -> None:
        assert self.released.wait(30), "never released"

    def __enter__(self) -> _Held:
        self.client.meta.events.register(self.event, self._hold)
        return self

    def __exit__(self, *_: Any) -> None:
        self.released.set()
        self.client.meta.events.unregister(self.event, self._hold)


def test_every_input_and_the_analysis_row_are_disabled_while_a_run_runs(orders):
    panel = QueryPanel(env="dev", table="orders")
    panel.pk.value = "c1"
    panel.run()
    assert not any(getattr(panel, name).disabled for name in (*QUERY_INPUTS, *ANALYSIS_CONTROLS))
    panel.pk.value = "c2"
    with _Held() as held:
        panel.run_button._handle_button_msg(None, {"event": "click"}, [])  # as the page sends
        assert panel.running
        assert [n for n in QUERY_INPUTS if not getattr(panel, n).disabled] == []
        assert [n for n in ANALYSIS_CONTROLS if not getattr(panel, n).disabled] == []
        held.released.set()
        panel.wait(60)
    assert not panel.running and panel.error is None
    assert set(panel.result["customer"]) == {"c2"}
    assert not any(getattr(panel, name).disabled for name in (*QUERY_INPUTS, *ANALYSIS_CONTROLS))


def test_a_table_changed_from_python_while_a_run_runs_drops_its_result(orders):
    panel = QueryPanel(env="dev", table="orders")
    panel.pk.value = "c1"
    with _Held() as held:
        panel.run(background=True)
        panel.table.value = "events"  # the page has it disabled; Python can still set it
        held.released.set()
        panel.wait(60)
    assert panel.result is None and panel.read is None and panel.head_button.disabled
    assert panel.error == "the environment, table or index changed while the query ran: Run again"
    assert "<table" not in html_of(panel.output)


@pytest.mark.parametrize(
    ("name", "value"), [("env", "acct-a"), ("table", "events"), ("index", "status-total")]
)
def test_another_environment_table_or_index_clears_the_result(orders, name, value):
    namespace: dict[str, Any] = {}
    panel = QueryPanel(env="dev", table="orders", namespace=namespace)
    panel.pk.value = "c1"
    panel.run()
    panel.summary_button.click()
    assert len(panel.result) == 10 and panel.analysis.outputs and panel.output.outputs
    # the next query being typed: the result stays
    panel.pk.value, panel.sk.value, panel.filter.value = "c2", "2024", "total > 1"
    panel.columns.value, panel.limit.value, panel.sk_op.value = "status", "3", ">="
    assert len(panel.result) == 10 and not panel.head_button.disabled
    getattr(panel, name).value = value
    assert panel.result is None and panel.read is None and panel.view is None
    assert panel.output.outputs == () and panel.analysis.outputs == ()
    assert all(getattr(panel, n).disabled for n in ANALYSIS_CONTROLS)
    panel.store_name.value = "old"
    panel.store()  # from Python while disabled: refused, nothing stored
    assert panel.error == "run a query first" and namespace == {}


def test_another_environment_keeps_the_table_when_it_has_one_of_that_name(orders, servers):
    b = servers[1].client()
    create_orders(b)
    create_events(b)
    panel = QueryPanel(env="dev", table="events")
    assert list(panel.table.options).index("events") > 0  # not the first table
    panel.pk.value = "1"
    panel.env.value = "acct-b"
    assert list(panel.table.options).index("events") > 0
    assert panel.table.value == "events" and panel.schema is not None
    assert panel.schema.name == "events" and panel.pk.value == "1"
    b.delete_table(TableName="events")
    panel.env.value = "dev"
    panel.env.value = "acct-b"  # no events there now: the first table
    assert panel.table.value == "orders"
    copier = CopyPanel(source=A, target=B, table="events")
    copier.source.value = "prod-b"
    assert copier.table.value == "orders"
    create_events(b)
    copier.source.value = A
    copier.table.value = "events"
    copier.source.value = "acct-b"
    assert copier.table.value == "events"


def test_an_input_changed_after_a_plan_clears_the_plan_shown(orders):
    copier = CopyPanel(source=A, target=B, table="orders")
    copier.plan_button.click()
    assert copier.plan is not None and "in env 'acct-b'" in html_of(copier.output)
    copier.target.value = "dev"
    assert copier.plan is None and copier.copy_button.disabled
    assert copier.message == OUTDATED_PLAN and copier.error is None
    assert html_of(copier.output) == f'<div class="dynamo-message">{OUTDATED_PLAN}</div>'
    copier.copy_button.click()  # from Python while disabled
    assert copier.error == "copy refused: the inputs changed since the plan: click Plan again"
    assert copier.result is None
    copier.target.value = B
    copier.plan_button.click()  # a new plan: shown, Copy enabled
    assert copier.plan is not None and not copier.copy_button.disabled
    assert "Copy plan" in html_of(copier.output)


def test_a_copy_refused_at_copy_time_names_the_checkbox_by_its_label(orders, servers):
    b = servers[1].client()
    create_orders(b)  # empty: the plan needs no confirmation
    copier = CopyPanel(source=A, target=B, table="orders")
    copier.plan_button.click()
    assert copier.plan is not None and not copier.plan.confirmations
    b.put_item(TableName="orders", Item=orders_items(1, 1)[0] | {"note": {"S": "keep"}})
    copier.copy_button.click()
    copier.wait(60)
    box = copier.confirm.description
    assert box.startswith("write into 'orders' in env 'acct-b'")
    assert copier.error is not None and f"tick '{box}' to copy" in copier.error
    assert "Confirm" not in copier.error and "confirm with" not in copier.error
    assert [item["note"] for item in scan_all(b, "orders")] == [{"S": "keep"}]


def test_the_panel_plot_of_a_column_is_the_chart_of_dash_dash_plot(orders, shell, monkeypatch):
    """A column of numbers with a few texts: the panel and ``--plot qty`` both draw its
    histogram (the one chooser, ``plots.plot_column``)."""
    items = [order_item_with("mix", n, {"N": str(n)}) for n in range(1, 8)]
    items += [order_item_with("mix", n, {"S": "n/a"}) for n in (8, 9)]
    put_all(orders, "orders", items)
    drawn: list[str] = []
    for name in ("plot_histogram", "plot_unique"):
        real = getattr(plots, name)
        monkeypatch.setattr(
            plots,
            name,
            lambda *a, _real=real, _name=name, **k: drawn.append(_name) or _real(*a, **k),
        )
    shell.run_line_magic("dynamo_query", "orders mix --env dev --plot qty")
    by_magic, drawn[:] = list(drawn), []
    panel = QueryPanel(env="dev", table="orders")
    panel.pk.value = "mix"
    panel.run()
    panel.unique_column.value, panel.plot_what.value = "qty", "column"
    panel.plot_button.click()
    assert panel.error is None and by_magic == drawn == ["plot_histogram"]
    assert panel.analysis.outputs[0]["data"]["image/png"]
    panel.unique_column.value = "status"  # no number in it: bars, as --plot status draws
    drawn.clear()
    panel.plot_button.click()
    assert drawn == ["plot_unique"]


def order_item_with(customer: str, n: int, qty: dict[str, Any]) -> dict[str, Any]:
    item = orders_items(1, n)[-1]
    return item | {"customer": {"S": customer}, "qty": qty}


def test_a_binary_key_error_in_a_panel_names_no_command_line(servers):
    client = servers[0].client()
    create_blobs(client)
    put_all(client, "blobs", blobs_items())
    panel = QueryPanel(env="dev", table="blobs")
    panel.pk.value = "%%%"
    panel.run()
    assert panel.error == "partition key 'id' is binary (B); give bytes or base64 text"


UI_CHECKED = {
    "sort key not a number": "events 1 --env dev --sk abc",
    "limit below 1": "events 1 --env dev --limit -3",
    "between one bound": "events 1 --env dev --sk-op between --sk 1",
    "sort key without pk": "orders --env dev --sk 2024",
    "bad filter": "orders c1 --env dev --filter 'total >'",
    "missing table": "nosuch c1 --env dev",
    "unknown environment": "orders c1 --env nope",
}


@pytest.mark.parametrize("line", UI_CHECKED.values(), ids=UI_CHECKED.keys())
def test_ui_checks_what_the_line_without_ui_checks(orders, shell, line):
    from IPython.core.error import UsageError

    with pytest.raises(UsageError) as plain:
        shell.run_line_magic("dynamo_query", line)
    with pytest.raises(UsageError) as with_ui:
        shell.run_line_magic("dynamo_query", line + " --ui")
    assert str(with_ui.value) == str(plain.value) and "\n" not in str(plain.value)


def test_ui_checks_needing_no_table_read_none(orders, shell):
    from IPython.core.error import UsageError

    client = clients.client(environments.resolve("dev"))
    calls: list[str] = []

    def count(**kwargs: Any) -> None:
        calls.append(kwargs["event_name"])

    client.meta.events.register("before-send.dynamodb", count)
    try:
        with pytest.raises(UsageError, match="--limit must be a positive number"):
            shell.run_line_magic("dynamo_query", "events 1 --env dev --limit 0 --ui")
    finally:
        client.meta.events.unregister("before-send.dynamodb", count)
    assert calls == []
    panel = shell.run_line_magic("dynamo_query", "events 1 --env dev --sk 3 --limit 2 --ui")
    assert isinstance(panel, QueryPanel) and panel.error is None
    panel.run()
    assert list(panel.result["seq"]) == [3]


def test_the_workers_input_offers_what_a_copy_allows(orders):
    from dynamo_magic.settings import max_workers

    copier = CopyPanel(source=A, target=B, table="orders")
    assert copier.workers.max == max_workers() and 1 <= copier.workers.value <= max_workers()
    copier.workers.value = max_workers()
    copier.plan_button.click()
    assert copier.error is None, copier.error


def test_copy_ui_of_a_missing_table_is_one_usage_error(orders, shell):
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="'nosuch'") as refused:
        shell.run_line_magic("dynamo_copy", f"nosuch --source dev --target {B} --ui")
    assert "\n" not in str(refused.value)


def test_a_copy_panel_reads_from_the_default_environment_unless_told(orders, isolated_aws):
    """Without ``source=``, the source starts where the query panel's environment does: the
    configured ``default_env`` (the demo's demo-dev), not the first environment listed."""
    (isolated_aws / "dynamo_magic.toml").write_text(f'default_env = "{B}"\n')
    reset_caches()
    assert CopyPanel(table="orders").source.value == B
    assert QueryPanel().env.value == B
    assert CopyPanel(source=A).source.value == A
