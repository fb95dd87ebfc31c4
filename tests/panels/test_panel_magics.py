"""The panels' exports and magics (``%dynamo_panel``, ``--ui``), Cancel of process workers,
plots and confirmations, driven from Python against the moto servers."""

from __future__ import annotations

import threading

import pytest

import dynamo_magic as dm
from dynamo_magic.notebook.panels import CopyPanel, QueryPanel

from .outputs import error_lines, html_of
from conftest import A, B, client_for
from tables import create_events, events_items, put_all, scan_all


# -- exports and magics --------------------------------------------------------------------------
def test_lazy_exports():
    assert dm.QueryPanel is QueryPanel and dm.CopyPanel is CopyPanel
    with pytest.raises(AttributeError):
        dm.NoSuchThing  # noqa: B018


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
