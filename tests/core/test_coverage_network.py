"""The drive network built from road centrelines: speeds, one-way, connectivity, bad data."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from mapdesk.core.analysis.coverage import CoverageInputs, CoverageOptions, CoverageStudy
from mapdesk.core.analysis.coverage.network import build_road_network
from mapdesk.core.analysis.coverage.speeds import CLASS_SPEED_MPH, FALLBACK_MPH
from mapdesk.core.errors import MapdeskError
from tests.core.coverage_helpers import MPH, point_layer, road_layer, station_layer

STRAIGHT = [LineString([(i * 100.0, 0), ((i + 1) * 100.0, 0)]) for i in range(4)]


def _speeds(network) -> np.ndarray:  # type: ignore[no-untyped-def]
    return network.length_m / network.seconds / MPH


def _kinds(network) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {warning.kind: warning.count for warning in network.warnings}


def test_speed_is_the_limit_when_sane_else_the_road_class_default() -> None:
    roads = road_layer(
        STRAIGHT,
        speed=[40, None, 0, 999],
        road_class=["Local", "Secondary", "Primary", "Gravel"],
    )
    network = build_road_network(roads, snap_m=1.0)
    assert _speeds(network) == pytest.approx(
        [40, CLASS_SPEED_MPH["secondary"], CLASS_SPEED_MPH["primary"], FALLBACK_MPH]
    )
    assert _kinds(network) == {"speed.class_default": 1, "speed.invalid": 1, "speed.assumed": 1}
    invalid = next(w for w in network.warnings if w.kind == "speed.invalid")
    assert invalid.examples == ("RCL-2",) and "5-85 mph" in invalid.message


def test_footpaths_are_left_out_and_counted() -> None:
    roads = road_layer(
        STRAIGHT, road_class=["Local", "Stairway", "Walkway/Pedestrian Trail", "Alley"]
    )
    network = build_road_network(roads, snap_m=1.0)
    assert network.feature.tolist() == [0, 3]
    assert _kinds(network) == {"road.not_drivable": 2}


def test_one_way_codes_set_the_directions() -> None:
    roads = road_layer(STRAIGHT, oneway=["B", "ft", "TF", "X"])
    network = build_road_network(roads, snap_m=1.0)
    assert network.forward.tolist() == [True, True, False, True]
    assert network.backward.tolist() == [True, False, True, True]
    assert _kinds(network) == {"oneway.unknown": 1}


def test_fields_are_found_whatever_their_case_and_may_be_missing() -> None:
    roads = gpd.GeoDataFrame(
        {"ONEWAY": ["FT", "B"], "speedlimit": [30, 30]}, geometry=STRAIGHT[:2], crs="EPSG:26984"
    )
    network = build_road_network(roads, snap_m=1.0)
    assert network.backward.tolist() == [False, True]
    assert _speeds(network) == pytest.approx([30, 30])
    bare = build_road_network(roads[["geometry"]], snap_m=1.0)
    assert _speeds(bare) == pytest.approx([FALLBACK_MPH] * 2)
    assert _kinds(bare) == {"speed.assumed": 2}


def test_ends_within_the_tolerance_meet_and_others_do_not() -> None:
    roads = road_layer(
        [
            LineString([(0, 0), (100, 0)]),
            LineString([(100.4, 0.3), (200, 0)]),  # 0.5 m off: meets
            LineString([(202, 0), (300, 0)]),  # 2 m off: a gap
        ]
    )
    network = build_road_network(roads, snap_m=1.0)
    assert network.end[0] == network.start[1]
    assert network.end[1] != network.start[2]
    assert network.parts() == 2


def test_crossing_roads_without_a_shared_end_do_not_meet() -> None:
    """An overpass: two roads cross, neither has an end there."""
    roads = road_layer([LineString([(0, 0), (200, 0)]), LineString([(100, -100), (100, 100)])])
    assert build_road_network(roads, snap_m=1.0).parts() == 2


def test_bad_geometries_are_counted_never_fatal() -> None:
    roads = road_layer(
        [
            MultiLineString([[(0, 0), (100, 0)], [(100, 0), (100, 100)]]),
            LineString([(100, 100), (100, 100)]),
            None,
            Point(5, 5),
            LineString([(100, 100), (200, 100)]),
        ]
    )
    network = build_road_network(roads, snap_m=1.0)
    assert network.feature.tolist() == [0, 0, 4]
    assert _kinds(network) == {
        "road.no_geometry": 1,
        "road.not_line": 1,
        "road.multipart": 1,
        "road.zero_length": 1,
    }
    assert network.parts() == 1


def test_a_layer_in_degrees_is_measured_in_utm() -> None:
    metric = road_layer([LineString([(871000, 92000), (872000, 92000)])])
    degrees = metric.to_crs("EPSG:4326")
    network = build_road_network(degrees, snap_m=1.0)
    assert network.crs.to_epsg() == 32619
    assert network.length_m[0] == pytest.approx(1000, rel=1e-3)


def test_a_layer_in_feet_is_measured_in_metres() -> None:
    metric = road_layer([LineString([(871000, 92000), (872000, 92000)])])
    network = build_road_network(metric.to_crs("EPSG:2802"), snap_m=1.0)  # Maine West, US feet
    assert network.length_m[0] == pytest.approx(1000, rel=1e-3)


def test_roads_without_crs_or_lines_are_refused_with_a_reason() -> None:
    with pytest.raises(MapdeskError, match="no CRS"):
        build_road_network(road_layer(STRAIGHT, crs=None), snap_m=1.0)
    with pytest.raises(MapdeskError, match="no drivable line"):
        build_road_network(road_layer([Point(0, 0)]), snap_m=1.0)


def test_a_station_far_from_any_road_is_reported_not_used() -> None:
    stations = station_layer([Point(50, 10), Point(50, 900)])
    study = CoverageStudy(
        CoverageInputs(road_layer(STRAIGHT), stations, addresses=point_layer([Point(150, 0)])),
        CoverageOptions(access_m=100),
        progress=lambda step: None,
    )
    result = study.run()
    assert result.status == ("in service", "off network")
    assert result.station_positions.distance_m[1] == pytest.approx(900)
    assert result.addresses.first_due.tolist() == [0]


def test_repeated_station_ids_are_told_apart() -> None:
    stations = station_layer([Point(0, 0), Point(400, 0)])
    stations["station_id"] = ["E1", "E1"]
    study = CoverageStudy(
        CoverageInputs(road_layer(STRAIGHT), stations), CoverageOptions(), progress=lambda s: None
    )
    assert study.stations.ids == ("E1", "E1 (2)")
    assert [w.kind for w in study.stations.warnings] == ["station.repeated_id"]
