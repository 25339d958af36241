"""Analysis ▸ Boundary QA… on the demo with planted errors: the core's findings, listed and
zoomable, replaced on a re-run, nothing added when cancelled."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from PySide6.QtWidgets import QDialog

from mapdesk.core.analysis.boundaries import boundary_check
from mapdesk.core.analysis.boundaries.report import finding_counts
from mapdesk.core.layer import VectorLayer
from mapdesk.io.analysis_inputs import read_boundary_inputs
from mapdesk.ui.controllers import boundary_qa as boundary_module
from mapdesk.ui.controllers.boundary_qa import LAYER_NAMES
from mapdesk.ui.dialogs.boundary_qa import BoundaryQaDialog, BoundaryQaRequest

from .analysis_helpers import click_row, export_to, wait_for

FINDINGS, CANDIDATES = LAYER_NAMES.values()
#: A 600 m square downtown (around Portland City Hall) handed to a neighbouring PSAP.
DOWNTOWN = shapely.box(892_330.0, 91_240.0, 892_930.0, 91_840.0)


def plant_neighbour_psap(window: Any) -> VectorLayer:
    """A PSAP layer whose second polygon takes downtown Portland (and 20 m around it):
    an overlap, a municipality split and the downtown addresses as candidates."""
    psap = window.project.layers.by_name("PSAP boundary").data
    ours = psap.iloc[[0]].copy()
    ours.geometry = [ours.geometry.iloc[0].difference(DOWNTOWN)]
    theirs = psap.iloc[[0]].copy()
    theirs.geometry = [DOWNTOWN.buffer(20.0, join_style="mitre")]
    theirs["DsplayName"] = "Neighbouring PSAP"
    frame = gpd.GeoDataFrame(pd.concat([ours, theirs], ignore_index=True), crs=psap.crs)
    frame.index = pd.RangeIndex(1, 3)
    return window.project.add_layer(VectorLayer(frame, "PSAP boundary (edited)"))


def _request(window: Any, sliver_m2: float = 10.0) -> BoundaryQaRequest:
    dialog = BoundaryQaDialog(list(window.project.layers), window)
    dialog.sliver.setValue(sliver_m2)
    return dialog.request()


def _run(qtbot: Any, window: Any, request: BoundaryQaRequest) -> Any:
    controller = window.boundary_qa
    before = controller.check
    controller.run(request)
    wait_for(qtbot, window, lambda: controller.check is not before)
    return controller.check


def test_dialog_finds_the_layers_the_cli_finds(demo_window: Any) -> None:
    planted = plant_neighbour_psap(demo_window)
    request = _request(demo_window)
    layers = demo_window.project.layers
    assert request.services == {
        "psap": planted,  # on top of the project: chosen over the demo's own
        "police": layers.by_name("Police boundaries"),
        "fire": layers.by_name("Fire districts"),
        "ems": layers.by_name("EMS boundaries"),
    }
    assert request.municipalities is layers.by_name("Municipal boundaries")
    assert request.addresses is layers.by_name("Address points")


def test_menu_run_lists_the_core_findings(qtbot: Any, demo_window: Any, dialogs: Any) -> None:
    plant_neighbour_psap(demo_window)
    dialogs.handlers["BoundaryQaDialog"] = lambda _d: int(QDialog.DialogCode.Accepted.value)
    controller = demo_window.boundary_qa
    controller.action.trigger()
    wait_for(qtbot, demo_window, lambda: controller.check is not None)
    request = _request(demo_window)
    expected = boundary_check(
        read_boundary_inputs(request.services, request.municipalities, request.addresses)
    )
    counts = finding_counts(expected)
    assert counts["overlap"] == 1 and counts["municipality_split"] == 1
    downtown = len(expected.candidates)
    assert downtown > 50  # the addresses downtown
    layers = demo_window.project.layers
    findings = layers.by_name(FINDINGS)
    assert findings.data["kind"].value_counts().to_dict() == {k: n for k, n in counts.items() if n}
    assert layers.by_name(CANDIDATES).feature_count == downtown
    assert {c.value for c in findings.symbology.categories} == {"overlap", "municipality_split"}
    panel = demo_window.boundary_panel
    texts = panel.texts()
    assert "Overlap (1)" in texts and "Municipality split (1)" in texts
    assert f"Misrouting candidates ({downtown})" in texts
    assert sum(1 for t in texts if t.startswith("  ")) == len(expected.findings.found) + downtown
    assert panel.summary.text().startswith("Findings: 1 overlap, 0 gap")


def test_the_clean_demo_says_so(qtbot: Any, demo_window: Any) -> None:
    check = _run(qtbot, demo_window, _request(demo_window))
    assert check.clean
    assert demo_window.boundary_panel.texts() == ["No gaps, overlaps or misrouting candidates"]
    assert FINDINGS not in [x.name for x in demo_window.project.layers]  # nothing to show


def test_clicking_a_finding_zooms_to_it_and_selects_it(qtbot: Any, demo_window: Any) -> None:
    plant_neighbour_psap(demo_window)
    check = _run(qtbot, demo_window, _request(demo_window))
    row = next(i for i, f in enumerate(check.findings.found) if f.kind == "overlap")
    demo_window.canvas.zoom_to_extent((880_000.0, 78_000.0, 900_000.0, 100_000.0))
    click_row(qtbot, demo_window.boundary_panel, ("finding", row))
    view = demo_window.canvas.view.extent
    xmin, ymin, xmax, ymax = check.findings.found[row].geometry.bounds  # the demo's CRS
    assert view[0] <= xmin and view[1] <= ymin and view[2] >= xmax and view[3] >= ymax
    assert view[2] - view[0] < 2_000  # zoomed in on the 640 m ring, not the whole PSAP
    findings = demo_window.project.layers.by_name(FINDINGS)
    assert list(findings.selection.fids) == [findings.data.index[row]]
    click_row(qtbot, demo_window.boundary_panel, ("candidate", 0))
    point = check.candidates[0].point
    view = demo_window.canvas.view.extent
    assert view[0] < point.x < view[2] and view[1] < point.y < view[3]
    assert view[2] - view[0] < 1_000


def test_cancel_adds_nothing(qtbot: Any, demo_window: Any) -> None:
    plant_neighbour_psap(demo_window)
    before = list(demo_window.project.layers)
    controller = demo_window.boundary_qa
    controller.run(_request(demo_window))
    demo_window.status.cancel_button.click()
    qtbot.waitUntil(lambda: demo_window.workers.active_count == 0, timeout=60000)
    qtbot.wait(100)
    assert list(demo_window.project.layers) == before
    assert controller.check is None and not demo_window.boundary_panel.isVisible()


def test_a_second_run_replaces_the_first(qtbot: Any, demo_window: Any) -> None:
    plant_neighbour_psap(demo_window)
    _run(qtbot, demo_window, _request(demo_window))
    first = list(demo_window.boundary_qa.layers)
    assert len(first) == 2
    check = _run(qtbot, demo_window, _request(demo_window, sliver_m2=1e6))  # > the 2.6 ha ring
    layers = demo_window.project.layers
    assert not any(layer in layers for layer in first)
    assert [x.name for x in layers].count(CANDIDATES) == 1
    assert FINDINGS not in [x.name for x in layers]  # every piece now under the tolerance
    assert sum(check.findings.slivers.values()) == 2
    assert "Slivers under 100.00 ha ignored: 2" in demo_window.boundary_panel.summary.text()


def test_export_writes_the_layers_and_report(
    qtbot: Any, demo_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plant_neighbour_psap(demo_window)
    check = _run(qtbot, demo_window, _request(demo_window))
    target = tmp_path / "qa.gpkg"
    export_to(qtbot, demo_window, demo_window.boundary_panel, monkeypatch, target)
    assert pyogrio.read_info(target, layer="boundary_findings")["features"] == 2
    assert pyogrio.read_info(target, layer="misrouting_candidates")["features"] == len(
        check.candidates
    )
    report = json.loads((tmp_path / "qa.json").read_text())
    assert report["counts"]["overlap"] == 1
    assert report["counts"]["misrouting"] == len(check.candidates)
    assert report["layers"]["psap"] == "PSAP boundary (edited)"
    # The file is now the layers' (fids from 1): a row still zooms to its own finding.
    findings = demo_window.project.layers.by_name(FINDINGS)
    assert findings.origin.path == str(target)
    row = len(check.findings.found) - 1
    click_row(qtbot, demo_window.boundary_panel, ("finding", row))
    chosen = findings.data.loc[sorted(findings.selection.fids)]
    assert list(chosen["kind"]) == [check.findings.found[row].kind]
    assert chosen.geometry.iloc[0].equals(check.findings.found[row].geometry)


def test_a_check_reads_the_layers_as_they_were_at_ok(
    qtbot: Any, demo_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The neighbouring PSAP deleted while the check waits to read it is still checked."""
    planted = plant_neighbour_psap(demo_window)
    gate = threading.Event()
    original = boundary_module.read_boundary_inputs

    def held(*args: Any, **kwargs: Any) -> Any:
        assert gate.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(boundary_module, "read_boundary_inputs", held)
    controller = demo_window.boundary_qa
    controller.run(_request(demo_window))
    planted.replace_data(planted.data.iloc[[0]])  # the downtown polygon gone
    gate.set()
    wait_for(qtbot, demo_window, lambda: controller.check is not None)
    assert finding_counts(controller.check)["overlap"] == 1


def test_a_row_of_a_removed_layer_says_so_instead_of_zooming(qtbot: Any, demo_window: Any) -> None:
    """After the result layers are removed (or another project opened) a click on a row
    leaves the map where it is and says why, instead of zooming to where nothing is drawn."""
    plant_neighbour_psap(demo_window)
    _run(qtbot, demo_window, _request(demo_window))
    for layer in list(demo_window.boundary_qa.layers):
        demo_window.project.remove_layer(layer)
    view = demo_window.canvas.view.extent
    click_row(qtbot, demo_window.boundary_panel, ("finding", 0))
    assert demo_window.canvas.view.extent == view
    assert "'Boundary findings' was removed" in demo_window.status.currentMessage()
