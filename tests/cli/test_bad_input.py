"""``dynamo`` refusals: bad input, counts, config-file numbers, table names and endpoints are
one error line and exit 2, before any call.

Processes cannot see in-process moto, so these tests use server A of the session's moto pair,
filled once for the package (conftest.py), and run several commands concurrently. A process
costs ~0.8 s of CPU (imports), so the long matrices call ``cli.main`` in this process
(``in_process``) against the same server; each behaviour that differs between the two (exit
status, stdout vs stderr, the console script) is also checked as a real process.
"""

from __future__ import annotations

import re
from pathlib import Path

from dynamo_magic.settings import max_workers

from .results import COPY_DEV, assert_one_error_line, in_dev, server_client
from conftest import dynamo, dynamo_many, reset_caches, use_profiles, write_profiles
from proxy import FaultProxy

BAD_INPUT = {  # name: (arguments after "query -e dev", part of the message)
    "unknown env": (["-t", "orders", "c1", "-e", "nope"], "unknown environment 'nope'"),
    "unknown table": (["-t", "nope", "c1"], "table 'nope' not found"),
    "unknown index": (["-t", "orders", "c1", "-i", "nope"], "has no index 'nope'"),
    "wrong key type": (["-t", "events", "x"], "is a number (N)"),
    "bad operator": (["-t", "orders", "c1", "--sk", "x", "--sk-op", "~"], "--sk-op"),
    "malformed filter": (["-t", "orders", "c1", "--filter", "status ="], "bad filter"),
    # the flag the user typed is the one named (--head N reads N items: it was called --limit)
    "zero head": (["-t", "orders", "c1", "--head", "0"], "--head must be a positive number"),
    "negative head": (["-t", "orders", "c1", "--head", "-1"], "--head must be a positive"),
}
MORE_BAD_INPUT = {
    "unbalanced filter": (["-t", "orders", "c1", "--filter", "(status = 'x'"], "bad filter"),
    "unknown filter variable": (["-t", "orders", "c1", "--filter", "status = :x"], ":x"),
    "between one bound": (
        ["-t", "orders", "c1", "--sk", "a", "--sk-op", "between"],
        "between needs two bounds",
    ),
    "sk2 without between": (["-t", "orders", "c1", "--sk", "a", "--sk2", "b"], "--sk2"),
    "sort key on hash-only": (["-t", "users", "u1", "--sk", "x"], "no sort key"),
    "sort key on keys-only index": (
        ["-t", "orders", "eu", "-i", "region-keys", "--sk", "x"],
        "no sort key",
    ),
    "begins_with on a number": (
        ["-t", "events", "1", "--sk", "1", "--sk-op", "begins_with"],
        "begins_with",
    ),
    "wrong sort key type": (["-t", "events", "1", "--sk", "x", "--sk-op", "="], "number"),
    "binary key not base64": (["-t", "blobs", "@@"], "base64"),
    "sort key without pk": (["-t", "orders", "--sk", "x"], "partition key"),
    "scan with pk": (["-t", "orders", "c1", "--scan"], "--scan"),
    "two partition keys": (["-t", "orders", "c1", "-pk", "c2"], "partition key once"),
    "two views": (["-t", "orders", "c1", "-u", "status", "--summary"], "choose one"),
    "empty select": (["-t", "orders", "c1", "--select", ","], "--select"),
    "missing table": (["c1"], "--table"),
    "bad limit": (["-t", "orders", "c1", "--limit", "x"], "--limit"),
    "zero limit": (["-t", "orders", "c1", "--limit", "0"], "--limit"),
    "negative limit with head": (
        ["-t", "orders", "c1", "--head", "3", "--limit", "-1"],
        "--limit must be a positive number",
    ),
    "zero limit with head": (
        ["-t", "orders", "c1", "--head", "3", "--limit", "0"],
        "--limit must be a positive number",
    ),
    "negative head with unique": (
        ["-t", "orders", "c1", "--head", "-2", "-u", "status"],
        "--head must be a positive number",
    ),
    "zero head with summary": (
        ["-t", "orders", "c1", "--head", "0", "--summary"],
        "--head must be a positive number",
    ),
    "unknown option": (["-t", "orders", "c1", "--nope"], "--nope"),
    "unknown format": (["-t", "orders", "c1", "--format", "xml"], "--format"),
    "no region": (["-t", "orders", "c1", "-e", "noregion"], "no region"),
}


# as real processes: one refusal of each kind (argument, environment, server); every case runs
# in this process in test_more_bad_input
PROCESS_BAD_INPUT = ("bad operator", "unknown env", "unknown table")


def test_bad_input_is_one_error_line_and_exit_2(profiles):
    runs = dynamo_many(
        {name: ["query", *in_dev(BAD_INPUT[name][0])] for name in PROCESS_BAD_INPUT},
        env=profiles,
    )
    for name in PROCESS_BAD_INPUT:
        assert_one_error_line(name, runs[name], BAD_INPUT[name][1])


def test_more_bad_input(in_process):
    for name, (argv, message) in (BAD_INPUT | MORE_BAD_INPUT).items():
        assert_one_error_line(name, in_process("query", *in_dev(argv)), message)
    assert_one_error_line("no command", in_process(), "required")
    for limit in ("0", "-1"):  # not 0 items, nor a page without its last item
        refused = in_process("partiql", "SELECT * FROM orders", "-e", "dev", "--limit", limit)
        assert_one_error_line("partiql limit", refused, "--limit must be a positive number")


COUNT_REFUSALS = {  # name: (arguments, part of the message)
    "query segments 0": (["--segments", "0"], "segments must be from 1 to 1,000,000"),
    "query segments -2": (["--segments", "-2"], "segments must be from 1 to 1,000,000"),
    "query segments 2000000": (["--segments", "2000000"], "(DynamoDB's limit on a parallel"),
    "copy workers 0": ([*COPY_DEV, "--workers", "0"], "workers must be at least 1, not 0"),
    "copy segments 0": ([*COPY_DEV, "--segments", "0"], "segments must be from 1 to"),
    "copy segments -1": ([*COPY_DEV, "--segments", "-1"], "TotalSegments), not -1"),
    "copy segments 2000000": ([*COPY_DEV, "--segments", "2000000"], "not 2000000"),
    "copy workers too many": (
        [*COPY_DEV, "--workers", str(max_workers() + 1)],
        f"workers must be at most {max_workers()} (8 per CPU core",
    ),
    "dry run workers 100000": ([*COPY_DEV, "--dry-run", "--workers", "100000"], "not 100000"),
}


def test_worker_and_segment_counts_are_refused_at_once(
    moto_pair, in_process, tmp_path, monkeypatch
):
    """2,000,000 segments once ran for minutes on a thread per segment: now refused, as are
    counts below 1, before anything is read or written (server A behind a recording proxy)."""
    with FaultProxy(moto_pair[0].url) as proxy:
        use_profiles({"default": proxy.url, "dev": proxy.url}, tmp_path, monkeypatch)
        for i, (name, (argv, message)) in enumerate(COUNT_REFUSALS.items()):
            if argv[0] == "copy":
                argv = [*argv, "--target-table", f"never-{i}"]
            else:
                argv = ["query", "-e", "dev", "-t", "orders", "--scan", "--count", *argv]
            assert_one_error_line(name, in_process(*argv), message)
    assert [call.op for call in proxy.calls] == []


BAD_CONFIG_NUMBERS = {  # config file text: part of the message
    "max_retries = -1": "max_retries must be a whole number >= 0, not -1",
    "backoff_cap = nan": "backoff_cap must be a number of seconds > 0, not nan",
    "backoff_base = -1": "backoff_base must be a number of seconds > 0, not -1",
    "backoff_base = 1e300\nbackoff_cap = 1e300": "backoff_cap must be at most 3600 seconds",
    "preview_items = -4": "preview_items must be a whole number >= 1, not -4",
    "preview_items = 0": "preview_items must be a whole number >= 1, not 0",
    "workers = 100000": f"workers must be at most {max_workers()}",
}


def test_bad_numbers_in_the_config_file_are_one_error_line_and_exit_2(
    profiles, in_process, tmp_path, monkeypatch
):
    """Once a traceback when a read was retried (nan, a negative wait, an overflow) or taken
    silently (-1 retries as 0, 0 preview items): now refused when the file is loaded (in this
    process; the exit status of a real process once)."""
    commands = {
        "query": ["query", "-t", "orders", "c1", "-e", "dev"],
        "preview": ["query", "-t", "orders", "-e", "dev"],
        "copy": [*COPY_DEV, "--target-table", "never-config"],
    }
    for i, text in enumerate(BAD_CONFIG_NUMBERS):
        config = tmp_path / f"{i}.toml"
        config.write_text(text + "\n")
        monkeypatch.setenv("DYNAMO_MAGIC_CONFIG", str(config))
        reset_caches()
        for command, argv in commands.items():
            refused = in_process(*argv)
            assert_one_error_line((text, command), refused, f"{config}: ")
            assert BAD_CONFIG_NUMBERS[text] in refused.stderr, (text, command)
    variables = {**profiles, "DYNAMO_MAGIC_CONFIG": str(config)}
    assert_one_error_line("process", dynamo(*commands["copy"], env=variables), f"{config}: ")
    assert "never-config" not in server_client(profiles).list_tables()["TableNames"]


LONG_NAME = "x" * 256
TABLE_NAME_REFUSALS = {  # name: (arguments, part of the message); "users" has a backup
    "restore into 1 character": (
        ["restore", "-t", "users", "-e", "dev", "--backup", "latest", "--into", "T"],
        "--into: 'T' is not a DynamoDB table name (it has 1 character); a table name is 3 to 255",
    ),
    "restore into a space": (
        ["restore", "-t", "users", "-e", "dev", "--into", "new users"],
        "--into: 'new users' is not a DynamoDB table name (' ' is not allowed)",
    ),
    "restore from 2 characters": (
        ["restore", "-t", "us", "-e", "dev", "--in-place", "--yes"],
        "--table: 'us' is not a DynamoDB table name (it has 2 characters)",
    ),
    "copy target table": (
        [*COPY_DEV, "--target-table", "ab"],
        "--target-table: 'ab' is not a DynamoDB table name",
    ),
    "copy target 256": ([*COPY_DEV, "--target-table", LONG_NAME], "(it has 256 characters)"),
    "copy source": (
        ["copy", "-t", "or/ders", "-src", "dev", "-tgt", "dev", "--target-table", "never-x"],
        "--table: 'or/ders' is not a DynamoDB table name ('/' is not allowed)",
    ),
    "query": (["query", "-t", "ord ers", "-e", "dev", "c1"], "--table: 'ord ers' is not"),
    "describe": (["describe", "-t", "o", "-e", "dev"], "--table: 'o' is not"),
    "backups": (["backups", "-t", "users!", "-e", "dev"], "'!' is not allowed"),
    "truncate": (["truncate", "-t", "us", "-e", "dev", "--yes"], "--table: 'us' is not"),
}


def test_table_names_are_checked_before_any_call(profiles, in_process):
    """A table name DynamoDB's rule refuses (3 to 255 of A-Z a-z 0-9 _ . -) is one error line
    naming the option, exit 2, for every option that names a table: once a restore into a
    1-character name was botocore's multi-line ParamValidationError, as a traceback."""
    client = server_client(profiles)
    client.create_backup(TableName="users", BackupName="users-names-test")
    before = sorted(client.list_tables()["TableNames"])
    # the package's server: other files' tests may have left backups of their own
    backups = sorted(b["BackupArn"] for b in client.list_backups()["BackupSummaries"])
    for name, (argv, message) in TABLE_NAME_REFUSALS.items():
        assert_one_error_line(name, in_process(*argv), message)
    assert sorted(client.list_tables()["TableNames"]) == before  # nothing created
    after = sorted(b["BackupArn"] for b in client.list_backups()["BackupSummaries"])
    assert after == backups  # nor backed up


def test_malformed_endpoints_are_one_error_line_and_exit_2(
    profiles, in_process, tmp_path, monkeypatch
):
    url = re.search(r"endpoint_url = (\S+)", Path(profiles["AWS_CONFIG_FILE"]).read_text())[1]
    aws = write_profiles(tmp_path, {"default": url, "dev": url, "bad": "not a url"})
    toml = tmp_path / "bad-endpoint.toml"
    toml.write_text('[environments.x]\nendpoint_url = "127.0.0.1:5701"\n')
    query = ["query", "-t", "orders", "c1", "--count"]
    cases = {  # name: (variables, arguments, part of the message)
        "profile": ({}, [*query, "-e", "bad"], "environment 'bad' (the profile): endpoint_url 'n"),
        "AWS_ENDPOINT_URL": (
            {"AWS_ENDPOINT_URL": "127.0.0.1:5701"},
            query,
            "(AWS_ENDPOINT_URL): endpoint_url '127.0.0.1:5701' is not a URL",
        ),
        "AWS_ENDPOINT_URL_DYNAMODB": (
            {"AWS_ENDPOINT_URL_DYNAMODB": "localhost:5701"},
            [*query, "-e", "dev"],
            "endpoint_url 'localhost:5701' is not a URL; write it as http(s)://host[:port]",
        ),
        "config file": (
            {"DYNAMO_MAGIC_CONFIG": str(toml)},
            [*query, "-e", "dev"],
            "environment 'x': endpoint_url '127.0.0.1:5701' is not a URL",
        ),
        "copy target": (
            {},
            [*COPY_DEV[:5], "-tgt", "bad", "--yes"],
            "endpoint_url 'not a url' is not",
        ),
    }
    for name, (variables, argv, message) in cases.items():
        with monkeypatch.context() as patched:
            for var, value in {**aws, **variables}.items():
                patched.setenv(var, value)
            reset_caches()
            assert_one_error_line(name, in_process(*argv), message)
    reset_caches()
