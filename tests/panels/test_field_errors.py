"""Errors a panel shows for one input name that input by its label, a bad environment is
reported when the panel is built and when it is chosen (query, source and target alike), every
field can be given to the constructor (checked as ``--ui`` fills it), and a copy's result
table shows the rows that have a value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dynamo_magic.notebook.panels import CopyPanel, QueryPanel
from dynamo_magic.settings import max_workers

from .outputs import error_lines, html_of
from conftest import A, B

BAD_ENVIRONMENT = "nope"


# -- 1. a bad environment: at once, and again whenever it is chosen ---------------------------
@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: QueryPanel(env=BAD_ENVIRONMENT, table="orders"), "env"),
        (lambda: CopyPanel(source=BAD_ENVIRONMENT, target=B, table="orders"), "source"),
        (lambda: CopyPanel(source=A, target=BAD_ENVIRONMENT, table="orders"), "target"),
    ],
    ids=["query env", "copy source", "copy target"],
)
def test_a_bad_environment_is_one_line_when_built_and_when_chosen(
    orders: Any, make: Callable[[], Any], field: str
) -> None:
    panel = make()
    label = panel.LABELS[field]
    expected = f"'{label}': unknown environment '{BAD_ENVIRONMENT}': "
    assert panel.error is not None and panel.error.startswith(expected), panel.error
    assert len(error_lines(panel.output)) == 1
    if field == "target":  # the source's tables are listed all the same
        assert panel.table.value == "orders" and panel.schema is not None
    getattr(panel, field).value = A  # a good one: the error goes
    assert panel.error is None and error_lines(panel.output) == []
    getattr(panel, field).value = BAD_ENVIRONMENT  # chosen again: reported again
    assert panel.error is not None and panel.error.startswith(expected), panel.error
    assert len(error_lines(panel.output)) == 1


def test_a_bad_environment_reads_the_same_in_both_panels(orders: Any) -> None:
    """The same line after the label, from the query panel's environment and the copy
    panel's source and target; a good target does not hide a bad source's error."""
    lines = [
        QueryPanel(env=BAD_ENVIRONMENT).error,
        CopyPanel(source=BAD_ENVIRONMENT, target=B).error,
        CopyPanel(source=A, target=BAD_ENVIRONMENT).error,
    ]
    assert all(line is not None for line in lines), lines
    assert len({str(line).split(": ", 1)[1] for line in lines}) == 1, lines
    copier = CopyPanel(source=BAD_ENVIRONMENT, target=B)
    copier.target.value = A
    assert copier.error is not None and copier.error.startswith("'Source'"), copier.error
    assert len(error_lines(copier.output)) == 1


# -- 2. every field with a bad value: its label is in the error --------------------------------
def _run(panel: QueryPanel, **values: Any) -> QueryPanel:
    for name, value in values.items():
        getattr(panel, name).value = value
    panel.run()
    return panel


QUERY_BAD = {
    "table": lambda: QueryPanel(env="dev", table="nosuch"),
    "index": lambda: QueryPanel(env="dev", table="orders", index="nope"),
    "pk": lambda: _run(QueryPanel(env="dev", table="events"), pk="abc"),
    "sk_op": lambda: QueryPanel(env="dev", table="events", sk_op="like"),
    "sk": lambda: _run(QueryPanel(env="dev", table="events"), pk="1", sk="abc"),
    "sk2": lambda: _run(
        QueryPanel(env="dev", table="events"), pk="1", sk_op="between", sk="1", sk2="abc"
    ),
    "filter": lambda: _run(QueryPanel(env="dev", table="orders"), pk="c1", filter="total >"),
    "columns": lambda: _run(QueryPanel(env="dev", table="orders"), pk="c1", columns=" , "),
    "limit": lambda: _run(QueryPanel(env="dev", table="orders"), limit="many"),
}


def _plan(panel: CopyPanel, **values: Any) -> CopyPanel:
    for name, value in values.items():
        getattr(panel, name).value = value
    panel.plan_button.click()
    return panel


def _copy(panel: CopyPanel) -> CopyPanel:
    panel.copy_button.click()  # refused at once: the run options are checked before any request
    return panel


COPY_BAD = {
    "table": lambda: CopyPanel(source=A, target=B, table="nosuch"),
    "target_table": lambda: _plan(CopyPanel(A, B, "orders"), target_table="bad name!"),
    "mode": lambda: CopyPanel(A, B, "orders", mode="overwrite"),
    "index": lambda: CopyPanel(A, B, "orders", index="nope"),
    "pk": lambda: _plan(CopyPanel(A, B, "events"), pk="abc"),
    "sk_op": lambda: CopyPanel(A, B, "events", sk_op="like"),
    "sk": lambda: _plan(CopyPanel(A, B, "events"), pk="1", sk="abc"),
    "sk2": lambda: _plan(CopyPanel(A, B, "events"), pk="1", sk_op="between", sk="1", sk2="x"),
    "workers": lambda: CopyPanel(A, B, "orders", workers=max_workers() + 1),
    "backend": lambda: CopyPanel(A, B, "orders", backend="spark"),
    "scheduler": lambda: _copy(_plan(CopyPanel(A, B, "orders"), scheduler="tcp://h:8786")),
    "backup": lambda: CopyPanel(A, B, "orders", backup="sometimes"),
    "max_write_units": lambda: _plan(CopyPanel(A, B, "orders"), max_write_units="150%"),
    "max_read_units": lambda: _plan(CopyPanel(A, B, "orders"), max_read_units="abc"),
    "copy_settings": lambda: CopyPanel(A, B, "orders", copy_settings="sometimes"),
    "resume": lambda: CopyPanel(A, B, "orders", resume="old.json"),  # a checkbox: no path
}


@pytest.mark.parametrize(
    ("panel_class", "field", "make"),
    [
        *((QueryPanel, field, make) for field, make in QUERY_BAD.items()),
        *((CopyPanel, field, make) for field, make in COPY_BAD.items()),
    ],
    ids=[
        *(f"query {field}" for field in QUERY_BAD),
        *(f"copy {field}" for field in COPY_BAD),
    ],
)
def test_an_error_from_one_input_names_its_label(
    orders: Any, panel_class: Any, field: str, make: Callable[[], Any]
) -> None:
    panel = make()
    label = panel_class.LABELS[field]
    assert panel.error is not None and f"'{label}'" in panel.error, (label, panel.error)
    assert len(error_lines(panel.output)) == 1 and "\n" not in panel.error


def test_every_field_of_both_panels_is_checked_with_a_bad_value() -> None:
    """The two tables above cover every field (the environments: the tests of part 1)."""
    assert set(QUERY_BAD) | {"env"} == {f.keyword for f in QueryPanel.FIELDS}
    assert set(COPY_BAD) | {"source", "target"} == {f.keyword for f in CopyPanel.FIELDS}


# -- 3. every field as a keyword of the constructor ---------------------------------------------
def test_the_constructors_take_every_field_as_a_keyword(orders: Any) -> None:
    panel = QueryPanel(
        env="dev",
        table="events",
        pk=1,
        sk_op="between",
        sk=2,
        sk2=4,
        filter="attribute_exists(seq)",
        columns="device,seq",
        limit=2,
    )
    assert panel.error is None, panel.error
    assert panel.kwargs() | {"env": None} == {
        "env": None,
        "table": "events",
        "index": None,
        "pk": 1,
        "sk_op": "between",
        "sk": 2,
        "sk2": 4,
        "filter": "attribute_exists(seq)",
        "columns": "device,seq",
        "limit": 2,
    }
    copier = CopyPanel(
        A,
        B,
        "orders",
        target_table="orders_copy",
        mode="merge",
        index="status-total",
        pk="open",
        workers=2,
        backup=False,
    )
    assert copier.error is None, copier.error
    given = {k: copier.kwargs()[k] for k in ("target_table", "mode", "index", "pk", "backup")}
    assert given == {
        "target_table": "orders_copy",
        "mode": "merge",
        "index": "status-total",
        "pk": "open",
        "backup": False,
    }
    assert copier.workers.value == 2


@pytest.mark.parametrize("panel_class", [QueryPanel, CopyPanel])
def test_an_unknown_keyword_is_a_type_error_naming_the_fields(panel_class: Any) -> None:
    with pytest.raises(TypeError) as refused:
        panel_class(partition_key="c1")
    text = str(refused.value)
    assert f"{panel_class.__name__}() got an unexpected keyword argument 'partition_key'" in text
    assert all(field.keyword in text for field in panel_class.FIELDS), text


def test_a_bad_value_given_to_the_constructor_leaves_the_first_error_shown(orders: Any) -> None:
    """The environment's error (the first) stays the one line shown; nothing is raised."""
    panel = QueryPanel(env=BAD_ENVIRONMENT, table="orders", sk_op="like")
    assert panel.error is not None and panel.error.startswith("'Environment': unknown")
    assert len(error_lines(panel.output)) == 1


# -- 4. the copy's result table: only rows with a value ---------------------------------------
def test_the_copy_result_shows_only_rows_with_a_value(orders: Any) -> None:
    copier = CopyPanel(A, B, "orders", backup=False)
    copier.plan_button.click()
    copier.copy_button.click()
    result = copier.wait(120)
    assert result is not None and result.ok, html_of(copier.output)
    shown = html_of(copier.output)
    empty = [name for name, value in result.rows() if value in ("", None)]
    assert {"failed items saved to", "error", "deletes skipped", "backup"} <= set(empty)
    for name in empty:
        assert f"<th>{name}</th>" not in shown, name
    for name in dict(result.rows()).keys() - set(empty):  # counts of 0 and False included
        assert f"<th>{name}</th>" in shown, name
    assert "<th>items failed</th>" in shown and "<th>interrupted</th>" in shown


@pytest.mark.parametrize(
    "line",
    [
        f"orders --source {A} --target {BAD_ENVIRONMENT}",
        f"orders --source {BAD_ENVIRONMENT} --target {B}",
    ],
    ids=["target", "source"],
)
def test_copy_ui_with_a_bad_environment_is_the_line_s_own_error(
    orders: Any, shell: Any, line: str
) -> None:
    """``--ui`` opens no panel and says what the line without it says (not the panel's
    label: the line names no label)."""
    from IPython.core.error import UsageError

    with pytest.raises(UsageError) as plain:
        shell.run_line_magic("dynamo_copy", line + " --dry-run")
    with pytest.raises(UsageError) as with_ui:
        shell.run_line_magic("dynamo_copy", line + " --ui")
    assert str(with_ui.value) == str(plain.value) and "\n" not in str(plain.value)
    assert str(plain.value).startswith(f"unknown environment '{BAD_ENVIRONMENT}'")
