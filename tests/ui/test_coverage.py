"""Analysis ▸ Drive-Time Coverage on the demo: the dialog, the result layers, Cancel,
re-runs, the Coverage panel's what-if and Export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pytest
import shapely
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from mapdesk.core.analysis.coverage import (
    CoverageInputs,
    CoverageOptions,
    CoverageStudy,
    coverage_report,
)
from mapdesk.core.analysis.coverage import study as study_module
from mapdesk.core.analysis.coverage.layer_inputs import psap_names
from mapdesk.core.analysis.coverage.layers import ADDRESSES, GAPS, OVERALL, ROADS, STATIONS, ZONES
from mapdesk.ui.dialogs.coverage import CoverageDialog

TIMEOUT = 60000


def _coverage_layers(window: Any) -> list[Any]:
    return [layer for layer in window.project.layers if layer.name.startswith("Coverage:")]


def _run(qtbot: Any, window: Any, **choices: Any) -> Any:
    """Run the dialog's defaults (fire stations, 4/8 min, the demo's layers) and wait."""
    dialog = CoverageDialog(list(window.project.layers), window)
    for name, value in choices.items():
        getattr(dialog, name).setText(value)
    controller = window.coverage
    before = controller.last_run
    controller.start(dialog.build_request())
    qtbot.waitUntil(lambda: controller.last_run is not before, timeout=TIMEOUT)
    return controller.last_run


def _tick(panel: Any, station: str, on: bool) -> None:
    for i in range(panel.stations.count()):
        item = panel.stations.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == station:
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            return
    raise AssertionError(f"{station} is not in the panel")


def _overall(panel: Any) -> tuple[float | None, ...]:
    return next(row.percents for row in panel.rows() if row.group == "overall")


def test_dialog_preselects_the_demo_layers_and_fire(demo_window: Any) -> None:
    dialog = CoverageDialog(list(demo_window.project.layers), demo_window)
    chosen = [
        combo.currentText()
        for combo in (dialog.roads, dialog.stations, dialog.addresses, dialog.psaps)
    ]
    assert chosen == [
        "Road centrelines",
        "Fire / police / EMS stations",
        "Address points",
        "PSAP boundary",
    ]
    types = [dialog.station_type.itemText(i) for i in range(dialog.station_type.count())]
    assert types == ["(all stations)", "EMS", "Fire", "Police"]
    assert dialog.station_type.currentText() == "Fire"
    assert dialog.disabled.count() == 13  # the fire stations, to take out of service
    dialog.station_type.setCurrentText("Police")
    assert dialog.disabled.count() == 5
    assert not dialog.close_roads.isEnabled()  # no road selected


def test_the_menu_runs_the_dialog_and_adds_the_core_result(
    qtbot: Any, demo_window: Any, dialogs: Any
) -> None:
    dialogs.handlers["CoverageDialog"] = lambda d: (d.accept(), QDialog.DialogCode.Accepted)[1]
    action = demo_window.findChild(type(demo_window.coverage.action), "actionDriveTimeCoverage")
    assert action is not None and action.text() == "Drive-Time &Coverage…"
    action.trigger()
    controller = demo_window.coverage
    qtbot.waitUntil(lambda: controller.last_run is not None, timeout=TIMEOUT)

    # The same study straight from the core, on the demo's fire stations.
    layers = {x.name: x for x in demo_window.project.layers}
    stations = layers["Fire / police / EMS stations"].data
    psaps = layers["PSAP boundary"].data
    inputs = CoverageInputs(
        layers["Road centrelines"].data,
        stations[stations["type"] == "Fire"],
        layers["Address points"].data,
        layers["FixIt incidents"].data,
        psaps,
        psap_names=psap_names(psaps),
    )
    expected = CoverageStudy(inputs, CoverageOptions()).run()
    report = coverage_report(expected)

    added = controller.results.layers
    assert {id(x) for x in _coverage_layers(demo_window)} == {id(x) for x in added.values()}
    responding = [row for row in expected.responding if not expected.zones[row].is_empty]
    assert added[ZONES].feature_count == len(responding) == 13
    assert added[ZONES].name == "Coverage: Fire first-due zones"
    assert added[STATIONS].feature_count == 13
    assert added[OVERALL].feature_count == 2
    assert added[ROADS].feature_count == expected.network.segment_count
    gap_parts = [p for p in shapely.get_parts(expected.gap) if p.area > 0]
    assert added[GAPS].feature_count == len(gap_parts)
    assert sorted(added[OVERALL].data["minutes"]) == [4.0, 8.0]
    # Stations on top, the zones at the bottom of the coverage layers.
    names = [x.name for x in _coverage_layers(demo_window)]
    assert names[0] == "Coverage: stations" and names[-1] == "Coverage: Fire first-due zones"
    assert added[ZONES].symbology.field == "station_id"

    panel = demo_window.coverage_panel
    assert panel.isVisible()
    wanted = tuple(report["addresses"]["bands"][b]["percent"] for b in ("4", "8"))
    assert _overall(panel) == wanted
    assert panel.texts()[0] == f"All | 10,218 | {wanted[0]:.1f} % | {wanted[1]:.1f} %"
    per_psap = [row for row in panel.rows() if row.group == "psap"]
    assert [row.key for row in per_psap] == ["Greater Portland Regional 9-1-1 PSAP"]


def test_cancel_adds_nothing(qtbot: Any, demo_window: Any) -> None:
    before = list(demo_window.project.layers)
    dialog = CoverageDialog(before, demo_window)
    controller = demo_window.coverage
    worker = controller.start(dialog.build_request())
    qtbot.waitUntil(lambda: demo_window.status.cancel_button.isVisible(), timeout=5000)
    demo_window.status.cancel_button.click()
    assert demo_window.workers.wait(TIMEOUT)
    qtbot.wait(200)  # anything the worker sent is delivered (or dropped) by now
    assert worker.cancelled
    assert list(demo_window.project.layers) == before
    assert controller.last_run is None and controller.study is None
    assert "cancelled" in demo_window.status.currentMessage()


def test_a_rerun_replaces_the_coverage_layers(qtbot: Any, demo_window: Any) -> None:
    first = _run(qtbot, demo_window)
    old = dict(demo_window.coverage.results.layers)
    old[ROADS].visible = True  # the user showed a hidden detail layer
    count = len(demo_window.project.layers)
    second = _run(qtbot, demo_window, minutes="5")
    assert second is not first
    layers = list(demo_window.project.layers)
    assert len(layers) == count
    assert not any(layer in layers for layer in old.values())
    names = [x.name for x in _coverage_layers(demo_window)]
    assert len(names) == len(set(names)) and not any("(2)" in n for n in names)
    new = demo_window.coverage.results.layers
    assert new[OVERALL].name == "Coverage: 5-minute areas"
    assert new[ROADS].visible  # as the user left it


def test_what_if_disables_a_station_on_the_same_network(
    qtbot: Any, demo_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = _run(qtbot, demo_window)
    controller, panel = demo_window.coverage, demo_window.coverage_panel
    study = controller.study
    builds: list[object] = []
    original = study_module.build_road_network
    monkeypatch.setattr(
        study_module, "build_road_network", lambda *a: builds.append(a) or original(*a)
    )
    due = {row.key: row.count for row in panel.rows() if row.group == "station"}
    before = _overall(panel)
    _tick(panel, "ST-F06", False)
    panel.recompute.click()
    qtbot.waitUntil(lambda: controller.last_run is not baseline, timeout=TIMEOUT)

    assert controller.study is study and builds == []  # the network was not rebuilt
    run = controller.last_run
    assert run.result.what_if.disabled_stations == {"ST-F06"}
    zones = controller.results.layers[ZONES].data
    assert "ST-F06" not in set(zones["station_id"]) and len(zones) == 12
    stations = controller.results.layers[STATIONS].data
    assert stations.loc[stations["station_id"] == "ST-F06", "status"].item() == "disabled"
    rows = {row.key: row for row in panel.rows() if row.group == "station"}
    assert rows["ST-F06"].count == 0 and rows["ST-F06"].status == "disabled"
    gained = sum(rows[s].count - due[s] for s in due if s != "ST-F06")
    assert gained == due["ST-F06"]  # its addresses went to the other stations
    after = _overall(panel)
    assert after[0] < before[0]  # fewer addresses within 4 minutes
    panel.compare.setChecked(True)
    overall = next(row for row in panel.rows() if row.group == "overall")
    assert overall.changes[0] == pytest.approx(after[0] - before[0], abs=0.01)
    assert overall.changes[0] < 0
    assert f"{overall.changes[0]:+.1f}" in panel.texts()[0]
    assert "ST-F06 out of service" in panel.summary.text()


def test_closed_selected_roads_are_passed(qtbot: Any, demo_window: Any) -> None:
    baseline = _run(qtbot, demo_window)
    controller, panel = demo_window.coverage, demo_window.coverage_panel
    roads = demo_window.project.layers.by_name("Road centrelines")
    assert not panel.close_roads.isEnabled()
    chosen = roads.data.index[[10, 11, 500]]
    roads.selection.apply(chosen)
    assert panel.close_roads.isEnabled()
    assert "3 selected" in panel.close_roads.text()
    panel.close_roads.setChecked(True)
    panel.recompute.click()
    qtbot.waitUntil(lambda: controller.last_run is not baseline, timeout=TIMEOUT)
    run = controller.last_run
    assert run.result.what_if.closed_roads == {10, 11, 500}
    closed_roads = controller.results.layers[ROADS].data
    network = run.result.network
    assert int(closed_roads["closed"].sum()) == int(np.isin(network.feature, [10, 11, 500]).sum())
    assert len(run.report["what_if"]["closed_roads"]) == 3

    # The dialog closes them too, when asked.
    dialog = CoverageDialog(list(demo_window.project.layers), demo_window)
    assert dialog.close_roads.isEnabled()
    dialog.close_roads.setChecked(True)
    assert dialog.build_request().closed_roads == {10, 11, 500}


def test_export_writes_what_the_cli_writes(qtbot: Any, demo_window: Any, tmp_path: Path) -> None:
    from mapdesk.cli import main as cli_main
    from mapdesk.io.demo import demo_path

    run = _run(qtbot, demo_window)
    output = tmp_path / "coverage.gpkg"
    demo_window.coverage.export_to(output)
    qtbot.waitUntil(lambda: (tmp_path / "coverage.json").exists(), timeout=TIMEOUT)
    demo = str(demo_path())
    cli_out = tmp_path / "cli.gpkg"
    args = ["coverage", demo, demo, "--stations-where", "\"type\" = 'Fire'"]
    args += ["--addresses", demo, "--incidents", demo, "--psap", demo]
    assert cli_main([*args, "-o", str(cli_out), "--report", str(tmp_path / "cli.json")]) == 0

    gui_layers = pyogrio.list_layers(output).tolist()
    assert gui_layers == pyogrio.list_layers(cli_out).tolist()
    for name, _kind in gui_layers:
        gui = pyogrio.read_info(output, layer=name)
        cli = pyogrio.read_info(cli_out, layer=name)
        assert (gui["features"], list(gui["fields"])) == (cli["features"], list(cli["fields"]))
    gui_report = json.loads((tmp_path / "coverage.json").read_text())
    cli_report = json.loads((tmp_path / "cli.json").read_text())
    for key in ("minutes", "stations", "addresses", "incidents", "network", "warnings"):
        assert gui_report[key] == cli_report[key], key
    assert gui_report["addresses"]["bands"] == run.report["addresses"]["bands"]
    assert set(gui_report["inputs"]) == {"roads", "stations", "addresses", "incidents", "psap"}


def test_a_what_if_after_the_addresses_were_edited_describes_the_study(
    qtbot: Any, demo_window: Any, messages: Any
) -> None:
    """The study counts the addresses as they were when it was built; an address
    deleted since must not leave the what-if one label short (it crashed)."""
    baseline = _run(qtbot, demo_window)
    labels = list(demo_window.coverage.results.layers[ADDRESSES].data["address"])
    addresses = demo_window.project.layers.by_name("Address points")
    addresses.start_editing()
    addresses.delete_feature(addresses.data.index[0])
    controller, panel = demo_window.coverage, demo_window.coverage_panel
    _tick(panel, "ST-F06", False)
    panel.recompute.click()
    qtbot.waitUntil(
        lambda: controller.last_run is not baseline or bool(messages.texts()), timeout=TIMEOUT
    )
    assert messages.texts() == []
    assert list(controller.results.layers[ADDRESSES].data["address"]) == labels


def test_a_run_that_ends_after_another_project_was_opened_adds_nothing(
    qtbot: Any, demo_window: Any
) -> None:
    from mapdesk.core.project import Project

    dialog = CoverageDialog(list(demo_window.project.layers), demo_window)
    controller = demo_window.coverage
    controller.start(dialog.build_request())
    demo_window.project.replace_contents(Project())  # Project ▸ Open, while it runs
    assert demo_window.workers.wait(TIMEOUT)
    qtbot.wait(200)
    assert list(demo_window.project.layers) == []
    assert controller.last_run is None
    assert "nothing was added" in demo_window.status.currentMessage()
    assert not demo_window.status.cancel_button.isVisible()


def test_recompute_after_another_project_was_opened_says_so(
    qtbot: Any, demo_window: Any, messages: Any
) -> None:
    from mapdesk.core.project import Project

    _run(qtbot, demo_window)
    demo_window.project.replace_contents(Project())
    demo_window.coverage_panel.recompute.click()  # no road closed: it ran on the old study
    assert demo_window.workers.wait(TIMEOUT)
    qtbot.wait(200)
    assert list(demo_window.project.layers) == []
    assert "no longer in the project" in messages.texts()[0]


def test_save_project_with_the_coverage_layers_asks_and_saves_without_them(
    qtbot: Any, demo_window: Any, messages: Any, tmp_path: Path
) -> None:
    """The result layers exist only in memory: Save Project used to fail on the first
    of them ('export it to a file'), even after the panel's Export."""
    from PySide6.QtWidgets import QMessageBox

    from mapdesk.core.project import Project

    _run(qtbot, demo_window)
    target = tmp_path / "study.mapdesk"
    demo_window.project.path = target
    messages.answer = QMessageBox.StandardButton.Cancel
    demo_window.project_files.save()
    assert not target.exists()
    kind, _title, text = messages.shown[-1]
    assert kind == "question" and "8 layers" in text and "Coverage: stations" in text
    messages.answer = QMessageBox.StandardButton.Save
    demo_window.project_files.save()
    assert [kind for kind, _t, _x in messages.shown] == ["question", "question"]
    reopened = Project.open(target)
    names = [layer.name for layer in reopened.layers]
    assert "Road centrelines" in names and not any(n.startswith("Coverage:") for n in names)
