"""``%config DynamoMagic``: every setting is a trait generated from ``Settings``, and a value
set there reaches the calls (per-call argument > ``%config`` > config file > default)."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from pathlib import Path

import joblib
import pytest
from IPython.core.error import UsageError
from traitlets.config import Config

from dynamo_magic.notebook.magics import DynamoMagic
from dynamo_magic.settings import Settings, get_settings, setting_fields
from dynamo_magic.transfer.engine import CopyResult

from conftest import client_for, reset_caches, reset_magic
from tables import create_orders, orders_items, put_all


@pytest.fixture
def magic(shell) -> DynamoMagic:
    yield reset_magic(shell)
    reset_magic(shell)


def test_every_setting_is_a_trait_with_the_settings_default(magic):
    """Declared once: each scalar field of Settings is a configurable trait with its default
    and its help; ``environments`` (a table of tables) is the config file's alone."""
    traits = DynamoMagic.class_traits(config=True)
    fields = {f.name for f in dataclasses.fields(Settings)}
    # table_display is the notebook's own (how its HTML shows tables): no setting of the file
    assert set(traits) == (fields - {"environments"}) | {"table_display"}
    for field in setting_fields():
        trait = traits[field.name]
        assert trait.default_value == field.default, field.name
        assert trait.help == field.help, field.name
        assert trait.allow_none == field.optional, field.name


def test_config_sets_every_setting_and_refuses_in_one_line(shell, magic, caplog, capsys):
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

    capsys.readouterr()
    shell.run_line_magic("config", "DynamoMagic.backoff_base = 3")  # above the cap of 2
    shell.run_line_magic("config", "DynamoMagic.workers = 0")
    # shown as every refusal is (IPython's UsageError line), not logged on the root logger
    assert capsys.readouterr().err.splitlines() == [
        "UsageError: DynamoMagic.backoff_cap (2.0 s) must be at least backoff_base (3.0 s)",
        "UsageError: DynamoMagic.workers must be at least 1, not 0",
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
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


def config_listing(shell, capsys) -> dict[str, str]:
    """``%config DynamoMagic`` as a user reads it: each setting's ``Current:`` value."""
    capsys.readouterr()
    shell.run_line_magic("config", "DynamoMagic")
    text = capsys.readouterr().out
    setting = r"^DynamoMagic\.(\w+)=.*?\n(?:    .*\n)*?    Current: (.*)$"
    return dict(re.findall(setting, text, re.MULTILINE))


def test_config_lists_what_set_settings_put_in_effect(shell, magic, capsys):
    """One source of truth: after ``dynamo_magic.set_settings`` the listing and the traits
    show the settings the calls use, never the values the traits held before."""
    import dynamo_magic as dm

    shell.run_line_magic("config", "DynamoMagic.preview_items = 4")
    dm.set_settings(dm.Settings(max_retries=5, numbers="decimal", workers=2))
    listing = config_listing(shell, capsys)
    assert listing["max_retries"] == "5" and listing["numbers"] == "'decimal'"
    assert listing["workers"] == "2" and listing["preview_items"] == "20"  # given whole
    assert (magic.max_retries, magic.numbers, magic.preview_items) == (5, "decimal", 20)
    dm.set_settings(None)  # back to the config file (none here): the defaults
    assert config_listing(shell, capsys)["max_retries"] == "8" and magic.workers is None


def test_config_sets_what_the_calls_use_after_set_settings(shell, magic, capsys):
    """``%config DynamoMagic.x = v`` after ``set_settings`` is what the API uses, also when
    v is the value the trait held before (the trait's own default, here)."""
    import dynamo_magic as dm

    dm.set_settings(dm.Settings(max_retries=5, verify="none"))
    shell.run_line_magic("config", "DynamoMagic.max_retries = 8")  # the default: 8
    shell.run_line_magic("config", "DynamoMagic.verify = 'count'")
    assert (get_settings().max_retries, get_settings().verify) == (8, "count")
    assert get_settings().numbers == "auto"  # the rest as set_settings gave it
    listing = config_listing(shell, capsys)
    assert listing["max_retries"] == "8" and listing["verify"] == "'count'"


def test_config_follows_the_config_file(shell, magic, capsys, tmp_path, monkeypatch):
    """An edited config file shows in ``%config DynamoMagic`` as in the calls; a value set
    with ``%config`` stays over it."""
    config = tmp_path / "config.toml"
    config.write_text("preview_items = 7\nmax_retries = 3\n")
    monkeypatch.setenv("DYNAMO_MAGIC_CONFIG", str(config))
    reset_caches()
    assert (magic.preview_items, magic.max_retries) == (7, 3)
    shell.run_line_magic("config", "DynamoMagic.max_retries = 1")
    config.write_text("preview_items = 9\nmax_retries = 4\n")
    bump = config.stat().st_mtime_ns + 10_000_000  # a change the next call's stat sees
    os.utime(config, ns=(bump, bump))
    listing = config_listing(shell, capsys)
    assert listing["preview_items"] == "9" and listing["max_retries"] == "1"
    assert (get_settings().preview_items, get_settings().max_retries) == (9, 1)


def test_values_configured_together_are_checked_and_set_together(shell, magic, capsys):
    """A config setting several values at once (``ipython_config.py``, ``update_config``) is
    checked as a whole: a backoff base above the current cap, with a cap above it, is fine;
    the settings get both. A refused config is one ``UsageError`` line, both values kept."""
    magic.update_config(Config({"DynamoMagic": {"backoff_base": 10.0, "backoff_cap": 20.0}}))
    assert (get_settings().backoff_base, get_settings().backoff_cap) == (10.0, 20.0)
    assert (magic.backoff_base, magic.backoff_cap) == (10.0, 20.0)
    capsys.readouterr()
    magic.update_config(Config({"DynamoMagic": {"backoff_base": 2.0, "backoff_cap": 1.0}}))
    assert capsys.readouterr().err == (
        "UsageError: DynamoMagic.backoff_cap (1.0 s) must be at least backoff_base (2.0 s)\n"
    )
    assert (get_settings().backoff_base, get_settings().backoff_cap) == (10.0, 20.0)
    assert (magic.backoff_base, magic.backoff_cap) == (10.0, 20.0)


def test_an_unreadable_config_file_leaves_config_usable(shell, magic, tmp_path, monkeypatch):
    """The traits show their last values while the config file cannot be read; ``%config``
    still sets one, and the calls say what is wrong with the file."""
    config = tmp_path / "config.toml"
    config.write_text('max_retries = "x"\n')
    monkeypatch.setenv("DYNAMO_MAGIC_CONFIG", str(config))
    reset_caches()
    assert magic.max_retries == 8
    shell.run_line_magic("config", "DynamoMagic.max_retries = 2")
    assert magic.max_retries == 2
    with pytest.raises(UsageError, match=r"max_retries = 'x' should be a whole number"):
        shell.run_line_magic("dynamo_query", "orders")
