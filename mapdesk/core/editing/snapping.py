"""Snapping: the vertex or segment of a chosen layer nearest the mouse.

Vertices win over segments (QGIS's "vertex and segment" mode): within the
tolerance, a corner is always preferred to a point along an edge. A feature
a layer's display filter hides is not on the map, so it is not snapped to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely

from mapdesk.core.display_filter import among_shown
from mapdesk.core.editing.vertices import nearest_segment, nearest_vertex
from mapdesk.core.spatial import ProjectedGeometry

SnapKind = Literal["vertex", "segment"]
_COLLECTION = 7  # shapely's type id of a GeometryCollection
#: A layer to snap to: its name, its geometries in the map CRS and, under a
#: display filter, the rows the map shows (``VectorLayer.shown_rows``).
SnapLayer = (
    tuple[str, ProjectedGeometry] | tuple[str, ProjectedGeometry, npt.NDArray[np.intp] | None]
)


@dataclass(frozen=True)
class SnapSettings:
    """Whether snapping is on, to which layers, and how near is near enough.

    ``layer_ids`` None means every visible layer (QGIS's "All Layers").
    """

    enabled: bool = True
    tolerance_px: float = 12.0
    vertices: bool = True
    segments: bool = True
    layer_ids: frozenset[str] | None = field(default=None)


@dataclass(frozen=True)
class SnapTarget:
    """Where the mouse snaps to, in map coordinates, and what it is."""

    x: float
    y: float
    kind: SnapKind
    layer_name: str


def snap_point(
    candidates: Iterable[SnapLayer],
    x: float,
    y: float,
    tolerance: float,
    settings: SnapSettings,
) -> SnapTarget | None:
    """The best snap for (x, y) among ``candidates`` (layer name, geometries in
    map CRS and optionally the rows the map shows)."""
    if not settings.enabled or tolerance <= 0:
        return None
    vertex: tuple[float, SnapTarget] | None = None
    segment: tuple[float, SnapTarget] | None = None
    for name, projected, *shown in candidates:
        for geometry in _near(projected, shown[0] if shown else None, x, y, tolerance):
            if settings.vertices and (hit := nearest_vertex(geometry, x, y, tolerance)):
                distance = float(shapely.distance(shapely.Point(hit.x, hit.y), shapely.Point(x, y)))
                if vertex is None or distance < vertex[0]:
                    vertex = (distance, SnapTarget(hit.x, hit.y, "vertex", name))
            if settings.segments and (on := nearest_segment(geometry, x, y, tolerance)):
                distance = float(shapely.distance(shapely.Point(on.x, on.y), shapely.Point(x, y)))
                if segment is None or distance < segment[0]:
                    segment = (distance, SnapTarget(on.x, on.y, "segment", name))
    best = vertex or segment
    return best[1] if best is not None else None


def _near(
    projected: ProjectedGeometry,
    shown: npt.NDArray[np.intp] | None,
    x: float,
    y: float,
    tolerance: float,
) -> list[Any]:
    if not len(projected.geometries):
        return []
    rows = among_shown(projected.rows_at(shapely.Point(x, y), tolerance), shown)
    found = projected.geometries[rows]
    # GeometryCollections have no vertex numbering mapdesk edits: not snapped to.
    usable = ~shapely.is_missing(found) & ~shapely.is_empty(found)
    usable &= shapely.get_type_id(found) != _COLLECTION
    return list(found[usable])
