"""Moto servers on loopback, each in its own process: a local DynamoDB per "account".

moto keeps every resource in account 123456789012, so two accounts are two server processes on
two ports. The demo, the tests and the notebooks' checks all start their servers here.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import UsageProblem

HOST = "127.0.0.1"  # loopback only: the demo's servers are never reachable from elsewhere
REGION = "us-east-1"
FAKE_KEY = "testing"  # moto accepts any key; never a real one
START_TIMEOUT = 30.0  # seconds for a server to answer
STOP_TIMEOUT = 10.0  # seconds for a server to exit after SIGTERM (then SIGKILL)
MAX_PORT = 65535


class PortInUse(UsageProblem):
    """The port asked for is taken by another program (nothing was started)."""


def endpoint_client(url: str) -> Any:
    """A plain boto3 DynamoDB client of the server at ``url`` (fake keys, us-east-1)."""
    import boto3

    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=FAKE_KEY,
        aws_secret_access_key=FAKE_KEY,
    )


def free_port() -> int:
    """A loopback TCP port that is free now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def check_port(port: int) -> None:
    """Raise ``PortInUse`` (or ``UsageProblem`` for a number out of range) unless ``port`` is
    free on loopback."""
    if not 1 <= port <= MAX_PORT:
        raise UsageProblem(f"port {port} is not a TCP port: give 1 to {MAX_PORT}")
    with socket.socket() as sock:
        # as the server binds (werkzeug sets SO_REUSEADDR): a closed connection's TIME_WAIT
        # does not count as in use, a listening socket does
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUse(
                    f"port {port} on {HOST} is in use: choose another port, or leave the port "
                    "out to take free ones"
                ) from None
            raise


@dataclass
class MotoServer:
    """One ``python -m moto.server`` process serving DynamoDB at ``url`` (loopback)."""

    port: int
    process: subprocess.Popen[bytes]
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the endpoint_url of a profile using this server."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    @classmethod
    def start(
        cls, port: int | None = None, log: Path | None = None, account: str | None = None
    ) -> MotoServer:
        """Start a server on ``port`` (default: a free one) and return once it answers.

        ``log``: a file for the server's output (default: discarded). ``account``: the 12-digit
        AWS account id the server answers as (moto's ``MOTO_ACCOUNT_ID``; default moto's
        123456789012): two servers with two ids are two accounts, down to their tables' ARNs.
        Raises ``PortInUse`` when the given port is taken, ``RuntimeError`` when moto cannot
        start (not installed: ``pip install 'dynamo_magic[demo]'``).
        """
        attempts = 1 if port is not None else 3  # a free port can be taken before moto binds it
        for _ in range(attempts):
            if port is None:
                chosen = free_port()
            else:
                check_port(port)
                chosen = port
            server = cls._launch(chosen, log, account)
            try:
                ready = server._wait_ready()
            except BaseException:  # Ctrl-C while it starts: no server is left behind
                server.stop()
                raise
            if ready:
                return server
            server.stop()
            if port is not None:
                check_port(port)  # taken meanwhile: say so
        raise RuntimeError(
            "moto server did not start (is moto installed? pip install 'dynamo_magic[demo]')"
            + (f"; see {log}" if log else "")
        )

    @classmethod
    def _launch(cls, port: int, log: Path | None, account: str | None) -> MotoServer:
        out: IO[bytes] | int = subprocess.DEVNULL
        env = dict(os.environ)
        if account is not None:
            env["MOTO_ACCOUNT_ID"] = account
        with contextlib.ExitStack() as stack:
            if log is not None:
                out = stack.enter_context(log.open("ab"))
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
                # its own process group: a terminal's Ctrl-C reaches the demo, which stops it
                start_new_session=True,
                env=env,
            )
        return cls(port, process)

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if self.answers():
                return True
            time.sleep(0.1)
        return False

    def answers(self) -> bool:
        """Whether the server answers HTTP now."""
        try:
            urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
        except OSError:
            return False
        return True

    def client(self) -> Any:
        """A plain boto3 DynamoDB client of this server (fake keys)."""
        return endpoint_client(self.url)

    def reset(self) -> None:
        """Empty the server (every table and backup), as if freshly started."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after ``STOP_TIMEOUT``) and reap it."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
