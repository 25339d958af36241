"""Shortest drive times from stations to every road node (scipy's Dijkstra).

A station usually stands part-way along a segment: it enters the network
through a node of its own, linked to the segment's two ends by the part of
the segment that lies between (in the directions the segment may be driven).
"""

from __future__ import annotations

import numpy as np

from mapdesk.core.analysis.coverage.model import Floats, Ints, Mask
from mapdesk.core.analysis.coverage.network import RoadNetwork
from mapdesk.core.analysis.coverage.positions import NetworkPositions

#: Dijkstra takes an explicit zero in a sparse graph for "no edge" in some
#: paths of scipy; a station standing exactly on a node is this far from it.
_TINY_S = 1e-9


def station_node_seconds(
    network: RoadNetwork, open_segments: Mask, stations: NetworkPositions
) -> Floats:
    """Drive seconds from each station (all on the network) to each node; inf when unreachable.

    Returns
    -------
    numpy.ndarray
        Shape (stations, nodes).
    """
    from scipy.sparse.csgraph import dijkstra

    if not len(stations):
        return np.empty((0, network.node_count))
    graph = _travel_graph(network, open_segments, stations)
    sources = network.node_count + np.arange(len(stations))
    seconds = dijkstra(graph, directed=True, indices=sources)
    return np.asarray(seconds[:, : network.node_count], dtype=float)


def _travel_graph(network: RoadNetwork, open_segments: Mask, stations: NetworkPositions) -> object:
    """The directed graph of nodes plus one entry node per station, cheapest edge kept."""
    from scipy.sparse import csr_matrix

    ahead = open_segments & network.forward
    back = open_segments & network.backward
    k, t = stations.segment, stations.fraction
    entry = network.node_count + np.arange(len(k))
    # A station at a segment's very end is at that node, whichever way the segment runs.
    ahead_k, back_k = network.forward[k] | (t >= 1), network.backward[k] | (t <= 0)
    seconds = network.seconds
    rows = np.concatenate([network.start[ahead], network.end[back], entry[back_k], entry[ahead_k]])
    cols = np.concatenate(
        [network.end[ahead], network.start[back], network.start[k][back_k], network.end[k][ahead_k]]
    )
    weights = np.concatenate(
        [seconds[ahead], seconds[back], (t * seconds[k])[back_k], ((1 - t) * seconds[k])[ahead_k]]
    )
    rows, cols, weights = _cheapest(rows, cols, np.maximum(weights, _TINY_S))
    size = network.node_count + len(k)
    return csr_matrix((weights, (rows, cols)), shape=(size, size))


def _cheapest(rows: Ints, cols: Ints, weights: Floats) -> tuple[Ints, Ints, Floats]:
    """One edge per (row, col), the cheapest, and no loops: a sparse matrix would add
    parallel segments' times together."""
    keep = rows != cols
    rows, cols, weights = rows[keep], cols[keep], weights[keep]
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return rows[first], cols[first], weights[first]
