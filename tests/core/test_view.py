from __future__ import annotations

import pytest

from mapdesk.core.errors import MapdeskError
from mapdesk.core.view import ViewState, scale_denominator


def test_map_and_screen_round_trip() -> None:
    view = ViewState(center_x=1000.0, center_y=2000.0, resolution=2.0, width=400, height=300)
    px, py = view.to_screen([1000.0, 1200.0], [2000.0, 2100.0])
    assert (px[0], py[0]) == (200.0, 150.0)
    assert (px[1], py[1]) == (300.0, 100.0)  # y grows downward on screen
    assert view.to_map(300.0, 100.0) == (1200.0, 2100.0)


def test_zoom_keeps_anchor_point_fixed() -> None:
    view = ViewState(center_x=0.0, center_y=0.0, resolution=10.0, width=800, height=600)
    anchor = (650.0, 120.0)
    before = view.to_map(*anchor)
    zoomed = view.zoomed(2.0, anchor)
    assert zoomed.resolution == 5.0
    assert zoomed.to_map(*anchor) == pytest.approx(before)


def test_pan_moves_map_with_the_mouse() -> None:
    view = ViewState(resolution=3.0)
    panned = view.panned(10, -20)  # drag right and up
    assert panned.center_x == pytest.approx(-30.0)
    assert panned.center_y == pytest.approx(-60.0)


def test_fitted_shows_whole_extent() -> None:
    view = ViewState(width=1000, height=500).fitted((0, 0, 2000, 500), margin=0)
    xmin, ymin, xmax, ymax = view.extent
    assert xmin <= 0 and xmax >= 2000 and ymin <= 0 and ymax >= 500
    assert view.resolution == pytest.approx(2.0)


def test_invalid_views_are_refused() -> None:
    with pytest.raises(MapdeskError):
        ViewState(width=0)
    with pytest.raises(MapdeskError):
        ViewState().zoomed(0)
    with pytest.raises(MapdeskError):
        ViewState().fitted((0, 0, float("nan"), 1))


def test_scale_denominator_at_96_dpi() -> None:
    # One metre per pixel at 96 dpi is 1:3779.5
    assert scale_denominator(1.0, 1.0) == pytest.approx(3779.527, rel=1e-4)
