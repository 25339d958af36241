"""Save Features As: the dialog, then the export in a worker, reported in the status bar."""

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
from mapdesk.ui.workers import WorkerPool, guarded_slot, report_exception


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
        actions.export_layer.triggered.connect(self._on_export)

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

    def start(self, layer: VectorLayer, request: ExportRequest, features: gpd.GeoDataFrame) -> None:
        """Write ``features`` (the layer's, or its selection) as ``request`` says."""
        name = request.path.name
        self._status.showMessage(f"Exporting {layer.name} to {name}…")
        field_types = layer.data.attrs.get("field_types")
        field_rules = layer.data.attrs.get("field_rules")
        self._workers.start(
            lambda progress: export_vector(
                features,
                request.path,
                crs=request.crs,
                field_types=field_types,
                layer_name=layer.name,
                source=source_file(layer),
                field_rules=field_rules,
                progress=lambda step: progress(0, step),
            ),
            lambda result: self._exported(layer, result),
            self._failed,
            description=f"Exporting {layer.name} to {name}",
            progress=lambda _percent, step: self._status.showMessage(f"Exporting: {step}…"),
        )

    def _may_replace(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self.parent_widget(),
            "Save Features As",
            f"{path.name} already exists in {path.parent}.\n\nReplace it?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _exported(self, layer: VectorLayer, result: ExportResult) -> None:
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

    def _failed(self, error: BaseException) -> None:
        self._status.showMessage("The export failed; nothing was written", 8000)
        report_exception(error, self.parent_widget())


def _folder_of(layer: VectorLayer) -> Path:
    if layer.origin is not None and layer.origin.path:
        folder = Path(layer.origin.path).parent
        if folder.is_dir():
            return folder
    return Path.home()
