"""Shared fixtures: a private AWS config per test, in-process moto, moto servers on loopback.

Profiles (all fake credentials, never real ones):
- ``dev``/``stage``: in-process moto (``mock_dynamo``) or, with ``servers``, server A;
- ``acct-a``/``acct-b``/``prod-b``: with ``servers``, servers A and B (two "accounts");
- ``noregion``: no region; ``nocreds``: no credentials.
"""

from __future__ import annotations

import os
import subprocess
import sysconfig
import venv
from collections.abc import Iterator
from pathlib import Path

import boto3
import psutil
import pytest
from moto import mock_aws

from dynamo_magic import environments
from dynamo_magic.demo.profiles import OVERRIDING_VARIABLES
from dynamo_magic.demo.profiles import write_profiles as demo_profiles
from dynamo_magic.settings import set_settings

from moto_servers import MotoServer

FAKE_KEYS = "aws_access_key_id = testing\naws_secret_access_key = testing\n"


def write_profiles(folder: Path, endpoints: dict[str, str | None]) -> dict[str, str]:
    """The package's AWS config/credentials pair (``dynamo_magic.demo.profiles``) plus the
    profiles ``noregion`` (keys, no region) and ``nocreds`` (region, no keys); returns the
    environment variables pointing at it (its ``DYNAMO_MAGIC_CONFIG`` file is not written)."""
    variables = demo_profiles(folder, endpoints)
    with open(variables["AWS_CONFIG_FILE"], "a") as config:
        config.write("\n[profile noregion]\n\n[profile nocreds]\nregion = us-east-1\n")
    with open(variables["AWS_SHARED_CREDENTIALS_FILE"], "a") as credentials:
        credentials.write(f"\n[noregion]\n{FAKE_KEYS}")
    return variables


def reset_caches() -> None:
    set_settings(None)
    environments.clear_caches()


@pytest.fixture(autouse=True)
def isolated_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own AWS config (no real profile or key can leak in)."""
    for var in OVERRIDING_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    aws = tmp_path / "aws"
    aws.mkdir()
    for var, value in write_profiles(
        aws, {"default": None, "dev": None, "stage": None, "prod": None}
    ).items():
        monkeypatch.setenv(var, value)
    reset_caches()
    yield aws
    reset_caches()


@pytest.fixture
def mock_dynamo() -> Iterator[None]:
    """In-process moto for the whole test (fastest; not visible to other processes)."""
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def moto_pair() -> Iterator[tuple[MotoServer, MotoServer]]:
    """Two moto servers (two "accounts"), started once per session."""
    a, b = MotoServer.start(), MotoServer.start()
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
def servers(
    moto_pair: tuple[MotoServer, MotoServer], isolated_aws: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MotoServer, MotoServer]]:
    """Both servers emptied, with profiles: dev/acct-a -> A, acct-b/prod-b -> B."""
    a, b = moto_pair
    a.reset()
    b.reset()
    use_profiles(server_profiles(a, b), isolated_aws, monkeypatch)
    yield a, b


def server_profiles(a: MotoServer, b: MotoServer) -> dict[str, str | None]:
    """The servers' profiles: default/dev/acct-a -> A, acct-b/prod-b -> B."""
    return {"default": a.url, "dev": a.url, "acct-a": a.url, "acct-b": b.url, "prod-b": b.url}


def use_profiles(
    endpoints: dict[str, str | None], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Write these profiles and point this process's AWS variables at them (caches reset)."""
    for var, value in write_profiles(folder, endpoints).items():
        monkeypatch.setenv(var, value)
    reset_caches()


def client_for(profile: str = "dev") -> object:
    """A plain boto3 client, as a test's own independent view of a server."""
    return boto3.Session(profile_name=profile).client("dynamodb")


def scratch_venv(folder: Path) -> Path:
    """A fresh virtual environment (its python is returned) whose imports fall back to this
    one's packages (a .pth line): installing the package there (``make demo``, Binder's
    postBuild) finds every requirement already present and downloads only build tools."""
    venv.EnvBuilder(with_pip=True).create(folder)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "zz_test_packages.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


def subprocess_env() -> dict[str, str]:
    """The current environment (AWS config variables included) for a child process."""
    return dict(os.environ)


def loky_workers() -> set[int]:
    """This process's loky worker processes (not its resource trackers)."""
    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if "--process-name" in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found
