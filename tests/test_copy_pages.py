"""A copy reads pages of about ``engine.PAGE_BYTES`` of items (issue 16 §4, memory): a worker
holds up to three decoded pages at once, so a copy's memory follows the page size, not
DynamoDB's 1 MB page, and a 100,000-item copy needs little more than a 20,000-item one."""

from __future__ import annotations

import json
import threading
from typing import Any

import dynamo_magic.api as api
from dynamo_magic import environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.transfer import engine

from conftest import A, B, client_for
from fault_injection import is_copy_read
from tables import create_events, put_all, scan_all

ITEMS = 400
PADDING = 2_000  # bytes of a string attribute per item: 400 items are ~800 KB, one 1 MB page


class ScanPages:
    """Records the copy's Scan requests and how many items each page returned."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.limits: list[int | None] = []
        self.returned: list[int] = []
        self.pending = threading.local()

    def install(self, client: Any) -> ScanPages:
        client.meta.events.register("before-send.dynamodb.Scan", self._sent)
        client.meta.events.register_first("before-parse.dynamodb.Scan", self._answered)
        return self

    def _sent(self, request: Any, **_: Any) -> None:
        body = json.loads(request.body or b"{}")
        self.pending.copy = is_copy_read(body)
        if self.pending.copy:
            with self.lock:
                self.limits.append(body.get("Limit"))

    def _answered(self, response_dict: dict[str, Any], **_: Any) -> None:
        if getattr(self.pending, "copy", False) and response_dict.get("status_code") == 200:
            with self.lock:
                self.returned.append(len(json.loads(response_dict["body"]).get("Items", [])))
        self.pending.copy = False


def test_a_copy_reads_pages_of_about_page_bytes(servers):
    source = client_for(A)
    create_events(source)
    create_events(client_for(B))
    padding = "x" * PADDING
    items = [
        {"device": {"N": "1"}, "seq": {"N": str(n)}, "note": {"S": padding}} for n in range(ITEMS)
    ]
    put_all(source, "events", items)
    plan = api.plan_copy("events", source=A, target=B)
    per_page = engine.Engine.from_settings(api.get_settings(), ITEMS).page_items(
        plan.average_item_bytes
    )
    assert per_page is not None and per_page < ITEMS // 2  # this table needs several pages
    pages = ScanPages().install(clients.client(environments.resolve(A)))

    result = api.copy("events", source=A, target=B, backend="threading", segments=1, yes=True)

    assert result.ok and result.written == ITEMS == len(scan_all(client_for(B), "events"))
    assert pages.limits and set(pages.limits) == {per_page}
    assert max(pages.returned) <= per_page and sum(pages.returned) == ITEMS
    assert len(pages.returned) >= ITEMS // per_page  # read in pages of ~PAGE_BYTES, not one MB
    bytes_per_page = per_page * plan.average_item_bytes
    assert engine.PAGE_BYTES - plan.average_item_bytes < bytes_per_page <= engine.PAGE_BYTES


def test_no_limit_where_the_item_size_is_unknown():
    """An empty sample (no item size): DynamoDB's own pages, no ``Limit``."""
    chosen = engine.Engine.from_settings(api.get_settings(), None)
    assert chosen.page_items(0.0) is None
    assert chosen.page_items(10**7) == engine.MIN_PAGE_ITEMS  # huge items: one batch a page
