"""``%config DynamoMagic.table_display``: pandas' HTML by default, itables' offline tables with
"interactive" (a magic's result and a panel's tables), a bad value or a missing itables one
line, in a real kernel against a moto server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import A, client_for, subprocess_env
from live_kernel import errors, live_kernel
from tables import create_orders, orders_items, put_all

QUERY = f"%dynamo_query orders c1 --env {A}"


def html_of(cell: Any) -> str:
    """The text/html of the cell's result."""
    results = [o for o in cell.outputs if o["output_type"] == "execute_result"]
    assert len(results) == 1, cell.outputs
    return str(results[0]["data"].get("text/html", ""))


def test_results_are_pandas_html_until_interactive_is_configured(servers, tmp_path: Path):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", orders_items(2, 3))
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        assert errors(kernel.run("%load_ext dynamo_magic")) == []
        plain = html_of(kernel.run(QUERY))
        assert 'class="dataframe"' in plain and "ITable" not in plain

        refused = errors(kernel.run('%config DynamoMagic.table_display = "fancy"'))
        assert refused == [
            "UsageError: DynamoMagic.table_display must be one of 'html', 'interactive', "
            "not 'fancy'"
        ]
        assert errors(kernel.run('%config DynamoMagic.table_display = "interactive"')) == []
        shown = html_of(kernel.run(QUERY))
        assert "new ITable(" in shown  # the DataTables table
        assert "injectModule" in shown  # with the offline bundle: no internet needed
        assert "https://" not in shown.split("<noscript>")[0]  # nothing fetched from a CDN
        # an assigned result is still a DataFrame; another frame keeps pandas' HTML
        cell = kernel.run(f"df = {QUERY}\nimport pandas as pd\npd.DataFrame({{'a': [1]}})")
        assert "ITable" not in html_of(cell)
        assert "new ITable(" in html_of(kernel.run("df"))

        # a panel's result too
        panel = kernel.run(
            "import dynamo_magic as dm\n"
            f'panel = dm.QueryPanel(env="{A}", table="orders", pk="c1")\n'
            "panel.run_button.click()\n"
            'print("new ITable(" in panel.output.outputs[0]["data"]["text/html"])'
        )
        assert errors(panel) == [] and panel.outputs[-1]["text"].strip() == "True"

        # back to pandas' HTML
        kernel.run('%config DynamoMagic.table_display = "html"')
        assert "ITable" not in html_of(kernel.run(QUERY))


def test_interactive_without_itables_says_how_to_install_it(servers, tmp_path: Path):
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        kernel.run("import sys\nsys.modules['itables'] = None  # as if not installed")
        kernel.run("%load_ext dynamo_magic")
        refused = errors(kernel.run('%config DynamoMagic.table_display = "interactive"'))
        assert refused == [
            "UsageError: DynamoMagic.table_display 'interactive' needs the itables package: "
            "pip install 'dynamo_magic[itables]'"
        ]
        still = kernel.run("print(get_ipython().find_magic('dynamo_query').__self__.table_display)")
        assert still.outputs[-1]["text"].strip() == "html"
