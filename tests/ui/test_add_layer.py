"""Adding layers: worker loading, the layer chooser, CSV, missing CRS, drops, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from mapdesk.core.project import Project
from mapdesk.ui.app import create_main_window
from mapdesk.ui.dialogs.add_layer import AddLayerDialog


@pytest.fixture
def geojson_file(tmp_path: Path, stations: gpd.GeoDataFrame) -> Path:
    path = tmp_path / "hydrants.geojson"
    stations.to_crs(4326).to_file(path, driver="GeoJSON")
    return path


@pytest.fixture
def two_layer_gpkg(tmp_path: Path, stations: gpd.GeoDataFrame) -> Path:
    path = tmp_path / "assets.gpkg"
    stations.to_file(path, layer="stations", driver="GPKG")
    stations.buffer(100).to_frame("geometry").assign(kind="zone").to_file(
        path, layer="zones", driver="GPKG"
    )
    return path


def _names(window: Any) -> list[str]:
    return [layer.name for layer in window.project.layers]


def test_add_geojson_through_the_worker(qtbot: Any, window: Any, geojson_file: Path) -> None:
    window.open_paths([str(geojson_file)])
    assert window.layer_loader.busy  # reading happens off the UI thread
    qtbot.waitUntil(lambda: "hydrants" in _names(window), timeout=10000)
    layer = window.project.layers.by_name("hydrants")
    assert _names(window)[0] == "hydrants" and layer.feature_count == 3
    assert layer.origin is not None and layer.origin.path.endswith("hydrants.geojson")
    assert window.project.crs.to_epsg() == 26984  # the map CRS stays; the layer reprojects
    assert not window.layer_loader.busy and window.status.task_label.isHidden()


def test_add_layer_dialog_reads_the_chosen_file(
    qtbot: Any, window: Any, dialogs: Any, geojson_file: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(geojson_file), ""))

    def choose(dialog: AddLayerDialog) -> int:
        dialog.browse()
        qtbot.waitUntil(lambda: dialog.inspection is not None, timeout=10000)
        assert "one layer" in dialog.status.text()
        dialog.accept()
        return 1

    dialogs.handlers["AddLayerDialog"] = choose
    window.map_actions.add_layer.trigger()
    qtbot.waitUntil(lambda: "hydrants" in _names(window), timeout=10000)


def test_multi_layer_file_opens_the_layer_chooser(
    qtbot: Any, window: Any, dialogs: Any, two_layer_gpkg: Path
) -> None:
    def pick_zones(dialog: AddLayerDialog) -> int:
        rows = {dialog.layer_list.topLevelItem(i).text(0) for i in range(2)}
        assert rows == {"stations", "zones"}
        dialog.set_checked({"zones"})
        dialog.accept()
        return 1

    dialogs.handlers["AddLayerDialog"] = pick_zones
    window.open_paths([str(two_layer_gpkg)])
    qtbot.waitUntil(lambda: "zones" in _names(window), timeout=10000)
    assert "stations" not in _names(window)


def test_command_line_adds_every_layer(qtbot: Any, two_layer_gpkg: Path) -> None:
    win = create_main_window(Project(), "Untitled")
    qtbot.addWidget(win)
    win.open_paths([str(two_layer_gpkg)], choose=False)
    qtbot.waitUntil(lambda: len(win.project.layers) == 2, timeout=10000)
    assert _names(win) == ["stations", "zones"]
    assert win.project.crs.to_epsg() == 26984
    win.close()


@pytest.fixture
def fixit_csv(tmp_path: Path) -> Path:
    path = tmp_path / "fixit.csv"
    path.write_text(
        "id,category,lon,lat\n1,Pothole,-70.2580,43.6573\n2,Streetlight,-70.2553,43.6591\n",
        encoding="utf-8",
    )
    return path


def test_csv_with_lon_lat_is_confirmed_then_added(
    qtbot: Any, window: Any, dialogs: Any, fixit_csv: Path
) -> None:
    shown: list[tuple[str, str]] = []

    def confirm(dialog: AddLayerDialog) -> int:
        box = dialog.csv_box
        assert box is not None  # the detected layout, for the user to confirm or change
        shown.append((box.x_field.currentText(), box.y_field.currentText()))
        dialog.accept()
        return 1

    dialogs.handlers["AddLayerDialog"] = confirm
    window.open_paths([str(fixit_csv)])
    qtbot.waitUntil(lambda: "fixit" in _names(window), timeout=10000)
    assert shown == [("lon", "lat")]
    layer = window.project.layers.by_name("fixit")
    assert layer.crs is not None and layer.crs.to_epsg() == 4326
    assert layer.feature_count == 2


def test_a_dropped_csv_is_not_added_without_confirmation(
    qtbot: Any, window: Any, dialogs: Any, fixit_csv: Path
) -> None:
    from mapdesk.ui.loading import inspect_file

    assert inspect_file(str(fixit_csv)).needs_choice  # even with lon/lat detected
    before = _names(window)
    window.open_paths([str(fixit_csv)])  # no handler: the user presses Cancel
    qtbot.waitUntil(lambda: dialogs.names() == ["AddLayerDialog"], timeout=10000)
    qtbot.waitUntil(lambda: not window.layer_loader.busy, timeout=5000)
    qtbot.wait(100)
    assert _names(window) == before


def test_the_status_bar_says_what_was_added(qtbot: Any, window: Any, two_layer_gpkg: Path) -> None:
    window.open_paths([str(two_layer_gpkg)], choose=False)
    qtbot.waitUntil(lambda: "zones" in _names(window), timeout=10000)
    assert window.status.currentMessage() == "Added 2 layers from assets.gpkg"


def test_csv_layout_box_shows_the_detected_layout(qtbot: Any, window: Any, tmp_path: Path) -> None:
    from mapdesk.ui.loading import inspect_file

    path = tmp_path / "sites.csv"
    path.write_text("name;x;y\nCity Hall;892630;91540\n", encoding="utf-8")
    dialog = AddLayerDialog(window.workers, window, inspect_file(str(path)))
    qtbot.addWidget(dialog)
    box = dialog.csv_box
    assert box is not None
    assert box.delimiter.currentData() == ";"
    assert (box.x_field.currentText(), box.y_field.currentText()) == ("x", "y")
    box.set_crs(window.project.crs)
    request = dialog.request()
    assert request.csv_layout.kind == "xy" and request.csv_layout.crs == "EPSG:26984"


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs_asks_and_may_stay_unknown(
    qtbot: Any, window: Any, dialogs: Any, stations: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "no_prj.shp"
    stations.set_crs(None, allow_override=True).to_file(path)
    assert not path.with_suffix(".prj").exists()

    def leave_unknown(dialog: Any) -> int:
        assert "no_prj" in dialog.windowTitle()
        dialog.leave_unknown()
        return 1

    dialogs.handlers["CrsDialog"] = leave_unknown
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: "no_prj" in _names(window), timeout=10000)
    assert window.project.layers.by_name("no_prj").crs_missing


def test_a_file_that_fails_to_read_names_the_file(
    qtbot: Any, window: Any, messages: Any, tmp_path: Path
) -> None:
    path = tmp_path / "broken_parcels.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [ {oops', encoding="utf-8")
    before = _names(window)
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=10000)
    assert "broken_parcels.geojson" in messages.shown[0][2]
    assert _names(window) == before and window.isVisible()
    qtbot.waitUntil(lambda: not window.layer_loader.busy, timeout=5000)
    window.canvas.zoom_by(2)  # still alive and responsive


def test_dropping_files_on_the_window_adds_them(
    qtbot: Any, window: Any, geojson_file: Path
) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(geojson_file))])
    event = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    qtbot.waitUntil(lambda: "hydrants" in _names(window), timeout=10000)


def test_save_and_open_a_project(
    qtbot: Any, window: Any, geojson_file: Path, tmp_path: Path, monkeypatch: Any, messages: Any
) -> None:
    project_file = tmp_path / "stations_map"
    window.open_paths([str(geojson_file)])
    qtbot.waitUntil(lambda: "hydrants" in _names(window), timeout=10000)
    for name in ("Stations", "Roads", "Districts"):  # in-memory layers cannot be saved
        window.project.remove_layer(window.project.layers.by_name(name))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(project_file), ""))
    window.map_actions.save_project_as.trigger()
    saved = project_file.with_suffix(".mapdesk")
    assert saved.is_file() and window.windowTitle() == "mapdesk — stations_map"

    other = create_main_window(Project(), "Untitled")
    qtbot.addWidget(other)
    other.open_paths([str(saved)])
    qtbot.waitUntil(lambda: _names(other) == ["hydrants"], timeout=10000)
    assert other.windowTitle() == "mapdesk — stations_map"
    assert other.layer_model.rowCount() == 1
    other.close()


def test_dropping_a_project_asks_before_replacing(
    qtbot: Any, window: Any, geojson_file: Path, tmp_path: Path, messages: Any
) -> None:
    source = Project()
    source.add_layer(geojson_file)
    saved = tmp_path / "other.mapdesk"
    source.save(saved)
    messages.answer = QMessageBox.StandardButton.No
    window.open_paths([str(saved)])
    assert "other.mapdesk" in messages.texts("question")[0]
    assert _names(window) == ["Stations", "Roads", "Districts"]
    messages.answer = QMessageBox.StandardButton.Yes
    window.open_paths([str(saved)])
    qtbot.waitUntil(lambda: _names(window) == ["hydrants"], timeout=10000)
    assert window.windowTitle() == "mapdesk — other"
