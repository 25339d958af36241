"""Status bar: cursor in map units and lat/lon, scale, CRS button; units and scale bar."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import QPoint

from mapdesk.core.crs import parse_crs
from mapdesk.core.view import ViewState
from mapdesk.ui.canvas.scale_bar import nice_length, scale_bar_spec
from mapdesk.ui.canvas.units import (
    format_lonlat,
    format_map_xy,
    format_scale,
    map_scale,
    map_units,
    metres_per_pixel,
)


def _lat_lon(text: str) -> tuple[float, float]:
    match = re.fullmatch(r"([\d.]+)° ([NS]), ([\d.]+)° ([EW])", text)
    assert match, text
    lat = float(match[1]) * (1 if match[2] == "N" else -1)
    lon = float(match[3]) * (1 if match[4] == "E" else -1)
    return lat, lon


def test_cursor_over_portland_shows_lat_lon(qtbot: Any, window: Any, portland_xy: Any) -> None:
    canvas = window.canvas
    px, py = canvas.view.to_screen(*portland_xy)
    qtbot.mouseMove(canvas, QPoint(round(float(px)), round(float(py))))
    lat, lon = _lat_lon(window.status.lonlat.text())
    assert lat == pytest.approx(43.657, abs=0.05)
    assert lon == pytest.approx(-70.258, abs=0.05)
    coords = window.status.coordinates.text()
    match = re.fullmatch(r"(\d+\.\d), (\d+\.\d)", coords)  # 892630.4, 91540.2
    assert match, coords
    assert float(match[1]) == pytest.approx(portland_xy[0], abs=5)
    assert float(match[2]) == pytest.approx(portland_xy[1], abs=5)
    assert "(m)" in window.status.coordinates.toolTip()


@pytest.mark.parametrize(
    ("crs", "x", "y", "resolution", "expected"),
    [
        (26984, 891859.2345, 89343.08, 1.3, "891859.2, 89343.1"),  # metres: 1 decimal
        (26856, 2926049.71, 293120.44, 4.2, "2926049.7, 293120.4"),  # US feet: 1 decimal
        (26984, 891859.2341, 89343.08, 0.004, "891859.234, 89343.080"),  # zoomed right in
        (4326, -70.2580123, 43.6573456, 1e-4, "-70.25801°, 43.65735°"),  # degrees: 5
        (4326, -70.2580123, 43.6573456, 2e-6, "-70.258012°, 43.657346°"),  # ...or 6
        (None, 1234567.25, 7654.5, 10.0, "1234567.2, 7654.5"),  # unknown CRS
    ],
)
def test_coordinates_have_no_thousands_separators(
    crs: Any, x: float, y: float, resolution: float, expected: str
) -> None:
    parsed = parse_crs(crs) if crs is not None else None
    assert format_map_xy(x, y, parsed, resolution) == expected


def test_scale_keeps_its_thousands_separators() -> None:
    assert format_scale(24000.4) == "1:24,000"


def test_scale_label_and_crs_button(window: Any, dialogs: Any) -> None:
    assert window.status.scale.text().startswith("1:")
    assert window.status.crs_button.text() == "EPSG:26984"
    window.status.crs_button.click()
    assert dialogs.names() == ["CrsDialog"]


def test_scale_changes_with_zoom(window: Any) -> None:
    before = window.status.scale.text()
    window.canvas.zoom_by(2)
    after = window.status.scale.text()
    n_before = int(before[2:].replace(",", ""))
    n_after = int(after[2:].replace(",", ""))
    assert n_after == pytest.approx(n_before / 2, rel=0.01)


def test_units_of_common_crs() -> None:
    assert map_units(parse_crs(26984)).abbreviation == "m"
    feet = map_units(parse_crs(26856))  # NAD83(HARN) / Maine West (ftUS)
    assert feet.imperial and feet.metres == pytest.approx(0.3048006, rel=1e-6)
    assert map_units(parse_crs(4326)).angular
    assert map_units(None).metres is None


def test_scale_in_degrees_uses_ground_distance() -> None:
    view = ViewState(center_x=-70.26, center_y=43.66, resolution=1e-4, width=800, height=600)
    per_pixel = metres_per_pixel(view, parse_crs(4326))
    assert per_pixel == pytest.approx(1e-4 * 111_320 * 0.7237, rel=0.01)  # cos(43.66°)
    metric = ViewState(resolution=1.0)
    assert map_scale(metric, parse_crs(26984)) == pytest.approx(1 / (0.0254 / 96), rel=1e-6)


@pytest.mark.parametrize(
    ("limit", "expected"), [(120, 100), (1.9, 1), (260, 200), (0.07, 0.05), (5000, 5000)]
)
def test_nice_lengths(limit: float, expected: float) -> None:
    assert nice_length(limit) == pytest.approx(expected)


def test_scale_bar_in_km_and_miles() -> None:
    metric = scale_bar_spec(20.0, max_pixels=120)  # 2.4 km fits: 2 km bar
    assert metric is not None and metric.label == "2 km" and metric.pixels == pytest.approx(100)
    imperial = scale_bar_spec(20.0, max_pixels=120, imperial=True)
    assert imperial is not None and imperial.label == "1 mi"
    short = scale_bar_spec(0.5, max_pixels=120, imperial=True)
    assert short is not None and short.label.endswith(" ft")


def test_lat_lon_format() -> None:
    assert format_lonlat((-70.258, 43.657)) == "43.65700° N, 70.25800° W"
    assert format_lonlat(None) == "lat/lon unknown"
