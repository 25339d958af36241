"""Identify: the features under a map position in every visible layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from mapdesk.core.display_filter import among_shown
from mapdesk.core.layer import VectorLayer
from mapdesk.core.layer_list import LayerList

#: At most this many features per layer are listed (a click on a zoomed-out
#: map can hit thousands; the panel says how many there were).
IDENTIFY_LIMIT = 50


@dataclass(frozen=True)
class IdentifyHit:
    """One feature found by identify, with its attributes."""

    layer_id: str
    layer_name: str
    row: int
    fid: Any
    attributes: dict[str, Any]


@dataclass(frozen=True)
class LayerHits:
    """What identify found in one layer: the nearest features, and how many in all."""

    layer: VectorLayer
    hits: list[IdentifyHit]
    total: int


def identify_at(
    layers: LayerList,
    map_crs: CRS | None,
    x: float,
    y: float,
    tolerance: float,
    limit: int = IDENTIFY_LIMIT,
) -> list[LayerHits]:
    """Features within ``tolerance`` (map units) of (x, y) in visible layers, top layer first.

    Features a layer's display filter hides are not on the map, so not found.

    Within a layer the nearest come first (a point inside a polygon is at
    distance 0) and ``limit`` keeps the nearest, ties in file order.
    Attributes are read by row from column arrays, not via ``iloc``, which is
    50-700x slower per hit.
    """
    point = shapely.Point(x, y)  # made once: ~15 µs each
    found = []
    for layer in layers:
        if not layer.visible or layer.feature_count == 0:
            continue
        projected = layer.projected(map_crs)
        rows = among_shown(projected.rows_at(point, tolerance), layer.shown_rows())
        if len(rows) == 0:
            continue
        distances = shapely.distance(projected.geometries[rows], point)
        nearest = rows[np.lexsort((rows, distances))][:limit]
        found.append(LayerHits(layer, _hits(layer, nearest), len(rows)))
    return found


def _hits(layer: VectorLayer, rows: npt.NDArray[np.intp]) -> list[IdentifyHit]:
    fids = layer.fids(rows)
    attributes = layer.attribute_rows(rows)
    return [
        IdentifyHit(layer.id, layer.name, int(row), fid, values)
        for row, fid, values in zip(rows, fids, attributes, strict=True)
    ]
