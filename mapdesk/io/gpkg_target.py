"""What the writers of new GeoPackage layers (network, NENA) share: checks, CRS text, commit.

A request is checked before anything is written, so that a bad name or a
read-only folder is said plainly and the user's file is never touched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

from pyproj import CRS

from mapdesk.core.errors import MapdeskError
from mapdesk.io.gpkg_layers import add_empty_layers, write_error


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


def write_new_layers(
    path: Path,
    tables: Sequence[str],
    write: Callable[[Path], None],
    finish: Callable[[sqlite3.Connection], None],
    replace: bool = False,
) -> None:
    """New empty layers into ``path``, all of them or none: written beside it, then moved in.

    Parameters
    ----------
    path
        A new GeoPackage, or an existing one that keeps its other layers.
    tables
        The layers ``write`` writes.
    write
        Writes the empty layers into the temporary GeoPackage it is given.
    finish
        Writes what goes with them (domains) inside the transaction that adds them.
    replace
        Replace layers of those names in ``path`` (the user agreed).

    Raises
    ------
    LayerExistsError, MapdeskError
        As io.gpkg_layers.add_empty_layers; ``path`` is then as it was.
    """
    temp = path.with_name(f".{path.stem}.mapdesk-new-{secrets.token_hex(4)}.gpkg")
    try:
        write(temp)
        if path.exists():
            add_empty_layers(temp, path, tables, replace, finish)
        else:
            with closing(sqlite3.connect(temp)) as connection, connection:
                finish(connection)
            with open(temp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(temp, path)
    except OSError as exc:
        raise MapdeskError(f"Cannot write {path}: {exc.strerror or exc}") from exc
    except sqlite3.Error as exc:
        raise write_error(path, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
