"""Frozen records of where a layer came from and what a data source holds.

These are the values the core model and the UI receive from :mod:`mapdesk.io`:
a :class:`Source` is stored on every layer so it can be re-read or saved back,
a :class:`LayerInfo` is one row of the Add Layer dialog or of ``mapdesk info``,
and a :class:`LayerRead` is the result of reading one layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas
import pyproj


@dataclass(frozen=True)
class Source:
    """Where a layer came from, recorded on the layer.

    Attributes
    ----------
    path : str
        The path as the user gave it, made absolute.
    layer : str or None
        Sub-layer name inside the file (GeoPackage table, KML folder, zip
        member path), or None for single-layer files.
    driver : str
        GDAL driver name, or ``"GeoParquet"`` / ``"CSV"``.
    reader : str
        The library that read it: ``"pyogrio"``, ``"fiona"``, ``"geoparquet"``
        or ``"csv"``.
    encoding : str or None
        The text encoding a shapefile was read with when it was not the one
        the file declares (chosen by the user or detected), as a Python codec
        name; None when the file's own declaration was used.
    """

    path: str
    layer: str | None
    driver: str
    reader: str
    encoding: str | None = None


@dataclass(frozen=True)
class LayerInfo:
    """What ``mapdesk info`` prints and the Add Layer dialog lists for a layer.

    Attributes
    ----------
    name : str
        The layer name to pass back to :func:`mapdesk.io.read_layer`.
    driver : str
        GDAL driver name, or ``"GeoParquet"`` / ``"CSV"``.
    geometry_type : str or None
        For example ``"Point"`` or ``"MultiPolygon"``; None for tables.
    feature_count : int or None
        None when it is unknown without reading every feature.
    crs : pyproj.CRS or None
        The layer's coordinate reference system, None when the file has none.
    extent : tuple of float or None
        ``(xmin, ymin, xmax, ymax)`` in the layer's CRS, None when unknown.
    fields : tuple of (str, str)
        Field names and their types as the file declares them.
    """

    name: str
    driver: str
    geometry_type: str | None
    feature_count: int | None
    crs: pyproj.CRS | None
    extent: tuple[float, float, float, float] | None
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LayerRead:
    """One layer read into memory.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        The features; the geometry column is named ``"geometry"`` and the CRS
        is the file's (None when the file has none).
    source : Source
        Where the features came from.
    warnings : tuple of str
        Sentences for the user about anything lost or unknown, e.g.
        ``"No CRS: choose one"``.
    """

    frame: geopandas.GeoDataFrame
    source: Source
    warnings: tuple[str, ...]
