"""Incident analysis on hand-made FixIt frames whose answers are known, and on the demo."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from mapdesk.core.analysis.incident_places import (
    OUTSIDE,
    counts_per_polygon,
    likely_duplicates,
)
from mapdesk.core.analysis.incident_summary import (
    IncidentRequest,
    analyse_incidents,
    layer_overview,
)
from mapdesk.core.analysis.incidents import (
    IncidentFields,
    IncidentFilter,
    incident_dates,
    incident_statistics,
    is_incident_layer,
    is_open311_layer,
    rows_in_step,
    statistics_by_category,
    time_steps,
    utc_timestamp,
)

X, Y = 892_630.0, 91_540.0  # Portland City Hall, EPSG:26984 (metres)
FIELDS = IncidentFields(closed="closed_datetime", updated=None)
NOW = "2024-06-30T12:00:00-04:00"


def _reports() -> gpd.GeoDataFrame:
    """Six reports: requested dates as ISO text, closes as an aware datetime column."""
    requested = [
        "2024-06-03T09:00:00-04:00",  # Mon, week 1
        "2024-06-09T23:30:00-04:00",  # Sun night, still week 1 in Portland
        "2024-06-10T08:00:00-04:00",  # Mon, week 2
        "2024-06-20T12:00:00-04:00",
        "2024-07-01T12:00:00-04:00",  # July
        "2024-06-25T12:00:00-04:00",
    ]
    closed = pd.to_datetime(
        [
            "2024-06-04T09:00:00-04:00",  # 1 day
            "2024-06-11T23:30:00-04:00",  # 2 days
            None,
            None,
            "2024-07-11T12:00:00-04:00",  # 10 days
            "2024-06-28T12:00:00-04:00",  # 3 days
        ],
        utc=True,
    ).tz_convert("America/New_York")
    return gpd.GeoDataFrame(
        {
            "service_request_id": [f"R{i}" for i in range(6)],
            "status": ["closed", "closed", "open", "Acknowledged", "closed", "closed"],
            "service_name": ["Pothole", "Pothole", "Graffiti", "Pothole", "Graffiti", "Graffiti"],
            "requested_datetime": requested,
            "closed_datetime": closed,
        },
        geometry=[Point(X + 100 * i, Y) for i in range(6)],
        crs="EPSG:26984",
        index=pd.Index([10, 11, 12, 13, 14, 15], name="fid"),
    )


def test_a_fixit_layer_is_known_by_its_status_and_date_fields() -> None:
    reports = _reports()
    assert is_incident_layer(reports)
    assert not is_incident_layer(reports.drop(columns="status"))
    assert is_open311_layer(reports)
    renamed = reports.rename(columns={"requested_datetime": "reported_date"})
    assert is_incident_layer(renamed) and not is_open311_layer(renamed)
    assert IncidentFields.of(renamed).requested == "reported_date"
    found = IncidentFields.of(reports)
    assert (found.category, found.closed, found.updated) == (
        "service_name",
        "closed_datetime",
        None,
    )


def test_dates_read_from_iso_text_aware_and_naive_columns_alike() -> None:
    text = pd.Series(["2024-01-15T10:00:00-05:00", "2024-07-15T10:00:00-04:00", "", None, "x"])
    utc = incident_dates(text)
    assert utc.iloc[0] == pd.Timestamp("2024-01-15T15:00Z")
    assert utc.iloc[1] == pd.Timestamp("2024-07-15T14:00Z")
    assert utc.iloc[2:].isna().all()
    naive = pd.Series(pd.to_datetime(["2024-07-15 10:00", "2024-01-15 10:00"]))
    assert incident_dates(naive).tolist() == [
        pd.Timestamp("2024-07-15T14:00Z"),
        pd.Timestamp("2024-01-15T15:00Z"),
    ]
    naive_text = pd.Series(["2024-07-15 10:00:00", "2024-07-15T14:00:00Z"])
    assert incident_dates(naive_text).nunique() == 1  # both 14:00 UTC
    aware = pd.Series(pd.to_datetime(["2024-07-15T10:00-04:00"], utc=True))
    assert incident_dates(aware).iloc[0] == pd.Timestamp("2024-07-15T14:00Z")


def test_filter_by_category_status_and_dates() -> None:
    reports = _reports()
    assert IncidentFilter().rows(reports, FIELDS).tolist() == [0, 1, 2, 3, 4, 5]
    potholes = IncidentFilter(categories=frozenset({"Pothole"}))
    assert potholes.rows(reports, FIELDS).tolist() == [0, 1, 3]
    open_ones = IncidentFilter(statuses=frozenset({"open", "Acknowledged"}))
    assert open_ones.rows(reports, FIELDS).tolist() == [2, 3]
    june_second_week = IncidentFilter(start="2024-06-10", end="2024-06-21")
    assert june_second_week.rows(reports, FIELDS).tolist() == [2, 3]
    both = IncidentFilter(categories=frozenset({"Graffiti"}), start=pd.Timestamp("2024-06-21"))
    assert both.rows(reports, FIELDS).tolist() == [4, 5]
    assert IncidentFilter(categories=frozenset()).rows(reports, FIELDS).tolist() == []


def test_weekly_steps_start_on_monday_in_city_time() -> None:
    dates = _reports()["requested_datetime"]
    weeks = time_steps(dates, "week")
    assert [w.label for w in weeks] == [
        "Week of 03 Jun 2024",
        "Week of 10 Jun 2024",
        "Week of 17 Jun 2024",
        "Week of 24 Jun 2024",
        "Week of 01 Jul 2024",
    ]
    assert weeks[0].start == utc_timestamp("2024-06-03") == pd.Timestamp("2024-06-03T04:00Z")
    assert rows_in_step(dates, weeks[0]).tolist() == [0, 1]  # Sunday 23:30 is week 1
    assert rows_in_step(dates, weeks[1]).tolist() == [2]
    assert rows_in_step(dates, weeks[2], rows=np.array([0, 2])).tolist() == []
    assert rows_in_step(dates, weeks[3], rows=np.array([4, 5])).tolist() == [5]


def test_monthly_steps() -> None:
    dates = _reports()["requested_datetime"]
    months = time_steps(dates, "month")
    assert [m.label for m in months] == ["June 2024", "July 2024"]
    assert months[1].end == pd.Timestamp("2024-08-01T04:00Z")
    assert rows_in_step(dates, months[0]).tolist() == [0, 1, 2, 3, 5]
    assert rows_in_step(dates, months[1]).tolist() == [4]
    assert time_steps(pd.Series([None, "junk"]), "month") == []


def test_statistics_of_open_ages_and_times_to_close() -> None:
    stats = incident_statistics(_reports(), FIELDS, NOW)
    assert (stats.count, stats.open_count, stats.closed_with_dates) == (6, 2, 4)
    # Open: requested 20 and 10.5 days before "now" (2024-06-10 08:00, 06-20 12:00).
    ages = [20 + 4 / 24, 10.0]
    assert stats.open_age_median == pytest.approx(np.median(ages))
    assert stats.open_age_p90 == pytest.approx(np.quantile(ages, 0.9))
    # Closed after 1, 2, 10 and 3 days.
    assert stats.close_time_median == pytest.approx(2.5)
    assert stats.close_time_mean == pytest.approx(4.0)
    assert stats.close_time_p90 == pytest.approx(7.9)  # numpy's linear quantile of 1,2,3,10


def test_statistics_per_category_and_for_chosen_rows() -> None:
    reports = _reports()
    by_category = statistics_by_category(reports, FIELDS, NOW)
    assert list(by_category) == ["Graffiti", "Pothole"]
    assert (by_category["Pothole"].count, by_category["Pothole"].open_count) == (3, 1)
    assert by_category["Pothole"].close_time_median == pytest.approx(1.5)
    assert by_category["Graffiti"].close_time_mean == pytest.approx(6.5)
    none_open = incident_statistics(reports, FIELDS, NOW, rows=np.array([0, 1]))
    assert none_open.open_age_median is None and none_open.open_count == 0


def test_closed_reports_use_their_last_update_when_there_is_no_close_date() -> None:
    reports = _reports().rename(columns={"closed_datetime": "updated_datetime"})
    fields = IncidentFields.of(reports)
    assert fields.closed is None and fields.close_date == "updated_datetime"
    stats = incident_statistics(reports, fields, NOW)
    assert stats.close_time_median == pytest.approx(2.5)


def _two_districts() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"district": ["West", "East"]},
        geometry=[box(X - 1000, Y - 500, X, Y + 500), box(X, Y - 500, X + 1000, Y + 500)],
        crs="EPSG:26984",
    )


def test_counts_per_polygon_reproject_and_count_the_outside() -> None:
    points = [(X - 500, Y), (X - 10, Y + 10), (X + 300, Y), (X, Y), (X + 5000, Y), (X, Y + 900)]
    reports = gpd.GeoDataFrame(
        {
            "status": ["open", "closed", "open", "closed", "open", "closed"],
            "requested_datetime": ["2024-06-01T10:00:00-04:00"] * 6,
        },
        geometry=[Point(p) for p in points],
        crs="EPSG:26984",
    ).to_crs("EPSG:4326")  # counted in the polygons' CRS
    rows = counts_per_polygon(reports, IncidentFields.of(reports), _two_districts(), "district")
    table = [(r.label, r.count, r.open_count, r.outside) for r in rows]
    # The point on the shared edge (X, Y) counts in West, the first polygon.
    assert table == [("West", 3, 1, False), ("East", 1, 1, False), (OUTSIDE, 2, 1, True)]
    assert sum(r.count for r in rows) == len(reports)
    some = counts_per_polygon(
        reports, IncidentFields.of(reports), _two_districts(), None, rows=np.array([2, 4])
    )
    assert [(r.label, r.count) for r in some] == [("Feature 0", 0), ("Feature 1", 1), (OUTSIDE, 1)]


def _near_reports(crs: str = "EPSG:26984") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "status": ["open"] * 7,
            "service_name": [
                "Pothole",
                "Pothole",
                "Pothole",
                "Graffiti",
                "Pothole",
                "Pothole",
                "Odor",
            ],
            "requested_datetime": [
                "2024-06-01T10:00:00-04:00",  # A
                "2024-06-03T10:00:00-04:00",  # B: 30 m, 2 days from A
                "2024-06-06T10:00:00-04:00",  # C: 30 m, 3 days from B (80 m from A)
                "2024-06-01T11:00:00-04:00",  # D: near A, another category
                "2024-06-20T10:00:00-04:00",  # E: 40 m from A but 19 days later
                "2024-06-01T12:00:00-04:00",  # F: 60 m from A
                "2024-06-01T10:00:00-04:00",  # G: far away
            ],
        },
        geometry=[
            Point(X, Y),
            Point(X + 30, Y),
            Point(X + 60, Y),
            Point(X + 5, Y),
            Point(X, Y + 40),
            Point(X, Y - 60),
            Point(X + 3000, Y),
        ],
        crs="EPSG:26984",
        index=pd.Index([101, 102, 103, 104, 105, 106, 107], name="fid"),
    )
    return frame.to_crs(crs)


def test_likely_duplicates_join_pairs_into_groups() -> None:
    reports = _near_reports()
    fields = IncidentFields.of(reports)
    [group] = likely_duplicates(reports, fields, "EPSG:26984")
    assert group.category == "Pothole"
    assert group.rows == (0, 1, 2) and group.fids == (101, 102, 103)
    assert group.pairs == ((0, 1), (1, 2))
    assert group.distance_m == pytest.approx(30.0) and group.days == pytest.approx(3.0)
    wider = likely_duplicates(reports, fields, "EPSG:26984", distance_m=65.0, days=30.0)
    assert [g.rows for g in wider] == [(0, 1, 2, 4, 5)]
    only_some = likely_duplicates(reports, fields, "EPSG:26984", rows=np.array([0, 2, 3]))
    assert only_some == []


def test_likely_duplicates_of_geographic_points_are_measured_in_utm() -> None:
    reports = _near_reports("EPSG:4326")
    groups = likely_duplicates(reports, IncidentFields.of(reports), crs=None)
    assert [g.fids for g in groups] == [(101, 102, 103)]
    assert groups[0].distance_m == pytest.approx(30.0, abs=0.1)
    in_feet = likely_duplicates(reports, IncidentFields.of(reports), crs="EPSG:2802")
    assert [g.fids for g in in_feet] == [(101, 102, 103)]  # Maine West in US feet


def test_demo_reports_per_police_boundary_add_up() -> None:
    from mapdesk.io.demo import open_demo_project

    project = open_demo_project()
    layers = {layer.name: layer for layer in project.layers}
    reports = layers["FixIt incidents"].data
    fields = IncidentFields.of(reports)
    assert is_incident_layer(reports)
    rows = counts_per_polygon(reports, fields, layers["Police boundaries"].data, "DsplayName")
    outside = rows[-1]
    assert outside.outside and outside.label == OUTSIDE
    assert sum(r.count for r in rows[:-1]) == 5000 - outside.count
    assert sum(r.open_count for r in rows) == int(
        incident_statistics(reports, fields, NOW).open_count
    )
    months = time_steps(reports[fields.requested], "month")
    assert sum(len(rows_in_step(reports[fields.requested], m)) for m in months) == 5000


def test_one_analysis_pass_filters_then_counts_steps_and_compares() -> None:
    reports = _near_reports()
    fields = IncidentFields.of(reports)
    overview = layer_overview(reports, fields)
    assert overview.categories == ["Graffiti", "Odor", "Pothole"]
    assert (overview.first_day, overview.last_day) == (
        pd.Timestamp("2024-06-01"),
        pd.Timestamp("2024-06-20"),
    )
    request = IncidentRequest(
        generation=7,
        frame=reports,
        fields=fields,
        filter=IncidentFilter(categories=frozenset({"Pothole"})),
        now=pd.Timestamp("2024-06-30T12:00Z"),
        polygons=_two_districts(),
        label_field="district",
    )
    answer = analyse_incidents(request)
    assert answer.generation == 7 and answer.rows.tolist() == [0, 1, 2, 4, 5]
    assert [g.fids for g in answer.duplicates] == [(101, 102, 103)]
    assert [(c.label, c.count) for c in answer.counts] == [("West", 3), ("East", 2), (OUTSIDE, 0)]
    assert [s.label for s in answer.steps] == [
        "Week of 27 May 2024",
        "Week of 03 Jun 2024",
        "Week of 10 Jun 2024",
        "Week of 17 Jun 2024",
    ]


def test_archived_reports_are_done_not_open() -> None:
    """SeeClickFix: Open -> Acknowledged -> Closed -> Archived (the city's whole export)."""
    reports = _reports()
    reports["status"] = ["Archived"] * 6
    found = incident_statistics(reports, FIELDS, pd.Timestamp(NOW))
    assert found.open_count == 0


def test_no_report_passing_the_filter_finds_no_duplicates_in_lon_lat() -> None:
    """An empty selection has no UTM zone to guess: no duplicates, no error."""
    reports = _reports().to_crs(4326)
    assert likely_duplicates(reports, FIELDS, "EPSG:4326", rows=np.array([], dtype=int)) == []


def test_web_mercator_metres_are_not_ground_metres_for_duplicates() -> None:
    """Two reports 40 m apart on the ground are within 50 m, whatever the map's CRS."""
    reports = _reports().iloc[:2].copy()
    reports["requested_datetime"] = ["2024-06-03T09:00:00-04:00", "2024-06-04T09:00:00-04:00"]
    reports["service_name"] = ["Pothole", "Pothole"]
    reports.geometry = [Point(X, Y), Point(X + 40, Y)]
    in_mercator = reports.to_crs(3857)
    groups = likely_duplicates(in_mercator, IncidentFields(updated=None), "EPSG:3857")
    assert len(groups) == 1 and groups[0].distance_m == pytest.approx(40, abs=0.5)


def test_reports_without_a_date_pass_a_date_range_unless_left_out() -> None:
    """GeoReport allows a request without requested_datetime: it must still be counted."""
    reports = _reports()
    reports.loc[12, "requested_datetime"] = None
    june = IncidentFilter(start="2024-06-01", end="2024-07-01")
    assert list(june.rows(reports, FIELDS)) == [0, 1, 2, 3, 5]  # 12 (no date) kept
    dated_only = IncidentFilter(start="2024-06-01", end="2024-07-01", undated=False)
    assert list(dated_only.rows(reports, FIELDS)) == [0, 1, 3, 5]
