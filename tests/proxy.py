"""An HTTP proxy in front of a moto server: faults and delays that reach every process.

botocore hooks (``fault_injection``) act in the test's own process only; a proxy is a real
endpoint, so a CLI process, a kernel or a loky worker meets the same faults. Point a profile at
``proxy.url`` instead of the server's.

A ``Rule`` sees each call (operation from ``X-Amz-Target``, body as JSON) and answers with an
``Action``: forward (``None``), forward after a delay, answer with an error itself, or hold back
part of a BatchWriteItem and return it as ``UnprocessedItems`` (what DynamoDB does when a
partition is throttled). Every call is recorded (``proxy.calls``), with the time it reached the
proxy and the time its answer left.

>>> with FaultProxy(server.url, rule) as proxy:  # doctest: +SKIP
...     use_profiles({"dev": proxy.url}, folder, monkeypatch)
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

THROTTLED = "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"


@dataclass
class Call:
    """One request that reached the proxy."""

    op: str  # DynamoDB operation (``BatchWriteItem``), "" when the call named none
    body: dict[str, Any]
    arrived: float  # time.monotonic()
    answered: float | None = None  # when the answer left (None while in flight)
    status: int | None = None
    held: int = 0  # items of a BatchWriteItem returned as UnprocessedItems
    forwarded: float | None = None  # when the server's answer came back (None: not forwarded)


@dataclass
class Forward:
    """Forward the call, after ``delay`` seconds."""

    delay: float = 0.0


@dataclass
class Answer:
    """Answer the call without forwarding it (an error DynamoDB could send)."""

    status: int
    body: dict[str, Any]

    @classmethod
    def throttled(cls) -> Answer:
        return cls(400, {"__type": THROTTLED, "message": "Rate of requests exceeds the allowed"})


@dataclass
class HoldBack:
    """Forward a BatchWriteItem without the write requests ``hold(table, request)`` picks, and
    return those as ``UnprocessedItems`` in the 200 (the service's partial success)."""

    hold: Callable[[str, dict[str, Any]], bool]
    delay: float = 0.0


Action = Forward | Answer | HoldBack | None
Rule = Callable[[str, dict[str, Any]], Action]


def forward_all(op: str, body: dict[str, Any]) -> Action:
    return None


class Gate:
    """A rule that holds the ``at``-th call of ``op`` (a BatchWriteItem, or e.g. a Scan) until
    ``release`` is set (``reached`` is set when it arrives; at most ``guard`` seconds), every
    such call slowed by ``delay`` seconds: a copy provably mid-way, batches acknowledged before
    it and more to come; other calls pass."""

    def __init__(
        self, at: int = 5, delay: float = 0.01, guard: float = 60.0, op: str = "BatchWriteItem"
    ):
        self.at, self.delay, self.guard, self.op = at, delay, guard, op
        self.arrived = 0
        self.reached, self.release = threading.Event(), threading.Event()
        self._lock = threading.Lock()

    def __call__(self, op: str, body: dict[str, Any]) -> Action:
        if op != self.op:
            return None
        with self._lock:
            self.arrived += 1
            number = self.arrived
        if number == self.at:
            self.reached.set()
            self.release.wait(self.guard)
        return Forward(self.delay)


@dataclass
class FaultProxy:
    """A threaded HTTP/1.1 proxy on 127.0.0.1 in front of ``upstream`` (a server's URL)."""

    upstream: str
    rule: Rule = forward_all
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        parts = urlsplit(self.upstream)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                proxy._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 64

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def calls_of(self, op: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.op == op]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        target = handler.headers.get("X-Amz-Target", "")
        op = target.rpartition(".")[2]
        try:
            body = json.loads(raw) if raw and target else {}
        except ValueError:
            body = {}
        call = Call(op, body, time.monotonic())
        with self._lock:
            self.calls.append(call)
        action = self.rule(op, body) if op else None
        if isinstance(action, Answer):
            self._reply(handler, call, action.status, json.dumps(action.body).encode(), {})
            return
        held: dict[str, list[Any]] = {}
        if isinstance(action, HoldBack) and op == "BatchWriteItem":
            raw, held = _hold_back(body, action.hold)
            call.held = sum(len(v) for v in held.values())
        delay = action.delay if isinstance(action, Forward | HoldBack) else 0.0
        if delay:
            time.sleep(delay)
        if held and not json.loads(raw)["RequestItems"]:  # all held back: answer it here
            status, data, headers = 200, b"{}", {}
        else:
            status, data, headers = self._forward(handler, raw)
            call.forwarded = time.monotonic()  # done at the server, even if the client left
        if held and status == 200:
            answer = json.loads(data)
            unprocessed = answer.setdefault("UnprocessedItems", {})
            for table, requests in held.items():
                unprocessed.setdefault(table, []).extend(requests)
            data = json.dumps(answer).encode()
        self._reply(handler, call, status, data, headers)

    def _forward(
        self, handler: BaseHTTPRequestHandler, raw: bytes
    ) -> tuple[int, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() != "content-length"}
            headers["Content-Length"] = str(len(raw))
            connection.request("POST", handler.path, body=raw, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = {
                k: v
                for k, v in response.getheaders()
                if k.lower() in ("content-type", "x-amzn-requestid")
            }
            return response.status, data, kept
        finally:
            connection.close()

    def _reply(
        self,
        handler: BaseHTTPRequestHandler,
        call: Call,
        status: int,
        data: bytes,
        headers: dict[str, str],
    ) -> None:
        handler.send_response(status)
        headers = {"Content-Type": "application/x-amz-json-1.0", **headers}
        for name, value in headers.items():
            handler.send_header(name, value)
        # botocore checks the body against this CRC32 (a rewritten body needs a new one)
        handler.send_header("x-amz-crc32", str(zlib.crc32(data) & 0xFFFFFFFF))
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        call.status, call.answered = status, time.monotonic()


def _hold_back(
    body: dict[str, Any], hold: Callable[[str, dict[str, Any]], bool]
) -> tuple[bytes, dict[str, list[Any]]]:
    kept: dict[str, list[Any]] = {}
    held: dict[str, list[Any]] = {}
    for table, requests in body.get("RequestItems", {}).items():
        for request in requests:
            (held if hold(table, request) else kept).setdefault(table, []).append(request)
    return json.dumps({**body, "RequestItems": kept}).encode(), held
