"""Reshaping a feature with a drawn line, as QGIS's Reshape Features tool does.

- A polygon: the part of its outline between where the line meets it is
  replaced by the line. Pockets the line closes off outside the polygon are
  added; where the line cuts through it, the larger piece is kept.
- A line: the stretch between the points nearest the drawn line's two ends is
  replaced by the drawn line (both ends must be on the line, within the
  tolerance).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
import shapely.ops

from mapdesk.core.errors import MapdeskError


class ReshapeError(MapdeskError):
    """A reshape line that does not reshape (it misses the feature)."""


def reshaped(geometry: Any, line: Any, tolerance: float) -> Any:
    """``geometry`` reshaped by ``line`` (same CRS).

    Raises
    ------
    ReshapeError
        When the line does not meet the outline twice (polygon) or does not
        start and end on the line (line).
    """
    kind = int(shapely.get_type_id(geometry))
    if kind in (3, 6):
        return _reshaped_polygon(geometry, line)
    if kind in (1, 5):
        return _reshaped_line(geometry, line, tolerance)
    raise ReshapeError("Only lines and polygons can be reshaped")


def _reshaped_polygon(polygon: Any, line: Any) -> Any:
    if polygon.geom_type == "MultiPolygon":
        # Only the parts the line crosses change; the others stay as they are.
        parts = list(shapely.get_parts(polygon))
        crossed = [i for i, part in enumerate(parts) if _crossings(part, line) >= 2]
        if not crossed:
            raise ReshapeError("Draw the reshape line across the polygon's outline, twice")
        for index in crossed:
            parts[index] = _reshaped_polygon(parts[index], line)
        return shapely.multipolygons(list(shapely.get_parts(shapely.union_all(parts))))
    if _crossings(polygon, line) < 2:
        raise ReshapeError("Draw the reshape line across the polygon's outline, twice")
    # The outer ring is reshaped; the holes are cut out of the result again
    # (polygonize would see each hole as a pocket to fill).
    shell = shapely.Polygon(polygon.exterior)
    faces = shapely.get_parts(shapely.polygonize([shapely.union_all([shell.boundary, line])]))
    pockets = [f for f in faces if not shell.contains(f.representative_point())]
    region = shapely.union_all([shell, *pockets]) if pockets else shell
    pieces = list(shapely.get_parts(shapely.ops.split(region, line)))
    result = max(pieces, key=lambda piece: piece.area) if len(pieces) > 1 else region
    holes = [shapely.Polygon(ring) for ring in polygon.interiors]
    if holes:
        result = result.difference(shapely.union_all(holes))
    if result.equals(polygon):
        raise ReshapeError("The reshape line does not change the polygon")
    return result


def _crossings(polygon: Any, line: Any) -> int:
    """How many points the line meets the polygon's outer ring at."""
    meeting = shapely.intersection(polygon.exterior, line)
    return int(shapely.get_num_geometries(meeting)) if not meeting.is_empty else 0


def _reshaped_line(target: Any, line: Any, tolerance: float) -> Any:
    if target.geom_type == "MultiLineString":
        parts = list(shapely.get_parts(target))
        nearest = min(parts, key=lambda part: part.distance(line))
        index = parts.index(nearest)
        parts[index] = _reshaped_line(nearest, line, tolerance)
        return shapely.multilinestrings(parts)
    start, end = shapely.get_point(line, 0), shapely.get_point(line, -1)
    if target.distance(start) > tolerance or target.distance(end) > tolerance:
        raise ReshapeError("Start and end the reshape line on the line you are reshaping")
    a, b = target.project(start), target.project(end)
    drawn = line if a <= b else shapely.reverse(line)
    a, b = min(a, b), max(a, b)
    z = bool(target.has_z)
    before = shapely.ops.substring(target, 0, a)
    after = shapely.ops.substring(target, b, target.length)
    head = shapely.get_coordinates(before, include_z=z).tolist()
    tail = shapely.get_coordinates(after, include_z=z).tolist()
    middle = shapely.get_coordinates(drawn, include_z=z).tolist()
    if z and not drawn.has_z:  # a drawn line has no heights: go from one end's to the other's
        heights = np.linspace(head[-1][2], tail[0][2], len(middle))
        middle = [[c[0], c[1], float(h)] for c, h in zip(middle, heights, strict=True)]
    return shapely.LineString(head[:-1] + middle + tail[1:])
