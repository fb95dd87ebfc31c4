"""Environment names -> resolved environments and their boto3 sessions.

An environment is an AWS profile (region, ``endpoint_url`` and role assumption come from the
profile, as boto3 reads them) optionally refined by the config file. Its clients are made by
``dynamodb.clients``, once per process; copy workers rebuild them from the small, picklable
``Environment``.

Sessions and the list of profiles are rebuilt when the AWS config or credentials file or an
``AWS_*`` variable changes (a ``stat`` per call, see ``watch``), so a long-lived kernel follows
``~/.aws/config`` as a fresh ``boto3.Session`` would; ``generation()`` tells ``dynamodb.clients``
when to forget its clients too.
"""

from __future__ import annotations

import difflib
import functools
import os
import shlex
from dataclasses import dataclass

import boto3
import botocore.config
import botocore.exceptions as bx
import botocore.loaders
import botocore.session

from .errors import (
    EnvironmentNotFound,
    UsageProblem,
    client_errors,
    translate,
)
from .settings import Settings, check_endpoint_url, get_settings
from .watch import Watch

DEMO_PREFIX = "demo-"  # the demo's environments (demo-prod, demo-dev) exist while it runs
# a key the demo writes into its profiles (its folder): `dynamo demo --folder` starts it again
DEMO_MARKER = "dynamo_magic_demo"
PROTECTED_MARKER = "prod"  # environment names containing it need confirmation for writes
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
    # The profile came from AWS_PROFILE/AWS_DEFAULT_PROFILE, not from a name given or configured:
    # its session is built as ``boto3.Session()`` builds it (no explicit profile), so that
    # AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY still count (botocore drops its environment
    # credential provider only for a profile passed explicitly: credentials.py,
    # create_credential_resolver). The name still labels and protects the environment.
    profile_from_variable: bool = False
    # The demo's folder when the profile is the demo's (``DEMO_MARKER``): its servers live only
    # as long as the demo, and an unreachable endpoint says how to start it again.
    demo_folder: str | None = None

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
_generation = [0]  # bumped by clear_caches: see generation()


def follow_changes() -> None:
    """Forget everything made from AWS files or variables that changed since the last call."""
    if _watch.changed():
        clear_caches()


@functools.lru_cache(maxsize=1)
def _known_profiles() -> frozenset[str]:
    return frozenset(botocore.session.Session().available_profiles)


def names(settings: Settings) -> list[str]:
    """Every environment a name can resolve to: the configured ones, then the AWS profiles of
    the config file in use (each once, in that order)."""
    follow_changes()
    return list(dict.fromkeys([*settings.environments, *sorted(_known_profiles())]))


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
    decides its protection; its credentials are found as boto3 finds them (see
    ``Environment.profile_from_variable``). Raises ``EnvironmentNotFound`` for an unknown name,
    ``UsageProblem`` without a region or with an endpoint_url that is not a URL.
    """
    follow_changes()
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
        if configured is not None and configured.profile:  # the config file names it
            profiles = sorted(_known_profiles())
            raise EnvironmentNotFound(
                f"environment '{name}' (config file): profile '{profile}' is not in the AWS "
                f"config (profiles: {', '.join(profiles) or 'none'}); add it to {_aws_files()[0]} "
                f"or change the profile of [environments.{name}]"
            )
        if configured is None:
            known = sorted(_known_profiles() | set(settings.environments))
            close = difflib.get_close_matches(name or "", known, n=1)
            demo_running = any(k.startswith(DEMO_PREFIX) for k in known)
            if name and name.startswith(DEMO_PREFIX) and not demo_running:
                remedy = (  # the demo's, not the user's to configure
                    "it is the demo's: start the demo and use the variables it gives (see "
                    "Getting started in the docs)"
                )
            elif close:  # a typo of a name that exists
                remedy = f"did you mean '{close[0]}'?"
            else:
                remedy = f"add it to {_aws_files()[0]}"
            raise EnvironmentNotFound(
                f"unknown environment '{name}'{via}: no AWS profile or configured environment of "
                f"that name (known: {', '.join(known) or 'none'}); {remedy}"
            )
        profile = None  # a configured environment without a profile uses the default chain
    from_variable = bool(via) and profile == name
    where = f"environment '{name or 'default'}'{via}"
    with client_errors(where):
        session = _session(None if from_variable else profile, os.getpid())
    region = (configured.region if configured else None) or session.region_name
    if not region:
        raise UsageProblem(
            f"environment '{name or 'default'}' has no region: add region = ... to its profile "
            f"in {_aws_files()[0]} or set AWS_DEFAULT_REGION"
        )
    if configured and configured.endpoint_url:
        check_endpoint_url(configured.endpoint_url, f"{where} (config file)")
        endpoint: str | None = configured.endpoint_url
    else:
        endpoint = _profile_endpoint(session, region, where)
    protected = bool(name and PROTECTED_MARKER in name.lower())
    if configured and configured.protected is not None:
        protected = configured.protected
    demo_folder = None if configured and configured.endpoint_url else _demo_folder(session)
    return Environment(name, profile, region, endpoint, protected, from_variable, demo_folder)


def _demo_folder(session: boto3.Session) -> str | None:
    """The folder of the demo whose profile ``session`` uses (its ``DEMO_MARKER``), else None."""
    folder = session._session.get_scoped_config().get(DEMO_MARKER)
    return folder if isinstance(folder, str) and folder else None


def demo_unreachable(env: Environment) -> str:
    """What to say when the demo's server of ``env`` does not answer: the demo stopped (or
    its server died); started again on its folder, it rewrites the profiles there, which
    every process using them follows (see ``watch``)."""
    folder = shlex.quote(env.demo_folder or "FOLDER")
    return (
        f"cannot reach environment '{env.label}': the demo's DynamoDB server at "
        f"{env.endpoint_url} is not running; start the demo again with `dynamo demo --folder "
        f'{folder}` (in a checkout: make demo DEMO_ARGS="--folder {folder}"): '
        f"'{env.label}' then answers again, freshly seeded"
    )


def _profile_endpoint(session: boto3.Session, region: str, where: str) -> str | None:
    """The endpoint_url boto3 would use for DynamoDB (variable, profile or services section),
    checked: one that is not a URL is a ``UsageProblem`` naming where it was set."""
    setting = _endpoint_setting(session)
    if setting is None:
        return None
    source, url = setting
    check_endpoint_url(url, f"{where} ({source})")
    try:
        endpoint: str | None = session.client("dynamodb", region_name=region).meta.endpoint_url
        return endpoint
    except ValueError as exc:  # botocore's own check ("Invalid endpoint: ...")
        raise UsageProblem(
            f"{where} ({source}): endpoint_url {url!r} is refused by botocore ({exc}); "
            "write it as http(s)://host[:port]"
        ) from exc
    except bx.BotoCoreError as exc:  # a services section that is missing, say
        raise translate(exc, where) from exc


def _endpoint_setting(session: boto3.Session) -> tuple[str, str] | None:
    """``(where it is set, value)`` of the endpoint_url botocore uses for DynamoDB, in
    botocore's order (configprovider.ConfiguredEndpointProvider): AWS_ENDPOINT_URL_DYNAMODB,
    AWS_ENDPOINT_URL, the profile's services section, the profile's endpoint_url."""
    core = session._session
    if core.get_config_variable("ignore_configured_endpoint_urls"):
        return None
    config = core.get_scoped_config()  # the profile's section, as botocore reads it
    services = core.full_config.get("services", {}).get(config.get("services") or "", {})
    candidates = (
        ("AWS_ENDPOINT_URL_DYNAMODB", os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")),
        ("AWS_ENDPOINT_URL", os.environ.get("AWS_ENDPOINT_URL")),
        ("the profile's services section", (services.get("dynamodb") or {}).get("endpoint_url")),
        ("the profile", config.get("endpoint_url")),
        ("the profile's dynamodb section", (config.get("dynamodb") or {}).get("endpoint_url")),
    )
    return next(((source, url) for source, url in candidates if url), None)


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


def session_profile(env: Environment) -> str | None:
    """The profile to pass to botocore for ``env``: ``None`` for a profile that AWS_PROFILE/
    AWS_DEFAULT_PROFILE names (botocore then reads the variable itself and keeps the
    AWS_ACCESS_KEY_ID/... credentials, as ``boto3.Session()`` does). A copy worker inherits
    the variables; should they name another profile there, the profile is passed explicitly."""
    if env.profile_from_variable:
        named = _profile_from_variables()
        if named and named[1] == env.profile:
            return None
    return env.profile


def session(env: Environment) -> boto3.Session:
    """The boto3 session of ``env`` in this process (cached; rebuilt when the AWS files or
    variables change): ``dynamodb.clients`` makes its clients from it."""
    follow_changes()
    return _session(session_profile(env), os.getpid())


def generation() -> int:
    """How many times the caches were cleared (after following any change of the AWS files or
    variables): what is made from a session of an older generation is stale."""
    follow_changes()
    return _generation[0]


def clear_caches() -> None:
    """Forget cached sessions, clients, account ids and the list of profiles.

    Done by itself when the AWS files or ``AWS_*`` variables change; ``dynamo_magic.reset()``
    also calls it, for changes no ``stat`` sees (a credential process's new output, say).
    """
    _known_profiles.cache_clear()
    _session.cache_clear()
    _generation[0] += 1  # dynamodb.clients forgets its clients and account ids
