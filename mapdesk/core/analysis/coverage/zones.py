"""First-due zones: filled districts, one per station, that tile the area a centre answers for.

A planner reads first-due zones like station response districts: every
place, not only the roads, belongs to the station that is first due to the
road nearest to it. Points are sampled along every open road, each labelled
with its first-due station (the fastest, whether or not it arrives within a
band); each point's Voronoi cell goes to that station, and the cells are cut
to the *zone extent*:

- with PSAP polygons, the PSAP area together with the area served (all open
  roads widened by the access tolerance), so roads past the boundary and
  islands outside the polygon still belong to a zone;
- without them, the area served *closed* by :data:`FILL_M`: widened by that
  distance, then narrowed by it again. The closing fills city blocks and
  the ground between neighbouring roads (any opening narrower than twice
  the distance) but keeps to the network's own outline and leaves large
  empty ground (a bay, a harbour between islands) open. A concave hull of
  the road samples would instead bridge water to join islands and
  peninsulas into one polygon, and a convex hull would take in whole bays.

Points on roads no station reaches at all (a road cut off from every
station) take no part: the ground around them goes to the station of the
nearest reached road, so the zones still tile the extent; the gap layer
shows that nobody reaches those roads in time.

The zones do not overlap; their edges fall within half the sample spacing of
where two stations' arrival times cross on the road.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapdesk.core.analysis.coverage.areas import QUAD_SEGS, polygonal
from mapdesk.core.analysis.coverage.model import Floats, Geometries, Ints
from mapdesk.core.errors import MapdeskError

#: How far (metres) the zones reach across ground between roads when no PSAP is given
#: (half the widest opening the closing fills; see the module's docstring).
FILL_M = 500.0
#: Grids (metres) sample points are snapped to before the Voronoi diagram, finest
#: first: GEOS's triangulation can fail on points a hair apart (where roads cross).
VORONOI_GRIDS_M = (0.1, 1.0)


def psap_area(psaps: Geometries | None) -> BaseGeometry | None:
    """The PSAP polygons dissolved into one area; None without a usable polygon.

    Invalid polygons are repaired (a self-touching ring is common in boundary
    files); missing, empty and non-polygon features are left out.
    """
    if psaps is None or not len(psaps):
        return None
    present = psaps[~(shapely.is_missing(psaps) | shapely.is_empty(psaps))]
    parts = [polygonal(shapely.make_valid(geometry)) for geometry in present]
    area = shapely.union_all([part for part in parts if not part.is_empty])
    return None if area.is_empty or area.area <= 0 else polygonal(area)


def zone_extent(
    served: BaseGeometry, psaps: BaseGeometry | None, fill_m: float = FILL_M
) -> BaseGeometry:
    """The area the first-due zones tile (see the module's docstring).

    Parameters
    ----------
    served
        The open roads widened by the access tolerance.
    psaps
        The PSAP area (:func:`psap_area`), or None.
    fill_m
        The closing distance used without PSAPs.
    """
    if served.is_empty:
        return psaps if psaps is not None else served
    if psaps is None:
        widened = shapely.buffer(served, fill_m, quad_segs=QUAD_SEGS)
        psaps = shapely.buffer(widened, -fill_m, quad_segs=QUAD_SEGS)
    # The union keeps every bit of the served area (outside the PSAPs, or where the
    # closing's polygons cut a corner of it).
    return polygonal(shapely.union(psaps, served))


def first_due_zones(
    samples: Geometries, station: Ints, station_count: int, extent: BaseGeometry
) -> list[BaseGeometry]:
    """Per station, the part of ``extent`` nearest to the sampled points it is first due to.

    Parameters
    ----------
    samples
        Points on the network (see :func:`~.areas.road_samples`).
    station
        Per sample, its first-due station (-1: none reaches it; such points are left out).
    station_count
        How many stations there are (zones are returned for each).
    extent
        The area the zones tile (:func:`zone_extent`).
    """
    empty = shapely.Polygon()
    reached = station >= 0
    if not reached.any() or extent.is_empty:
        return [empty] * station_count
    x0, y0, x1, y1 = extent.bounds
    frame = shapely.box(x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    xy = shapely.get_coordinates(samples[reached])
    cells, labels = _voronoi_cells(xy, station[reached], frame)
    zones = []
    for index in range(station_count):
        mine = cells[labels == index]
        zone = shapely.coverage_union_all(mine) if len(mine) else empty
        zones.append(polygonal(shapely.intersection(zone, extent)))
    return zones


def _voronoi_cells(xy: Floats, station: Ints, frame: BaseGeometry) -> tuple[Geometries, Ints]:
    """The Voronoi cell of every distinct sample point, and its station; the cells
    cover ``frame`` (or the points' own envelope, when larger).

    Raises
    ------
    MapdeskError
        When GEOS cannot triangulate the points even on the coarsest grid.
    """
    problem: Exception | None = None
    for grid in VORONOI_GRIDS_M:
        points, first = np.unique(np.round(xy / grid) * grid, axis=0, return_index=True)
        # Points on a regular grid (sample spacing along a street grid) are cocircular by
        # the thousand, where GEOS gives broken cells; a fixed wobble of a few mm breaks that.
        points = points + np.random.default_rng(0).uniform(-grid, grid, points.shape) / 20
        try:
            diagram = shapely.voronoi_polygons(
                shapely.multipoints(points), extend_to=frame, ordered=True
            )
        except shapely.errors.GEOSException as exc:
            problem = exc
            continue
        return np.asarray(shapely.get_parts(diagram)), station[first]
    raise MapdeskError(f"The first-due zones could not be drawn: {problem}")
