"""What the demo's tests share: the demo's data, built once per package."""

from __future__ import annotations

import pytest

from dynamo_magic.demo import data


@pytest.fixture(scope="package")
def shop() -> data.ShopData:
    """The demo's shop data (``data.build()``): deterministic, no server."""
    return data.build()
