"""Fixtures for the PostGIS tests: one throw-away server per session, an in-memory keyring.

On CI (``CI`` set) a server that cannot start is a failure, never a skip: the
test command installs PostgreSQL and PostGIS (scripts/setup.sh), so a missing
one means the set-up is broken. Elsewhere the tests skip and say why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend

from tests.io.postgis.city_tables import create_city_tables
from tests.io.postgis.server import (
    ANALYST,
    DATABASE,
    ServerUnavailable,
    ThrowAwayServer,
    start_server,
)

#: libpq reads these; a tester's own settings must not change what the tests see.
_LIBPQ_ENVIRONMENT = ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE",
                      "PGSERVICEFILE", "PGSSLMODE", "PGHOSTADDR")  # fmt: skip


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps passwords in a dict, for one test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[ThrowAwayServer]:
    """A running PostGIS server with the city's test tables, stopped after the session."""
    try:
        server = start_server()
    except ServerUnavailable as exc:
        message = f"no PostGIS test server: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (on CI the test command installs PostgreSQL and PostGIS)")
        pytest.skip(message)
    try:
        create_city_tables(server)
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MemoryKeyring]:
    """An empty in-memory keyring, and no libpq settings or .pgpass from the tester."""
    for name in _LIBPQ_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        yield memory
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def city_uri(postgis_server: ThrowAwayServer) -> Any:
    """``city_uri("public.parcels")``: the analyst's URI of a table (no password in it)."""

    def uri(table: str | None = None, **query: str) -> str:
        text = f"postgresql://{ANALYST}@127.0.0.1:{postgis_server.port}/{DATABASE}"
        parts = ([f"table={table}"] if table else []) + [f"{k}={v}" for k, v in query.items()]
        return text + ("?" + "&".join(parts) if parts else "")

    return uri


@pytest.fixture
def analyst_password(postgis_server: ThrowAwayServer, memory_keyring: MemoryKeyring) -> str:
    """The analyst's password, stored in the (in-memory) keyring as mapdesk looks it up."""
    from mapdesk.io.postgis.connection import PgConnection
    from mapdesk.io.postgis.passwords import store_password

    server = PgConnection(host="127.0.0.1", port=postgis_server.port, dbname=DATABASE, user=ANALYST)
    store_password(server, postgis_server.password)
    return postgis_server.password


@pytest.fixture
def edit_table(postgis_server: ThrowAwayServer, city_uri: Any, analyst_password: str) -> str:
    """The URI of a fresh three-feature table the analyst may edit (edit_tables.py)."""
    from tests.io.postgis.edit_tables import create_edit_table

    return str(city_uri(create_edit_table(postgis_server)))
