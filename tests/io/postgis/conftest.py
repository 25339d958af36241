"""The PostGIS tests' fixtures (tests/support/postgis_fixtures.py), the keyring made autouse.

Every test here gets an empty in-memory keyring and no libpq settings from the
tester, whether or not it asks for them.
"""

from __future__ import annotations

from typing import Any

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
