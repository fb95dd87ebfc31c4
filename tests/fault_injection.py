"""Real faults on a real server, injected at the HTTP level through botocore's event system:

- throttling: ``before-send`` answers every n-th BatchWriteItem attempt itself with a 400
  ``ProvisionedThroughputExceededException``: botocore's retries, then the writer's, see a real
  error response;
- UnprocessedItems: ``before-send`` removes a fraction of the write requests from the request
  body, so the server never receives them, and ``before-parse`` (registered first) adds them to
  the response body's ``UnprocessedItems``: the server really lacks them until the writer
  retries them;
- failing reads (or any operation), ``FailSends``: ``before-send`` answers N consecutive
  attempts (or all, after the first few) with a throttling response, or raises the
  connection errors botocore's HTTP layer raises when a server is gone or hangs up;
- short reads, ``DropItems``: ``before-parse`` removes items from Scan/Query responses, so a
  read silently returns fewer items than the table holds (a proxy or a bug losing a page's
  tail), while ``Select COUNT`` still counts them all.

Working on bodies, not parameters, it sees exactly what is sent, whichever way the client
builds its requests.
"""

from __future__ import annotations

import json
import random
import threading
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from dynamo_magic.transfer.plan import SAMPLE_ITEMS


def is_copy_read(body: dict[str, Any]) -> bool:
    """Whether a Scan/Query request body is one of the copy's page reads, not the plan's or
    the verification's: those count (``Select COUNT``) or sample the first items (a ``Limit`` of
    at most ``SAMPLE_ITEMS`` + 1, the probe item), while the copy asks for pages of
    ``engine.PAGE_BYTES`` of items (a ``Limit`` of thousands for the tests' small items) or,
    where it knows no item size, DynamoDB's 1 MB pages (no ``Limit``)."""
    return body.get("Select") != "COUNT" and body.get("Limit", SAMPLE_ITEMS + 2) > SAMPLE_ITEMS + 1


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


def error_response(url: str, code: str, message: str, status: int = 400) -> AWSResponse:
    """A DynamoDB error response as botocore would receive it over HTTP."""
    body = json.dumps(
        {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
    ).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}
    return AWSResponse(url, status, headers, _Body(body))


# the page moto's server (Werkzeug) answers a request it failed on with
HTML_500 = b"""<!doctype html>
<html lang=en>
<title>500 Internal Server Error</title>
<h1>Internal Server Error</h1>
<p>The server encountered an internal error and was unable to complete your request. Either the
server is overloaded or there is an error in the application.</p>
"""


def html_response(url: str, status: int = 500, body: bytes = HTML_500) -> AWSResponse:
    """An answer that is not DynamoDB's: a server's (or a proxy's) HTML error page."""
    return AWSResponse(url, status, {"Content-Type": "text/html; charset=utf-8"}, _Body(body))


class Faults:
    def __init__(self, throttle: float = 0.0, unprocessed: float = 0.0, seed: int = 7):
        self.throttle, self.unprocessed = throttle, unprocessed
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.held = threading.local()
        self.sends = 0
        self.throttled = 0
        self.held_back = 0  # write requests held back
        self.held_calls = 0  # calls answered with some UnprocessedItems (each is sent again)

    def install(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-send.dynamodb.BatchWriteItem", self._on_send)
        events.register_first("before-parse.dynamodb.BatchWriteItem", self._on_response)

    def _chance(self, p: float) -> bool:
        with self.lock:
            return self.rng.random() < p

    def _throttle_now(self) -> bool:
        """Every (1/throttle)-th attempt: an exact share, whatever the threads' interleaving."""
        if not self.throttle:
            return False
        with self.lock:
            self.sends += 1
            if self.sends % round(1 / self.throttle):
                return False
            self.throttled += 1
            return True

    def _on_send(self, request: Any, **_: Any) -> AWSResponse | None:
        self.held.requests = {}
        if self._throttle_now():
            return error_response(
                request.url, "ProvisionedThroughputExceededException", "injected throttling"
            )
        body = json.loads(request.body)
        for table, requests in body["RequestItems"].items():
            keep, hold = [], []
            for write in requests:
                (hold if self._chance(self.unprocessed) else keep).append(write)
            if not keep:  # DynamoDB needs at least one request: send one, hold the rest
                keep.append(hold.pop())
            body["RequestItems"][table] = keep
            if hold:
                self.held.requests[table] = hold
                with self.lock:
                    self.held_back += len(hold)
        if self.held.requests:
            with self.lock:
                self.held_calls += 1
        request.body = json.dumps(body).encode()
        request.headers["Content-Length"] = str(len(request.body))
        return None

    def _on_response(self, response_dict: dict[str, Any], **_: Any) -> None:
        held = getattr(self.held, "requests", {})
        self.held.requests = {}
        if not held or response_dict.get("status_code") != 200:
            return
        body = json.loads(response_dict["body"])
        unprocessed = body.setdefault("UnprocessedItems", {})
        for table, requests in held.items():
            unprocessed.setdefault(table, []).extend(requests)
        response_dict["body"] = json.dumps(body).encode()


class FailSends:
    """Fail attempts of one operation at the HTTP level: after ``after`` matching attempts
    pass, the next ``times`` attempts (``None``: all of them) fail with ``error``:

    - ``"throttle"``: a 400 ``ProvisionedThroughputExceededException`` response;
    - ``"connection"``: ``EndpointConnectionError`` (the server is gone), raised where
      botocore's HTTP layer raises it, so botocore's and our retries both see it;
    - ``"closed"``: ``ConnectionClosedError`` (the connection dropped mid-request);
    - ``"cut"``: a 200 response with an empty body (the server died while answering).

    ``when`` picks the attempts that count (by their JSON body); the default
    (``is_copy_read``) skips the planner's small reads and ``Select COUNT`` scans. Works for
    any operation (Scan, Query, BatchGetItem, ExecuteStatement, ...); every attempt is one
    ``before-send``.
    """

    def __init__(
        self,
        operation: str,
        times: int | None,
        after: int = 0,
        error: str = "throttle",
        when: Any = None,
    ):
        self.operation, self.times, self.after, self.error = operation, times, after, error
        self.when = when or is_copy_read
        self.lock = threading.Lock()
        self.seen = 0  # matching attempts
        self.failed = 0  # attempts answered with a fault

    def install(self, client: Any) -> FailSends:
        client.meta.events.register(f"before-send.dynamodb.{self.operation}", self._on_send)
        return self

    def _fail_now(self, body: dict[str, Any]) -> bool:
        if not self.when(body):
            return False
        with self.lock:
            self.seen += 1
            if self.seen <= self.after:
                return False
            if self.times is not None and self.failed >= self.times:
                return False
            self.failed += 1
            return True

    def _on_send(self, request: Any, **_: Any) -> AWSResponse | None:
        if not self._fail_now(json.loads(request.body or b"{}")):
            return None
        if self.error == "connection":
            raise EndpointConnectionError(endpoint_url=request.url, error="injected: refused")
        if self.error == "closed":
            raise ConnectionClosedError(endpoint_url=request.url)
        if self.error == "cut":  # a 200 whose body never came (the server died answering)
            headers = {"Content-Type": "application/x-amz-json-1.0"}
            return AWSResponse(request.url, 200, headers, _Body(b""))
        return error_response(
            request.url, "ProvisionedThroughputExceededException", "injected throttling"
        )


class DropItems:
    """Make reads of one operation (``Scan`` or ``Query``) come up short, silently: the last
    items of the first matching responses are removed from the response body (and ``Count``
    lowered to match) until ``count`` items were dropped; ``LastEvaluatedKey`` is left alone,
    so the read goes on as if nothing was missing. ``dropped`` holds the items removed.

    ``when`` picks the requests (by their JSON body); the default (``is_copy_read``) spares the
    planner's small reads and ``Select COUNT``, as a proxy dropping items would spare counts.
    """

    def __init__(self, operation: str, count: int, when: Any = None):
        self.operation, self.count = operation, count
        self.when = when or is_copy_read
        self.lock = threading.Lock()
        self.pending = threading.local()  # this thread's request matched: drop from its answer
        self.dropped: list[dict[str, Any]] = []

    def install(self, client: Any) -> DropItems:
        events = client.meta.events
        events.register(f"before-send.dynamodb.{self.operation}", self._on_send)
        events.register_first(f"before-parse.dynamodb.{self.operation}", self._on_response)
        return self

    def _on_send(self, request: Any, **_: Any) -> None:
        self.pending.match = bool(self.when(json.loads(request.body or b"{}")))

    def _on_response(self, response_dict: dict[str, Any], **_: Any) -> None:
        match, self.pending.match = getattr(self.pending, "match", False), False
        if not match or response_dict.get("status_code") != 200:
            return
        body = json.loads(response_dict["body"])
        items = body.get("Items", [])
        with self.lock:
            take = min(self.count - len(self.dropped), len(items))
            if take <= 0:
                return
            self.dropped.extend(items[len(items) - take :])
        body["Items"] = items[: len(items) - take]
        body["Count"] = len(body["Items"])
        response_dict["body"] = json.dumps(body).encode()
