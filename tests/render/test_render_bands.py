"""Banded rendering: several threads drawing one image give the one-painter picture."""

from __future__ import annotations

import sys
import threading
import time
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QPainter
from shapely.geometry import LineString, Point, Polygon

from mapdesk.render import bands, nogil, render_map
from mapdesk.render.draw import Band

RED, BLACK, BLUE, GREEN = "#ff0000", "#000000", "#1f78b4", "#b2df8a"


@pytest.fixture(autouse=True)
def _gil_free_calls(qapp: Any) -> None:
    """Linux wheels of PySide always have them: there, their absence is a failure."""
    if sys.platform.startswith("linux"):
        assert nogil.available(), "the GIL-free QPainter calls failed their probe"
    elif not nogil.available():
        pytest.skip("no GIL-free QPainter calls on this platform")


def scene(make_layer: Any) -> list[Any]:
    """Parcels, streets (opaque: segments; translucent: paths) and dense markers
    that all cross the band seams of a 100 px high image cut in three or four."""
    rng = np.random.default_rng(5)
    corners = rng.uniform(0, 92, (60, 2))
    parcels = make_layer(
        [Polygon([(x, y), (x + 8, y), (x + 8, y + 6), (x, y + 7)]) for x, y in corners],
        fill_color=GREEN,
        stroke_color=BLACK,
        stroke_width=1.0,
        fill_opacity=1.0,
    )
    walks = [LineString(rng.uniform(-10, 110, (6, 2))) for _ in range(25)]
    streets = make_layer(walks, fill_color=BLUE, stroke_color=BLUE, stroke_width=1.0)
    translucent = make_layer(walks[:10], stroke_color="#ff000080", stroke_width=2.0)
    points = make_layer(
        [Point(x, y) for x, y in rng.normal(50, 12, (2000, 2))],
        fill_color=RED,
        stroke_color=BLACK,
        marker_size=7,
    )
    return [parcels, streets, translucent, points]


def band_differences(pixels: Any, whole: Any, banded: Any) -> tuple[int, int]:
    """(largest channel difference, pixels that differ by more than 2 levels)."""
    difference = np.abs(pixels.as_array(whole).astype(int) - pixels.as_array(banded))
    return int(difference.max()), int((difference.max(axis=2) > 2).sum())


@pytest.mark.parametrize("count", [2, 3, 4])
def test_bands_draw_the_single_painter_image(monkeypatch, pixels, settings_for, make_layer, count):
    """The same picture. Qt's line stroker clips a line at its image's edge
    and steps from the clipped end, so a line crossing a seam may land a few
    levels lighter or darker (never more than 8 of 255) along its length."""
    settings = settings_for(*scene(make_layer))
    monkeypatch.setattr("mapdesk.render.job.band_count", lambda height: 1)
    whole = render_map(settings)
    monkeypatch.setattr("mapdesk.render.job.band_count", lambda height: count)
    banded = render_map(settings)
    assert whole is not None and banded is not None
    largest, differing = band_differences(pixels, whole, banded)
    assert largest <= 8, f"a pixel differs by {largest} levels"
    assert differing <= 0.02 * 100 * 100


def test_markers_stack_in_the_same_order_across_band_seams(
    monkeypatch, pixels, settings_for, make_layer
):
    points = scene(make_layer)[-1]  # 2,000 overlapping markers
    settings = settings_for(points)
    monkeypatch.setattr("mapdesk.render.job.band_count", lambda height: 1)
    whole = render_map(settings)
    monkeypatch.setattr("mapdesk.render.job.band_count", lambda height: 4)
    banded = render_map(settings)
    assert band_differences(pixels, whole, banded) == (0, 0)


def test_bands_draw_at_hidpi(monkeypatch, pixels, settings_for, make_layer):
    settings = settings_for(*scene(make_layer), device_pixel_ratio=2.0)
    monkeypatch.setattr("mapdesk.render.job.band_count", lambda height: 1)
    whole = render_map(settings)
    monkeypatch.setattr("mapdesk.render.job.band_count", lambda height: 3)
    banded = render_map(settings)
    assert whole is not None and banded is not None
    assert banded.devicePixelRatio() == 2.0 and banded.width() == 200
    largest, differing = band_differences(pixels, whole, banded)
    assert largest <= 8 and differing <= 0.02 * 200 * 200


def test_band_count_follows_cores_and_height(monkeypatch):
    monkeypatch.setattr(bands, "usable_cores", lambda: 2)
    assert bands.band_count(1080) == 2
    assert bands.band_count(bands.MIN_BAND_ROWS * 2 - 1) == 1  # too short to split
    monkeypatch.setattr(bands, "usable_cores", lambda: 16)
    assert bands.band_count(4000) == bands.MAX_BANDS
    monkeypatch.setattr(nogil, "available", lambda: False)
    assert bands.band_count(4000) == 1  # GIL-bound calls would only take turns


def test_split_rows_covers_the_image_once():
    assert bands.split_rows(1080, 2) == [Band(0, 540), Band(540, 1080)]
    rows = bands.split_rows(101, 3)
    assert rows[0].top == 0 and rows[-1].bottom == 101
    assert all(a.bottom == b.top for a, b in pairwise(rows))
    assert bands.split_rows(2, 5) == [Band(0, 1), Band(1, 2)]  # never an empty band


def test_bands_split_each_layer_where_its_work_is(settings_for, make_layer):
    """Incidents crowded into the bottom of the view: both bands get half of them."""
    from mapdesk.render.draw import prepare_layer

    rng = np.random.default_rng(6)
    crowded = make_layer(
        [Point(x, y) for x, y in rng.uniform((0, 2), (100, 22), (3000, 2))], marker_size=7
    )
    settings = settings_for(crowded)
    prepared = prepare_layer(settings.layers[0], settings)
    rows = bands.balanced_rows(prepared, 100, 2)
    assert rows[0].top == 0 and rows[-1].bottom == 100 and rows[0].bottom == rows[1].top
    assert 78 <= rows[0].bottom <= 98  # not at 50, where nothing is drawn below
    marker_rows = prepared.screen.markers[:, 1]
    above = int((marker_rows < rows[0].bottom).sum())
    assert abs(above - len(marker_rows) / 2) < len(marker_rows) * 0.1
    far_away = settings_for(make_layer([Point(5000, 5000)]))
    nothing = prepare_layer(far_away.layers[0], far_away)
    assert bands.balanced_rows(nothing, 100, 2) == bands.split_rows(100, 2)
    one_row = bands.balanced_rows(prepared, 3, 3)
    assert one_row == [Band(0, 1), Band(1, 2), Band(2, 3)]  # never an empty band


def test_an_error_in_any_band_reaches_the_caller(monkeypatch, settings_for, make_layer):
    from mapdesk.render import draw

    settings = settings_for(*scene(make_layer))
    real = draw.draw_prepared

    def fails_low(painter, prepared, settings, band, is_cancelled):
        if band.top > 0:
            raise draw.RenderError("band failed")
        return real(painter, prepared, settings, band, is_cancelled)

    monkeypatch.setattr(bands, "draw_prepared", fails_low)
    monkeypatch.setattr("mapdesk.render.job.band_count", lambda height: 2)
    with pytest.raises(draw.RenderError, match="band failed"):
        render_map(settings)


def test_gil_free_drawing_lets_python_threads_run(qapp):
    """While Qt draws through nogil, another Python thread keeps running
    (PySide's own call would hold the GIL for the whole call)."""
    from PySide6.QtGui import QColor, QImage, QPen

    rng = np.random.default_rng(1)
    lines = np.ascontiguousarray(rng.uniform(0, 1000, (20_000, 4)))
    image = QImage(1000, 1000, QImage.Format.Format_ARGB32_Premultiplied)
    ticks = [0]
    drawing = threading.Event()

    def count() -> None:
        drawing.wait()
        while drawing.is_set():
            ticks[0] += 1
            time.sleep(0)  # let the other thread in when it wants the GIL

    counter = threading.Thread(target=count)
    counter.start()
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(BLUE), 1.0))
    drawing.set()
    time.sleep(0.01)
    before = ticks[0]
    nogil.draw_lines(painter, lines)
    during = ticks[0] - before
    drawing.clear()
    painter.end()
    counter.join()
    assert during > 100, f"the other thread ran only {during} times during the draw"


def test_probe_rejects_calls_that_draw_something_else(qapp):
    calls = nogil._calls_or_none()
    assert calls is not None

    class Wrong:
        draw_lines = staticmethod(lambda *args: None)  # draws nothing
        draw_path = calls.draw_path
        draw_fragments = calls.draw_fragments

    assert nogil._draws_like_pyside(calls)
    assert not nogil._draws_like_pyside(Wrong())  # type: ignore[arg-type]
