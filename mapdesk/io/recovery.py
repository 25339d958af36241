"""Saves a crash interrupted, finished or undone before a file is read."""

from __future__ import annotations

from pathlib import Path

from mapdesk.io.gpkg_edit import roll_back_interrupted_save
from mapdesk.io.whole_file import recover_rewrite


def recover_interrupted_save(path: Path) -> str | None:
    """What was done about an interrupted save of ``path`` (None: there was none).

    GeoPackage: SQLite's hot journal is rolled back. Rewritten formats: the
    commit manifest is rolled forward, or the temporary files removed.
    """
    return roll_back_interrupted_save(path) or recover_rewrite(path)
