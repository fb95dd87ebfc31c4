"""Moto servers on loopback for the tests: the package's own (``dynamo_magic.demo.servers``).

One server is one "account" (moto puts every key in account 123456789012, so two accounts are
two servers on two ports). ``reset()`` empties a server between tests.
"""

from __future__ import annotations

import random

from dynamo_magic.demo.servers import MotoServer, PortInUse, check_port, endpoint_client, free_port

__all__ = ["MotoServer", "endpoint_client", "free_port", "port_pair"]
# below Linux's ephemeral range (32768-60999), where the OS hands out ports to connections
FIXED_PORTS = range(20000, 32000)


def port_pair() -> int:
    """A port N with N and N+1 free (for ``--port N``), outside the ephemeral range, so that no
    client connection of another test takes one between this check and the server's start."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(FIXED_PORTS.start, FIXED_PORTS.stop)
        try:
            check_port(port)
            check_port(port + 1)
        except PortInUse:
            continue
        return port
    raise RuntimeError("no two free ports in a row")
