"""Environment names -> boto3 sessions and clients.

An environment is an AWS profile (region, ``endpoint_url`` and role assumption come from the
profile, as boto3 reads them) optionally refined by the config file. Clients are made once per
process and reused; copy workers rebuild them from the small, picklable ``Environment``.

Sessions, clients, account ids and the list of profiles are rebuilt when the AWS config or
credentials file or an ``AWS_*`` variable changes (a ``stat`` per call, see ``watch``), so a
long-lived kernel follows ``~/.aws/config`` as a fresh ``boto3.Session`` would.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config
import botocore.exceptions as bx
import botocore.loaders
import botocore.session

from . import wire
from .errors import CredentialsMissing, EnvironmentNotFound, UsageProblem, translate
from .settings import Settings, get_settings
from .watch import Watch

PROTECTED_MARKER = "prod"  # environment names containing it need confirmation for writes
CONNECT_TIMEOUT = 5  # seconds: an unreachable endpoint fails fast
READ_TIMEOUT = 60  # seconds
HTTP_ATTEMPTS = 4  # botocore's own attempts per call (standard mode)
# The variables naming the profile when none is given, in botocore's order of precedence
# (botocore.configprovider: AWS_DEFAULT_PROFILE, then AWS_PROFILE).
PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")


@dataclass(frozen=True)
class Environment:
    """A resolved environment: enough to build clients in any process (no credentials)."""

    name: str | None  # None: the default AWS profile/chain
    profile: str | None
    region: str
    endpoint_url: str | None
    protected: bool

    @property
    def label(self) -> str:
        return self.name or "default"

    def describe(self) -> str:
        """Profile, region and endpoint: never keys."""
        where = f", endpoint {self.endpoint_url}" if self.endpoint_url else ""
        return f"env '{self.label}' (profile {self.profile or 'default'}, {self.region}{where})"


def _aws_files() -> list[str]:
    """The AWS config and credentials files botocore reads (variables, else the defaults)."""
    return [
        os.path.expanduser(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"),
        os.path.expanduser(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"),
    ]


_watch = Watch(_aws_files, prefixes=("AWS_",))


def _follow_changes() -> None:
    """Forget everything made from AWS files or variables that changed since the last call."""
    if _watch.changed():
        clear_caches()


@functools.lru_cache(maxsize=1)
def _known_profiles() -> frozenset[str]:
    return frozenset(botocore.session.Session().available_profiles)


def _profile_from_variables() -> tuple[str, str] | None:
    """``(variable, profile)`` when AWS_DEFAULT_PROFILE / AWS_PROFILE names the profile used."""
    for variable in PROFILE_VARIABLES:
        if os.environ.get(variable):
            return variable, os.environ[variable]
    return None


def resolve(name: str | None = None, settings: Settings | None = None) -> Environment:
    """Resolve an environment name (``None``: the configured ``default_env``, else the profile
    that ``AWS_PROFILE``/``AWS_DEFAULT_PROFILE`` names, else the default profile).

    A profile named by a variable is treated as if named: its name labels the environment and
    decides its protection. Raises ``EnvironmentNotFound`` for an unknown name and
    ``UsageProblem`` without a region.
    """
    _follow_changes()
    settings = settings or get_settings()
    name = name or settings.default_env
    via = ""
    named = None if name else _profile_from_variables()
    if named and named[1] != "default":  # "default" is the default chain, as without a variable
        variable, name = named
        via = f" (from {variable})"
    configured = settings.environments.get(name) if name else None
    if via and configured and configured.profile not in (None, name):
        configured = None  # the variable names a profile; an environment mapping it elsewhere
    profile = (configured.profile if configured and configured.profile else name) or None
    if profile is not None and profile not in _known_profiles():
        if configured is None or configured.profile:
            known = sorted(_known_profiles() | set(settings.environments))
            raise EnvironmentNotFound(
                f"unknown environment '{name}'{via}: no AWS profile or configured environment of "
                f"that name (known: {', '.join(known) or 'none'}); add it to ~/.aws/config"
            )
        profile = None  # a configured environment without a profile uses the default chain
    try:
        session = _session(profile, os.getpid())
    except bx.BotoCoreError as exc:
        raise translate(exc, f"environment '{name}'") from exc
    region = (configured.region if configured else None) or session.region_name
    if not region:
        raise UsageProblem(
            f"environment '{name or 'default'}' has no region: add region = ... to its profile "
            "in ~/.aws/config or set AWS_DEFAULT_REGION"
        )
    endpoint = (configured.endpoint_url if configured else None) or _profile_endpoint(
        session, region
    )
    protected = bool(name and PROTECTED_MARKER in name.lower())
    if configured and configured.protected is not None:
        protected = configured.protected
    return Environment(name, profile, region, endpoint, protected)


def _profile_endpoint(session: boto3.Session, region: str) -> str | None:
    """The endpoint_url boto3 would use for DynamoDB (profile, service section or env var)."""
    if not _has_custom_endpoint(session):
        return None
    return session.client("dynamodb", region_name=region).meta.endpoint_url


def _has_custom_endpoint(session: boto3.Session) -> bool:
    config = session._session.get_scoped_config()  # the profile's section, as botocore reads it
    return bool(
        config.get("endpoint_url")
        or (config.get("dynamodb") or {}).get("endpoint_url")
        or os.environ.get("AWS_ENDPOINT_URL")
        or os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    )


@functools.lru_cache(maxsize=64)
def _session(profile: str | None, pid: int) -> boto3.Session:
    """One session per profile and process (``pid`` keys the cache; forked children rebuild).

    Sessions share one botocore data loader: each new loader parses AWS's endpoint and service
    JSON again (~0.1 s), which every environment (and every ``clear_caches``) would repeat.
    """
    core = botocore.session.Session(profile=profile)
    loader = _data_loader(core.get_config_variable("data_path"), pid)
    core.register_component("data_loader", loader)
    sess = boto3.Session(botocore_session=core)
    # boto3 appends its own data folder to the loader's search path on every session
    loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return sess


@functools.lru_cache(maxsize=4)
def _data_loader(data_path: str | None, pid: int) -> botocore.loaders.Loader:
    """AWS's static model data (endpoints, service shapes): loaded once per process."""
    return botocore.loaders.create_loader(data_path)


def session(env: Environment) -> boto3.Session:
    """The boto3 session of ``env`` in this process (cached while the AWS files are unchanged)."""
    _follow_changes()
    return _session(env.profile, os.getpid())


def client_config(**retries: Any) -> botocore.config.Config:
    return botocore.config.Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries=retries or {"mode": "standard", "total_max_attempts": HTTP_ATTEMPTS},
        max_pool_connections=32,
    )


@functools.lru_cache(maxsize=64)
def _client(env: Environment, service: str, pid: int, attempts: int) -> Any:
    sess = _session(env.profile, pid)
    if sess.get_credentials() is None:
        raise CredentialsMissing(
            f"no AWS credentials for {env.describe()}: configure the profile "
            "(aws configure --profile NAME) or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
    made = sess.client(
        service,
        region_name=env.region,
        endpoint_url=env.endpoint_url,
        config=client_config(mode="standard", total_max_attempts=attempts),
    )
    return wire.install(made) if service == "dynamodb" else made


def client(env: Environment, service: str = "dynamodb", attempts: int = HTTP_ATTEMPTS) -> Any:
    """A low-level client for ``env``, made once per process and reused (thread-safe).

    Query/Scan items arrive as DynamoDB JSON in wire form (binaries as base64 text), and batch
    calls go through ``wire.call``: see ``wire``. Rebuilt when the AWS files or variables change.
    """
    _follow_changes()
    return _client(env, service, os.getpid(), attempts)


@functools.lru_cache(maxsize=64)
def _account_id(env: Environment) -> str | None:
    try:
        return client(env, "sts").get_caller_identity()["Account"]
    except (bx.BotoCoreError, bx.ClientError):
        return None


def account_id(env: Environment) -> str | None:
    """The AWS account id behind ``env`` via STS, or ``None`` where STS is unavailable."""
    _follow_changes()
    return _account_id(env)


def clear_caches() -> None:
    """Forget cached sessions, clients, account ids and the list of profiles.

    Done by itself when the AWS files or ``AWS_*`` variables change; ``dynamo_magic.reset()``
    also calls it, for changes no ``stat`` sees (a credential process's new output, say).
    """
    _known_profiles.cache_clear()
    _session.cache_clear()
    _client.cache_clear()
    _account_id.cache_clear()
