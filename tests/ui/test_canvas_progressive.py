"""Progressive rendering: layers appear bottom first, partial images reach the canvas."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pytest
from PySide6.QtGui import QImage
from shapely.geometry import box

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.core.view import ViewState
from mapdesk.render import MapRenderer, MapSettings, RenderJob, job, render_map

CRS = "EPSG:26984"
VIEW = ViewState(center_x=50.0, center_y=50.0, resolution=1.0, width=100, height=100)
#: Three squares side by side, bottom layer first; pixel (x, 50) is inside each.
SQUARES = [("#ff0000", 15), ("#00ff00", 50), ("#0000ff", 85)]


def _settings(layers: int = 3) -> MapSettings:
    project = Project(crs=CRS)
    for color, x in SQUARES[:layers]:
        frame = gpd.GeoDataFrame(geometry=[box(x - 10, 40, x + 10, 60)], crs=CRS)
        style = LayerStyle(fill_color=color, stroke_width=0)
        project.add_layer(VectorLayer(frame, f"square {color}", style=style))
    return MapSettings.from_project(project, VIEW)


def _colors(image: QImage) -> list[str]:
    return [image.pixelColor(x, 50).name() for _color, x in SQUARES]


def test_render_map_reports_each_layer_bottom_first(qapp: Any) -> None:
    partials: list[list[str]] = []
    image = render_map(_settings(), on_layer_done=lambda so_far: partials.append(_colors(so_far)))
    assert partials == [
        ["#ff0000", "#ffffff", "#ffffff"],
        ["#ff0000", "#00ff00", "#ffffff"],
        ["#ff0000", "#00ff00", "#0000ff"],
    ]
    assert image is not None and _colors(image) == partials[-1]


def test_job_emits_copies_before_the_finished_image(qtbot: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(job, "PARTIAL_INTERVAL_S", 0.0)
    settings = _settings()
    render = RenderJob(settings)
    partials: list[tuple[list[str], Any, float]] = []
    render.partial_image.connect(
        lambda image, drawn_for: partials.append(
            (_colors(image), drawn_for, image.devicePixelRatio())
        )
    )
    with qtbot.waitSignal(render.finished, timeout=10_000):
        render.start()
    # Not after the last layer: the finished image follows at once.
    assert [colors for colors, _s, _r in partials] == [
        ["#ff0000", "#ffffff", "#ffffff"],
        ["#ff0000", "#00ff00", "#ffffff"],
    ]
    assert all(drawn_for is settings and ratio == 1.0 for _c, drawn_for, ratio in partials)


def test_partial_images_are_throttled(qtbot: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(job, "PARTIAL_INTERVAL_S", 60.0)
    render = RenderJob(_settings())
    with (
        qtbot.assertNotEmitted(render.partial_image),
        qtbot.waitSignal(render.finished, timeout=10_000),
    ):
        render.start()


def test_renderer_forwards_only_the_latest_requests_partials(qtbot: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(job, "PARTIAL_INTERVAL_S", 0.0)
    renderer = MapRenderer()
    seen: list[Any] = []
    renderer.partial_image.connect(lambda _image, settings: seen.append(settings))
    older, newer = _settings(), _settings()
    with qtbot.waitSignal(renderer.image_ready, timeout=10_000):
        renderer.request(older)
        renderer.request(newer)
    qtbot.wait(100)
    assert older not in seen


@pytest.fixture
def canvas(qtbot: Any, window: Any) -> Any:
    return window.canvas


def test_canvas_shows_a_partial_image_of_the_latest_view(canvas: Any) -> None:
    previous = canvas.image()
    canvas.pan_by(30, 0)
    assert canvas.image() is previous  # the old image, transformed, until a partial comes
    canvas._render_now()
    latest = canvas._latest
    partial = QImage(canvas.width(), canvas.height(), QImage.Format.Format_ARGB32_Premultiplied)
    stale = QImage(partial)
    canvas._on_partial_image(stale, _settings())  # another render's: ignored
    assert canvas.image() is previous
    canvas._on_partial_image(partial, latest)
    assert canvas.image() is partial
    assert canvas._image_target().topLeft().toTuple() == pytest.approx((0, 0))
    assert canvas.busy  # the finished image is still to come


def test_canvas_progressive_render_ends_with_the_final_image(
    qtbot: Any, canvas: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(job, "PARTIAL_INTERVAL_S", 0.0)
    partials: list[Any] = []
    canvas._renderer.partial_image.connect(lambda image, _settings: partials.append(image))
    with qtbot.waitSignal(canvas.rendered, timeout=10_000) as blocker:
        canvas.refresh(0)
    assert blocker.args[0].view == canvas.view
    assert len(partials) == 2  # three layers in the small project: after the first two
    assert canvas.image() is not partials[-1]
