"""Vertices of a geometry by number: find, move, insert and delete them.

A vertex is addressed by its position in ``shapely.get_coordinates`` (all
parts and rings in order), so an index found on the geometry reprojected to
the map CRS addresses the same vertex of the layer's own geometry. The
closing vertex of a ring moves with the first one, so rings stay closed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from mapdesk.core.errors import MapdeskError

Coordinates = npt.NDArray[np.float64]


class VertexError(MapdeskError):
    """A vertex edit that would break the geometry (a ring of two points...)."""


@dataclass(frozen=True)
class VertexHit:
    """A vertex near the mouse: which, where, and its neighbours on the same ring/line."""

    index: int
    x: float
    y: float
    neighbours: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class SegmentHit:
    """The closest point on a segment: inserting a vertex there puts it after ``index``."""

    index: int
    x: float
    y: float


def _rings(geometry: Any) -> list[tuple[int, int, bool]]:
    """(start, stop, closed) of each part/ring in get_coordinates order."""
    kind, coords, offsets = shapely.to_ragged_array([geometry])
    del kind
    bounds = offsets[0] if offsets else np.array([0, len(coords)])
    closed = shapely.get_type_id(geometry) in (3, 6)  # Polygon, MultiPolygon
    return [(int(a), int(b), closed) for a, b in itertools.pairwise(bounds)]


def _coordinates(geometry: Any) -> Coordinates:
    """Every vertex, with Z when the geometry has it (an edit must keep heights)."""
    coords: Coordinates = shapely.get_coordinates(geometry, include_z=bool(shapely.has_z(geometry)))
    return coords


def nearest_vertex(geometry: Any, x: float, y: float, tolerance: float) -> VertexHit | None:
    """The vertex of ``geometry`` nearest (x, y) within ``tolerance``; None if none."""
    coords = shapely.get_coordinates(geometry)
    if not len(coords):
        return None
    distances = np.hypot(coords[:, 0] - x, coords[:, 1] - y)
    index = int(np.argmin(distances))
    if distances[index] > tolerance:
        return None
    for start, stop, closed in _rings(geometry):
        if start <= index < stop:
            if closed and index == stop - 1:
                index = start  # the closing vertex is the first one
            x0, y0 = (float(v) for v in coords[index])
            return VertexHit(index, x0, y0, _neighbours(coords, index, start, stop, closed))
    return None


def _neighbours(
    coords: Coordinates, index: int, start: int, stop: int, closed: bool
) -> tuple[tuple[float, float], ...]:
    last = stop - 2 if closed else stop - 1  # a ring's last distinct vertex
    found = []
    if index > start:
        found.append(coords[index - 1])
    elif closed:
        found.append(coords[last])
    if index < last:
        found.append(coords[index + 1])
    elif closed:
        found.append(coords[start])
    return tuple((float(a), float(b)) for a, b in found)


def nearest_segment(geometry: Any, x: float, y: float, tolerance: float) -> SegmentHit | None:
    """The point of ``geometry``'s outline nearest (x, y) within ``tolerance``."""
    coords = shapely.get_coordinates(geometry)
    best: SegmentHit | None = None
    best_distance = tolerance
    for start, stop, _closed in _rings(geometry):
        a, b = coords[start : stop - 1], coords[start + 1 : stop]
        if not len(a):
            continue
        d = b - a
        length2 = np.maximum((d**2).sum(axis=1), 1e-300)
        t = np.clip(((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1]) / length2, 0.0, 1.0)
        px, py = a[:, 0] + t * d[:, 0], a[:, 1] + t * d[:, 1]
        distances = np.hypot(px - x, py - y)
        i = int(np.argmin(distances))
        if distances[i] <= best_distance:
            best_distance = float(distances[i])
            best = SegmentHit(start + i, float(px[i]), float(py[i]))
    return best


def moved_vertex(geometry: Any, index: int, x: float, y: float) -> Any:
    """``geometry`` with vertex ``index`` at (x, y), its Z kept; a ring's closing vertex follows."""
    coords = _coordinates(geometry).copy()
    coords[index, :2] = (x, y)
    for start, stop, closed in _rings(geometry):
        if closed and index == start:
            coords[stop - 1] = coords[index]
    copy = shapely.from_wkb(shapely.to_wkb(geometry, include_srid=False, flavor="iso"))
    return shapely.set_coordinates(copy, coords)


def inserted_vertex(geometry: Any, after: int, x: float, y: float) -> Any:
    """``geometry`` with a new vertex (x, y) between vertex ``after`` and the next.

    On a 3D geometry the new vertex's Z is the mean of its two neighbours'.
    """

    def insert(coords: Coordinates, _start: int, _stop: int) -> Coordinates:
        point = [x, y]
        if coords.shape[1] == 3:
            point.append(float(np.mean(coords[after : after + 2, 2])))
        return np.insert(coords, after + 1, point, axis=0)

    return _rebuilt(geometry, insert, after)


def removed_vertex(geometry: Any, index: int) -> Any:
    """``geometry`` without vertex ``index``.

    Raises
    ------
    VertexError
        When the ring or line would be left too short (a triangle keeps its corners).
    """

    def drop(coords: Coordinates, start: int, stop: int) -> Coordinates:
        closed = _is_polygonal(geometry)
        remaining = (stop - start) - 1
        if remaining < (4 if closed else 2):
            kind = "a ring needs three corners" if closed else "a line needs two vertices"
            raise VertexError(f"That vertex cannot be deleted: {kind}")
        kept = np.delete(coords, index, axis=0)
        if closed and index == start:  # the ring now starts at the next vertex
            kept[stop - 2] = kept[start]
        return kept

    return _rebuilt(geometry, drop, index)


def _is_polygonal(geometry: Any) -> bool:
    return int(shapely.get_type_id(geometry)) in (3, 6)


def _rebuilt(geometry: Any, change: Any, index: int) -> Any:
    """Apply ``change`` to the coordinates of the ring/line holding ``index`` and rebuild."""
    kind, coords, offsets = shapely.to_ragged_array([geometry])
    for start, stop, _closed in _rings(geometry):
        if start <= index < stop:
            changed = change(coords, start, stop)
            delta = len(changed) - len(coords)
            new_offsets = [np.asarray(o).copy() for o in offsets]
            if new_offsets:
                ring_offsets = new_offsets[0]
                ring_offsets[ring_offsets > start] += delta
            return shapely.from_ragged_array(kind, changed, tuple(new_offsets))[0]
    raise VertexError(f"The geometry has no vertex {index}")
