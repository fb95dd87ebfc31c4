"""Each panel field is declared once (``FIELDS``: API keyword, label, input, conversion) and a
panel is a widget: the labels, rows, ``kwargs()`` and the magics' ``--ui`` all follow the table."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
import pytest

from dynamo_magic import api
from dynamo_magic.errors import UsageProblem
from dynamo_magic.notebook.panels import CopyPanel, QueryPanel
from dynamo_magic.options import command_options, flag_of, label_of
from dynamo_magic.settings import max_workers

from tables import create_orders, orders_items, put_all

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def keywords(function: Any) -> set[str]:
    return set(inspect.signature(function).parameters)


def test_every_field_is_a_keyword_of_the_api_function_the_panel_calls() -> None:
    assert [f.keyword for f in QueryPanel.FIELDS if f.keyword not in keywords(api.fetch)] == []
    assert [f.keyword for f in CopyPanel.FIELDS if f.keyword not in keywords(api.copy)] == []
    # what the plan depends on is what api.plan_copy takes (workers: the copy only)
    plan = {f.keyword for f in CopyPanel.FIELDS if f.plan}
    assert plan == {f.keyword for f in CopyPanel.FIELDS} & keywords(api.plan_copy)
    for panel in (QueryPanel, CopyPanel):
        names = [f.keyword for f in panel.FIELDS]
        assert len(names) == len(set(names)), f"{panel.__name__}: a keyword twice"
        assert {f.keyword: label_of(f.keyword, panel.COMMAND) for f in panel.FIELDS} == panel.LABELS


@pytest.mark.parametrize(("panel", "command"), [(QueryPanel, "query"), (CopyPanel, "copy")])
def test_ui_takes_exactly_the_fields_of_the_panel(panel: Any, command: str) -> None:
    """Every field but the table (the line's TABLE word) is an option of the magic line that
    ``--ui`` fills; every other option of the line is refused, naming its flag."""
    options = {o.keyword for o in command_options(command, "magic")}
    assert set(panel.ui_options()) == {f.keyword for f in panel.FIELDS} - {"table"}
    assert set(panel.ui_options()) <= options
    panel.check_ui_options(panel.ui_options())  # all at once: taken
    for keyword in sorted(options - set(panel.ui_options()) - {"table"}):
        with pytest.raises(UsageProblem) as refused:
            panel.check_ui_options([keyword, *panel.ui_options()])
        text = refused.value.render(lambda k: flag_of(k, command))
        assert text.startswith(f"{flag_of(keyword, command)} cannot be used with --ui: "), text


@pytest.fixture
def orders(servers: Any) -> Iterator[None]:
    client = servers[0].client()
    create_orders(client)
    put_all(client, "orders", orders_items(customers=2, per_customer=2))
    yield


def widget_tree(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widget_tree(child)


def test_a_panel_is_a_widget_whose_rows_are_its_fields(orders: None) -> None:
    for panel in (QueryPanel(env="dev", table="orders"), CopyPanel("dev", "acct-b", "orders")):
        assert isinstance(panel, widgets.Box) and panel.error is None, panel.error
        assert panel._repr_mimebundle_()[WIDGET_VIEW]["model_id"] == panel.model_id
        shown = list(widget_tree(panel))
        for field in panel.FIELDS:  # each input is shown, inside the panel
            assert any(w is getattr(panel, field.keyword) for w in shown), field.keyword
        labels = [w.value for w in shown if isinstance(w, widgets.Label)]
        labels_of = panel.LABELS
        boxes = {
            labels_of[f.keyword]
            for f in panel.FIELDS
            if isinstance(getattr(panel, f.keyword), widgets.Checkbox)
        }
        expected = [labels_of[f.keyword] for f in panel.FIELDS if labels_of[f.keyword] not in boxes]
        assert [label for label in labels if label in panel.LABELS.values()] == expected
        assert list(panel.kwargs()) == [f.keyword for f in panel.FIELDS]


def test_a_value_the_input_cannot_hold_is_refused_never_clipped(orders: None) -> None:
    panel = CopyPanel("dev", "acct-b", "orders")
    with pytest.raises(UsageProblem) as refused:
        panel.fill({"workers": max_workers() + 1})
    assert refused.value.render(lambda k: flag_of(k, "copy")) == (
        f"--workers {max_workers() + 1}: the panel cannot take it"
    )
    panel.fill({"workers": 2, "mode": "merge", "target_table": "orders_copy"})
    assert (panel.workers.value, panel.mode.value) == (2, "merge")
    assert panel.kwargs()["target_table"] == "orders_copy"
    with pytest.raises(UsageProblem, match="has no index 'nope'; its indexes: status-total"):
        panel.fill({"index": "nope"})
