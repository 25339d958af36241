"""Distances and areas as the measure tool reports them: planar or on the ellipsoid.

Planar figures are in the map CRS's own units (what the map's grid says);
ellipsoidal ones follow the GRS80/WGS 84 ellipsoid through pyproj's Geod,
which is what a surveyor's or QGIS's "ellipsoidal" figure means. Both are
given in metres here and converted to the unit the user picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Geod

from mapdesk.core.crs import transform_xy
from mapdesk.core.errors import MapdeskError

Point = tuple[float, float]

#: Length units: metres in one unit.
LENGTH_UNITS: dict[str, float] = {
    "m": 1.0,
    "km": 1000.0,
    "ft": 0.3048,
    "mi": 1609.344,
}
#: Area units: square metres in one unit.
AREA_UNITS: dict[str, float] = {
    "m²": 1.0,
    "ha": 10_000.0,
    "km²": 1_000_000.0,
    "ft²": 0.3048**2,
    "ac": 4046.8564224,
    "mi²": 1609.344**2,
}

_GEOD = Geod(ellps="WGS84")
_WGS84 = CRS.from_epsg(4326)


@dataclass(frozen=True)
class Measurement:
    """What the measure panel shows: each segment and the total, in metres."""

    segments: tuple[float, ...]
    total: float
    area: float | None  # square metres, for a closed shape of 3+ points


def measure(points: Sequence[Point], crs: CRS | None, ellipsoidal: bool, area: bool) -> Measurement:
    """Segment lengths, total length (the perimeter when ``area``) and area.

    Raises
    ------
    MapdeskError
        If ellipsoidal figures are asked for on a map without a CRS, or a
        planar one on a map in degrees (degrees are no distance).
    """
    if len(points) < 2:
        return Measurement((), 0.0, None if not area else 0.0)
    ring = [*points, points[0]] if area and len(points) >= 3 else list(points)
    if ellipsoidal:
        return _ellipsoidal(ring, crs, area and len(points) >= 3)
    return _planar(ring, crs, area and len(points) >= 3)


def _planar(ring: list[Point], crs: CRS | None, closed: bool) -> Measurement:
    factor = 1.0
    if crs is not None:
        if crs.is_geographic:
            raise MapdeskError(
                "The map is in degrees: measure on the ellipsoid, or set a projected map CRS"
            )
        factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    xy = np.asarray(ring, dtype=float)
    steps = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1])) * factor
    area = None
    if closed:
        x, y = xy[:, 0], xy[:, 1]
        area = abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2 * factor**2
    return Measurement(tuple(float(s) for s in steps), float(steps.sum()), area)


def _ellipsoidal(ring: list[Point], crs: CRS | None, closed: bool) -> Measurement:
    if crs is None:
        raise MapdeskError("The map has no CRS: only planar measurements are possible")
    xs, ys = transform_xy([p[0] for p in ring], [p[1] for p in ring], crs, _WGS84)
    lons, lats = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    steps = _GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])[2]
    steps = np.atleast_1d(np.asarray(steps, dtype=float))
    area = None
    if closed:
        signed, _perimeter = _GEOD.polygon_area_perimeter(lons[:-1], lats[:-1])
        area = abs(float(signed))
    return Measurement(tuple(float(s) for s in steps), float(steps.sum()), area)


def format_length(metres: float, unit: str) -> str:
    """``1,234.5 m`` / ``0.77 mi``: two decimals for big units, one for small."""
    value = metres / LENGTH_UNITS[unit]
    decimals = 3 if unit in ("km", "mi") else 1
    return f"{value:,.{decimals}f} {unit}"


def format_area(square_metres: float, unit: str) -> str:
    value = square_metres / AREA_UNITS[unit]
    decimals = 3 if unit in ("km²", "mi²", "ha", "ac") else 1
    return f"{value:,.{decimals}f} {unit}"
