"""MapSettings snapshots, colour parsing and the Qt buffer helpers."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from shapely.geometry import Point

from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.render import LayerSnapshot, MapSettings
from mapdesk.render.qtbuffers import fragments_supported, path_from_xy, polygon_from_xy
from mapdesk.render.symbols import parse_hex_color, qcolor


def test_from_project_takes_visible_layers_bottom_up(make_layer, view):
    project = Project(crs="EPSG:26984")
    first = project.add_layer(make_layer([Point(1, 1)], name="first"))
    hidden = project.add_layer(make_layer([Point(1, 1)], name="hidden"))
    top = project.add_layer(make_layer([Point(1, 1)], name="top"))
    hidden.visible = False
    settings = MapSettings.from_project(project, view, background="#000000")
    assert [s.layer for s in settings.layers] == [first, top]
    assert settings.crs == project.crs
    assert settings.view is view
    assert settings.background == "#000000"


def test_snapshot_keeps_the_style_and_opacity_it_was_taken_with(make_layer, view):
    project = Project(crs="EPSG:26984")
    layer = project.add_layer(make_layer([Point(1, 1)], fill_color="#ff0000"))
    settings = MapSettings.from_project(project, view)
    layer.style = LayerStyle(fill_color="#0000ff")
    layer.opacity = 0.25
    assert settings.layers[0] == LayerSnapshot(layer, LayerStyle(fill_color="#ff0000"), 1.0)


def test_settings_are_frozen(make_layer, view):
    settings = MapSettings(view=view, crs=None, layers=())
    with pytest.raises(AttributeError):
        settings.background = "#000000"  # type: ignore[misc]


@pytest.mark.parametrize("background", ["white", "#fff", "#12345g", ""])
def test_bad_background_is_refused(view, background):
    with pytest.raises(MapdeskError, match="colour"):
        MapSettings(view=view, crs=None, layers=(), background=background)


def test_bad_pixel_ratio_is_refused(view):
    with pytest.raises(MapdeskError, match="pixel ratio"):
        MapSettings(view=view, crs=None, layers=(), device_pixel_ratio=0)


def test_device_view_keeps_the_extent(view):
    settings = MapSettings(view=view, crs=None, layers=(), device_pixel_ratio=1.5)
    device = settings.device_view
    assert (device.width, device.height) == (150, 150)
    assert device.extent == pytest.approx(view.extent)


def test_hex_colours_put_alpha_last():
    assert parse_hex_color("#ff8000") == (255, 128, 0, 255)
    assert parse_hex_color("#ff800040") == (255, 128, 0, 64)
    assert qcolor("#ff800040", opacity=0.5).alpha() == 32


def test_polygon_from_xy_fills_qt_memory():
    xy = np.array([[1.5, 2.5], [3.0, 4.0], [-1.0, 1e6]])
    polygon = polygon_from_xy(xy)
    assert [(p.x(), p.y()) for p in polygon] == [(1.5, 2.5), (3.0, 4.0), (-1.0, 1e6)]
    assert polygon_from_xy(np.empty((0, 2))).isEmpty()


def test_path_from_xy_matches_a_path_built_call_by_call():
    xy = np.array([[0, 0], [10, 0], [10, 10], [20, 20], [30, 20]], dtype=float)
    move_to = np.array([True, False, False, True, False])
    path = path_from_xy(xy, move_to, Qt.FillRule.OddEvenFill)
    assert path.elementCount() == 5
    assert path.fillRule() == Qt.FillRule.OddEvenFill
    assert [path.elementAt(i).isMoveTo() for i in range(5)] == move_to.tolist()
    assert QPointF(path.elementAt(4).x, path.elementAt(4).y) == QPointF(30, 20)


def test_pixmap_fragment_layout_is_the_one_we_write():
    # If this fails, markers fall back to slower per-point stamping.
    assert fragments_supported()


def test_settings_take_the_project_background_by_default():
    from mapdesk.core.project import Project
    from mapdesk.core.view import ViewState
    from mapdesk.render.settings import MapSettings

    project = Project()
    project.background = "#cfe2f0"
    assert MapSettings.from_project(project, ViewState()).background == "#cfe2f0"
