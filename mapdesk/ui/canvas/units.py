"""Map units for the canvas: metres per map unit, scale, and coordinate text.

Qt-free helpers (they could move to ``mapdesk.core``); the canvas and the
status bar use them to show a correct scale bar, 1:N scale and cursor
position whatever the map CRS: metres, US feet or degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyproj import CRS

from mapdesk.core.crs import WGS84, transform_xy
from mapdesk.core.view import ViewState, scale_denominator

_US_FOOT = 1200 / 3937


@dataclass(frozen=True)
class MapUnits:
    """How long one map unit is and what to call it."""

    metres: float | None  # None: unknown (no CRS) or angular (degrees)
    abbreviation: str
    imperial: bool = False
    angular: bool = False


def map_units(crs: CRS | None) -> MapUnits:
    """The linear unit of ``crs``'s first axis (metres, feet, US feet) or degrees."""
    if crs is None:
        return MapUnits(None, "")
    if crs.is_geographic:
        return MapUnits(None, "°", angular=True)
    axis = crs.axis_info[0] if crs.axis_info else None
    factor = float(axis.unit_conversion_factor) if axis is not None else 1.0
    name = (axis.unit_name if axis is not None else "metre").lower()
    if "foot" in name or "feet" in name:
        us = "us" in name or abs(factor - _US_FOOT) < 1e-9
        return MapUnits(factor, "US ft" if us else "ft", imperial=True)
    if factor == 1.0:
        return MapUnits(1.0, "m")
    return MapUnits(factor, name)


def metres_per_pixel(view: ViewState, crs: CRS | None) -> float | None:
    """Ground metres covered by one screen pixel at the centre of the view.

    For a geographic CRS this is the geodesic length of one pixel along the
    parallel through the centre (the same approximation QGIS makes for its
    scale in degrees). None when the CRS is unknown.
    """
    units = map_units(crs)
    if units.metres is not None:
        return view.resolution * units.metres
    if not units.angular or crs is None:
        return None
    lat = min(max(view.center_y, -89.9), 89.9)
    half = view.resolution / 2
    geod = crs.get_geod()
    if geod is None:
        return view.resolution * 111_320.0 * math.cos(math.radians(lat))
    _, _, distance = geod.inv(view.center_x - half, lat, view.center_x + half, lat)
    return float(distance)


def map_scale(view: ViewState, crs: CRS | None) -> float | None:
    """The scale denominator N of 1:N at 96 dpi, or None when the CRS is unknown."""
    per_pixel = metres_per_pixel(view, crs)
    if per_pixel is None or per_pixel <= 0 or not math.isfinite(per_pixel):
        return None
    return scale_denominator(per_pixel, 1.0)


def format_scale(denominator: float | None) -> str:
    if denominator is None:
        return "Scale unknown"
    rounded = round(denominator) if denominator >= 10 else round(denominator, 2)
    return f"1:{rounded:,}"


def coordinate_decimals(units: MapUnits, resolution: float) -> int:
    """Decimals for a position: 1 for metres/feet, 5–6 for degrees, more only when
    one screen pixel is smaller than what they show (an unknown unit follows the zoom).
    """
    needed = math.ceil(-math.log10(resolution)) if resolution > 0 else 0
    if units.angular:
        return max(5, min(6, needed))
    if units.metres is not None:
        return max(1, min(3, needed))
    return max(1, min(8, needed))


def format_map_xy(x: float, y: float, crs: CRS | None, resolution: float) -> str:
    """A map position as QGIS shows it: ``891859.2, 89343.1``.

    No thousands separators (a comma already separates x from y), decimals
    suited to the unit; degrees get a ``°``.
    """
    if not (math.isfinite(x) and math.isfinite(y)):
        return "—"
    units = map_units(crs)
    decimals = coordinate_decimals(units, resolution)
    degree = "°" if units.angular else ""
    return f"{x:.{decimals}f}{degree}, {y:.{decimals}f}{degree}"


def to_lonlat(x: float, y: float, crs: CRS | None) -> tuple[float, float] | None:
    """The WGS 84 longitude and latitude of a map position; None if unknown."""
    if crs is None:
        return None
    lon, lat = transform_xy([x], [y], crs, WGS84)
    lon_v, lat_v = float(lon[0]), float(lat[0])
    if not (math.isfinite(lon_v) and math.isfinite(lat_v)):
        return None
    return lon_v, lat_v


def format_lonlat(lonlat: tuple[float, float] | None) -> str:
    """``43.65730° N, 70.25800° W`` (latitude first, as people read it)."""
    if lonlat is None:
        return "lat/lon unknown"
    lon, lat = lonlat
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{abs(lat):.5f}° {ns}, {abs(lon):.5f}° {ew}"
