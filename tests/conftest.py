"""Shared fixtures and helpers: a private AWS config per test, in-process moto, moto servers on
loopback, the IPython shell, and the ``dynamo`` command as a process or in this process.

Profiles (all fake credentials, never real ones):
- ``dev``/``stage``: in-process moto (``mock_dynamo``) or, with ``servers``, server A;
- ``acct-a``/``acct-b``/``prod-b``: with ``servers``, servers A and B (two "accounts");
- ``noregion``: no region; ``nocreds``: no credentials.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import psutil
import pytest
from IPython.core.interactiveshell import InteractiveShell
from moto import mock_aws

from dynamo_magic import cli, environments
from dynamo_magic.demo.data import ShopData
from dynamo_magic.demo.profiles import OVERRIDING_VARIABLES
from dynamo_magic.demo.profiles import write_profiles as demo_profiles
from dynamo_magic.notebook.magics import DynamoMagic
from dynamo_magic.settings import set_settings

from moto_servers import MotoServer
from tables import ORDER_KEY, keyed, scan_all

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
    # copies save checkpoint files under the user's cache folder: the test's own
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
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


# -- names shared by the test modules -------------------------------------------------------------
A, B = "acct-a", "acct-b"  # the two "accounts" of ``servers``: profiles on server A and server B
CLI_TIMEOUT = 120  # seconds a ``dynamo`` process may take before the test fails


def table_items(profile: str, table: str, key: tuple[str, ...] = ORDER_KEY) -> dict[str, dict]:
    """Every item of ``table`` as the profile's server holds it, by key (its own view)."""
    return keyed(scan_all(client_for(profile), table), key)


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


# -- IPython ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def shell() -> InteractiveShell:
    """The one IPython shell of the session (a second instance raises MultipleInstanceError),
    with the extension loaded."""
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "dynamo_magic")
    return ip


def reset_magic(shell: InteractiveShell) -> DynamoMagic:
    """The registered DynamoMagic with its traits back at their defaults, settings reloaded."""
    instance = shell.magics_manager.registry["DynamoMagic"]
    with instance.hold_trait_notifications():  # checked together: the traits are the settings
        for name in instance.trait_names(config=True):
            instance.set_trait(name, instance.trait_defaults(name))
    reset_caches()
    return instance


# -- the dynamo command ---------------------------------------------------------------------------
def dynamo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``dynamo ARGS`` as a real process, with this test's AWS variables and ``env`` on top."""
    return subprocess.run(
        [sys.executable, "-m", "dynamo_magic.cli", *args],
        capture_output=True,
        text=True,
        env={**subprocess_env(), **(env or {})},
        timeout=CLI_TIMEOUT,
    )


def dynamo_many(
    commands: dict[Any, list[str]], env: dict[str, str] | None = None, parallel: int = 4
) -> dict[Any, subprocess.CompletedProcess[str]]:
    """Several ``dynamo`` processes at once (``parallel`` at a time); results by the caller's
    names."""
    with ThreadPoolExecutor(min(parallel, len(commands))) as pool:
        futures = {name: pool.submit(dynamo, *argv, env=env) for name, argv in commands.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture
def in_process(
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cli.main`` in this process (this test's AWS variables), as a CompletedProcess: for
    argument and refusal cases, which need no process of their own."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["dynamo", *args], code, out, err)

    return run


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The standard output of a ``dynamo`` run that succeeded, without a traceback."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def one_error_line(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The one ``Error: ...`` line of a refused ``dynamo`` run (exit ``code``, no stdout)."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.fixture
def demo_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ShopData]:
    """The demo as ``make demo`` starts it (two servers, the profiles demo-prod and demo-dev,
    its settings, table ``shop`` seeded in both), its variables set in this process, for the
    docs' examples; returns what it seeded (``data.build()``)."""
    from dynamo_magic.demo import data, start_demo  # the demo's servers: imported when used

    with start_demo(tmp_path / "demo") as running:
        for var, value in running.variables.items():
            monkeypatch.setenv(var, value)
        reset_caches()
        yield data.build()
    reset_caches()
