"""Each panel action on its own (issue 8 findings): sort-key operators, stale errors and
messages, empty and failed results, Store as, a run clicked on the page."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import dynamo_magic as dm
from dynamo_magic import environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.notebook.panels import CopyPanel, QueryPanel

from .outputs import error_lines, html_of
from conftest import A, B


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
    release, sent = threading.Event(), threading.Event()
    client = clients.client(environments.resolve("dev"))

    def hold(**_: Any) -> None:  # the query waits for the test: no timing guesses
        sent.set()
        assert release.wait(30), "never released"

    client.meta.events.register("before-send.dynamodb.Query", hold)
    try:
        panel.run_button._handle_button_msg(None, {"event": "click"}, [])  # as the page sends
        # the handler has returned while its query is held: it runs in another thread
        assert sent.wait(30) and not release.is_set() and panel.running
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
