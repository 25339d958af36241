"""Analysis ▸ Radio Coverage… on the demo: the same figures and files as the core and the CLI."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from PySide6.QtWidgets import QDialog, QMenu, QPushButton

from mapdesk.cli import main as cli_main
from mapdesk.core.analysis.radio import RangeRule, radio_coverage
from mapdesk.core.project import Project
from mapdesk.io.analysis_inputs import RadioLayers, read_radio_inputs
from mapdesk.io.demo import demo_path
from mapdesk.ui.controllers import radio_coverage as radio_module
from mapdesk.ui.controllers.radio_coverage import LAYER_NAMES
from mapdesk.ui.dialogs.layer_choice import NO_LAYER
from mapdesk.ui.dialogs.radio_coverage import NO_FIELD, RadioCoverageDialog, RadioCoverageRequest

from .analysis_helpers import click_row, export_to, wait_for

AREAS, ROADS, ADDRESSES = LAYER_NAMES.values()


def _request(window: Any, km: float) -> RadioCoverageRequest:
    """The demo's layers as the dialog finds them, every tower at ``km``."""
    dialog = RadioCoverageDialog(list(window.project.layers), window)
    dialog.default_range.setValue(km)
    dialog.every_tower.setChecked(True)
    return dialog.request()


def _run(qtbot: Any, window: Any, km: float) -> Any:
    controller = window.radio_coverage
    before = controller.result
    controller.run(_request(window, km))
    wait_for(qtbot, window, lambda: controller.result is not before)
    return controller.result


def test_dialog_finds_the_demo_layers_and_needs_something_to_measure(demo_window: Any) -> None:
    dialog = RadioCoverageDialog(list(demo_window.project.layers), demo_window)
    chosen = [c.currentText() for c in (dialog.towers, dialog.addresses, dialog.roads, dialog.psap)]
    assert chosen == ["Radio towers", "Address points", "Road centrelines", "PSAP boundary"]
    assert dialog.range_field.currentText() == "coverage_km"
    assert dialog.problem_text() == ""
    dialog.addresses.setCurrentText(NO_LAYER)
    dialog.roads.setCurrentText(NO_LAYER)
    assert "address points or road centrelines" in dialog.problem_text()
    buttons = [b for b in dialog.findChildren(QPushButton) if b.text() == "OK"]
    assert buttons and not buttons[0].isEnabled()


def test_menu_run_adds_styled_layers_and_the_core_figures(
    qtbot: Any, demo_window: Any, dialogs: Any
) -> None:
    """The 4 km what-if: 330 addresses outside, as the core counts on the same layers."""

    def accept(dialog: RadioCoverageDialog) -> int:
        dialog.default_range.setValue(4.0)
        dialog.every_tower.setChecked(True)
        return int(QDialog.DialogCode.Accepted.value)

    dialogs.handlers["RadioCoverageDialog"] = accept
    controller = demo_window.radio_coverage
    assert controller.action in demo_window.findChild(QMenu, "analysisMenu").actions()
    controller.action.trigger()
    wait_for(qtbot, demo_window, lambda: controller.result is not None)
    layers = demo_window.project.layers
    expected = radio_coverage(
        read_radio_inputs(
            RadioLayers(
                layers.by_name("Radio towers"),
                layers.by_name("PSAP boundary"),
                layers.by_name("Address points"),
                layers.by_name("Road centrelines"),
            ),
            RangeRule(override_m=4000.0),
        )
    )
    assert expected.overall.addresses_outside == 330
    assert layers.by_name(ADDRESSES).feature_count == 330
    assert layers.by_name(ROADS).feature_count == len(expected.uncovered_roads)
    assert layers.by_name(AREAS).feature_count == 7  # the towers in service
    assert [x.name for x in list(layers)[:3]] == [ADDRESSES, ROADS, AREAS]  # addresses on top
    assert layers.by_name(AREAS).style.fill_opacity < 0.3  # a soft fill: the map reads through
    assert layers.by_name(ADDRESSES).style.fill_color == "#d7191c"
    assert layers.by_name(ROADS).style.stroke_color == "#d7191c"
    panel = demo_window.radio_panel
    psap = expected.psaps[0]
    assert panel.isVisible() and panel.export_button.isEnabled()
    assert panel.texts()[:2] == [
        "All data | 330 (3.23 %) | 54.43 km (6.36 %)",
        f"{psap.name} | {psap.addresses_outside:,} (3.23 %) | "
        f"{psap.road_outside_m / 1000:,.2f} km (6.37 %)",
    ]
    assert (
        panel.tree.topLevelItem(0)
        .toolTip(1)
        .startswith(
            "All data: 330 of 10,218 addresses outside (3.23 %); 54.43 of 855.99 km of road"
        )
    )
    assert "Towers in use: 7 of 8" in panel.summary.text()


def test_cancel_adds_nothing(qtbot: Any, demo_window: Any) -> None:
    before = list(demo_window.project.layers)
    controller = demo_window.radio_coverage
    controller.run(_request(demo_window, 4.0))
    assert demo_window.status.cancel_button.isVisibleTo(demo_window.status)
    demo_window.status.cancel_button.click()
    qtbot.waitUntil(lambda: demo_window.workers.active_count == 0, timeout=60000)
    qtbot.wait(100)  # any result already queued would arrive now
    assert list(demo_window.project.layers) == before
    assert controller.result is None and not demo_window.radio_panel.isVisible()
    assert "cancelled" in demo_window.status.currentMessage()


def test_a_second_run_replaces_the_first(qtbot: Any, demo_window: Any) -> None:
    _run(qtbot, demo_window, 4.0)
    first = list(demo_window.radio_coverage.layers)
    result = _run(qtbot, demo_window, 3.0)
    layers = demo_window.project.layers
    assert not any(layer in layers for layer in first)
    names = [layer.name for layer in layers]
    assert names.count(AREAS) == names.count(ADDRESSES) == 1
    assert layers.by_name(ADDRESSES).feature_count == result.overall.addresses_outside > 330


def test_clicking_the_psap_row_zooms_to_it(qtbot: Any, demo_window: Any) -> None:
    result = _run(qtbot, demo_window, 4.0)
    demo_window.canvas.zoom_to_extent((892_000.0, 91_000.0, 892_500.0, 91_500.0))
    click_row(qtbot, demo_window.radio_panel, ("psap", result.psaps[0].fid))
    psap = demo_window.project.layers.by_name("PSAP boundary").extent
    view = demo_window.canvas.view.extent
    assert view[0] <= psap[0] and view[2] >= psap[2] and view[1] <= psap[1] and view[3] >= psap[3]
    assert view[2] - view[0] < 3 * (psap[2] - psap[0])


def test_export_writes_what_the_cli_writes(
    qtbot: Any, demo_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(qtbot, demo_window, 4.0)
    target = tmp_path / "gui.gpkg"
    export_to(qtbot, demo_window, demo_window.radio_panel, monkeypatch, target)
    cli = tmp_path / "cli.gpkg"
    args = ["radio-coverage", str(demo_path()), "-o", str(cli), "--range-km", "4"]
    assert cli_main([*args, "--report", str(tmp_path / "cli.json")]) == 0
    for path in (target, cli):
        assert [row[0] for row in pyogrio.list_layers(path)] == [
            "radio_coverage_areas",
            "uncovered_addresses",
            "uncovered_roads",
        ]
    for name in ("uncovered_addresses", "uncovered_roads"):
        assert (
            pyogrio.read_info(target, layer=name)["features"]
            == (pyogrio.read_info(cli, layer=name)["features"])
        )
    gui, ours = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("gui", "cli"))
    gui.pop("layers"), ours.pop("layers")  # the project's layer names, the file's names
    assert gui == ours


def test_dialog_asks_for_a_raster_that_exists_and_a_range_for_the_what_if(
    demo_window: Any, tmp_path: Path
) -> None:
    dialog = RadioCoverageDialog(list(demo_window.project.layers), demo_window)
    dialog.every_tower.setChecked(True)
    assert "range every tower" in dialog.problem_text()  # the default range is "none"
    dialog.every_tower.setChecked(False)
    dialog.towers.setCurrentText(NO_LAYER)
    assert "tower layer or a predicted-signal raster" in dialog.problem_text()
    missing = tmp_path / "predicted.tif"
    dialog.raster.edit.setText(str(missing))
    assert dialog.problem_text() == f"There is no file {missing}."
    missing.write_bytes(b"")
    assert dialog.problem_text() == ""
    request = dialog.request()
    assert request.layers.towers is None
    assert (request.rasters.paths, request.rasters.threshold) == ((missing,), -95.0)


def _held_at(monkeypatch: pytest.MonkeyPatch, name: str) -> threading.Event:
    """Hold the worker before it calls ``name`` of the controller's module until the event."""
    gate = threading.Event()
    original = getattr(radio_module, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        assert gate.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(radio_module, name, held)
    return gate


def test_a_run_measures_the_layers_as_they_were_at_ok(
    qtbot: Any, demo_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Addresses deleted while the run waits to read them are still counted: the run
    measures one moment (OK), not a mix of before and after the user's edits."""
    gate = _held_at(monkeypatch, "read_radio_inputs")
    addresses = demo_window.project.layers.by_name("Address points")
    controller = demo_window.radio_coverage
    controller.run(_request(demo_window, 4.0))
    addresses.start_editing()
    assert addresses.delete_features(list(addresses.data.index[:100])) == 100
    gate.set()
    wait_for(qtbot, demo_window, lambda: controller.result is not None)
    assert controller.result.overall.addresses == 10_218
    assert controller.result.overall.addresses_outside == 330


def test_an_export_failing_during_a_run_leaves_the_run_cancellable(
    qtbot: Any, demo_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, messages: Any
) -> None:
    first = _run(qtbot, demo_window, 4.0)
    gate = _held_at(monkeypatch, "radio_coverage")
    controller, status = demo_window.radio_coverage, demo_window.status
    controller.run(_request(demo_window, 3.0))
    theirs = tmp_path / "theirs.gpkg"  # someone's data: the export is refused
    pyogrio.write_dataframe(
        demo_window.project.layers.by_name("Radio towers").data, theirs, layer="towers"
    )
    controller.export(theirs, tmp_path / "theirs.json")
    qtbot.waitUntil(lambda: bool(messages.texts()), timeout=10000)
    assert "holds other layers (towers)" in messages.texts()[0]
    assert status.cancel_button.isVisibleTo(status)  # the run still shows, and can be stopped
    assert status.task_label.text().startswith("Radio Coverage")
    status.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: demo_window.workers.active_count == 0, timeout=60000)
    qtbot.wait(100)  # a result not dropped would arrive now
    assert controller.result is first
    assert "cancelled" in status.currentMessage()


def test_export_never_replaces_a_file_open_in_the_project(
    qtbot: Any, demo_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, messages: Any
) -> None:
    """Last week's export, opened and being annotated, is not written over by this week's."""
    _run(qtbot, demo_window, 4.0)
    target = tmp_path / "radio.gpkg"
    export_to(qtbot, demo_window, demo_window.radio_panel, monkeypatch, target)
    opened = demo_window.project.add_layers(target)
    _run(qtbot, demo_window, 3.0)
    before = target.read_bytes()
    demo_window.radio_panel.export_button.click()
    wait_for(
        qtbot, demo_window, lambda: bool(messages.texts("warning")) or target.read_bytes() != before
    )
    assert messages.texts() == [  # refused before asking to replace the report
        f"radio.gpkg holds layer '{opened[0].name}' of the project: writing the result "
        "would replace it under that layer; choose another name"
    ]
    assert target.read_bytes() == before


def test_a_psap_row_after_its_layer_was_removed_says_so(qtbot: Any, demo_window: Any) -> None:
    result = _run(qtbot, demo_window, 4.0)
    layers = demo_window.project.layers
    layers.remove(layers.by_name("PSAP boundary"))
    view = demo_window.canvas.view.extent
    click_row(qtbot, demo_window.radio_panel, ("psap", result.psaps[0].fid))
    assert demo_window.canvas.view.extent == view
    assert "'PSAP boundary' was removed" in demo_window.status.currentMessage()
    for layer in list(demo_window.radio_coverage.layers):
        layers.remove(layer)
    click_row(qtbot, demo_window.radio_panel, ("all", None))
    assert demo_window.canvas.view.extent == view
    assert "was removed" in demo_window.status.currentMessage()


def test_the_range_field_is_never_guessed(demo_window: Any) -> None:
    """Towers without ``coverage_km``: the dialog does not take the first field (``objectid``,
    1 to 8) as ranges in km; OK waits for the field or a default range."""
    towers = demo_window.project.layers.by_name("Radio towers")
    towers.replace_data(towers.data.rename(columns={"coverage_km": "range_mi"}))
    dialog = RadioCoverageDialog(list(demo_window.project.layers), demo_window)
    assert dialog.range_field.currentText() == NO_FIELD
    assert "field that holds each tower's range" in dialog.problem_text()
    dialog.default_range.setValue(6.0)  # every tower 6 km: no field read
    assert dialog.problem_text() == ""
    assert dialog.request().rule == RangeRule(field="", default_m=6000.0)
    dialog.default_range.setValue(0.0)
    dialog.range_field.setCurrentText("range_mi")
    dialog.range_unit.setCurrentText("mi")
    assert dialog.problem_text() == ""
    assert dialog.request().rule == RangeRule(field="range_mi", unit="mi")


def test_after_export_the_project_saves_with_the_result_layers(
    qtbot: Any, demo_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Export… makes the written GeoPackage the result layers' file, so Project ▸ Save
    does not refuse them as 'only in memory' and the saved project opens them again."""
    result = _run(qtbot, demo_window, 4.0)
    target = tmp_path / "radio.gpkg"
    export_to(qtbot, demo_window, demo_window.radio_panel, monkeypatch, target)
    layers = demo_window.project.layers
    assert layers.by_name(ADDRESSES).origin.path == str(target)
    demo_window.project.save(tmp_path / "radio.mapdesk")
    reopened = Project.open(tmp_path / "radio.mapdesk").layers
    assert reopened.by_name(ADDRESSES).feature_count == result.overall.addresses_outside
    assert reopened.by_name(ROADS).feature_count == len(result.uncovered_roads)
    assert reopened.by_name(ADDRESSES).style == layers.by_name(ADDRESSES).style
