"""Shared test set-up: Qt offscreen, and where the shared corpus lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Every property test draws the same examples on every machine and run: a CI
# run must never fail on a draw no developer can replay (the failing example
# is printed; a search for more uses a test's own environment variable).
settings.register_profile("mapdesk", derandomize=True, database=None)
settings.load_profile("mapdesk")

#: The PostGIS server and keyring fixtures, shared by tests/io/postgis and tests/ui.
pytest_plugins = ["tests.support.postgis_fixtures"]

# Qt tests never need a display; set before any test module imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
DEMO_GPKG = REPO_ROOT / "data" / "greater_portland_demo.gpkg"


def corpus_path() -> Path:
    """The shared corpus; skip when absent except on CI, where it must exist."""
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"The shared corpus is missing on CI: {CORPUS}")
        pytest.skip(f"shared corpus not available at {CORPUS}")
    return CORPUS


@pytest.fixture(autouse=True)
def user_data_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Backups and edit journals go to a temporary folder, never the tester's home."""
    folder = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv("MAPDESK_DATA_DIR", str(folder))
    return folder
