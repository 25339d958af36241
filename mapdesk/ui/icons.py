"""Icons shipped in ``mapdesk/resources/icons`` (SVG, so they stay sharp on HiDPI)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

#: The application icon's bitmap sizes (scripts/make_icons.py renders them from the SVG).
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_path(name: str) -> str:
    """The file of the icon called ``name`` (without ``.svg``)."""
    return str(files("mapdesk") / "resources" / "icons" / f"{name}.svg")


@lru_cache(maxsize=64)
def icon(name: str) -> QIcon:
    """The icon called ``name``; an empty icon if the file is missing."""
    return QIcon(icon_path(name))


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """mapdesk's own icon (windows, task bar, About): the rendered PNGs, then the SVG.

    The PNGs come first so the icon shows even where Qt's SVG icon engine is
    missing (a slimmed bundle); the SVG serves any other size.
    """
    app_folder = files("mapdesk") / "resources" / "icons" / "app"
    result = QIcon()
    for size in APP_ICON_SIZES:
        result.addFile(str(app_folder / f"mapdesk-{size}.png"), QSize(size, size))
    result.addFile(icon_path("mapdesk"))
    return result
