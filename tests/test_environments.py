"""Environment names -> profiles, regions, endpoints, protection; one-line errors, fast."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

import dynamo_magic as dm
from dynamo_magic import environments
from dynamo_magic.environments import Environment, resolve
from dynamo_magic.errors import (
    CredentialsMissing,
    EndpointUnreachable,
    EnvironmentNotFound,
    UsageProblem,
)
from dynamo_magic.settings import set_settings

from conftest import reset_caches, write_profiles
from moto_servers import free_port

FAST = 5.0  # seconds: a failure the user should see at once


def use_profiles(folder: Path, monkeypatch: pytest.MonkeyPatch, **endpoints: str | None) -> None:
    """Replace the test's AWS profiles (``noregion``/``nocreds`` always come too)."""
    for var, value in write_profiles(folder, endpoints).items():
        monkeypatch.setenv(var, value)
    reset_caches()


def configure(folder: Path, text: str) -> None:
    """Write the dynamo_magic config file that DYNAMO_MAGIC_CONFIG points at."""
    (folder / "dynamo_magic.toml").write_text(text)
    set_settings(None)


# -- profiles -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dev", Environment("dev", "dev", "us-east-1", None, False)),
        ("prod", Environment("prod", "prod", "us-east-1", None, True)),
        (None, Environment(None, None, "us-east-1", None, False)),
    ],
)
def test_resolve_profiles(name, expected):
    assert resolve(name) == expected


def test_unknown_profile_lists_known_ones():
    with pytest.raises(EnvironmentNotFound, match="unknown environment 'nope'") as exc:
        resolve("nope")
    message = str(exc.value)
    assert "\n" not in message
    assert "known: default, dev, nocreds, noregion, prod, stage" in message


def test_missing_region():
    with pytest.raises(UsageProblem, match="'noregion' has no region: add region") as exc:
        dm.query("orders", "x", env="noregion")
    assert "\n" not in str(exc.value)


def test_missing_credentials_fail_fast(mock_dynamo):
    started = time.monotonic()
    with pytest.raises(CredentialsMissing, match="no AWS credentials for env 'nocreds'") as exc:
        dm.query("orders", "x", env="nocreds")
    assert time.monotonic() - started < FAST
    assert "\n" not in str(exc.value)


def test_unreachable_endpoint_fails_fast(isolated_aws, monkeypatch):
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    use_profiles(isolated_aws, monkeypatch, default=None, gone=closed)
    assert resolve("gone").endpoint_url == closed
    started = time.monotonic()
    with pytest.raises(EndpointUnreachable, match="cannot reach the DynamoDB endpoint") as exc:
        dm.query("orders", "x", env="gone")
    assert time.monotonic() - started < FAST
    assert closed in str(exc.value) and "\n" not in str(exc.value)


def test_endpoint_from_profile_and_environment_variable(isolated_aws, monkeypatch):
    use_profiles(isolated_aws, monkeypatch, default=None, local="http://127.0.0.1:4566")
    assert resolve("local").endpoint_url == "http://127.0.0.1:4566"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:4567")
    environments.clear_caches()
    assert resolve("default").endpoint_url == "http://127.0.0.1:4567"


def test_role_assumption_through_the_profile(isolated_aws, mock_dynamo):
    config = isolated_aws / "config"
    config.write_text(
        config.read_text()
        + "\n[profile ops]\nregion = eu-west-1\nsource_profile = dev\n"
        + "role_arn = arn:aws:iam::111122223333:role/ops\n"
    )
    reset_caches()
    env = resolve("ops")
    assert (env.profile, env.region) == ("ops", "eu-west-1")
    assert environments.account_id(env) == "111122223333"
    assert environments.account_id(resolve("dev")) == "123456789012"


# -- config file --------------------------------------------------------------------------------
def test_config_file_environments(isolated_aws):
    configure(
        isolated_aws,
        """
default_env = "stage"

[environments.live]
profile = "dev"
region = "eu-west-1"
endpoint_url = "http://127.0.0.1:8000"
protected = true

[environments.prod]
protected = false

[environments.chain]
region = "ap-south-1"
""",
    )
    assert resolve(None) == Environment("stage", "stage", "us-east-1", None, False)
    assert resolve("live") == Environment("live", "dev", "eu-west-1", "http://127.0.0.1:8000", True)
    assert resolve("prod").protected is False  # configured, overrides the name
    assert resolve("chain") == Environment("chain", None, "ap-south-1", None, False)


def test_configured_environment_with_unknown_profile(isolated_aws):
    configure(isolated_aws, '[environments.live]\nprofile = "missing"\n')
    with pytest.raises(EnvironmentNotFound, match=r"unknown environment 'live'.*known: .*live"):
        resolve("live")


def test_unknown_default_env(isolated_aws):
    configure(isolated_aws, 'default_env = "ghost"\n')
    with pytest.raises(EnvironmentNotFound, match="'ghost'"):
        dm.query("orders", "x")


@pytest.mark.parametrize(
    ("name", "protected"),
    [("prod", True), ("prod-eu", True), ("PRODUCTION", True), ("dev", False), ("stage", False)],
)
def test_protected_by_name(isolated_aws, name, protected):
    configure(isolated_aws, f'[environments.{name}]\nprofile = "dev"\n')
    assert resolve(name).protected is protected


# -- no secrets, caching ------------------------------------------------------------------------
def test_describe_never_shows_keys(isolated_aws, mock_dynamo):
    env = resolve("dev")
    secret = "testing"  # the fake key and secret of every test profile
    assert env.describe() == "env 'dev' (profile dev, us-east-1)"
    assert secret not in env.describe() and secret not in repr(env)
    assert {f.name for f in dataclasses.fields(Environment)} == {
        "name",
        "profile",
        "region",
        "endpoint_url",
        "protected",
    }
    local = Environment("x", "x", "eu-west-1", "http://127.0.0.1:1", False)
    assert local.describe() == "env 'x' (profile x, eu-west-1, endpoint http://127.0.0.1:1)"


def test_clients_are_made_once_per_process(mock_dynamo):
    env = resolve("dev")
    first = environments.client(env)
    assert environments.client(env) is first
    assert environments.client(resolve("dev")) is first  # equal environments share clients
    environments.clear_caches()
    assert environments.client(env) is not first
