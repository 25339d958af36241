"""NENA layers in the app: New NENA Layers… and Import into NENA Layer… with its mapping table."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QMenu

from mapdesk.ui.dialogs.feature_form import FeatureFormDialog

LAYERS = ("RoadCenterLine", "PsapPolygon")


def _tick_only(dialog: Any, wanted: tuple[str, ...]) -> None:
    for row in range(dialog.layers.count()):
        item = dialog.layers.item(row)
        name = item.data(Qt.ItemDataRole.UserRole)
        item.setCheckState(Qt.CheckState.Checked if name in wanted else Qt.CheckState.Unchecked)


def _create_handler(path: Path) -> Callable[[Any], int]:
    def handler(dialog: Any) -> int:
        assert "SiteStructureAddressPoint" in dialog.chosen_layers()  # required: ticked
        _tick_only(dialog, ())
        dialog.target.file_name.setText(str(path))
        dialog.accept()
        assert dialog.problem.text() == "Tick at least one NENA layer"
        _tick_only(dialog, LAYERS)
        dialog.accept()
        return int(dialog.result())

    return handler


def test_new_nena_layers_are_added_and_their_form_offers_the_coded_lists(
    qtbot: Any, window: Any, dialogs: Any, tmp_path: Path
) -> None:
    menu = window.findChild(QMenu, "createLayerMenu")
    action = next(a for a in menu.actions() if a.objectName() == "actionNewNenaLayers")
    dialogs.handlers["NewNenaLayersDialog"] = _create_handler(tmp_path / "nena.gpkg")
    action.trigger()
    controller = window.nena_layers
    qtbot.waitUntil(lambda: controller.last_layers is not None, timeout=15000)
    assert [layer.name for layer in controller.last_layers] == list(LAYERS)
    assert {"RoadCenterLine", "PsapPolygon"} <= {layer.name for layer in window.project.layers}
    roads = controller.last_layers[0]
    assert roads.crs.to_epsg() == 26984  # the project's CRS to start with
    roads.start_editing()
    form = FeatureFormDialog(roads.name, roads.fields, dict, None, roads.edit_session.field_rules)
    qtbot.addWidget(form)
    parity = form.choices["Parity_L"]
    assert [parity.itemData(i) for i in range(parity.count())][-4:] == ["O", "E", "B", "Z"]
    one_way = form.choices["OneWay"]
    assert "FT" in [one_way.itemData(i) for i in range(one_way.count())]
    roads.rollback()


def _box(dialog: Any, nena_field: str) -> QComboBox:
    box = dialog.source_box(nena_field)
    assert box is not None
    return box


def test_the_import_dialog_prefills_remembers_the_users_mapping_and_imports_in_a_worker(
    qtbot: Any, window: Any, dialogs: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    target, saved = tmp_path / "nena.gpkg", tmp_path / "roads_mapping.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(saved), ""))

    def first(dialog: Any) -> int:
        dialog.source.setCurrentText("Roads")
        assert dialog.nena_layer.currentText() == "RoadCenterLine"  # guessed from the layer
        assert _box(dialog, "St_Name").currentText() == "St_Name"  # same name
        assert _box(dialog, "LSt_Name").currentIndex() == 0  # nothing fits: left empty
        _box(dialog, "LSt_Name").setCurrentText("St_Name")  # the user's own choice
        dialog.target.file_name.setText(str(target))
        dialog.agency.setText("Portland PD")
        dialog.accept()
        assert "must be a domain name" in dialog.problem.text()
        dialog.agency.setText("portlandmaine.gov")
        dialog._save()  # Save Mapping… (the file dialog answers)
        dialog.accept()
        return int(dialog.result())

    dialogs.handlers["NenaImportDialog"] = first
    window.findChild(type(window.nena_layers.import_action), "actionImportIntoNena").trigger()
    controller = window.nena_layers
    qtbot.waitUntil(lambda: controller.last_import is not None, timeout=15000)
    assert controller.last_import.count == 2 and controller.last_import.generated == 2
    layer = controller.last_layers[0]
    assert layer in window.project.layers and layer.name == "RoadCenterLine"
    written = gpd.read_file(target, layer="RoadCenterLine")
    assert list(written["LSt_Name"]) == ["Congress", "Forest"]
    assert (written["DiscrpAgID"] == "portlandmaine.gov").all()
    assert json.loads(saved.read_text())["fields"]["LSt_Name"] == "St_Name"

    seen: dict[str, str] = {}

    def second(dialog: Any) -> int:
        dialog.source.setCurrentText("Roads")
        seen["LSt_Name"] = _box(dialog, "LSt_Name").currentText()
        seen["agency"] = dialog.agency.text()
        dialog.reject()
        return int(dialog.result())

    dialogs.handlers["NenaImportDialog"] = second
    controller.import_action.trigger()
    assert seen == {"LSt_Name": "St_Name", "agency": "portlandmaine.gov"}


def test_importing_again_replaces_the_stale_layer_in_the_project(
    qtbot: Any, window: Any, dialogs: Any, tmp_path: Path
) -> None:
    target = tmp_path / "nena.gpkg"

    def accept(dialog: Any) -> int:
        dialog.source.setCurrentText("Roads")
        dialog.target.file_name.setText(str(target))
        dialog.agency.setText("portlandmaine.gov")
        dialog.accept()
        return int(dialog.result())

    dialogs.handlers["NenaImportDialog"] = accept
    controller = window.nena_layers
    for expected in (2, 4):
        controller.last_import = None
        controller.import_action.trigger()
        qtbot.waitUntil(lambda: controller.last_import is not None, timeout=15000)
        shown = [layer for layer in window.project.layers if layer.name == "RoadCenterLine"]
        assert len(shown) == 1 and shown[0].feature_count == expected


def test_cancel_after_the_import_is_written_lets_the_layer_arrive(
    qtbot: Any, window: Any, dialogs: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """Cancel pressed while the written layer is read back cannot undo the import: the
    project must show what the file now holds, and the status bar must not say otherwise."""
    import threading

    from mapdesk.ui.controllers import nena_layers

    target, reading, go_on = tmp_path / "nena.gpkg", threading.Event(), threading.Event()
    real_load = nena_layers.load_layer

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        go_on.wait(10)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(nena_layers, "load_layer", slow_load)

    def accept(dialog: Any) -> int:
        dialog.source.setCurrentText("Roads")
        dialog.target.file_name.setText(str(target))
        dialog.agency.setText("portlandmaine.gov")
        dialog.accept()
        return int(dialog.result())

    dialogs.handlers["NenaImportDialog"] = accept
    controller = window.nena_layers
    controller.import_action.trigger()
    qtbot.waitUntil(reading.is_set, timeout=15000)
    controller.cancel()
    assert "already written" in window.status.currentMessage()
    go_on.set()
    qtbot.waitUntil(lambda: controller.last_import is not None, timeout=15000)
    assert [x.name for x in window.project.layers].count("RoadCenterLine") == 1
    assert len(gpd.read_file(target, layer="RoadCenterLine")) == 2
