"""Environment names -> profiles, regions, endpoints, protection; one-line errors, fast."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

import boto3
import botocore.utils
import pytest

import dynamo_magic as dm
from dynamo_magic import environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.environments import Environment, resolve
from dynamo_magic.errors import (
    CredentialsMissing,
    EndpointUnreachable,
    EnvironmentNotFound,
    UsageProblem,
)
from dynamo_magic.settings import EnvironmentConfig, Settings, set_settings

from conftest import reset_caches, write_profiles
from moto_servers import free_port
from tables import create_events


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
    assert message.endswith("add it to " + os.environ["AWS_CONFIG_FILE"])


def test_a_demo_environment_outside_the_demo_points_to_the_demo_not_the_aws_config():
    with pytest.raises(EnvironmentNotFound) as exc:
        resolve("demo-prod")
    assert str(exc.value).endswith(
        "it is the demo's: start the demo and use the variables it gives (see the README's "
        "'Start here')"
    )


def test_missing_region():
    with pytest.raises(UsageProblem, match="'noregion' has no region: add region") as exc:
        dm.query("orders", "x", env="noregion")
    assert "\n" not in str(exc.value)


def test_missing_credentials_fail_fast(mock_dynamo, monkeypatch):
    """Refused at once: no credentials looked up over the network (the instance metadata or a
    container's endpoint take seconds to time out off AWS)."""
    lookups: list[str] = []

    def looked_up(where: str) -> Any:
        def record(*_: Any, **__: Any) -> Any:
            lookups.append(where)
            raise AssertionError(f"credentials looked up from {where}")

        return record

    monkeypatch.setattr(botocore.utils.IMDSFetcher, "_get_request", looked_up("IMDS"))
    monkeypatch.setattr(
        botocore.utils.ContainerMetadataFetcher, "_get_response", looked_up("container")
    )
    with pytest.raises(CredentialsMissing, match="no AWS credentials for env 'nocreds'") as exc:
        dm.query("orders", "x", env="nocreds")
    assert lookups == []
    assert "\n" not in str(exc.value)


def test_unreachable_endpoint_fails_fast(isolated_aws, monkeypatch):
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    use_profiles(isolated_aws, monkeypatch, default=None, gone=closed)
    assert resolve("gone").endpoint_url == closed
    client = clients.client(resolve("gone"))  # the cached client the query uses
    calls: list[str] = []
    attempts: list[str] = []
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    client.meta.events.register("before-send.dynamodb", lambda request, **_: attempts.append(""))
    with pytest.raises(EndpointUnreachable, match="cannot reach the DynamoDB endpoint") as exc:
        dm.query("orders", "x", env="gone")
    # fast: one call, botocore's own quick attempts only, no retries with backoff on top
    assert len(calls) == 1
    assert 1 <= len(attempts) <= client.meta.config.retries["total_max_attempts"]
    assert closed in str(exc.value) and "\n" not in str(exc.value)


def test_endpoint_from_profile_and_environment_variable(isolated_aws, monkeypatch):
    use_profiles(isolated_aws, monkeypatch, default=None, local="http://127.0.0.1:4566")
    assert resolve("local").endpoint_url == "http://127.0.0.1:4566"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:4567")
    environments.clear_caches()
    assert resolve("default").endpoint_url == "http://127.0.0.1:4567"


NOT_A_URL = "is not a URL; write it as http(s)://host[:port]"


def add_to_aws_config(folder: Path, text: str) -> None:
    """Append sections to the test's ~/.aws/config (followed: no cache to clear)."""
    config = folder / "config"
    config.write_text(config.read_text() + "\n" + text + "\n")


@pytest.mark.parametrize(
    ("setting", "url", "source"),
    [
        ("profile", "not a url", "(the profile)"),
        ("profile", "127.0.0.1:5701", "(the profile)"),  # no scheme
        ("profile", "localhost:5701", "(the profile)"),  # parsed as scheme "localhost"
        ("profile", "http://", "(the profile)"),  # no host
        ("profile", "http://127.0.0.1:99999", "(the profile)"),  # no such port
        ("profile", "ftp://127.0.0.1:21", "(the profile)"),  # botocore speaks http(s) only
        ("services", "not a url", "(the profile's services section)"),
        ("AWS_ENDPOINT_URL", "127.0.0.1:5701", "(AWS_ENDPOINT_URL)"),
        ("AWS_ENDPOINT_URL_DYNAMODB", "not a url", "(AWS_ENDPOINT_URL_DYNAMODB)"),
    ],
)
def test_malformed_endpoint_is_one_line_naming_where_it_is_set(
    isolated_aws, monkeypatch, setting, url, source
):
    if setting == "profile":
        add_to_aws_config(isolated_aws, f"[profile x]\nregion = us-east-1\nendpoint_url = {url}")
    elif setting == "services":
        add_to_aws_config(
            isolated_aws,
            "[profile x]\nregion = us-east-1\nservices = local\n\n"
            f"[services local]\ndynamodb =\n  endpoint_url = {url}",
        )
    else:
        add_to_aws_config(isolated_aws, "[profile x]\nregion = us-east-1")
        monkeypatch.setenv(setting, url)
    for call in (lambda: resolve("x"), lambda: dm.query("orders", "c1", env="x")):
        with pytest.raises(UsageProblem) as exc:
            call()
        assert str(exc.value) == f"environment 'x' {source}: endpoint_url {url!r} {NOT_A_URL}"


def test_malformed_endpoint_in_the_config_file_or_given_settings(isolated_aws, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")  # good: not the one used
    configure(isolated_aws, '[environments.x]\nprofile = "dev"\nendpoint_url = "127.0.0.1:5701"\n')
    with pytest.raises(
        UsageProblem, match=re.escape("environment 'x': endpoint_url '127.0.0.1:5701' is not a URL")
    ):
        dm.query("orders", "c1", env="dev")  # the file is refused whichever env is used
    set_settings(Settings(environments={"x": EnvironmentConfig("dev", None, "nope")}))
    with pytest.raises(UsageProblem, match="environment 'x' \\(config file\\): endpoint_url 'no"):
        resolve("x")


def test_remaining_botocore_value_errors_at_client_creation_are_one_line(isolated_aws):
    """An Environment made by hand skips ``resolve``'s checks; botocore's ValueErrors (a bad
    endpoint, a region it refuses) become one-line UsageProblems all the same."""
    for env, message in (
        (Environment("h", "dev", "us-east-1", "not a url", False), NOT_A_URL),
        (Environment("h", "dev", "no region!", None, False), "cannot make a dynamodb client"),
    ):
        with pytest.raises(UsageProblem, match=re.escape(message)) as exc:
            clients.client(env)
        assert "\n" not in str(exc.value) and str(exc.value).startswith("env 'h' (profile dev")


# -- credentials: as boto3 finds them -----------------------------------------------------------
SECRET = "TOPSECRET-never-shown"


def test_profile_from_aws_profile_keeps_keys_from_the_environment(
    isolated_aws, mock_dynamo, monkeypatch
):
    """``AWS_PROFILE=nocreds`` with keys in AWS_ACCESS_KEY_ID/...: boto3.Session() uses the keys
    (botocore drops its environment provider only for a profile passed explicitly)."""
    add_to_aws_config(isolated_aws, "[profile prod-keyless]\nregion = us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    for profile, protected in (("nocreds", False), ("prod-keyless", True)):
        monkeypatch.setenv("AWS_PROFILE", profile)
        assert boto3.Session().get_credentials() is not None  # the reference behaviour
        env = resolve(None)
        assert (env.name, env.profile, env.protected) == (profile, profile, protected)
        assert env.profile_from_variable
        client = clients.client(env)
        assert client.list_tables()["TableNames"] == []
        assert SECRET not in env.describe() and SECRET not in repr(env)
    monkeypatch.setenv("AWS_PROFILE", "nocreds")
    create_events(boto3.client("dynamodb", region_name="us-east-1"), "events")
    assert dm.count("events") == 0


def test_explicit_profile_without_keys_advises_the_profile(isolated_aws, mock_dynamo, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    assert boto3.Session(profile_name="nocreds").get_credentials() is None  # botocore's rule
    monkeypatch.setenv("AWS_PROFILE", "dev")  # a variable does not make a name given implicit
    with pytest.raises(CredentialsMissing) as exc:
        dm.query("orders", "x", env="nocreds")
    message = str(exc.value)
    assert "aws configure --profile nocreds" in message
    assert "not used for a profile named explicitly" in message
    assert "or set AWS_ACCESS_KEY_ID" not in message and SECRET not in message


def test_profile_from_aws_profile_without_any_keys(isolated_aws, monkeypatch):
    # no mock_dynamo: moto sets AWS_ACCESS_KEY_ID/... itself
    monkeypatch.setenv("AWS_PROFILE", "nocreds")
    with pytest.raises(CredentialsMissing) as exc:
        dm.query("orders", "x")
    message = str(exc.value)
    assert message.startswith("no AWS credentials for env 'nocreds' (profile nocreds")
    assert "(aws configure --profile nocreds) or set AWS_ACCESS_KEY_ID" in message


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
    assert clients.account_id(env) == "111122223333"
    assert clients.account_id(resolve("dev")) == "123456789012"


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


@pytest.mark.parametrize("name", ["live", "dev"])  # a new name, or one that is also a profile
def test_configured_environment_with_unknown_profile(isolated_aws, name):
    """The environment is known (the config file has it): the fault is its profile."""
    configure(isolated_aws, f'[environments.{name}]\nprofile = "missing"\n')
    with pytest.raises(EnvironmentNotFound) as exc:
        resolve(name)
    message = str(exc.value)
    assert message.startswith(
        f"environment '{name}' (config file): profile 'missing' is not in the AWS config"
    )
    assert "unknown environment" not in message and "\n" not in message
    assert "dev" in message and f"[environments.{name}]" in message  # the profiles there; fix


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
        "profile_from_variable",  # a flag: where the profile name came from, no credential
        "demo_folder",  # the demo's folder (a path) for the demo's own profiles
    }
    local = Environment("x", "x", "eu-west-1", "http://127.0.0.1:1", False)
    assert local.describe() == "env 'x' (profile x, eu-west-1, endpoint http://127.0.0.1:1)"


def test_clients_are_made_once_per_process(mock_dynamo):
    env = resolve("dev")
    first = clients.client(env)
    assert clients.client(env) is first
    assert clients.client(resolve("dev")) is first  # equal environments share clients
    environments.clear_caches()
    assert clients.client(env) is not first
