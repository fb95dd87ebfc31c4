"""The one table of options: the CLI's parsers, the magics' arguments, the panels' records, the
api keywords and the flags that name them in errors all come from it."""

from __future__ import annotations

import argparse
import inspect

import pytest

from dynamo_magic import api, options, settings
from dynamo_magic.cli import build_parser
from dynamo_magic.errors import InvalidQuery, UsageProblem
from dynamo_magic.options import (
    COMMANDS,
    OPTIONS,
    api_kwargs,
    command_options,
    flag_namer,
    flag_of,
    partition_key,
)

# the api function each command calls (a copy's --dry-run calls plan_copy: test below)
API_OF = {
    "query": api.explore,
    "copy": api.copy,
    "restore": api.restore,
    "truncate": api.truncate,
    "backups": api.backups,
    "describe": api.describe,
    "partiql": api.run_partiql,
    "import": api.import_table,
    "item": api.put_item,
    "export": api.export_table,
    "put": api.put_df,
}
MAGIC_OF = {
    "query": "dynamo_query",
    "copy": "dynamo_copy",
    "restore": "dynamo_restore",
    "import": "dynamo_import",
    "export": "dynamo_export",
}
# a magic's own flags besides the CLI's: -o/--out, and --ui (a panel) where there is one
OWN_FLAGS = {"restore": set(), "import": {"-o", "--out"}, "export": {"-o", "--out"}}


def subparser(command: str) -> argparse.ArgumentParser:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return commands.choices[command]


def flags_of(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings} - {"-h", "--help"}


def test_every_option_belongs_to_known_commands_and_is_well_formed():
    for option in OPTIONS:
        assert option.commands and option.commands <= set(COMMANDS), option
        assert option.flags and all(f.startswith("-") for f in option.flags), option
        assert option.used_by and option.used_by <= options.FRONT_ENDS, option
        assert option.help and option.keyword.isidentifier(), option
        assert option.type in (str, int, bool), option
        if option.choices:
            assert option.default is None or option.default in option.choices, option


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in options.NOT_IN_CLI])
def test_the_cli_parser_is_generated_from_the_table(command):
    """Every flag of the table is on the command's parser, and the parser has no other flag
    than the table's (partiql's -p/--param, the one list-valued flag, aside)."""
    declared = {f for o in command_options(command, "cli") for f in o.flags}
    extra = {"-p", "--param"} if command == "partiql" else set()
    assert flags_of(subparser(command)) == declared | extra


@pytest.mark.parametrize("command", sorted(MAGIC_OF))
def test_the_magics_accept_the_cli_words(command):
    """A magic offers the CLI's options (less what only a terminal needs, --format), plus its
    own --out (and --ui, a panel); -t/--table is there as in the CLI."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "dynamo_magic")
    magics = shell.magics_manager.registry["DynamoMagic"]
    parser = getattr(magics, MAGIC_OF[command]).parser
    cli_flags = {
        f for o in command_options(command, "cli") if "magic" in o.used_by for f in o.flags
    }
    own = OWN_FLAGS.get(command, {"-o", "--out", "--ui"})  # --ui: open a panel
    magic_only = {
        f for o in command_options(command, "magic") if "cli" not in o.used_by for f in o.flags
    }  # --plot: a chart in the notebook
    assert flags_of(parser) == cli_flags | own | magic_only


@pytest.mark.parametrize("command", COMMANDS)
def test_every_api_keyword_is_a_parameter_of_the_api_function(command):
    """The keywords the front ends pass are named parameters of the function they call (no
    ``**options``): a renamed parameter breaks here, not in a user's terminal."""
    signature = inspect.signature(API_OF[command])
    named = {
        name
        for name, p in signature.parameters.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    keywords = {o.keyword for o in command_options(command)}
    assert keywords <= named, keywords - named


def test_a_dry_run_calls_plan_copy_with_the_plan_keywords():
    from dynamo_magic.options import RUN_ONLY

    named = set(inspect.signature(api.plan_copy).parameters)
    keywords = {o.keyword for o in command_options("copy")} - set(RUN_ONLY)
    assert keywords <= named, keywords - named
    assert not set(RUN_ONLY) & named  # what plan_copy does not take is what a dry run drops


def test_parsed_flags_become_api_keywords():
    args = build_parser().parse_args(
        ["copy", "-t", "T", "-src", "a", "-tgt", "b", "-pk", "p1", "--no-backup", "--dry-run"]
    )
    kwargs = api_kwargs("copy", args)
    assert kwargs["table"] == "T" and kwargs["pk"] == "p1"
    assert kwargs["backup"] is False  # --no-backup, not a no_backup keyword
    assert kwargs["sk_op"] is None and kwargs["mode"] == "replace"  # chosen by the key's type
    assert "dry_run" not in kwargs and "progress" not in kwargs  # front ends' own
    assert not {"yes", "workers"} & set(api_kwargs("copy", args, without=("yes", "workers")))
    restore = build_parser().parse_args(["restore", "-t", "T", "--into", "N", "--no-progress"])
    assert api_kwargs("restore", restore) == {
        "table": "T",
        "env": None,
        "backup": "latest",  # restore's --backup names a backup: the same keyword, its own flag
        "into": "N",
        "in_place": False,
        "yes": False,
    }
    assert restore.progress is False  # --no-progress, new on restore and truncate
    truncate = build_parser().parse_args(["truncate", "-t", "T", "--no-progress", "--yes"])
    assert truncate.progress is False and api_kwargs("truncate", truncate)["yes"] is True


def test_select_is_an_alias_of_columns():
    for flag in ("--columns", "--select"):
        args = build_parser().parse_args(["query", "-t", "T", "p", flag, "a,b"])
        assert api_kwargs("query", args)["columns"] == "a,b"


def test_head_alone_means_the_default_rows():
    args = build_parser().parse_args(["query", "-t", "T", "p", "--head"])
    assert args.head == options.DEFAULT_HEAD
    assert api_kwargs("query", args)["head"] == options.DEFAULT_HEAD  # explore reads only those


def test_choices_are_the_ones_declared_in_settings():
    by_keyword = {o.keyword: o for o in OPTIONS}
    assert by_keyword["numbers"].choices == settings.NUMBER_POLICIES
    assert by_keyword["sk_op"].choices == settings.SORT_KEY_OPERATORS
    assert by_keyword["mode"].choices == settings.COPY_MODES
    assert by_keyword["verify"].choices == settings.VERIFY_METHODS
    assert by_keyword["backend"].choices == settings.BACKENDS
    assert {"auto", "loky", "threading", "dask"} == set(settings.BACKENDS)
    fields = {f.name: f for f in settings.setting_fields()}
    assert fields["numbers"].choices == settings.NUMBER_POLICIES
    assert fields["verify"].choices == settings.VERIFY_METHODS


def test_flag_of_names_keywords_for_each_front_end():
    assert flag_of("sk2") == "--sk2"
    assert flag_of("pk") == "--pk"
    assert flag_of("columns") == "--columns"
    assert flag_of("yes") == "--yes"
    assert flag_of("backup", "copy") == "--no-backup"
    assert flag_of("backup", "restore") == "--backup"
    assert flag_of("n") == "n"  # a keyword no flag sets is left as it is
    assert flag_of("columns", "query", ["-t", "T", "--select", "a"]) == "--select"  # as typed
    assert flag_of("pk", "query", ["-pk=c1"]) == "--pk"  # a short flag: the long one named
    assert flag_namer("query", ["--limit", "0"])("columns") == "--columns"
    error = InvalidQuery("{limit} must be a positive number of items (got 0)", parameters=["limit"])
    assert str(error) == "limit must be a positive number of items (got 0)"
    assert error.render(flag_namer("query")) == "--limit must be a positive number of items (got 0)"


def test_panel_records_list_a_commands_api_options_in_order():
    records = command_options("copy")
    assert [r.keyword for r in records][:3] == ["table", "source", "target"]
    assert all("api" in r.used_by for r in records)
    mode = next(r for r in records if r.keyword == "mode")
    assert (mode.type, mode.default, mode.choices) == (str, "replace", settings.COPY_MODES)
    backup = next(r for r in records if r.keyword == "backup")
    assert (backup.type, backup.default, backup.negated) == (bool, True, True)
    with pytest.raises(ValueError, match="unknown command"):
        command_options("nope")


def test_the_partition_key_given_twice_names_the_flag():
    assert partition_key("a", None) == "a" and partition_key(None, "b") == "b"
    assert partition_key("a", "a") == "a"
    with pytest.raises(InvalidQuery) as twice:
        partition_key("a", "b")
    assert twice.value.render(flag_namer("query")) == (
        "give the partition key once: either PK or --pk, not both"
    )


def test_counts_name_their_parameter_per_call_and_the_setting_in_a_file():
    with pytest.raises(UsageProblem) as per_call:
        settings.check_counts(workers=0)
    assert per_call.value.render(flag_namer("copy")) == "--workers must be at least 1, not 0"
    with pytest.raises(UsageProblem) as in_file:
        settings.check_counts(segments=0, where="config file c.toml")
    assert str(in_file.value).startswith("config file c.toml: segments must be from 1")
    assert in_file.value.render(flag_namer("copy")) == str(in_file.value)


def test_the_cli_and_the_magic_word_a_core_error_with_their_flags(capsys):
    """A core error names the parameter; ``dynamo`` prints it as its flag (exit 2), the magic
    as the same flag in a one-line UsageError (checked before any call to AWS)."""
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    from dynamo_magic import cli

    assert cli.main(["query", "-t", "orders", "c1", "-pk", "c2"]) == 2
    assert capsys.readouterr().err == (
        "Error: give the partition key once: either PK or --pk, not both\n"
    )
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "dynamo_magic")
    with pytest.raises(UsageError, match=r"^give the partition key once: either PK or --pk, not"):
        shell.run_line_magic("dynamo_query", "orders c1 --pk c2")


def test_filter_variables_are_looked_up_as_the_filter_is_parsed():
    """The magic hands the filter parser a lookup, not a dict picked by a second parse: the
    names the parser asks for are looked up once, and a missing one lists only those found."""
    from dynamo_magic.expressions import Placeholders, parse_filter
    from dynamo_magic.notebook.magics import _Variables

    namespace = {"status": "open", "x": 7, "unrelated": object()}
    asked: list[str] = []

    def lookup(name: str):
        asked.append(name)
        return namespace[name]

    variables = _Variables(lookup)
    expression, _ = parse_filter("status = :status AND qty >= :x", Placeholders(), variables)
    assert expression and asked == ["status", "x"]
    with pytest.raises(InvalidQuery, match=r"':nope' has no value \(parameters given: status, x\)"):
        parse_filter("status = :status AND n = :x AND m = :nope", Placeholders(), variables)


def test_a_command_not_in_the_cli_has_no_subcommand_nor_cli_options():
    """``put`` writes a DataFrame and ``item`` edits one item: the api (and, for ``put``, the
    magics) offer them, the terminal does not."""
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for command in options.NOT_IN_CLI:
        assert command not in commands.choices
        assert command_options(command, "cli") == []
        if command == "put":
            assert command_options(command, "magic")
