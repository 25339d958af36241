"""Where true north points on a projected map (grid convergence)."""

from __future__ import annotations

import math
from typing import Any

from mapdesk.core.crs import transform_xy

#: Half a minute of latitude: far enough to measure a direction, near enough
#: to stay local.
_STEP_DEGREES = 0.01


def true_north_angle(crs: Any, x: float, y: float) -> float:
    """Degrees clockwise from the top of the map to true north at (x, y).

    Zero for longitude/latitude maps and for maps without a CRS; for a
    projected CRS the grid convergence there (about -1 to 1 degree across
    Maine's state plane zones). Falls back to 0 where the point cannot be
    transformed (outside the projection's area).
    """
    if crs is None or crs.is_geographic:
        return 0.0
    geographic = crs.geodetic_crs
    if geographic is None:
        return 0.0
    try:
        lon, lat = transform_xy([x], [y], crs, geographic)
        lat_north = min(float(lat[0]) + _STEP_DEGREES, 89.9)
        nx, ny = transform_xy([float(lon[0])], [lat_north], geographic, crs)
    except Exception:  # pyproj raises several kinds for points out of range
        return 0.0
    dx, dy = float(nx[0]) - x, float(ny[0]) - y
    if not (math.isfinite(dx) and math.isfinite(dy)) or (dx == 0 and dy == 0):
        return 0.0
    return math.degrees(math.atan2(dx, dy))
