"""A private AWS config + credentials pair for local servers (never ``~/.aws``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..environments import DEMO_MARKER
from .servers import FAKE_KEY, REGION

# variables of a shell that boto3 prefers to the profiles written here (another profile,
# endpoint, key or region): whoever uses these profiles unsets them
OVERRIDING_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
)
CONFIG_FILE = "config"
CREDENTIALS_FILE = "credentials"
SETTINGS_FILE = "dynamo_magic.toml"  # DYNAMO_MAGIC_CONFIG: absent means defaults only


def write_profiles(
    folder: Path, endpoints: Mapping[str, str | None], demo: bool = False
) -> dict[str, str]:
    """Write ``folder/config`` and ``folder/credentials``: one profile per name (region
    us-east-1, fake keys ``testing``, ``endpoint_url`` when the endpoint is not None; the name
    ``default`` is the default profile). With ``demo``, each profile is marked as the demo's
    (``dynamo_magic_demo = FOLDER``): an unreachable server then says how to start the demo
    again on that folder.

    Returns the environment variables that point boto3 and dynamo_magic at them:
    ``AWS_CONFIG_FILE``, ``AWS_SHARED_CREDENTIALS_FILE``, ``DYNAMO_MAGIC_CONFIG`` (the file
    ``folder/dynamo_magic.toml``, which this does not write) and ``AWS_EC2_METADATA_DISABLED``.
    ``folder`` is created when missing; the two files are readable by their owner only.
    """
    folder.mkdir(parents=True, exist_ok=True)
    config, credentials = [], []
    for name, endpoint in endpoints.items():
        header = "[default]" if name == "default" else f"[profile {name}]"
        lines = [header, f"region = {REGION}"]
        if endpoint:
            lines.append(f"endpoint_url = {endpoint}")
        if demo:
            lines.append(f"{DEMO_MARKER} = {folder}")
        config.append("\n".join(lines) + "\n")
        credentials.append(
            f"[{name}]\naws_access_key_id = {FAKE_KEY}\naws_secret_access_key = {FAKE_KEY}\n"
        )
    _write_private(folder / CONFIG_FILE, "\n".join(config))
    _write_private(folder / CREDENTIALS_FILE, "\n".join(credentials))
    return {
        "AWS_CONFIG_FILE": str(folder / CONFIG_FILE),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / CREDENTIALS_FILE),
        "DYNAMO_MAGIC_CONFIG": str(folder / SETTINGS_FILE),
        # no instance-metadata probe (a 1 s wait per client off EC2) for credentials
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its mode on open
