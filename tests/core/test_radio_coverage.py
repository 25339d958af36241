"""Radio coverage on hand-built data with answers known on the ground.

The tower stands in Portland (lon -70.26, lat 43.66); the layers are in NAD83
/ Maine West metres (EPSG:26984) and the tower in WGS 84, as real data mixes
them. Expected distances and lengths come from pyproj's geodesics, not from
the code under test.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from mapdesk.core.analysis.geodesy import (
    CIRCLE_TOLERANCE_M,
    circle_vertex_count,
    geodesic_circle,
)
from mapdesk.core.analysis.radio import (
    RadioInputs,
    RangeRule,
    radio_coverage,
    tower_sites,
)
from mapdesk.core.analysis.radio.report import radio_report
from mapdesk.core.analysis.service_areas import service_areas
from mapdesk.core.errors import MapdeskError

GEOD = Geod(ellps="WGS84")
MAINE_WEST = CRS.from_epsg(26984)
TO_METRES = Transformer.from_crs(4326, 26984, always_xy=True)
LON, LAT = -70.26, 43.66
RANGE_M = 5000.0


def ground_point(azimuth: float, distance: float) -> tuple[float, float]:
    """The point ``distance`` ground metres from the tower along ``azimuth``, in EPSG:26984."""
    lon, lat, _ = GEOD.fwd(LON, LAT, azimuth, distance)
    x, y = TO_METRES.transform(lon, lat)
    return float(x), float(y)


def towers(*rows: tuple[str, float | None, str]) -> gpd.GeoDataFrame:
    """Towers (site_id, coverage_km, status) at the test site, spread a metre apart."""
    return gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in rows],
            "coverage_km": [r[1] for r in rows],
            "status": [r[2] for r in rows],
        },
        geometry=gpd.points_from_xy([LON] * len(rows), [LAT] * len(rows)),
        crs="EPSG:4326",
        index=pd_index(len(rows)),
    )


def pd_index(count: int) -> list[int]:
    return list(range(1, count + 1))


def points(xys: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"Add_Number": list(range(1, len(xys) + 1)), "St_Name": ["Test"] * len(xys)},
        geometry=gpd.points_from_xy([p[0] for p in xys], [p[1] for p in xys]),
        crs=MAINE_WEST,
        index=pd_index(len(xys)),
    )


def run(tower_frame: gpd.GeoDataFrame, include_planned: bool = False, **layers: object) -> object:
    sites = tower_sites(tower_frame, "radio_towers", RangeRule(), include_planned)
    return radio_coverage(RadioInputs(MAINE_WEST, sites, **layers))  # type: ignore[arg-type]


def test_a_circle_has_its_vertices_on_the_ground_range() -> None:
    circle = geodesic_circle(LON, LAT, RANGE_M, MAINE_WEST)
    xy = shapely.get_coordinates(circle)[:-1]
    back = Transformer.from_crs(26984, 4326, always_xy=True)
    lon, lat = back.transform(xy[:, 0], xy[:, 1])
    _, _, distance = GEOD.inv(np.full(len(lon), LON), np.full(len(lat), LAT), lon, lat)
    assert np.abs(distance - RANGE_M).max() < 0.001
    assert len(xy) == circle_vertex_count(RANGE_M)


def test_a_circle_cuts_in_by_no_more_than_its_tolerance() -> None:
    count = circle_vertex_count(RANGE_M)
    sagitta = RANGE_M * (1 - math.cos(math.pi / count))
    assert sagitta <= CIRCLE_TOLERANCE_M
    assert RANGE_M * (1 - math.cos(math.pi / (count - 1))) > CIRCLE_TOLERANCE_M


def test_an_address_on_the_edge_is_covered() -> None:
    vertex = shapely.get_coordinates(geodesic_circle(LON, LAT, RANGE_M, MAINE_WEST))[3]
    result = run(towers(("T1", RANGE_M / 1000, "active")), addresses=("a", points([tuple(vertex)])))
    assert result.overall.addresses_outside == 0


@pytest.mark.parametrize("azimuth", [0.0, 37.3, 90.0, 181.7, 271.1, 333.0])
def test_addresses_half_a_metre_either_side_of_the_edge(azimuth: float) -> None:
    inside, outside = ground_point(azimuth, RANGE_M - 0.5), ground_point(azimuth, RANGE_M + 0.5)
    result = run(
        towers(("T1", RANGE_M / 1000, "active")), addresses=("addr", points([inside, outside]))
    )
    assert result.overall.addresses == 2 and result.overall.addresses_outside == 1
    uncovered = result.uncovered_addresses
    assert uncovered["source_fid"].tolist() == [2]
    assert uncovered["address"].tolist() == ["2 Test"]


def ground(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The geodesic distance between two EPSG:26984 points: the oracle for a straight road."""
    back = Transformer.from_crs(26984, 4326, always_xy=True)
    (lon1, lon2), (lat1, lat2) = back.transform([a[0], b[0]], [a[1], b[1]])
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_a_road_out_of_the_circle_loses_exactly_the_length_outside() -> None:
    """A radial road from 1 km to 9 km out: 8 km long, the last 4 km outside a 5 km range."""
    start, end = ground_point(10.0, 1000.0), ground_point(10.0, 9000.0)
    road = gpd.GeoDataFrame(
        {"St_Name": ["Radial"]}, geometry=[shapely.LineString([start, end])], crs=MAINE_WEST
    )
    result = run(towers(("T1", RANGE_M / 1000, "active")), roads=("roads", road))
    assert result.overall.road_m == pytest.approx(8000.0, abs=0.01)
    assert result.overall.road_outside_m == pytest.approx(4000.0, abs=0.05)
    assert result.uncovered_roads["length_m"].sum() == pytest.approx(4000.0, abs=0.05)
    assert result.uncovered_roads["road"].tolist() == ["Radial"]


def test_a_road_across_the_circle_at_a_slant() -> None:
    start, end = ground_point(300.0, 7000.0), ground_point(80.0, 6500.0)
    road = gpd.GeoDataFrame(geometry=[shapely.LineString([start, end])], crs=MAINE_WEST)
    result = run(towers(("T1", RANGE_M / 1000, "active")), roads=("roads", road))
    first, second = _crossing(start, end), _crossing(end, start)
    expected = ground(start, first) + ground(second, end)
    assert result.overall.road_outside_m == pytest.approx(expected, abs=0.1)
    assert len(result.uncovered_roads) == 1  # one road, two pieces: one multi-line row


def _crossing(inner: tuple[float, float], outer: tuple[float, float]) -> tuple[float, float]:
    """Where the segment crosses the true ground circle, by bisection on geodesic distance."""
    back = Transformer.from_crs(26984, 4326, always_xy=True)
    low, high = 0.0, 1.0
    a, b = np.asarray(inner), np.asarray(outer)
    inside_at_low = _ground_distance(back, a) < RANGE_M
    for _ in range(60):
        middle = (low + high) / 2
        here = _ground_distance(back, a + (b - a) * middle) < RANGE_M
        low, high = (middle, high) if here == inside_at_low else (low, middle)
    x, y = a + (b - a) * low
    return float(x), float(y)


def _ground_distance(back: Transformer, xy: np.ndarray) -> float:
    lon, lat = back.transform(xy[0], xy[1])
    return float(GEOD.inv(LON, LAT, lon, lat)[2])


def test_planned_towers_cover_only_in_the_what_if_and_retired_never() -> None:
    far = points([ground_point(45.0, 3000.0)])
    frame = towers(("T1", 1.0, "active"), ("T2", 5.0, "planned"), ("T3", 5.0, "retired"))
    today = run(frame, addresses=("addr", far))
    assert today.overall.addresses_outside == 1
    assert today.areas["site_id"].tolist() == ["T1"]
    what_if = run(frame, include_planned=True, addresses=("addr", far))
    assert what_if.overall.addresses_outside == 0
    assert what_if.areas["site_id"].tolist() == ["T1", "T2"]
    report = radio_report(what_if)
    assert report["include_planned"] is True
    assert [(t["site_id"], t["state"], t["used"]) for t in report["towers"]] == [
        ("T1", "in service", True),
        ("T2", "planned", True),
        ("T3", "retired", False),
    ]


def test_a_blank_status_is_in_service_and_an_unknown_one_is_noted() -> None:
    frame = towers(("T1", 1.0, ""), ("T2", 1.0, "Testing"))
    result = run(frame, addresses=("addr", points([ground_point(0.0, 10.0)])))
    assert result.areas["site_id"].tolist() == ["T1", "T2"]
    assert any("status 'Testing'" in note for note in result.notes)


def test_range_field_unit_default_and_override() -> None:
    frame = towers(("T1", None, "active"), ("T2", 2.0, "active"))
    frame = frame.rename(columns={"coverage_km": "reach_mi"})
    rule = RangeRule(field="reach_mi", unit="mi", default_m=100.0)
    sites = tower_sites(frame, "towers", rule)
    assert [s.range_m for s in sites.sites] == [100.0, pytest.approx(3218.688)]
    override = tower_sites(frame, "towers", RangeRule(field="reach_mi", override_m=750.0))
    assert [s.range_m for s in override.sites] == [750.0, 750.0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, r"radio_towers fid 1 \(T1\): coverage_km is empty"),
        ("far", r"coverage_km 'far' is not a number"),
        (-2.0, r"coverage_km -2 is not a positive range"),
        (9000.0, r"coverage_km 9000 km is more than 500 km; is the field in another unit"),
    ],
)
def test_a_bad_range_names_the_tower_and_value(value: object, message: str) -> None:
    frame = towers(("T1", 1.0, "active"))
    frame["coverage_km"] = frame["coverage_km"].astype(object)
    frame.loc[1, "coverage_km"] = value
    with pytest.raises(MapdeskError, match=message):
        tower_sites(frame, "radio_towers", RangeRule())


def test_a_bad_range_of_a_retired_tower_is_no_error() -> None:
    frame = towers(("T1", 1.0, "active"), ("T2", None, "retired"))
    sites = tower_sites(frame, "radio_towers", RangeRule())
    assert math.isnan(sites.sites[1].range_m) and not sites.sites[1].used


def test_a_layer_without_the_range_field_names_its_fields() -> None:
    frame = towers(("T1", 1.0, "active")).drop(columns="coverage_km")
    with pytest.raises(MapdeskError, match=r"has no coverage_km field .*site_id, status"):
        tower_sites(frame, "radio_towers", RangeRule())


def test_tallies_per_psap_split_roads_at_the_psap_line() -> None:
    cx, cy = ground_point(0.0, 0.0)
    west = shapely.box(cx - 8000, cy - 8000, cx, cy + 8000)
    east = shapely.box(cx, cy - 8000, cx + 8000, cy + 8000)
    psaps = gpd.GeoDataFrame(
        {"DsplayName": ["West PSAP", "East PSAP"]}, geometry=[west, east], crs=MAINE_WEST
    )
    addresses = points([(cx - 100, cy), (cx - 7000, cy), (cx + 7000, cy), (cx + 100, cy + 100)])
    road = shapely.LineString([(cx - 7000, cy + 10), (cx + 7500, cy + 10)])
    roads = gpd.GeoDataFrame(geometry=[road], crs=MAINE_WEST)
    areas = service_areas(psaps, "psap", MAINE_WEST)
    result = run(
        towers(("T1", RANGE_M / 1000, "active")),
        psaps=areas,
        addresses=("addr", addresses),
        roads=("roads", roads),
    )
    west_tally, east_tally = result.psaps
    assert (west_tally.addresses, west_tally.addresses_outside) == (2, 1)
    assert (east_tally.addresses, east_tally.addresses_outside) == (2, 1)
    west_m = ground((cx - 7000, cy + 10), (cx, cy + 10))
    assert west_tally.road_m == pytest.approx(west_m, abs=0.01)
    assert west_tally.road_m + east_tally.road_m == pytest.approx(result.overall.road_m)
    pieces = result.uncovered_roads
    assert sorted(pieces["psap"]) == ["East PSAP", "West PSAP"]
    assert pieces["length_m"].sum() == pytest.approx(result.overall.road_outside_m)
    assert result.outside_psaps is not None and result.outside_psaps.addresses == 0
    assert sorted(result.uncovered_addresses["psap"]) == ["East PSAP", "West PSAP"]
    report = radio_report(result)
    assert report["psaps"][0]["addresses_outside_pct"] == 50.0


def test_nothing_to_cover_with_is_an_error() -> None:
    with pytest.raises(MapdeskError, match="No tower is in service"):
        run(towers(("T1", 1.0, "planned")), addresses=("addr", points([(0.0, 0.0)])))
