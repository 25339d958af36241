"""The throw-away server's code moved to tests/support/postgis_server.py (the benchmarks
start one too); this name stays importable for tests written against it."""

from tests.support.postgis_server import (
    ADMIN,
    ANALYST,
    DATABASE,
    DEBIAN_PACKAGES,
    ServerUnavailable,
    ThrowAwayServer,
    free_port,
    start_server,
)

__all__ = [
    "ADMIN",
    "ANALYST",
    "DATABASE",
    "DEBIAN_PACKAGES",
    "ServerUnavailable",
    "ThrowAwayServer",
    "free_port",
    "start_server",
]
