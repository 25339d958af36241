"""Areas from reached roads: travel-time areas, the area served, gaps.

A travel-time area is the reached part of the network widened by the access
tolerance: every point within that distance of a reached road is in it.
Buffers are polygons with :data:`QUAD_SEGS` sides per quarter circle drawn
*around* the circle (the radius is enlarged by 1/cos(pi/4n)), so the area
never falls short of the tolerance and overshoots by at most 2 %.

The area served is the whole open network widened the same way; the
first-due zones (:mod:`.zones`) are drawn from the points sampled along its
roads (:func:`road_samples`).
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapdesk.core.analysis.coverage.model import Geometries, Ints, Mask
from mapdesk.core.analysis.coverage.network import RoadNetwork
from mapdesk.core.analysis.coverage.pieces import line_pieces
from mapdesk.core.analysis.coverage.positions import NetworkPositions
from mapdesk.core.analysis.coverage.reach import ReachedPieces

#: Sides per quarter circle of the round ends of a buffer.
QUAD_SEGS = 4
#: Radius enlargement that puts the buffer's sides outside the true circle.
CIRCUMSCRIBE = 1 / math.cos(math.pi / (4 * QUAD_SEGS))
#: Distance (metres) between the points sampled along roads for first-due zones.
SAMPLE_SPACING_M = 40.0
#: Side (metres) of the tiles whose roads' buffers are dissolved once (see AreaBuilder).
TILE_M = 600.0


class AreaBuilder:
    """Draws areas from reached pieces of one network with one access tolerance.

    Dissolving thousands of overlapping buffers is the costly step, and every
    station's bands cover many of the same roads: so the roads are grouped in
    square tiles (by their middle), each tile's buffers are dissolved once,
    and an area takes whole tiles where it reaches all of a tile's roads,
    dissolving only the roads of the tiles it reaches in part.
    """

    def __init__(self, network: RoadNetwork, access_m: float) -> None:
        self.network = network
        self.radius = access_m * CIRCUMSCRIBE
        middles = shapely.get_coordinates(
            shapely.line_interpolate_point(network.lines, 0.5, normalized=True)
        )
        cells = np.floor(middles / TILE_M).astype(np.int64)
        _, tile = np.unique(cells, axis=0, return_inverse=True)
        self.tile: Ints = tile.ravel().astype(np.intp)
        self.tile_sizes: Ints = np.bincount(self.tile).astype(np.intp)
        self._tile_areas: dict[int, BaseGeometry] = {}

    @cached_property
    def segment_buffers(self) -> Geometries:
        """Every whole segment widened by the tolerance (drawn once, used by every band)."""
        return np.asarray(shapely.buffer(self.network.lines, self.radius, quad_segs=QUAD_SEGS))

    def reached_area(self, pieces: ReachedPieces) -> BaseGeometry:
        """The pieces widened by the tolerance, dissolved into one (multi)polygon."""
        whole = np.unique(pieces.segment[pieces.whole])
        full = np.flatnonzero(
            np.bincount(self.tile[whole], minlength=len(self.tile_sizes)) == self.tile_sizes
        )
        loose = whole[~np.isin(self.tile[whole], full)]
        part = ~pieces.whole
        cut = line_pieces(
            self.network.lines, pieces.segment[part], pieces.start[part], pieces.stop[part]
        )
        buffers = [
            np.asarray([self._tile_area(int(t)) for t in full], dtype=object),
            self.segment_buffers[loose],
            np.asarray(shapely.buffer(cut, self.radius, quad_segs=QUAD_SEGS)),
        ]
        return _dissolved(np.concatenate(buffers))

    def _tile_area(self, tile: int) -> BaseGeometry:
        area = self._tile_areas.get(tile)
        if area is None:
            area = shapely.union_all(self.segment_buffers[self.tile == tile])
            self._tile_areas[tile] = area
        return area


def road_samples(
    network: RoadNetwork, open_segments: Mask, spacing_m: float = SAMPLE_SPACING_M
) -> tuple[NetworkPositions, Geometries]:
    """Points every ``spacing_m`` along each open segment, both ends included."""
    segments = np.flatnonzero(open_segments)
    lengths = network.length_m[segments]
    counts = np.maximum(2, np.ceil(lengths / spacing_m).astype(np.intp) + 1)
    segment = np.repeat(segments, counts)
    # Position within its segment's run of samples, as a fraction 0..1.
    offsets = np.arange(len(segment)) - np.repeat(np.cumsum(counts) - counts, counts)
    fraction = offsets / np.repeat(counts - 1, counts)
    points = shapely.line_interpolate_point(network.lines[segment], fraction, normalized=True)
    places = NetworkPositions(segment, fraction, np.zeros(len(segment)))
    return places, np.asarray(points)


def gap_area(served: BaseGeometry, reached: BaseGeometry) -> BaseGeometry:
    """The part of the area served that no station reaches in time."""
    return polygonal(shapely.difference(served, reached))


def _dissolved(polygons: Geometries) -> BaseGeometry:
    if not len(polygons):
        return shapely.Polygon()
    return polygonal(shapely.union_all(polygons))


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygons of an overlay's result (slivers of lines and points dropped)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    polygons = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()
