"""Which node a span's end meets: the nodes within the tolerance, nearest first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely import STRtree


class NodeSnapper:
    """Finds the in-service nodes within ``tolerance_m`` of a point.

    Parameters
    ----------
    node_ids
        The nodes' asset ids, in the order of ``points``.
    points
        The nodes' points, in a projected CRS (metres).
    tolerance_m
        The snapping distance.
    """

    def __init__(
        self, node_ids: Sequence[str], points: Sequence[shapely.Point], tolerance_m: float
    ) -> None:
        self.node_ids = list(node_ids)
        self.points = np.asarray(points, dtype=object)
        self.tolerance_m = tolerance_m
        self.tree = STRtree(self.points)

    def candidates(self, xy: tuple[float, float] | None) -> dict[str, float]:
        """The node ids within the tolerance of ``xy`` and their distances."""
        if xy is None:
            return {}
        point = shapely.Point(xy)
        hits = self.tree.query(point, predicate="dwithin", distance=self.tolerance_m)
        found: dict[str, float] = {}
        for index in hits.tolist():
            node_id = self.node_ids[index]
            distance = float(shapely.distance(point, self.points[index]))
            found[node_id] = min(distance, found.get(node_id, distance))
        return found

    def neighbours(self) -> list[tuple[str, str]]:
        """Pairs of distinct node ids within the tolerance of each other (co-located)."""
        left, right = self.tree.query(
            self.points, predicate="dwithin", distance=self.tolerance_m
        ).tolist()
        pairs = set()
        for i, j in zip(left, right, strict=True):
            a, b = self.node_ids[i], self.node_ids[j]
            if a < b:
                pairs.add((a, b))
        return sorted(pairs)


def nearest(candidates: dict[str, float]) -> str | None:
    """The nearest candidate (the lowest id among equally near ones), None for none."""
    if not candidates:
        return None
    return min(candidates, key=lambda node_id: (candidates[node_id], node_id))


def end_points(
    geometry: shapely.Geometry | None,
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """The first and last vertex of a line (of a multi-line's first and last part)."""
    if geometry is None or geometry.is_empty:
        return None, None
    coords = shapely.get_coordinates(geometry)
    return (float(coords[0, 0]), float(coords[0, 1])), (float(coords[-1, 0]), float(coords[-1, 1]))
