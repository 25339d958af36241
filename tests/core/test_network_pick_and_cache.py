"""Picking the node a click means, and keeping the built graph while the layers stay the same."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from mapdesk.core.analysis.network import NetworkGraph, build_network_graph
from mapdesk.core.analysis.network.cache import NetworkFrames, NetworkGraphCache
from mapdesk.core.analysis.network.picking import pick_node
from mapdesk.core.analysis.network.project_layers import NetworkLayers
from mapdesk.core.crs import parse_crs, transform_xy
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

CRS = "EPSG:26984"
X, Y = 892_658.0, 91_567.0


def _nodes(status: tuple[str, ...] = ("active", "active", "active", "retired")) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "asset_id": ["A", "A-switch", "B", "OLD"],
            "type": ["site", "switch", "handhole", "handhole"],
            "status": list(status),
        },
        geometry=[Point(X, Y), Point(X, Y), Point(X + 300, Y), Point(X + 600, Y)],
        crs=CRS,
    )


def _spans() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"asset_id": ["S1"], "from_node": ["A"], "to_node": ["B"], "status": ["active"]},
        geometry=[LineString([(X, Y), (X + 300, Y)])],
        crs=CRS,
    )


def test_the_nearest_node_in_service_within_the_tolerance_is_picked() -> None:
    network = build_network_graph(_nodes(), _spans())
    crs = parse_crs(CRS)
    near_b = pick_node(network, _nodes(), (X + 292, Y + 4), crs, tolerance=10)
    assert (near_b.node_id, near_b.xy, near_b.retired_id) == ("B", (X + 300, Y), None)
    # equipment in one place: the first node of the layer (the site) is taken
    assert pick_node(network, _nodes(), (X + 3, Y), crs, tolerance=10).node_id == "A"
    missed = pick_node(network, _nodes(), (X + 150, Y), crs, tolerance=10)
    assert (missed.node_id, missed.xy, missed.retired_id) == (None, None, None)


def test_a_retired_node_near_the_click_is_named() -> None:
    network = build_network_graph(_nodes(), _spans())
    picked = pick_node(network, _nodes(), (X + 605, Y), parse_crs(CRS), tolerance=10)
    assert (picked.node_id, picked.retired_id) == (None, "OLD")


def test_the_tolerance_is_in_the_map_crs_units() -> None:
    """A map in WGS 84 picks in degrees; the network is in metres."""
    network = build_network_graph(_nodes(), _spans())
    wgs84 = parse_crs("EPSG:4326")
    lon, lat = transform_xy([X + 300], [Y], parse_crs(CRS), wgs84)
    click = (float(lon[0]) + 0.00005, float(lat[0]))  # about 4 m east of B
    assert pick_node(network, _nodes(), click, wgs84, tolerance=0.0001).node_id == "B"
    assert pick_node(network, _nodes(), click, wgs84, tolerance=0.00001).node_id is None


def test_a_map_without_a_crs_picks_where_the_nodes_are_drawn() -> None:
    """With no map CRS each layer is drawn where its numbers fall: in WGS 84 degrees
    for nodes whose file says so, though the graph is built in metres (UTM)."""
    wgs84 = parse_crs("EPSG:4326")
    nodes, spans = _nodes().to_crs(wgs84), _spans().to_crs(wgs84)
    network = build_network_graph(nodes, spans)
    b = nodes.geometry.iloc[2]
    picked = pick_node(network, nodes, (b.x + 0.00002, b.y), None, tolerance=0.0001)
    assert picked.node_id == "B" and picked.xy == pytest.approx((b.x, b.y))
    old = nodes.geometry.iloc[3]
    assert pick_node(network, nodes, (old.x, old.y), None, 0.0001).retired_id == "OLD"


def _layers() -> NetworkLayers:
    return NetworkLayers(VectorLayer(_nodes(), "Network nodes"), VectorLayer(_spans(), "Spans"))


def test_the_graph_is_kept_while_the_layers_are_unchanged() -> None:
    layers, cache = _layers(), NetworkGraphCache()
    first = cache.graph(NetworkFrames.of(layers))
    assert cache.graph(NetworkFrames.of(layers)) is first
    assert cache.cached(NetworkFrames.of(layers)) is first
    assert cache.builds == 1
    layers.spans.replace_data(layers.spans.data.assign(note="x"))  # an edit
    assert cache.cached(NetworkFrames.of(layers)) is None
    second = cache.graph(NetworkFrames.of(layers))
    assert second is not first and cache.builds == 2


def test_another_layer_with_the_same_version_is_not_the_same_graph() -> None:
    cache = NetworkGraphCache()
    cache.graph(NetworkFrames.of(_layers()))
    assert cache.cached(NetworkFrames.of(_layers())) is None


def test_a_new_crs_is_a_new_version() -> None:
    layers = _layers()
    before = NetworkFrames.of(layers).key
    layers.nodes.set_crs("EPSG:26919")
    assert NetworkFrames.of(layers).key != before


def test_a_failed_build_keeps_nothing() -> None:
    layers, cache = _layers(), NetworkGraphCache()
    layers.nodes.replace_data(layers.nodes.data.drop(columns=["asset_id"]))
    with pytest.raises(MapdeskError, match="no asset_id"):
        cache.graph(NetworkFrames.of(layers))
    assert cache.builds == 0 and cache.cached(NetworkFrames.of(layers)) is None


@pytest.fixture
def slow_builds(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[threading.Event, threading.Event]]:
    """(building, release): a build sets ``building``, then waits for ``release``."""
    import mapdesk.core.analysis.network.cache as cache_module

    building, release = threading.Event(), threading.Event()

    def slow_build(*args: Any, **kwargs: Any) -> NetworkGraph:
        building.set()
        release.wait(10)
        return build_network_graph(*args, **kwargs)

    monkeypatch.setattr(cache_module, "build_network_graph", slow_build)
    yield building, release
    release.set()


def test_asking_for_the_kept_graph_does_not_wait_for_a_build(
    slow_builds: tuple[threading.Event, threading.Event],
) -> None:
    """The UI thread asks ``cached`` on every click: a build running in a worker
    (seconds on a city's network) must not freeze the window meanwhile."""
    building, release = slow_builds
    cache, frames = NetworkGraphCache(), NetworkFrames.of(_layers())
    worker = threading.Thread(target=cache.graph, args=(frames,))
    worker.start()
    assert building.wait(10)
    answers: list[NetworkGraph | None] = []
    asker = threading.Thread(target=lambda: answers.append(cache.cached(frames)))
    asker.start()
    asker.join(2)
    release.set()
    worker.join(10)
    assert answers == [None], "cached() waited for the build in progress"
    assert cache.cached(frames) is not None and cache.builds == 1


def test_a_graph_asked_for_twice_while_building_is_built_once(
    slow_builds: tuple[threading.Event, threading.Event],
) -> None:
    building, release = slow_builds
    cache, frames = NetworkGraphCache(), NetworkFrames.of(_layers())
    found: list[NetworkGraph] = []
    threads = [threading.Thread(target=lambda: found.append(cache.graph(frames))) for _ in "ab"]
    threads[0].start()
    assert building.wait(10)
    threads[1].start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert cache.builds == 1 and len(found) == 2 and found[0] is found[1]
