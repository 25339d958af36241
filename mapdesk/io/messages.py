"""Turning GDAL, pyogrio and shapely failures into messages a GIS analyst reads.

The callers raise what :func:`translate` returns ``from`` the original
exception, so the technical cause stays on ``__cause__`` for the log while the
user sees a sentence that names the file and says what is wrong.
"""

from __future__ import annotations

import re

from mapdesk.core.errors import (
    DataSourceError,
    LayerNotFoundError,
    MapdeskError,
    UnsupportedFormatError,
)
from mapdesk.io.json_limits import explain_json_limit

#: OGR geometry type codes shapely cannot hold, with the names analysts know.
EXOTIC_GEOMETRY_TYPES = {
    "8": "circular string (curve)",
    "9": "compound curve",
    "10": "curve polygon",
    "11": "multi-curve",
    "12": "multi-surface",
    "15": "polyhedral surface",
    "16": "TIN (triangulated surface)",
    "17": "triangle",
}

_NOT_RECOGNISED = ("not recognized as being in a supported file format", "not recognized as a")
_NOT_FOUND = ("no such file or directory", "does not exist in the file system")


def missing_shx(name: str) -> DataSourceError:
    """The error for a shapefile whose .shx index is missing."""
    return DataSourceError(
        f"{name}: the .shx index file is missing; mapdesk does not rebuild it in place. "
        "Copy the .shx from the original data, or rebuild it on a copy of the shapefile "
        "(for example with ogr2ogr and SHAPE_RESTORE_SHX=YES)"
    )


def not_a_shapefile(name: str) -> UnsupportedFormatError:
    """The error for a .shp whose header is not a shapefile header."""
    return UnsupportedFormatError(
        f"{name}: this is not a valid shapefile: its header is not a shapefile header, "
        "so it is damaged or another kind of file renamed to .shp"
    )


def unsupported_geometry(name: str, code: str) -> UnsupportedFormatError:
    """The error for features of a geometry type mapdesk cannot hold."""
    kind = EXOTIC_GEOMETRY_TYPES.get(code, f"OGR type {code}")
    return UnsupportedFormatError(
        f"{name}: its features are {kind} geometries, which mapdesk cannot display; "
        "convert them to polygons or lines in the source application"
    )


def _not_recognised(name: str) -> UnsupportedFormatError:
    lower = name.lower()
    if lower.endswith((".json", ".geojson")):
        why = (
            "this JSON file is not GeoJSON (it has no FeatureCollection or Feature), "
            "so it has nothing mapdesk can map"
        )
    elif lower.endswith((".shp", ".dbf")):
        why = "this is not a valid shapefile or dBase table: it is damaged or another kind of file"
    elif lower.endswith(".zip"):
        why = "this zip file holds no GIS data mapdesk can read"
    else:
        why = (
            "this is not a vector GIS file mapdesk can read (unknown format, wrong "
            "extension, or a damaged file)"
        )
    return UnsupportedFormatError(f"{name}: {why}")


def _gdal_detail(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return first if len(first) <= 200 else first[:197] + "..."


def translate(exc: BaseException, name: str) -> MapdeskError:
    """A :class:`MapdeskError` that says in words what ``exc`` means for ``name``.

    Parameters
    ----------
    exc : BaseException
        The exception raised by pyogrio, GDAL, shapely, pandas or pyarrow.
    name : str
        The file name (and layer) to put at the start of the message.
    """
    if isinstance(exc, MapdeskError):
        return exc
    text = str(exc)
    lower = text.lower()
    if ".shx" in lower and "shape_restore_shx" in lower:
        return missing_shx(name)
    version = re.search(r"unsupported flatgeobuf version (\d+)", lower)
    if version:
        return UnsupportedFormatError(
            f"{name}: FlatGeobuf version {version.group(1)} files are not supported, "
            "re-export it with a current GDAL (ogr2ogr) or QGIS"
        )
    code = re.search(r"(?:geometry type is not supported|unknown wkb type):? (\d+)", lower)
    if code:
        return unsupported_geometry(name, code.group(1))
    if any(marker in lower for marker in _NOT_RECOGNISED):
        return _not_recognised(name)
    if any(marker in lower for marker in _NOT_FOUND):
        return DataSourceError(f"{name}: the file or one of its parts cannot be found")
    limit = explain_json_limit(text, name)
    if limit is not None:
        return limit
    if "permission denied" in lower:
        return DataSourceError(f"{name}: permission denied; mapdesk may not read this file")
    return DataSourceError(f"{name}: could not be read ({_gdal_detail(text)})")


def layer_not_found(name: str, layer: str, available: list[str]) -> LayerNotFoundError:
    """The error for a layer name that is not in the file, listing the real ones."""
    listing = ", ".join(repr(n) for n in available) or "none"
    return LayerNotFoundError(f"{name}: there is no layer {layer!r}; its layers are: {listing}")


def choose_layer(name: str, available: list[str]) -> LayerNotFoundError:
    """The error for reading a multi-layer file without naming a layer."""
    listing = ", ".join(repr(n) for n in available)
    return LayerNotFoundError(f"{name} has {len(available)} layers; choose one of: {listing}")


def no_layers(name: str) -> UnsupportedFormatError:
    """The error for a file GDAL opens but in which it finds no layer."""
    return UnsupportedFormatError(
        f"{name}: no map layers were found in this file (it is empty, damaged, or not a "
        "vector GIS file)"
    )
