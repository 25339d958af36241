"""The PostGIS tests' fixtures (tests/support/postgis_fixtures.py), the keyring made autouse.

Every test here gets an empty in-memory keyring and no libpq settings from the
tester, whether or not it asks for them.
"""

from __future__ import annotations

import pytest

from tests.support.postgis_fixtures import MemoryKeyring


@pytest.fixture(autouse=True)
def memory_keyring(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """The shared fixture of the same name, for every test in this folder."""
    return memory_keyring
