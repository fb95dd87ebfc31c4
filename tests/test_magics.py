"""``%dynamo_query``, ``%%dynamo_query`` and ``%config DynamoMagic`` through a real IPython shell.

One ``InteractiveShell`` serves the whole session (``InteractiveShell.instance()`` also returns a
shell that ``IPython.testing.globalipapp`` started first; the reverse order would fail). The
tables live in one in-process moto for the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from moto import mock_aws

from dynamo_magic import environments
from dynamo_magic.copying.plan import CopyPlan
from dynamo_magic.notebook.magics import _words
from dynamo_magic.settings import get_settings, max_workers

from conftest import reset_magic
from tables import (
    BIG,
    create_events,
    create_orders,
    events_items,
    orders_items,
    put_all,
)

QUOTED = """it's "quoted" {x} $x"""  # would break a filter or statement if pasted into it


@pytest.fixture(scope="module")
def tables() -> Iterator[None]:
    """orders, events and a hash-only ``notes`` table (for PartiQL) in one in-process moto."""
    with mock_aws():
        client = boto3.client(
            "dynamodb",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        create_orders(client)
        put_all(client, "orders", orders_items())
        create_events(client)
        put_all(client, "events", events_items())
        client.create_table(
            TableName="notes",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        put_all(
            client,
            "notes",
            [
                {"id": {"S": QUOTED}, "text": {"S": QUOTED}, "n": {"N": "1"}},
                {"id": {"S": "plain"}, "text": {"S": "plain"}, "n": {"N": "2"}},
                {"id": {"S": "USER#1"}, "text": {"S": "#tag"}, "n": {"N": "3"}},  # '#' is data
            ],
        )
        yield


@pytest.fixture(autouse=True)
def magic(shell, tables, isolated_aws):
    """The registered DynamoMagic with its traits back at their defaults for every test."""
    instance = reset_magic(shell)  # settings reload from this test's (empty) config file
    for name in ("df", "res", "who", "status", "x"):
        shell.user_ns.pop(name, None)
    return instance


def q(shell: InteractiveShell, line: str) -> pd.DataFrame | int:
    """``%dynamo_query LINE`` (errors surface as exceptions)."""
    return shell.run_line_magic("dynamo_query", line)


def run(shell: InteractiveShell, capsys, source: str):
    """Run a cell as a user would; returns (result, captured stdout + stderr)."""
    result = shell.run_cell(source)
    captured = capsys.readouterr()
    return result, captured.out + captured.err


def test_load_ext_and_assignment(shell, capsys):
    assert "dynamo_query" in shell.magics_manager.magics["line"]
    assert "dynamo_query" in shell.magics_manager.magics["cell"]
    result, output = run(shell, capsys, "df = %dynamo_query orders c1 --env dev")
    assert result.success, output
    df = shell.user_ns["df"]
    assert isinstance(df, pd.DataFrame) and len(df) == 10
    assert list(df.columns[:2]) == ["customer", "order-date"]  # key columns first
    assert set(df["customer"]) == {"c1"}
    assert output.startswith("10 item(s) from orders, query")


def test_summary_line_is_printed_above_the_result(shell, capsys):
    result, output = run(shell, capsys, "%dynamo_query orders open --env dev -i status-total")
    assert result.success and len(result.result) == 15
    first, rest = output.split("\n", 1)
    assert first.startswith("15 item(s) from orders (index status-total), query")
    assert "read units" in first  # consumed capacity, as moto reports it
    assert "truncated" not in first
    assert rest.startswith("Out[") and "status" in rest  # the DataFrame comes after
    _, output = run(shell, capsys, "%dynamo_query orders open --env dev -i status-total --limit 4")
    assert "4 item(s)" in output and "truncated at 4" in output.splitlines()[0]


def test_partition_key_forms(shell):
    by_position = q(shell, "orders c2 --env dev")
    by_option = q(shell, "orders -pk c2 --env dev")
    by_long_option = q(shell, "orders --pk c2 --env dev")
    pd.testing.assert_frame_equal(by_position, by_option)
    pd.testing.assert_frame_equal(by_position, by_long_option)
    assert q(shell, "events 2 --env dev")["seq"].tolist() == list(range(20))  # N key typed


@pytest.mark.parametrize(
    ("options", "days"),
    [
        ("--sk 2024-01-0", list(range(1, 10))),  # begins_with by default
        ("-sk 2024-01-1 --sk-op begins_with", [10]),
        ("--sk 2024-01-05 --sk-op =", [5]),
        ("--sk 2024-01-05 --sk-op '<'", [1, 2, 3, 4]),
        ("--sk 2024-01-05 --sk-op '<='", [1, 2, 3, 4, 5]),
        ("--sk 2024-01-05 --sk-op '>'", [6, 7, 8, 9, 10]),
        ("--sk 2024-01-05 --sk-op '>='", [5, 6, 7, 8, 9, 10]),
        ("--sk 2024-01-03 --sk-op between --sk2 2024-01-05", [3, 4, 5]),
    ],
)
def test_every_sort_key_operator(shell, options, days):
    frame = q(shell, f"orders c1 --env dev {options}")
    assert sorted(int(d[-2:]) for d in frame["order-date"]) == days


def test_indexes(shell):
    gsi = q(shell, "orders open --env dev --index status-total --sk 5 --sk-op '>'")
    assert len(gsi) == 9 and set(gsi["status"]) == {"open"}
    lsi = q(shell, "orders c1 --env dev -i by-total --sk 10 --sk-op '>='")
    assert sorted(lsi["total"]) == [10, 11.25, 12.5]
    keys_only = q(shell, "orders eu --env dev -i region-keys")
    assert len(keys_only) == 9
    assert set(keys_only.columns) == {"customer", "order-date", "region"}
    include = q(shell, "orders us --env dev -i region-include --sk 2024-01-0")
    assert set(include.columns) == {"region", "order-date", "customer", "total"}


def test_env_option(shell):
    assert len(q(shell, "orders c1 --env stage")) == 10
    assert len(q(shell, "orders c1 -e dev")) == 10


def test_filter_binds_notebook_variables(shell, capsys):
    shell.user_ns["who"] = QUOTED
    shell.user_ns["x"] = "plain"
    found = q(shell, "notes --scan --env dev --filter 'text = :who'")
    assert found["id"].tolist() == [QUOTED]  # bound as a value: quotes, {x}, $x untouched
    found = q(shell, 'notes --scan --env dev --filter "text = :x OR n > 5"')
    assert found["id"].tolist() == ["plain"]
    found = q(shell, "notes --scan --env dev --filter \"text = '{x}' OR text = '$x'\"")
    assert found.empty  # IPython's {x} / $x expansion is off: nothing is pasted
    shell.user_ns["status"] = "open"
    shell.user_ns["x"] = 7
    found = q(shell, "orders c1 --env dev --filter 'status = :status AND qty >= :x'")
    assert sorted(found["qty"]) == [7, 9]
    found = q(shell, "orders c1 --env dev --filter \"status = 'open' AND size(tags) = 2\"")
    assert len(found) == 5


def test_select_limit_head(shell, capsys):
    selected = q(shell, "orders c1 --env dev --select total,qty")
    assert list(selected.columns) == ["customer", "order-date", "total", "qty"]
    assert len(q(shell, "orders c1 --env dev --limit 3")) == 3
    assert len(q(shell, "orders c1 --env dev --head")) == 5
    assert len(q(shell, "orders c1 --env dev -head 2")) == 2
    assert q(shell, "orders c1 --env dev --head 3")["order-date"].tolist() == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
    ]
    capsys.readouterr()


def test_unique_summary_count_scan(shell):
    unique = q(shell, "orders c1 --env dev --unique status")
    assert dict(zip(unique["status"], unique["count"], strict=True)) == {"open": 5, "shipped": 5}
    paid = q(shell, "orders c1 --env dev -u paid")
    assert sorted(paid["count"]) == [2, 4, 4]  # True, False and missing
    summary = q(shell, "orders c1 --env dev --summary")
    assert {"customer", "big", "paid", "address"} <= set(summary["attribute"])
    assert q(shell, "orders c1 --env dev --count") == 10
    assert q(shell, "orders c1 --env dev --count --filter \"status = 'open'\"") == 5
    scanned = q(shell, "orders --scan --env dev")
    assert len(scanned) == 30 and set(scanned["customer"]) == {"c0", "c1", "c2"}


def test_document_paths_in_the_magic(shell, capsys):
    """Issue 6: nested paths in --filter, --select, --unique and flattened names; a bad path is
    a one-line UsageError."""
    line = 'orders c1 --env dev --filter "address.zip > 75007" --select address.zip --flatten'
    flat = q(shell, line)
    assert list(flat.columns) == ["customer", "order-date", "address.zip"]
    assert sorted(flat["address.zip"]) == [75008, 75009, 75010]
    cities = q(shell, "orders c1 --env dev -u address.city")
    assert list(cities.columns) == ["address.city", "type", "count"]
    assert list(cities["count"]) == [10]
    summary = q(shell, "orders c1 --env dev --summary --flatten")
    assert {"address.city", "address.zip"} <= set(summary["attribute"])
    with pytest.raises(UsageError, match=r"bad attribute path 'address\.\.zip'") as exc:
        q(shell, "orders c1 --env dev --select address..zip")
    assert "\n" not in str(exc.value)


def test_out_stores_into_the_namespace(shell, capsys):
    result, output = run(shell, capsys, "%dynamo_query orders c1 --env dev --out res")
    assert result.success and result.result is None
    assert len(shell.user_ns["res"]) == 10
    assert "stored in res" in output
    run(shell, capsys, "%dynamo_query orders c1 --env dev --count -o res")
    assert shell.user_ns["res"] == 10


def test_no_key_is_a_labelled_preview(shell, capsys):
    result, output = run(shell, capsys, "%dynamo_query orders --env dev")
    assert result.success and len(result.result) == 20  # preview_items
    assert "preview" in output.splitlines()[0]
    assert "give a partition key, or scan the whole table" in output.splitlines()[0]
    shell.run_line_magic("config", "DynamoMagic.preview_items = 3")
    assert len(q(shell, "orders --env dev")) == 3


def test_cell_form_partiql_binds_variables(shell, capsys):
    shell.user_ns["who"] = QUOTED
    result, output = run(
        shell, capsys, "%%dynamo_query res --env dev\nSELECT * FROM notes WHERE id = :who\n"
    )
    assert result.success, output
    assert shell.user_ns["res"]["text"].tolist() == [QUOTED]
    assert "1 item(s) from notes, partiql" in output
    result, output = run(
        shell, capsys, '%%dynamo_query --env dev\nSELECT id, n FROM "notes" WHERE id = :who'
    )
    assert result.success and result.result["n"].tolist() == [1]
    shell.run_line_magic("config", "DynamoMagic.default_env = 'dev'")
    result, output = run(shell, capsys, "%%dynamo_query\nSELECT * FROM notes WHERE id = 'plain'")
    assert result.success and result.result["text"].tolist() == ["plain"]


def test_config_default_env_and_per_call_override(shell, capsys):
    shell.run_line_magic("config", "DynamoMagic.default_env = 'stage'")
    with pytest.raises(UsageError, match="env 'stage'"):
        q(shell, "missing c1")
    with pytest.raises(UsageError, match="env 'dev'"):
        q(shell, "missing c1 --env dev")  # the flag overrides the configured default
    assert len(q(shell, "orders c1")) == 10
    shell.run_line_magic("config", "DynamoMagic.default_env = 'nowhere'")
    with pytest.raises(UsageError, match="unknown environment 'nowhere'"):
        q(shell, "orders c1")
    assert len(q(shell, "orders c1 --env dev")) == 10


def test_config_numbers_changes_dtypes(shell):
    auto = q(shell, "orders c1 --env dev")
    assert auto["qty"].dtype == "Int64" and auto["total"].dtype == "Float64"
    assert auto["big"].tolist() == [Decimal(BIG)] * 10  # too big for Int64: exact Decimals
    shell.run_line_magic("config", "DynamoMagic.numbers = 'decimal'")
    exact = q(shell, "orders c1 --env dev")
    assert exact["qty"].dtype == object and isinstance(exact["qty"].iloc[0], Decimal)
    assert exact["total"].tolist()[0] == Decimal("1.25")
    as_float = q(shell, "orders c1 --env dev --numbers float")  # the flag overrides config
    assert as_float["qty"].dtype == "Float64"


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
    first = environments.client(env)
    result, output = run(shell, capsys, "%dynamo_reset  # after an SSO login")
    assert result.success, output
    assert "rebuilt" in output
    assert environments.client(env) is not first
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
def test_config_refuses_a_bad_preview_items_and_keeps_the_old(shell, magic, caplog, value):
    """``%config`` prints the one line (IPython logs what a trait refuses); nothing changes."""
    shell.run_line_magic("config", "DynamoMagic.preview_items = 3")
    shell.run_line_magic("config", f"DynamoMagic.preview_items = {value}")
    assert magic.preview_items == 3 and get_settings().preview_items == 3
    assert len(q(shell, "orders --env dev")) == 3
    [record] = [r for r in caplog.records if "preview_items" in r.getMessage()]
    assert "\n" not in record.getMessage()
    if value in ("0", "-1"):  # a whole number below 1; the others are refused by the Int trait
        assert f"preview_items must be a whole number >= 1, not {value}" in record.getMessage()
        with pytest.raises(UsageError, match="preview_items must be a whole number >= 1"):
            magic.preview_items = int(value)  # set from Python: the same rule, raised


# -- --ui and %dynamo_panel: the same parser, every option in the panel's inputs ----------------
def ui(shell: InteractiveShell, magic: str, line: str) -> Any:
    return shell.run_line_magic(magic, line)


def test_query_ui_puts_every_option_into_the_panel(shell):
    from dynamo_magic.notebook.panels import QueryPanel

    line = (
        "orders c1 --env dev -i status-total --sk 10 --sk-op between --sk2 20 "
        "--filter \"region = 'eu'\" --columns status,total --limit 3 --ui"
    )
    panel = ui(shell, "dynamo_query", line)
    assert isinstance(panel, QueryPanel) and panel.error is None
    inputs = {
        name: getattr(panel, name).value
        for name in ("env", "table", "index", "pk", "sk_op", "sk", "sk2", "filter", "columns")
    }
    assert inputs == {
        "env": "dev",
        "table": "orders",
        "index": "status-total",
        "pk": "c1",
        "sk_op": "between",
        "sk": "10",
        "sk2": "20",
        "filter": "region = 'eu'",
        "columns": "status,total",
    }
    assert panel.limit.value == "3"
    # the CLI form (-t T PK, --pk, --select) fills the same inputs
    line = "-t orders c1 --env dev --select status --sk-op '>=' -sk 2024-01-05 --ui"
    panel = ui(shell, "dynamo_query", line)
    assert (panel.table.value, panel.pk.value, panel.columns.value) == ("orders", "c1", "status")
    assert (panel.sk_op.value, panel.sk.value) == (">=", "2024-01-05")
    panel = ui(shell, "dynamo_panel", "query orders --pk c2 --env dev --sk 2024 --sk-op =")
    assert (panel.pk.value, panel.sk.value, panel.sk_op.value) == ("c2", "2024", "=")


def test_query_ui_panel_runs_the_query_the_line_asks_for(shell):
    """The filled panel's Run gives what the same line without --ui gives."""
    line = "orders c1 --env dev --sk 2024-01 --filter 'total > 0' --columns total --limit 4"
    expected = q(shell, line)
    assert len(expected) == 4 and list(expected.columns)[-1] == "total"
    panel = ui(shell, "dynamo_query", line + " --ui")
    panel.run()
    assert panel.error is None, panel.error
    pd.testing.assert_frame_equal(panel.result, expected)


def test_query_ui_leaves_options_not_given_to_the_panel(shell):
    """A default the line did not give (--sk-op's begins_with) does not override the panel's."""
    from dynamo_magic.notebook.panels import QueryPanel

    default = QueryPanel(env="dev", table="orders")
    panel = ui(shell, "dynamo_query", "orders c1 --env dev --ui")
    assert panel.sk_op.value == default.sk_op.value
    assert (panel.sk.value, panel.filter.value, panel.limit.value) == ("", "", "")
    assert panel.index.value is None


def test_copy_ui_puts_every_option_into_the_panel(shell):
    from dynamo_magic.notebook.panels import CopyPanel

    line = (
        "orders --source dev --target stage --target-table orders2 --pk c1 --sk 5 --sk-op '>' "
        "--mode merge --workers 2 --no-backup -i status-total --ui"
    )
    panel = ui(shell, "dynamo_copy", line)
    assert isinstance(panel, CopyPanel)
    inputs = {
        name: getattr(panel, name).value
        for name in (
            *("source", "target", "table", "target_table", "mode", "pk", "sk_op", "sk"),
            *("index", "workers", "backup", "confirm"),
        )
    }
    assert inputs == {
        "source": "dev",
        "target": "stage",
        "table": "orders",
        "target_table": "orders2",
        "mode": "merge",
        "pk": "c1",
        "sk_op": ">",
        "sk": "5",
        "index": "status-total",
        "workers": 2,
        "backup": False,
        "confirm": False,
    }
    panel = ui(
        shell, "dynamo_copy", "orders -src dev -tgt stage --sk-op between --sk 1 --sk2 9 --ui"
    )
    assert (panel.sk_op.value, panel.sk.value, panel.sk2.value) == ("between", "1", "9")
    assert panel.mode.value == "replace" and panel.backup.value is True  # the panel's defaults


def test_copy_panel_takes_the_copy_options_without_requiring_source_and_target(shell):
    from dynamo_magic.notebook.panels import CopyPanel

    panel = ui(shell, "dynamo_panel", "copy orders --source dev --mode truncate --pk c1")
    assert (panel.source.value, panel.table.value) == ("dev", "orders")
    assert (panel.mode.value, panel.pk.value) == ("truncate", "c1")
    assert panel.target.value == CopyPanel("dev", None, "orders").target.value  # panel's choice
    panel = ui(shell, "dynamo_panel", "copy --target stage")
    assert panel.target.value == "stage"
    panel = ui(shell, "dynamo_panel", "query --env dev")  # no table: the panel offers them
    assert panel.env.value == "dev" and panel.table.value in panel.table.options


UI_REFUSED = {
    "yes": (
        "%dynamo_copy orders --source dev --target stage --yes --ui",
        "--yes cannot be used with --ui: tick the confirmation in the panel",
    ),
    "dry run": (
        "%dynamo_copy orders --source dev --target stage --ui --dry-run",
        "--dry-run cannot be used with --ui: click Plan in the panel",
    ),
    "count": ("%dynamo_query orders c1 --env dev --count --ui", "--count cannot be used with --ui"),
    "plot": (
        "%dynamo_query orders c1 --env dev --ui --plot",
        "--plot cannot be used with --ui: use the panel's Plot button",
    ),
    "head": ("%dynamo_query orders c1 --env dev --head 3 --ui", "--head cannot be used with --ui"),
    "scan": ("%dynamo_panel query orders --env dev --scan", "--scan cannot be used with --ui"),
    "verify": ("%dynamo_copy orders -src dev -tgt stage --verify none --ui", "--verify cannot"),
    "backend": ("%dynamo_panel copy orders --backend threading", "--backend cannot be used"),
    "no progress": ("%dynamo_copy orders -src dev -tgt stage --no-progress --ui", "--no-progress"),
    "out": ("%dynamo_query orders c1 --env dev --ui --out x", "--out cannot be used with --ui"),
    "unknown flag": (
        "%dynamo_query orders c1 --env dev --bogusflag --ui",
        "unrecognized arguments: --bogusflag",
    ),
    "copy without source/target": (
        "%dynamo_copy orders --from dev --to prod --ui",
        "the following arguments are required: -src/--source",
    ),
    "copy missing target": ("%dynamo_copy orders --source dev --ui", "required: -tgt/--target"),
    "panel unknown flag": ("%dynamo_panel copy orders --from dev", "unrecognized arguments"),
    "copy panel env": (
        "%dynamo_panel copy orders --env dev",
        "--env is not an option of a copy panel: name the environment to copy from with --source",
    ),
    "filter binding a variable": (
        "%dynamo_query orders c1 --env dev --filter 'total > :low and status = \"a:b\"' --ui",
        "--filter with :low cannot be used with --ui: the panel's filter takes values written out",
    ),
    "bad sort-key operator": ("%dynamo_query orders c1 --env dev --sk-op '~' --ui", "--sk-op"),
    "limit not a number": ("%dynamo_query orders c1 --env dev --limit x --ui", "--limit"),
    "key twice": ("%dynamo_query orders c1 --pk c2 --env dev --ui", "give the partition key once"),
    "no table": ("%dynamo_query --env dev --ui", "usage: %dynamo_query TABLE"),
    "unknown index": (
        "%dynamo_query orders c1 --env dev -i nope --ui",
        "has no index 'nope'; its indexes: status-total",
    ),
    "workers 0": (
        "%dynamo_copy orders -src dev -tgt stage --workers 0 --ui",
        "--workers must be at least 1, not 0",
    ),
    "workers too many": (
        f"%dynamo_copy orders -src dev -tgt stage --workers {max_workers() + 1} --ui",
        f"--workers must be at most {max_workers()}",
    ),
}


@pytest.mark.parametrize("source", UI_REFUSED.values(), ids=UI_REFUSED.keys())
def test_ui_refuses_what_the_panel_cannot_carry_in_one_line(shell, capsys, source):
    cell, message = source
    result, output = run(shell, capsys, cell)
    assert isinstance(result.error_in_exec, UsageError), output
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: "), output
    assert message in lines[0]


def test_the_same_line_without_ui_gives_the_same_parse_error(shell, capsys):
    for line in ("orders c1 --env dev --bogusflag", "orders --from dev --to prod"):
        magic = "%dynamo_copy " if "--from" in line else "%dynamo_query "
        _, plain = run(shell, capsys, magic + line)
        _, with_ui = run(shell, capsys, magic + line + " --ui")
        assert plain == with_ui and plain.startswith("UsageError: ")
