"""What the Coverage GUI builds on, Qt-free: stations by type, the roads selected to close,
the fractile table with its change from the baseline, result styles, and Cancel."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from mapdesk.core.analysis.coverage import (
    CoverageCancelled,
    CoverageInputs,
    CoverageOptions,
    CoverageStudy,
    WhatIf,
    coverage_report,
)
from mapdesk.core.analysis.coverage.fractile_table import fractile_rows
from mapdesk.core.analysis.coverage.layer_inputs import (
    selected_rows,
    station_types,
    stations_of_type,
)
from mapdesk.core.analysis.coverage.layers import OVERALL, STATIONS, ZONES
from mapdesk.core.analysis.coverage.model import parse_minutes
from mapdesk.core.analysis.coverage.styles import DRAW_ORDER, result_looks, zone_colour
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from tests.core.coverage_helpers import point_layer, road_layer, station_layer


def _street() -> gpd.GeoDataFrame:
    """A 3 km street in three 1 km roads."""
    return road_layer([LineString([(x, 0), (x + 1000, 0)]) for x in (0, 1000, 2000)])


def _study(**kwargs: object) -> CoverageStudy:
    stations = station_layer([Point(0, 0), Point(3000, 0)], turnout_s=[0, 0])
    addresses = point_layer([Point(x, 10) for x in (100, 900, 1500, 2100, 2900)])
    inputs = CoverageInputs(_street(), stations, addresses=addresses)
    return CoverageStudy(inputs, CoverageOptions(minutes=(1.0, 2.0)), **kwargs)  # type: ignore[arg-type]


def test_stations_are_chosen_by_their_type() -> None:
    stations = station_layer([Point(0, 0), Point(1, 1), Point(2, 2)])
    stations["type"] = ["Fire", " Police ", None]
    assert station_types(stations) == ("Fire", "Police")
    assert list(stations_of_type(stations, "Police")["station_id"]) == ["ST-2"]
    assert stations_of_type(stations, None) is stations
    with pytest.raises(MapdeskError, match="No station of type 'EMS'"):
        stations_of_type(stations, "EMS")
    with pytest.raises(MapdeskError, match="no type field"):
        stations_of_type(station_layer([Point(0, 0)]), "Fire")


def test_selected_roads_are_rows_not_fids() -> None:
    roads = _street().set_axis([7, 8, 9])  # fids that are not positions
    layer = VectorLayer(roads, "roads")
    layer.selection.apply([9, 7])
    assert selected_rows(layer) == {0, 2}


def test_bands_are_read_as_minutes() -> None:
    assert parse_minutes("8, 4") == (4.0, 8.0)
    with pytest.raises(MapdeskError, match="Bands 'four'"):
        parse_minutes("four")


def test_fractile_rows_give_the_change_from_the_baseline() -> None:
    study = _study()
    baseline = study.run()
    what_if = study.run(WhatIf(disabled_stations=frozenset({"ST-2"})))
    before, after = coverage_report(baseline), coverage_report(what_if, baseline)
    rows = fractile_rows(after, "addresses", before)
    overall = rows[0]
    assert (overall.group, overall.count) == ("overall", 5)
    # At 25 mph a minute drives 671 m: ST-1 alone reaches x=100 in one, x=900 in two;
    # with ST-2 in service x=2900 and x=2100 were reached too.
    assert overall.percents == (20.0, 40.0)
    assert overall.changes == (-20.0, -40.0)
    stations = {row.key: row for row in rows if row.group == "station"}
    assert stations["ST-2"].status == "disabled" and stations["ST-2"].count == 0
    assert stations["ST-2"].percents == (None, None) and stations["ST-2"].changes == (None, None)
    assert stations["ST-1"].count == 5
    assert fractile_rows(after, "incidents") == []
    assert fractile_rows(after, "addresses")[0].changes == (None, None)


def test_a_cancelled_study_stops_between_steps() -> None:
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3

    study = _study(is_cancelled=lambda: False)
    study.is_cancelled = cancelled
    with pytest.raises(CoverageCancelled):
        study.run()
    with pytest.raises(CoverageCancelled):
        _study(is_cancelled=lambda: True)


def test_result_styles_keep_a_station_colour_and_draw_the_smallest_band_darkest() -> None:
    looks = result_looks([("ST-1", "One"), ("ST-2", "Two")], (4.0, 8.0), "Fire")
    assert list(looks) == list(DRAW_ORDER)
    assert DRAW_ORDER[0] == ZONES and DRAW_ORDER[-1] == STATIONS
    zones = looks[ZONES].symbology
    assert [c.value for c in zones.categories] == ["ST-1", "ST-2"]  # type: ignore[union-attr]
    assert zones.categories[1].style.fill_color == zone_colour(1)  # type: ignore[union-attr]
    assert looks[ZONES].title == "Coverage: Fire first-due zones"
    four, eight = looks[OVERALL].symbology.categories  # type: ignore[union-attr]
    assert (four.value, eight.value) == (4.0, 8.0)
    assert four.style.fill_opacity > eight.style.fill_opacity
    assert looks[STATIONS].labels is not None and looks[STATIONS].visible
