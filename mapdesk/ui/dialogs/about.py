"""Help ▸ About: name, version and the versions of the libraries that matter."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget


def library_versions() -> dict[str, str]:
    """Versions a support request needs: Qt, PySide6, GDAL, PROJ, GEOS, Python."""
    import pyogrio
    import pyproj
    import shapely

    return {
        "Qt": qVersion(),
        "PySide6": pyside_version,
        "GDAL": str(pyogrio.__gdal_version_string__),
        "PROJ": str(pyproj.proj_version_str),
        "GEOS": str(shapely.geos_version_string),
        "Python": platform.python_version(),
    }


def about_text() -> str:
    from mapdesk import __version__

    rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in library_versions().items())
    return (
        f"<h3>mapdesk {__version__}</h3>"
        "<p>Desktop GIS and asset mapping for the City of Portland, Maine, IT department.</p>"
        f"<table cellspacing='4'>{rows}</table>"
    )


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(parent, "About mapdesk", about_text())
