"""Save Features As: the dialog shows the pre-export check, the export runs in a worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
from PySide6.QtWidgets import QDialog
from shapely.geometry import LineString, Point

from mapdesk.core.layer import VectorLayer
from mapdesk.io.demo import demo_path
from mapdesk.io.gpkg_rules import field_rules
from mapdesk.io.loader import load_layer
from mapdesk.ui.dialogs.export_layer import ExportLayerDialog

X, Y = 892_630.0, 91_540.0


def requests_layer() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {
            "service_request_id": ["1001", "1002", "1003"],
            "description": ["Pothole", "Graffiti", "Streetlight out"],
        },
        geometry=[Point(X, Y), Point(X + 100, Y), Point(X, Y + 100)],
        crs="EPSG:26984",
    )
    return VectorLayer(frame, "FixIt requests")


def change_texts(dialog: ExportLayerDialog) -> list[str]:
    return [dialog.changes.item(row).text() for row in range(dialog.changes.count())]


def test_dialog_lists_what_the_chosen_format_changes(qtbot: Any, tmp_path: Path) -> None:
    dialog = ExportLayerDialog(requests_layer(), tmp_path)
    qtbot.addWidget(dialog)
    assert change_texts(dialog) == ["Nothing: GeoPackage holds this layer as it is."]
    dialog.format.setCurrentIndex(dialog.format.findData(".shp"))
    assert dialog.file_name.text() == str(tmp_path / "FixIt requests.shp")
    assert not dialog.export_button.isEnabled()  # until the new check has run
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=5000)
    texts = change_texts(dialog)
    assert any("'service_request_id' renamed 'service_re'" in t for t in texts)
    assert any("'description' renamed 'descriptio'" in t for t in texts)
    assert dialog.export_button.isEnabled()
    dialog.format.setCurrentIndex(dialog.format.findData(".kml"))
    qtbot.waitUntil(
        lambda: any("reprojected from EPSG:26984" in t for t in change_texts(dialog)), timeout=5000
    )


def test_a_format_that_cannot_hold_the_layer_disables_export(qtbot: Any, tmp_path: Path) -> None:
    mixed = gpd.GeoDataFrame(
        {"kind": ["switch", "fibre"]},
        geometry=[Point(X, Y), LineString([(X, Y), (X + 50, Y + 50)])],
        crs="EPSG:26984",
    )
    dialog = ExportLayerDialog(VectorLayer(mixed, "Network"), tmp_path)
    qtbot.addWidget(dialog)
    dialog.file_name.setText(str(tmp_path / "network.shp"))
    dialog.file_name.editingFinished.emit()
    assert dialog.target().suffix == ".shp"  # the extension typed picks the format
    qtbot.waitUntil(lambda: "Cannot export" in change_texts(dialog)[0], timeout=5000)
    assert change_texts(dialog)[0].startswith("Cannot export: the layer mixes lines and points")
    assert not dialog.export_button.isEnabled()
    # A target that must not be replaced is said at once, in red, Export off.
    dialog.file_name.setText(str(tmp_path))  # a folder
    dialog.recheck()
    assert change_texts(dialog) == [f"{tmp_path} is a folder: give the name of the file to write"]
    assert not dialog.export_button.isEnabled()
    dialog.file_name.setText("/")
    dialog.format.setCurrentIndex(dialog.format.findData(".kml"))  # no ValueError on "/"
    assert dialog.file_name.text() == "/Network.kml"


def test_save_features_as_writes_the_selection_in_a_worker(
    window: Any, qtbot: Any, dialogs: Any, tmp_path: Path
) -> None:
    stations = next(layer for layer in window.project.layers if layer.name == "Stations")
    window.layer_panel.select_layer(stations)
    stations.select_by_expression("\"station_id\" LIKE 'F%'")
    target = tmp_path / "fire_stations.geojson"

    def fill_in(dialog: ExportLayerDialog) -> int:
        assert dialog.selected_only.isEnabled()
        dialog.selected_only.setChecked(True)
        dialog.file_name.setText(str(target))
        dialog.file_name.editingFinished.emit()
        dialog.accept()
        return int(QDialog.DialogCode.Accepted.value)

    dialogs.handlers["ExportLayerDialog"] = fill_in
    window.map_actions.export_layer.trigger()
    qtbot.waitUntil(
        lambda: "Exported 2 features of Stations" in window.status.currentMessage(), timeout=20000
    )
    back = load_layer(str(target), None).data
    assert sorted(back["station_id"]) == ["F1", "F2"]
    assert back.crs.to_epsg() == 26984


def test_an_export_that_would_delete_other_layers_is_refused(
    window: Any, qtbot: Any, dialogs: Any, messages: Any, tmp_path: Path
) -> None:
    target = tmp_path / "city.gpkg"
    for name in ("parcels", "hydrants"):
        gpd.GeoDataFrame({"n": [1]}, geometry=[Point(X, Y)], crs="EPSG:26984").to_file(
            target, layer=name
        )
    before = target.read_bytes()
    stations = next(layer for layer in window.project.layers if layer.name == "Stations")
    window.layer_panel.select_layer(stations)

    def fill_in(dialog: ExportLayerDialog) -> int:
        dialog.file_name.setText(str(target))
        dialog.accept()
        return int(QDialog.DialogCode.Accepted.value)

    dialogs.handlers["ExportLayerDialog"] = fill_in
    window.map_actions.export_layer.trigger()
    qtbot.waitUntil(lambda: bool(messages.texts("warning")), timeout=20000)
    [error] = messages.texts("warning")
    assert "city.gpkg holds 2 layers (parcels, hydrants)" in error
    assert target.read_bytes() == before
    assert "nothing was written" in window.status.currentMessage()


def test_a_layer_holding_personal_data_is_exported_with_a_warning(
    qtbot: Any, tmp_path: Path
) -> None:
    from mapdesk.ui.dialogs.export_layer import PERSONAL_DATA_WARNING

    layer = requests_layer()
    layer.sensitive = True  # e.g. FixIt reports imported with reporters kept
    dialog = ExportLayerDialog(layer, tmp_path)
    qtbot.addWidget(dialog)
    assert change_texts(dialog)[0] == PERSONAL_DATA_WARNING
    assert dialog.export_button.isEnabled()  # a warning, not a refusal


def test_a_network_layer_keeps_its_codes_in_a_geopackage_and_a_shapefile_says_so(
    window: Any, qtbot: Any, dialogs: Any, tmp_path: Path
) -> None:
    nodes = load_layer(str(demo_path()), "network_nodes")
    window.project.add_layer(nodes)
    window.layer_panel.select_layer(nodes)
    target = tmp_path / "nodes.gpkg"
    said = "ESRI Shapefile has no coded values, ranges or defaults: the rules of 'type', 'status'"

    def fill_in(dialog: ExportLayerDialog) -> int:
        dialog.format.setCurrentIndex(dialog.format.findData(".shp"))
        qtbot.waitUntil(lambda: any(said in t for t in change_texts(dialog)), timeout=5000)
        dialog.file_name.setText(str(target))
        dialog.file_name.editingFinished.emit()
        qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=5000)
        dialog.accept()
        return int(QDialog.DialogCode.Accepted.value)

    dialogs.handlers["ExportLayerDialog"] = fill_in
    window.map_actions.export_layer.trigger()
    qtbot.waitUntil(
        lambda: "Exported 187 features" in window.status.currentMessage(), timeout=20000
    )
    rules = field_rules(target, "network_nodes")
    assert rules["type"]["codes"] == nodes.data.attrs["field_rules"]["type"]["codes"]
    assert rules["status"]["constraint"] == "network_status"
