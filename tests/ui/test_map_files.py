"""Project ▸ Import/Export: the printed-map and web-map dialogs, and exports in a worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from shapely.geometry import Point

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.export.layout.page import Page
from mapdesk.ui.dialogs.map_layout import MapLayoutDialog
from mapdesk.ui.dialogs.web_map import WebMapDialog


def _preview_shape(dialog: MapLayoutDialog) -> tuple[int, int]:
    pixmap = dialog.preview.pixmap()
    return pixmap.width(), pixmap.height()


def test_layout_dialog_previews_the_page_as_chosen(
    qtbot: Any, small_project: Project, tmp_path: Path
) -> None:
    dialog = MapLayoutDialog(small_project, tmp_path)
    qtbot.addWidget(dialog)
    width, height = _preview_shape(dialog)
    assert width > height  # landscape Letter by default
    dialog.orientation.setCurrentIndex(dialog.orientation.findData("portrait"))
    dialog.paper.setCurrentIndex(dialog.paper.findData("tabloid"))
    qtbot.waitUntil(lambda: _preview_shape(dialog)[0] < _preview_shape(dialog)[1], timeout=5000)
    width, height = _preview_shape(dialog)
    assert height / width == pytest_approx(17 / 11)
    dialog.title.setText("Stations & districts")
    request = dialog.request()
    assert request.options.page == Page("tabloid", "portrait")
    assert request.options.title == "Stations & districts"
    assert request.path == tmp_path / "map.pdf"
    assert not dialog.dpi.isEnabled()  # a PDF is vector
    dialog.file_name.setText(str(tmp_path / "map.png"))
    assert dialog.dpi.isEnabled()


def pytest_approx(value: float) -> Any:
    import pytest

    return pytest.approx(value, rel=0.03)


def test_layout_dialog_series_offers_the_layers_fields(
    qtbot: Any, small_project: Project, tmp_path: Path
) -> None:
    dialog = MapLayoutDialog(small_project, tmp_path)
    qtbot.addWidget(dialog)
    assert not dialog.series_layer.isEnabled()
    dialog.series.setChecked(True)
    dialog.series_layer.setCurrentText("Districts")
    labels = [dialog.series_label.itemText(i) for i in range(dialog.series_label.count())]
    assert labels == ["Feature number", "district"]
    dialog.series_label.setCurrentIndex(1)
    options = dialog.request().options
    assert (options.series_layer, options.series_label) == ("Districts", "district")
    qtbot.waitUntil(lambda: not dialog.preview.pixmap().isNull(), timeout=5000)


def test_layout_dialog_refuses_a_file_it_cannot_write(
    qtbot: Any, small_project: Project, tmp_path: Path
) -> None:
    dialog = MapLayoutDialog(small_project, tmp_path)
    qtbot.addWidget(dialog)
    dialog.file_name.setText(str(tmp_path / "map.jpg"))
    assert not dialog.export_button.isEnabled()
    assert dialog.problem.text() == "Name a .pdf or .png file to write."


def test_layout_dialog_says_why_there_is_no_preview(
    qtbot: Any, small_project: Project, tmp_path: Path
) -> None:
    for layer in small_project.layers:
        layer.visible = False
    dialog = MapLayoutDialog(small_project, tmp_path)
    qtbot.addWidget(dialog)
    assert "no visible layers" in dialog.problem.text()
    assert not dialog.export_button.isEnabled()


def test_export_map_runs_in_a_worker_and_reports(
    window: Any, qtbot: Any, tmp_path: Path, dialogs: Any
) -> None:
    target = tmp_path / "stations.pdf"

    def fill(dialog: MapLayoutDialog) -> int:
        dialog.file_name.setText(str(target))
        dialog.title.setText("Stations")
        return int(QDialog.DialogCode.Accepted.value)

    dialogs.handlers["MapLayoutDialog"] = fill
    window.map_actions.export_map_layout.trigger()
    qtbot.waitUntil(lambda: "Exported the map" in window.status.currentMessage(), timeout=20000)
    assert window.status.currentMessage() == "Exported the map (1 page) to stations.pdf"
    assert target.read_bytes().startswith(b"%PDF")


def test_cancelling_a_map_export_writes_nothing(window: Any, qtbot: Any, tmp_path: Path) -> None:
    from mapdesk.export.map_layout import MapLayoutOptions
    from mapdesk.ui.dialogs.map_layout import MapLayoutRequest

    target = tmp_path / "districts.pdf"
    request = MapLayoutRequest(target, MapLayoutOptions(series_layer="Districts"))
    controller = window.map_files
    controller.cancel()  # nothing running: nothing happens
    worker = controller.export_map(request)
    controller.cancel()
    assert worker.cancelled
    window.workers.wait()
    assert not target.exists()
    assert list(tmp_path.glob(".districts.pdf*")) == []  # no temporary file left


def test_web_dialog_ticks_default_fields_and_never_personal_ones(
    qtbot: Any, small_project: Project, tmp_path: Path, portland_xy: tuple[float, float]
) -> None:
    fixit = gpd.GeoDataFrame(
        {
            "service_request_id": ["1", "2"],
            "reporter": ["Jane Roe", "John Doe"],
            "CallerPhone": ["207-555-0100", "207-555-0101"],
            "description": ["Pothole", "Graffiti"],
        },
        geometry=[Point(*portland_xy), Point(portland_xy[0] + 50, portland_xy[1])],
        crs="EPSG:26984",
    )
    small_project.add_layer(VectorLayer(fixit, "FixIt incidents"))
    dialog = WebMapDialog(small_project, tmp_path)
    qtbot.addWidget(dialog)
    fields = dialog.popup_fields()
    assert sorted(fields) == ["Districts", "FixIt incidents", "Roads", "Stations"]
    assert fields["FixIt incidents"] == ["service_request_id", "description"]
    assert fields["Stations"] == ["station_id", "name"]
    request = dialog.request()
    assert request.path == tmp_path / "map.html"
    assert not request.options.include_sensitive
    # Ticked and included: personal fields only go out when the user insists.
    dialog.include_sensitive.setChecked(True)
    layer_item = dialog.fields.topLevelItem(0)
    assert layer_item is not None and layer_item.text(0) == "FixIt incidents"
    reporter = layer_item.child(1)
    assert reporter is not None and reporter.text(0) == "reporter (personal data)"
    assert reporter.isDisabled() is False
    reporter.setCheckState(0, Qt.CheckState.Checked)
    assert "reporter" in dialog.popup_fields()["FixIt incidents"]
    assert dialog.request().options.include_sensitive


def test_export_web_map_runs_in_a_worker_and_tells_what_was_left_out(
    window: Any, qtbot: Any, tmp_path: Path, dialogs: Any, messages: Any
) -> None:
    target = tmp_path / "stations.html"

    def fill(dialog: WebMapDialog) -> int:
        dialog.file_name.setText(str(target))
        dialog.basemap.setCurrentIndex(1)  # no tiles
        return int(QDialog.DialogCode.Accepted.value)

    dialogs.handlers["WebMapDialog"] = fill
    window.map_actions.export_web_map.trigger()
    qtbot.waitUntil(lambda: target.exists() and "Exported" in window.status.currentMessage(),
                    timeout=20000)  # fmt: skip
    assert "Content-Security-Policy" in target.read_text(encoding="utf-8")
    assert window.status.currentMessage().startswith("Exported 7 features to stations.html")


def test_export_qgis_project_then_open_it_back(
    window: Any, qtbot: Any, tmp_path: Path, small_project: Project, messages: Any
) -> None:
    """A project with layers on disk goes to .qgz and opens back as a new, unsaved project."""
    from mapdesk.io.loader import load_layer

    stations = tmp_path / "stations.gpkg"
    small_project.layers[2].data.to_file(stations, layer="stations")
    read = load_layer(str(stations), "stations")
    window.project.add_layer(VectorLayer(read.data, "Stations on disk", origin=read.origin))
    target = tmp_path / "consultant.qgz"
    window.map_files.export_qgis(target)
    qtbot.waitUntil(lambda: "consultant.qgz" in window.status.currentMessage(), timeout=20000)
    assert window.status.currentMessage() == "Exported 1 layer to consultant.qgz"
    # The three in-memory layers cannot be pointed at from QGIS: said, by name.
    (note,) = messages.texts("information")
    assert "Districts" in note and "Roads" in note
    window.project_files.open_path(str(target))  # "Replace the current map?" Yes
    qtbot.waitUntil(
        lambda: [layer.name for layer in window.project.layers] == ["Stations on disk"],
        timeout=20000,
    )
    assert window.project.path is None  # Save asks for a .mapdesk name
    assert window.windowTitle() == "mapdesk — consultant (from QGIS)"
