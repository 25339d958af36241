"""Another database on the session's throw-away server, for tests that need their own tables.

The filter tests create tables the city tests must not see (listing the city
database shows every spatial table), so they get a database of their own.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from tests.io.postgis.server import ANALYST, ThrowAwayServer


def create_database(server: ThrowAwayServer, name: str) -> dict[str, Any]:
    """Create database ``name`` with PostGIS; the administrator's settings for it."""
    with psycopg.connect(**server.admin_settings("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    settings = server.admin_settings(name)
    with psycopg.connect(**settings, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    return settings


def grant_reading(settings: dict[str, Any], role: str = ANALYST) -> None:
    """Let ``role`` read every table in the public schema, and refresh the statistics."""
    with psycopg.connect(**settings, autocommit=True) as conn:
        conn.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(
                sql.Identifier(role)
            )
        )
        conn.execute("ANALYZE")


def uri(server: ThrowAwayServer, database: str, table: str, **query: str) -> str:
    """The analyst's URI of ``table`` in ``database`` (values must already be URL-encoded)."""
    parts = [f"table={table}"] + [f"{k}={v}" for k, v in query.items()]
    return f"postgresql://{ANALYST}@127.0.0.1:{server.port}/{database}?" + "&".join(parts)
