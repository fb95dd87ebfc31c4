"""Endpoints with latency for the copy benchmark under latency (``copy_latency.py``), run as
their own process (one asyncio loop, so they add no thread hand-offs and cap no concurrency):

- **delaying proxy** (``--proxy NAME=URL``): one listening port per upstream DynamoDB endpoint;
  every request is held ``delay`` seconds, then forwarded unchanged on a keep-alive upstream
  connection of its own client connection (renewed after ``UPSTREAM_IDLE`` seconds idle:
  dynalite closes idle connections at 5 s), and the answer passed back unchanged;
- **stub** (``--stub-items N``): two endpoints, ``source`` and ``target`` (two "accounts": their
  tables' ARNs differ), that answer everything ``dynamo copy`` and the bare copy call, after the
  delay, with no storage: the source serves ``N`` prepared items (``data.spread_items``) as Scan
  pages (parallel-scan ``Segment``/``TotalSegments`` by a hash of ``pk``, 1 MB pages, ``Limit``,
  ``LastEvaluatedKey``/``ExclusiveStartKey``, ``Select COUNT``), the target acknowledges every
  BatchWriteItem and counts its put requests (its Select COUNT scans answer that count, so the
  copy's own count verification checks it). It isolates the client: the stub spends a few
  microseconds per item where a local server spends far more.

Both count, over every endpoint of the process: calls per operation, requests in flight
(time-weighted mean while any is, and peak), how late the delays woke (a busy box wakes late)
and their own CPU seconds. A control path (no delay, not counted) on any port:

- ``GET /_bench/stats``: those figures as JSON (``written``, ``deleted``: the stub's target);
- ``POST /_bench/reset``: zero them (and the stub target's counts);
- ``POST /_bench/delay`` with ``{"delay": seconds}``: the delay of later requests.

    python latency_servers.py --ready FILE (--proxy source=http://127.0.0.1:8001 ... |
                                            --stub-items 20000)

writes ``{"ports": {name: port}}`` to FILE once it listens. Loopback only; no credentials are
checked (requests are forwarded as signed) and none are stored.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

UPSTREAM_IDLE = 4.0  # seconds: an idle upstream connection is renewed after this
PAGE_BYTES = 1024 * 1024  # DynamoDB's Scan page limit (data read), here: items' JSON bytes
ACCOUNTS = {"source": "111111111111", "target": "222222222222"}  # the stub's two "accounts"
REGION = "us-east-1"
JSON_TYPE = b"application/x-amz-json-1.0"
CONTROL = "/_bench/"


# -- counting --------------------------------------------------------------------------------------
@dataclass
class Stats:
    """What every endpoint of this process saw since the last reset."""

    calls: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    peak: int = 0
    area: float = 0.0  # integral of requests in flight over time (request-seconds)
    busy: float = 0.0  # seconds with at least one request in flight
    first: float | None = None  # when the first request arrived
    last: float = 0.0  # when the in-flight count last changed
    late: float = 0.0  # seconds the delays woke later than asked, summed
    delayed: int = 0
    copy_from: tuple[float, float] | None = None  # (time, area) at the first BatchWriteItem
    copy_to: tuple[float, float] | None = None  # (time, area) at the end of the last one
    written: int = 0  # stub target: put requests acknowledged
    deleted: int = 0  # stub target: delete requests acknowledged
    cpu_at_reset: float = field(default_factory=time.process_time)

    def _advance(self) -> float:
        now = time.perf_counter()
        if self.in_flight:
            self.area += self.in_flight * (now - self.last)
            self.busy += now - self.last
        self.last = now
        return now

    def begin(self, op: str) -> None:
        now = self._advance()
        if self.first is None:
            self.first = now
        if self.copy_from is None and op.endswith(":BatchWriteItem"):
            self.copy_from = (now, self.area)
        self.calls[op] += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)

    def end(self, op: str) -> None:
        now = self._advance()
        self.in_flight -= 1
        if op.endswith(":BatchWriteItem"):
            self.copy_to = (now, self.area)

    def snapshot(self) -> dict[str, Any]:
        self._advance()
        span = (self.last - self.first) if self.first is not None else 0.0
        copying = 0.0  # mean in flight from the first BatchWriteItem to the end of the last
        if self.copy_from and self.copy_to and self.copy_to[0] > self.copy_from[0]:
            copying = (self.copy_to[1] - self.copy_from[1]) / (self.copy_to[0] - self.copy_from[0])
        return {
            "calls": dict(self.calls),
            "requests": sum(self.calls.values()),
            "in_flight_mean": self.area / span if span else 0.0,  # over first call .. now
            "in_flight_busy_mean": self.area / self.busy if self.busy else 0.0,
            "in_flight_copying": copying,
            # seconds from the first BatchWriteItem's arrival to the last one's answer
            "copy_seconds": (
                self.copy_to[0] - self.copy_from[0] if self.copy_from and self.copy_to else 0.0
            ),
            "in_flight_peak": self.peak,
            "late_mean_ms": 1000 * self.late / self.delayed if self.delayed else 0.0,
            "written": self.written,
            "deleted": self.deleted,
            "cpu_s": time.process_time() - self.cpu_at_reset,
        }


class State:
    def __init__(self) -> None:
        self.delay = 0.0
        self.stats = Stats()

    def reset(self) -> None:
        self.stats = Stats()


# -- HTTP/1.1 framing ------------------------------------------------------------------------------
@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    head: bytes  # request line and headers as received
    body: bytes

    @property
    def operation(self) -> str:
        target = self.headers.get("x-amz-target", "")
        if target:
            return target.rpartition(".")[2]
        if self.body.startswith(b"Action="):  # STS and other query-protocol services
            return parse_qs(self.body.decode()).get("Action", ["?"])[0]
        return "?"


def _headers(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on a connection (``None``: the client closed it)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    first, headers = _headers(head)
    method, path, _ = first.split(" ", 2)
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Request(method, path, headers, head, body)


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """One whole response, raw (Content-Length or chunked), as the upstream sent it."""
    head = await reader.readuntil(b"\r\n\r\n")
    _, headers = _headers(head)
    if "content-length" in headers:
        return head + await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = [head]
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            parts.append(size_line)
            parts.append(await reader.readexactly(size + 2))  # chunk and its CRLF
            if size == 0:
                return b"".join(parts)
    return head  # no body (e.g. 204)


def response(status: int, body: bytes, content_type: bytes = JSON_TYPE) -> bytes:
    reason = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}.get(status, b"Error")
    crc = zlib.crc32(body) & 0xFFFFFFFF
    head = (
        b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nx-amz-crc32: %d\r\n"
        b"x-amzn-RequestId: bench\r\n\r\n" % (status, reason, content_type, len(body), crc)
    )
    return head + body


def json_response(payload: Any, status: int = 200) -> bytes:
    return response(status, json.dumps(payload, separators=(",", ":")).encode())


def error(code: str, message: str) -> bytes:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
    return json_response(body, 400)


# -- endpoints -------------------------------------------------------------------------------------
class Endpoint:
    """One listening port. ``answer`` gives the response to a (counted, delayed) request."""

    def __init__(self, name: str, state: State):
        self.name = name
        self.state = state

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await read_request(reader)
                if request is None:
                    return
                if request.path.startswith(CONTROL):
                    writer.write(self.control(request))
                else:
                    writer.write(await self.timed(request))
                await writer.drain()
                if request.headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            await self.closed()
            writer.close()

    async def timed(self, request: Request) -> bytes:
        state = self.state
        stats = state.stats
        op = f"{self.name}:{request.operation}"
        stats.begin(op)
        try:
            if state.delay > 0:
                started = time.perf_counter()
                await asyncio.sleep(state.delay)
                stats.late += time.perf_counter() - started - state.delay
                stats.delayed += 1
            return await self.answer(request)
        finally:
            stats.end(op)

    def control(self, request: Request) -> bytes:
        command = request.path[len(CONTROL) :]
        if command == "stats":
            return json_response(self.state.stats.snapshot())
        if command == "reset":
            self.state.reset()
            return json_response({"reset": True})
        if command == "delay":
            self.state.delay = float(json.loads(request.body)["delay"])
            return json_response({"delay": self.state.delay})
        return json_response({"error": f"unknown control {command}"}, 404)

    async def answer(self, request: Request) -> bytes:
        raise NotImplementedError

    async def closed(self) -> None:
        """The client connection ended."""


class Proxy(Endpoint):
    """Forwards to ``upstream`` on one keep-alive connection per client connection."""

    def __init__(self, name: str, state: State, upstream: str):
        super().__init__(name, state)
        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._connections: dict[int, tuple[asyncio.StreamReader, asyncio.StreamWriter, float]]
        self._connections = {}

    async def answer(self, request: Request) -> bytes:
        key = id(asyncio.current_task())
        for attempt in range(2):  # a stale upstream connection is replaced once
            connection = self._connections.pop(key, None)
            if connection is None or time.monotonic() - connection[2] > UPSTREAM_IDLE:
                if connection is not None:
                    connection[1].close()
                connection = (*await asyncio.open_connection(self.host, self.port), 0.0)
            up_reader, up_writer, _ = connection
            try:
                up_writer.write(request.head + request.body)
                await up_writer.drain()
                answer = await read_response(up_reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                up_writer.close()
                if attempt:
                    raise
                continue
            self._connections[key] = (up_reader, up_writer, time.monotonic())
            return answer
        raise AssertionError("unreachable")

    async def closed(self) -> None:
        connection = self._connections.pop(id(asyncio.current_task()), None)
        if connection is not None:
            connection[1].close()


# -- the stub --------------------------------------------------------------------------------------
def wire(value: Any) -> Any:
    """Typed JSON with bytes -> wire form (binaries as base64 text)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


class Catalogue:
    """The stub source's items, prepared once: each item's JSON bytes, and per TotalSegments
    the items of each segment (by a hash of ``pk``) and their page boundaries."""

    def __init__(self, items: list[dict[str, Any]]):
        self.items = [json.dumps(wire(i), separators=(",", ":")).encode() for i in items]
        self.keys = [(i["pk"]["S"], i["sk"]["N"]) for i in items]
        self.index = {key: n for n, key in enumerate(self.keys)}
        self.hashes = [zlib.crc32(pk.encode()) for pk, _ in self.keys]
        self._segments: dict[int, tuple[list[list[int]], dict[int, int]]] = {}

    def segments(self, total: int) -> tuple[list[list[int]], dict[int, int]]:
        """Items of each of ``total`` segments, and each item's position in its segment."""
        if total not in self._segments:
            parts: list[list[int]] = [[] for _ in range(total)]
            for n, h in enumerate(self.hashes):
                parts[h % total].append(n)
            position = {n: p for part in parts for p, n in enumerate(part)}
            self._segments[total] = (parts, position)
        return self._segments[total]

    def scan(self, request: dict[str, Any]) -> bytes:
        """The HTTP response to a Scan ``request``."""
        total = int(request.get("TotalSegments", 1))
        segment = int(request.get("Segment", 0))
        if not 0 <= segment < total:
            return error("ValidationException", "Segment must be less than TotalSegments")
        parts, position = self.segments(total)
        members = parts[segment]
        start = 0
        esk = request.get("ExclusiveStartKey")
        if esk:
            n = self.index.get((esk["pk"]["S"], esk["sk"]["N"]))
            if n is None or self.hashes[n] % total != segment:
                return error("ValidationException", "Exclusive start key must lie within segment")
            start = position[n] + 1
        limit = int(request.get("Limit", 0)) or len(members)
        end, size = start, 0
        while end < len(members) and end - start < limit and size < PAGE_BYTES:
            size += len(self.items[members[end]])
            end += 1
        more = end < len(members)
        lek = b""
        if more:
            pk, sk = self.keys[members[end - 1]]
            last = {"pk": {"S": pk}, "sk": {"N": sk}}
            lek = b',"LastEvaluatedKey":' + json.dumps(last, separators=(",", ":")).encode()
        count = end - start
        if request.get("Select") == "COUNT":
            return response(200, b'{"Count":%d,"ScannedCount":%d%s}' % (count, count, lek))
        listed = b",".join(self.items[n] for n in members[start:end])
        body = b'{"Count":%d,"Items":[%s],"ScannedCount":%d%s}' % (count, listed, count, lek)
        return response(200, body)


def describe(table: str, account: str) -> dict[str, Any]:
    arn = f"arn:aws:dynamodb:{REGION}:{account}:table/{table}"
    return {
        "Table": {
            "TableName": table,
            "TableArn": arn,
            "TableId": f"bench-{account}",
            "TableStatus": "ACTIVE",
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ],
            "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
            "ProvisionedThroughput": {
                "NumberOfDecreasesToday": 0,
                "ReadCapacityUnits": 0,
                "WriteCapacityUnits": 0,
            },
            "ItemCount": 0,  # as DynamoDB (hours stale) and dynalite say of a fresh table
            "TableSizeBytes": 0,
            "CreationDateTime": 1_700_000_000.0,
            "DeletionProtectionEnabled": False,
        }
    }


STS_ANSWER = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<GetCallerIdentityResult><Arn>arn:aws:iam::{account}:user/bench</Arn>"
    "<UserId>AIDABENCH</UserId><Account>{account}</Account></GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>"
)


class Stub(Endpoint):
    """One side (``source``: serves ``catalogue``; ``target``: acknowledges writes) of table
    ``table``. Anything else is refused with ``UnknownOperationException`` (and counted, so
    the harness sees what it would have to add)."""

    def __init__(self, name: str, state: State, table: str, catalogue: Catalogue | None):
        super().__init__(name, state)
        self.table = table
        self.account = ACCOUNTS[name]
        self.catalogue = catalogue

    async def answer(self, request: Request) -> bytes:
        op = request.operation
        if op == "BatchWriteItem":  # counted without parsing: the stub must stay cheap
            self.state.stats.written += request.body.count(b'"PutRequest"')
            self.state.stats.deleted += request.body.count(b'"DeleteRequest"')
            return json_response({"UnprocessedItems": {}})
        if op == "GetCallerIdentity":
            text = STS_ANSWER.format(account=self.account).encode()
            return response(200, text, b"text/xml")
        body = json.loads(request.body or b"{}")
        if body.get("TableName", self.table) != self.table:
            return error("ResourceNotFoundException", "Requested resource not found")
        if op == "DescribeTable":
            return json_response(describe(self.table, self.account))
        if op == "Scan":
            return self._scan(body)
        if op == "DescribeTimeToLive":
            return json_response({"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}})
        if op == "DescribeContinuousBackups":
            backups = {
                "ContinuousBackupsStatus": "ENABLED",
                "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
            }
            return json_response({"ContinuousBackupsDescription": backups})
        if op == "ListTagsOfResource":
            return json_response({"Tags": []})
        return error("UnknownOperationException", f"the stub does not answer {op}")

    def _scan(self, body: dict[str, Any]) -> bytes:
        if self.catalogue is None:  # the target stores nothing: it counts what it acknowledged
            if body.get("Select") == "COUNT":  # the whole count in segment 0's one page
                count = self.state.stats.written if int(body.get("Segment", 0)) == 0 else 0
                return json_response({"Count": count, "ScannedCount": count})
            return json_response({"Count": 0, "Items": [], "ScannedCount": 0})
        return self.catalogue.scan(body)


# -- running ---------------------------------------------------------------------------------------
async def run(endpoints: list[Endpoint], ready: Path) -> None:
    ports = {}
    servers = []
    for endpoint in endpoints:
        server = await asyncio.start_server(endpoint.serve, "127.0.0.1", 0, backlog=512)
        ports[endpoint.name] = server.sockets[0].getsockname()[1]
        servers.append(server)
    tmp = ready.with_suffix(".tmp")
    tmp.write_text(json.dumps({"ports": ports, "pid": os.getpid()}))
    tmp.replace(ready)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready", type=Path, required=True, help="file to write the ports to")
    parser.add_argument("--proxy", action="append", default=[], help="NAME=UPSTREAM_URL")
    parser.add_argument("--stub-items", type=int, help="serve a stub source of N items")
    parser.add_argument("--table", default="copy_bench", help="the stub's table name")
    parser.add_argument("--shape", default="rich", help="the stub's item shape (data.SHAPES)")
    args = parser.parse_args()
    state = State()
    endpoints: list[Endpoint] = []
    for spec in args.proxy:
        name, _, url = spec.partition("=")
        endpoints.append(Proxy(name, state, url))
    if args.stub_items:
        from data import spread_items

        catalogue = Catalogue(list(spread_items(args.shape, args.stub_items)))
        endpoints.append(Stub("source", state, args.table, catalogue))
        endpoints.append(Stub("target", state, args.table, None))
    if not endpoints:
        parser.error("give --proxy NAME=URL or --stub-items N")
    asyncio.run(run(endpoints, args.ready))


if __name__ == "__main__":
    main()
