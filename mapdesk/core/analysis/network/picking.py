"""Which network node a click on the map means: the nearest one in service, if near enough.

The click is in the map's CRS and "near" is measured there, in map units
(a few screen pixels times the view's resolution), so that what counts as
near is what the user sees as near, whatever CRS the network is in.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from pyproj import CRS

from mapdesk.core.analysis.network.frames import in_service, reprojected, text_column
from mapdesk.core.analysis.network.model import NetworkGraph
from mapdesk.core.crs import transform_xy


@dataclass(frozen=True)
class NodePick:
    """The node a click picked.

    Attributes
    ----------
    node_id
        The nearest in-service node within the tolerance (None: none is).
    xy
        Where that node is, in the map CRS (None with no node).
    retired_id
        With no in-service node near: the nearest out-of-service node within
        the tolerance (so the user is told why nothing is traced), else None.
    """

    node_id: str | None
    xy: tuple[float, float] | None = None
    retired_id: str | None = None


def pick_node(
    network: NetworkGraph,
    nodes: gpd.GeoDataFrame,
    xy: tuple[float, float],
    crs: CRS | None,
    tolerance: float,
) -> NodePick:
    """The in-service node of ``network`` nearest to map position ``xy`` within ``tolerance``.

    Parameters
    ----------
    network
        The built network (its node positions are in ``network.crs``).
    nodes
        The node layer's features, read for out-of-service nodes only.
    xy
        The click, in the map CRS ``crs``.
    crs
        The map CRS; None: a map with no CRS, where each layer is drawn where
        its numbers fall, so the click is in the node layer's own coordinates.
    tolerance
        How far from the click a node may be, in map units.
    """
    if crs is None and nodes.crs is not None:
        crs = CRS.from_user_input(nodes.crs)
    ids = list(network.graph.nodes)
    points = np.array([network.graph.nodes[node]["xy"] for node in ids], dtype=np.float64)
    points = _to_map(points.reshape(-1, 2), network.crs, crs)
    found = _nearest(points, xy, tolerance)
    if found is not None:
        return NodePick(ids[found], (float(points[found, 0]), float(points[found, 1])))
    return NodePick(None, retired_id=_retired_near(nodes, xy, crs, tolerance))


def _retired_near(
    nodes: gpd.GeoDataFrame, xy: tuple[float, float], crs: CRS | None, tolerance: float
) -> str | None:
    out = nodes[~in_service(nodes) & nodes.geometry.notna() & ~nodes.geometry.is_empty]
    if out.empty:
        return None
    where = reprojected(out, crs).geometry.representative_point()
    points = np.column_stack([where.x.to_numpy(), where.y.to_numpy()])
    found = _nearest(points, xy, tolerance)
    return None if found is None else text_column(out, "asset_id")[found] or None


def _to_map(
    points: npt.NDArray[np.float64], source: CRS | None, target: CRS | None
) -> npt.NDArray[np.float64]:
    if source is None or target is None or not len(points):
        return points
    xs, ys = transform_xy(points[:, 0], points[:, 1], source, target)
    return np.column_stack([xs, ys])


def _nearest(
    points: npt.NDArray[np.float64], xy: tuple[float, float], tolerance: float
) -> int | None:
    """The row of the point nearest to ``xy`` within ``tolerance`` (the first of equals)."""
    if not len(points):
        return None
    distances = np.hypot(points[:, 0] - xy[0], points[:, 1] - xy[1])
    distances[~np.isfinite(distances)] = np.inf
    row = int(np.argmin(distances))
    return row if distances[row] <= tolerance else None
