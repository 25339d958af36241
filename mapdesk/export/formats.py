"""The vector formats mapdesk exports to, and what each can hold.

What a format cannot hold is the pre-export check's business (``check``):
these records only state the limits, measured with GDAL 3.12 by writing
every kind of field and geometry and reading it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mapdesk.core.errors import MapdeskError


class ExportError(MapdeskError):
    """A layer cannot be exported as asked (the message says why and what to do)."""


@dataclass(frozen=True)
class ExportFormat:
    """One target format.

    Attributes
    ----------
    label
        As a GIS analyst knows it ("ESRI Shapefile").
    suffix
        The file extension, with the dot.
    driver
        The GDAL driver that writes it; None for formats mapdesk writes itself.
    name_bytes
        Longest field name, in bytes (None: no limit).
    text_bytes
        Longest text value, in bytes (None: no limit).
    keeps_m
        Whether M (measure) values survive.
    one_geometry_kind
        True when a file holds only points, only lines or only polygons.
    wgs84_only
        True when coordinates are always longitude/latitude on WGS 84.
    typed_dates
        True when date-time values are stored as such (else as text).
    typed_days
        True when dates (without a time) are stored as such (else as text).
    typed_int64
        True when 64-bit integers come back exact.
    empty_text_is_null
        True when an empty text cannot be told from no value.
    real_digits
        Significant digits a decimal number keeps (None: all).
    trims_text
        Characters a format drops from both ends of a text value (DBF pads
        text with spaces; KML's XML drops spaces and line breaks).
    """

    label: str
    suffix: str
    driver: str | None
    name_bytes: int | None = None
    text_bytes: int | None = None
    keeps_m: bool = True
    one_geometry_kind: bool = False
    wgs84_only: bool = False
    typed_dates: bool = True
    typed_days: bool = True
    typed_int64: bool = True
    empty_text_is_null: bool = False
    real_digits: int | None = None
    trims_text: str = ""


FORMATS: dict[str, ExportFormat] = {
    ".gpkg": ExportFormat("GeoPackage", ".gpkg", "GPKG"),
    ".shp": ExportFormat(
        "ESRI Shapefile",
        ".shp",
        "ESRI Shapefile",
        name_bytes=10,
        text_bytes=254,
        keeps_m=False,
        one_geometry_kind=True,
        typed_dates=False,
        typed_int64=False,
        empty_text_is_null=True,
        trims_text=" ",
    ),
    ".geojson": ExportFormat("GeoJSON", ".geojson", "GeoJSON", keeps_m=False),
    ".kml": ExportFormat(
        "KML",
        ".kml",
        "LIBKML",
        keeps_m=False,
        wgs84_only=True,
        typed_dates=False,
        typed_days=False,
        typed_int64=False,
        empty_text_is_null=True,
        real_digits=15,
        trims_text=" \t\r\n",
    ),
    ".fgb": ExportFormat("FlatGeobuf", ".fgb", "FlatGeobuf", keeps_m=False),
    ".parquet": ExportFormat("GeoParquet", ".parquet", None),
    ".csv": ExportFormat(
        "CSV (geometry as WKT)",
        ".csv",
        None,
        typed_dates=False,
        typed_days=False,
        empty_text_is_null=True,
    ),
}


def format_for(path: Path) -> ExportFormat:
    """The format a file name asks for, by its extension.

    Raises
    ------
    ExportError
        For an extension mapdesk does not export to (the message lists those it does).
    """
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        known = ", ".join(f"{f.suffix} ({f.label})" for f in FORMATS.values())
        raise ExportError(f"{path.name}: mapdesk cannot export to '{path.suffix}'; use {known}")
    return found
