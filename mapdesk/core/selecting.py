"""Which features a selection gesture or a spatial query picks (Qt-free).

Everything is answered in the map CRS through the layer's cached projection
and its STRtree, so selecting in a million points is an index query, not a
loop. The functions return row positions; ``fids_of`` turns them into the
feature ids a FeatureSelection keeps.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from mapdesk.core.display_filter import among_shown
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

Rows = npt.NDArray[np.intp]


class SpatialRelation(Enum):
    """How features relate to the features of another layer (select by location)."""

    INTERSECT = "intersect"
    ARE_WITHIN = "are within"
    ARE_WITHIN_DISTANCE = "are within distance of"

    @property
    def predicate(self) -> str:
        return {
            SpatialRelation.INTERSECT: "intersects",
            SpatialRelation.ARE_WITHIN: "within",
            SpatialRelation.ARE_WITHIN_DISTANCE: "dwithin",
        }[self]


def fids_of(layer: VectorLayer, rows: Rows) -> npt.NDArray[Any]:
    """The feature ids at row positions ``rows``."""
    return np.asarray(layer.data.index.to_numpy()[rows])


def rows_clicked(layer: VectorLayer, crs: CRS | None, x: float, y: float, tolerance: float) -> Rows:
    """The one feature a click picks: the nearest within ``tolerance`` (map units).

    A point inside a polygon is at distance 0; ties go to the feature drawn
    last (on top), as the user sees it. Empty when nothing is that close.
    A feature the layer's display filter hides cannot be clicked.
    """
    projected = layer.projected(crs)
    point = shapely.Point(x, y)
    rows = among_shown(projected.rows_at(point, tolerance), layer.shown_rows())
    if len(rows) == 0:
        return np.empty(0, dtype=np.intp)
    distances = shapely.distance(projected.geometries[rows], point)
    nearest = rows[np.lexsort((-rows, distances))]  # nearest, then the later row
    return nearest[:1].astype(np.intp)


def rows_in_area(layer: VectorLayer, crs: CRS | None, area: shapely.Geometry) -> Rows:
    """Features meeting ``area`` (a rectangle, polygon or circle in the map CRS)
    that the map shows (the layer's display filter may hide some)."""
    if area is None or shapely.is_empty(area):
        return np.empty(0, dtype=np.intp)
    hits = layer.projected(crs).tree.query(area, predicate="intersects")
    return among_shown(np.unique(np.asarray(hits, dtype=np.intp)), layer.shown_rows())


def rows_by_location(
    layer: VectorLayer,
    crs: CRS | None,
    reference: VectorLayer,
    relation: SpatialRelation,
    distance: float = 0.0,
    reference_rows: Rows | None = None,
) -> Rows:
    """Features of ``layer`` that relate to those of ``reference`` (all, or some rows).

    Both layers are compared in the map CRS ``crs`` (``distance`` in its
    units), so layers stored in different CRSs work as the map shows them.

    Raises
    ------
    MapdeskError
        If ``distance`` is negative, or the layers are the same for "are within".
    """
    if distance < 0:
        raise MapdeskError(f"The distance must not be negative, got {distance}")
    others = reference.projected(crs).geometries
    if reference_rows is not None:
        others = others[reference_rows]
    others = others[~(shapely.is_missing(others) | shapely.is_empty(others))]
    if len(others) == 0:
        return np.empty(0, dtype=np.intp)
    tree = layer.projected(crs).tree
    if relation is SpatialRelation.ARE_WITHIN_DISTANCE:
        pairs = tree.query(others, predicate="dwithin", distance=distance)
    elif relation is SpatialRelation.ARE_WITHIN:
        # "within" from the layer's side is "contains" from the reference's.
        pairs = tree.query(others, predicate="contains")
    else:
        pairs = tree.query(others, predicate="intersects")
    return np.unique(np.asarray(pairs[1], dtype=np.intp))
