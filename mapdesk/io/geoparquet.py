"""GeoParquet through geopandas and pyarrow.

pyogrio's GDAL wheel has no Parquet driver (a .parquet goes to its ADBC
driver, which needs a libduckdb that is not there), so Parquet is read here.
A Parquet file without the ``geo`` metadata but with a binary ``geometry``
column (as older writers and the pyogrio fixtures make) is read as WKB with no
CRS, as GDAL's own Parquet driver does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas
import pyproj
import shapely

from mapdesk.core.collector import collector_paused
from mapdesk.core.errors import UnsupportedFormatError
from mapdesk.io.messages import translate
from mapdesk.io.sources import LayerInfo

DRIVER = "GeoParquet"
_WKB_NAMES = ("geometry", "geom", "wkb_geometry", "wkb", "geometry_wkb")


def _metadata(path: Path) -> tuple[Any, dict[str, Any] | None]:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        raw = (meta.metadata or {}).get(b"geo")
        return meta, json.loads(raw) if raw else None
    except Exception as exc:
        raise _not_parquet(path, exc) from exc


def _not_parquet(path: Path, exc: Exception) -> UnsupportedFormatError:
    return UnsupportedFormatError(
        f"{path.name}: this is not a readable Parquet file (damaged or another kind of "
        f"file renamed to .parquet: {exc})"
    )


def _crs(column: dict[str, Any]) -> pyproj.CRS | None:
    # GeoParquet: no "crs" key means OGC:CRS84; an explicit null means unknown.
    value = column.get("crs", "OGC:CRS84")
    if value is None:
        return None
    try:
        return pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        return None


def _geometry_type(column: dict[str, Any]) -> str | None:
    types = sorted({str(t).removesuffix(" Z") for t in column.get("geometry_types") or []})
    return types[0] if len(types) == 1 else "Geometry"


def _extent(column: dict[str, Any]) -> tuple[float, float, float, float] | None:
    bbox = column.get("bbox")
    if not bbox or len(bbox) != 4:
        return None
    return (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))


def layer_info(path: Path) -> LayerInfo:
    """Describe a GeoParquet file from its metadata, without reading the rows."""
    meta, geo = _metadata(path)
    schema = meta.schema.to_arrow_schema()
    primary = geo["primary_column"] if geo else _wkb_column(path, schema.names)
    column = (geo or {}).get("columns", {}).get(primary, {"crs": None})
    return LayerInfo(
        name=path.stem,
        driver=DRIVER,
        geometry_type=_geometry_type(column) if geo else "Geometry",
        feature_count=int(meta.num_rows),
        crs=_crs(column),
        extent=_extent(column),
        fields=tuple((f.name, str(f.type)) for f in schema if f.name != primary),
    )


def _wkb_column(path: Path, names: list[str]) -> str:
    for name in names:
        if name.lower() in _WKB_NAMES:
            return name
    raise UnsupportedFormatError(
        f"{path.name}: this Parquet file has no GeoParquet metadata and no geometry "
        f"column, so it has nothing mapdesk can map (columns: {', '.join(names)})"
    )


def _read_plain(path: Path) -> geopandas.GeoDataFrame:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    column = _wkb_column(path, table.column_names)
    frame = table.to_pandas()
    geometries = shapely.from_wkb(frame.pop(column).to_numpy(), on_invalid="ignore")
    return geopandas.GeoDataFrame(frame, geometry=geometries, crs=None)


def read(path: Path) -> tuple[geopandas.GeoDataFrame, list[str]]:
    """Read the file; return the features and warnings."""
    _, geo = _metadata(path)
    try:
        with collector_paused():
            if geo is None:
                frame = _read_plain(path)
                return frame, ["The file has no GeoParquet metadata: its geometry was read as WKB"]
            return geopandas.read_parquet(path), []
    except UnsupportedFormatError:
        raise
    except Exception as exc:
        raise translate(exc, path.name) from exc
