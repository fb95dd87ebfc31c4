"""Clients of an environment: DynamoDB's with the wire hooks (``wire.install``), STS's for the
account id, S3's for exports (``s3_client``: path-style addressing at a custom endpoint). Made
once per process and reused (thread-safe), forgotten when
``environments.clear_caches`` runs (by itself when the AWS files or variables change)."""

from __future__ import annotations

import functools
import os
from typing import Any

import botocore.config
import botocore.exceptions as bx

from .. import environments
from ..environments import Environment
from ..errors import CredentialsMissing, UsageProblem, explain_unreachable
from ..settings import MAX_POOL_CONNECTIONS, check_endpoint_url
from . import wire

CONNECT_TIMEOUT = 5  # seconds: an unreachable endpoint fails fast
READ_TIMEOUT = 60  # seconds
HTTP_ATTEMPTS = 4  # botocore's own attempts per call (standard mode)


def client_config(**retries: Any) -> botocore.config.Config:
    """Timeouts, botocore's retries (``standard`` mode, ``HTTP_ATTEMPTS`` attempts unless
    ``retries`` says otherwise) and a connection pool as large as the parallel reads need."""
    return botocore.config.Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries=retries or {"mode": "standard", "total_max_attempts": HTTP_ATTEMPTS},
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )


# S3 at a custom endpoint (moto, MinIO, LocalStack) names buckets in the path: a bucket as a
# host name (``bucket.127.0.0.1``) resolves nowhere; at AWS, botocore's own choice (virtual)
S3_CUSTOM_ENDPOINT = botocore.config.Config(s3={"addressing_style": "path"})


def _explain_demo_unreachable(
    env: Environment, exception: BaseException | None = None, **_: Any
) -> None:
    """botocore's ``after-call-error`` hook of a demo environment's clients."""
    if isinstance(exception, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        explain_unreachable(exception, environments.demo_unreachable(env))


@functools.lru_cache(maxsize=64)
def _client(env: Environment, service: str, pid: int, attempts: int, generation: int) -> Any:
    sess = environments.session(env)
    if sess.get_credentials() is None:
        explicit = environments.session_profile(env) is not None
        raise CredentialsMissing(_no_credentials(env, explicit))
    if env.endpoint_url:
        check_endpoint_url(env.endpoint_url, env.describe())
    try:
        made = sess.client(
            service,
            region_name=env.region,
            endpoint_url=env.endpoint_url,
            config=_config(env, service, attempts),
        )
    except ValueError as exc:  # botocore refuses an endpoint or region it cannot use
        raise UsageProblem(
            f"{env.describe()}: cannot make a {service} client ({exc}); check its endpoint_url "
            "(http(s)://host[:port]) and region"
        ) from exc
    if env.demo_folder is not None:
        made.meta.events.register(
            "after-call-error", functools.partial(_explain_demo_unreachable, env)
        )
    return wire.install(made) if service == "dynamodb" else made


def _config(env: Environment, service: str, attempts: int) -> botocore.config.Config:
    config = client_config(mode="standard", total_max_attempts=attempts)
    if service == "s3" and env.endpoint_url:
        config = config.merge(S3_CUSTOM_ENDPOINT)
    return config


def _no_credentials(env: Environment, explicit: bool) -> str:
    """What to do when ``env`` has no credentials. For a profile passed to botocore explicitly,
    AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not consulted, so only the profile can help."""
    start = f"no AWS credentials for {env.describe()}"
    if explicit:
        return (
            f"{start}: add them to profile '{env.profile}' (aws configure --profile "
            f"{env.profile}); AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not used for a "
            "profile named explicitly"
        )
    configure = f"aws configure --profile {env.profile}" if env.profile else "aws configure"
    return f"{start}: configure them ({configure}) or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"


_made_in = [0]  # the environments' generation the cached clients were made in


def _current() -> int:
    """The environments' generation, after forgetting the clients and account ids of an older
    one (the AWS files or variables changed, or ``environments.clear_caches`` ran)."""
    generation = environments.generation()
    if generation != _made_in[0]:
        _made_in[0] = generation
        _client.cache_clear()
        _account_id.cache_clear()
    return generation


def client(env: Environment, service: str = "dynamodb", attempts: int = HTTP_ATTEMPTS) -> Any:
    """A low-level client for ``env``, made once per process and reused (thread-safe).

    Query/Scan items arrive as DynamoDB JSON in wire form (binaries as base64 text), and batch
    calls go through ``wire.call``: see ``wire``. Rebuilt when the AWS files or variables change.
    Raises ``CredentialsMissing`` without credentials, ``UsageProblem`` for an endpoint or
    region botocore refuses.
    """
    return _client(env, service, os.getpid(), attempts, _current())


def s3_client(env: Environment) -> Any:
    """An S3 client for ``env`` (an export's bucket), made once per process like ``client``'s:
    its credentials, region and endpoint (path-style bucket names at a custom endpoint).
    Raises ``CredentialsMissing`` without credentials, ``UsageProblem`` for an endpoint or
    region botocore refuses."""
    return client(env, "s3")


@functools.lru_cache(maxsize=64)
def _account_id(env: Environment, generation: int) -> str | None:
    try:
        account: str | None = client(env, "sts").get_caller_identity()["Account"]
        return account
    except (bx.BotoCoreError, bx.ClientError):
        return None


def account_id(env: Environment) -> str | None:
    """The AWS account id behind ``env`` via STS, or ``None`` where STS is unavailable."""
    return _account_id(env, _current())
