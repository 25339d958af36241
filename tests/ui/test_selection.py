"""Selecting features on the map with each tool, by expression, by location; the table follows."""

from __future__ import annotations

import math
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from mapdesk.core.selecting import SpatialRelation
from mapdesk.core.selection import SelectionMode
from mapdesk.core.style import SELECTION_COLOR

from .conftest import double_click


@pytest.fixture
def stations_window(qtbot: Any, window: Any) -> Any:
    """The small project with Stations current and its attribute table open."""
    stations = window.project.layers.by_name("Stations")
    window.layer_panel.select_layer(stations)
    window.map_actions.open_attribute_table.trigger()
    return window


def _pixel(window: Any, feature_pixel: Any, row: int) -> QPoint:
    layer = window.project.layers.by_name("Stations")
    px, py = feature_pixel(window.canvas.view, layer, window.project.crs, row=row)
    return QPoint(round(px), round(py))


def _table_fids(window: Any) -> list[Any]:
    dock = window.attribute_table
    return sorted(dock.model().fid_at(r) for r in dock.selected_rows())


def _selected(window: Any) -> frozenset[Any]:
    return window.project.layers.by_name("Stations").selected_fids


def test_click_selects_one_feature_and_its_table_row(
    qtbot: Any, stations_window: Any, feature_pixel: Any
) -> None:
    window = stations_window
    window.map_actions.select.trigger()
    assert window.canvas.map_tool.name == "select"
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel(window, feature_pixel, 1))
    assert _selected(window) == frozenset({1})
    assert _table_fids(window) == [1]
    assert "1 feature selected on Stations" in window.status.selection.text()
    # Shift adds, Ctrl toggles, a click on nothing (no key) clears.
    shift, ctrl = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier
    qtbot.mouseClick(
        window.canvas, Qt.MouseButton.LeftButton, shift, _pixel(window, feature_pixel, 2)
    )
    assert _selected(window) == frozenset({1, 2}) and _table_fids(window) == [1, 2]
    qtbot.mouseClick(
        window.canvas, Qt.MouseButton.LeftButton, ctrl, _pixel(window, feature_pixel, 1)
    )
    assert _selected(window) == frozenset({2})
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert _selected(window) == frozenset()


def test_rectangle_selects_what_it_meets(
    qtbot: Any, stations_window: Any, feature_pixel: Any
) -> None:
    window = stations_window
    window.map_actions.select.trigger()
    a, b = _pixel(window, feature_pixel, 0), _pixel(window, feature_pixel, 2)
    start = QPoint(min(a.x(), b.x()) - 10, min(a.y(), b.y()) - 10)
    end = QPoint(max(a.x(), b.x()) + 10, max(a.y(), b.y()) + 10)
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(window.canvas, end)
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=end)
    assert 0 in _selected(window) and 2 in _selected(window)
    assert _table_fids(window) == sorted(_selected(window))


def test_radius_selects_within_the_circle(
    qtbot: Any, stations_window: Any, feature_pixel: Any
) -> None:
    window = stations_window
    window.map_actions.select_radius.trigger()
    centre = _pixel(window, feature_pixel, 0)
    other = _pixel(window, feature_pixel, 1)
    reach = math.hypot(other.x() - centre.x(), other.y() - centre.y()) / 2  # not to Bramhall
    edge = QPoint(centre.x() + round(reach), centre.y())
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(window.canvas, edge)
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=edge)
    assert _selected(window) == frozenset({0})
    assert _table_fids(window) == [0]


def test_polygon_selects_inside_the_corners(
    qtbot: Any, stations_window: Any, feature_pixel: Any
) -> None:
    window = stations_window
    window.map_actions.select_polygon.trigger()
    c = _pixel(window, feature_pixel, 2)  # Police HQ
    corners = [
        QPoint(c.x() - 20, c.y() - 20),
        QPoint(c.x() + 20, c.y() - 20),
        QPoint(c.x(), c.y() + 25),
    ]
    for corner in corners:
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=corner)
    tool = window.canvas.map_tool
    assert tool.corners == 3
    qtbot.keyClick(window.canvas, Qt.Key.Key_Backspace)  # take the last corner back
    assert tool.corners == 2
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=corners[2])
    qtbot.mouseClick(window.canvas, Qt.MouseButton.RightButton, pos=corners[2])
    assert _selected(window) == frozenset({2})
    assert _table_fids(window) == [2]
    # A double-click closes the polygon too; Shift adds to what is selected.
    b = _pixel(window, feature_pixel, 1)
    window.project.layers.by_name("Stations").selection.clear()
    for corner in (QPoint(b.x() - 15, b.y() - 15), QPoint(b.x() + 15, b.y() - 15)):
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=corner)
    last = QPoint(b.x(), b.y() + 15)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=last)
    double_click(window.canvas, last)
    assert _selected(window) == frozenset({1})


def test_table_selection_shows_yellow_on_the_map(
    qtbot: Any, stations_window: Any, feature_pixel: Any
) -> None:
    window = stations_window
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        window.attribute_table.table.selectRow(0)  # Central Fire
    image = window.canvas.grab().toImage()
    where = _pixel(window, feature_pixel, 0)
    color = image.pixelColor(where.x(), where.y())
    assert (color.red(), color.green(), color.blue()) == (255, 255, 0), SELECTION_COLOR


def test_select_by_expression_dialog(qtbot: Any, stations_window: Any) -> None:
    window = stations_window
    window.map_actions.select_by_expression.trigger()
    dialog = window.selection.expression_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.expression.setPlainText("name LIKE '%Fire%' OR station_id = 'P1'")
    dialog.buttons[SelectionMode.REPLACE].click()
    assert _selected(window) == frozenset({0, 2})
    assert "2 features selected" in dialog.result_label.text()
    dialog.expression.setPlainText("station_id = 'F1'")
    dialog.buttons[SelectionMode.REMOVE].click()
    assert _selected(window) == frozenset({2})
    dialog.expression.setPlainText("nam = 'x'")
    dialog.buttons[SelectionMode.REPLACE].click()
    assert 'did you mean "name"?' in dialog.problem.text()
    assert _selected(window) == frozenset({2})  # a bad expression changes nothing


def test_select_by_location_within_distance(qtbot: Any, stations_window: Any) -> None:
    window = stations_window
    roads = window.project.layers.by_name("Roads")
    roads.select_by_expression("St_Name = 'Forest'")
    dialog = window.selection.open_location_dialog()
    dialog.layer.setCurrentIndex(dialog.layer.findText("Stations"))
    dialog.relation.setCurrentIndex(dialog.relation.findData(SpatialRelation.ARE_WITHIN_DISTANCE))
    dialog.distance.setValue(300.0)
    dialog.reference.setCurrentIndex(dialog.reference.findText("Roads"))
    dialog.selected_only.setChecked(True)
    dialog.run()
    # Forest runs through Central Fire (at the centre), far from the other two.
    assert _selected(window) == frozenset({0})
    assert "1 features of Stations selected" in dialog.result_label.text()
    dialog.relation.setCurrentIndex(dialog.relation.findData(SpatialRelation.ARE_WITHIN))
    dialog.reference.setCurrentIndex(dialog.reference.findText("Districts"))
    dialog.selected_only.setChecked(False)
    dialog.run()
    # Central Fire sits on the West/East boundary: within neither (as in QGIS).
    assert _selected(window) == frozenset({1, 2})


def test_invert_all_none_and_zoom_to_selection(qtbot: Any, stations_window: Any) -> None:
    window = stations_window
    a = window.map_actions
    stations = window.project.layers.by_name("Stations")
    stations.select_by_expression("station_id = 'P1'")
    a.invert_selection.trigger()
    assert _selected(window) == frozenset({0, 1})
    a.zoom_to_selection.trigger()
    xmin, ymin, xmax, ymax = window.canvas.view.extent
    for x, y in [(g.x, g.y) for g in stations.data.geometry.iloc[[0, 1]]]:
        assert xmin < x < xmax and ymin < y < ymax
    a.select_all.trigger()
    assert _selected(window) == frozenset({0, 1, 2})
    window.project.layers.by_name("Roads").select_by_expression("TRUE")
    a.deselect_all.trigger()
    assert _selected(window) == frozenset()
    assert window.project.layers.by_name("Roads").selected_fids == frozenset()
    assert window.status.selection.text() == ""


def test_selecting_without_a_current_layer_says_what_to_do(qtbot: Any, window: Any) -> None:
    window.layer_panel.view.clearSelection()
    window.layer_panel.view.setCurrentIndex(window.layer_panel.view.rootIndex())
    window.map_actions.select.trigger()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(50, 50))
    assert "Layers panel" in window.status.currentMessage()
