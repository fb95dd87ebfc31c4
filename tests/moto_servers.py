"""Moto servers on loopback for the tests: the package's own (``dynamo_magic.demo.servers``).

One server is one "account" (moto puts every key in account 123456789012, so two accounts are
two servers on two ports). ``reset()`` empties a server between tests.
"""

from __future__ import annotations

from dynamo_magic.demo.servers import MotoServer, endpoint_client, free_port

__all__ = ["MotoServer", "endpoint_client", "free_port"]
