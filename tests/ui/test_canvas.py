"""MapCanvas: navigation, map tools, the transformed preview and off-thread rendering."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication

from mapdesk.core.project import Project
from mapdesk.ui.canvas.canvas import MapCanvas


def _click(qtbot: Any, canvas: MapCanvas, x: int, y: int) -> None:
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, y))


def _drag(qtbot: Any, canvas: MapCanvas, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    mid = (start + end) / 2
    qtbot.mouseMove(canvas, mid)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)


def test_zoom_in_tool_click_zooms_twice_centred_on_the_point(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    window.map_actions.zoom_in.trigger()
    before = canvas.view
    target = before.to_map(100, 120)
    _click(qtbot, canvas, 100, 120)
    after = canvas.view
    assert after.resolution == pytest.approx(before.resolution / 2)
    assert (after.center_x, after.center_y) == pytest.approx(target)


def test_zoom_in_tool_rectangle_zooms_to_it(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    window.map_actions.zoom_in.trigger()
    before = canvas.view
    x0, y1 = before.to_map(100, 100)
    x1, y0 = before.to_map(300, 200)
    _drag(qtbot, canvas, QPoint(100, 100), QPoint(300, 200))
    ex0, ey0, ex1, ey1 = canvas.view.extent
    assert ex0 <= x0 + 1e-6 and ex1 >= x1 - 1e-6 and ey0 <= y0 + 1e-6 and ey1 >= y1 - 1e-6
    assert canvas.view.resolution < before.resolution


def test_zoom_out_tool_click_zooms_out_twice(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    window.map_actions.zoom_out.trigger()
    before = canvas.view
    _click(qtbot, canvas, canvas.width() // 2, canvas.height() // 2)
    assert canvas.view.resolution == pytest.approx(before.resolution * 2)


def test_zoom_full_shows_all_visible_layers(
    qtbot: Any, window: Any, small_project: Project
) -> None:
    canvas = window.canvas
    canvas.zoom_by(16)
    window.map_actions.zoom_full.trigger()
    xmin, ymin, xmax, ymax = small_project.full_extent(visible_only=True)
    vx0, vy0, vx1, vy1 = canvas.view.extent
    assert vx0 <= xmin and vy0 <= ymin and vx1 >= xmax and vy1 >= ymax


def test_wheel_zoom_keeps_the_map_point_under_the_cursor(
    qtbot: Any, window: Any, wheel: Any
) -> None:
    canvas = window.canvas
    pos = QPointF(150.0, 90.0)
    before = canvas.view
    anchor = before.to_map(pos.x(), pos.y())
    wheel(canvas, pos, 120)
    after = canvas.view
    assert after.resolution < before.resolution
    assert after.to_map(pos.x(), pos.y()) == pytest.approx(anchor)


@pytest.mark.parametrize(
    ("angle", "factor"),
    [(120, 2.0), (-120, 0.5), (240, 4.0), (60, 2**0.5), (15, 2 ** (1 / 8))],
)
def test_one_wheel_notch_zooms_twice_and_touchpads_zoom_smoothly(
    window: Any, angle: int, factor: float, wheel: Any
) -> None:
    canvas = window.canvas
    before = canvas.view
    wheel(canvas, QPointF(200.0, 150.0), angle)  # 15 = an eighth of a notch (touchpad)
    assert canvas.view.resolution == pytest.approx(before.resolution / factor)


def test_drag_pans_the_map(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    window.map_actions.pan.trigger()
    before = canvas.view
    grabbed = before.to_map(200, 200)
    _drag(qtbot, canvas, QPoint(200, 200), QPoint(260, 170))
    assert canvas.view.resolution == before.resolution
    # The map point grabbed at (200, 200) is now under the mouse at (260, 170).
    assert canvas.view.to_map(260, 170) == pytest.approx(grabbed)


def test_pan_shows_the_previous_image_transformed_at_once(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    canvas.pan_by(40, -25)
    target = canvas._image_target()
    assert target is not None
    assert (target.left(), target.top()) == pytest.approx((40, -25))
    assert canvas._timer.isActive()  # a fresh render follows after the debounce
    with qtbot.waitSignal(canvas.rendered, timeout=10000):
        pass
    assert canvas._image_target().topLeft().toTuple() == pytest.approx((0, 0))


def test_wheel_preview_is_scaled(window: Any) -> None:
    canvas = window.canvas
    canvas.zoom_by(2.0)
    target = canvas._image_target()
    assert target.width() == pytest.approx(canvas.width() * 2)


def test_keyboard_pans_and_zooms(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    before = canvas.view
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.view.center_x > before.center_x
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.view.resolution == pytest.approx(before.resolution / 2)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.view.resolution == pytest.approx(before.resolution)


def test_a_newer_view_supersedes_an_older_render(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    canvas.pan_by(10, 0)
    canvas._render_now()
    first = canvas._latest
    canvas.pan_by(10, 0)
    canvas._render_now()
    second = canvas._latest
    with qtbot.waitSignal(canvas.rendered, timeout=10000) as blocker:
        pass
    assert blocker.args[0] is second and blocker.args[0] is not first
    assert canvas._image_view == second.view


def test_rendered_image_shows_the_layers(window: Any) -> None:
    image = window.canvas.image()
    assert image is not None and not image.isNull()
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 3  # not a blank background


def test_render_busy_indicator_follows_the_renderer(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    with qtbot.waitSignal(canvas.busy_changed, timeout=2000):
        canvas.refresh(0)
    assert canvas.busy and not window.status.render_busy.isHidden()
    with qtbot.waitSignal(canvas.rendered, timeout=10000):
        pass
    assert not canvas.busy and window.status.render_busy.isHidden()


def test_changing_the_project_crs_keeps_the_area_in_view(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    view = canvas.view
    cx, cy = view.center_x, view.center_y
    with qtbot.waitSignal(canvas.rendered, timeout=10000):
        window.project.crs = "EPSG:26919"
    from mapdesk.core.crs import transform_xy

    ex, ey = transform_xy([cx], [cy], window.project.layers[0].crs, window.project.crs)
    assert canvas.view.center_x == pytest.approx(float(ex[0]), abs=50)
    assert canvas.view.center_y == pytest.approx(float(ey[0]), abs=50)
    assert window.status.crs_button.text() == "EPSG:26919"


def test_a_big_projects_crs_change_finds_the_area_off_the_ui_thread(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above SYNC_EXTENT_FEATURES the new view is computed in a render thread;
    a second change before the first answer leaves only the newest CRS's view."""
    import threading

    from mapdesk.core.crs import transform_xy
    from mapdesk.ui.canvas import canvas as canvas_module

    monkeypatch.setattr(canvas_module, "SYNC_EXTENT_FEATURES", 0)  # every project is big
    real, threads = canvas_module.reprojected_extent, []

    def spy(*args: Any) -> Any:
        threads.append(threading.current_thread())
        return real(*args)

    monkeypatch.setattr(canvas_module, "reprojected_extent", spy)
    canvas = window.canvas
    cx, cy = canvas.view.center_x, canvas.view.center_y
    window.project.crs = "EPSG:3857"
    assert canvas.fitting  # the view waits for the worker, the UI does not
    window.project.crs = "EPSG:26919"  # before the first answer: it is dropped
    qtbot.waitUntil(lambda: not canvas.fitting and canvas.image() is not None, timeout=10000)
    ex, ey = transform_xy([cx], [cy], window.project.layers[0].crs, window.project.crs)
    assert canvas.view.center_x == pytest.approx(float(ex[0]), abs=50)
    assert canvas.view.center_y == pytest.approx(float(ey[0]), abs=50)
    assert threads and threading.main_thread() not in threads


def test_empty_project_zooms_to_the_first_layer(qtbot: Any, stations: Any) -> None:
    from mapdesk.core.layer import VectorLayer
    from mapdesk.ui.app import create_main_window

    project = Project()
    win = create_main_window(project, "Untitled")
    qtbot.addWidget(win)
    win.show()
    layer = VectorLayer(stations, "Stations")
    with qtbot.waitSignal(win.canvas.rendered, timeout=10000):
        project.add_layer(layer)
    xmin, ymin, xmax, ymax = project.layer_extent(layer)
    vx0, vy0, vx1, vy1 = win.canvas.view.extent
    assert vx0 <= xmin and vx1 >= xmax and vy0 <= ymin and vy1 >= ymax
    win.close()


def _lone_hydrant() -> Any:
    import geopandas as gpd
    from shapely.geometry import Point

    from mapdesk.core.layer import VectorLayer

    hydrant = gpd.GeoDataFrame(
        {"id": ["H-1"]}, geometry=[Point(892_630.0, 91_540.0)], crs="EPSG:26984"
    )
    return VectorLayer(hydrant, "Lone hydrant")


def _point_project() -> Project:
    project = Project(crs="EPSG:26984")
    project.add_layer(_lone_hydrant())
    return project


def _scale(canvas: MapCanvas) -> float:
    from mapdesk.ui.canvas.units import map_scale

    scale = map_scale(canvas.view, canvas.project.crs)
    assert scale is not None
    return scale


def test_zoom_to_a_single_point_layer_shows_a_street_scale(qtbot: Any, window: Any) -> None:
    lone = window.project.add_layer(_lone_hydrant())
    window.canvas.zoom_to_layer(lone)
    x0, y0, x1, y1 = window.canvas.view.extent
    assert min(x1 - x0, y1 - y0) >= 100  # about 100 m around the point...
    assert 100 < _scale(window.canvas) < 5000  # ...not 1:0.00001
    assert window.canvas.view.center_x == pytest.approx(892_630.0)


def test_a_map_of_one_point_opens_at_a_street_scale(qtbot: Any) -> None:
    from mapdesk.ui.app import create_main_window

    win = create_main_window(_point_project(), "Untitled")
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.canvas.rendered, timeout=10000):
        win.show()
    assert 100 < _scale(win.canvas) < 5000
    win.canvas.zoom_by(64)
    win.map_actions.zoom_full.trigger()
    assert 100 < _scale(win.canvas) < 5000
    win.close()


def _key(canvas: MapCanvas, kind: Any, key: Qt.Key, auto_repeat: bool = False) -> None:
    from PySide6.QtGui import QKeyEvent

    event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, " ", auto_repeat)
    QApplication.sendEvent(canvas, event)


def test_holding_space_pans_with_any_tool(qtbot: Any, window: Any) -> None:
    from PySide6.QtCore import QEvent

    canvas = window.canvas
    window.map_actions.identify.trigger()
    identified: list[tuple[float, ...]] = []
    canvas.identify_requested.connect(lambda *args: identified.append(args))
    qtbot.mouseMove(canvas, QPoint(200, 200))
    before = canvas.view
    grabbed = before.to_map(200, 200)
    _key(canvas, QEvent.Type.KeyPress, Qt.Key.Key_Space)
    assert canvas.space_panning
    assert canvas.cursor().shape() == Qt.CursorShape.ClosedHandCursor
    _key(canvas, QEvent.Type.KeyPress, Qt.Key.Key_Space, auto_repeat=True)  # still held
    qtbot.mouseMove(canvas, QPoint(230, 190))
    qtbot.mouseMove(canvas, QPoint(260, 170))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(260, 170))
    assert canvas.view.resolution == before.resolution
    assert canvas.view.to_map(260, 170) == pytest.approx(grabbed)  # the map followed
    assert identified == []  # the identify tool never saw the gesture
    _key(canvas, QEvent.Type.KeyRelease, Qt.Key.Key_Space, auto_repeat=True)
    assert canvas.space_panning
    _key(canvas, QEvent.Type.KeyRelease, Qt.Key.Key_Space)
    assert not canvas.space_panning and canvas.map_tool.name == "identify"
    assert canvas.cursor().shape() == Qt.CursorShape.WhatsThisCursor
    after = canvas.view
    qtbot.mouseMove(canvas, QPoint(100, 100))
    assert canvas.view == after  # moving no longer pans
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert len(identified) == 1  # back to the tool


@pytest.mark.parametrize("tool_name", ["identify", "location_dossier", "network_trace"])
def test_click_tools_answer_a_click_not_a_drag(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch, tool_name: str
) -> None:
    """Identify, Location Dossier and Trace Network share ClickTool: a drag (the
    user panning with the wrong tool) is no click."""
    canvas = window.canvas
    tool = canvas.tools[tool_name]
    clicks: list[tuple[float, float]] = []
    monkeypatch.setattr(tool, "clicked", lambda x, y: clicks.append((x, y)))
    canvas.set_map_tool(tool_name)
    _drag(qtbot, canvas, QPoint(100, 100), QPoint(140, 130))
    assert clicks == []
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert clicks == [pytest.approx(canvas.view.to_map(100, 100))]
    assert all(type(value) is float for value in clicks[0])
