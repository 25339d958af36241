"""Checks and CRS text shared by the writers of new GeoPackage layers (network, NENA).

A request is checked before anything is written, so that a bad name or a
read-only folder is said plainly and the user's file is never touched.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pyproj import CRS

from mapdesk.core.errors import MapdeskError


def check_layer_target(path: Path, names: Sequence[str], what: str) -> None:
    """Refuse a target that is not a writable ``.gpkg`` place, or a name no layer can have.

    ``what`` names the layers in messages ("network layers", "NENA layers").

    Raises
    ------
    MapdeskError
        Naming the file, folder or layer name that is wrong.
    """
    if path.suffix.lower() != ".gpkg":
        raise MapdeskError(f"{path.name}: {what} are written to a GeoPackage (.gpkg)")
    if not path.parent.is_dir():
        raise MapdeskError(f"Cannot write {path}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise MapdeskError(f"{path.name} is a folder, not a GeoPackage: choose a file name")
    # The layers are written beside the file first (and SQLite keeps its journal
    # there): a folder that cannot be written stops it, whatever the file allows.
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise MapdeskError(
            f"Cannot write in the folder {path.parent}: it is read-only (or not yours); "
            "nothing was changed. Choose another folder"
        )
    for name in names:
        if (
            not name.strip()
            or name != name.strip()
            or name.lower().startswith(("gpkg_", "rtree_", "sqlite_"))
        ):
            raise MapdeskError(f"{name!r} cannot name a GeoPackage layer: choose another name")


def gdal_crs_text(crs: CRS) -> str:
    """``EPSG:26919`` when the CRS has a code (GDAL then records the code), else its WKT."""
    authority = crs.to_authority(min_confidence=100)
    return f"{authority[0]}:{authority[1]}" if authority else crs.to_wkt()
