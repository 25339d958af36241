"""GDAL vector formats through pyogrio: Arrow first, then slower paths for odd files.

The order of attempts for one layer:

1. ``read_dataframe(use_arrow=True)``: the fast path, fine for almost all files.
2. ``use_arrow=False``: GDAL linearises curves on this path (GeoPackage
   CurvePolygon, GML MultiCurve) and it survives some FlatGeobuf null
   geometries that the Arrow stream reports as truncated WKB.
3. A tolerant read: attributes and raw WKB separately, the WKB decoded one
   feature at a time so an unclosed ring or a one-point line costs that
   feature its geometry (with a warning naming it) instead of the whole layer.
4. fiona, only for geometry types pyogrio cannot hold (see fiona_reader).

Open failures (missing file, unknown format, missing .shx) stop at once: no
other reader would do better, and the message says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import pyproj
import shapely
import shapely.errors

from mapdesk.core.collector import collector_paused
from mapdesk.core.errors import MapdeskError
from mapdesk.io import fiona_reader
from mapdesk.io.arrow_frame import frame_from_arrow
from mapdesk.io.gpkg_rules import field_rules
from mapdesk.io.json_limits import deep_values_as_text
from mapdesk.io.messages import no_layers, translate
from mapdesk.io.sources import LayerInfo

Failure = Literal["open", "exotic", "decode", "retry"]

_LAYER_PROBLEMS = (
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
)


@dataclass(frozen=True)
class OgrRead:
    """A layer read through GDAL, with the reader that managed it."""

    frame: geopandas.GeoDataFrame
    driver: str
    reader: str
    warnings: tuple[str, ...]


def open_options(gdal_path: str, encoding: str | None = None) -> dict[str, str]:
    """GDAL open options a format needs to be read correctly.

    GDAL's OSM driver indexes nodes by id and fails on negative or unsorted ids
    (Maine E911 ``Reference.osm``); through Arrow it even returns no lines at
    all without an error. Its own advice is ``USE_CUSTOM_INDEXING=NO``.
    ``encoding`` (a shapefile's DBF text, see :mod:`mapdesk.io.dbf_encoding`)
    overrides what the ``.cpg`` or the DBF header declares.
    """
    if gdal_path.lower().endswith((".osm", ".pbf")):
        return {"USE_CUSTOM_INDEXING": "NO"}
    if encoding is not None:
        from mapdesk.io.dbf_encoding import gdal_name

        return {"ENCODING": gdal_name(encoding)}
    return {}


def pyogrio_can_address(gdal_path: str) -> bool:
    """False for paths pyogrio rewrites: it reads ``!`` as a URI archive separator."""
    return gdal_path.startswith("/vsi") or "!" not in gdal_path


def classify(exc: BaseException) -> Failure:
    """Which kind of failure ``exc`` is, to choose the next reader."""
    text = str(exc).lower()
    if "geometry type is not supported" in text or "unknown wkb type" in text:
        return "exotic"
    if isinstance(exc, pyogrio.errors.DataSourceError):
        return "open"
    if isinstance(exc, pyogrio.errors.DataLayerError) and not isinstance(exc, _LAYER_PROBLEMS):
        return "open"
    if isinstance(exc, shapely.errors.ShapelyError):
        return "decode"
    return "retry"


def layer_names(gdal_path: str, name: str) -> list[str]:
    """The layer names in a GDAL dataset, in the file's order.

    Raises
    ------
    MapdeskError
        When GDAL cannot open the file or finds no layer in it.
    """
    if not pyogrio_can_address(gdal_path):
        names = fiona_reader.layer_names(gdal_path, name)
    else:
        try:
            names = [str(row[0]) for row in pyogrio.list_layers(gdal_path)]
        except Exception as exc:
            if classify(exc) != "exotic":
                raise translate(exc, name) from exc
            names = fiona_reader.layer_names(gdal_path, name)
    if not names:
        raise no_layers(name)
    return names


def _crs(value: object) -> pyproj.CRS | None:
    if not value:
        return None
    try:
        return pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        return None


def _extent(bounds: Any) -> tuple[float, float, float, float] | None:
    if bounds is None:
        return None
    values = tuple(float(v) for v in bounds)
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        return None
    return (values[0], values[1], values[2], values[3])


def _info_from_meta(layer: str | None, meta: dict[str, Any]) -> LayerInfo:
    geometry_type = meta.get("geometry_type")
    types = meta.get("ogr_types") or [str(t) for t in meta["dtypes"]]
    fields = zip(meta["fields"], types, strict=True)
    count = int(meta.get("features", -1))
    return LayerInfo(
        name=layer if layer is not None else str(meta.get("layer_name", "")),
        driver=str(meta.get("driver", "")),
        geometry_type="Geometry" if geometry_type == "Unknown" else geometry_type,
        feature_count=count if count >= 0 else None,
        crs=_crs(meta.get("crs")),
        extent=_extent(meta.get("total_bounds")),
        fields=tuple((str(f), str(t).removeprefix("OFT")) for f, t in fields),
    )


def layer_info(gdal_path: str, layer: str | None, name: str, *, full: bool) -> LayerInfo:
    """Describe one layer (the first when ``layer`` is None).

    ``full`` counts the features and computes the extent even when that means
    reading every feature.
    """
    if not pyogrio_can_address(gdal_path):
        return fiona_reader.layer_info(gdal_path, layer, name, full=full)
    try:
        meta = pyogrio.read_info(
            gdal_path,
            layer=layer,
            force_feature_count=full,
            force_total_bounds=full,
            **open_options(gdal_path),
        )
    except Exception as exc:
        if classify(exc) == "exotic":
            return fiona_reader.layer_info(gdal_path, layer, name, full=full)
        where = name if layer is None else f"{name}, layer {layer!r}"
        raise translate(exc, where) from exc
    return _info_from_meta(layer, meta)


# The index carries GDAL's feature ids (GeoPackage fids start at 1), so
# identify shows the fid a QGIS user sees and later edits can address features.
def _read_arrow(
    gdal_path: str, layer: str | None, options: dict[str, str]
) -> tuple[geopandas.GeoDataFrame, list[str]]:
    meta, table = pyogrio.read_arrow(
        gdal_path,
        layer=layer,
        datetime_as_string=True,
        return_fids=True,
        **options,
    )
    return frame_from_arrow(meta, table), []


def _read_numpy(
    gdal_path: str, layer: str | None, options: dict[str, str]
) -> tuple[geopandas.GeoDataFrame, list[str]]:
    frame = pyogrio.read_dataframe(
        gdal_path, layer=layer, use_arrow=False, fid_as_index=True, **options
    )
    deep_values_as_text(frame)
    return frame, []


def _attributes(gdal_path: str, layer: str | None, options: dict[str, str]) -> pd.DataFrame:
    try:
        table = pyogrio.read_dataframe(
            gdal_path,
            layer=layer,
            read_geometry=False,
            use_arrow=True,
            fid_as_index=True,
            **options,
        )
    except Exception:  # the numpy path below reads what Arrow could not
        table = pyogrio.read_dataframe(
            gdal_path,
            layer=layer,
            read_geometry=False,
            use_arrow=False,
            fid_as_index=True,
            **options,
        )
    return pd.DataFrame(table)


def _decode(wkb: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], list[str]]:
    with collector_paused():
        strict = shapely.from_wkb(wkb, on_invalid="ignore")
        fixed = shapely.from_wkb(wkb, on_invalid="fix")
    # Empty WKB is what GDAL gives for a geometry it cannot export (a bare KML
    # LinearRing): that geometry is lost too, not absent.
    present = np.array([w is not None for w in wkb], dtype=bool)
    lost = np.flatnonzero(present & shapely.is_missing(fixed))
    repaired = np.flatnonzero(shapely.is_missing(strict) & ~shapely.is_missing(fixed))
    notes = []
    if len(repaired):
        notes.append(
            f"{_features(len(repaired))} had broken geometry (e.g. an unclosed ring) that was "
            f"repaired on reading: {_feature_list(repaired)}"
        )
    if len(lost):
        notes.append(
            f"{_features(len(lost))} had a geometry mapdesk could not read and now "
            f"{'has' if len(lost) == 1 else 'have'} no geometry: "
            f"{_feature_list(lost)}"
        )
    return fixed, notes


def _features(count: int) -> str:
    return f"{count} feature{'' if count == 1 else 's'}"


def _feature_list(indices: np.ndarray[Any, Any]) -> str:
    shown = ", ".join(f"#{i + 1}" for i in indices[:10])
    more = f" and {len(indices) - 10} more" if len(indices) > 10 else ""
    return f"{'feature' if len(indices) == 1 else 'features'} {shown}{more} (counting from 1)"


def _read_tolerant(
    gdal_path: str, layer: str | None, options: dict[str, str]
) -> tuple[geopandas.GeoDataFrame, list[str]]:
    attributes = _attributes(gdal_path, layer, options)
    meta, _, wkb, _ = pyogrio.raw.read(
        gdal_path, layer=layer, columns=[], read_geometry=True, **options
    )
    if wkb is None:
        return geopandas.GeoDataFrame(attributes, geometry=[None] * len(attributes)), []
    geometries, notes = _decode(wkb)
    frame = geopandas.GeoDataFrame(attributes, geometry=geometries, crs=meta.get("crs"))
    return frame, notes


def _driver(gdal_path: str, layer: str | None) -> str:
    meta = pyogrio.read_info(gdal_path, layer=layer, **open_options(gdal_path))
    return str(meta.get("driver", ""))


def _via_fiona(gdal_path: str, layer: str | None, name: str) -> OgrRead:
    frame, driver = fiona_reader.read(gdal_path, layer, name)
    return OgrRead(frame, driver, "fiona", ())


def _exotic(gdal_path: str, layer: str | None, name: str, encoding: str | None) -> OgrRead:
    """Geometry types shapely cannot hold: fiona converts them, else they are lost."""
    try:
        return _via_fiona(gdal_path, layer, name)
    except MapdeskError as fiona_failure:
        try:
            frame, notes = _read_tolerant(gdal_path, layer, open_options(gdal_path, encoding))
        except Exception:
            raise fiona_failure from None
        return OgrRead(frame, _driver(gdal_path, layer), "pyogrio", tuple(notes))


Attempt = Callable[[str, str | None, dict[str, str]], tuple[geopandas.GeoDataFrame, list[str]]]
_ATTEMPTS: tuple[Attempt, ...] = (_read_arrow, _read_numpy, _read_tolerant)


def read(gdal_path: str, layer: str | None, name: str, encoding: str | None = None) -> OgrRead:
    """Read one layer (the first when ``layer`` is None), trying the readers in turn.

    The order is the one the module docstring gives. ``encoding`` is a
    shapefile's text encoding when it is not the one the file declares.

    Raises
    ------
    MapdeskError
        Naming ``name`` and the layer, when no reader manages.
    """
    where = name if layer is None else f"{name}, layer {layer!r}"
    if not pyogrio_can_address(gdal_path):
        return _via_fiona(gdal_path, layer, where)
    failures: list[Exception] = []
    for attempt in _ATTEMPTS:
        try:
            frame, notes = attempt(gdal_path, layer, open_options(gdal_path, encoding))
        except Exception as exc:
            kind = classify(exc)
            if kind == "open":
                raise translate(exc, where) from exc
            if kind == "exotic":
                return _exotic(gdal_path, layer, where, encoding)
            failures.append(exc)
            continue
        info = _layer_meta(gdal_path, layer)
        _declare_types(frame, info)
        if info.get("driver") == "GPKG" and gdal_path.lower().endswith(".gpkg"):
            table = layer or str(info.get("layer_name", ""))
            if rules := field_rules(Path(gdal_path), table):
                frame.attrs["field_rules"] = rules
        return OgrRead(frame, str(info.get("driver", "")), "pyogrio", tuple(notes))
    raise translate(failures[0], where) from failures[0]


def _layer_meta(gdal_path: str, layer: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = pyogrio.read_info(gdal_path, layer=layer, **open_options(gdal_path))
    return meta


def _declare_types(frame: pd.DataFrame, meta: dict[str, Any]) -> None:
    """Keep the file's field and geometry types with the frame (``frame.attrs``).

    pandas loses them (an INTEGER column with NULLs reads as float64, a DATE
    as text, an empty layer has no geometries to tell its type): editing
    checks typed values against what the file declares.
    """
    types = meta.get("ogr_types")
    if types is not None:
        subtypes = meta.get("ogr_subtypes") or [""] * len(types)
        # A boolean is an integer with a subtype in GDAL: the subtype says more.
        frame.attrs["field_types"] = {
            str(name): str(sub if sub == "OFSTBoolean" else kind)
            for name, kind, sub in zip(meta["fields"], types, subtypes, strict=True)
        }
        for name, declared in frame.attrs["field_types"].items():
            column = frame[name] if name in frame.columns else None
            if declared == "OFSTBoolean" and column is not None and column.dtype.kind in "fiu":
                # A boolean field with NULLs arrives as 0.0/1.0: true/false it is.
                frame[name] = pd.Series(
                    [None if pd.isna(v) else bool(v) for v in column],
                    index=frame.index,
                    dtype=object,
                )
    if meta.get("geometry_type"):
        frame.attrs["geometry_type"] = str(meta["geometry_type"])
