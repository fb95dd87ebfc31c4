"""The CLI and magic references, generated so they cannot drift from the code.

``.. dynamo-command:: COMMAND`` is what ``dynamo COMMAND --help`` prints (``cli_reference``
reads it from the command's real parser): its description, its usage line and a table of its
arguments, each as ``--help`` writes it (``--mode {replace,truncate,merge}``), with its help
text and its default. ``.. dynamo-options:: COMMAND magic`` is a magic's options
as a table, from the same option table."""

from __future__ import annotations

from typing import Any

from cli_reference import reference
from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from dynamo_magic.options import Option, command_options


def _flags(option: Option) -> list[nodes.Node]:
    value = "" if option.type is bool else f" {option.metavar or option.keyword.upper()}"
    if option.choices:
        value = " {" + ",".join(option.choices) + "}"
    if option.const is not None:
        value = f" [{value.strip()}]"
    parts: list[nodes.Node] = []
    for flag in option.flags:
        if parts:
            parts.append(nodes.Text(", "))
        parts.append(nodes.literal(text=f"{flag}{value}"))
    return parts


def _help(option: Option, command: str) -> list[nodes.Node]:
    parts: list[nodes.Node] = [nodes.Text(option.help_for(command))]
    if option.required:
        parts.append(nodes.Text(" (required)"))
    return parts


def _default(option: Option) -> list[nodes.Node]:
    if option.type is bool or option.default is None:
        return []
    return [nodes.literal(text=str(option.default))]


def _row(cells: list[list[nodes.Node]]) -> nodes.row:
    row = nodes.row()
    for content in cells:
        row += nodes.entry("", nodes.paragraph("", "", *content))
    return row


def _table(rows: list[list[list[nodes.Node]]], title: str) -> nodes.table:
    """A table node built directly (not RST or MyST text), so it reads the same in either."""
    group = nodes.tgroup(cols=3)
    for width in (30, 50, 20):
        group += nodes.colspec(colwidth=width)
    header = [[nodes.Text(title)] for title in (title, "meaning", "default")]
    group += nodes.thead("", _row(header))
    body = nodes.tbody()
    for cells in rows:
        body += _row(cells)
    group += body
    return nodes.table("", group, classes=["dynamo-options"])


class OptionsTable(SphinxDirective):
    """A command's options as a front end (``magic``) offers them, from the option table."""

    required_arguments = 2  # command, front end ("magic"; the CLI: ``dynamo-command``)

    def run(self) -> list[Any]:
        command, front_end = self.arguments
        rows = [
            [_flags(option), _help(option, command), _default(option)]
            for option in command_options(command, front_end)
        ]
        return [_table(rows, "option")]


class Command(SphinxDirective):
    """``dynamo COMMAND --help`` as a page: description, usage, a table of the arguments."""

    required_arguments = 1  # command

    def run(self) -> list[Any]:
        description, usage, rows = reference(self.arguments[0])
        cells = [
            [
                [nodes.literal(text=invocation)],
                [nodes.Text(text)],
                [nodes.Text(default)] if default else [],
            ]
            for invocation, text, default in rows
        ]
        return [
            nodes.paragraph(description, description),
            nodes.literal_block(usage, usage, language="text"),
            _table(cells, "argument"),
        ]


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("dynamo-options", OptionsTable)
    app.add_directive("dynamo-command", Command)
    return {"parallel_read_safe": True, "version": "1"}
