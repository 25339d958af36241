"""The routable road network: directed, timed segments between road-end nodes.

Roads meet only where their ends meet (within a tolerance): a NENA road
centreline layer is split at every intersection, and an overpass that crosses
a street without an end there does not connect to it. Each part of a
multi-part line is a segment of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from mapdesk.core.analysis.coverage.model import (
    ROAD_ID_FIELDS,
    CountedWarning,
    Floats,
    Geometries,
    Ints,
    Mask,
    WarningCollector,
    feature_labels,
)
from mapdesk.core.analysis.coverage.speeds import MPS_PER_MPH, road_rules
from mapdesk.core.analysis.metric import metric_crs
from mapdesk.core.errors import MapdeskError

#: Segments shorter than this (metres) carry no distance and are left out.
MIN_LENGTH_M = 0.01


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """Road segments in a metric CRS, each between two nodes, with a travel time.

    Attributes
    ----------
    crs
        The metric CRS of ``lines`` and ``node_xy``.
    lines
        One LineString per segment, digitised direction kept.
    feature
        Per segment, the row (0-based position) of the road feature it comes from.
    start, end
        Per segment, the node at its first and at its last vertex.
    length_m, seconds
        Per segment, its length and the time to drive all of it.
    forward, backward
        Per segment, whether it may be driven in (against) its digitised direction.
    node_xy
        Node positions (the mean of the road ends that meet there).
    labels
        A name per road feature (NGUID, id or fid), for messages.
    warnings
        What the data needed worked around, counted.
    """

    crs: CRS
    lines: Geometries
    feature: Ints
    start: Ints
    end: Ints
    length_m: Floats
    seconds: Floats
    forward: Mask
    backward: Mask
    node_xy: Floats
    labels: tuple[str, ...]
    warnings: tuple[CountedWarning, ...]

    @property
    def segment_count(self) -> int:
        """How many segments the network has."""
        return len(self.lines)

    @property
    def node_count(self) -> int:
        """How many nodes (road ends, met within the tolerance) the network has."""
        return len(self.node_xy)

    def open_segments(self, closed_roads: frozenset[int] = frozenset()) -> Mask:
        """True for the segments of road features not in ``closed_roads`` (rows)."""
        if not closed_roads:
            return np.ones(self.segment_count, dtype=bool)
        return ~np.isin(self.feature, np.fromiter(closed_roads, dtype=np.intp))

    def parts(self) -> int:
        """How many separate pieces the network is in (an island's roads are one)."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = self.node_count
        links = coo_matrix((np.ones(self.segment_count), (self.start, self.end)), shape=(n, n))
        return int(connected_components(links, directed=False)[0])


def build_road_network(
    roads: gpd.GeoDataFrame,
    snap_m: float,
    labels: Sequence[str] | None = None,
    crs: CRS | None = None,
) -> RoadNetwork:
    """The drive network of a road centreline layer.

    Parameters
    ----------
    roads
        Line features with a CRS; ``SpeedLimit`` (mph), ``RoadClass`` and
        ``OneWay`` are used when present (see :mod:`.speeds`).
    snap_m
        Road ends closer than this (metres) are one node.
    labels
        A name per feature for messages; its NGUID (or fid) when omitted.
    crs
        The metric CRS to work in; the layer's own if metric, else the UTM
        zone of its centre.

    Raises
    ------
    MapdeskError
        When the layer has no CRS or no drivable line at all.
    """
    names = tuple(labels) if labels is not None else feature_labels(roads, ROAD_ID_FIELDS)
    work = crs or _working_crs(roads)
    geometry = roads.geometry if _same(roads.crs, work) else roads.geometry.to_crs(work)
    rules = road_rules(roads, names)
    warn = WarningCollector(names)
    lines, feature = _line_parts(np.asarray(geometry.array), rules.drivable, warn)
    lengths = shapely.length(lines)
    short = lengths < MIN_LENGTH_M
    warn.add("road.zero_length", _rows_with(feature[short], len(roads)), _ZERO_LENGTH)
    lines, feature, lengths = lines[~short], feature[~short], lengths[~short]
    if not len(lines):
        raise MapdeskError("The road layer has no drivable line to build a network from")
    start, end, node_xy = _nodes(lines, snap_m)
    seconds = lengths / (rules.speed_mph[feature] * MPS_PER_MPH)
    return RoadNetwork(
        work,
        lines,
        feature,
        start,
        end,
        lengths,
        seconds,
        rules.forward[feature],
        rules.backward[feature],
        node_xy,
        names,
        rules.warnings + tuple(warn.found),
    )


_NO_GEOMETRY = "{n} road features have no geometry and are left out"
_NOT_LINE = "{n} road features are not lines and are left out"
_MULTIPART = (
    "{n} road features are multi-part lines: each part is a segment of its own, joined to "
    "others only where its ends meet theirs"
)
_ZERO_LENGTH = "{n} road features have a part of zero length, which is left out"


def _working_crs(roads: gpd.GeoDataFrame) -> CRS:
    if roads.crs is None:
        raise MapdeskError("The road layer has no CRS: set it, then run the coverage again")
    bounds = roads.total_bounds
    if not np.all(np.isfinite(bounds)):
        raise MapdeskError("The road layer has no geometry to build a network from")
    return metric_crs(CRS(roads.crs), (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)


def _same(a: object, b: CRS) -> bool:
    return a is not None and CRS(a) == b


def _line_parts(
    geometries: Geometries, drivable: Mask, warn: WarningCollector
) -> tuple[Geometries, Ints]:
    """Every LineString part of the drivable features, 2D, and the row it came from."""
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    warn.add("road.no_geometry", missing, _NO_GEOMETRY)
    parts, rows = shapely.get_parts(geometries[~missing], return_index=True)
    rows = np.flatnonzero(~missing)[rows]
    is_line = shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING
    has_line = np.bincount(rows[is_line], minlength=len(geometries)) > 0
    warn.add("road.not_line", ~missing & ~has_line, _NOT_LINE)
    parts, rows = parts[is_line], rows[is_line]
    warn.add("road.multipart", np.bincount(rows, minlength=len(geometries)) > 1, _MULTIPART)
    keep = drivable[rows]
    return shapely.force_2d(parts[keep]), rows[keep]


def _rows_with(rows: Ints, count: int) -> Mask:
    mask = np.zeros(count, dtype=bool)
    mask[rows] = True
    return mask


def _nodes(lines: Geometries, snap_m: float) -> tuple[Ints, Ints, Floats]:
    """Start and end node of every line: ends within ``snap_m`` of each other are one node."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    ends = np.vstack(
        [
            shapely.get_coordinates(shapely.get_point(lines, 0)),
            shapely.get_coordinates(shapely.get_point(lines, -1)),
        ]
    )
    pairs = cKDTree(ends).query_pairs(max(snap_m, 1e-9), output_type="ndarray")
    n = len(ends)
    links = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    count, node = connected_components(links, directed=False)
    members = np.bincount(node, minlength=count)
    node_xy = np.column_stack(
        [np.bincount(node, ends[:, axis], minlength=count) / members for axis in (0, 1)]
    )
    half = len(lines)
    return node[:half].astype(np.intp), node[half:].astype(np.intp), node_xy
