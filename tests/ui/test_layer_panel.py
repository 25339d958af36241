"""The layer panel: model over project.layers, visibility, reorder, rename, remove, dialogs."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QImage

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.ui.dialogs.layer_properties import LayerPropertiesDialog
from mapdesk.ui.dialogs.opacity import OpacityDialog
from mapdesk.ui.models.layer_tree import LayerTreeModel


def _names(project: Project) -> list[str]:
    return [layer.name for layer in project.layers]


def _model_names(model: LayerTreeModel) -> list[str]:
    return [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def test_model_mirrors_the_layer_list(qtmodeltester: Any, small_project: Project) -> None:
    model = LayerTreeModel(small_project.layers)
    qtmodeltester.check(model)
    assert _model_names(model) == ["Stations", "Roads", "Districts"]
    index = model.index(0, 0)
    assert model.data(index, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert "EPSG:26984" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    model.close()


def test_unchecking_a_layer_hides_it_and_changes_the_map(qtbot: Any, window: Any) -> None:
    model = window.layer_model
    before = QImage(window.canvas.image())
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        assert model.setData(
            model.index(2, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole
        )
    assert window.project.layers.by_name("Districts").visible is False
    assert window.canvas.image() != before


def test_move_rows_reorders_project_layers(small_project: Project) -> None:
    model = LayerTreeModel(small_project.layers)
    assert model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 3)  # Stations to the bottom
    assert _names(small_project) == ["Roads", "Districts", "Stations"]
    assert _model_names(model) == _names(small_project)
    assert model.moveRows(QModelIndex(), 2, 1, QModelIndex(), 0)  # and back to the top
    assert _names(small_project) == ["Stations", "Roads", "Districts"]
    model.close()


def test_drop_mime_data_reorders_without_deleting(small_project: Project) -> None:
    model = LayerTreeModel(small_project.layers)
    data = model.mimeData([model.index(2, 0)])  # drag Districts...
    model.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())  # ...to the top
    assert _names(small_project) == ["Districts", "Stations", "Roads"]
    assert model.rowCount() == 3
    model.close()


def test_reorder_redraws_the_map(qtbot: Any, window: Any) -> None:
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000) as blocker:
        window.layer_model.moveRows(QModelIndex(), 2, 1, QModelIndex(), 0)
    names = [snapshot.layer.name for snapshot in blocker.args[0].layers]
    assert names == ["Roads", "Stations", "Districts"]  # bottom first


def test_rename_through_the_model(small_project: Project) -> None:
    model = LayerTreeModel(small_project.layers)
    assert model.setData(model.index(1, 0), "Streets", Qt.ItemDataRole.EditRole)
    assert small_project.layers[1].name == "Streets"
    assert not model.setData(model.index(1, 0), "   ", Qt.ItemDataRole.EditRole)
    assert small_project.layers[1].name == "Streets"
    model.close()


def test_remove_layer_action_asks_then_removes(window: Any, messages: Any) -> None:
    panel = window.layer_panel
    panel.select_layer(window.project.layers.by_name("Roads"))
    window.map_actions.remove_layer.trigger()
    assert "Roads" in messages.texts("question")[0]
    assert _names(window.project) == ["Stations", "Districts"]
    assert window.layer_model.rowCount() == 2


def test_layer_actions_follow_the_selection(window: Any) -> None:
    window.layer_panel.view.clearSelection()
    window.layer_panel.view.setCurrentIndex(QModelIndex())
    assert not window.map_actions.layer_properties.isEnabled()
    window.layer_panel.select_layer(window.project.layers[0])
    assert window.map_actions.layer_properties.isEnabled()


def test_properties_dialog_shows_crs_count_and_fields(window: Any) -> None:
    layer = window.project.layers.by_name("Stations")
    dialog = window.layer_panel_controller.open_properties(layer)
    assert isinstance(dialog, LayerPropertiesDialog)
    assert "EPSG:26984" in dialog.findChild(object, "crsLabel").text()
    assert dialog.findChild(object, "featureCountLabel").text() == "3"
    table = dialog.findChild(object, "fieldsTable")
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["station_id", "name"]
    assert "NAD83" in dialog.crs_wkt.toPlainText()
    assert not dialog.sensitive.isChecked()
    dialog.sensitive.setChecked(True)  # holds personal data: out of web maps
    assert layer.sensitive is True
    dialog.close()


def test_context_menu_offers_the_layer_operations(window: Any) -> None:
    layer = window.project.layers[0]
    menu = window.layer_panel_controller.build_menu(layer)
    texts = [a.text().replace("&", "") for a in menu.actions() if a.text()]
    for wanted in ("Zoom to Layer", "Rename Layer", "Opacity…", "Set Layer CRS…", "Remove Layer"):
        assert wanted in texts
    assert any("Properties" in t for t in texts)


def test_zoom_to_layer(window: Any) -> None:
    layer = window.project.layers.by_name("Stations")
    window.layer_panel.select_layer(layer)
    window.map_actions.zoom_to_layer.trigger()
    xmin, ymin, xmax, ymax = window.project.layer_extent(layer)
    vx0, vy0, vx1, vy1 = window.canvas.view.extent
    assert vx0 <= xmin and vx1 >= xmax and vy0 <= ymin and vy1 >= ymax
    assert (vx1 - vx0) < 1.3 * (xmax - xmin) or (vy1 - vy0) < 1.3 * (ymax - ymin)


def test_opacity_dialog_previews_and_cancel_restores(window: Any) -> None:
    layer = window.project.layers.by_name("Districts")
    dialog = OpacityDialog(layer, window)
    dialog.slider.setValue(40)
    assert layer.opacity == 0.4
    dialog.reject()
    assert layer.opacity == 1.0


def test_set_layer_crs_from_the_panel(window: Any, dialogs: Any) -> None:
    layer = window.project.layers.by_name("Roads")

    def choose_26919(dialog: Any) -> int:
        dialog.text.setPlainText("EPSG:26919")
        dialog.accept()
        return 1

    dialogs.handlers["CrsDialog"] = choose_26919
    window.layer_panel.select_layer(layer)
    window.map_actions.set_layer_crs.trigger()
    assert layer.crs.to_epsg() == 26919


def test_missing_crs_layer_is_flagged(small_project: Project, stations: gpd.GeoDataFrame) -> None:
    unknown = VectorLayer(stations.set_crs(None, allow_override=True), "No prj")
    small_project.add_layer(unknown)
    model = LayerTreeModel(small_project.layers)
    index = model.index_of(unknown)
    assert "declares no CRS" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert not model.data(index, Qt.ItemDataRole.DecorationRole).isNull()
    model.close()


def _indicator_area(view: Any, row: int) -> list[str]:
    """The colours of the pixels where ``row``'s first indicator goes."""
    from mapdesk.ui.views.layer_indicators import indicator_rects

    image = view.viewport().grab().toImage()
    [rect] = indicator_rects(view.visualRect(view.model().index(row, 0)), 1)
    return [
        image.pixelColor(x, y).name()
        for x in range(rect.left(), rect.right() + 1)
        for y in range(rect.top(), rect.bottom() + 1)
    ]


def test_a_filtered_layer_shows_a_funnel_its_count_and_show_all_features(
    qtbot: Any, window: Any
) -> None:
    from mapdesk.ui.models.layer_tree import INDICATORS_ROLE

    model, view = window.layer_model, window.layer_panel.view
    layer = window.project.layers.by_name("Stations")
    index = model.index_of(layer)
    assert model.data(index, INDICATORS_ROLE) == ()
    plain = _indicator_area(view, index.row())
    assert len(set(plain)) == 1  # only the row's background
    with qtbot.waitSignals([model.dataChanged, window.canvas.rendered], timeout=10000):
        layer.display_filter.show_only(layer.data.index, [0], "Test: one station")
    assert model.data(index, INDICATORS_ROLE) == ("filter",)
    tooltip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "Filtered: Test: one station (1 of 3 shown)" in tooltip
    funnel = _indicator_area(view, index.row())
    assert sum(a != b for a, b in zip(plain, funnel, strict=True)) > 60
    menu = window.layer_panel_controller.build_menu(layer)
    [show_all] = [a for a in menu.actions() if a.objectName() == "actionShowAllFeatures"]
    assert show_all.text() == "Show All Features"
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        show_all.trigger()
    assert layer.shown_rows() is None and model.data(index, INDICATORS_ROLE) == ()
    menu = window.layer_panel_controller.build_menu(layer)
    assert not [a for a in menu.actions() if a.objectName() == "actionShowAllFeatures"]
