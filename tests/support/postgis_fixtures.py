"""PostGIS fixtures for any test folder: one throw-away server per session, an in-memory keyring.

Registered for the whole suite by ``pytest_plugins`` in tests/conftest.py, so
tests/io/postgis and tests/ui share ONE server per session (it starts only
when a test asks for it). ``memory_keyring`` is not autouse here; the PostGIS
test folder makes it so (tests/io/postgis/conftest.py).

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
from tests.support.postgis_server import (
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


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MemoryKeyring]:
    """An empty in-memory keyring and session passwords, no libpq settings or .pgpass."""
    from mapdesk.io.postgis import passwords

    monkeypatch.setattr(passwords, "_SESSION", {})
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


#: A schema the analyst owns, where tests upload tables.
UPLOAD_SCHEMA = "uploads"


@pytest.fixture(scope="session")
def upload_schema(postgis_server: ThrowAwayServer) -> str:
    """``uploads``: a schema the analyst may create tables in (public is read-only to them)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(**postgis_server.admin_settings(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                sql.Identifier(UPLOAD_SCHEMA), sql.Identifier(ANALYST)
            )
        )
    return UPLOAD_SCHEMA
