"""RenderJob and MapRenderer: worker threads, queued results, cancellation."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QThread
from PySide6.QtGui import QImage
from shapely.geometry import Point, box

from mapdesk.render import CancelToken, MapRenderer, RenderJob, draw, render_map

RED = "#ff0000"


def _big_layer(make_layer, count: int = 20_000):
    """Enough polygons that a render takes a while (several chunks)."""
    rng = np.random.default_rng(3)
    corners = rng.uniform(0, 95, (count, 2))
    return make_layer([box(x, y, x + 4, y + 4) for x, y in corners], stroke_width=2)


def _boxes(make_layer, count: int = 5000):
    """``count`` small squares: twenty chunks of polygons (FEATURES_PER_SMALL_CHUNK = 250)."""
    return make_layer([box(i % 90, i // 90, i % 90 + 2, i // 90 + 2) for i in range(count)])


class _CancelAfter(CancelToken):
    """A token that turns cancelled after a number of checks (mid-render)."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.checks = checks

    @property
    def cancelled(self) -> bool:
        self.checks -= 1
        return self.checks < 0


@pytest.fixture
def drawn_chunks(monkeypatch) -> list[int]:
    """Rings in each chunk of polygons drawn (one path is built per chunk)."""
    counts: list[int] = []
    build_path = draw.path_from_xy

    def counting(xy, move_to, *args):
        counts.append(int(move_to.sum()))
        return build_path(xy, move_to, *args)

    monkeypatch.setattr(draw, "path_from_xy", counting)
    return counts


def test_render_stops_between_polygon_chunks(settings_for, make_layer, drawn_chunks):
    token = _CancelAfter(checks=3)  # the check before the layer, then two chunks
    assert render_map(settings_for(_boxes(make_layer)), token) is None
    assert drawn_chunks == [250, 250]  # two of twenty


def test_render_stops_between_marker_chunks(settings_for, make_layer, monkeypatch):
    monkeypatch.setattr(draw, "MARKERS_PER_CHUNK", 1000)
    stamped: list[int] = []
    make_stamp = draw._marker_stamp

    def counting_stamp(image):
        stamp = make_stamp(image)
        return lambda painter, pixels: (stamped.append(len(pixels)), stamp(painter, pixels))

    monkeypatch.setattr(draw, "_marker_stamp", counting_stamp)
    layer = make_layer([Point(i % 100, i // 100) for i in range(5000)])  # 5,000 pixels
    assert render_map(settings_for(layer), _CancelAfter(checks=4)) is None
    assert stamped == [1000, 1000, 1000]  # three of five


def test_job_cancelled_mid_render_stops_at_the_next_chunk(
    qtbot, settings_for, make_layer, monkeypatch
):
    first_chunk, resume = threading.Event(), threading.Event()
    chunks: list[int] = []
    build_path = draw.path_from_xy

    def pausing(xy, move_to, *args):
        chunks.append(int(move_to.sum()))
        if len(chunks) == 1:  # hold the worker inside its first chunk
            first_chunk.set()
            resume.wait(10)
        return build_path(xy, move_to, *args)

    monkeypatch.setattr(draw, "path_from_xy", pausing)
    job = RenderJob(settings_for(_boxes(make_layer)))
    with (
        qtbot.assertNotEmitted(job.finished, wait=100),
        qtbot.waitSignal(job.cancelled, timeout=10_000),
    ):
        job.start()
        assert first_chunk.wait(10)  # the worker is now drawing
        job.cancel()
        resume.set()
    assert chunks == [250]  # it stopped before the second of twenty chunks


def test_job_emits_the_image_and_its_settings(qtbot, settings_for, make_layer, pixels):
    settings = settings_for(make_layer([Point(20, 30)], fill_color=RED, marker_size=9))
    job = RenderJob(settings)
    with qtbot.waitSignal(job.finished, timeout=10_000) as blocker:
        job.start()
    image, drawn_for = blocker.args
    assert isinstance(image, QImage)
    assert drawn_for is settings
    assert pixels.rgb(image, 20, 70) == (255, 0, 0)


def test_job_delivers_on_the_thread_that_owns_it(qtbot, settings_for, make_layer):
    job = RenderJob(settings_for(make_layer([Point(1, 1)])))
    threads = []
    job.finished.connect(lambda *_: threads.append(QThread.currentThread()))
    with qtbot.waitSignal(job.finished, timeout=10_000):
        job.start()
    assert threads == [job.thread()]


def test_job_reports_a_broken_layer_instead_of_crashing(
    qtbot, settings_for, make_layer, monkeypatch
):
    layer = make_layer([Point(1, 1)], name="hydrants")

    def broken(crs):
        raise RuntimeError("geometry buffer is corrupt\nsecond line of detail")

    monkeypatch.setattr(layer, "projected", broken)
    job = RenderJob(settings_for(layer))
    with (
        qtbot.assertNotEmitted(job.finished, wait=100),
        qtbot.waitSignal(job.failed, timeout=10_000) as blocker,
    ):
        job.start()
    (message,) = blocker.args
    assert "hydrants" in message
    assert "geometry buffer is corrupt" in message
    assert "\n" not in message


def test_cancelled_job_does_not_emit_finished(qtbot, settings_for, make_layer):
    job = RenderJob(settings_for(_big_layer(make_layer)))
    with (
        qtbot.assertNotEmitted(job.finished, wait=100),
        qtbot.waitSignal(job.cancelled, timeout=10_000),
    ):
        job.start()
        job.cancel()
    assert job.is_cancelled


def test_renderer_emits_only_the_newest_request(qtbot, settings_for, make_layer, view):
    renderer = MapRenderer()
    received = []
    renderer.image_ready.connect(lambda image, settings: received.append(settings))
    older = settings_for(_big_layer(make_layer))
    newer = settings_for(make_layer([Point(20, 30)]), view=view.panned(5, 0))
    with qtbot.waitSignal(renderer.image_ready, timeout=10_000) as blocker:
        renderer.request(older)
        renderer.request(newer)
        assert renderer.busy
    assert blocker.args[1] is newer
    qtbot.wait(300)  # give the cancelled job every chance to (wrongly) report
    assert received == [newer]
    assert not renderer.busy


def test_renderer_drops_a_stale_result_that_finished_first(qtbot, settings_for, make_layer):
    # The older render is tiny, so it may well finish before it is cancelled;
    # its image must still be dropped.
    renderer = MapRenderer()
    received = []
    renderer.image_ready.connect(lambda image, settings: received.append(settings))
    first = settings_for(make_layer([Point(1, 1)]))
    second = settings_for(make_layer([Point(2, 2)]))
    renderer.request(first)
    QThread.msleep(50)  # let the first worker finish; its result is queued
    with qtbot.waitSignal(renderer.image_ready, timeout=10_000):
        renderer.request(second)
    qtbot.wait(100)
    assert received == [second]


def test_renderer_cancel_emits_nothing(qtbot, settings_for, make_layer):
    renderer = MapRenderer()
    with qtbot.assertNotEmitted(renderer.image_ready, wait=300):
        renderer.request(settings_for(_big_layer(make_layer)))
        renderer.cancel()
        assert not renderer.busy


def test_renderer_reports_failure(qtbot, settings_for, make_layer, monkeypatch):
    layer = make_layer([Point(1, 1)], name="parcels")
    monkeypatch.setattr(layer, "projected", lambda crs: 1 / 0)
    renderer = MapRenderer()
    with qtbot.waitSignal(renderer.render_failed, timeout=10_000) as blocker:
        renderer.request(settings_for(layer))
    assert "parcels" in blocker.args[0]
    assert not renderer.busy


def test_many_requests_in_a_burst_settle_on_the_last(qtbot, settings_for, make_layer, view):
    renderer = MapRenderer()
    received = []
    renderer.image_ready.connect(lambda image, settings: received.append(settings))
    layer = make_layer([Point(50, 50)])
    requests = [settings_for(layer, view=view.panned(i, 0)) for i in range(20)]
    with qtbot.waitSignal(renderer.image_ready, timeout=10_000):
        for settings in requests:
            renderer.request(settings)
    qtbot.wait(200)
    assert received == [requests[-1]]
