"""The network asset model: coded domains, templates, proposed ids and end nodes, domain checks."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import CRS
from shapely.geometry import LineString, Point

from mapdesk.core.analysis.network import ProblemKind, build_network_graph
from mapdesk.core.analysis.network.assets import (
    ASSET_LAYERS,
    NODE_LAYER,
    SPAN_LAYER,
    asset_kind,
    network_crs,
)
from mapdesk.core.analysis.network.new_assets import (
    next_asset_id,
    span_end_nodes,
    span_length_m,
)
from mapdesk.core.analysis.network.project_layers import network_layers
from mapdesk.core.analysis.network.templates import TEMPLATES, templates_for
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project

CRS_M = "EPSG:26984"
DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"


# --- the model ------------------------------------------------------------------------
def test_the_domains_are_the_ones_the_city_uses() -> None:
    assert list(NODE_LAYER.domains["type"].codes) == [
        "site",
        "switch",
        "router",
        "splice_closure",
        "handhole",
        "tower",
        "camera",
    ]
    assert list(SPAN_LAYER.domains["type"].codes) == ["fibre_cable", "conduit", "microwave_link"]
    for model in ASSET_LAYERS.values():
        assert list(model.domains["status"].codes) == ["planned", "active", "retired"]
        assert [f.name for f in model.fields][:5] == [
            "asset_id",
            "type",
            "status",
            "owner",
            "install_date",
        ]


def test_every_template_fits_its_layer_and_starts_planned_and_city_owned() -> None:
    names = [t.name for t in TEMPLATES]
    assert {"Handhole", "Splice closure", "Switch", "Fibre cable 144 strands", "Conduit"} <= set(
        names
    )
    assert "Microwave link" in names and len(names) == len(set(names))
    for template in TEMPLATES:
        model = ASSET_LAYERS[template.kind]
        fields = {f.name for f in model.fields}
        assert set(template.values) <= fields, template.name
        for name, domain in model.domains.items():
            assert template.values[name] in domain.codes, (template.name, name)
        assert template.values["status"] == "planned"
        assert template.values["owner"] == "City of Portland"
    cable = next(t for t in TEMPLATES if t.name == "Fibre cable 144 strands")
    assert dict(cable.values) == {
        "status": "planned",
        "owner": "City of Portland",
        "type": "fibre_cable",
        "strand_count": 144,
    }


def test_a_file_with_its_own_codes_gets_only_the_templates_they_allow() -> None:
    rules = {"type": {"codes": {"handhole": "Handhole", "switch": "Switch"}}}
    assert [t.name for t in templates_for("node", rules)] == ["Handhole", "Switch"]
    assert [t.name for t in templates_for("span")][:2] == [
        "Fibre cable 144 strands",
        "Fibre cable 48 strands",
    ]
    assert templates_for("node", {"status": {"codes": {"active": "Active"}}}) == ()


def test_a_template_the_files_range_refuses_is_not_offered() -> None:
    # The file's span layer takes cables of at most 96 strands: choosing the
    # 144-strand template would only end in the form refusing it on OK.
    rules = {"strand_count": {"range": [1, 96, True, True]}}
    names = [t.name for t in templates_for("span", rules)]
    assert "Fibre cable 144 strands" not in names
    assert "Fibre cable 48 strands" in names and "Conduit" in names  # no strands: allowed


def test_network_layers_are_recognised_by_fields_and_geometry() -> None:
    assert asset_kind(["asset_id", "type", "status"], "point") == "node"
    assert asset_kind(["asset_id", "from_node", "to_node"], "line") == "span"
    assert asset_kind(["asset_id", "type"], "line") is None
    assert asset_kind(["from_node", "to_node"], "point") is None


def test_new_layers_propose_the_map_crs_only_when_it_measures_metres() -> None:
    maine_west = CRS.from_epsg(26984)
    assert network_crs(maine_west, (892_630.0, 91_540.0)) == maine_west
    assert network_crs(CRS.from_epsg(4326)).to_epsg() == 26919
    assert network_crs(None).to_epsg() == 26919
    assert network_crs(CRS.from_epsg(26856)).to_epsg() == 26919  # Maine West, US feet
    assert network_crs(CRS.from_epsg(3857), (-7_825_000.0, 5_412_000.0)).to_epsg() == 26919


# --- the next asset id -------------------------------------------------------------------
def test_the_next_id_follows_the_layers_sequence() -> None:
    ids = [f"NN-{n:04d}" for n in range(1, 188)]
    assert next_asset_id(ids, "NN-") == "NN-0188"


def test_gaps_and_retired_ids_are_never_handed_out_again() -> None:
    # NN-0002..0004 deleted, NN-0009 retired (still in the layer): one past the highest.
    assert next_asset_id(["NN-0001", "NN-0005", "NN-0009"], "NN-") == "NN-0010"
    assert next_asset_id(["NN-0099", "NN-188", None, float("nan"), " "], "NN-") == "NN-0189"


def test_the_prefix_most_ids_share_wins_and_an_empty_layer_starts_at_one() -> None:
    assert next_asset_id(["CAM-7", "CAM-12", "NN-0004", "site A"], "NN-") == "CAM-13"
    assert next_asset_id([], "FS-") == "FS-0001"
    assert next_asset_id(["Main St closure"], "NN-") == "NN-0001"
    assert next_asset_id(["NN-0001", "NN-0002"], "FS-") == "NN-0003"


def test_whole_number_ids_of_an_integer_field_read_with_nulls_continue_as_numbers() -> None:
    # An INTEGER asset_id field with a NULL reads as floats (1.0, 2.0, NaN): the
    # next id is 3, not "2.1" (what the text "2.0" would continue to).
    assert next_asset_id([1.0, 2.0, float("nan")], "NN-") == "3"
    assert next_asset_id(pd.array([7, None, 12], dtype="Int64"), "NN-") == "13"


# --- a drawn span's ends and length ---------------------------------------------------------
@pytest.fixture
def three_nodes() -> tuple[gpd.GeoDataFrame, list[Point]]:
    nodes = gpd.GeoDataFrame(
        {
            "asset_id": ["NN-0001", "NN-0002", "NN-0003", "NN-0004"],
            "status": ["active", "planned", "retired", "active"],
        },
        geometry=[Point(0, 0), Point(100, 0), Point(200, 0), Point(0.5, 0)],
        crs=CRS_M,
    )
    return nodes, list(nodes.geometry)


def test_a_spans_ends_take_the_nearest_in_service_node_within_the_tolerance(
    three_nodes: tuple[gpd.GeoDataFrame, list[Point]],
) -> None:
    nodes, points = three_nodes
    assert span_end_nodes([(0.4, 0.2), (50, 5), (99, 1)], nodes, points, 3.0) == (
        "NN-0004",
        "NN-0002",
    )
    # NN-0003 is retired: nothing in service at that end.
    assert span_end_nodes([(0, 0), (200, 0)], nodes, points, 3.0) == ("NN-0001", None)
    assert span_end_nodes([(0, 50), (100, 50)], nodes, points, 3.0) == (None, None)


def test_a_spans_length_is_measured_on_the_ground() -> None:
    from pyproj import Geod, Transformer

    length = span_length_m([(892_000.0, 91_000.0), (892_300.0, 91_400.0)], CRS.from_epsg(26984))
    assert length == pytest.approx(500.0, abs=0.1)
    assert span_length_m([(0, 0), (10, 0)], None) is None
    # A map in degrees or in Web Mercator: metres on the ground, not map units
    # (0.01 degree, or 1 km of Mercator at 43.66 N is about 724 m).
    ground = Geod(ellps="GRS80").inv(-70.26, 43.66, -70.25, 43.66)[2]
    assert span_length_m([(-70.26, 43.66), (-70.25, 43.66)], CRS.from_epsg(4326)) == (
        pytest.approx(ground, abs=0.1)
    )
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    drawn = [to_mercator.transform(-70.26, 43.66), to_mercator.transform(-70.25, 43.66)]
    assert span_length_m(drawn, CRS.from_epsg(3857)) == pytest.approx(ground, abs=0.5)


# --- the network check's domain problems ---------------------------------------------------------
def _nodes(**columns: list[str]) -> gpd.GeoDataFrame:
    data = {"asset_id": ["NN-0001", "NN-0002"], "type": ["site", "handhole"]}
    data.update({"status": ["active", "active"]}, **columns)
    return gpd.GeoDataFrame(data, geometry=[Point(0, 0), Point(100, 0)], crs=CRS_M)


def _spans(**columns: list[str]) -> gpd.GeoDataFrame:
    data = {
        "asset_id": ["FS-0001"],
        "type": ["fibre_cable"],
        "status": ["active"],
        "from_node": ["NN-0001"],
        "to_node": ["NN-0002"],
    }
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=[LineString([(0, 0), (100, 0)])], crs=CRS_M)


def test_types_and_statuses_outside_their_domain_are_reported_by_asset_field_and_value() -> None:
    network = build_network_graph(
        _nodes(type=["site", "cabinet"], status=["Active", "active"]),
        _spans(type=["fibre"], status=["retierd"]),
    )
    found = [p for p in network.problems if p.kind == ProblemKind.OUT_OF_DOMAIN]
    assert [(p.asset_id, p.message) for p in found] == [
        (
            "NN-0002",
            'Node NN-0002: type "cabinet" is not one of site, switch, router, splice_closure, '
            "handhole, tower, camera",
        ),
        (
            "NN-0001",
            'Node NN-0001: status "Active" is not one of planned, active, retired; '
            'did you mean "active"?',
        ),
        (
            "FS-0001",
            'Span FS-0001: type "fibre" is not one of fibre_cable, conduit, microwave_link',
        ),
        ("FS-0001", 'Span FS-0001: status "retierd" is not one of planned, active, retired'),
    ]
    assert found[0].location == (100.0, 0.0)


def test_blank_values_are_not_domain_problems_and_a_files_own_codes_win() -> None:
    nodes = _nodes(type=["site", None], status=["", "active"])
    assert build_network_graph(nodes, _spans()).problems == ()
    own = _nodes(type=["site", "cabinet"])
    own.attrs["field_rules"] = {"type": {"codes": {"site": "Site", "cabinet": "Street cabinet"}}}
    assert build_network_graph(own, _spans()).problems == ()


def test_whole_number_codes_of_an_integer_field_with_nulls_are_not_domain_problems() -> None:
    # An INTEGER type field coded 1..3 in the file, read with a NULL: 1.0 is code "1",
    # as the attribute form and table take it; 4.0 is outside.
    nodes = _nodes()
    nodes["type"] = [1.0, float("nan")]
    nodes.attrs["field_rules"] = {"type": {"codes": {"1": "Site", "2": "Switch", "3": "Tower"}}}
    problems = build_network_graph(nodes, _spans()).problems
    assert problems == ()
    nodes["type"] = [4.0, float("nan")]
    problems = build_network_graph(nodes, _spans()).problems
    assert [p.message for p in problems] == ['Node NN-0001: type "4.0" is not one of 1, 2, 3']


def test_the_demo_network_has_no_value_outside_its_domains() -> None:
    nodes = gpd.read_file(DEMO, layer="network_nodes", engine="pyogrio")
    spans = gpd.read_file(DEMO, layer="fibre_spans", engine="pyogrio")
    network = build_network_graph(nodes, spans)
    assert network.problems  # its known connectivity problems are still found
    assert not [p for p in network.problems if p.kind == ProblemKind.OUT_OF_DOMAIN]


def test_an_empty_new_layer_is_found_by_the_geometry_its_file_declares() -> None:
    project = Project(CRS_M)
    for model in (NODE_LAYER, SPAN_LAYER):
        frame = gpd.GeoDataFrame(
            {f.name: [] for f in model.fields}, geometry=gpd.GeoSeries([], crs=CRS_M)
        )
        frame.attrs["geometry_type"] = model.geometry_type
        project.add_layer(VectorLayer(frame, model.title))
    found = network_layers(project)
    assert (found.nodes.name, found.spans.name) == ("Network nodes", "Fibre spans")
