"""Nearest Asset: the dialog, the analysis in a worker, the new layer in the project."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QWidget

from mapdesk.core.analysis.nearest import nearest_asset_layer
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.nearest_asset import NearestAssetDialog, NearestAssetRequest
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import WorkerPool, guarded_slot, report_exception


class NearestAssetController(WindowController):
    """Owns ``action`` (objectName ``actionNearestAsset``) that opens the dialog."""

    def __init__(
        self,
        project: Project,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._project, self._workers, self._status = project, workers, status
        self.action = QAction("&Nearest Asset…", parent_widget)
        self.action.setObjectName("actionNearestAsset")
        tip = "For each incident, the nearest asset (of a type) and the distance in metres"
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(guarded_slot(lambda _checked=False: self.open_dialog()))
        #: The last layer added (tests, scripts).
        self.last_layer: VectorLayer | None = None

    def open_dialog(self) -> None:
        dialog = NearestAssetDialog(list(self._project.layers), self.parent_widget())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        request = dialog.request()
        if request is None:
            raise MapdeskError("Nearest Asset needs an incidents layer and an asset layer.")
        self.run(request)

    def run(self, request: NearestAssetRequest) -> None:
        """Measure in a worker; the new layer goes on top of the project."""
        what = f"{request.incidents.name} → {request.assets.name}"
        self._status.showMessage(f"Finding the nearest asset: {what}…")
        self._workers.start(
            lambda _progress: nearest_asset_layer(
                request.incidents, request.assets, request.asset_type, self._project.crs
            ),
            self._add,
            lambda error: report_exception(error, self.parent_widget()),
            description=f"Nearest asset: {what}",
        )

    def _add(self, layer: VectorLayer) -> None:
        self._project.add_layer(layer)
        self.last_layer = layer
        self._status.showMessage(f"Added {layer.name} ({layer.feature_count} features)", 8000)
