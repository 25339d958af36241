"""The kinds of feature a layer holds (point, line, polygon) and cutting them.

A layer takes only geometries of its kind; a layer declared multi-part gets
multi-part geometries. Split Features cuts with ``pieces``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.errors
import shapely.ops

from mapdesk.core.editing.errors import EditError

#: Shapely type ids (0 Point ... 6 MultiPolygon) -> the kind of feature.
KIND_OF_TYPE_ID = {
    0: "point",
    1: "line",
    2: "line",
    3: "polygon",
    4: "point",
    5: "line",
    6: "polygon",
}
#: The geometry type a file declares (GDAL's names) -> the kind of feature.
KIND_OF_DECLARED = {"Point": "point", "LineString": "line", "Polygon": "polygon"}
#: Shapely geometry type -> the kind a layer holds (multi-part types included).
KINDS = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "LinearRing": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}


MULTI_OF_KIND = {
    "point": shapely.multipoints,
    "line": shapely.multilinestrings,
    "polygon": shapely.multipolygons,
}


def cut_into_pieces(geometry: Any, cutter: Any) -> list[Any]:
    """The pieces ``cutter`` cuts ``geometry`` into, largest first (one: not cut)."""
    if geometry is None or geometry.is_empty or not geometry.intersects(cutter):
        return [geometry]
    parts = shapely.get_parts(geometry)
    pieces = []
    for part in parts:
        try:
            pieces.extend(shapely.get_parts(shapely.ops.split(part, cutter)))
        except (ValueError, shapely.errors.GeometryTypeError, shapely.errors.GEOSException):
            raise EditError(
                "The split line runs along the feature instead of across it: draw it across"
            ) from None
    if len(pieces) == len(parts):  # touched, not cut
        return [geometry]
    measure = shapely.area if int(shapely.get_type_id(geometry)) in (3, 6) else shapely.length
    return sorted(pieces, key=lambda piece: float(measure(piece)), reverse=True)


def layer_kind(frame: gpd.GeoDataFrame) -> str | None:
    """point, line or polygon when every geometry is of that kind; None for mixed or none."""
    types = shapely.get_type_id(np.asarray(frame.geometry.array, dtype=object))
    kinds = {KIND_OF_TYPE_ID.get(int(t)) for t in pd.unique(types[types >= 0])}
    return kinds.pop() if len(kinds) == 1 and None not in kinds else None
