"""What-if runs (a station out of service, roads closed) and the fractile report."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from mapdesk.core.analysis.coverage import (
    CoverageInputs,
    CoverageOptions,
    CoverageStudy,
    WhatIf,
    coverage_layers,
    coverage_report,
)
from mapdesk.core.errors import MapdeskError
from tests.core.coverage_helpers import CRS, MPH, point_layer, road_layer, station_layer

#: Seconds to drive 1 km at 25 mph.
KM = 1000 / (25 * MPH)


def _two_towns() -> gpd.GeoDataFrame:
    """Two 1 km streets (x 0-1000 and x 2000-3000) joined by a bridge (road 1), plus a
    detour (road 3) that is three times as long."""
    return road_layer(
        [
            LineString([(0, 0), (1000, 0)]),
            LineString([(1000, 0), (2000, 0)]),
            LineString([(2000, 0), (3000, 0)]),
            LineString([(1000, 0), (1000, 1000), (2000, 1000), (2000, 0)]),
        ]
    )


def _study(roads, stations, addresses, psaps=None, **options) -> CoverageStudy:  # type: ignore[no-untyped-def]
    names = None if psaps is None else list(psaps["name"])
    inputs = CoverageInputs(roads, stations, addresses=addresses, psaps=psaps, psap_names=names)
    return CoverageStudy(inputs, CoverageOptions(**options), progress=lambda step: None)


def test_disabling_a_station_hands_its_area_to_the_next_fastest() -> None:
    stations = station_layer([Point(0, 0), Point(3000, 0)], turnout_s=[60, 60])
    addresses = point_layer([Point(500, 10), Point(2500, 10)])
    study = _study(_two_towns(), stations, addresses, minutes=(2.0, 6.0))
    before = study.run()
    after = study.run(WhatIf(disabled_stations=frozenset({"ST-2"})))
    assert before.addresses.first_due.tolist() == [0, 1]
    assert after.addresses.first_due.tolist() == [0, 0]
    assert after.status == ("in service", "disabled")
    assert after.addresses.best_s[1] == pytest.approx(60 + 2.5 * KM)
    assert after.addresses.within(2.0).tolist() == [True, False]
    assert after.zones[1].is_empty and after.zones[0].area == pytest.approx(after.zone_extent.area)
    report = coverage_report(after, baseline=before)
    assert report["what_if"] == {"disabled_stations": ["ST-2"], "closed_roads": []}
    assert report["addresses"]["bands"]["2"] == {"reached": 1, "percent": 50.0}
    assert report["baseline"]["addresses"]["2"] == {"reached": 2, "percent": 100.0}
    assert report["baseline"]["change_percent_points"]["addresses"] == {"2": -50.0, "6": 0.0}


def test_closing_the_bridge_sends_traffic_round_the_detour() -> None:
    stations = station_layer([Point(0, 0)])
    addresses = point_layer([Point(2500, 10), Point(1500, 10)])
    study = _study(_two_towns(), stations, addresses, minutes=(4.0,))
    open_roads = study.run()
    closed = study.run(WhatIf(closed_roads=frozenset({1})))
    assert open_roads.addresses.best_s[0] == pytest.approx(2.5 * KM)
    assert closed.addresses.best_s[0] == pytest.approx(4.5 * KM)
    # The address on the closed bridge is now farther than the access distance from any road.
    assert not closed.addresses.positions.on_network[1]
    assert closed.segment_station[1] == -1
    assert closed.addresses.within(4.0).tolist() == [False, False]
    assert not closed.overall[4.0].intersects(Point(1500, 0))


def test_a_station_on_a_closed_road_moves_to_the_nearest_open_one() -> None:
    stations = station_layer([Point(1500, 0)])
    study = _study(_two_towns(), stations, point_layer([Point(500, 0)]), access_m=100)
    assert study.run().status == ("in service",)
    assert study.run(WhatIf(closed_roads=frozenset({1}))).status == ("off network",)
    near = _study(_two_towns(), station_layer([Point(1000, 50)]), None, access_m=100)
    moved = near.run(WhatIf(closed_roads=frozenset({1})))
    assert moved.status == ("in service",) and moved.station_positions.segment[0] != 1


def test_unknown_stations_and_roads_are_named() -> None:
    study = _study(_two_towns(), station_layer([Point(0, 0)]), None)
    with pytest.raises(MapdeskError, match=r"E9.*ST-1"):
        study.run(WhatIf(disabled_stations=frozenset({"E9"})))
    with pytest.raises(MapdeskError, match="rows"):
        study.run(WhatIf(closed_roads=frozenset({99})))


def test_fractiles_per_station_and_per_psap() -> None:
    """West PSAP: 3 addresses (two reached within 2 min); east PSAP: 1 address, reached."""
    stations = station_layer([Point(0, 0), Point(3000, 0)], turnout_s=[0, 60])
    addresses = point_layer([Point(100, 0), Point(600, 0), Point(1400, 0), Point(2900, 0)])
    psaps = gpd.GeoDataFrame(
        {"name": ["West", "East"]},
        geometry=[box(-100, -100, 1500, 100), box(1500, -100, 3100, 100)],
        crs=CRS,
    )
    result = _study(_two_towns(), stations, addresses, psaps, minutes=(2.0,)).run()
    report = coverage_report(result)["addresses"]
    assert report["total"] == 4 and report["on_network"] == 4
    assert report["bands"]["2"] == {"reached": 3, "percent": 75.0}
    assert report["per_psap"] == {
        "West": {"total": 3, "bands": {"2": {"reached": 2, "percent": pytest.approx(66.67)}}},
        "East": {"total": 1, "bands": {"2": {"reached": 1, "percent": 100.0}}},
    }
    first = report["per_station"]["ST-1"]
    assert first["first_due"] == 3
    assert first["bands"]["2"] == {
        "reaches": 2,
        "reaches_percent": 50.0,
        "first_due_reached": 2,
        "first_due_percent": pytest.approx(66.67),
    }
    assert report["per_station"]["ST-2"]["bands"]["2"]["reaches"] == 1
    assert first["response_s"]["median"] == pytest.approx(0.6 * KM, abs=0.1)


def test_band_fields_are_named_for_their_minutes() -> None:
    stations = station_layer([Point(0, 0)])
    result = _study(_two_towns(), stations, point_layer([Point(100, 0)]), minutes=(2.5, 6.0)).run()
    layers = coverage_layers(result)
    assert list(layers["first_due_zones"].columns)[-3:] == ["pct_2_5min", "pct_6min", "geometry"]
    assert {"within_2_5min", "within_6min"} <= set(layers["address_coverage"].columns)
    assert coverage_report(result)["addresses"]["bands"]["2.5"]["reached"] == 1


def test_incidents_get_their_own_fractiles() -> None:
    stations = station_layer([Point(0, 0)])
    inputs = CoverageInputs(
        _two_towns(), stations, incidents=point_layer([Point(100, 0), Point(2900, 0)])
    )
    result = CoverageStudy(inputs, CoverageOptions(minutes=(4.0,)), lambda s: None).run()
    report = coverage_report(result)
    assert report["addresses"] is None
    assert report["incidents"]["bands"]["4"] == {"reached": 1, "percent": 50.0}
    assert np.isfinite(result.incidents.best_s).all()
