"""The network graph: connectivity checks, tracing and cut impact (no Qt, no io)."""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Collection
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from mapdesk.core.analysis.network import (
    CutImpact,
    NetworkGraph,
    ProblemKind,
    build_network_graph,
    cut_impact,
    default_core,
    psap_place,
    trace,
)
from mapdesk.core.analysis.network.places import node_label
from mapdesk.core.errors import MapdeskError

CRS = "EPSG:26984"
DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"


def node_layer(*rows: tuple[str, float, float], **columns: list[str]) -> gpd.GeoDataFrame:
    """Nodes ``(asset_id, x, y)``; extra columns by keyword (type defaults to handhole)."""
    data = {"asset_id": [row[0] for row in rows], "type": ["handhole"] * len(rows)}
    data.update({"status": ["active"] * len(rows), "site_id": [""] * len(rows)})
    data.update(columns)
    points = [Point(x, y) for _, x, y in rows]
    return gpd.GeoDataFrame(data, geometry=points, crs=CRS)


def span_layer(
    *rows: tuple[str, str, str, list[tuple[float, float]]], **columns: list[str]
) -> gpd.GeoDataFrame:
    """Spans ``(asset_id, from_node, to_node, coordinates)``."""
    data = {
        "asset_id": [row[0] for row in rows],
        "from_node": [row[1] for row in rows],
        "to_node": [row[2] for row in rows],
        "status": ["active"] * len(rows),
    }
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=[LineString(row[3]) for row in rows], crs=CRS)


def sites_layer(*rows: tuple[str, str, str, str]) -> gpd.GeoDataFrame:
    """City sites ``(site_id, name, type, network_node)``."""
    keys = ("site_id", "name", "type", "network_node")
    data = {key: [row[i] for row in rows] for i, key in enumerate(keys)}
    return gpd.GeoDataFrame(data, geometry=[Point(0, 0)] * len(rows), crs=CRS)


XY = {"A": (0.0, 0.0), "B": (100.0, 0.0), "C": (100.0, 100.0), "D": (200.0, 100.0)}


def line(a: str, b: str) -> list[tuple[float, float]]:
    return [XY[a], XY[b]]


@pytest.fixture
def ring_with_spur() -> NetworkGraph:
    """A ring A-B-C-A (A is City Hall, the core) with a spur C-D to the 9-1-1 centre."""
    nodes = node_layer(
        *[(name, *XY[name]) for name in "ABCD"],
        type=["site", "handhole", "splice_closure", "site"],
        site_id=["CS-001", "", "", "CS-911"],
    )
    spans = span_layer(
        ("S1", "A", "B", line("A", "B")),
        ("S2", "B", "C", line("B", "C")),
        ("S3", "C", "A", line("C", "A")),
        ("S4", "C", "D", line("C", "D")),
    )
    sites = sites_layer(
        ("CS-001", "City Hall", "City Hall", "A"),
        ("CS-911", "Regional 9-1-1 Communications Center", "Public Safety", "D"),
    )
    return build_network_graph(nodes, spans, sites)


def test_the_core_is_city_hall_and_the_psap_is_cs_911(ring_with_spur: NetworkGraph) -> None:
    assert default_core(ring_with_spur) == ("A",)
    psap = psap_place(ring_with_spur)
    assert psap is not None and (psap.place_id, psap.node_id) == ("CS-911", "D")


def test_a_ring_survives_one_cut(ring_with_spur: NetworkGraph) -> None:
    impact = cut_impact(ring_with_spur, ["S2"])
    assert impact.lost_nodes == frozenset()
    assert impact.kept_nodes == frozenset("ABCD")
    assert impact.psap_connected is True and not impact.psap_cut_off


def test_two_cuts_in_the_ring_lose_what_lies_between(ring_with_spur: NetworkGraph) -> None:
    impact = cut_impact(ring_with_spur, ["S2", "S3"])
    assert impact.lost_nodes == frozenset("CD")
    assert impact.cut_spans == ("S2", "S3")


def test_a_spur_is_lost_with_its_site(ring_with_spur: NetworkGraph) -> None:
    impact = cut_impact(ring_with_spur, ["S4"])
    assert impact.lost_nodes == frozenset("D")
    assert [(s.place_id, s.name) for s in impact.lost_sites] == [
        ("CS-911", "Regional 9-1-1 Communications Center")
    ]
    assert [s.place_id for s in impact.kept_sites] == ["CS-001"]
    assert impact.psap_cut_off


def test_the_core_can_be_named(ring_with_spur: NetworkGraph) -> None:
    impact = cut_impact(ring_with_spur, ["S4"], core=["D"])
    assert impact.lost_nodes == frozenset("ABC")
    assert impact.core == ("D",)


def test_parallel_spans_both_have_to_be_cut() -> None:
    nodes = node_layer(("A", *XY["A"]), ("B", *XY["B"]))
    spans = span_layer(("S1", "A", "B", line("A", "B")), ("S2", "A", "B", line("A", "B")))
    network = build_network_graph(nodes, spans)
    assert cut_impact(network, ["S1"], core=["A"]).lost_nodes == frozenset()
    assert cut_impact(network, ["S1", "S2"], core=["A"]).lost_nodes == frozenset("B")


def test_equipment_in_one_place_goes_with_its_site() -> None:
    nodes = node_layer(
        ("A", *XY["A"]), ("B", *XY["B"]), ("B-router", *XY["B"]), type=["site", "site", "router"]
    )
    network = build_network_graph(nodes, span_layer(("S1", "A", "B", line("A", "B"))))
    assert network.problems == ()
    assert cut_impact(network, ["S1"], core=["A"]).lost_nodes == frozenset({"B", "B-router"})


def test_span_ends_snap_within_the_tolerance() -> None:
    nodes = node_layer(("A", 0, 0), ("B", 100, 0))
    spans = span_layer(("S1", "A", "B", [(1.5, 0), (100, 1.5)]))
    assert build_network_graph(nodes, spans, tolerance_m=2).problems == ()
    tight = build_network_graph(nodes, spans, tolerance_m=1)
    assert [(p.kind, p.message) for p in tight.problems] == [
        (ProblemKind.DANGLING_SPAN, "Span S1: its start is not within 1 m of any node in service"),
        (ProblemKind.DANGLING_SPAN, "Span S1: its end is not within 1 m of any node in service"),
        (ProblemKind.ISOLATED_NODE, "Node A (handhole) is not reached by any span in service"),
        (ProblemKind.ISOLATED_NODE, "Node B (handhole) is not reached by any span in service"),
    ]
    assert tight.problems[0].location == (1.5, 0.0)
    assert tight.span_edges["S1"] == ()


def test_spans_in_another_crs_are_reprojected_before_snapping() -> None:
    nodes = node_layer(("A", 892658.18, 91567.74), ("B", 893438.78, 91355.77))
    spans = span_layer(("S1", "A", "B", [(892658.18, 91567.74), (893438.78, 91355.77)]))
    network = build_network_graph(nodes, spans.to_crs("EPSG:26919"))
    assert network.problems == ()
    assert cut_impact(network, ["S1"], core=["A"]).lost_nodes == frozenset("B")


def test_dangling_isolated_and_duplicate_ids_are_reported() -> None:
    nodes = node_layer(("A", 0, 0), ("B", 100, 0), ("C", 500, 500), ("A", 0, 0))
    spans = span_layer(
        ("S1", "A", "B", [(0, 0), (100, 0)]),
        ("S2", "B", "", [(100, 0), (150, 0)]),
        ("S1", "B", "A", [(100, 0), (0, 0)]),
    )
    network = build_network_graph(nodes, spans)
    assert [(p.kind, p.asset_id, p.message) for p in network.problems] == [
        (ProblemKind.DUPLICATE_ID, "A", "Node id A is used by 2 features"),
        (ProblemKind.DUPLICATE_ID, "S1", "Span id S1 is used by 2 features"),
        (
            ProblemKind.DANGLING_SPAN,
            "S2",
            "Span S2: its end is not within 2 m of any node in service",
        ),
        (ProblemKind.ISOLATED_NODE, "C", "Node C (handhole) is not reached by any span in service"),
    ]
    assert network.problems[3].location == (500.0, 500.0)
    # a duplicated span id is cut as a whole
    assert cut_impact(network, ["S1"], core=["A"]).lost_nodes == frozenset("B")


def test_features_without_an_asset_id_are_reported_not_counted_as_one_id() -> None:
    """A feature with no id is left out of the graph (nothing can name it): the
    check must say so, row by row, rather than 'Node id  is used by 2 features'."""
    nodes = node_layer(("A", 0, 0), ("", 50, 0), ("B", 100, 0), ("", 60, 0), ("", 70, 0))
    nodes.loc[3, "asset_id"] = None
    nodes.loc[4, "status"] = "retired"  # out of service: no harm done
    spans = span_layer(("S1", "A", "B", [(0, 0), (100, 0)]), ("", "A", "B", [(0, 0), (100, 0)]))
    network = build_network_graph(nodes, spans)
    assert [(p.kind, p.message, p.location) for p in network.problems] == [
        (
            ProblemKind.MISSING_ID,
            "Node in row 2 has no asset_id: it is left out of the network",
            (50.0, 0.0),
        ),
        (
            ProblemKind.MISSING_ID,
            "Node in row 4 has no asset_id: it is left out of the network",
            (60.0, 0.0),
        ),
        (
            ProblemKind.MISSING_ID,
            "Span in row 2 has no asset_id: it is left out of the network",
            (0.0, 0.0),
        ),
    ]


def test_from_to_mismatch_and_unknown_nodes_are_reported() -> None:
    nodes = node_layer(("A", 0, 0), ("B", 100, 0), ("C", 100, 100))
    spans = span_layer(
        ("S1", "A", "C", [(0, 0), (100, 0)]),
        ("S2", "B", "NN-9", [(100, 0), (100, 100)]),
        ("S3", "C", "B", [(100, 0), (100, 100)]),  # drawn the other way round: fine
    )
    network = build_network_graph(nodes, spans)
    assert [(p.kind, p.message) for p in network.problems] == [
        (ProblemKind.ENDPOINT_MISMATCH, "Span S1: to_node is C but its end meets B"),
        (ProblemKind.UNKNOWN_NODE, "Span S2: to_node NN-9 is not in the node layer"),
    ]
    # the graph follows the geometry
    assert cut_impact(network, ["S1"], core=["A"]).lost_nodes == frozenset("BC")


def test_retired_features_are_out_of_service() -> None:
    nodes = node_layer(("A", *XY["A"]), ("B", *XY["B"]), ("C", *XY["C"]))
    spans = span_layer(
        ("S1", "A", "B", line("A", "B")),
        ("S2", "A", "B", line("A", "B")),
        ("S3", "B", "C", line("B", "C")),
        status=["active", "retired", "planned"],
    )
    network = build_network_graph(nodes, spans)
    assert network.retired_spans == frozenset({"S2"})
    assert cut_impact(network, ["S1"], core=["A"]).lost_nodes == frozenset("BC")
    with pytest.raises(MapdeskError, match="Span S2 is retired"):
        cut_impact(network, ["S2"], core=["A"])


def test_a_retired_node_is_not_in_the_graph() -> None:
    nodes = node_layer(("A", 0, 0), ("B", 100, 0), status=["active", "retired"])
    network = build_network_graph(nodes, span_layer(("S1", "A", "B", [(0, 0), (100, 0)])))
    assert network.node_ids == frozenset("A")
    assert [p.message for p in network.problems] == [
        "Span S1: its end is not within 2 m of any node in service",
        "Node A (handhole) is not reached by any span in service",
    ]


def test_a_node_with_no_location_is_left_out_not_a_crash() -> None:
    """A GeoPackage holds empty points (a feature whose geometry was cleared) as well as nulls."""
    nodes = node_layer(("A", 0, 0), ("B", 100, 0), ("C", 0, 0), ("D", 0, 0))
    nodes.loc[2, "geometry"] = Point()
    nodes.loc[3, "geometry"] = None
    network = build_network_graph(nodes, span_layer(("S1", "A", "B", [(0, 0), (100, 0)])))
    assert network.node_ids == frozenset("AB")
    assert trace(network, "A").node_ids == frozenset("AB")


def test_an_unknown_span_id_is_named_with_valid_ones(ring_with_spur: NetworkGraph) -> None:
    with pytest.raises(MapdeskError) as caught:
        cut_impact(ring_with_spur, ["FS-9999"])
    assert (
        str(caught.value) == "Span FS-9999 is not in the network; its spans include S1, S2, S3, S4"
    )
    with pytest.raises(MapdeskError, match="Node Z is not an in-service node"):
        cut_impact(ring_with_spur, ["S1"], core=["Z"])
    with pytest.raises(MapdeskError, match="at least one span"):
        cut_impact(ring_with_spur, [])


def test_trace_follows_spans_and_inside_plant(ring_with_spur: NetworkGraph) -> None:
    found = trace(ring_with_spur, "D")
    assert found.node_ids == frozenset("ABCD")
    assert found.span_ids == frozenset({"S1", "S2", "S3", "S4"})
    assert found.length_m == pytest.approx(100 + 100 + math.hypot(100, 100) + 100)
    assert found.core_reached and found.psap_reached
    assert [s.place_id for s in found.sites] == ["CS-001", "CS-911"]
    assert found.cut_spans == ()
    with pytest.raises(MapdeskError, match="Node nope"):
        trace(ring_with_spur, "nope")


def test_trace_with_cut_spans_stops_at_the_cuts(ring_with_spur: NetworkGraph) -> None:
    spur = trace(ring_with_spur, "D", cut_spans=["S4"])
    assert (spur.node_ids, spur.span_ids, spur.length_m) == (frozenset("D"), frozenset(), 0.0)
    assert spur.core_reached is False and spur.psap_reached is True
    assert [s.place_id for s in spur.sites] == ["CS-911"]
    ring = trace(ring_with_spur, "A", cut_spans=iter(["S4", "S2"]))
    assert ring.node_ids == frozenset("ABC") and ring.span_ids == frozenset({"S1", "S3"})
    assert ring.cut_spans == ("S4", "S2")
    assert ring.core_reached is True and ring.psap_reached is False


def test_trace_names_bad_cuts(ring_with_spur: NetworkGraph) -> None:
    with pytest.raises(MapdeskError, match="Span FS-9 is not in the network"):
        trace(ring_with_spur, "A", cut_spans=["FS-9"])
    nodes = node_layer(("A", *XY["A"]), ("B", *XY["B"]))
    spans = span_layer(("S1", "A", "B", line("A", "B")), status=["retired"])
    with pytest.raises(MapdeskError, match="Span S1 is retired"):
        trace(build_network_graph(nodes, spans), "A", cut_spans=["S1"])


def test_trace_without_a_core_or_psap_says_none() -> None:
    nodes = node_layer(("A", *XY["A"]), ("B", *XY["B"]))
    found = trace(build_network_graph(nodes, span_layer(("S1", "A", "B", line("A", "B")))), "B")
    assert found.core == () and found.core_reached is None
    assert found.psap is None and found.psap_reached is None


def test_node_label_names_the_place_served(ring_with_spur: NetworkGraph) -> None:
    assert node_label(ring_with_spur, "D") == (
        "D (site, CS-911 Regional 9-1-1 Communications Center)"
    )
    assert node_label(ring_with_spur, "B") == "B (handhole)"


# --- the Greater Portland demo network ------------------------------------------------


@pytest.fixture(scope="module")
def demo_layers() -> dict[str, gpd.GeoDataFrame]:
    names = ("network_nodes", "fibre_spans", "city_sites", "radio_towers")
    return {name: gpd.read_file(DEMO, layer=name) for name in names}


@pytest.fixture(scope="module")
def demo_network(demo_layers: dict[str, gpd.GeoDataFrame]) -> NetworkGraph:
    return build_network_graph(*demo_layers.values())


def test_demo_core_psap_and_towers(demo_network: NetworkGraph) -> None:
    assert default_core(demo_network) == ("NN-0001", "NN-0002", "NN-0003", "NN-0004")
    psap = psap_place(demo_network)
    assert psap is not None and (psap.place_id, psap.node_id) == ("CS-911", "NN-0005")
    towers = {t.place_id: t.node_id for t in demo_network.towers()}
    assert towers["TWR-01"] == "NN-0063" and len(towers) == 8
    assert len(demo_network.sites()) == 26


def test_demo_problems_are_the_known_ones(demo_network: NetworkGraph) -> None:
    found = {(p.kind, p.asset_id) for p in demo_network.problems}
    # four camera drops start at the road, not at the site node they are recorded on
    dangling = {
        (ProblemKind.DANGLING_SPAN, s) for s in ("FS-0125", "FS-0126", "FS-0129", "FS-0137")
    }
    cameras = {(ProblemKind.ISOLATED_NODE, n) for n in ("NN-0159", "NN-0160", "NN-0163", "NN-0171")}
    # TWR-02 sits on the Central Fire Station, which has no fibre
    assert found == dangling | cameras | {(ProblemKind.ISOLATED_NODE, "NN-0064")}


def _plain_adjacency(layers: dict[str, gpd.GeoDataFrame]) -> list[tuple[str, str, str]]:
    """Edges ``(span id or "", a, b)`` worked out in plain Python, apart from the module."""
    nodes = layers["network_nodes"]
    live = [
        (row.asset_id, (row.geometry.x, row.geometry.y))
        for row in nodes.itertuples()
        if row.status != "retired"
    ]
    edges = [
        ("", a, b)
        for i, (a, pa) in enumerate(live)
        for b, pb in live[i + 1 :]
        if math.dist(pa, pb) <= 2.0
    ]
    for row in layers["fibre_spans"].itertuples():
        coords = list(row.geometry.coords)
        ends = [_plain_snap(live, coords[0]), _plain_snap(live, coords[-1])]
        if row.status != "retired" and None not in ends:
            edges.append((row.asset_id, ends[0], ends[1]))
    return edges


def _plain_snap(live: list[tuple[str, tuple[float, float]]], xy: tuple[float, float]) -> str | None:
    distance, node = min((math.dist(xy, p), n) for n, p in live)
    return node if distance <= 2.0 else None


def _plain_reach(
    edges: list[tuple[str, str, str]], cut: str | Collection[str] | None, start: list[str]
) -> set[str]:
    cuts = {cut} if isinstance(cut, str) else set(cut or ())
    adjacent: dict[str, list[str]] = {}
    for span_id, a, b in edges:
        if span_id not in cuts:
            adjacent.setdefault(a, []).append(b)
            adjacent.setdefault(b, []).append(a)
    seen, queue = set(start), deque(start)
    while queue:
        for other in adjacent.get(queue.popleft(), []):
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return seen


def test_demo_cut_impact_matches_brute_force_for_every_span(
    demo_layers: dict[str, gpd.GeoDataFrame], demo_network: NetworkGraph
) -> None:
    edges = _plain_adjacency(demo_layers)
    core = [
        n
        for n, site in zip(
            demo_layers["network_nodes"].asset_id, demo_layers["network_nodes"].site_id, strict=True
        )
        if site == "CS-001"
    ]
    sites = dict(
        zip(demo_layers["city_sites"].network_node, demo_layers["city_sites"].site_id, strict=True)
    )
    before = _plain_reach(edges, None, core)
    in_service = sorted(demo_network.span_edges)
    assert len(in_service) == 159
    for span_id in in_service:
        after = _plain_reach(edges, span_id, core)
        impact = cut_impact(demo_network, [span_id])
        assert isinstance(impact, CutImpact)
        assert impact.kept_nodes == after, span_id
        assert impact.lost_nodes == before - after, span_id
        lost_sites = sorted(sites[n] for n in before - after if n in sites)
        assert sorted(s.place_id for s in impact.lost_sites) == lost_sites, span_id
        assert impact.psap_cut_off == ("NN-0005" not in after), span_id


def _plain_spans(
    edges: list[tuple[str, str, str]], lengths: dict[str, float], reach: set[str], cut: list[str]
) -> tuple[set[str], float]:
    """The spans with both ends in ``reach`` (not cut) and their drawn length, in plain Python."""
    ids = {s for s, a, b in edges if s and s not in cut and a in reach and b in reach}
    return ids, sum(lengths[span_id] for span_id in ids)


def test_demo_trace_with_cuts_matches_brute_force(
    demo_layers: dict[str, gpd.GeoDataFrame], demo_network: NetworkGraph
) -> None:
    edges = _plain_adjacency(demo_layers)
    in_service = sorted(demo_network.span_edges)
    starts = ["NN-0001", "NN-0019", "NN-0041", "NN-0060", "NN-0065", "NN-0159"]
    chance = random.Random(7)
    cuts = [[span_id] for span_id in in_service] + [
        chance.sample(in_service, k) for k in (2, 3, 5) for _ in range(15)
    ]
    spans_layer = demo_layers["fibre_spans"]
    live = spans_layer[spans_layer["status"] != "retired"]
    lengths = dict(zip(live["asset_id"], live.geometry.length, strict=True))
    for cut in [[], *cuts]:
        for start in starts:
            reach = _plain_reach(edges, cut, [start])
            found = trace(demo_network, start, cut)
            assert found.node_ids == reach, (start, cut)
            spans, length = _plain_spans(edges, lengths, reach, cut)
            assert found.span_ids == spans, (start, cut)
            assert found.length_m == pytest.approx(length), (start, cut)
            assert found.core_reached == ("NN-0001" in reach), (start, cut)
            assert found.psap_reached == ("NN-0005" in reach), (start, cut)


def test_demo_spur_cut_loses_the_island(demo_network: NetworkGraph) -> None:
    # the planned microwave hop TWR-03 -> TWR-08 is all that reaches Peaks Island
    impact = cut_impact(demo_network, ["FS-0121"])
    assert {s.place_id for s in impact.lost_sites} == {"CS-016", "CS-019"}
    assert [t.place_id for t in impact.lost_towers] == ["TWR-08"]
    assert not impact.psap_cut_off


def test_the_tolerance_is_in_metres_even_for_data_in_us_feet() -> None:
    """The city's own files are in Maine West US feet: 1.5 m is within 2 m, not 2 ft."""
    feet = "EPSG:26848"
    nodes = node_layer(("A", 2_900_000.0, 300_000.0), ("B", 2_901_000.0, 300_000.0)).set_crs(
        feet, allow_override=True
    )
    gap = 1.5 / 0.3048006096  # 1.5 m in US survey feet
    spans = span_layer(
        ("S1", "A", "B", [(2_900_000.0 + gap, 300_000.0), (2_901_000.0, 300_000.0)])
    ).set_crs(feet, allow_override=True)
    network = build_network_graph(nodes, spans)
    assert network.problems == ()


def test_a_duplicated_node_id_does_not_join_two_places() -> None:
    """Spans drawn to the second X dangle; B is unreachable before any cut."""
    nodes = node_layer(("A", 0.0, 0.0), ("X", 100.0, 0.0), ("X", 1000.0, 0.0), ("B", 1100.0, 0.0))
    spans = span_layer(
        ("S1", "A", "X", [(0.0, 0.0), (100.0, 0.0)]),
        ("S2", "X", "B", [(1000.0, 0.0), (1100.0, 0.0)]),
    )
    network = build_network_graph(nodes, spans)
    impact = cut_impact(network, ["S1"], core=["A"])
    assert "B" not in impact.lost_nodes
    kinds = {str(problem.kind) for problem in network.problems}
    assert "duplicate id" in kinds
