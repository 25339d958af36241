"""Travel-time areas and gaps hold the addresses they should (zones: test_coverage_zones)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from mapdesk.core.analysis.coverage import CoverageInputs, CoverageOptions, CoverageStudy
from mapdesk.core.analysis.coverage.areas import CIRCUMSCRIBE
from tests.core.coverage_helpers import (
    distance_to_pieces,
    point_layer,
    random_roads,
    result_reach,
    road_layer,
    station_layer,
)

ACCESS = 60.0


def _run(roads, stations, addresses, **options):  # type: ignore[no-untyped-def]
    inputs = CoverageInputs(roads, stations, addresses=addresses)
    options = {"access_m": ACCESS, **options}
    study = CoverageStudy(inputs, CoverageOptions(**options), progress=lambda step: None)
    return study.run()


def _station_arrival(result):  # type: ignore[no-untyped-def]
    """Each responding station's arrival at each address (stations x addresses)."""
    reach = result_reach(result)
    return reach, reach.arrival_s(result.addresses.positions)


def test_a_band_ends_where_the_drive_runs_out() -> None:
    """One straight road at 25 mph from a station at x=0: 60 s reaches x = 670.6 m."""
    roads = road_layer([LineString([(0, 0), (2000, 0)])])
    reach_m = 60 * 25 * 0.44704
    addresses = point_layer(
        [Point(reach_m - 5, 20), Point(reach_m + 40, 20), Point(reach_m + 80, 0)]
    )
    result = _run(roads, station_layer([Point(0, 0)]), addresses, minutes=(1.0,))
    area = result.bands[0].area
    assert result.addresses.within(1.0).tolist() == [True, False, False]
    # Reached: inside. Unreached but within the access distance of the reached road: inside.
    # Beyond it: outside.
    assert [area.contains(p) for p in addresses.geometry] == [True, True, False]
    assert area.bounds[2] == pytest.approx(reach_m + ACCESS, abs=0.03 * ACCESS)
    assert result.bands[0].road_m == pytest.approx(reach_m)


def test_a_band_never_falls_short_of_the_access_distance() -> None:
    """Round a reached road's end, the area reaches the full access distance at every
    angle (a buffer's polygon is drawn outside the circle, not inside it)."""
    roads = road_layer([LineString([(0, 0), (2000, 0)])])
    end = 60 * 25 * 0.44704
    angles = np.linspace(-np.pi / 2, np.pi / 2, 721)
    rim = [Point(end + ACCESS * 0.9999 * np.cos(a), ACCESS * 0.9999 * np.sin(a)) for a in angles]
    result = _run(roads, station_layer([Point(0, 0)]), None, minutes=(1.0,))
    area = result.bands[0].area
    assert all(area.contains(point) for point in rim)
    assert not area.contains(Point(end + ACCESS * CIRCUMSCRIBE * 1.001, 0))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_band_areas_hold_every_reached_address_and_none_beyond_the_access_distance(
    seed: int,
) -> None:
    roads, _, _ = random_roads(seed, nodes=30, edges=55)
    rng = np.random.default_rng(seed)
    station_points = [
        roads.geometry.iloc[int(i)].interpolate(0.5, normalized=True)
        for i in rng.integers(0, len(roads), 3)
    ]
    # Addresses near roads (some beyond the access distance) and scattered anywhere.
    near = [
        roads.geometry.iloc[int(i)].interpolate(rng.random(), normalized=True)
        for i in rng.integers(0, len(roads), 400)
    ]
    offsets = rng.normal(0, ACCESS, (400, 2))
    points = [Point(p.x + dx, p.y + dy) for p, (dx, dy) in zip(near, offsets, strict=True)]
    points += [Point(x, y) for x, y in rng.uniform(0, 5000, (200, 2))]
    result = _run(
        roads, station_layer(station_points, [30, 60, 90]), point_layer(points), minutes=(3.0, 6.0)
    )
    reach, arrival = _station_arrival(result)
    xy_points = np.asarray(point_layer(points).geometry.array)
    for band in result.bands:
        index = int(np.flatnonzero(result.responding == band.station)[0])
        reached = arrival[index] <= band.minutes * 60
        inside = shapely.contains(band.area, xy_points)
        assert reached.any() and not reached.all()
        assert inside[reached].all(), "a reached address is outside its band"
        pieces = reach.reached(index, band.minutes * 60)
        near_reached = distance_to_pieces(
            xy_points,
            result.network.lines,
            list(zip(pieces.segment, pieces.start, pieces.stop, strict=True)),
        )
        assert inside[near_reached <= ACCESS].all()
        assert not inside[near_reached > ACCESS * CIRCUMSCRIBE + 1e-6].any()
    overall = result.overall[6.0]
    assert shapely.contains(overall, xy_points)[result.addresses.within(6.0)].all()


def test_gaps_are_the_served_area_no_station_reaches_in_time() -> None:
    """Two roads: one with the station, one across a gap no road crosses."""
    roads = road_layer([LineString([(0, 0), (1000, 0)]), LineString([(0, 5000), (1000, 5000)])])
    addresses = point_layer([Point(500, 10), Point(500, 5010)])
    result = _run(roads, station_layer([Point(0, 0)]), addresses, minutes=(4.0,))
    assert result.addresses.within(4.0).tolist() == [True, False]
    assert np.isinf(result.addresses.best_s[1])
    assert result.gap.contains(Point(500, 5010)) and not result.gap.contains(Point(500, 10))
    assert result.gap.union(result.overall[4.0]).area == pytest.approx(result.served.area)
    assert result.gap.intersection(result.overall[4.0]).area == pytest.approx(0, abs=1e-3)


def test_addresses_off_the_network_count_as_not_reached() -> None:
    roads = road_layer([LineString([(0, 0), (1000, 0)])])
    addresses = point_layer([Point(500, 10), Point(500, 500), Point(500, 10)])
    addresses.loc[2, "geometry"] = None
    result = _run(roads, station_layer([Point(0, 0)]), addresses, minutes=(4.0,))
    assert result.addresses.positions.on_network.tolist() == [True, False, False]
    assert result.addresses.within(4.0).tolist() == [True, False, False]
