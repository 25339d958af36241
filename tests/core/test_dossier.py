"""Location dossier: zones, nearest address, open incidents, nearest node, radio towers."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
from pyproj import CRS
from shapely.geometry import Point, box

from mapdesk.core.analysis.dossier import location_dossier
from mapdesk.core.analysis.dossier_text import NO_LAYER, dossier_sections
from mapdesk.core.analysis.metric import metric_crs
from mapdesk.core.crs import transform_xy
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.nena_address import full_address
from mapdesk.core.project import Project

CRS_M = "EPSG:26984"
#: Portland City Hall, 389 Congress St, in the demo (EPSG:26984).
CITY_HALL = (892_658.18, 91_567.74)


def _layer(name: str, rows: dict[str, list[object]], geoms: list[object], crs: str = CRS_M):
    return VectorLayer(gpd.GeoDataFrame(rows, geometry=geoms, crs=crs), name)


def _zones(name: str, urn: str, names: list[str]) -> VectorLayer:
    # Two side-by-side 1 km squares: west (0..1000) and east (1000..2000).
    squares = [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)]
    return _layer(name, {"ServiceURN": [urn] * 2, "DsplayName": names}, squares)


@pytest.fixture
def hand_made() -> Project:
    project = Project(crs=CRS_M)
    towns = _layer(
        "Towns",
        {"A3": ["Westbrook", "Eastport"]},
        [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
    )
    # Named misleadingly: the ServiceURN, not the name, makes this the fire layer.
    fire = _zones("Zones A", "urn:emergency:service:responder.fire", ["Fire West", "Fire East"])
    police = _zones("Zones B", "urn:emergency:service:responder.police", ["PD W", "PD E"])
    addresses = _layer(
        "Address points",
        {
            "Add_Number": [10.0, 12.0],
            "St_PreDir": ["N", ""],
            "St_Name": ["Main", "Elm"],
            "St_PosTyp": ["St", "Ave"],
            "Unit": ["", "B"],
            "A3": ["Westbrook", "Westbrook"],
        },
        [Point(300, 400), Point(600, 500)],
    )
    incidents = _layer(
        "FixIt incidents",
        {
            "service_request_id": ["1", "2", "3", "4"],
            "status": ["open", "Closed", "acknowledged", "open"],
            "service_name": ["Pothole", "Graffiti", "Streetlight Out", "Trash"],
        },
        [Point(350, 500), Point(310, 500), Point(500, 500), Point(800, 500)],
    )
    nodes = _layer(
        "Network nodes",
        {"asset_id": ["NN-1", "NN-2"], "type": ["switch", "camera"]},
        [Point(0, 0), Point(330, 540)],
    )
    towers = _layer(
        "Radio towers",
        {"site_id": ["T1", "T2", "T3"], "name": ["Near", "Far", "No range"],
         "coverage_km": [1.0, 0.5, None]},
        [Point(300, 1300), Point(1300, 500), Point(300, 500)],
    )  # fmt: skip
    for layer in (towns, fire, police, addresses, incidents, nodes, towers):
        project.add_layer(layer)
    return project


def test_zones_are_found_by_service_urn_and_fields(hand_made: Project) -> None:
    dossier = location_dossier(hand_made, 300, 500)
    assert dossier.zone("municipality").names == ("Westbrook",)
    assert dossier.zone("fire").names == ("Fire West",)
    assert dossier.zone("fire").layer == "Zones A"
    assert dossier.zone("police").names == ("PD W",)
    assert dossier.zone("psap").layer is None  # no PSAP layer: said, not failed
    east = location_dossier(hand_made, 1500, 500)
    assert east.zone("municipality").names == ("Eastport",)
    outside = location_dossier(hand_made, 5000, 5000)
    assert outside.zone("fire").names == ()


def test_nearest_address_is_built_from_nena_parts(hand_made: Project) -> None:
    dossier = location_dossier(hand_made, 300, 500)
    assert dossier.address.address == "10 N Main St, Westbrook"
    assert dossier.address.distance_m == pytest.approx(100.0)


def test_open_incidents_within_200_m_nearest_first(hand_made: Project) -> None:
    found = location_dossier(hand_made, 300, 500).incidents
    # #2 is closed (any case); #4 is 500 m away.
    assert found.count == 2
    assert [i.request_id for i in found.nearest] == ["1", "3"]
    assert [i.category for i in found.nearest] == ["Pothole", "Streetlight Out"]
    assert found.nearest[0].distance_m == pytest.approx(50.0)
    assert found.nearest[1].distance_m == pytest.approx(200.0)  # on the edge counts


def test_nearest_network_node(hand_made: Project) -> None:
    node = location_dossier(hand_made, 300, 500).node
    assert (node.asset_id, node.asset_type) == ("NN-2", "camera")
    assert node.distance_m == pytest.approx(50.0)


def test_towers_cover_within_their_range(hand_made: Project) -> None:
    towers = location_dossier(hand_made, 300, 500).towers
    # Near: 800 m <= 1 km; Far: 1000 m > 0.5 km; No range: never covers.
    assert [(t.site_id, round(t.distance_m)) for t in towers.covering] == [("T1", 800)]


def test_missing_layers_say_no_layer() -> None:
    project = Project(crs=CRS_M)
    dossier = location_dossier(project, 0, 0)
    assert dossier.address.layer is None and dossier.towers.layer is None
    sections = dossier_sections(dossier)
    assert len(sections) == 9
    assert {s.summary for s in sections} == {NO_LAYER}


def test_point_given_in_another_crs(hand_made: Project) -> None:
    lon, lat = transform_xy([300], [500], CRS.from_user_input(CRS_M), CRS.from_epsg(4326))
    dossier = location_dossier(hand_made, lon[0], lat[0], crs=CRS.from_epsg(4326))
    assert dossier.x == pytest.approx(300, abs=1e-3)
    assert dossier.address.distance_m == pytest.approx(100.0, abs=1e-3)


def test_geographic_project_measures_in_utm() -> None:
    crs = metric_crs(CRS.from_epsg(4326), -70.26, 43.66)
    assert crs.to_epsg() == 32619  # UTM 19N
    feet = CRS.from_epsg(26848)  # NAD83 / Maine West (ftUS)
    x, y = transform_xy([CITY_HALL[0]], [CITY_HALL[1]], CRS.from_user_input(CRS_M), feet)
    assert metric_crs(feet, x[0], y[0]).to_epsg() == 32619
    with pytest.raises(MapdeskError):
        metric_crs(None, 0, 0)


def test_full_address_forms() -> None:
    assert full_address({"Add_Number": 5, "St_Name": "Fore", "St_PosTyp": "St", "Unit": "3"}) == (
        "5 Fore St, Unit 3"
    )
    assert full_address({"FullAddr": "1 Elm Ave", "A3": "Portland"}) == "1 Elm Ave, Portland"
    assert full_address({"Add_Number": math.nan, "St_Name": "Fore"}) == "Fore"


# --- the Greater Portland demo ---------------------------------------------------------------
@pytest.fixture(scope="module")
def demo() -> Project:
    from mapdesk.io.demo import open_demo_project

    return open_demo_project()


def test_demo_city_hall(demo: Project) -> None:
    dossier = location_dossier(demo, *CITY_HALL)
    assert dossier.zone("municipality").names == ("Portland",)
    assert dossier.zone("psap").names == ("Greater Portland Regional 9-1-1 PSAP",)
    assert dossier.zone("police").names == ("Portland Police Department",)
    assert dossier.zone("fire").names == ("Central Fire Station first-due district",)
    assert dossier.zone("ems").names == ("MEDCU 1 Central first-due district",)
    assert dossier.address.address == "389 Congress St, Portland"
    assert dossier.address.distance_m == pytest.approx(0.0, abs=0.01)
    assert dossier.node.asset_id == "NN-0001" and dossier.node.asset_type == "site"
    towers = [t.site_id for t in dossier.towers.covering]
    assert towers[:2] == ["TWR-02", "TWR-01"]  # Central Fire mast, then Public Safety Building
    assert dossier.incidents.layer == "FixIt incidents"
    assert all(i.status not in ("closed", "archived") for i in dossier.incidents.nearest)
    assert all(i.distance_m <= 200 for i in dossier.incidents.nearest)


def test_demo_sections_read_well(demo: Project) -> None:
    sections = {s.title: s for s in dossier_sections(location_dossier(demo, *CITY_HALL))}
    assert sections["Municipality"].summary == "Portland"
    assert sections["Nearest address"].summary == "389 Congress St, Portland"
    assert sections["Nearest address"].rows[0] == ("Distance", "0 m")
    assert sections["Radio coverage"].summary.endswith("towers cover it")
