"""Icons shipped in ``mapdesk/resources/icons`` (SVG, so they stay sharp on HiDPI)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from PySide6.QtGui import QIcon


def icon_path(name: str) -> str:
    """The file of the icon called ``name`` (without ``.svg``)."""
    return str(files("mapdesk") / "resources" / "icons" / f"{name}.svg")


@lru_cache(maxsize=64)
def icon(name: str) -> QIcon:
    """The icon called ``name``; an empty icon if the file is missing."""
    return QIcon(icon_path(name))
