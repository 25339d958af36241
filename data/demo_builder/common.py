"""Constants and small helpers shared by every layer builder.

All geometry is generated in a *local* metric frame (metres east/north of the Portland
peninsula centre, -70.258 / 43.657) and moved into EPSG:26984 at write time, so the
hand-made shapes can be read as "km from Congress Square" in the source.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon

SEED = 20261126

WORK_EPSG = 26984  # NAD83 / Maine West (metres): the city's working CRS
UTM_EPSG = 26919  # NAD83 / UTM 19N: state 9-1-1 data (radio towers)
WGS84_EPSG = 4326  # lon/lat: Open311 / FixIt

ORIGIN_LONLAT = (-70.258, 43.657)

AGENCY = "portlandmaine.gov"
TOWN_AGENCY = {
    "Portland": "portlandmaine.gov",
    "South Portland": "southportland.org",
    "Cape Elizabeth": "capeelizabeth.com",
}
PSAP_AGENCY = "psap.portlandmaine.gov"

DATE_UPDATE = pd.Timestamp("2026-10-15T14:00:00Z")
EFFECTIVE = pd.Timestamp("2026-01-01T05:00:00Z")

Coords = Sequence[tuple[float, float]]


def rng_for(stream: int) -> np.random.Generator:
    """One independent, reproducible random stream per layer builder."""
    return np.random.default_rng([SEED, stream])


def local_origin_26984() -> tuple[float, float]:
    """Maine West coordinates of the local frame origin (rounded to the centimetre)."""
    to_work = Transformer.from_crs(WGS84_EPSG, WORK_EPSG, always_xy=True)
    x, y = to_work.transform(*ORIGIN_LONLAT)
    return round(float(x), 2), round(float(y), 2)


def nguid(layer_indicator: str, local_id: object, agency: str = AGENCY) -> str:
    """NENA NG9-1-1 globally unique id: urn:emergency:uid:gis:{Layer}:{LocalID}:{Agency}."""
    return f"urn:emergency:uid:gis:{layer_indicator}:{local_id}:{agency}"


def line(coords: Coords) -> LineString:
    return LineString([(float(x), float(y)) for x, y in coords])


def polygon(coords: Coords) -> Polygon:
    return Polygon([(float(x), float(y)) for x, y in coords])


def densify(geom: shapely.Geometry, step: float) -> shapely.Geometry:
    return shapely.segmentize(geom, step)


def smooth_warp(
    geom: shapely.Geometry, amplitude: float, wavelength: float, seed: int
) -> shapely.Geometry:
    """Displace every vertex by a smooth, seeded sum of sines (hand-drawn look)."""
    r = np.random.default_rng([SEED, 9000 + seed])
    waves = [
        (r.uniform(0, 2 * np.pi), r.uniform(0, 2 * np.pi), r.uniform(0, 2 * np.pi))
        for _ in range(3)
    ]

    def shift(xy: np.ndarray) -> np.ndarray:
        out = xy.copy()
        for k, (theta, phase_x, phase_y) in enumerate(waves):
            wl = wavelength * (1.0 + 0.45 * k)
            proj = (xy[:, 0] * np.cos(theta) + xy[:, 1] * np.sin(theta)) * 2 * np.pi / wl
            out[:, 0] += amplitude / (k + 1) * np.sin(proj + phase_x)
            out[:, 1] += amplitude / (k + 1) * np.sin(proj + phase_y)
        return out

    return shapely.transform(geom, shift)


def noisy_ellipse(
    centre: tuple[float, float],
    radii: tuple[float, float],
    angle_deg: float,
    seed: int,
    roughness: float = 0.12,
) -> Polygon:
    """A blobby island/pond outline: an ellipse with seeded low-order harmonics."""
    r = np.random.default_rng([SEED, 8000 + seed])
    t = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    radius = np.ones_like(t)
    for k in range(2, 6):
        radius += roughness / k * np.sin(k * t + r.uniform(0, 2 * np.pi))
    x = radii[0] * radius * np.cos(t)
    y = radii[1] * radius * np.sin(t)
    a = np.radians(angle_deg)
    xr = centre[0] + x * np.cos(a) - y * np.sin(a)
    yr = centre[1] + x * np.sin(a) + y * np.cos(a)
    return Polygon(np.column_stack([xr, yr]))


def largest_part(geom: shapely.Geometry) -> Polygon:
    parts = list(getattr(geom, "geoms", [geom]))
    return max(parts, key=lambda g: g.area)


def side_point(seg: LineString, dist: float, offset: float) -> tuple[Point, np.ndarray]:
    """Point `offset` metres to the left (positive) of `seg` at `dist` along it.

    Returns the point and the unit tangent at that position.
    """
    d0 = max(0.0, min(seg.length, dist - 0.5))
    d1 = max(0.0, min(seg.length, dist + 0.5))
    p0 = np.asarray(seg.interpolate(d0).coords[0])
    p1 = np.asarray(seg.interpolate(d1).coords[0])
    tangent = p1 - p0
    tangent /= np.hypot(*tangent) or 1.0
    normal = np.array([-tangent[1], tangent[0]])
    base = np.asarray(seg.interpolate(dist).coords[0])
    return Point(base + normal * offset), tangent
