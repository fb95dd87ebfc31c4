"""The query tests' tables: every test table in in-process moto."""

from __future__ import annotations

from typing import Any

import pytest

from .data import dev_client, load


@pytest.fixture
def db(mock_dynamo: None) -> Any:
    """In-process moto with every test table loaded; returns a client."""
    client = dev_client()
    load(client)
    return client
