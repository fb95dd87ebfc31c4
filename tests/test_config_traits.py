"""``%config DynamoMagic``: every setting is a trait generated from ``Settings``, and a value
set there reaches the calls (per-call argument > ``%config`` > config file > default)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import joblib
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from dynamo_magic.copying.engine import CopyResult
from dynamo_magic.notebook.magics import DynamoMagic
from dynamo_magic.settings import Settings, get_settings, setting_fields

from conftest import client_for, reset_caches
from tables import create_orders, orders_items, put_all


@pytest.fixture(scope="session")
def shell() -> InteractiveShell:
    ip = InteractiveShell.instance()  # the one shell of the session (see test_magics.py)
    ip.run_line_magic("load_ext", "dynamo_magic")
    return ip


@pytest.fixture
def magic(shell) -> DynamoMagic:
    instance = shell.magics_manager.registry["DynamoMagic"]
    for name in instance.trait_names(config=True):
        instance.set_trait(name, instance.trait_defaults(name))
    reset_caches()
    yield instance
    for name in instance.trait_names(config=True):
        instance.set_trait(name, instance.trait_defaults(name))
    reset_caches()


def test_every_setting_is_a_trait_with_the_settings_default(magic):
    """Declared once: each scalar field of Settings is a configurable trait with its default
    and its help; ``environments`` (a table of tables) is the config file's alone."""
    traits = DynamoMagic.class_traits(config=True)
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert set(traits) == fields - {"environments"}
    for field in setting_fields():
        trait = traits[field.name]
        assert trait.default_value == field.default, field.name
        assert trait.help == field.help, field.name
        assert trait.allow_none == field.optional, field.name


def test_config_sets_every_setting_and_refuses_in_one_line(shell, magic, caplog):
    values = {
        "numbers": "'float'",
        "preview_items": "4",
        "progress": "False",
        "workers": "2",
        "segments": "6",
        "max_retries": "0",
        "backoff_base": "0.5",
        "backoff_cap": "2",
        "verify": "'full'",
        "default_env": "'stage'",
    }
    assert set(values) == {f.name for f in setting_fields()}
    for name, value in values.items():
        shell.run_line_magic("config", f"DynamoMagic.{name} = {value}")
    current = get_settings()
    assert (current.numbers, current.preview_items, current.progress) == ("float", 4, False)
    assert (current.workers, current.segments, current.max_retries) == (2, 6, 0)
    assert (current.backoff_base, current.backoff_cap, current.verify) == (0.5, 2.0, "full")
    assert current.default_env == "stage"

    shell.run_line_magic("config", "DynamoMagic.backoff_base = 3")  # above the cap of 2
    [record] = [r for r in caplog.records if "backoff" in r.getMessage()]
    assert record.getMessage() == (
        "DynamoMagic.backoff_cap (2.0 s) must be at least backoff_base (3.0 s)"
    )
    assert get_settings().backoff_base == 0.5 and magic.backoff_base == 0.5
    with pytest.raises(UsageError, match=r"^DynamoMagic\.workers must be at least 1, not 0$"):
        magic.workers = 0
    assert get_settings().workers == 2


def test_config_workers_reaches_a_copy(servers, shell, magic, monkeypatch, capsys):
    """``%config DynamoMagic.workers = 3``: the copy runs on 3 workers; ``--workers`` given to
    the magic wins over it."""
    create_orders(client_for("acct-a"))
    put_all(client_for("acct-a"), "orders", orders_items())
    jobs: list[int] = []
    real = joblib.parallel_config

    def spy(*args, **kwargs):  # the copy's own joblib call, as it is made
        jobs.append(kwargs.get("n_jobs"))
        return real(*args, **kwargs)

    monkeypatch.setattr(joblib, "parallel_config", spy)
    shell.run_line_magic("config", "DynamoMagic.workers = 3")
    line = "orders --source acct-a --target acct-b --backend threading --no-progress --yes"
    copied = shell.run_line_magic("dynamo_copy", line)
    assert isinstance(copied, CopyResult) and copied.ok and copied.written == 30
    assert jobs and set(jobs) == {3}
    jobs.clear()
    copied = shell.run_line_magic("dynamo_copy", f"{line} --workers 2")
    assert copied.ok and jobs and set(jobs) == {2}
    capsys.readouterr()


def test_the_docs_list_every_setting_with_its_default():
    """The ``%config DynamoMagic`` table (docs/querying.md) has one row per setting, default as
    declared."""
    readme = (Path(__file__).resolve().parents[1] / "docs" / "querying.md").read_text()
    rows = dict(re.findall(r"^\| `DynamoMagic\.(\w+)` \| `([^`]*)` \|", readme, re.MULTILINE))
    assert set(rows) == {f.name for f in setting_fields()}
    for field in setting_fields():
        assert rows[field.name] == repr(field.default), field.name
