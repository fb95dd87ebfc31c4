"""Moto servers on loopback, each in its own process: real HTTP endpoints for the tests.

One server is one "account" (moto puts every key in account 123456789012, so two accounts are
two servers on two ports). ``reset()`` empties a server between tests.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3

START_TIMEOUT = 30  # seconds


def endpoint_client(url: str) -> Any:
    """A plain boto3 DynamoDB client of the server at ``url``, with fake keys."""
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class MotoServer:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls) -> MotoServer:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = cls(port, process)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"moto server exited with {process.returncode}")
            try:
                urllib.request.urlopen(f"{server.url}/moto-api/", timeout=1).close()
                return server
            except OSError:
                time.sleep(0.1)
        process.kill()
        raise RuntimeError("moto server did not start")

    def client(self) -> Any:
        """A plain boto3 client of this server (the test's own view, fake keys)."""
        return endpoint_client(self.url)

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
