"""The expression language: what analysts type in filters and the field calculator."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from mapdesk.core.errors import ExpressionError, MapdeskError
from mapdesk.core.expression import evaluate, matches, parse
from mapdesk.core.layer import VectorLayer


@pytest.fixture
def fixit() -> gpd.GeoDataFrame:
    """Four FixIt reports in UTM 19N, with the gaps real exports have."""
    return gpd.GeoDataFrame(
        {
            "status": ["Open", "closed", None, "Acknowledged"],
            "priority": [3, 1, 2, None],
            "reported_at": pd.to_datetime(["2026-01-05", "2025-12-01", None, "2026-11-01"]),
            "street": ["Main St", "O'Brien Way", "x", ""],
        },
        geometry=[Point(1, 2), box(0, 0, 2, 3), None, LineString([(0, 0), (3, 4)])],
        crs=26919,
    )


def values(text: str, frame: pd.DataFrame) -> list[Any]:
    return [None if pd.isna(v) else v for v in evaluate(text, frame).tolist()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status = 'Open'", [True, False, None, False]),
        ("\"status\" <> 'Open'", [False, True, None, True]),
        ("status != 'Open'", [False, True, None, True]),
        ("priority >= 2 AND status IS NOT NULL", [True, False, False, None]),
        ("priority > 2 OR status = 'closed'", [True, True, None, None]),
        ("NOT (priority > 1)", [False, True, False, None]),
        ("status IN ('Open', 'closed')", [True, True, None, False]),
        ("status NOT IN ('Open')", [False, True, None, True]),
        ("status ILIKE 'o%'", [True, False, None, False]),
        ("status LIKE 'o%'", [False, False, None, False]),
        ("status LIKE '_losed'", [False, True, None, False]),
        ("status NOT LIKE '%e%'", [False, False, None, False]),
        ("priority BETWEEN 1 AND 2", [False, True, True, None]),
        ("priority NOT BETWEEN 1 AND 2", [True, False, False, None]),
        ("priority IS NULL", [False, False, False, True]),
        ("priority + 1", [4, 2, 3, None]),
        ("priority * 2 - 1", [5, 1, 3, None]),
        ("priority / 0", [None, None, None, None]),
        ("7 % 3 + 2 ^ 3", [9, 9, 9, 9]),
        ("upper(status) || '-' || priority", ["OPEN-3", "CLOSED-1", None, None]),
        ("lower(street)", ["main st", "o'brien way", "x", ""]),
        ("trim('  Forest Ave ')", ["Forest Ave"] * 4),
        ("length(street)", [7, 11, 1, 0]),
        ("substr(street, 1, 4)", ["Main", "O'Br", "x", ""]),
        ("substr(street, -3)", [" St", "Way", "x", ""]),
        ("coalesce(status, 'none')", ["Open", "closed", "none", "Acknowledged"]),
        ("round(priority / 3, 2)", [1.0, 0.33, 0.67, None]),
        ("abs(-priority)", [3, 1, 2, None]),
        ("abs(NULL)", [None, None, None, None]),
        ("year(reported_at)", [2026, 2025, None, 2026]),
        ('month("reported_at")', [1, 12, None, 11]),
        ("day(reported_at)", [5, 1, None, 1]),
        ("reported_at >= '2026-01-01'", [True, False, None, True]),
        ("age_days(reported_at) > 0", [True, True, None, True]),
        ("$area", [0.0, 6.0, None, 0.0]),
        ("$length", [0.0, 10.0, None, 5.0]),
        ("$x", [1.0, None, None, None]),
        ("$y", [2.0, None, None, None]),
        (
            "CASE WHEN priority > 2 THEN 'high' WHEN priority > 1 THEN 'mid' ELSE 'low' END",
            ["high", "low", "mid", "low"],
        ),
        ("CASE WHEN status = 'Open' THEN 1 END", [1, None, None, None]),
        ("NULL", [None] * 4),
        ("status = NULL", [None] * 4),
        ("TRUE OR NULL", [True] * 4),
        ("FALSE AND NULL", [False] * 4),
        ("'O''Brien Way' = street", [False, True, False, False]),
        ("priority NOT BETWEEN 5 AND NULL", [True, True, True, None]),
        ("1.5e1 = 15", [True] * 4),
    ],
)
def test_expressions_give_what_qgis_gives(fixit, text, expected):
    got = values(text, fixit)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        if isinstance(theirs, float) and mine is not None:
            assert math.isclose(mine, theirs, abs_tol=1e-9), text
        else:
            assert mine == theirs, f"{text}: {got} != {expected}"


def test_x_and_y_of_a_report_with_no_location_are_null():
    # A GeoPackage keeps it as POINT EMPTY, whose x recent GEOS refuses.
    frame = gpd.GeoDataFrame(geometry=[Point(), Point(1, 2)], crs=26919)
    assert values("$x", frame) == [None, 1.0] and values("$y", frame) == [None, 2.0]


def test_integer_overflow_is_null_not_a_wrapped_number():
    ids = pd.DataFrame({"objectid": [2, 3]})
    assert values("objectid * 9223372036854775807", ids) == [None, None]
    assert values("objectid + 1", ids) == [3, 4]


def test_result_keeps_the_frame_index_and_nullable_dtypes(fixit):
    frame = fixit.set_index(pd.Index([11, 12, 13, 14], name="fid"))
    result = evaluate("priority > 1", frame)
    assert list(result.index) == [11, 12, 13, 14]
    assert str(result.dtype) == "boolean"
    assert str(evaluate("upper(status)", frame).dtype) == "string"
    assert str(evaluate("priority * 2", frame).dtype) == "Float64"


def test_matches_treats_null_as_not_matching(fixit):
    assert matches("priority >= 2", fixit).tolist() == [True, False, True, False]


@pytest.mark.parametrize(
    ("text", "problem", "position"),
    [
        ("status = ", "Expected a value", 9),
        ("status = 'Open", "Unclosed text", 9),
        ('"status = 1', "Unclosed field name", 0),
        ("priority > 'high'", "Cannot compare number with text", 9),
        ("stauts = 'Open'", 'Unknown field "stauts"; did you mean "status"?', 0),
        ("STATUS = 'Open'", 'did you mean "status"?', 0),
        ("uper(status)", "Unknown function uper(); did you mean upper()?", 0),
        ("upper(priority)", "upper() needs text as argument 1, not number", 6),
        ("substr(street)", "substr() takes 2 to 3 arguments, not 1", 0),
        ("$volume > 1", "Unknown geometry value $volume", 0),
        ("priority > 1 status", "Expected an operator or the end", 13),
        ("(priority > 1", "Expected ')'", 13),
        ("priority IN 1, 2", "Expected '(' after IN", 12),
        ("CASE priority END", "Expected WHEN after CASE", 5),
        ("status NOT = 'x'", "Expected IN, LIKE, ILIKE or BETWEEN after NOT", 7),
        ("reported_at > 'last tuesday'", "'last tuesday' is not a date", 12),
        ("status AND priority > 1", "AND needs a boolean value, not text", 7),
        ("'a' - 1", "'-' needs numbers, not text", 4),
        ("priority ? 1", "Unexpected character '?'", 9),
    ],
)
def test_errors_say_what_is_wrong_and_where(fixit, text, problem, position):
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, fixit)
    error = caught.value
    assert problem in str(error)
    assert error.position == position
    assert isinstance(error, MapdeskError)
    # The message shows the expression with a caret under the culprit.
    lines = str(error).splitlines()
    assert lines[1].strip() == text.strip() and lines[2].index("^") == position + 2


def test_a_filter_must_be_a_condition(fixit):
    with pytest.raises(ExpressionError, match="must be a condition"):
        matches("priority + 1", fixit)


def test_empty_and_oversized_expressions_are_refused(fixit):
    with pytest.raises(ExpressionError, match="empty"):
        evaluate("   ", fixit)
    with pytest.raises(ExpressionError, match="longer than"):
        evaluate("1 + " * 5000 + "1", fixit)
    with pytest.raises(ExpressionError, match="nests more than"):
        evaluate("(" * 150 + "1" + ")" * 150, fixit)


def test_lon_lat_layers_measure_in_metres_wherever_the_features_are():
    # A 0.01 degree square near Portland: ~1.11 km by ~0.81 km; a Seattle
    # point in the same layer must not change it.
    frame = gpd.GeoDataFrame(
        geometry=[box(-70.26, 43.65, -70.25, 43.66), Point(-122.33, 47.61)], crs=4326
    )
    area, point = evaluate("$area", frame).tolist()
    assert 0.89e6 < area < 0.91e6 and point == 0
    (length,) = evaluate("$length", frame.iloc[:1]).tolist()
    assert 3.8e3 < length < 3.9e3  # the square's perimeter


def test_geometry_values_need_a_geometry(fixit):
    with pytest.raises(ExpressionError, match=r"\$area needs a layer with geometry"):
        evaluate("$area > 1", pd.DataFrame({"a": [1]}))


def test_dates_with_and_without_zones_compare_in_the_fields_terms():
    naive = pd.DataFrame({"d": pd.to_datetime(["2020-01-01", "2099-01-01"])})
    aware = pd.DataFrame({"d": pd.to_datetime(["2020-01-01T00:00Z", "2099-01-01T00:00Z"])})
    assert values("d < now()", naive) == [True, False]
    assert values("d < now()", aware) == [True, False]
    assert values("now() > '2020-01-01'", naive) == [True, True]
    assert values("d > '2050-01-01T00:00+01:00'", naive) == [False, True]
    # Open311 text with summer/winter offsets: the local date as written.
    written = pd.DataFrame({"s": ["2020-01-01T00:30:00+01:00", "2020-07-01T00:30:00+02:00"]})
    assert values("year(s)", written) == [2020, 2020]
    assert values("day(s)", written) == [1, 1]


def test_date_functions_handle_time_zones():
    frame = pd.DataFrame({"t": pd.to_datetime(["2026-03-01T12:00:00Z", None], utc=True)})
    assert values("year(t)", frame) == [2026, None]
    assert values("t > '2026-01-01'", frame) == [True, None]
    assert values("age_days(t) > 1", frame) == [True, None]


def test_dates_stored_as_text_are_read_as_dates():
    # Open311 exports: ISO 8601 text, offsets changing with summer time.
    frame = pd.DataFrame(
        {"requested": ["2024-11-01T14:14:31-04:00", "2024-12-02T09:06:03-05:00", "soon", None]}
    )
    assert values("year(requested)", frame) == [2024, 2024, None, None]
    assert values("month(requested)", frame) == [11, 12, None, None]
    assert values("age_days(requested) > 300", frame) == [True, True, None, None]
    assert values("day(to_datetime('2026-03-04'))", frame) == [4, 4, 4, 4]


def test_select_by_expression_selects_fids_and_combines(fixit):
    frame = fixit.set_index(pd.Index([101, 102, 103, 104], name="fid"))
    layer = VectorLayer(frame, "FixIt")
    changes: list[Any] = []
    layer.selection.changed.connect(changes.append)
    assert layer.select_by_expression("status = 'Open'") == 1
    assert layer.selected_fids == frozenset({101})
    assert layer.select_by_expression("priority < 3", mode="add") == 3
    assert layer.selected_fids == frozenset({101, 102, 103})
    assert layer.select_by_expression("status IS NULL", mode="remove") == 2
    assert layer.select_by_expression("priority >= 2", mode="intersect") == 1
    assert layer.selected_fids == frozenset({101})
    assert len(changes) == 4
    with pytest.raises(ExpressionError):
        layer.select_by_expression("status = ")
    assert layer.selected_fids == frozenset({101})  # a bad expression changes nothing
    with pytest.raises(MapdeskError, match="Unknown selection mode"):
        layer.select_by_expression("TRUE", mode="everything")


def test_selection_forgets_features_that_are_gone(fixit):
    layer = VectorLayer(fixit, "FixIt")
    layer.select_by_expression("priority >= 1")
    layer.replace_data(fixit.iloc[:1])
    assert layer.selected_fids == frozenset({0})


def test_a_million_rows_filter_in_one_pass():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "category": rng.choice(["pothole", "graffiti", "streetlight"], 1_000_000),
            "priority": rng.integers(1, 5, 1_000_000),
        }
    )
    selected = matches("category = 'pothole' AND priority BETWEEN 2 AND 3", frame)
    expected = (frame["category"] == "pothole") & frame["priority"].between(2, 3)
    assert (selected == expected.to_numpy()).all()


def test_parse_gives_a_plain_tree():
    tree = parse("\"status\" = 'Open' AND priority > 2")
    assert type(tree).__name__ == "Binary" and tree.op == "AND"
