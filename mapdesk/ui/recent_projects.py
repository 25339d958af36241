"""The projects opened or saved lately, for Project ▸ Open Recent (kept in QSettings)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

#: Projects listed at most, as in QGIS.
RECENT_KEPT = 10
_KEY = "projects/recent"


def recent_projects() -> list[Path]:
    """Most recent first; files that are gone are listed too (the menu says so)."""
    stored = QSettings().value(_KEY, [])
    if isinstance(stored, str):  # QSettings gives a lone string for a one-item list
        stored = [stored]
    items = stored if isinstance(stored, list) else []
    return [Path(str(item)) for item in items if str(item)]


def remember_project(path: Path) -> None:
    """Put ``path`` first in the list (once), dropping the oldest beyond RECENT_KEPT."""
    target = path.resolve()
    others = [p for p in recent_projects() if p != target]
    QSettings().setValue(_KEY, [str(p) for p in [target, *others][:RECENT_KEPT]])


def forget_recent_projects() -> None:
    QSettings().remove(_KEY)
