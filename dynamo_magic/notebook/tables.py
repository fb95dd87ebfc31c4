"""How result tables show in a notebook: pandas' HTML (``"html"``, the default) or, with the
optional ``itables`` package, sortable, searchable, paginated tables (``"interactive"``) that
work offline: each one carries itables' bundled DataTables (loaded once per page).

``%config DynamoMagic.table_display = "interactive"`` chooses it (``set_table_display``); the
magics' results and the panels' tables follow it (``displayable``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from IPython.display import HTML

if TYPE_CHECKING:
    import pandas as pd

TABLE_DISPLAYS = ("html", "interactive")
INSTALL_HINT = "pip install 'dynamo_magic[itables]'"
# the attrs key marking a frame the magics returned: the notebook's HTML formatter shows it as
# the table display says (other DataFrames keep pandas' HTML)
RESULT_MARK = "dynamo_magic.result"

_display = "html"  # the table display in effect (``set_table_display``)


def table_display() -> str:
    """The table display in effect: ``"html"`` or ``"interactive"``."""
    return _display


def check_table_display(value: object) -> str:
    """``value`` if it is a table display this session can show, else ``ValueError`` with one
    line saying what to do (a choice not in ``TABLE_DISPLAYS``; ``"interactive"`` without
    itables installed)."""
    if value not in TABLE_DISPLAYS:
        raise ValueError(
            f"table_display must be one of {', '.join(map(repr, TABLE_DISPLAYS))}, not {value!r}"
        )
    if value == "interactive":
        try:
            import itables  # noqa: F401
        except ImportError:
            raise ValueError(
                f"table_display 'interactive' needs the itables package: {INSTALL_HINT}"
            ) from None
    return str(value)


def set_table_display(value: str) -> None:
    """Show result tables as ``value`` from now on (checked: ``check_table_display``)."""
    global _display
    _display = check_table_display(value)


def displayable(obj: Any) -> Any:
    """What to display for ``obj``: a DataFrame as the table display says (an interactive
    table's ``HTML``), anything else as it is."""
    if _display == "interactive":
        import pandas as pd

        if isinstance(obj, pd.DataFrame):
            return HTML(interactive_html(obj))
    return obj


def interactive_html(frame: pd.DataFrame) -> str:
    """``frame`` as an itables table: every row (no down-sampling: nothing left out), sortable,
    searchable and paginated, with the offline DataTables bundle it needs (which loads once per
    page, whatever the number of tables)."""
    import itables

    table: str = itables.to_html_datatable(frame, connected=False, maxBytes=0)
    return _offline_loader() + table


@functools.cache
def _offline_loader() -> str:
    """itables' offline loader of its bundled DataTables (what ``init_notebook_mode(
    connected=False)`` shows, without its change to every DataFrame's HTML)."""
    from itables import options
    from itables.javascript import generate_init_offline_itables_html

    return str(generate_init_offline_itables_html(options.dt_bundle))


def html_of_result(frame: pd.DataFrame) -> str | None:
    """The ``text/html`` of a DataFrame in the notebook: a magic's result (``RESULT_MARK``)
    as the table display says, any other as pandas (or whoever set its HTML) shows it."""
    if _display == "interactive" and frame.attrs.get(RESULT_MARK):
        return interactive_html(frame)
    html: str | None = frame._repr_html_()
    return html
