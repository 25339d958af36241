"""Building the network graph from a node layer and a span layer."""

from __future__ import annotations

from collections import Counter
from typing import Any

import geopandas as gpd
import shapely

from mapdesk.core.analysis.network.assets import NODE_LAYER, SPAN_LAYER
from mapdesk.core.analysis.network.domains import domain_problems
from mapdesk.core.analysis.network.frames import (
    in_service,
    reprojected,
    require_ids,
    text_column,
    working_crs,
)
from mapdesk.core.analysis.network.model import (
    INSIDE_PLANT,
    NetworkGraph,
    NetworkProblem,
    ProblemKind,
    location_of,
)
from mapdesk.core.analysis.network.places import network_places
from mapdesk.core.analysis.network.snapping import NodeSnapper
from mapdesk.core.analysis.network.spans import SpanRecord, resolve_span

#: How far (metres) a span's end may be from a node and still meet it.
DEFAULT_TOLERANCE_M = 2.0

SpanEdges = dict[str, tuple[tuple[str, str, str], ...]]


def build_network_graph(
    nodes: gpd.GeoDataFrame,
    spans: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame | None = None,
    towers: gpd.GeoDataFrame | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> NetworkGraph:
    """The in-service network of ``nodes`` and ``spans``, checked for connectivity problems.

    Parameters
    ----------
    nodes
        Point features with ``asset_id``; ``type``, ``status`` and ``site_id``
        are used when present.
    spans
        Line features with ``asset_id``; ``status``, ``from_node`` and
        ``to_node`` are used when present.
    sites
        City sites (``site_id``, ``name``, ``type``, ``network_node``), optional.
    towers
        Radio towers (``site_id``, ``name``), optional; any CRS.
    tolerance_m
        How far (metres) a span's end may be from a node and still meet it.
        Nodes this close to each other are taken as equipment in one place.

    Returns
    -------
    NetworkGraph
        Only features whose ``status`` is not ``retired`` are in service and
        in the graph; a span's ends meet the nodes its geometry reaches, and
        its ``from_node``/``to_node`` are checked against them. Every
        feature's ``type`` and ``status`` are checked against their coded
        domain (the file's own codes when it declares them).
    """
    import networkx as nx

    if tolerance_m < 0:
        raise ValueError(f"The snapping tolerance must not be negative, got {tolerance_m}")
    rules = (nodes.attrs.get("field_rules"), spans.attrs.get("field_rules"))
    crs = working_crs(nodes, spans)
    nodes, spans = reprojected(nodes, crs), reprojected(spans, crs)
    node_ids, span_ids = require_ids(nodes, "node"), require_ids(spans, "span")
    graph = nx.MultiGraph()
    problems = _duplicates(nodes, node_ids, "Node") + _duplicates(spans, span_ids, "Span")
    problems += _missing_ids(nodes, node_ids, "Node") + _missing_ids(spans, span_ids, "Span")
    problems += domain_problems(nodes, NODE_LAYER, node_ids, rules[0])
    problems += domain_problems(spans, SPAN_LAYER, span_ids, rules[1])
    snapper = _add_nodes(graph, nodes, node_ids, tolerance_m)
    span_edges, span_problems = _add_spans(graph, spans, span_ids, snapper, frozenset(node_ids))
    problems += span_problems + _isolated_nodes(graph)
    service = in_service(spans)
    retired = frozenset(sid for sid, ok in zip(span_ids, service, strict=True) if not ok)
    places = network_places(nodes, sites, towers)
    return NetworkGraph(graph, crs, tolerance_m, span_edges, retired, places, problems)


def _duplicates(frame: gpd.GeoDataFrame, ids: list[str], what: str) -> tuple[NetworkProblem, ...]:
    counts = Counter(ids)
    first = {asset_id: row for row, asset_id in reversed(list(enumerate(ids)))}
    return tuple(
        NetworkProblem(
            ProblemKind.DUPLICATE_ID,
            asset_id,
            f"{what} id {asset_id} is used by {count} features",
            location_of(frame.geometry.iloc[first[asset_id]]),
        )
        for asset_id, count in sorted(counts.items())
        if count > 1 and asset_id
    )


def _missing_ids(frame: gpd.GeoDataFrame, ids: list[str], what: str) -> tuple[NetworkProblem, ...]:
    """In-service features with no asset_id: no span or trace can name them, so
    the graph leaves them out (a retired one does no harm)."""
    return tuple(
        NetworkProblem(
            ProblemKind.MISSING_ID,
            "",
            f"{what} in row {row + 1} has no asset_id: it is left out of the network",
            location_of(frame.geometry.iloc[row]),
        )
        for row, ok in enumerate(in_service(frame))
        if ok and not ids[row]
    )


def _add_nodes(
    graph: Any, nodes: gpd.GeoDataFrame, node_ids: list[str], tolerance_m: float
) -> NodeSnapper:
    """Adds the in-service nodes (first of a duplicated id) and their inside-plant links.

    A node with no location (a null or an empty point) cannot be snapped to,
    so it is left out, as a retired node is.
    """
    kinds, site_ids = text_column(nodes, "type"), text_column(nodes, "site_id")
    points = nodes.geometry.to_numpy()
    located = ~(shapely.is_missing(points) | shapely.is_empty(points))
    keep = [row for row, ok in enumerate(in_service(nodes) & located) if ok and node_ids[row]]
    # The first feature of a duplicated id wins, in the graph and for snapping:
    # spans drawn to the other feature's place then dangle (and are reported)
    # instead of joining two far-apart places through one id.
    firsts: dict[str, int] = {}
    for row in keep:
        firsts.setdefault(node_ids[row], row)
    keep = sorted(firsts.values())
    for row in keep:
        point = nodes.geometry.iloc[row]
        graph.add_node(node_ids[row], type=kinds[row], site_id=site_ids[row], xy=(point.x, point.y))
    snapper = NodeSnapper(
        [node_ids[row] for row in keep], [nodes.geometry.iloc[row] for row in keep], tolerance_m
    )
    for a, b in snapper.neighbours():
        graph.add_edge(a, b, key=f"{INSIDE_PLANT}:{a}|{b}", span_id=None, kind=INSIDE_PLANT)
    return snapper


def _add_spans(
    graph: Any,
    spans: gpd.GeoDataFrame,
    span_ids: list[str],
    snapper: NodeSnapper,
    known_nodes: frozenset[str],
) -> tuple[SpanEdges, tuple[NetworkProblem, ...]]:
    """Adds each in-service span whose ends both meet a node; returns its edges and problems."""
    froms, tos = text_column(spans, "from_node"), text_column(spans, "to_node")
    kinds = text_column(spans, "type")
    edges: dict[str, list[tuple[str, str, str]]] = {}
    problems: list[NetworkProblem] = []
    for row, ok in enumerate(in_service(spans)):
        if not ok or not span_ids[row]:
            continue
        record = SpanRecord(span_ids[row], spans.geometry.iloc[row], froms[row], tos[row])
        ends = resolve_span(record, snapper, known_nodes)
        problems += ends.problems
        span_edges = edges.setdefault(record.span_id, [])
        if ends.start is not None and ends.end is not None:
            key = f"span:{row}"
            length = _length(record.geometry)
            graph.add_edge(
                ends.start,
                ends.end,
                key=key,
                span_id=record.span_id,
                kind=kinds[row],
                length=length,
            )
            span_edges.append((ends.start, ends.end, key))
    return {span_id: tuple(found) for span_id, found in edges.items()}, tuple(problems)


def _length(geometry: Any) -> float:
    """The drawn length of a span in the working CRS (metres), 0 for no geometry."""
    if geometry is None or geometry.is_empty:
        return 0.0
    return float(geometry.length)


def _isolated_nodes(graph: Any) -> tuple[NetworkProblem, ...]:
    """Nodes no in-service span reaches, not even through equipment in the same place."""
    import networkx as nx

    spanned = {
        node
        for u, v, span_id in graph.edges(data="span_id")
        if span_id is not None
        for node in (u, v)
    }
    lonely = [
        node
        for component in nx.connected_components(graph)
        if not component & spanned
        for node in component
    ]
    return tuple(
        NetworkProblem(
            ProblemKind.ISOLATED_NODE,
            node,
            f"Node {node} ({graph.nodes[node]['type'] or 'no type'}) "
            "is not reached by any span in service",
            graph.nodes[node]["xy"],
        )
        for node in sorted(lonely)
    )
