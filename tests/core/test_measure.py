"""Measured distances and areas, planar and on the ellipsoid."""

from __future__ import annotations

import math

import pytest

from mapdesk.core.crs import parse_crs
from mapdesk.core.errors import MapdeskError
from mapdesk.core.measure import format_area, format_length, measure

MAINE_WEST = parse_crs("EPSG:26984")  # metres
LONG_ISLAND_FT = parse_crs("EPSG:2263")  # US survey feet


def test_planar_lengths_and_area_in_the_map_grid():
    square = [
        (892_000.0, 91_000.0),
        (892_100.0, 91_000.0),
        (892_100.0, 91_100.0),
        (892_000.0, 91_100.0),
    ]
    path = measure(square[:3], MAINE_WEST, ellipsoidal=False, area=False)
    assert path.segments == (100.0, 100.0) and path.total == 200.0 and path.area is None
    shape = measure(square, MAINE_WEST, ellipsoidal=False, area=True)
    assert shape.total == 400.0 and shape.area == pytest.approx(10_000.0)


def test_a_grid_in_feet_is_converted_to_metres():
    figures = measure([(0.0, 0.0), (1000.0, 0.0)], LONG_ISLAND_FT, ellipsoidal=False, area=False)
    assert figures.total == pytest.approx(304.8006, rel=1e-6)
    assert format_length(figures.total, "ft") == "1,000.0 ft"


def test_ellipsoidal_agrees_with_the_grid_near_portland():
    square = [
        (892_000.0, 91_000.0),
        (893_000.0, 91_000.0),
        (893_000.0, 92_000.0),
        (892_000.0, 92_000.0),
    ]
    planar = measure(square, MAINE_WEST, ellipsoidal=False, area=True)
    ground = measure(square, MAINE_WEST, ellipsoidal=True, area=True)
    # Maine West's scale factor is within 1:10,000 of 1 in Portland.
    assert ground.total == pytest.approx(planar.total, rel=2e-4)
    assert ground.area == pytest.approx(planar.area, rel=4e-4)


def test_degrees_need_the_ellipsoid_and_no_crs_needs_the_plane():
    wgs84 = parse_crs("EPSG:4326")
    with pytest.raises(MapdeskError, match="in degrees"):
        measure([(-70.26, 43.65), (-70.25, 43.65)], wgs84, ellipsoidal=False, area=False)
    one_hundredth = measure([(-70.26, 43.65), (-70.25, 43.65)], wgs84, True, False).total
    assert one_hundredth == pytest.approx(0.01 * 111_320 * math.cos(math.radians(43.65)), rel=3e-3)
    with pytest.raises(MapdeskError, match="no CRS"):
        measure([(0.0, 0.0), (1.0, 1.0)], None, ellipsoidal=True, area=False)
    assert measure([(0.0, 0.0), (3.0, 4.0)], None, ellipsoidal=False, area=False).total == 5.0


def test_formats():
    assert format_length(1609.344, "mi") == "1.000 mi"
    assert format_area(40_468.564224, "ac") == "10.000 ac"
    assert format_area(12.345, "m²") == "12.3 m²"
    assert measure([(0.0, 0.0)], None, False, True).area == 0.0
