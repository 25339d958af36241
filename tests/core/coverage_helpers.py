"""Road layers built by the coverage tests, and an independent networkx oracle."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString, Point

#: Metres per second in one mile per hour.
MPH = 0.44704
CRS = "EPSG:26984"  # NAD83 / Maine West, metres: the demo's


def road_layer(
    lines: Sequence[object],
    oneway: Sequence[object] | None = None,
    speed: Sequence[object] | None = None,
    road_class: Sequence[object] | None = None,
    crs: str | None = CRS,
) -> gpd.GeoDataFrame:
    """Road centrelines with NENA's OneWay, SpeedLimit (mph) and RoadClass."""
    count = len(lines)
    return gpd.GeoDataFrame(
        {
            "NGUID": [f"RCL-{i}" for i in range(count)],
            "OneWay": list(oneway) if oneway is not None else ["B"] * count,
            "SpeedLimit": list(speed) if speed is not None else [25] * count,
            "RoadClass": list(road_class) if road_class is not None else ["Local"] * count,
        },
        geometry=list(lines),
        crs=crs,
    )


def station_layer(
    points: Sequence[Point], turnout_s: Sequence[float] | None = None, crs: str = CRS
) -> gpd.GeoDataFrame:
    """Stations ST-1, ST-2 ... with their turnout seconds (0 by default)."""
    count = len(points)
    return gpd.GeoDataFrame(
        {
            "station_id": [f"ST-{i + 1}" for i in range(count)],
            "name": [f"Station {i + 1}" for i in range(count)],
            "turnout_s": list(turnout_s) if turnout_s is not None else [0] * count,
        },
        geometry=list(points),
        crs=crs,
    )


def point_layer(points: Sequence[Point], crs: str = CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": range(len(points))}, geometry=list(points), crs=crs)


def grid_lines(columns: int, rows: int, spacing: float) -> list[LineString]:
    """Streets of a grid, west-east rows first then south-north columns, digitised
    west to east and south to north, each one block long."""
    lines = []
    for r in range(rows):
        for c in range(columns - 1):
            lines.append(LineString([(c * spacing, r * spacing), ((c + 1) * spacing, r * spacing)]))
    for c in range(columns):
        for r in range(rows - 1):
            lines.append(LineString([(c * spacing, r * spacing), (c * spacing, (r + 1) * spacing)]))
    return lines


def random_roads(seed: int, nodes: int, edges: int) -> tuple[gpd.GeoDataFrame, np.ndarray, list]:
    """Random straight roads between random points, with random one-way and speeds.

    Returns the layer, the node coordinates, and per road (from node, to node).
    Roads may cross without meeting (an overpass): they meet only at shared ends.
    """
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 5000, (nodes, 2)).round(1)
    pairs = []
    # A spanning chain first (mostly connected), then random extra roads.
    order = rng.permutation(nodes)
    pairs += [(int(a), int(b)) for a, b in itertools.pairwise(order)]
    while len(pairs) < edges:
        a, b = (int(v) for v in rng.integers(0, nodes, 2))
        if a != b:
            pairs.append((a, b))
    lines = [LineString([xy[a], xy[b]]) for a, b in pairs]
    oneway = rng.choice(["B", "B", "B", "FT", "TF"], len(pairs))
    speed = rng.choice([15, 25, 30, 35, 45, 55], len(pairs))
    return road_layer(lines, oneway, speed), xy, pairs


def oracle_arrival(
    roads: gpd.GeoDataFrame,
    pairs: list,
    station: tuple[int, float],
    turnout_s: float,
    places: Sequence[tuple[int, float]],
) -> np.ndarray:
    """Arrival seconds at each place (road row, fraction) from a station at (road row, fraction),
    by networkx's Dijkstra on the roads split at the station and every place."""
    graph = nx.MultiDiGraph()
    cuts: dict[int, list[tuple[float, object]]] = {}
    for index, (row, fraction) in enumerate(places):
        cuts.setdefault(row, []).append((fraction, ("place", index)))
    cuts.setdefault(station[0], []).append((station[1], "station"))
    for row, (a, b) in enumerate(pairs):
        way = roads["OneWay"].iloc[row]
        seconds = roads.geometry.iloc[row].length / (roads["SpeedLimit"].iloc[row] * MPH)
        inner = sorted(cuts.get(row, []), key=lambda cut: cut[0])
        stops = [(0.0, ("node", a)), *inner, (1.0, ("node", b))]
        for (f0, n0), (f1, n1) in itertools.pairwise(stops):
            weight = (f1 - f0) * seconds
            if way != "TF":
                graph.add_edge(n0, n1, weight=weight)
            if way != "FT":
                graph.add_edge(n1, n0, weight=weight)
            # A place at a road's very end is that node too.
            if f1 - f0 == 0:
                graph.add_edge(n0, n1, weight=0.0)
                graph.add_edge(n1, n0, weight=0.0)
    lengths = nx.single_source_dijkstra_path_length(graph, "station", weight="weight")
    return np.array(
        [lengths.get(("place", i), np.inf) + turnout_s for i in range(len(places))], dtype=float
    )


def distance_to_pieces(points: np.ndarray, lines: np.ndarray, pieces: list) -> np.ndarray:
    """Distance from each point to the union of (row, start, stop) pieces of ``lines``."""
    from shapely.ops import substring

    geoms = [substring(lines[k], lo, hi, normalized=True) for k, lo, hi in pieces]
    if not geoms:
        return np.full(len(points), np.inf)
    return np.asarray(shapely.distance(shapely.union_all(geoms), points))


def result_reach(result):  # type: ignore[no-untyped-def]
    """The drive times of a coverage result's responding stations (a StationReach)."""
    from mapdesk.core.analysis.coverage.reach import StationReach

    responding = result.responding
    return StationReach.compute(
        result.network,
        result.open_segments,
        result.station_positions.take(responding),
        result.stations.turnout_s[responding],
    )
