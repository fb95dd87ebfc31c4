"""PROTOTYPE (benchmarks only, not part of dynamo_magic): skip botocore's shape parser for Items.

botocore parses every Query/Scan response by walking the output shape: for each attribute value
of each item it dispatches through ``_handle_structure``/``_handle_map``/... in Python, and
base64-decodes binaries. A ``before-parse`` handler can ``json.loads`` the body itself, hand the
``Items`` list over unchanged (DynamoDB typed JSON, binaries as base64 text) through
``customized_response_dict``, and leave botocore only the small rest of the response to parse.
dynamo_magic's codec already accepts base64 text for binaries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

OPERATIONS = ("Query", "Scan")
HTTP_OK = 200


def _take_items(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any):
    """Move ``Items`` out of a successful response body before botocore parses it."""
    if response_dict.get("status_code") != HTTP_OK:
        return  # errors: botocore's parser builds the exception as usual
    body = json.loads(response_dict["body"])
    items = body.pop("Items", None)
    if items is None:
        return
    customized_response_dict["Items"] = items
    response_dict["body"] = json.dumps(body).encode()


@contextmanager
def raw_items(client: Any) -> Iterator[None]:
    """While active, ``client``'s Query/Scan responses carry raw typed-JSON ``Items``."""
    events = client.meta.events
    names = [f"before-parse.dynamodb.{op}" for op in OPERATIONS]
    for name in names:
        events.register(name, _take_items, unique_id=f"bench-raw-items-{name}")
    try:
        yield
    finally:
        for name in names:
            events.unregister(name, unique_id=f"bench-raw-items-{name}")
