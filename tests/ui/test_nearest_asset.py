"""Nearest Asset dialog: pick layers and a type; a worker adds the result layer."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from PySide6.QtWidgets import QDialog
from shapely.geometry import Point

from mapdesk.core.analysis.nearest import ASSET_ID, DISTANCE_M
from mapdesk.core.layer import VectorLayer
from mapdesk.ui.controllers.nearest_asset import NearestAssetController
from mapdesk.ui.dialogs.nearest_asset import ANY_TYPE, NearestAssetDialog


def _add_layers(window: Any) -> tuple[VectorLayer, VectorLayer]:
    x, y = window.canvas.view.center_x, window.canvas.view.center_y
    nodes = gpd.GeoDataFrame(
        {"asset_id": ["NN-1", "NN-2"], "type": ["switch", "camera"]},
        geometry=[Point(x, y), Point(x + 1000, y)],
        crs=26984,
    )
    reports = gpd.GeoDataFrame(
        {"service_request_id": ["r1", "r2"]},
        geometry=[Point(x + 30, y + 40), Point(x + 900, y)],
        crs=26984,
    )
    node_layer = window.project.add_layer(VectorLayer(nodes, "Network nodes"))
    incident_layer = window.project.add_layer(VectorLayer(reports, "FixIt incidents"))
    return incident_layer, node_layer


def test_dialog_picks_incidents_and_nodes_and_lists_types(window: Any) -> None:
    incidents, nodes = _add_layers(window)
    dialog = NearestAssetDialog(list(window.project.layers), window)
    assert dialog.incidents.currentText() == "FixIt incidents"
    assert dialog.assets.currentText() == "Network nodes"
    types = [dialog.asset_type.itemText(i) for i in range(dialog.asset_type.count())]
    assert types == [ANY_TYPE, "camera", "switch"]
    dialog.asset_type.setCurrentText("camera")
    request = dialog.request()
    assert request is not None
    assert (request.incidents, request.assets, request.asset_type) == (incidents, nodes, "camera")


def test_running_adds_the_nearest_asset_layer(qtbot: Any, window: Any, dialogs: Any) -> None:
    _add_layers(window)
    controller = NearestAssetController(window.project, window.workers, window.status, window)
    assert controller.action.objectName() == "actionNearestAsset"

    def accept(dialog: NearestAssetDialog) -> int:
        dialog.asset_type.setCurrentText(ANY_TYPE)
        return int(QDialog.DialogCode.Accepted.value)

    dialogs.handlers["NearestAssetDialog"] = accept
    controller.action.trigger()
    qtbot.waitUntil(lambda: controller.last_layer is not None, timeout=20000)
    layer = controller.last_layer
    assert layer is not None and layer in window.project.layers
    assert layer.name == "FixIt incidents – nearest Network nodes"
    assert list(layer.data[ASSET_ID]) == ["NN-1", "NN-2"]
    assert list(layer.data[DISTANCE_M]) == [50.0, 100.0]
