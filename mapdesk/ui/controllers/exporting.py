"""Save Features As: the dialog, then the export in a worker, reported in the status bar.

The export shows in the status bar's task area with a Cancel button (as
QGIS's task bar). A big export is written by a child process
(:mod:`mapdesk.io.whole_file`), which Cancel kills: the target stays as it
was and no temporary file is left.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from mapdesk.core.layer import VectorLayer
from mapdesk.export.vector import ExportResult, export_vector
from mapdesk.ui.actions import MapActions
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.export_layer import ExportLayerDialog, ExportRequest, source_file
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import ProgressCallback, Worker, WorkerPool, guarded_slot, report_exception


class ExportController(WindowController):
    """Exports the current layer (Layer ▸ Save Features As…, or its context menu)."""

    def __init__(
        self,
        panel: LayerPanel,
        actions: MapActions,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._panel = panel
        self._workers = workers
        self._status = status
        #: The exports running, and the names of their files.
        self._running: dict[Worker, str] = {}
        actions.export_layer.triggered.connect(self._on_export)
        status.cancel_requested.connect(self.cancel)

    @guarded_slot
    def _on_export(self) -> None:
        if (layer := self._panel.current_layer()) is not None:
            self.export(layer)

    def export(self, layer: VectorLayer) -> None:
        """Ask where and how, then write in a worker (the UI stays responsive)."""
        dialog = ExportLayerDialog(layer, _folder_of(layer), self._workers, self.parent_widget())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        request = dialog.request()
        if request.path.exists() and not self._may_replace(request.path):
            return
        self.start(layer, request, dialog.features())

    def start(
        self, layer: VectorLayer, request: ExportRequest, features: gpd.GeoDataFrame
    ) -> Worker:
        """Write ``features`` (the layer's, or its selection) as ``request`` says."""
        name = request.path.name
        self._status.show_task(f"Exporting {layer.name} to {name}…", cancellable=True)
        field_types = layer.data.attrs.get("field_types")
        field_rules = layer.data.attrs.get("field_rules")
        step_now = ["starting"]

        def work(progress: ProgressCallback) -> ExportResult:
            def told(step: str) -> None:
                step_now[0] = step
                progress(-1, step)

            return export_vector(
                features,
                request.path,
                crs=request.crs,
                field_types=field_types,
                layer_name=layer.name,
                source=source_file(layer),
                field_rules=field_rules,
                progress=told,
                # A cancelled worker's progress raises: the write stops (its child is killed).
                check=lambda: progress(-1, step_now[0]),
            )

        worker = self._workers.start(
            work,
            lambda result: self._exported(worker, layer, result),
            lambda error: self._failed(worker, error),
            description=f"Exporting {layer.name} to {name}",
            progress=lambda _percent, step: self._status.show_task(
                f"Exporting {layer.name}: {step}…", cancellable=True
            ),
        )
        self._running[worker] = name
        return worker

    @guarded_slot
    def cancel(self) -> None:
        """Stop every running export (the status bar's Cancel); their targets stay as they were."""
        if not self._running:
            return
        names = ", ".join(self._running.values())
        for worker in self._running:
            worker.cancel()
        self._running.clear()
        self._status.end_task()
        self._status.showMessage(f"Export cancelled; {names} was not written", 8000)

    def _done(self, worker: Worker) -> None:
        self._running.pop(worker, None)
        if not self._running:
            self._status.end_task()

    def _may_replace(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self.parent_widget(),
            "Save Features As",
            f"{path.name} already exists in {path.parent}.\n\nReplace it?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _exported(self, worker: Worker, layer: VectorLayer, result: ExportResult) -> None:
        self._done(worker)
        changes = len(result.plan.issues)
        noted = f", with {changes} announced change{'s' if changes != 1 else ''}" if changes else ""
        self._status.showMessage(
            f"Exported {result.features:,} features of {layer.name} to {result.path.name}{noted}",
            10000,
        )
        if result.warnings:
            QMessageBox.warning(
                self.parent_widget(),
                "Save Features As",
                f"{result.path.name} was written, but:\n\n" + "\n".join(result.warnings),
            )

    def _failed(self, worker: Worker, error: BaseException) -> None:
        self._done(worker)
        self._status.showMessage("The export failed; nothing was written", 8000)
        report_exception(error, self.parent_widget())


def _folder_of(layer: VectorLayer) -> Path:
    if layer.origin is not None and layer.origin.path:
        folder = Path(layer.origin.path).parent
        if folder.is_dir():
            return folder
    return Path.home()
