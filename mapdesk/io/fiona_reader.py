"""The fallback reader: fiona, with its own GDAL, for what pyogrio cannot open.

It earns its place on two classes of file, both in the shared corpus:

- geometry types pyogrio 0.13 and shapely cannot hold: a FlatGeobuf of
  Triangles (``flatgeobuf/triangle.fgb``: pyogrio fails to open it at all,
  "Geometry type is not supported: 17"), a multipatch shapefile read as a TIN
  (``fiona/test_tin.shp``: "Unknown WKB type 16") and the File Geodatabase
  ``multipatch`` layer. fiona converts them to Polygon, MultiPolygon and
  GeometryCollection the way GDAL's own ``OGR_G_ForceTo`` does;
- file names containing ``!``, which pyogrio takes for the archive separator
  of a URI (``fiona/!test.geojson`` becomes ``test.geojson``).

fiona is imported inside the functions: it is only loaded for these files.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas
import pyproj

from mapdesk.io.messages import translate
from mapdesk.io.sources import LayerInfo


def layer_names(path: str, name: str) -> list[str]:
    """The layer names fiona finds in ``path``."""
    import fiona

    try:
        return [str(n) for n in fiona.listlayers(path)]
    except Exception as exc:
        raise translate(exc, name) from exc


def _crs(collection: Any) -> pyproj.CRS | None:
    wkt = collection.crs_wkt
    try:
        return pyproj.CRS.from_wkt(wkt) if wkt else None
    except pyproj.exceptions.CRSError:
        return None


def _count(collection: Any, full: bool) -> int | None:
    try:
        count = len(collection)
    except Exception:  # fiona raises when the driver has no fast count
        count = -1
    if count < 0 and full:
        count = sum(1 for _ in collection)
    return count if count >= 0 else None


def _extent(collection: Any) -> tuple[float, float, float, float] | None:
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in collection.bounds)
    except Exception:  # no bounds for tables and some drivers
        return None
    values = (xmin, ymin, xmax, ymax)
    return values if all(math.isfinite(v) for v in values) else None


def _geometry_type(schema: dict[str, Any]) -> str | None:
    kind = str(schema.get("geometry") or "None")
    if kind == "None":
        return None
    return "Geometry" if kind == "Unknown" else kind


def layer_info(path: str, layer: str | None, name: str, *, full: bool) -> LayerInfo:
    """Describe one layer through fiona (see :func:`mapdesk.io.registry.describe`)."""
    import fiona

    try:
        with fiona.open(path, layer=layer) as collection:
            schema = dict(collection.schema)
            return LayerInfo(
                name=layer if layer is not None else str(collection.name),
                driver=str(collection.driver),
                geometry_type=_geometry_type(schema),
                feature_count=_count(collection, full),
                crs=_crs(collection),
                extent=_extent(collection) if full else None,
                fields=tuple((str(k), str(v)) for k, v in schema["properties"].items()),
            )
    except Exception as exc:
        raise translate(exc, name if layer is None else f"{name}, layer {layer!r}") from exc


def read(path: str, layer: str | None, name: str) -> tuple[geopandas.GeoDataFrame, str]:
    """Read one layer with fiona; returns the frame and the GDAL driver name."""
    import fiona

    try:
        # fiona directly: geopandas.read_file would rewrite a "!" in the path too.
        with fiona.open(path, layer=layer) as collection:
            driver = str(collection.driver)
            columns = [*collection.schema["properties"], "geometry"]
            frame = geopandas.GeoDataFrame.from_features(
                collection, crs=collection.crs_wkt or None, columns=columns
            )
    except Exception as exc:
        raise translate(exc, name) from exc
    return frame, driver
