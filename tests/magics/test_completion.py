"""Tab completion in the magics' lines (issue 19 §3), through IPython's own completer in a
real shell: tables, environments, indexes, attributes, flags; a slow or unreachable endpoint
never holds the completer up."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.completer import provisionalcompleter

from dynamo_magic.notebook.completion import Lookups, MagicCompleter

from .lines import run
from conftest import reset_caches, write_profiles


def complete(shell, line: str) -> list[str]:
    """What Tab offers at the end of ``line`` (IPython's completions, as a front end asks)."""
    with provisionalcompleter():
        return [c.text for c in shell.Completer.completions(line, len(line))]


@pytest.fixture
def fresh(shell) -> Iterator[MagicCompleter]:
    """The shell's magic completer with an empty cache and no remembered result (each test's
    own AWS profiles and queries), waiting for lookups as long as they take (what is offered is
    tested here, not the time limit: a loaded machine may take more than the second a Tab
    waits)."""
    (completer,) = [
        m.completer
        for m in shell.Completer.custom_matchers
        if isinstance(getattr(m, "completer", None), MagicCompleter)
    ]
    completer.clear()  # earlier tests' lookups and results (the shell is shared)
    wait, completer.lookups.wait = completer.lookups.wait, 30.0
    yield completer
    completer.lookups.wait = wait
    completer.clear()


def test_table_names_complete_after_the_magic_and_after_t(shell, fresh):
    assert complete(shell, "%dynamo_query ") == ["events", "notes", "orders"]
    assert complete(shell, "%dynamo_query or") == ["orders"]
    assert complete(shell, "%dynamo_query -t ev") == ["events"]
    assert complete(shell, "%dynamo_copy no") == ["notes"]
    assert complete(shell, "%%dynamo_query -t no") == ["notes"]
    assert complete(shell, "%dynamo_export ev") == ["events"]


def test_environment_names_complete_after_env_source_and_target(shell, fresh):
    environments = ["default", "dev", "nocreds", "noregion", "prod", "stage"]
    assert complete(shell, "%dynamo_query orders --env ") == environments
    assert complete(shell, "%dynamo_query orders -e d") == ["default", "dev"]  # no Python names
    assert complete(shell, "%dynamo_copy orders --source dev --target st") == ["stage"]
    assert complete(shell, "%dynamo_copy orders -src p") == ["prod"]


def test_indexes_complete_after_index(shell, fresh):
    assert complete(shell, "%dynamo_query orders --index ") == [
        "by-total",
        "region-include",
        "region-keys",
        "status-total",
    ]
    assert complete(shell, "%dynamo_query -t orders -i st") == ["status-total"]


def test_attributes_complete_from_the_keys_and_the_last_result(shell, capsys, fresh):
    keys = ["customer", "order-date", "region", "status", "total"]
    assert complete(shell, "%dynamo_query orders c1 --columns ") == keys
    result, output = run(shell, capsys, "%dynamo_query orders c1 --env dev")
    assert result.success, output
    columns = list(result.result.columns)
    assert "note" not in keys and set(columns) - set(keys)  # the result has more attributes
    offered = complete(shell, "%dynamo_query orders c1 --unique ")
    assert offered == sorted(set(keys) | set(columns))
    assert complete(shell, "%dynamo_query orders c1 --columns customer,to") == ["total"]
    assert complete(shell, '%dynamo_query orders c1 --filter "sta') == ["status"]


def test_flags_complete_and_values_nothing_knows_get_no_suggestion(shell, fresh):
    assert complete(shell, "%dynamo_query orders --col") == ["--columns"]
    assert "--dry-run" in complete(shell, "%dynamo_copy orders --d")
    # a number, a partition key: any value (IPython's other matchers may still offer theirs)
    assert fresh.candidates("query", ["orders", "--limit"], "") == []
    assert fresh.candidates("query", ["orders", "c1"], "") == []


def test_other_lines_complete_as_python(shell, fresh):
    shell.user_ns["dynamo_value"] = 1
    assert "dynamo_value" in complete(shell, "dynamo_va")


@pytest.fixture
def silent_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A profile ``slow`` whose endpoint accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    for var, value in write_profiles(tmp_path / "slowaws", {"slow": url, "default": None}).items():
        monkeypatch.setenv(var, value)
    reset_caches()
    yield "slow"
    listener.close()


def test_a_silent_endpoint_gives_no_suggestion_instead_of_holding_the_kernel(silent_endpoint):
    """The lookup runs in a thread the completer waits for briefly: nothing is offered while
    it is pending (it is still pending when Tab returns), and the line is not held."""
    lookups = Lookups(wait=0.2)
    completer = MagicCompleter(lookups)
    assert completer.candidates("query", ["-e", silent_endpoint, "-t"], "") == []
    ((_, pending),) = [v for k, v in lookups._found.items() if k[0] == "tables"]
    assert not pending.done()  # the service never answered: Tab did not wait for it


def test_an_unreachable_endpoint_offers_nothing_and_raises_nothing(tmp_path, monkeypatch):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nothing listens there
    for var, value in write_profiles(tmp_path / "gone", {"gone": url, "default": None}).items():
        monkeypatch.setenv(var, value)
    reset_caches()
    completer = MagicCompleter(Lookups(wait=30))
    assert completer.candidates("query", ["--env", "gone", "-t"], "") == []


def test_a_silent_endpoint_holds_up_no_other_environment(
    moto_pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Before: the lookups shared two threads, so two Tabs at a silent endpoint left every
    environment without suggestions until botocore's timeouts (minutes)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    silent = f"http://127.0.0.1:{listener.getsockname()[1]}"
    a, _ = moto_pair
    a.reset()
    profiles = {"slow": silent, "fine": a.url, "default": None}
    for var, value in write_profiles(tmp_path / "mixed", profiles).items():
        monkeypatch.setenv(var, value)
    reset_caches()
    a.client().create_table(
        TableName="ready",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    completer = MagicCompleter(Lookups(wait=0.2))
    try:
        for words in (["-e", "slow", "-t"], ["t1", "-e", "slow", "--index"], ["-e", "slow"]):
            assert completer.candidates("query", words, "") == []  # pending, never answered
        completer.lookups.wait = 30.0  # what is offered is tested, not the time limit
        assert completer.candidates("query", ["-e", "fine", "-t"], "") == ["ready"]
    finally:
        listener.close()
