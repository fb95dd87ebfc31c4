"""The settings object and its config file: defaults, values, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dynamo_magic import settings as settings_module
from dynamo_magic.errors import UsageProblem
from dynamo_magic.settings import (
    MAX_BACKOFF_CAP,
    EnvironmentConfig,
    Settings,
    config_path,
    get_settings,
    load_settings,
    max_workers,
    override_settings,
    reload_settings,
    set_settings,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path):
    assert load_settings(tmp_path / "missing.toml") == Settings()


def test_config_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNAMO_MAGIC_CONFIG", str(tmp_path / "x.toml"))
    assert config_path() == tmp_path / "x.toml"


def test_full_config_file(tmp_path):
    settings = load_settings(
        write(
            tmp_path / "c.toml",
            """
default_env = "stage"
numbers = "decimal"
preview_items = 7
progress = false
backoff_base = 1
verify = "full"

[environments.live]
profile = "dev"
region = "eu-west-1"
endpoint_url = "http://127.0.0.1:8000"
protected = true

[environments.scratch]
""",
        )
    )
    assert settings.default_env == "stage" and settings.numbers == "decimal"
    assert settings.preview_items == 7
    assert settings.progress is False and settings.backoff_base == 1 and settings.verify == "full"
    assert settings.environments == {
        "live": EnvironmentConfig("dev", "eu-west-1", "http://127.0.0.1:8000", True),
        "scratch": EnvironmentConfig(),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'red'", "unknown setting\\(s\\) colour \\(known: .*numbers"),
        ("numbers = 'exact'", "numbers = 'exact'; use one of auto, decimal, float"),
        ("verify = 'some'", "verify = 'some'; use one of count, full, none"),
        ("preview_items = '20'", "preview_items = '20' should be a whole number"),
        ("preview_items = true", "preview_items = True should be a whole number"),
        ("progress = 'yes'", "progress = 'yes' should be true or false"),
        ("backoff_cap = 'x'", "backoff_cap = 'x' should be a number"),
        ("environments = 'prod'", "'environments' must be a table"),
        ("[environments]\nprod = 1", "\\[environments.prod\\] must be a table"),
        ("[environments.prod]\nprofle = 'x'", "environment 'prod' has unknown key\\(s\\) profle"),
        ("[environments.prod]\nprotected = 'yes'", "environments.prod.protected = 'yes'"),
        ("numbers = ", "cannot read config file"),
        ("workers = 0", "workers must be at least 1, not 0"),
        ("segments = 0", "segments must be from 1 to 1,000,000 .*TotalSegments.*not 0"),
        ("segments = 1000001", "segments must be from 1 to 1,000,000"),
        (
            "[environments.x]\nendpoint_url = '127.0.0.1:5701'",
            "environment 'x': endpoint_url '127.0.0.1:5701' is not a URL; write it as http",
        ),
        ("[environments.x]\nendpoint_url = 'not a url'", "endpoint_url 'not a url' is not a URL"),
        ("[environments.x]\nendpoint_url = 'ftp://host'", "endpoint_url 'ftp://host' is not"),
        ("[environments.x]\nendpoint_url = 'http://h:99999'", "'http://h:99999' is not a URL"),
    ],
)
def test_bad_config_files(tmp_path, text, message):
    path = write(tmp_path / "c.toml", text)
    with pytest.raises(UsageProblem, match=message) as exc:
        load_settings(path)
    assert "\n" not in str(exc.value) and str(path) in str(exc.value)


def test_process_settings_follow_the_file_and_load_once(isolated_aws, monkeypatch):
    path = write(isolated_aws / "dynamo_magic.toml", "preview_items = 3\n")  # DYNAMO_MAGIC_CONFIG
    loads = []
    real_load = settings_module.load_settings
    monkeypatch.setattr(settings_module, "load_settings", lambda: loads.append(1) or real_load())
    first = get_settings()
    assert first.preview_items == 3
    assert get_settings() is first and len(loads) == 1  # unchanged: not read again
    write(path, "preview_items = 4\n")  # same size, likely within the same mtime tick
    assert get_settings().preview_items == 4 and len(loads) == 2
    path.unlink()
    assert get_settings() == Settings()  # no file: the defaults
    set_settings(None)
    write(path, "preview_items = 5\n")
    assert get_settings().preview_items == 5


def test_session_overrides_survive_file_changes_and_set_settings_pins(isolated_aws):
    path = write(isolated_aws / "dynamo_magic.toml", 'numbers = "float"\npreview_items = 3\n')
    override_settings(preview_items=9)  # what %config DynamoMagic.preview_items = 9 does
    assert (get_settings().numbers, get_settings().preview_items) == ("float", 9)
    write(path, 'numbers = "decimal"\npreview_items = 4\n')
    assert (get_settings().numbers, get_settings().preview_items) == ("decimal", 9)
    reload_settings()  # dynamo_magic.reset(): the overrides stay
    assert get_settings().preview_items == 9
    set_settings(Settings(numbers="float"))  # given whole: the file is no longer followed
    write(path, 'numbers = "auto"\n')
    assert get_settings() == Settings(numbers="float")
    set_settings(None)  # forget it all: the file again, without the overrides
    assert (get_settings().numbers, get_settings().preview_items) == ("auto", 20)


def test_a_broken_file_fails_until_it_is_fixed(isolated_aws):
    path = write(isolated_aws / "dynamo_magic.toml", "preview_items = 3\n")
    assert get_settings().preview_items == 3
    write(path, "preview_items = \n")
    for _ in range(2):  # every call, not just the first after the change
        with pytest.raises(UsageProblem, match="cannot read config file"):
            get_settings()
    write(path, "preview_items = 6\n")
    assert get_settings().preview_items == 6


def test_replace_ignores_none():
    settings = Settings(preview_items=5).replace(preview_items=None, numbers="decimal")
    assert (settings.preview_items, settings.numbers) == (5, "decimal")


# Numbers no read, copy or retry can use: (values, part of the message). Each once crashed a
# retried read (nan, a negative wait, an overflow at 1e300) or was silently taken (-1 as 0).
BAD_NUMBERS = [
    ({"max_retries": -1}, "max_retries must be a whole number >= 0, not -1"),
    (
        {"max_retries": 2.5},
        "max_retries",
    ),  # the file says "should be a whole number"; Python as below
    ({"preview_items": 0}, "preview_items must be a whole number >= 1, not 0"),
    ({"preview_items": -4}, "preview_items must be a whole number >= 1, not -4"),
    ({"backoff_base": -1}, "backoff_base must be a number of seconds > 0, not -1"),
    ({"backoff_base": 0}, "backoff_base must be a number of seconds > 0, not 0"),
    ({"backoff_cap": float("nan")}, "backoff_cap must be a number of seconds > 0, not nan"),
    ({"backoff_cap": float("inf")}, "backoff_cap must be a number of seconds > 0, not inf"),
    ({"backoff_base": float("-inf")}, "backoff_base must be a number of seconds > 0"),
    ({"backoff_cap": 1e300, "backoff_base": 1e300}, "backoff_cap must be at most 3600 seconds"),
    ({"backoff_cap": 3600.5}, "backoff_cap must be at most 3600 seconds (one hour), not 3600.5"),
    ({"backoff_base": 10}, "backoff_cap (5.0 s) must be at least backoff_base (10 s)"),
    ({"backoff_base": 2, "backoff_cap": 1}, "backoff_cap (1 s) must be at least backoff_base"),
    ({"workers": 0}, "workers must be at least 1, not 0"),
    ({"workers": max_workers() + 1}, f"workers must be at most {max_workers()} (8 per CPU core"),
    ({"segments": 1_000_001}, "segments must be from 1 to 1,000,000"),
]
GOOD_NUMBERS = [
    {"max_retries": 0},
    {"preview_items": 1},
    {"backoff_base": 5, "backoff_cap": 5},
    {"backoff_base": 0.001, "backoff_cap": MAX_BACKOFF_CAP},
    {"workers": max_workers(), "segments": 1_000_000},
]


def toml(values: dict) -> str:
    """TOML for ``values`` (Python's repr of nan and inf is TOML's spelling)."""
    return "".join(f"{k} = {v!r}\n" for k, v in values.items())


@pytest.mark.parametrize(("values", "message"), BAD_NUMBERS)
def test_bad_numbers_are_refused_in_the_config_file(tmp_path, values, message):
    path = write(tmp_path / "c.toml", toml(values))
    with pytest.raises(UsageProblem) as exc:
        load_settings(path)
    assert str(exc.value).startswith(f"config file {path}: ") and "\n" not in str(exc.value)
    assert message in str(exc.value)


@pytest.mark.parametrize(("values", "message"), BAD_NUMBERS)
def test_bad_numbers_are_refused_from_python_and_change_nothing(isolated_aws, values, message):
    write(isolated_aws / "dynamo_magic.toml", "preview_items = 3\n")
    before = get_settings()
    for attempt in (
        lambda: Settings(**values),
        lambda: get_settings().replace(**values),
        lambda: set_settings(get_settings().replace(**values)),
        lambda: override_settings(**values),  # what %config DynamoMagic.x = v does
    ):
        with pytest.raises(UsageProblem) as exc:
            attempt()
        assert message in str(exc.value) and "\n" not in str(exc.value)
        assert get_settings() == before


@pytest.mark.parametrize("values", GOOD_NUMBERS)
def test_numbers_at_the_bounds_are_taken(tmp_path, values):
    assert load_settings(write(tmp_path / "c.toml", toml(values))) == Settings(**values)
    assert Settings().replace(**values) == Settings(**values)
