"""The network graph built once and reused while its layers' features are unchanged.

Tracing is a click-by-click tool: each click must not rebuild the graph
(reprojecting, snapping every span end). A graph depends only on the features
(and CRS) of the node, span, site and tower layers, and each layer's
``data_version`` grows whenever those change (an edit, a new CRS, a virtual
field), so the layers' ids and versions are the cache's key.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import geopandas as gpd

from mapdesk.core.analysis.network.build import build_network_graph
from mapdesk.core.analysis.network.model import NetworkGraph
from mapdesk.core.analysis.network.project_layers import NetworkLayers
from mapdesk.core.layer import VectorLayer

LayerKey = tuple[str, int] | None


@dataclass(frozen=True)
class NetworkFrames:
    """The network layers' features as they were at one moment, with their version key.

    Take it in the thread that edits the layers (the UI thread); build from it
    in any thread: a layer's frame is replaced, never changed in place.
    """

    key: tuple[LayerKey, ...]
    nodes: gpd.GeoDataFrame = field(compare=False)
    spans: gpd.GeoDataFrame = field(compare=False)
    sites: gpd.GeoDataFrame | None = field(default=None, compare=False)
    towers: gpd.GeoDataFrame | None = field(default=None, compare=False)

    @classmethod
    def of(cls, layers: NetworkLayers) -> NetworkFrames:
        """The frames of ``layers`` now."""
        found = (layers.nodes, layers.spans, layers.sites, layers.towers)
        return cls(
            tuple(_key(layer) for layer in found),
            layers.nodes.data,
            layers.spans.data,
            None if layers.sites is None else layers.sites.data,
            None if layers.towers is None else layers.towers.data,
        )


def _key(layer: VectorLayer | None) -> LayerKey:
    return None if layer is None else (layer.id, layer.data_version)


class NetworkGraphCache:
    """The last network graph built, handed out again for the same layers' versions.

    Safe to call from worker threads: a second request for the graph being
    built waits for it rather than building it twice. Asking whether a graph
    is kept (``cached``) never waits for a build: the UI thread asks it on
    every click, and a city network takes seconds to build.
    """

    def __init__(self) -> None:
        # Two locks: ``_building`` is held for a whole build (builds take turns),
        # ``_lock`` only while the kept key and graph are read or written.
        self._building = threading.Lock()
        self._lock = threading.Lock()
        self._key: tuple[LayerKey, ...] | None = None
        self._graph: NetworkGraph | None = None
        #: How many graphs were built (tests, the status bar).
        self.builds = 0

    def graph(self, frames: NetworkFrames) -> NetworkGraph:
        """The graph of ``frames``: the kept one when their key is the kept key."""
        kept = self.cached(frames)
        if kept is not None:
            return kept
        with self._building:
            kept = self.cached(frames)  # built by the thread this one waited for
            if kept is not None:
                return kept
            graph = build_network_graph(
                frames.nodes, frames.spans, sites=frames.sites, towers=frames.towers
            )
            with self._lock:
                self._key, self._graph = frames.key, graph
                self.builds += 1
            return graph

    def cached(self, frames: NetworkFrames) -> NetworkGraph | None:
        """The kept graph when it is the graph of ``frames``, else None (nothing is built)."""
        with self._lock:
            return self._graph if self._key == frames.key else None

    def clear(self) -> None:
        """Forget the kept graph."""
        with self._lock:
            self._key, self._graph = None, None
