"""Local DynamoDB servers for the benchmarks: dynalite (in memory) in its own process.

Also: private AWS profiles pointing at the servers (fake keys, never real ones) and table
create/delete helpers that wait for the states dynalite simulates (CREATING/DELETING ~0.5 s).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.exceptions as bx

from dynamo_magic.demo.profiles import OVERRIDING_VARIABLES, write_profiles
from dynamo_magic.demo.servers import free_port

HERE = Path(__file__).resolve().parent
DYNALITE_CLI = HERE / "node_modules" / "dynalite" / "cli.js"
START_TIMEOUT = 20.0  # seconds for dynalite to answer
TABLE_TIMEOUT = 30.0  # seconds for a table to become ACTIVE or disappear
REGION = "us-east-1"
FAKE_KEY = "testing"  # dynalite accepts any key; never a real one


@dataclass
class Dynalite:
    """One dynalite process serving an in-memory DynamoDB on a loopback port."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, log_dir: Path, attempts: int = 3) -> Dynalite:
        """Start dynalite on a free port and wait until it answers (retries a port race)."""
        node = shutil.which("node")
        if node is None or not DYNALITE_CLI.exists():
            raise SystemExit("dynalite missing: run `cd benchmarks && npm install` (needs node)")
        for _ in range(attempts):
            port = free_port()
            log = log_dir / f"dynalite-{port}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [node, str(DYNALITE_CLI), "--host", "127.0.0.1", "--port", str(port)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            server = cls(port, process, log)
            if server._wait_ready():
                return server
            server.stop()
        raise RuntimeError(f"dynalite did not start; see {log}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                self.client().list_tables()
                return True
            except (bx.EndpointConnectionError, bx.ConnectionClosedError):
                time.sleep(0.05)
        return False

    def client(self) -> Any:
        """A plain low-level client of this server (the harness's own independent view)."""
        return boto3.Session(
            aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_KEY, region_name=REGION
        ).client(
            "dynamodb",
            endpoint_url=self.url,
            config=botocore.config.Config(
                retries={"mode": "standard", "total_max_attempts": 3}, max_pool_connections=16
            ),
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- profiles ----------------------------------------------------------------------------------
def use_private_profiles(folder: Path, endpoints: dict[str, str]) -> dict[str, str]:
    """Write an AWS config/credentials pair (profile name -> endpoint_url, fake keys: the
    package's ``write_profiles``) and point this process's environment at it; returns the
    variables (children inherit them)."""
    variables = write_profiles(folder, endpoints)  # DYNAMO_MAGIC_CONFIG absent: defaults only
    for var in OVERRIDING_VARIABLES:  # nothing points the benchmarks at a real account
        os.environ.pop(var, None)
    os.environ.update(variables)
    return variables


# -- tables ------------------------------------------------------------------------------------
def create_table(client: Any, name: str, sort_key_type: str = "S") -> None:
    """A pay-per-request table with keys ``pk`` (S) and ``sk``; returns once it is ACTIVE."""
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": sort_key_type},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    wait_for(lambda: table_status(client, name) == "ACTIVE", f"table {name} ACTIVE")


def delete_table(client: Any, name: str) -> None:
    """Delete ``name`` if it exists and wait until it is gone."""
    if table_status(client, name) is None:
        return
    wait_for(lambda: table_status(client, name) in ("ACTIVE", None), f"table {name} settled")
    try:
        client.delete_table(TableName=name)
    except client.exceptions.ResourceNotFoundException:
        return
    wait_for(lambda: table_status(client, name) is None, f"table {name} deleted")


def recreate_table(client: Any, name: str, sort_key_type: str = "S") -> None:
    delete_table(client, name)
    create_table(client, name, sort_key_type)


def table_status(client: Any, name: str) -> str | None:
    try:
        return client.describe_table(TableName=name)["Table"]["TableStatus"]
    except client.exceptions.ResourceNotFoundException:
        return None


def wait_for(condition: Any, what: str, timeout: float = TABLE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)
