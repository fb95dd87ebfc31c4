"""Real faults on a real server: throttling errors and UnprocessedItems, injected through
botocore's event system into a client (TESTING.md "Fault injection").

- ``before-send`` returns a 400 ProvisionedThroughputExceededException for a fraction of HTTP
  attempts: botocore's own retries and then the writer's see a real error response;
- ``before-parameter-build`` holds back a fraction of the write requests so they are never
  sent, and ``after-call`` reports them as ``UnprocessedItems``: the server really lacks them
  until the writer retries them.
"""

from __future__ import annotations

import json
import random
import threading
from typing import Any

from botocore.awsrequest import AWSResponse


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


class Faults:
    def __init__(self, throttle: float = 0.0, unprocessed: float = 0.0, seed: int = 7):
        self.throttle, self.unprocessed = throttle, unprocessed
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.held = threading.local()
        self.throttled = 0
        self.held_back = 0

    def install(self, client: Any) -> None:
        events = client.meta.events
        events.register_first("after-call.dynamodb.BatchWriteItem", self._report_unprocessed)
        events.register_last("before-parameter-build.dynamodb.BatchWriteItem", self._hold_back)
        events.register("before-send.dynamodb.BatchWriteItem", self._maybe_throttle)

    def _chance(self, p: float) -> bool:
        with self.lock:
            return self.rng.random() < p

    def _hold_back(self, params: dict[str, Any], **_: Any) -> None:
        self.held.requests = {}
        for table, requests in params["RequestItems"].items():
            keep, hold = [], []
            for request in requests:
                (hold if self._chance(self.unprocessed) else keep).append(request)
            if not keep:  # DynamoDB needs at least one request: send one, hold the rest
                keep.append(hold.pop())
            params["RequestItems"][table] = keep
            if hold:
                self.held.requests[table] = hold
                with self.lock:
                    self.held_back += len(hold)

    def _report_unprocessed(self, parsed: dict[str, Any], **_: Any) -> None:
        held = getattr(self.held, "requests", {})
        if held:
            unprocessed = parsed.setdefault("UnprocessedItems", {})
            for table, requests in held.items():
                unprocessed.setdefault(table, []).extend(requests)
        self.held.requests = {}

    def _maybe_throttle(self, request: Any, **_: Any) -> AWSResponse | None:
        if not self._chance(self.throttle):
            return None
        with self.lock:
            self.throttled += 1
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "injected throttling",
            }
        ).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}
        return AWSResponse(request.url, 400, headers, _Body(body))
