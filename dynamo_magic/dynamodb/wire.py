"""DynamoDB JSON straight off and onto the wire, without botocore's shape walking.

botocore parses and serializes every request and response by walking its shape model: for
every attribute value of every item it dispatches through several Python functions and
(de)codes binaries as base64. For a query into a DataFrame that was about two thirds of the
client's CPU (benchmarks/profile_query.py), and for a copy, which only moves items from one
table to another, all of it is wasted work. Through botocore's own event hooks (the same ones
its handlers use), everything else of botocore stays: credentials, signing, endpoints, retries,
the CRC32 check and error parsing.

- Query/Scan/ExecuteStatement (PartiQL): a ``before-parse`` handler ``json.loads`` the body and
  hands ``Items`` over unchanged (binaries as base64 text); botocore parses the small rest, so
  ``LastEvaluatedKey``/``NextToken`` can be sent back as usual. Every read therefore gives
  items in one form, wire form (``ReadResult.items``); ``codec.decode_binaries`` turns them
  into the form boto3's client takes (binaries as bytes).
- ``call(client, "BatchWriteItem" | "BatchGetItem", body)``: the request body is our own
  ``json.dumps`` (items already in wire form), put in place by a ``before-call`` handler, and
  the whole successful response comes back unparsed.

Items in wire form must only travel through ``call``: given to a normal botocore call, their
base64 text would be encoded a second time.

botocore says how often it retried a call in the response (``ResponseMetadata.RetryAttempts``,
on a ``ClientError``'s response too); an error raised with no response (a lost connection
after botocore's retries) gets the number noted by an ``after-call-error`` handler, so that
``retries_made`` answers for every outcome (``retry.sent`` counts them).
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

import botocore.exceptions as bx

ITEM_OPERATIONS = ("Query", "Scan", "ExecuteStatement")
RAW_OPERATIONS = {"BatchWriteItem": "batch_write_item", "BatchGetItem": "batch_get_item"}
HTTP_OK = 200
RETRIES_NOTED = "dynamo_magic_retries"  # attribute of an error: botocore's retries before it

_pending = threading.local()  # the body of the raw call this thread is making


def _placeholder(operation: str, table: str) -> dict[str, Any]:
    """Parameters that pass botocore's validation and that DynamoDB would reject (a key with
    no attributes) — they are replaced by the real body before the request is signed."""
    if operation == "BatchWriteItem":
        return {"RequestItems": {table: [{"DeleteRequest": {"Key": {}}}]}}
    return {"RequestItems": {table: {"Keys": [{}]}}}


def call(client: Any, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """Send ``body`` (DynamoDB JSON in wire form) as ``operation``; the response, unparsed."""
    table = next(iter(body["RequestItems"]))
    _pending.body = json.dumps(body, separators=(",", ":")).encode()
    _pending.raw_response = True
    try:
        response: dict[str, Any] = getattr(client, RAW_OPERATIONS[operation])(
            **_placeholder(operation, table)
        )
        return response
    finally:
        _pending.body = None
        _pending.raw_response = False


def _use_body(params: dict[str, Any], **_: Any) -> None:
    body = getattr(_pending, "body", None)
    if body is not None:
        params["body"] = body


def _take_response(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    if response_dict.get("status_code") != HTTP_OK or not getattr(_pending, "raw_response", False):
        return  # errors and ordinary calls: botocore parses as usual
    customized_response_dict.update(_json_body(response_dict))
    response_dict["body"] = b"{}"


def _take_items(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    if response_dict.get("status_code") != HTTP_OK:
        return
    body = _json_body(response_dict)
    items = body.pop("Items", None)
    if items is None:
        return
    customized_response_dict["Items"] = items
    response_dict["body"] = json.dumps(body).encode()


def _json_body(response_dict: dict[str, Any]) -> dict[str, Any]:
    """The response's JSON. A body that does not parse (cut off: the server went away while
    answering) is a lost connection, raised as botocore's ``ResponseStreamingError`` so the
    callers' retries treat it as one; botocore's own checks never see it, as this runs first."""
    try:
        body: dict[str, Any] = json.loads(response_dict["body"])
    except ValueError as exc:
        raise bx.ResponseStreamingError(error=f"unreadable response body ({exc})") from exc
    return body


def retries_made(outcome: Any) -> int:
    """How many times botocore retried the call that gave ``outcome``: its response, or the
    error it raised (0 when nothing says)."""
    noted = getattr(outcome, RETRIES_NOTED, None)
    if isinstance(noted, int):
        return noted
    response = getattr(outcome, "response", outcome)  # a ClientError carries its response
    if not isinstance(response, dict):
        return 0
    retries = (response.get("ResponseMetadata") or {}).get("RetryAttempts", 0)
    return retries if isinstance(retries, int) else 0


def _note_retries(exception: BaseException, context: dict[str, Any], **_: Any) -> None:
    """A call raised with no response: note botocore's retries before it on the error."""
    attempt = (context.get("retries") or {}).get("attempt")
    if isinstance(attempt, int):
        with contextlib.suppress(AttributeError):  # an exception type without a __dict__
            setattr(exception, RETRIES_NOTED, attempt - 1)


def install(client: Any) -> Any:
    """Register the handlers on ``client`` (made for dynamo_magic only); returns it."""
    events = client.meta.events
    events.register("after-call-error.dynamodb", _note_retries)
    for operation in ITEM_OPERATIONS:
        events.register(f"before-parse.dynamodb.{operation}", _take_items)
    for operation in RAW_OPERATIONS:
        events.register(f"before-call.dynamodb.{operation}", _use_body)
        events.register(f"before-parse.dynamodb.{operation}", _take_response)
    return client
