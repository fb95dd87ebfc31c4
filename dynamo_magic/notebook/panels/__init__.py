"""ipywidgets panels for querying and copying: ``QueryPanel`` and ``CopyPanel``.

A panel is a ``VBox`` (display it, or put it in another box); each input is declared once, in
the panel's ``FIELDS`` (API keyword, label, widget, conversion to the API's value), from which
its rows, ``kwargs()`` and the magics' ``--ui`` filling (``ui_options``, ``fill``) follow.

A panel holds no DynamoDB logic: its buttons call the same ``api`` functions as the magics,
with the keywords its input widgets give (``panel.pk.value`` is what ``pk=`` takes). Click
handlers never raise: a ``DynamoMagicError`` becomes one line in the output area, naming the
panel's field labels; they also enforce their own rules (a plan before a copy, the confirmation)
when called from Python while their button is disabled.

Every control carries the CSS class ``dynamo-`` + its attribute name (``_`` as ``-``), the
panels ``dynamo-query-panel`` / ``dynamo-copy-panel``, the buttons also ``dynamo-run``,
``dynamo-plan``, ``dynamo-copy``, ``dynamo-cancel``, the output area ``dynamo-output`` (and
the query panel's analysis area, below it, ``dynamo-analysis``): browser tests find them by
these.

Each action starts ``error`` (``None``: it went well) and ``message`` (the last line it showed)
afresh.

The package's modules: ``layout`` (the form, lines, widths), ``fields`` (each input declared
once), ``base`` (what both panels share), ``query`` (``QueryPanel``), ``copy`` (``CopyPanel``),
``progress`` (``WidgetProgress``).
"""

from __future__ import annotations

from .copy import COPY_INPUTS, OUTDATED_PLAN, PLAN_INPUTS, CopyPanel
from .fields import COPY_FIELDS, QUERY_FIELDS, Field, index_options, typed
from .progress import WidgetProgress
from .query import ANALYSIS_CONTROLS, QUERY_INPUTS, QueryPanel

__all__ = [
    "ANALYSIS_CONTROLS",
    "COPY_FIELDS",
    "COPY_INPUTS",
    "OUTDATED_PLAN",
    "PLAN_INPUTS",
    "QUERY_FIELDS",
    "QUERY_INPUTS",
    "CopyPanel",
    "Field",
    "QueryPanel",
    "WidgetProgress",
    "index_options",
    "typed",
]
