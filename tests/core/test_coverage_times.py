"""Drive times of the coverage analysis: by hand on a small grid, and against networkx."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point

from mapdesk.core.analysis.coverage import CoverageInputs, CoverageOptions, CoverageStudy
from mapdesk.core.analysis.coverage.network import build_road_network
from mapdesk.core.analysis.coverage.positions import NetworkPositions
from mapdesk.core.analysis.coverage.reach import StationReach
from tests.core.coverage_helpers import (
    MPH,
    grid_lines,
    oracle_arrival,
    point_layer,
    random_roads,
    road_layer,
    station_layer,
)

#: One 100 m block at 25 mph, in seconds.
BLOCK = 100 / (25 * MPH)


def _study(roads, stations, addresses, **options) -> CoverageStudy:  # type: ignore[no-untyped-def]
    inputs = CoverageInputs(roads, stations, addresses=addresses)
    return CoverageStudy(inputs, CoverageOptions(**options), progress=lambda step: None)


def _grid(oneway: dict[int, str] | None = None):  # type: ignore[no-untyped-def]
    """3 x 3 nodes, 100 m blocks at 25 mph (see ``grid_lines`` for the road order:
    0 = (0,0)-(100,0), 1 = (100,0)-(200,0), ... 10 = (200,0)-(200,100))."""
    lines = grid_lines(3, 3, 100.0)
    ways = ["B"] * len(lines)
    for row, code in (oneway or {}).items():
        ways[row] = code
    return road_layer(lines, oneway=ways)


def test_times_on_a_two_way_grid_are_blocks_driven_plus_turnout() -> None:
    addresses = point_layer([Point(150, 10), Point(200, 200), Point(0, 40), Point(100, 100)])
    study = _study(_grid(), station_layer([Point(0, 0)], turnout_s=[60]), addresses)
    seconds = study.run().addresses.best_s
    assert seconds == pytest.approx(60 + BLOCK * np.array([1.5, 4, 0.4, 2]), abs=1e-6)


def test_a_one_way_street_is_driven_only_its_way() -> None:
    """Road 1 runs west only (TF): (150, 0) is reached by going round the block and back."""
    addresses = point_layer([Point(150, 10), Point(200, 0), Point(120, -5)])
    study = _study(_grid({1: "TF"}), station_layer([Point(0, 0)], turnout_s=[60]), addresses)
    seconds = study.run().addresses.best_s
    assert seconds == pytest.approx(60 + BLOCK * np.array([4.5, 4, 4.8]), abs=1e-6)


def test_from_to_one_way_follows_the_digitised_direction() -> None:
    """Road 1 digitised west to east and FT: eastbound from the station is fine..."""
    east = _study(_grid({1: "FT"}), station_layer([Point(0, 0)]), point_layer([Point(150, 0)]))
    assert east.run().addresses.best_s == pytest.approx([1.5 * BLOCK])
    # ... but from a station at the east end, (150, 0) needs the way round.
    west = _study(_grid({1: "FT"}), station_layer([Point(200, 0)]), point_layer([Point(150, 0)]))
    assert west.run().addresses.best_s == pytest.approx([3.5 * BLOCK])


def test_a_station_part_way_along_a_one_way_leaves_only_its_way() -> None:
    """A station at (50, 0) on road 0, made TF (west only), must drive west first."""
    addresses = point_layer([Point(80, 0), Point(20, 0)])
    study = _study(_grid({0: "TF"}), station_layer([Point(50, 0)]), addresses)
    seconds = study.run().addresses.best_s
    # (80, 0): west to (0, 0), round the block to (100, 0), then west along road 0.
    assert seconds == pytest.approx([0.5 * BLOCK + 3 * BLOCK + 0.2 * BLOCK, 0.3 * BLOCK])


def test_turnout_comes_from_the_station_or_the_default() -> None:
    stations = station_layer([Point(0, 0), Point(200, 200)], turnout_s=[30, None])
    study = _study(_grid(), stations, point_layer([Point(0, 0), Point(200, 200)]), turnout_s=60)
    result = study.run()
    assert result.addresses.best_s == pytest.approx([30, 60])
    assert [w.kind for w in result.warnings] == ["station.turnout_default"]
    travel_only = _study(_grid(), stations, point_layer([Point(100, 0)]), travel_only=True)
    assert travel_only.run().addresses.best_s == pytest.approx([BLOCK])


def test_speed_limit_sets_the_time() -> None:
    roads = _grid()
    roads.loc[0, "SpeedLimit"] = 50
    study = _study(roads, station_layer([Point(0, 0)]), point_layer([Point(100, 0)]))
    assert study.run().addresses.best_s == pytest.approx([BLOCK / 2])


def test_first_due_is_the_fastest_station_turnout_included() -> None:
    """ST-1 stands nearer, but its long turnout makes ST-2 first due at (60, 0)."""
    stations = station_layer([Point(50, 0), Point(200, 0)], turnout_s=[120, 0])
    study = _study(_grid(), stations, point_layer([Point(60, 0), Point(0, 200)]))
    result = study.run()
    assert result.addresses.first_due.tolist() == [1, 1]
    assert result.addresses.best_s == pytest.approx([1.4 * BLOCK, 4 * BLOCK])


@pytest.mark.parametrize("seed", range(12))
def test_times_agree_with_networkx_on_random_roads(seed: int) -> None:
    roads, _, pairs = random_roads(seed, nodes=25, edges=45)
    network = build_road_network(roads, snap_m=1.0)
    assert network.segment_count == len(roads)
    rng = np.random.default_rng(1000 + seed)
    open_segments = np.ones(network.segment_count, dtype=bool)
    stations = [
        (int(rng.integers(len(roads))), float(rng.choice([0.0, 1.0, rng.random()])))
        for _ in range(3)
    ]
    turnout = rng.uniform(0, 120, len(stations))
    at = NetworkPositions(
        np.array([s for s, _ in stations], dtype=np.intp),
        np.array([f for _, f in stations]),
        np.zeros(len(stations)),
    )
    reach = StationReach.compute(network, open_segments, at, turnout)
    places = [
        (int(rng.integers(len(roads))), float(rng.choice([0.0, 1.0, rng.random()])))
        for _ in range(60)
    ]
    positions = NetworkPositions(
        np.array([p for p, _ in places], dtype=np.intp),
        np.array([f for _, f in places]),
        np.zeros(len(places)),
    )
    ours = reach.arrival_s(positions)
    for index, station in enumerate(stations):
        expected = oracle_arrival(roads, pairs, station, turnout[index], places)
        np.testing.assert_allclose(ours[index], expected, rtol=1e-9, atol=1e-6)


def test_reached_pieces_hold_exactly_the_places_reached_in_time() -> None:
    roads, _, _ = random_roads(7, nodes=30, edges=60)
    network = build_road_network(roads, snap_m=1.0)
    rng = np.random.default_rng(3)
    open_segments = np.ones(network.segment_count, dtype=bool)
    at = NetworkPositions(np.array([4, 17], dtype=np.intp), np.array([0.3, 0.8]), np.zeros(2))
    reach = StationReach.compute(network, open_segments, at, np.array([30.0, 75.0]))
    segment = rng.integers(0, network.segment_count, 3000).astype(np.intp)
    fraction = rng.random(3000)
    arrival = reach.arrival_s(NetworkPositions(segment, fraction, np.zeros(3000)))
    for station in (0, 1):
        for budget in (120.0, 240.0, 480.0):
            pieces = reach.reached(station, budget)
            inside = np.zeros(3000, dtype=bool)
            for k, lo, hi in zip(pieces.segment, pieces.start, pieces.stop, strict=True):
                inside |= (segment == k) & (fraction >= lo - 1e-12) & (fraction <= hi + 1e-12)
            reached = arrival[station] <= budget
            assert reached.any() and not reached.all()
            assert (inside == reached).all()
