"""Analysis ▸ Validate NENA Data…: the dialog, the worker, the panel and the error layer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog

from mapdesk.core.analysis.nena import RULES, Finding, validate_nena
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.io.nena_dataset import read_nena_dataset
from mapdesk.ui.controllers.nena_error_layer import ERROR_LAYER_NAME, is_error_layer
from mapdesk.ui.dialogs.nena_validation import NenaValidationDialog
from mapdesk.ui.models.nena_findings import FINDING_ROLE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from nena_data import CRS, clean_dataset, planted_dataset

DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"


def _project(data: dict[str, Any]) -> Project:
    project = Project(crs=CRS)
    for layer_name, frame in reversed(data.items()):
        project.add_layer(VectorLayer(frame, layer_name))
    return project


@pytest.fixture
def planted_window(window_on: Any) -> Any:
    """The main window on the planted-error dataset (an error of every rule)."""
    return window_on(_project(planted_dataset()[0]), "Planted")


def _accept(dialogs: Any) -> None:
    dialogs.handlers["NenaValidationDialog"] = lambda _d: int(QDialog.DialogCode.Accepted.value)


def _validate(qtbot: Any, window: Any, dialogs: Any) -> Any:
    """Run Analysis ▸ Validate NENA Data… with the prefilled choices; the result shown."""
    _accept(dialogs)
    controller = window.nena_validation
    before = controller.result
    controller.action.trigger()
    qtbot.waitUntil(lambda: controller.result is not before, timeout=60000)
    return controller.result


def _error_layers(window: Any) -> list[VectorLayer]:
    return [layer for layer in window.project.layers if is_error_layer(layer)]


def _panel_counts(window: Any) -> dict[str, int]:
    model = window.nena_panel.model
    counts = {}
    for row in range(model.rowCount()):
        rule = model.index(row, 0).data(Qt.ItemDataRole.UserRole + 2)
        counts[rule] = int(model.index(row, 1).data().replace(",", ""))
        assert model.rowCount(model.index(row, 0)) == counts[rule]
    return counts


def _double_click(qtbot: Any, tree: Any, index: QModelIndex) -> None:
    where = tree.visualRect(index).center()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=where)  # Qt 6 presses first
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=where)


def _contains(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[2] >= inner[2]
        and (outer[3] >= inner[3])
    )


def test_demo_panel_counts_equal_the_cli_report(qtbot: Any, demo_window: Any, dialogs: Any) -> None:
    result = _validate(qtbot, demo_window, dialogs)
    dialog = dialogs.opened[-1]
    assert isinstance(dialog, NenaValidationDialog)
    # Prefilled as the CLI finds the layers in the demo's file.
    assert dialog.role_combos["RoadCenterLine"].currentText() == "Road centrelines"
    assert dialog.role_combos["PsapPolygon"].currentText() == "PSAP boundary"
    assert dialog.role_combos["ProvisioningPolygon"].currentText() == "(none)"
    dataset = read_nena_dataset(DEMO)
    report = validate_nena(dataset.frames, dataset.roles).counts
    assert _panel_counts(demo_window) == report == result.counts
    assert sum(report.values()) > 0
    panel = demo_window.nena_panel
    assert panel.isVisible()
    assert f"{sum(report.values()):,} errors found" in panel.summary.text()
    errors = _error_layers(demo_window)
    assert len(errors) == 1 and errors[0].feature_count == sum(report.values())
    assert errors[0].name == ERROR_LAYER_NAME


def test_clicking_an_error_zooms_to_its_feature_and_selects_it(
    qtbot: Any, planted_window: Any, dialogs: Any
) -> None:
    _validate(qtbot, planted_window, dialogs)
    panel, project = planted_window.nena_panel, planted_window.project
    planted_window.canvas.zoom_to_extent(project.full_extent())
    index = panel.select_finding("road.dangle", 0)
    finding = index.data(FINDING_ROLE)
    assert isinstance(finding, Finding) and finding.fid is not None
    roads = project.layers.by_name(finding.layer)
    row = int(roads.data.index.get_indexer([finding.fid])[0])
    bounds = tuple(roads.data.geometry.iloc[row].bounds)
    before = planted_window.canvas.view.extent
    rect = panel.tree.visualRect(index)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    extent = planted_window.canvas.view.extent
    assert extent != before
    assert _contains(extent, bounds)
    assert (extent[2] - extent[0]) < (before[2] - before[0]) / 2  # zoomed in, not just panned
    assert roads.selected_fids == {finding.fid}
    # The row reads what is wrong; its layer and fid are in their own columns.
    assert not index.data().startswith(finding.layer)
    assert index.data().endswith(finding.message.split("): ", 1)[1])
    assert index.siblingAtColumn(1).data() == str(finding.fid)
    assert index.siblingAtColumn(2).data() == finding.layer
    assert index.data(Qt.ItemDataRole.ToolTipRole).startswith(finding.message)


def test_enter_zooms_and_double_click_shows_the_attributes(
    qtbot: Any, planted_window: Any, dialogs: Any
) -> None:
    _validate(qtbot, planted_window, dialogs)
    panel, project = planted_window.nena_panel, planted_window.project
    index = panel.select_finding("address.duplicate", 0)
    finding = index.data(FINDING_ROLE)
    points = project.layers.by_name(finding.layer)
    point = points.data.geometry.loc[finding.fid]
    planted_window.canvas.zoom_to_extent(project.full_extent())
    panel.tree.setFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert _contains(planted_window.canvas.view.extent, point.bounds)
    assert points.selected_fids == {finding.fid}
    _double_click(qtbot, panel.tree, index)
    identify = planted_window.identify_panel
    assert identify.isVisible()
    assert f"fid {finding.fid}" in identify.texts()


def test_panel_counts_match_the_planted_errors_and_empty_rules_hide(
    qtbot: Any, planted_window: Any, dialogs: Any
) -> None:
    result = _validate(qtbot, planted_window, dialogs)
    assert _panel_counts(planted_window) == result.counts
    assert set(_panel_counts(planted_window)) == set(RULES)
    panel = planted_window.nena_panel
    panel.hide_empty.setChecked(True)
    assert set(_panel_counts(planted_window)) == {r for r, n in result.counts.items() if n}


def test_rerun_replaces_the_error_layer(qtbot: Any, planted_window: Any, dialogs: Any) -> None:
    _validate(qtbot, planted_window, dialogs)
    controller, project = planted_window.nena_validation, planted_window.project
    first = controller.error_layer
    project.layers.move(project.layers.index(first), 3)  # the user moved it down
    position = project.layers.index(first)
    shown = controller.result
    planted_window.nena_panel.rerun_button.click()
    qtbot.waitUntil(lambda: controller.result is not shown, timeout=60000)
    errors = _error_layers(planted_window)
    assert errors == [controller.error_layer] and errors[0] is not first
    assert first not in project.layers
    assert project.layers.index(errors[0]) == position
    assert errors[0].name == ERROR_LAYER_NAME


def test_cancel_stops_without_adding_a_layer(qtbot: Any, planted_window: Any, dialogs: Any) -> None:
    _accept(dialogs)
    controller = planted_window.nena_validation
    layers = list(planted_window.project.layers)
    controller.action.trigger()
    assert controller.running
    assert planted_window.status.cancel_button.isVisible()
    planted_window.status.cancel_button.click()
    assert planted_window.workers.wait(60000)
    qtbot.wait(50)  # let anything queued arrive (it must not)
    assert not controller.running
    assert list(planted_window.project.layers) == layers
    assert controller.result is None and planted_window.nena_panel.result is None
    assert "cancelled" in planted_window.status.currentMessage()


def test_clean_data_says_no_errors_found(qtbot: Any, window_on: Any, dialogs: Any) -> None:
    window = window_on(_project(clean_dataset()), "Clean")
    result = _validate(qtbot, window, dialogs)
    assert result.ok
    summary = window.nena_panel.summary.text()
    assert "No errors found" in summary and f"all {len(RULES)} rules checked" in summary


def test_export_writes_the_cli_report(
    qtbot: Any, planted_window: Any, dialogs: Any, tmp_path: Path
) -> None:
    result = _validate(qtbot, planted_window, dialogs)
    controller = planted_window.nena_validation
    for name in ("report.json", "report.html"):
        controller.export(tmp_path / name)
    assert planted_window.workers.wait(20000)
    assert json.loads((tmp_path / "report.json").read_text()) == result.to_report()
    assert "errors found by" in (tmp_path / "report.html").read_text()


def test_an_error_with_no_place_only_says_so(qtbot: Any, planted_window: Any, dialogs: Any) -> None:
    _validate(qtbot, planted_window, dialogs)
    panel = planted_window.nena_panel
    before = planted_window.canvas.view.extent
    index = panel.select_finding("schema.missing_field", 0)
    assert isinstance(index, QModelIndex) and index.isValid()
    qtbot.mouseClick(
        panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=panel.tree.visualRect(index).center()
    )
    assert planted_window.canvas.view.extent == before
    assert "no place on the map" in planted_window.status.currentMessage()


def test_a_validation_that_ends_after_another_project_was_opened_adds_nothing(
    qtbot: Any, planted_window: Any, dialogs: Any
) -> None:
    """The errors of the project validated must not land in the project opened meanwhile."""
    _accept(dialogs)
    controller = planted_window.nena_validation
    controller.action.trigger()
    planted_window.project.replace_contents(Project())  # Project ▸ Open, while it runs
    assert planted_window.workers.wait(60000)
    qtbot.wait(200)
    assert list(planted_window.project.layers) == []
    assert controller.result is None and not controller.running
    assert "nothing was added" in planted_window.status.currentMessage()
    assert not planted_window.status.cancel_button.isVisible()
