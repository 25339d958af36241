"""The path a user gave: is it a local file, what is it called, what kind is it.

mapdesk opens files on disk only. Web addresses, GDAL virtual paths and inline
GeoJSON text are refused here, before GDAL sees them (RELIABILITY.md, row 9):
GDAL would otherwise fetch URLs or parse the text, which a file dialog or a
drag-and-drop should never trigger (the rules are in :mod:`mapdesk.core.source_text`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from mapdesk.core.errors import DataSourceError
from mapdesk.core.source_text import names_existing_file, non_file_reason
from mapdesk.io.postgis.uri import is_postgis_uri

FileKind = Literal["csv", "parquet", "zip", "ogr"]

#: Extensions offered in the file dialog and accepted on drag-and-drop.
MAIN_EXTENSIONS = (
    ".gpkg", ".shp", ".zip", ".geojson", ".json", ".kml", ".kmz", ".fgb",
    ".parquet", ".geoparquet", ".gpx", ".csv", ".tsv",
)  # fmt: skip
#: Other vector formats GDAL reads; accepted too, but not advertised first.
EXTRA_EXTENSIONS = (
    ".topojson", ".gml", ".osm", ".pbf", ".dbf", ".gdb", ".geojsonl", ".geojsons",
    ".sqlite", ".tab", ".mif", ".dxf",
)  # fmt: skip

CSV_EXTENSIONS = (".csv", ".tsv")
PARQUET_EXTENSIONS = (".parquet", ".geoparquet")


def display_name(path: str | os.PathLike[str]) -> str:
    """The name to put in a message: the file's base name, or the text shortened."""
    text = os.fspath(path)
    base = os.path.basename(text.rstrip("/\\")) or text
    return base if len(base) <= 60 else base[:57] + "..."


def refuse_non_file(text: str) -> None:
    """Raise DataSourceError when ``text`` is not the path of a local file.

    Web addresses, /vsi paths, GDAL connection strings, inline GeoJSON or XML
    text and paths with a NUL character are refused before GDAL sees them
    (the rules: :func:`mapdesk.core.source_text.non_file_reason`).

    Raises
    ------
    DataSourceError
        Naming the text and what to do instead.
    """
    reason = non_file_reason(text)
    if reason is not None:
        raise DataSourceError(reason)


def user_source(path: str | os.PathLike[str]) -> str:
    """The source a user gave, checked in this process before a reader child sees it.

    A ``postgresql://`` address is returned as it is. Anything else must be
    a path: text that is not (:func:`refuse_non_file`) is refused here, so no
    reader process is started (or lost) for it, and a relative path is made
    absolute, since the reader process does not follow the app's working folder.

    Raises
    ------
    DataSourceError
        Naming the text and what to do instead.
    """
    text = os.fspath(path)
    if is_postgis_uri(text):
        return text
    refuse_non_file(text)
    return str(Path(text).expanduser().absolute())


def check_local_path(path: str | os.PathLike[str]) -> Path:
    """Return the absolute path of an existing local file mapdesk may read.

    Raises
    ------
    DataSourceError
        When the path is a URL, a /vsi path or inline text, does not exist,
        or is a folder that is not a File Geodatabase.
    """
    if not isinstance(path, str | os.PathLike):
        raise DataSourceError(f"{path!r}: not a file path")
    text = os.fspath(path)
    refuse_non_file(text)
    local = Path(text).expanduser().absolute()
    if not names_existing_file(str(local)):  # Path.exists raises on a too-long name
        where = str(local) if len(str(local)) <= 200 else str(local)[:197] + "..."
        raise DataSourceError(f"{display_name(local)}: file not found ({where})")
    if local.is_dir() and local.suffix.lower() != ".gdb":
        raise DataSourceError(
            f"{display_name(local)}: this is a folder; open a file inside it instead"
        )
    return local


def file_kind(path: Path) -> FileKind:
    """Which reader handles ``path``: our CSV reader, GeoParquet, a zip, or GDAL."""
    name = path.name.lower()
    if name.endswith(CSV_EXTENSIONS):
        return "csv"
    if name.endswith(PARQUET_EXTENSIONS):
        return "parquet"
    # A .gdb.zip is a File Geodatabase GDAL opens as is, not a zip of shapefiles.
    if name.endswith(".zip") and not name.endswith(".gdb.zip"):
        return "zip"
    return "ogr"


def is_supported_path(path: object) -> bool:
    """True when the path has an extension mapdesk reads (for drag-and-drop).

    Never raises: anything that is not a path-like value is simply unsupported.
    """
    if not isinstance(path, str | os.PathLike):
        return False
    text = os.fspath(path)
    if not isinstance(text, str) or non_file_reason(text) is not None:
        return False
    name = text.lower().rstrip("/\\")
    return name.endswith(MAIN_EXTENSIONS + EXTRA_EXTENSIONS)


def supported_file_filter() -> str:
    """A Qt file-dialog filter: every readable extension, then all files."""
    patterns = " ".join(f"*{ext}" for ext in MAIN_EXTENSIONS + EXTRA_EXTENSIONS)
    return f"Vector files ({patterns});;All files (*)"
