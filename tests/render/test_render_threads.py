"""Rendering off the GUI thread: markers without unsafe QPixmaps, shared caches untouched."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import shapely
from PySide6.QtCore import QThread
from PySide6.QtGui import QImage, QPixmap
from shapely.geometry import LinearRing, LineString, MultiPoint, Point, Polygon

from mapdesk.render import draw, qtbuffers, render_map

RED, BLACK = "#ff0000", "#000000"


def in_thread(work: Callable[[], Any]) -> Any:
    """Run ``work`` in a plain Python thread (not the GUI thread) and return its result."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed back to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="test-render-worker")
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def overlapping_points(make_layer):
    """Markers that overlap, so the stacking order shows in the pixels."""
    rng = np.random.default_rng(11)
    xy = rng.uniform(5, 95, (3000, 2))
    return make_layer(
        [Point(x, y) for x, y in xy], fill_color=RED, stroke_color=BLACK, marker_size=9
    )


def same_pixels(a: QImage, b: QImage, pixels) -> bool:
    return bool((pixels.as_array(a) == pixels.as_array(b)).all())


def test_points_render_from_a_plain_python_thread(pixels, settings_for, make_layer):
    layer = make_layer([Point(20, 30), Point(70, 80)], fill_color=RED, marker_size=9)
    settings = settings_for(layer)
    image = in_thread(lambda: render_map(settings))
    assert pixels.rgb(image, 20, 70) == pixels.hex_rgb(RED)
    assert pixels.rgb(image, 70, 20) == pixels.hex_rgb(RED)
    assert pixels.rgb(image, 50, 50) == (255, 255, 255)
    assert same_pixels(image, render_map(settings), pixels)


def test_worker_stamps_from_qimages_where_qt_forbids_threaded_pixmaps(
    pixels, settings_for, make_layer, monkeypatch
):
    settings = settings_for(overlapping_points(make_layer))
    on_gui_thread = render_map(settings)  # drawPixmapFragments
    made_in: list[bool] = []

    class SpyPixmap(QPixmap):
        @staticmethod
        def fromImage(image: QImage, *args: Any) -> QPixmap:
            made_in.append(QThread.isMainThread())
            return QPixmap.fromImage(image, *args)

    monkeypatch.setattr(draw, "QPixmap", SpyPixmap)
    monkeypatch.setattr(qtbuffers, "_threaded_pixmaps", lambda: False)
    off_thread = in_thread(lambda: render_map(settings))
    assert made_in == []  # no QPixmap in the worker
    assert same_pixels(off_thread, on_gui_thread, pixels)  # same markers, same order
    render_map(settings)
    assert made_in == [True]  # the GUI thread still uses the fast path


def test_pixmaps_usable_follows_the_thread_and_the_platform(monkeypatch):
    assert qtbuffers.pixmaps_usable()  # the GUI thread
    assert in_thread(qtbuffers.pixmaps_usable) is in_thread(qtbuffers._threaded_pixmaps)
    monkeypatch.setattr(qtbuffers, "_threaded_pixmaps", lambda: False)
    assert qtbuffers.pixmaps_usable()
    assert not in_thread(qtbuffers.pixmaps_usable)


@pytest.mark.parametrize(
    "view_kwargs", [{}, {"center_x": 20.0, "resolution": 0.5}], ids=["whole", "part"]
)
def test_render_never_writes_to_the_layers_cached_projection(
    settings_for, make_layer, view, view_kwargs
):
    # Clockwise exterior (gets reversed for drawing), a LinearRing (redrawn as
    # a LineString), a multipoint and dense vertices (thinned per pixel).
    clockwise = Polygon([(10, 10), (10, 60), (60, 60), (60, 10)])
    circle = Point(70, 70).buffer(20, quad_segs=500)
    layer = make_layer(
        [
            clockwise,
            circle,
            LinearRing([(5, 5), (30, 5), (30, 30)]),
            LineString([(0, 0), (99, 99)]),
            MultiPoint([(3, 3), (90, 20)]),
        ],
        stroke_width=2,
    )
    # The whole layer in view shares the cached array as is; part of it, a subset.
    settings = settings_for(layer, view=dataclasses.replace(view, **view_kwargs))
    projected = layer.projected(settings.crs)
    before = shapely.to_wkb(projected.geometries)
    projected.geometries.flags.writeable = False  # an in-place write now raises
    image = in_thread(lambda: render_map(settings))
    assert image is not None
    assert layer.projected(settings.crs) is projected
    assert list(shapely.to_wkb(projected.geometries)) == list(before)
