"""Ground distances and areas on the ellipsoid, for geometries in any CRS.

Coverage and boundary figures go into reports that people compare across
datasets, so they must not depend on the layer's projection: a road length
measured in UTM is 0.04 % short near the central meridian, one in Web
Mercator 38 % long at Portland. Every figure here is measured on the WGS 84
ellipsoid (pyproj's ``Geod``, Karney's geodesics), the way QGIS's
"ellipsoidal" measurements and :mod:`mapdesk.core.measure` do.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Geod

from mapdesk.core.crs import transform_xy

FloatArray = npt.NDArray[np.float64]

GEOD = Geod(ellps="WGS84")
WGS84 = CRS.from_epsg(4326)

#: How far a circle's edge may fall inside the true geodesic circle (metres):
#: the polygon's chords cut in by at most this much between its vertices.
CIRCLE_TOLERANCE_M = 0.05
#: Fewest vertices of a circle, however small.
MIN_CIRCLE_VERTICES = 64


def circle_vertex_count(radius_m: float, tolerance_m: float = CIRCLE_TOLERANCE_M) -> int:
    """How many vertices keep a circle's chords within ``tolerance_m`` of its arc.

    A chord of a circle of radius r over the angle 2π/n cuts in by
    r (1 − cos(π/n)) (its sagitta); n is the smallest count that keeps that
    within the tolerance.
    """
    if radius_m <= tolerance_m:
        return MIN_CIRCLE_VERTICES
    count = math.ceil(math.pi / math.acos(1.0 - tolerance_m / radius_m))
    return max(MIN_CIRCLE_VERTICES, count)


def geodesic_circle(
    lon: float, lat: float, radius_m: float, crs: CRS, tolerance_m: float = CIRCLE_TOLERANCE_M
) -> shapely.Polygon:
    """The points within ``radius_m`` ground metres of (lon, lat), as a polygon in ``crs``.

    Each vertex is at exactly ``radius_m`` along the geodesic from the
    centre (the direct geodesic problem), then projected into ``crs``; so
    the circle is right on the ground whatever the projection's scale
    there. Its chords stay within ``tolerance_m`` of the true edge.
    """
    count = circle_vertex_count(radius_m, tolerance_m)
    azimuths = np.linspace(0.0, 360.0, count, endpoint=False)
    lons, lats, _ = GEOD.fwd(
        np.full(count, lon), np.full(count, lat), azimuths, np.full(count, radius_m)
    )
    x, y = transform_xy(lons, lats, WGS84, crs)
    return shapely.Polygon(np.column_stack([x, y]))


def lonlat(geometries: npt.ArrayLike, crs: CRS) -> npt.NDArray[np.object_]:
    """``geometries`` (in ``crs``) with their coordinates in longitude/latitude."""
    return np.asarray(
        shapely.transform(
            np.asarray(geometries, dtype=object),
            lambda xy: np.column_stack(transform_xy(xy[:, 0], xy[:, 1], crs, WGS84)),
        ),
        dtype=object,
    )


def geodesic_lengths(geometries: npt.ArrayLike, crs: CRS) -> FloatArray:
    """The ground length in metres of each (multi)line in ``crs``; 0 for empty or missing.

    Every segment is measured as the geodesic between its two ends, which
    is what a straight segment of a projected layer is, to within
    millimetres over the lengths roads are drawn with.
    """
    shapes = np.asarray(geometries, dtype=object)
    parts, owner = shapely.get_parts(shapes, return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 2:
        return np.zeros(len(shapes))
    lon, lat = transform_xy(coords[:, 0], coords[:, 1], crs, WGS84)
    same = part[1:] == part[:-1]
    _, _, steps = GEOD.inv(lon[:-1][same], lat[:-1][same], lon[1:][same], lat[1:][same])
    per_part = np.bincount(part[1:][same], weights=steps, minlength=len(parts))
    return np.bincount(owner, weights=per_part, minlength=len(shapes)).astype(np.float64)


def geodesic_area(geometry: shapely.Geometry | None, crs: CRS) -> float:
    """The ground area in square metres of a (multi)polygon in ``crs``; 0 when empty."""
    if geometry is None or geometry.is_empty:
        return 0.0
    area, _ = GEOD.geometry_area_perimeter(lonlat([geometry], crs)[0])
    return abs(float(area))


def geodesic_areas(geometries: npt.ArrayLike, crs: CRS) -> FloatArray:
    """:func:`geodesic_area` of each geometry."""
    return np.array([geodesic_area(g, crs) for g in np.asarray(geometries, dtype=object)])


def lonlat_points(geometries: npt.ArrayLike, crs: CRS) -> FloatArray:
    """A point inside each geometry (shapely's point on surface), as (lon, lat) rows."""
    points = shapely.point_on_surface(np.asarray(geometries, dtype=object))
    coords = shapely.get_coordinates(points)
    lon, lat = transform_xy(coords[:, 0], coords[:, 1], crs, WGS84)
    return np.column_stack([lon, lat])
