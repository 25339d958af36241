"""Where points (stations, addresses, incidents) meet the road network.

A point is placed at the nearest point of the nearest open road segment, when
that is within the access tolerance; farther points are off the network and
reached by no station.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from mapdesk.core.analysis.coverage.model import Floats, Geometries, Ints, Mask
from mapdesk.core.analysis.coverage.network import RoadNetwork


@dataclass(frozen=True)
class NetworkPositions:
    """Points placed on the network.

    Attributes
    ----------
    segment
        Per point, the segment it is on; -1 when off the network (no road
        within the tolerance, or no location).
    fraction
        Per point, how far along its segment (0 at the first vertex, 1 at the last).
    distance_m
        Per point, how far it is from the road (infinite without a location).
    """

    segment: Ints
    fraction: Floats
    distance_m: Floats

    @property
    def on_network(self) -> Mask:
        """True for the points placed on a road."""
        return self.segment >= 0

    def __len__(self) -> int:
        return len(self.segment)

    def take(self, rows: Ints | Mask | slice) -> NetworkPositions:
        """The positions of some of the points."""
        return NetworkPositions(self.segment[rows], self.fraction[rows], self.distance_m[rows])


def place_on_network(
    network: RoadNetwork, points: Geometries, open_segments: Mask, tolerance_m: float
) -> NetworkPositions:
    """Places ``points`` (in ``network.crs``) on the nearest open segment within the tolerance.

    Lines and polygons are placed by their centroid; missing or empty
    geometries are off the network.
    """
    count = len(points)
    segment = np.full(count, -1, dtype=np.intp)
    fraction = np.zeros(count)
    distance = np.full(count, np.inf)
    located = ~(shapely.is_missing(points) | shapely.is_empty(points))
    candidates = np.flatnonzero(open_segments)
    if not located.any() or not len(candidates):
        return NetworkPositions(segment, fraction, distance)
    centres = shapely.centroid(points[located])
    tree = shapely.STRtree(network.lines[candidates])
    (found, nearest), gaps = tree.query_nearest(
        centres, max_distance=tolerance_m, return_distance=True, all_matches=False
    )
    rows = np.flatnonzero(located)[found]
    segment[rows] = candidates[nearest]
    distance[rows] = gaps
    lines = network.lines[segment[rows]]
    fraction[rows] = shapely.line_locate_point(lines, centres[found], normalized=True)
    far = np.ones(len(centres), dtype=bool)
    far[found] = False
    if far.any():  # how far the others are, for the messages that name them
        _, beyond = tree.query_nearest(centres[far], return_distance=True, all_matches=False)
        distance[np.flatnonzero(located)[far]] = beyond
    return NetworkPositions(segment, fraction, distance)
