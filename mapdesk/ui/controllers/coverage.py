"""Analysis ▸ Drive-Time Coverage…: the dialog, the study in a worker, the result layers
and the Coverage panel with its what-if.

The study (the road network, the stations and the placed addresses) is built
once per dialog run and kept: Recompute in the panel runs only the what-if on
it, as the CLI's ``--disable``/``--close`` do, and the panel compares it with
the baseline run. Every run shows in the status bar with a Cancel button; a
cancelled run adds nothing and leaves the previous layers as they were.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from mapdesk.core.analysis.coverage import (
    CoverageResult,
    CoverageStudy,
    WhatIf,
    coverage_layers,
    coverage_report,
)
from mapdesk.core.analysis.coverage.layer_inputs import (
    StudyLayers,
    address_labels,
    selected_rows,
)
from mapdesk.core.analysis.coverage.layers import ZONES
from mapdesk.core.analysis.coverage.styles import ResultLook, result_looks
from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.export.coverage_files import report_path_beside, write_coverage_files
from mapdesk.export.layer_set import check_layer_set_target
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.controllers.coverage_layers import CoverageLayers
from mapdesk.ui.dialogs.coverage import CoverageDialog, CoverageRequest
from mapdesk.ui.views.coverage_panel import CoveragePanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import ProgressCallback, Worker, WorkerPool, guarded_slot, report_exception

_TITLE = "Drive-time coverage"


@dataclass(frozen=True)
class CoverageRun:
    """One run's answer, made in a worker: the result, its layers and reports."""

    result: CoverageResult
    baseline: CoverageResult
    frames: dict[str, gpd.GeoDataFrame]
    looks: dict[str, ResultLook]
    report: dict[str, Any]
    baseline_report: dict[str, Any]


@dataclass(frozen=True)
class _Study:
    """The study kept for what-ifs, and what it was built from.

    Everything a what-if needs from the layers is taken when the study is
    built (the address labels, the roads' CRS, the layers' names): the user
    may edit or remove a layer afterwards, and a what-if must describe the
    study, not today's layers (an address deleted since would leave one
    label short).
    """

    study: CoverageStudy
    layers: StudyLayers
    roads_version: int
    crs: Any
    address_labels: list[str] | None
    inputs_described: dict[str, str]


def run_what_if(
    kept: _Study,
    what_if: WhatIf,
    baseline: CoverageResult | None,
    progress: ProgressCallback,
    is_cancelled: Callable[[], bool],
) -> CoverageRun:
    """Run ``what_if`` on the kept study (and the baseline when not known yet); its layers
    and reports as ``mapdesk coverage`` writes them.

    The run reports to its own ``progress`` and stops on its own ``is_cancelled``:
    a what-if cancelled by a newer one may still be running on the same study.
    """
    study = copy.copy(kept.study)
    study.progress, study.is_cancelled = _told(progress), is_cancelled
    result = study.run(what_if)
    if baseline is None:
        baseline = result if what_if.is_baseline else study.run()
    report = coverage_report(result, None if what_if.is_baseline else baseline)
    report["inputs"] = dict(kept.inputs_described)
    baseline_report = report if result is baseline else coverage_report(baseline)
    frames = coverage_layers(result, kept.crs, kept.address_labels)
    table = study.stations
    stations = list(zip(table.ids, table.names, strict=True))
    looks = result_looks(stations, study.options.minutes, kept.layers.station_type)
    return CoverageRun(result, baseline, frames, looks, report, baseline_report)


class CoverageController(WindowController):
    """Owns ``action`` (objectName ``actionDriveTimeCoverage``) and the Coverage panel.

    Attributes
    ----------
    results
        The ``Coverage: ...`` layers of the last run in the project.
    last_run
        The last run shown (None before the first).
    """

    def __init__(
        self,
        panel: CoveragePanel,
        project: Project,
        canvas: MapCanvas,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._panel, self._project, self._canvas = panel, project, canvas
        self._workers, self._status = workers, status
        self.action = QAction("Drive-Time &Coverage…", parent_widget)
        self.action.setObjectName("actionDriveTimeCoverage")
        tip = "Travel-time areas, first-due zones, fractile coverage and gaps of stations"
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(guarded_slot(lambda _checked=False: self.open_dialog()))
        self.results = CoverageLayers(project)
        self.last_run: CoverageRun | None = None
        self._study: _Study | None = None
        self._running: tuple[Worker, threading.Event] | None = None
        panel.recompute_requested.connect(guarded_slot(lambda: self.recompute()))
        panel.export_requested.connect(guarded_slot(lambda: self._on_export()))
        panel.station_activated.connect(guarded_slot(self.zoom_to_zone))
        status.cancel_requested.connect(self.cancel)

    @property
    def study(self) -> CoverageStudy | None:
        """The study the what-ifs run on (None before the first run)."""
        return self._study.study if self._study is not None else None

    # --- running -----------------------------------------------------------------------
    def open_dialog(self) -> None:
        dialog = CoverageDialog(list(self._project.layers), self.parent_widget())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.start(dialog.request() or dialog.build_request())

    def start(self, request: CoverageRequest) -> Worker:
        """Build the study and run it (what-if included) in a worker; show it when done."""
        self.cancel()
        inputs, layers = request.layers.inputs(), request.layers
        what_if = WhatIf(request.disabled, request.closed_roads)
        version, described = layers.roads.data_version, layers.described()
        stop = threading.Event()

        def work(progress: ProgressCallback) -> tuple[_Study, CoverageRun]:
            study = CoverageStudy(inputs, request.options, _told(progress), stop.is_set)
            labels = address_labels(inputs.addresses) if inputs.addresses is not None else None
            kept = _Study(study, layers, version, inputs.roads.crs, labels, described)
            return kept, run_what_if(kept, what_if, None, progress, stop.is_set)

        return self._start(work, lambda answer: self._show(*answer), stop)

    def recompute(self) -> Worker:
        """Run the panel's what-if on the study built last (the network is not rebuilt).

        Raises
        ------
        MapdeskError
            Before any run, when every station is unticked, or when the roads
            were edited or removed since the study was built.
        """
        kept, last = self._study, self.last_run
        if kept is None or last is None:
            raise MapdeskError("Run Analysis ▸ Drive-Time Coverage… first.")
        if not self._panel.in_service():
            raise MapdeskError("Keep at least one station in service to recompute.")
        self._check_roads_open(kept)
        what_if = WhatIf(self._panel.disabled_stations(), self._closed_roads(kept))
        self.cancel()
        stop = threading.Event()
        baseline = last.baseline

        def work(progress: ProgressCallback) -> CoverageRun:
            return run_what_if(kept, what_if, baseline, progress, stop.is_set)

        return self._start(work, lambda run: self._show(kept, run), stop)

    def _roads_open(self, kept: _Study) -> bool:
        """Whether the study's road layer is still in the project (not removed, no other
        project opened since)."""
        return any(kept.layers.roads is layer for layer in self._project.layers)

    def _check_roads_open(self, kept: _Study) -> None:
        if not self._roads_open(kept):
            raise MapdeskError(
                f"'{kept.layers.roads.name}' is no longer in the project (removed, or another "
                "project was opened): run Drive-Time Coverage again."
            )

    def _closed_roads(self, kept: _Study) -> frozenset[int]:
        if not self._panel.close_roads.isChecked():
            return frozenset()
        roads = kept.layers.roads
        if roads.data_version != kept.roads_version:
            raise MapdeskError(
                f"'{roads.name}' was edited since the coverage was built: run Drive-Time "
                "Coverage again so the network has the edits."
            )
        return selected_rows(roads)

    def cancel(self) -> None:
        """Stop the run going on (the status bar's Cancel); nothing of it is added."""
        if self._running is None:
            return
        worker, stop = self._running
        stop.set()
        worker.cancel()
        self._end("Drive-time coverage cancelled; nothing was added")

    def _start(self, work: Callable[[Any], Any], done: Callable[[Any], None], stop: Any) -> Worker:
        self._status.show_task(f"{_TITLE}…")
        self._panel.set_busy(True)

        def finished(answer: Any) -> None:
            self._end()
            done(answer)

        worker = self._workers.start(
            work,
            finished,
            self._failed,
            description=_TITLE,
            progress=lambda _percent, step: self._status.show_task(f"{_TITLE}: {step}…"),
        )
        self._running = (worker, stop)
        return worker

    def _end(self, message: str = "") -> None:
        self._running = None
        self._status.end_task()
        self._panel.set_busy(False, has_result=self.last_run is not None)
        if message:
            self._status.showMessage(message, 8000)

    def _failed(self, error: BaseException) -> None:
        self._end()
        report_exception(error, self.parent_widget())

    # --- showing -----------------------------------------------------------------------
    def _show(self, kept: _Study, run: CoverageRun) -> None:
        if not self._roads_open(kept):  # removed, or another project opened, while it ran
            self._status.showMessage(
                f"{_TITLE}: '{kept.layers.roads.name}' left the project while the coverage "
                "ran; nothing was added",
                15000,
            )
            return
        new_study = self._study is not kept
        if new_study:
            self._watch_roads(kept)
        self._study, self.last_run = kept, run
        self.results.replace(run.frames, run.looks)
        table = kept.study.stations
        if new_study:
            self._panel.set_stations(
                list(zip(table.ids, table.names, strict=True)), run.result.what_if.disabled_stations
            )
        self._panel.show_report(run.report, run.baseline_report, _summary(run, kept.layers))
        self._panel.set_busy(False)
        self._panel.show()
        self._panel.raise_()
        self._status.showMessage(f"{_TITLE}: {_headline(run.report)}", 15000)

    def shutdown(self) -> None:
        """Stop a run going on and stop following the road layer's selection."""
        self.cancel()
        if self._study is not None:
            self._study.layers.roads.selection_changed.disconnect(self._on_road_selection)

    def _watch_roads(self, kept: _Study) -> None:
        if self._study is not None:
            self._study.layers.roads.selection_changed.disconnect(self._on_road_selection)
        kept.layers.roads.selection_changed.connect(self._on_road_selection)
        roads = kept.layers.roads
        self._panel.set_selected_roads(len(roads.selected_fids), roads.name)

    def _on_road_selection(self, *_args: Any) -> None:
        if self._study is not None:
            roads = self._study.layers.roads
            self._panel.set_selected_roads(len(roads.selected_fids), roads.name)

    def zoom_to_zone(self, station: str) -> None:
        """Zoom the map to ``station``'s first-due zone (a disabled station has none)."""
        zones = self.results.layers.get(ZONES)
        if zones is None or self._project.crs is None:
            return
        mine = zones.data[zones.data["station_id"] == station]
        if mine.empty:
            self._status.showMessage(f"{station} has no first-due zone in this run", 8000)
            return
        x0, y0, x1, y1 = (float(v) for v in mine.to_crs(self._project.crs).total_bounds)
        margin = 0.1 * max(x1 - x0, y1 - y0)
        self._canvas.zoom_to_extent((x0 - margin, y0 - margin, x1 + margin, y1 + margin))

    # --- export ------------------------------------------------------------------------
    def _on_export(self) -> None:
        if self.last_run is None:
            return
        folder = self._project.path.parent if self._project.path is not None else Path.home()
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget(),
            "Export Coverage",
            str(folder / "coverage.gpkg"),
            "GeoPackage (*.gpkg)",
        )
        if path:
            target = Path(path)
            self.export_to(target if target.suffix.lower() == ".gpkg" else Path(f"{path}.gpkg"))

    def export_to(self, output: Path) -> Worker:
        """Write the last run's layers to ``output`` and its report beside it, as the CLI."""
        run, kept = self.last_run, self._study
        if run is None or kept is None:
            raise MapdeskError("Run Analysis ▸ Drive-Time Coverage… first.")
        check_layer_set_target(output)
        report_path = report_path_beside(output)
        sources = [Path(path) for path in kept.layers.source_paths()]
        self._status.show_task(f"Exporting the coverage to {output.name}…", cancellable=False)
        return self._workers.start(
            lambda _progress: write_coverage_files(
                run.frames, output, run.report, report_path, sources
            ),
            lambda _none: self._exported(output, report_path),
            self._export_failed,
            description=f"Exporting the coverage to {output.name}",
        )

    def _exported(self, output: Path, report_path: Path) -> None:
        self._status.end_task()
        self._status.showMessage(f"Exported the coverage to {output.name} and {report_path.name}")

    def _export_failed(self, error: BaseException) -> None:
        self._status.end_task()
        report_exception(error, self.parent_widget())


def _told(progress: ProgressCallback) -> Callable[[str], None]:
    """The study's step messages as worker progress (which raises once cancelled)."""
    return lambda step: progress(-1, step)


def _headline(report: dict[str, Any]) -> str:
    addresses = report.get("addresses")
    if addresses is None:
        return f"{_responding(report)} stations"
    bands = ", ".join(
        f"{share['percent']:.1f} % within {band} min"
        for band, share in addresses["bands"].items()
        if share["percent"] is not None
    )
    return f"{_responding(report)} stations; addresses {bands}"


def _responding(report: dict[str, Any]) -> int:
    return sum(1 for station in report["stations"] if station["status"] == "in service")


def _summary(run: CoverageRun, layers: StudyLayers) -> str:
    """What was run, in a sentence or two, for the top of the panel."""
    report = run.report
    kind = f"{layers.station_type.lower()} " if layers.station_type else ""
    total = len(report["stations"])
    bands = ", ".join(f"{m:g}" for m in report["minutes"])
    turnout = "drive only" if report["options"]["travel_only"] else "turnout included"
    text = (
        f"{_responding(report)} of {total} {kind}stations responding; bands {bands} min "
        f"from the alert ({turnout})."
    )
    what_if = report.get("what_if")
    if what_if:
        parts = []
        if what_if["disabled_stations"]:
            parts.append(f"{', '.join(what_if['disabled_stations'])} out of service")
        if what_if["closed_roads"]:
            count = len(what_if["closed_roads"])
            parts.append(f"{count} road{'s' if count != 1 else ''} closed")
        text += f" What-if: {'; '.join(parts)}."
    warnings = len(report["warnings"])
    if warnings:
        text += f" {warnings} note{'s' if warnings != 1 else ''} on the data in the report."
    return text
