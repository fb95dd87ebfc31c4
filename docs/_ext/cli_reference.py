"""What ``dynamo COMMAND --help`` prints, as data, read from the command's real argparse parser
(``dynamo_magic.cli.build_parser``, built from ``dynamo_magic.options.OPTIONS``): the page
``docs/reference/cli.md`` is made from it (``options_reference``) and
``tests/cli/test_reference.py`` compares it with ``--help``. No Sphinx here, so the test needs
none."""

from __future__ import annotations

import argparse
import re

from dynamo_magic.cli import build_parser


def subcommands() -> dict[str, tuple[argparse.ArgumentParser, str]]:
    """Each ``dynamo`` subcommand's parser and its one-line help (what ``dynamo --help`` lists)."""
    parser = build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help or "" for a in commands._choices_actions}
    return {name: (sub, helps[name]) for name, sub in commands.choices.items()}


def default_text(action: argparse.Action, text: str) -> str:
    """An argument's default as the page shows it: the parser's (``replace``), else the one its
    help text states (``(default count)``, ``(default: free ports)``: a default the settings
    or the environment decide); none for a flag without a value or a list collected from
    nothing."""
    if action.nargs == 0:
        return ""
    if action.default not in (None, argparse.SUPPRESS, []):
        return str(action.default)
    stated = re.search(r"\(default:? ([^):]*)", text)
    return stated.group(1) if stated else ""


def reference(command: str) -> tuple[str, str, list[tuple[str, str, str]]]:
    """``dynamo COMMAND --help`` as data: the description (the one-line help of ``dynamo
    --help`` when the command has none), the usage line, and for each argument but ``--help``
    its invocation, its help text and its default, each as argparse formats them, in
    ``--help``'s order."""
    parser, summary = subcommands()[command]
    formatter = parser._get_formatter()
    rows: list[tuple[str, str, str]] = []
    # as --help lists them: the positional arguments, then the options
    for action in sorted(parser._actions, key=lambda action: bool(action.option_strings)):
        if not isinstance(action, argparse._HelpAction):
            text = formatter._expand_help(action) if action.help else ""
            invocation = formatter._format_action_invocation(action)
            rows.append((invocation, text, default_text(action, text)))
    usage = parser.format_usage().strip()
    return parser.description or summary, usage, rows
