"""The PostGIS tests' fixtures (tests/support/postgis_fixtures.py), the keyring made autouse.

Every test here gets an empty in-memory keyring and no libpq settings from the
tester, whether or not it asks for them.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.support.postgis_fixtures import MemoryKeyring
from tests.support.postgis_server import ThrowAwayServer


@pytest.fixture(autouse=True)
def memory_keyring(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """The shared fixture of the same name, for every test in this folder."""
    return memory_keyring


@pytest.fixture
def edit_table(postgis_server: ThrowAwayServer, city_uri: Any, analyst_password: str) -> str:
    """The URI of a fresh three-feature table the analyst may edit (edit_tables.py)."""
    from tests.io.postgis.edit_tables import create_edit_table

    return str(city_uri(create_edit_table(postgis_server)))


_EVERY_TYPE = """
CREATE TABLE IF NOT EXISTS uploads.every_type (
    id integer PRIMARY KEY, small smallint, big bigint, single real, flag boolean,
    day date, stamp timestamp, label varchar(20), code char(3), tags text[],
    geom geometry(Point, 26919));
TRUNCATE uploads.every_type;
INSERT INTO uploads.every_type VALUES
 (3, 7, 9000000000, 1.5, true, '2024-02-29', 'infinity', 'é ünïcode', 'ab', '{a,b}',
  'SRID=26919;POINT(1 2)'),
 (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (2, -1, -2, -0.25, false, '1999-12-31', '1970-01-01 00:00:01', '', 'x', '{}',
  'SRID=26919;POINT EMPTY');
"""


@pytest.fixture
def every_type(
    postgis_server: ThrowAwayServer, upload_schema: str, city_uri: Any, analyst_password: str
) -> str:
    """The URI of uploads.every_type: a row of every type read natively, a row of NULLs."""
    with psycopg.connect(**postgis_server.admin_settings(), autocommit=True) as conn:
        conn.execute(_EVERY_TYPE)
        conn.execute("GRANT SELECT ON uploads.every_type TO analyst")
    return str(city_uri(f"{upload_schema}.every_type"))
