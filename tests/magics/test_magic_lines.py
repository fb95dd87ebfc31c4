"""Magic lines: comments, shell words, ``-t`` as the CLI spells it, ``%dynamo_reset``, and bad
input as a one-line usage error."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from IPython.core.error import UsageError

from dynamo_magic import environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.notebook.magics import _words
from dynamo_magic.settings import get_settings, max_workers
from dynamo_magic.transfer.plan import CopyPlan

from .lines import q, run


# -- magic lines: comments and -t -------------------------------------------------------------
def test_a_comment_ends_every_magic_line(shell, capsys):
    # IPython hands the magic its whole line, comment included: the magic drops it
    result, output = run(
        shell, capsys, "df = %dynamo_query orders c1 --env dev --head 2   # first two rows"
    )
    assert result.success, output
    assert shell.user_ns["df"]["order-date"].tolist() == ["2024-01-01", "2024-01-02"]
    result, output = run(shell, capsys, "%dynamo_query orders c1 --env dev --count #how many?")
    assert result.success and result.result == 10, output
    result, output = run(
        shell,
        capsys,
        "%%dynamo_query res --env dev   # one note\nSELECT * FROM notes WHERE id = 'plain'",
    )
    assert result.success, output
    assert shell.user_ns["res"]["id"].tolist() == ["plain"]
    plan = shell.run_line_magic(
        "dynamo_copy",
        "orders --source dev --target stage --target-table orders2 --dry-run # look first",
    )
    assert isinstance(plan, CopyPlan) and plan.target.table == "orders2"
    result, output = run(shell, capsys, "%dynamo_restore orders --env dev  # which backups?")
    assert result.success, output
    assert isinstance(result.result, pd.DataFrame) and result.result.empty
    assert output.startswith("0 backup(s) of orders")


@pytest.mark.parametrize(
    "line",
    [
        "notes USER#1 --env dev  # the key holds a '#'",
        "notes --pk 'USER#1' --env dev",
        'notes "USER#1" -e dev #',
        "notes USER\\#1 --env dev",
        "notes --scan --env dev --filter \"text = '#tag'\"  # a hashtag",
        "notes --scan --env dev --filter 'begins_with(text, :tag)'",
    ],
)
def test_a_hash_inside_a_word_or_quotes_is_data(shell, capsys, line):
    shell.user_ns["tag"] = "#t"
    result, output = run(shell, capsys, f"found = %dynamo_query {line}")
    assert result.success, output
    assert shell.user_ns.pop("found")["id"].tolist() == ["USER#1"]


SPLIT_SAMPLES = [
    "orders c1 --env dev",
    "t --filter \"status = 'x' AND n > 1\" -e a",
    "t 'a b' \"c d\" e\\ f g\\\\h",
    "t 'it''s' \"say \\\"hi\\\"\" ''",
    "t USER#1 a#b# 'x #y' \"#z\" \\#w",
    "\tt\t  x  ",
]


@pytest.mark.parametrize("line", SPLIT_SAMPLES)
def test_words_are_shell_words_and_a_word_starting_with_hash_ends_the_line(line):
    import shlex

    assert _words(line) == (shlex.split(line), False)  # no comment: exactly shlex's words
    for comment in ("#", "# note", "#note 'unbalanced", '  ## x "y'):
        assert _words(f"{line} {comment}") == (shlex.split(line), True)
    assert _words(f"# {line}") == ([], True)


def test_the_comment_hint_only_where_a_comment_may_have_taken_a_value(shell):
    with pytest.raises(UsageError, match="expected one argument; a word starting with #"):
        q(shell, "orders c1 --env dev --sk #2024")
    with pytest.raises(UsageError) as refused:
        q(shell, "orders c1 --nope  # a comment")
    assert "begins a comment" not in str(refused.value)
    with pytest.raises(UsageError) as refused:
        q(shell, "orders c1 --env")  # no comment, no hint
    assert "begins a comment" not in str(refused.value)


def test_the_table_option_as_the_cli_spells_it(shell):
    by_position = q(shell, "orders c2 --env dev")
    for line in (
        "-t orders c2 --env dev",
        "--table orders c2 --env dev",
        "-t orders --pk c2 --env dev",
        "orders c2 -t orders --env dev",  # the same name twice is fine
        "orders -t orders c2 --env dev",  # positional words on both sides of -t
        "-t orders --env dev c2",
        "--env dev orders -t orders c2",
    ):
        pd.testing.assert_frame_equal(q(shell, line), by_position)
    assert len(q(shell, "-t orders --env dev --scan")) == 30


def test_config_values_survive_config_file_edits(shell, isolated_aws):
    shell.run_line_magic("config", "DynamoMagic.preview_items = 3")
    (isolated_aws / "dynamo_magic.toml").write_text('numbers = "decimal"\n')  # noticed by itself
    frame = q(shell, "orders --env dev")
    assert len(frame) == 3 and isinstance(frame["qty"].iloc[0], Decimal)


def test_dynamo_reset(shell, capsys):
    env = environments.resolve("dev")
    first = clients.client(env)
    result, output = run(shell, capsys, "%dynamo_reset  # after an SSO login")
    assert result.success, output
    assert "rebuilt" in output
    assert clients.client(env) is not first
    assert len(q(shell, "orders c1 --env dev")) == 10


BAD_INPUT = {
    "unknown table": ("%dynamo_query nope c1 --env dev", "table 'nope' not found"),
    "unknown env": ("%dynamo_query orders c1 --env nope", "unknown environment 'nope'"),
    "unknown index": ("%dynamo_query orders c1 --env dev -i nope", "has no index 'nope'"),
    "wrong key type": ("%dynamo_query events x --env dev", "is a number (N)"),
    "wrong sort key type": (
        "%dynamo_query events 1 --env dev --sk x --sk-op =",
        "is a number (N)",
    ),
    "sort key on hash-only table": (
        "%dynamo_query notes plain --env dev --sk x",
        "table 'notes' has no sort key",
    ),
    "sort key on hash-only index": (
        "%dynamo_query orders eu --env dev -i region-keys --sk x",
        "index 'region-keys' has no sort key",
    ),
    "bad operator": ("%dynamo_query orders c1 --env dev --sk x --sk-op '~'", "--sk-op"),
    "malformed filter": ("%dynamo_query orders c1 --env dev --filter 'status ='", "bad filter"),
    "filter variable missing": (
        "%dynamo_query orders c1 --env dev --filter 'status = :undefined_name'",
        ":undefined_name",
    ),
    "between with one bound": (
        "%dynamo_query orders c1 --env dev --sk a --sk-op between",
        "between needs two bounds",
    ),
    "unbalanced quotes": ("%dynamo_query orders c1 --env dev --filter 'status", "quotes"),
    "no table": ("%dynamo_query --env dev", "usage: %dynamo_query TABLE"),
    "unknown option": ("%dynamo_query orders c1 --nope", "--nope"),
    "partiql not a select": ("%%dynamo_query --env dev\nDELETE FROM notes", "only SELECT"),
    "partiql unknown variable": (
        "%%dynamo_query --env dev\nSELECT * FROM notes WHERE id = :undefined_name",
        "undefined_name",
    ),
    "partiql bad option": ("%%dynamo_query --nope\nSELECT * FROM notes", "--nope"),
    "table twice": ("%dynamo_query orders c1 -t events --env dev", "the table is given twice"),
    "table twice, key after -t": (
        "%dynamo_query orders -t events USER#1 --env dev",
        "the table is given twice ('orders' and 'events')",
    ),
    "too many words": ("%dynamo_query orders -t orders c1 c2 --env dev", "arguments: c2"),
    "zero head": ("%dynamo_query orders c1 --env dev --head 0", "--head must be a positive"),
    "negative head with unique": (
        "%dynamo_query orders c1 --env dev --head -1 -u status",
        "--head must be a positive",
    ),
    "zero limit with head": (
        "%dynamo_query orders c1 --env dev --head 2 --limit 0",
        "--limit must be a positive",
    ),
    "copy table twice": (
        "%dynamo_copy orders -t events --source dev --target stage",
        "the table is given twice ('orders' and 'events')",
    ),
    "restore table twice": ("%dynamo_restore orders --table x --env dev", "given twice"),
    "comment swallows a value": (
        "%dynamo_query notes --pk #1 --env dev",
        "expected one argument; a word starting with # begins a comment: quote it",
    ),
    "reset takes no arguments": ("%dynamo_reset now", "takes no arguments"),
    "unknown option before a comment": ("%dynamo_query orders --nope  # c", "arguments: --nope"),
    "copy comment swallows a value": (
        "%dynamo_copy orders --source dev --target #prod",
        "quote it ('#1')",
    ),
    "scan segments 0": (
        "%dynamo_query orders --scan --segments 0 --env dev",
        "segments must be from 1 to 1,000,000",
    ),
    "copy workers 0": (
        "%dynamo_copy orders --source dev --target stage --workers 0",
        "workers must be at least 1, not 0",
    ),
    "copy segments too many": (
        "%dynamo_copy orders --source dev --target stage --segments 1000001",
        "(DynamoDB's limit on a parallel scan's TotalSegments), not 1000001",
    ),
    "copy workers too many": (
        f"%dynamo_copy orders --source dev --target stage --dry-run --workers {max_workers() + 1}",
        f"workers must be at most {max_workers()} (8 per CPU core",
    ),
    # --out must be a name Python can assign; checked before anything runs (no such table here)
    "out starts with a digit": ("%dynamo_query nosuch c1 --env dev --out 1bad", "--out '1bad'"),
    "out is a keyword": ("%dynamo_query nosuch c1 --env dev -o for", "--out 'for' is not a"),
    "out is dotted": ("%dynamo_query nosuch c1 --env dev --out a.b", "--out 'a.b' is not a"),
    "copy out keyword": ("%dynamo_copy nosuch --source dev --target stage -o None", "'None'"),
    "cell out keyword": ("%%dynamo_query class --env dev\nSELECT * FROM nosuch", "'class'"),
}


@pytest.mark.parametrize("source", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_a_one_line_usage_error(shell, capsys, source):
    cell, message = source
    result, output = run(shell, capsys, cell)
    assert isinstance(result.error_in_exec, UsageError), output
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: "), output
    assert message in lines[0]


@pytest.mark.parametrize(
    "cell",
    [
        "%dynamo_query orders c1 --env bad",
        "%dynamo_copy orders --source dev --target bad",
        "df = %dynamo_query orders c1 --env dev",  # AWS_ENDPOINT_URL_DYNAMODB below
    ],
)
def test_malformed_endpoint_is_a_one_line_usage_error(
    shell, capsys, isolated_aws, monkeypatch, cell
):
    config = isolated_aws / "config"
    config.write_text(
        config.read_text() + "\n[profile bad]\nregion = us-east-1\nendpoint_url = not a url\n"
    )
    if "--env dev" in cell:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "127.0.0.1:5701")
    result, output = run(shell, capsys, cell)
    assert isinstance(result.error_in_exec, UsageError), output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: environment '"), output
    assert "is not a URL; write it as http(s)://host[:port]" in lines[0]


@pytest.mark.parametrize("value", ["0", "-1", "2.5", "True"])
def test_config_refuses_a_bad_preview_items_and_keeps_the_old(shell, magic, caplog, capsys, value):
    """``%config`` shows one ``UsageError`` line (not IPython's root-logger record of what a
    trait refuses); nothing changes."""
    shell.run_line_magic("config", "DynamoMagic.preview_items = 3")
    capsys.readouterr()
    shell.run_line_magic("config", f"DynamoMagic.preview_items = {value}")
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("UsageError: ") and "preview_items" in line
    assert not [r for r in caplog.records if "preview_items" in r.getMessage()]
    assert magic.preview_items == 3 and get_settings().preview_items == 3
    assert len(q(shell, "orders --env dev")) == 3
    if value in ("0", "-1"):  # a whole number below 1; the others are refused by the Int trait
        assert f"preview_items must be a whole number >= 1, not {value}" in line
        with pytest.raises(UsageError, match="preview_items must be a whole number >= 1"):
            magic.preview_items = int(value)  # set from Python: the same rule, raised
