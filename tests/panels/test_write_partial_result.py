"""The query panel's **Write to table** refuses a result that does not hold whole items (read
with some Columns, or from an index that projects only some attributes) in the panel's own
terms: what to do in the panel, never an API keyword it has no input for."""

from __future__ import annotations

import pytest

from dynamo_magic.notebook.panels import QueryPanel

from conftest import B, client_for
from tables import create_orders


@pytest.mark.parametrize(
    ("setting", "why"),
    [
        ({"columns": "customer,order_id,total"}, "holds only some attributes"),
        ({"index": "region-keys", "pk": "eu"}, "holds only some attributes"),
    ],
)
def test_a_partial_result_is_refused_with_what_to_do_in_the_panel(orders, setting, why):
    create_orders(client_for(B))
    panel = QueryPanel(env="dev", table="orders")
    panel.pk.value = "c1"
    for name, value in setting.items():
        getattr(panel, name).value = value
    panel.run()
    assert panel.error is None and len(panel.result)
    panel.writer.write_env.value = B
    panel.writer.make_plan()
    error = panel.error or ""
    assert why in error, error
    assert "whole_items" not in error and "whole items" in error, error
    assert "'Columns'" in error, error  # the panel's own field, named as its label
    assert panel.writer.plan is None and panel.writer.write_button.disabled
