"""Query/Scan responses whose ``Items`` skip botocore's shape parser.

botocore parses a response by walking its output shape: for every attribute value of every
item it dispatches through several Python functions and base64-decodes binaries — about two
thirds of the client CPU of a query into a DataFrame (benchmarks/profile_query.py). A
``before-parse`` handler ``json.loads`` the body itself, hands ``Items`` over unchanged
(DynamoDB typed JSON, binaries as base64 text, which ``codec`` accepts) and leaves botocore the
small rest (``LastEvaluatedKey`` stays parsed, so it can be sent back as is; errors and the
CRC32 check are untouched). Only for reading: such items must not be written back through
botocore, which would base64-encode the binaries a second time.
"""

from __future__ import annotations

import json
from typing import Any

OPERATIONS = ("Query", "Scan")
HTTP_OK = 200


def _take_items(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    if response_dict.get("status_code") != HTTP_OK:
        return  # errors: botocore's parser builds the exception as usual
    body = json.loads(response_dict["body"])
    items = body.pop("Items", None)
    if items is None:
        return
    customized_response_dict["Items"] = items
    response_dict["body"] = json.dumps(body).encode()


def install(client: Any) -> Any:
    """Make ``client``'s Query/Scan responses carry raw typed-JSON ``Items``; returns it."""
    for operation in OPERATIONS:
        client.meta.events.register(f"before-parse.dynamodb.{operation}", _take_items)
    return client
