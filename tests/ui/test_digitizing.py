"""Digitising on the map: draw a polygon with snapping, drag a vertex, undo it, save."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from shapely.geometry import Point, Polygon

from mapdesk.core.layer import VectorLayer

from .conftest import PORTLAND_X, PORTLAND_Y, double_click, drop_edits, edit_in_window

X, Y = PORTLAND_X, PORTLAND_Y


@pytest.fixture
def parcels_file(tmp_path: Path) -> Path:
    path = tmp_path / "parcels.gpkg"
    lot = Polygon([(X + 500, Y + 500), (X + 900, Y + 500), (X + 900, Y + 900), (X + 500, Y + 900)])
    gpd.GeoDataFrame({"parcel_id": ["P-1"]}, geometry=[lot], crs="EPSG:26984").to_file(
        path, layer="parcels", engine="pyogrio"
    )
    return path


@pytest.fixture
def digitizing(qtbot: Any, window: Any, parcels_file: Path) -> Iterator[Any]:
    edit_in_window(window, parcels_file, "parcels")
    canvas = window.canvas
    canvas.set_view(canvas.view.fitted((X - 1500, Y - 2500, X + 1500, Y + 1500)))
    yield window
    drop_edits(window)


def _pixel(window: Any, x: float, y: float, nudge: tuple[int, int] = (0, 0)) -> QPoint:
    px, py = window.canvas.view.to_screen([x], [y])
    return QPoint(round(float(px[0])) + nudge[0], round(float(py[0])) + nudge[1])


def _click(qtbot: Any, canvas: Any, pos: QPoint) -> None:
    qtbot.mouseMove(canvas, pos)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pos)


def _layer(window: Any) -> VectorLayer:
    layer = window.layer_panel.current_layer()
    assert layer is not None
    return layer


def _fill_form(parcel_id: str) -> Any:
    def handler(dialog: Any) -> int:
        dialog.edits["parcel_id"].setText(parcel_id)
        dialog.accept()
        return int(dialog.result())

    return handler


def test_digitise_a_polygon_with_snapping_drag_a_vertex_undo_and_save(
    qtbot: Any, digitizing: Any, dialogs: Any, parcels_file: Path
) -> None:
    window, canvas, actions = digitizing, digitizing.canvas, digitizing.map_actions
    layer = _layer(window)
    assert actions.add_feature.isEnabled() and actions.toggle_snapping.isChecked()
    actions.add_feature.trigger()
    assert canvas.map_tool.name == "add_feature"
    # Three corners, each clicked a few pixels off a district corner or edge.
    corners = [(X, Y - 2000), (X + 1000, Y - 2000), (X, Y - 1000)]
    for (cx, cy), nudge in zip(corners, [(3, -2), (-4, 3), (4, 0)], strict=True):
        _click(qtbot, canvas, _pixel(window, cx, cy, nudge))
    assert window.digitizing.add_tool.snap is not None
    dialogs.handlers["FeatureFormDialog"] = _fill_form("P-2")
    qtbot.mouseClick(canvas, Qt.MouseButton.RightButton, pos=_pixel(window, X, Y - 1000))
    assert "FeatureFormDialog" in dialogs.names()
    new = layer.data.index.max()
    drawn = layer.data.geometry[new]
    assert layer.data.at[new, "parcel_id"] == "P-2"
    # The first corner snapped onto the districts' shared corner exactly (a
    # vertex); the others onto their edges y = Y - 2000 and x = X (segments).
    first, second, third = shapely.get_coordinates(drawn)[:3].tolist()
    assert first == [X, Y - 2000]
    assert second[1] == Y - 2000 and second[0] == pytest.approx(X + 1000, abs=30)
    assert third[0] == X and third[1] == pytest.approx(Y - 1000, abs=30)
    # The Vertex Tool: drag the second corner 200 m north, one undo step.
    actions.vertex_tool.trigger()
    start, end = _pixel(window, *second), _pixel(window, second[0], Y - 1800)
    qtbot.mouseMove(canvas, start)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):  # a drag is many moves
        qtbot.mouseMove(canvas, start + (end - start) * step / 5)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    moved = layer.data.geometry[new]
    assert shapely.get_coordinates(moved)[1][1] == pytest.approx(Y - 1800, abs=30)
    stack = layer.edit_session.undo_stack
    assert stack.texts() == ["Add feature", f"Change geometry of feature {new}"]
    actions.undo.trigger()
    assert layer.data.geometry[new].equals(drawn)
    actions.save_edits.trigger()
    qtbot.waitUntil(lambda: not layer.is_modified, timeout=10000)
    saved = gpd.read_file(parcels_file, layer="parcels")
    assert sorted(saved["parcel_id"]) == ["P-1", "P-2"]
    on_disk = saved.loc[saved["parcel_id"] == "P-2"].geometry.iloc[0]
    assert on_disk.equals(drawn)
    with sqlite3.connect(parcels_file) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backspace_takes_back_a_point_and_esc_drops_the_feature(
    qtbot: Any, digitizing: Any, dialogs: Any
) -> None:
    window, canvas = digitizing, digitizing.canvas
    layer = _layer(window)
    window.map_actions.toggle_snapping.trigger()  # off: points land where clicked
    window.map_actions.add_feature.trigger()
    for dx in (0, 300, 600):
        _click(qtbot, canvas, _pixel(window, X - 1000 + dx, Y - 500))
    assert len(window.digitizing.add_tool.points) == 3
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)
    assert len(window.digitizing.add_tool.points) == 2
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert window.digitizing.add_tool.points == []
    assert len(layer.data) == 1 and dialogs.names() == []


def test_enter_finishes_and_a_cancelled_form_adds_nothing(
    qtbot: Any, digitizing: Any, dialogs: Any
) -> None:
    window, canvas = digitizing, digitizing.canvas
    layer = _layer(window)
    window.map_actions.add_feature.trigger()
    for x, y in [(X - 1000, Y - 500), (X - 700, Y - 500), (X - 700, Y - 200)]:
        _click(qtbot, canvas, _pixel(window, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)  # no handler: the form is cancelled
    assert dialogs.names() == ["FeatureFormDialog"]
    assert len(layer.data) == 1
    assert "not added" in window.status.currentMessage()


def test_a_bow_tie_is_flagged_and_the_fix_is_offered_not_applied(
    qtbot: Any, digitizing: Any, dialogs: Any, messages: Any
) -> None:
    window, canvas = digitizing, digitizing.canvas
    layer = _layer(window)
    window.map_actions.toggle_snapping.trigger()
    window.map_actions.add_feature.trigger()
    dialogs.handlers["FeatureFormDialog"] = _fill_form("BOW")
    messages.answer = QMessageBox.StandardButton.No  # do not fix
    for x, y in [
        (X - 1200, Y - 1200),
        (X - 800, Y - 800),
        (X - 800, Y - 1200),
        (X - 1200, Y - 800),
    ]:
        _click(qtbot, canvas, _pixel(window, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    new = layer.data.index.max()
    assert any("Self-intersection at" in text for text in messages.texts("question"))
    assert not layer.data.geometry[new].is_valid  # kept as drawn: the user said no
    assert new in layer.edit_session.problems


def test_the_vertex_tool_adds_a_vertex_on_double_click_and_deletes_on_right_click(
    qtbot: Any, digitizing: Any
) -> None:
    window, canvas = digitizing, digitizing.canvas
    layer = _layer(window)
    window.map_actions.vertex_tool.trigger()
    on_edge = _pixel(window, X + 700, Y + 500)
    double_click(canvas, on_edge)
    assert len(shapely.get_coordinates(layer.data.geometry[1])) == 6
    qtbot.mouseClick(canvas, Qt.MouseButton.RightButton, pos=on_edge)
    assert len(shapely.get_coordinates(layer.data.geometry[1])) == 5
    assert layer.edit_session.undo_stack.texts() == [
        "Change geometry of feature 1",
        "Change geometry of feature 1",
    ]


def test_move_features_drags_the_selection_in_one_step(qtbot: Any, digitizing: Any) -> None:
    window, canvas = digitizing, digitizing.canvas
    layer = _layer(window)
    layer.add_feature(Polygon([(X, Y), (X + 200, Y), (X + 200, Y + 200)]), {"parcel_id": "P-2"})
    layer.selection.apply([1, 2])
    window.map_actions.toggle_snapping.trigger()  # off: the drag lands where released
    window.map_actions.move_feature.trigger()
    start, end = _pixel(window, X + 700, Y + 700), _pixel(window, X + 700, Y + 400)
    qtbot.mouseMove(canvas, start)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 4):
        qtbot.mouseMove(canvas, start + (end - start) * step / 3)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    first, second = layer.data.geometry[1], layer.data.geometry[2]
    assert first.bounds[1] == pytest.approx(Y + 200, abs=30)  # both went 300 m south
    assert second.bounds[1] == pytest.approx(Y - 300, abs=30)
    assert layer.edit_session.undo_stack.texts()[-1] == "Move 2 features"
    window.map_actions.undo.trigger()
    assert layer.data.geometry[1].bounds[1] == Y + 500


def test_merge_copy_and_paste_from_the_edit_menu(qtbot: Any, digitizing: Any) -> None:
    window, actions = digitizing, digitizing.map_actions
    layer = _layer(window)
    districts = window.project.layers.by_name("Districts")
    window.layer_panel.select_layer(districts)
    districts.selection.apply([0, 1])
    assert actions.copy_features.isEnabled() and not actions.paste_features.isEnabled()
    actions.copy_features.trigger()
    window.layer_panel.select_layer(layer)
    assert actions.paste_features.isEnabled()
    actions.paste_features.trigger()
    assert len(layer.data) == 3
    assert "2 features pasted; fields not in this layer: district" in window.status.currentMessage()
    pasted = sorted(layer.selection.fids.tolist())
    assert actions.merge_features.isEnabled()
    actions.merge_features.trigger()
    assert len(layer.data) == 2
    merged = layer.data.geometry[pasted[0]]
    assert merged.area == pytest.approx(6000 * 4000)  # the two districts, one polygon
    assert layer.edit_session.undo_stack.texts() == ["Paste 2 features", "Merge 2 features"]


def test_split_features_cuts_the_parcel_the_line_crosses(qtbot: Any, digitizing: Any) -> None:
    window, canvas = digitizing, digitizing.canvas
    layer = _layer(window)
    window.map_actions.toggle_snapping.trigger()
    window.map_actions.split_features.trigger()
    for x, y in [(X + 600, Y + 300), (X + 600, Y + 1100)]:
        _click(qtbot, canvas, _pixel(window, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert len(layer.data) == 2 and set(layer.data["parcel_id"]) == {"P-1"}
    areas = sorted(layer.data.geometry.area)
    assert areas[0] == pytest.approx(100 * 400, rel=0.1)  # the strip west of the cut
    assert layer.edit_session.undo_stack.texts() == ["Split feature"]


def test_split_and_reshape_leave_a_parcel_the_map_hides_alone(qtbot: Any, digitizing: Any) -> None:
    window = digitizing
    layer = _layer(window)
    layer.display_filter.show_only(layer.data.index, [], "test: no parcel drawn")
    assert window.digitizing.split("line", [(X + 600, Y + 300), (X + 600, Y + 1100)]) == []
    pocket = [(X + 800, Y + 600), (X + 1100, Y + 600), (X + 1100, Y + 800), (X + 800, Y + 800)]
    assert window.digitizing.reshape("line", pocket) == []
    assert len(layer.data) == 1 and layer.edit_session.undo_stack.texts() == []


def test_the_feature_form_offers_coded_values_and_defaults(qtbot: Any) -> None:
    from mapdesk.core.errors import MapdeskError
    from mapdesk.ui.dialogs.feature_form import FeatureFormDialog

    def check(values: Any) -> dict[str, Any]:
        if values.get("priority") not in (None, "1", "2", "3"):
            raise MapdeskError(f'Field "priority" takes values from 1 to 3: {values["priority"]!r}')
        return dict(values)

    rules = {
        "status": {"default": "Open", "codes": {"Open": "In service", "Closed": "Closed"}},
        "priority": {"default": 2},
    }
    form = FeatureFormDialog(
        "hydrants", [("status", "str"), ("priority", "int64")], check, None, rules
    )
    qtbot.addWidget(form)
    assert form.choices["status"].currentData() == "Open"
    assert [form.choices["status"].itemText(i) for i in range(3)] == [
        "NULL",
        "Open — In service",
        "Closed",
    ]
    assert form.edits["priority"].text() == "2"
    form.edits["priority"].setText("9")
    form.accept()
    assert form.result() != form.DialogCode.Accepted
    assert "takes values from 1 to 3" in form.problem.text()
    form.choices["status"].setCurrentIndex(2)
    form.edits["priority"].setText("3")
    form.accept()
    assert form.values == {"status": "Closed", "priority": "3"}


def test_reshape_features_grows_the_parcel_out_to_the_drawn_line(
    qtbot: Any, digitizing: Any
) -> None:
    window, canvas = digitizing, digitizing.canvas
    layer = _layer(window)
    window.map_actions.toggle_snapping.trigger()
    window.map_actions.reshape_features.trigger()
    # From inside the lot, out past its east edge and back in: a 200 x 200 pocket.
    for x, y in [(X + 800, Y + 600), (X + 1100, Y + 600), (X + 1100, Y + 800), (X + 800, Y + 800)]:
        _click(qtbot, canvas, _pixel(window, x, y))
    qtbot.mouseClick(canvas, Qt.MouseButton.RightButton, pos=_pixel(window, X + 800, Y + 800))
    assert layer.data.geometry[1].area == pytest.approx(400 * 400 + 200 * 200, rel=0.05)
    assert layer.edit_session.undo_stack.texts() == ["Reshape feature"]


def test_snapping_options_choose_the_layers_and_the_tolerance(
    qtbot: Any, digitizing: Any, dialogs: Any
) -> None:
    window = digitizing
    controller = window.digitizing

    def only_roads(dialog: Any) -> int:
        dialog.all_layers.setChecked(False)
        for row in range(dialog.layers.count()):
            item = dialog.layers.item(row)
            item.setCheckState(
                Qt.CheckState.Checked if item.text() == "Roads" else Qt.CheckState.Unchecked
            )
        dialog.tolerance.setValue(20)
        dialog.accept()
        return int(dialog.result())

    dialogs.handlers["SnappingOptionsDialog"] = only_roads
    window.map_actions.snapping_options.trigger()
    assert controller.snapping.tolerance_px == 20
    assert controller.snapping.layer_ids == {window.project.layers.by_name("Roads").id}
    resolution = window.canvas.view.resolution
    # Beside the districts' shared corner: not snapped (Districts is not chosen) ...
    assert controller.snap(X + 3 * resolution, Y - 2000 + 2 * resolution) is None
    # ... beside Congress St (a road), snapped onto it.
    target = controller.snap(X, Y + 4 * resolution)
    assert target is not None and target.layer_name == "Roads"
    roads = window.project.layers.by_name("Roads")
    roads.display_filter.show_only(roads.data.index, [], "test: no road drawn")
    assert controller.snap(X, Y + 4 * resolution) is None  # nothing hidden is snapped to


def test_moving_in_a_map_crs_unlike_the_layers_keeps_shape_and_heights(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    path = tmp_path / "masts.gpkg"
    gpd.GeoDataFrame(
        {"mast": ["M-1"]}, geometry=[Point(X + 500, Y + 500, 42.0)], crs="EPSG:26984"
    ).to_file(path, layer="masts", engine="pyogrio")
    layer = edit_in_window(window, path, "masts")
    window.project.crs = "EPSG:3857"  # Web Mercator: metres stretched by 1/cos(latitude)
    window.digitizing.move_features([1], 0.0, -300.0)  # 300 map units south, in EPSG:3857
    moved = layer.data.geometry[1]
    assert moved.has_z and moved.z == 42.0
    assert moved.x == pytest.approx(X + 500, abs=0.5)
    assert Y + 500 - moved.y == pytest.approx(300 * 0.724, rel=0.01)  # cos(43.66°) of it
    layer.rollback()
