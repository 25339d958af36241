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
    crossings = shapely.intersection(polygon.boundary, line)
    if shapely.get_num_geometries(crossings) < 2 and crossings.geom_type != "MultiPoint":
        raise ReshapeError("Draw the reshape line across the polygon's outline, twice")
    faces = shapely.get_parts(shapely.polygonize([shapely.union_all([polygon.boundary, line])]))
    pockets = [f for f in faces if not polygon.contains(f.representative_point())]
    region = shapely.union_all([polygon, *pockets]) if pockets else polygon
    pieces = list(shapely.get_parts(shapely.ops.split(region, line)))
    result = max(pieces, key=lambda piece: piece.area) if len(pieces) > 1 else region
    if result.equals(polygon):
        raise ReshapeError("The reshape line does not change the polygon")
    return result


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
    before = shapely.get_coordinates(shapely.ops.substring(target, 0, a)).tolist()
    after = shapely.get_coordinates(shapely.ops.substring(target, b, target.length)).tolist()
    middle = shapely.get_coordinates(drawn).tolist()
    coords = before[:-1] + middle + after[1:]
    return shapely.LineString(coords)
