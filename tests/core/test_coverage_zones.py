"""First-due zones are filled districts that tile the PSAP area (or the network's outline)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from mapdesk.core.analysis.coverage import CoverageInputs, CoverageOptions, CoverageStudy
from mapdesk.core.analysis.coverage.positions import NetworkPositions
from mapdesk.core.analysis.coverage.zones import FILL_M
from tests.core.coverage_helpers import (
    CRS,
    grid_lines,
    point_layer,
    result_reach,
    road_layer,
    station_layer,
)

ACCESS = 60.0
#: A 5 x 5 block grid of 200 m blocks (x and y 0-1000 m) and four stations.
GRID_STATIONS = [Point(100, 0), Point(1000, 300), Point(0, 900), Point(700, 1000)]
#: Roads beyond the grid: one running east past the PSAP's edge, one on an island
#: (no road joins it: no station reaches it at all).
PAST_THE_EDGE = LineString([(1000, 400), (1900, 400)])
ISLAND = LineString([(2600, 2600), (3000, 2600)])
#: The PSAP: the grid and a wide margin, with a notch cut into its north-west corner.
PSAP = Polygon([(-600, -600), (1500, -600), (1500, 1600), (200, 1600), (200, 1300), (-600, 1300)])


def _run(roads, stations, addresses=None, psaps=None, **options):  # type: ignore[no-untyped-def]
    inputs = CoverageInputs(roads, stations, addresses=addresses, psaps=psaps)
    options = {"access_m": ACCESS, "minutes": (1.0, 2.0), **options}
    return CoverageStudy(inputs, CoverageOptions(**options), progress=lambda step: None).run()


def _psap_layer(*polygons: Polygon) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"PSAP {i}" for i in range(len(polygons))]}, geometry=list(polygons), crs=CRS
    )


def _assert_tiles(zones: list, area: object) -> None:
    """The zones overlap nowhere and together are ``area`` (to a square metre)."""
    for i, a in enumerate(zones):
        for b in zones[i + 1 :]:
            assert a.intersection(b).area < 1e-3, "two first-due zones overlap"
    union = shapely.union_all(zones)
    assert union.symmetric_difference(area).area < 1.0, "the zones do not tile the area"


def test_zones_tile_the_psap_area_and_the_roads_past_it() -> None:
    roads = road_layer([*grid_lines(6, 6, 200.0), PAST_THE_EDGE, ISLAND])
    stations = station_layer(GRID_STATIONS, turnout_s=[0, 30, 60, 90])
    result = _run(roads, stations, psaps=_psap_layer(PSAP))
    zones = list(result.zones)
    assert all(not zone.is_empty for zone in zones)
    expected = shapely.union(PSAP, result.served)
    assert result.zone_extent.symmetric_difference(expected).area < 1.0
    _assert_tiles(zones, expected)
    holders = [
        [i for i, zone in enumerate(zones) if zone.contains(Point(xy))]
        for xy in [
            (-500, -500),  # a PSAP corner far from any road
            (100, 100),  # the middle of a block
            (1800, 400),  # the road past the PSAP's edge (reached after the bands end)
            (2800, 2610),  # the island no station reaches
        ]
    ]
    assert all(len(held) == 1 for held in holders), holders
    # Outside the PSAP and away from roads: in no zone (the notch, and open ground).
    for point in [Point(-300, 1500), Point(1700, 1200)]:
        assert not any(zone.intersects(point) for zone in zones)
    # The gap layer still means served ground reached by no station in time.
    assert result.gap.within(result.served.buffer(1e-6))
    assert result.gap.contains(Point(2800, 2600))


def test_psap_polygons_are_dissolved_and_bad_ones_skipped() -> None:
    roads = road_layer(grid_lines(6, 6, 200.0))
    stations = station_layer(GRID_STATIONS)
    west, east = box(-600, -600, 500, 1600), box(500, -600, 1600, 1600)
    bowtie = Polygon([(3000, 3000), (3100, 3100), (3100, 3000), (3000, 3100)])  # invalid
    psaps = _psap_layer(west, east, bowtie, Polygon())
    result = _run(roads, stations, psaps=psaps)
    expected = shapely.union_all([west, east, shapely.make_valid(bowtie), result.served])
    _assert_tiles(list(result.zones), expected)


def test_without_psaps_zones_fill_the_network_outline() -> None:
    """The blocks between roads are filled; open ground beyond the fill distance is not."""
    far_town = [LineString([(5000, 0), (6000, 0)])]
    roads = road_layer([*grid_lines(6, 6, 200.0), *far_town])
    stations = station_layer([*GRID_STATIONS, Point(5500, 0)])
    result = _run(roads, stations)
    zones = list(result.zones)
    assert result.zone_extent.contains(result.served)
    _assert_tiles(zones, result.zone_extent)
    block_middle = Point(300, 500)  # 100 m from every road: beyond the access distance
    assert not result.served.contains(block_middle)
    assert sum(zone.contains(block_middle) for zone in zones) == 1
    between_towns = Point(3000, 0)
    assert not any(zone.intersects(between_towns) for zone in zones)
    assert not result.zone_extent.intersects(Point(-ACCESS - FILL_M, 500))


@pytest.mark.parametrize("psaps", [None, _psap_layer(PSAP)])
def test_each_address_lies_in_the_zone_of_its_first_due_station(psaps) -> None:  # type: ignore[no-untyped-def]
    """Addresses set back up to 50 m from the middle stretch of their road are in the zone
    of the station first due to that spot (where arrival times cross on the road, a zone's
    edge may be up to half the sample spacing off: those are left out)."""
    lines = grid_lines(6, 6, 200.0)
    roads = road_layer([*lines, PAST_THE_EDGE])
    rng = np.random.default_rng(8)
    road = rng.integers(0, len(lines), 600)
    along = rng.uniform(0.3, 0.7, len(road))
    side = rng.uniform(-50, 50, len(road))
    points = []
    for r, t, s in zip(road, along, side, strict=True):
        (x0, y0), (x1, y1) = lines[r].coords
        horizontal = y0 == y1
        x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        points.append(Point(x, y + s) if horizontal else Point(x + s, y))
    stations = station_layer(GRID_STATIONS, turnout_s=[0, 30, 60, 90])
    result = _run(roads, stations, point_layer(points), psaps=psaps)
    first_due = result.addresses.first_due
    assert (first_due >= 0).all()
    steady = _first_due_steady_within(result, result.addresses.positions, 25.0)
    assert steady.sum() > 500
    for index in np.flatnonzero(steady):
        zone = result.zones[first_due[index]]
        assert zone.contains(points[index]), f"address {index} is outside its first-due zone"


def _first_due_steady_within(result, positions: NetworkPositions, metres: float):  # type: ignore[no-untyped-def]
    """True for places whose first-due station is the same ``metres`` either way along the road."""
    reach = result_reach(result)
    step = metres / result.network.length_m[positions.segment]
    firsts = []
    for shift in (-step, 0 * step, step):
        moved = NetworkPositions(
            positions.segment, np.clip(positions.fraction + shift, 0, 1), positions.distance_m
        )
        firsts.append(reach.fastest(moved)[0])
    return (firsts[0] == firsts[1]) & (firsts[1] == firsts[2])


def test_a_zone_is_first_due_whether_or_not_the_station_arrives_in_time() -> None:
    """One station's long road: the zone runs the road's whole length, past every band."""
    roads = road_layer([LineString([(0, 0), (5000, 0)])])
    result = _run(roads, station_layer([Point(0, 0)]), minutes=(1.0,))
    assert result.zones[0].contains(Point(4900, 30))
    assert result.gap.contains(Point(4900, 30))
    assert result.zones[0].area == pytest.approx(result.zone_extent.area)
