"""RenderJob and MapRenderer: worker threads, queued results, cancellation."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QThread
from PySide6.QtGui import QImage
from shapely.geometry import Point, box

from mapdesk.render import MapRenderer, RenderJob

RED = "#ff0000"


def _big_layer(make_layer, count: int = 20_000):
    """Enough polygons that a render takes a while (several chunks)."""
    rng = np.random.default_rng(3)
    corners = rng.uniform(0, 95, (count, 2))
    return make_layer([box(x, y, x + 4, y + 4) for x, y in corners], stroke_width=2)


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
