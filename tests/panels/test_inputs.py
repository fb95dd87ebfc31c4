"""A result, a plan and a table always match the inputs a panel shows; ``--ui`` checks what
the line without it checks."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from dynamo_magic import environments, plots
from dynamo_magic.dynamodb import clients
from dynamo_magic.notebook.panels import (
    ANALYSIS_CONTROLS,
    OUTDATED_PLAN,
    QUERY_INPUTS,
    CopyPanel,
    QueryPanel,
)

from .outputs import html_of
from conftest import A, B, reset_caches
from tables import (
    blobs_items,
    create_blobs,
    create_events,
    create_orders,
    orders_items,
    put_all,
    scan_all,
)


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
