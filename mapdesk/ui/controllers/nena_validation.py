"""Analysis ▸ Validate NENA Data…: the CLI's validation on the project's layers, in a worker.

The dialog proposes a project layer for each NENA layer (as ``mapdesk nena
validate`` finds them in a file); the validation runs in a worker with
progress and Cancel in the status bar, on the layers as they are now (unsaved
edits included). The NENA Validation panel lists the counts per rule and the
errors; the error-location layer is added to the project, or replaces the
one of the last run. A cancelled run changes nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QWidget

from mapdesk.core.analysis.nena import ValidationOptions, ValidationResult, validate_nena
from mapdesk.core.analysis.nena.project_layers import (
    ProjectNenaLayers,
    nena_layers,
    proposed_roles,
)
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.export.nena_report import write_report_html, write_report_json
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.controllers.identify import IdentifyController
from mapdesk.ui.controllers.nena_error_layer import error_layer, is_error_layer, replace_error_layer
from mapdesk.ui.controllers.nena_zoom import FindingLocator
from mapdesk.ui.dialogs.nena_validation import NenaValidationDialog, NenaValidationRequest
from mapdesk.ui.views.nena_panel import NenaValidationPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import ProgressCallback, Worker, WorkerPool, guarded_slot, report_exception

TITLE = "Validate NENA Data"


@dataclass(frozen=True)
class _Run:
    """A validation asked for: what was chosen, and the layers it read."""

    request: NenaValidationRequest
    layers: ProjectNenaLayers


class NenaValidationController(WindowController):
    """Owns ``action`` (objectName ``actionValidateNena``) and the NENA Validation panel.

    Attributes
    ----------
    result
        The validation shown in the panel (None before the first).
    error_layer
        The error-location layer of the last run, while the project has it.
    """

    def __init__(
        self,
        panel: NenaValidationPanel,
        project: Project,
        canvas: MapCanvas,
        identify: IdentifyController,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._panel, self._project, self._identify = panel, project, identify
        self._workers, self._status = workers, status
        self._locator = FindingLocator(project, canvas, status)
        self._last: _Run | None = None
        self._running: tuple[Worker, threading.Event] | None = None
        self.result: ValidationResult | None = None
        self.error_layer: VectorLayer | None = None
        self.action = QAction("Validate &NENA Data…", parent_widget)
        self.action.setObjectName("actionValidateNena")
        tip = "Check the NENA NG9-1-1 layers of the project (NENA-STA-006.3) and list the errors"
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(guarded_slot(lambda _checked=False: self.open_dialog()))
        panel.finding_clicked.connect(guarded_slot(self._locator.zoom_to))
        panel.attributes_requested.connect(guarded_slot(self.show_attributes))
        panel.rerun_requested.connect(guarded_slot(self.rerun))
        panel.export_requested.connect(guarded_slot(self.export_dialog))
        status.cancel_requested.connect(self.cancel)

    # --- asking --------------------------------------------------------------------
    def open_dialog(self) -> None:
        """Ask which layers and options, prefilled; validate when the user says so."""
        layers = [x for x in self._project.layers if not is_error_layer(x)]
        proposed = self.proposed_layers(layers)
        options = self._last.request.options if self._last else ValidationOptions()
        dialog = NenaValidationDialog(layers, proposed, options, self.parent_widget())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.run(dialog.request())

    def proposed_layers(self, layers: list[VectorLayer]) -> dict[str, VectorLayer]:
        """The last run's choices while those layers are open, else what matching finds."""
        if self._last is not None and self._still_open(self._last.request):
            return dict(self._last.request.chosen)
        by_name = {x.name: x for x in reversed(layers)}  # the top one of two alike
        return {role: by_name[m.layer] for role, m in proposed_roles(layers).items()}

    def _still_open(self, request: NenaValidationRequest) -> bool:
        return all(layer in self._project.layers for layer in request.chosen.values())

    @guarded_slot
    def rerun(self) -> Worker | None:
        """Validate the same layers with the same options (the dialog when one was removed)."""
        if self._last is None or not self._still_open(self._last.request):
            self.open_dialog()
            return None
        return self.run(self._last.request)

    # --- running ---------------------------------------------------------------------
    def run(self, request: NenaValidationRequest) -> Worker:
        """Validate in a worker; the panel and the error layer show the result."""
        layers = [x for x in self._project.layers if not is_error_layer(x)]
        run = _Run(request, nena_layers(request.chosen, proposed_roles(layers)))
        self.cancel()  # one validation at a time
        stop = threading.Event()
        self._status.show_task(f"{TITLE}…", 0)
        self._panel.set_running(True)

        def work(progress: ProgressCallback) -> tuple[ValidationResult, VectorLayer]:
            found = run.layers
            result = validate_nena(
                found.frames, found.roles, request.options, progress, is_cancelled=stop.is_set
            )
            return result, error_layer(result)

        worker = self._workers.start(
            work,
            lambda answer: self._show(run, *answer),
            self._failed,
            description=TITLE,
            progress=lambda percent, step: self._status.show_task(f"NENA: {step}…", percent),
        )
        self._running = (worker, stop)
        return worker

    def cancel(self) -> None:
        """Stop the validation running (the status bar's Cancel): nothing is shown or added."""
        if self._running is None:
            return
        worker, stop = self._running
        stop.set()
        worker.cancel()
        self._end("NENA validation cancelled; the panel and layers are unchanged")

    @property
    def running(self) -> bool:
        return self._running is not None

    def _end(self, message: str = "") -> None:
        self._running = None
        self._status.end_task()
        self._panel.set_running(False)
        if message:
            self._status.showMessage(message, 10000)

    def _failed(self, error: BaseException) -> None:
        self._end("NENA validation failed")
        report_exception(error, self.parent_widget())

    def _show(self, run: _Run, result: ValidationResult, layer: VectorLayer) -> None:
        if result.cancelled:  # stopped between checks after Cancel: nothing to show
            self._end()
            return
        gone = [name for name, x in run.layers.layers.items() if not self._in_project(x)]
        if gone:  # removed, or another project opened, while it ran: not this project's errors
            self._end(
                f"NENA validation: '{gone[0]}' left the project while it was validated; "
                "nothing was added"
            )
            return
        self._last, self.result = run, result
        self._locator.layers = run.layers.layers
        previous = [self.error_layer] if self.error_layer is not None else []
        self.error_layer = replace_error_layer(self._project, layer, previous)
        self._panel.set_result(result, self._source_name())
        self._panel.show()
        self._panel.raise_()
        total = len(result.findings)
        self._end(f"NENA validation: {total:,} error{'s' if total != 1 else ''} found")

    def _in_project(self, layer: VectorLayer) -> bool:
        return any(layer is present for present in self._project.layers)

    def _source_name(self) -> str:
        path = self._project.path
        return path.name if path is not None else ""

    # --- the panel's rows ---------------------------------------------------------------
    def show_attributes(self, finding: object) -> None:
        """Show the feature of an error in Identify Results (and zoom to it)."""
        found = self._locator.zoom_to(finding)
        if found is not None:
            layer, row = found
            self._identify.show_feature(layer, row)

    # --- reports ---------------------------------------------------------------------
    def export_dialog(self) -> None:
        """Ask where, then write report.json or the HTML report (by the extension)."""
        if self.result is None:
            return
        folder = self._project.path.parent if self._project.path else Path.home()
        path, chosen = QFileDialog.getSaveFileName(
            self.parent_widget(),
            "Export NENA Validation Report",
            str(folder / "report.json"),
            "JSON report (*.json);;HTML report (*.html)",
        )
        if path:
            self.export(_with_suffix(Path(path), chosen))

    def export(self, path: Path) -> Worker | None:
        """Write the report shown to ``path`` (.html: the HTML report, else report.json)."""
        result, source = self.result, self._source_name()
        if result is None:
            return None

        def write(_progress: object) -> Path:
            if path.suffix.lower() in (".html", ".htm"):
                write_report_html(result, path, source=source)
            else:
                write_report_json(result, path)
            return path

        return self._workers.start(
            write,
            lambda written: self._status.showMessage(f"Wrote {written}", 10000),
            lambda error: report_exception(error, self.parent_widget()),
            description=f"Writing {path.name}",
        )


def _with_suffix(path: Path, chosen_filter: str) -> Path:
    if path.suffix.lower() in (".json", ".html", ".htm"):
        return path
    return path.with_name(path.name + (".html" if "html" in chosen_filter.lower() else ".json"))


def add_panel(window: QMainWindow, panel: NenaValidationPanel) -> None:
    """Dock the panel at the right, hidden until a validation is shown."""
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    panel.hide()
