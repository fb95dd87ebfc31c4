"""``.. dynamo-options:: COMMAND FRONT_END``: a command's options as a table, generated from
``dynamo_magic.options.OPTIONS`` (the table the CLI's and the magics' parsers are built from), so
the references cannot drift from the code. ``.. dynamo-usage:: COMMAND`` prints the CLI's usage
line from its real argparse parser."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from dynamo_magic.cli import build_parser
from dynamo_magic.options import Option, command_options


def _flags(option: Option) -> list[nodes.Node]:
    value = "" if option.type is bool else f" {option.metavar or option.keyword.upper()}"
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
    if option.choices:
        parts.append(nodes.Text("; one of "))
        for i, choice in enumerate(option.choices):
            parts += [nodes.Text(", ")] if i else []
            parts.append(nodes.literal(text=choice))
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


class OptionsTable(SphinxDirective):
    """A table node built directly (not RST or MyST text), so it reads the same in either."""

    required_arguments = 2  # command, front end ("cli" or "magic")

    def run(self) -> list[Any]:
        command, front_end = self.arguments
        group = nodes.tgroup(cols=3)
        for width in (30, 50, 20):
            group += nodes.colspec(colwidth=width)
        header = [[nodes.Text(title)] for title in ("option", "meaning", "default")]
        group += nodes.thead("", _row(header))
        body = nodes.tbody()
        for option in command_options(command, front_end):
            body += _row([_flags(option), _help(option, command), _default(option)])
        group += body
        return [nodes.table("", group, classes=["dynamo-options"])]


class Usage(SphinxDirective):
    required_arguments = 1  # command

    def run(self) -> list[Any]:
        parser = build_parser()
        commands = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
        usage = commands.choices[self.arguments[0]].format_usage().strip()
        return [nodes.literal_block(usage, usage, language="text")]


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("dynamo-options", OptionsTable)
    app.add_directive("dynamo-usage", Usage)
    return {"parallel_read_safe": True, "version": "1"}
