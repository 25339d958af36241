"""NENA layers in the app: Create Layer ▸ New NENA Layers… and Layer ▸ Import into NENA Layer….

Both write in a worker (io.nena_gpkg, io.nena_import) and add what they
wrote to the project. A NENA layer the project already shows from the target
file is replaced in the project by the imported one (its features are in the
file now); one in edit mode is never touched, and a layer is replaced in the
file only when the user asks.
"""

from __future__ import annotations

import threading
from pathlib import Path

from pyproj import CRS
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.io.loader import load_layer
from mapdesk.io.nena_gpkg import create_nena_layers
from mapdesk.io.nena_import import NenaImportResult, import_into_nena
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.controllers.layer_targets import ask_to_replace, open_in_project, refuse_if_open
from mapdesk.ui.dialogs.nena_import import NenaImportChoice, NenaImportDialog
from mapdesk.ui.dialogs.new_nena_layers import NenaLayersRequest, NewNenaLayersDialog
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import (
    ProgressCallback,
    Worker,
    WorkerPool,
    report_exception,
)

DEFAULT_FILE = "nena.gpkg"


class NenaLayersController(WindowController):
    """Owns ``create_action`` (``actionNewNenaLayers``) and ``import_action``
    (``actionImportIntoNena``)."""

    def __init__(
        self,
        project: Project,
        panel: LayerPanel,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._project, self._panel, self._workers, self._status = project, panel, workers, status
        self.create_action = self.make_action(
            "New NENA &Layers…",
            "actionNewNenaLayers",
            "Create empty NENA NG9-1-1 (v3) layers in a GeoPackage, with NENA's fields and "
            "coded values",
            self.open_create_dialog,
        )
        self.import_action = self.make_action(
            "Import into &NENA Layer…",
            "actionImportIntoNena",
            "Import a layer into a NENA v3 layer through a field mapping: NGUIDs made, "
            "DateUpdate and DiscrpAgID stamped",
            self.open_import_dialog,
        )
        #: The layers last added (tests, scripts).
        self.last_layers: list[VectorLayer] | None = None
        self.last_import: NenaImportResult | None = None
        self._running: Worker | None = None
        self._committed = threading.Event()  # set once the running import is in the file
        status.cancel_requested.connect(self.cancel)

    def _default_path(self) -> Path:
        folder = self._project.path.parent if self._project.path else Path.home()
        return folder / DEFAULT_FILE

    # --- New NENA Layers -------------------------------------------------------------------
    def open_create_dialog(self) -> None:
        crs = self._project.crs or CRS.from_epsg(4326)
        dialog = NewNenaLayersDialog(self._default_path(), crs, self.parent_widget())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        request = dialog.request()
        if request is None:
            return
        replacing = ask_to_replace(
            self._project, self.parent_widget(), "New NENA Layers", request.path, request.layers
        )
        if replacing is not None:
            self.start_create(request, replacing)

    def start_create(self, request: NenaLayersRequest, replace: bool = False) -> Worker:
        """Write and read back the layers in a worker; add them when done."""
        self._status.show_task(f"Creating NENA layers in {request.path.name}…", cancellable=False)

        def work(_progress: object) -> list[VectorLayer]:
            written = create_nena_layers(request.path, request.crs, request.layers, replace)
            return [load_layer(str(request.path), table) for table in written]

        return self._workers.start(
            work, self._created, self._failed, description=f"Creating NENA layers in {request.path}"
        )

    def _created(self, layers: list[VectorLayer]) -> None:
        self._status.end_task()
        for layer in reversed(layers):  # polygons last in NENA's order: drawn first
            self._project.add_layer(layer)
        self._panel.select_layer(layers[0])
        self.last_layers = layers
        names = ", ".join(layer.name for layer in layers)
        self._status.showMessage(f"Added {len(layers)} empty NENA layer(s): {names}", 10000)

    # --- Import into NENA Layer ------------------------------------------------------------
    def open_import_dialog(self) -> None:
        layers = list(self._project.layers)
        if not any(layer.geometry_type for layer in layers):
            raise MapdeskError("Add the layer to import to the project first (Layer ▸ Add Layer)")
        dialog = NenaImportDialog(layers, self._default_path(), self.parent_widget())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        choice = dialog.choice()
        if choice is not None:
            self.start_import(choice)

    def start_import(self, choice: NenaImportChoice) -> Worker:
        """Import in a worker, with Cancel; the imported layer is added when done."""
        request, source = choice.request, choice.source
        shown = self._shown_targets(request.target, request.layer)
        if request.replace:
            refuse_if_open(self._project, request.target, [request.layer])
        editing = [layer.name for layer in shown if layer.is_editing]
        if editing:
            raise MapdeskError(
                f"{', '.join(editing)} is in edit mode: save or discard its edits before "
                f"importing into {request.layer}"
            )
        what = f"{source.name} → {request.layer}"
        self._status.show_task(f"Importing {what}…")
        committed = self._committed = threading.Event()

        def work(progress: ProgressCallback) -> tuple[NenaImportResult, VectorLayer]:
            result = import_into_nena(
                source.data, source.name, request, progress=lambda text: progress(-1, text)
            )
            committed.set()  # from here the file has the features: Cancel no longer undoes
            return result, load_layer(str(result.target), result.layer)

        self._running = self._workers.start(
            work,
            lambda done: self._imported(done, shown),
            self._import_failed,
            description=f"Importing {what} into {request.target}",
        )
        return self._running

    def cancel(self) -> None:
        """Stop the import running now (the status bar's Cancel); the file stays as it was."""
        if self._running is not None and self._committed.is_set():
            # Too late to undo: the features are in the file. Let the worker
            # finish, so the project shows what the file now holds.
            self._status.showMessage(
                "The import was already written to the GeoPackage; adding the layer…", 8000
            )
            return
        if self._running is not None:
            self._running.cancel()
            self._running = None
            self._status.end_task()
            self._status.showMessage("Import cancelled; the GeoPackage was not changed", 8000)

    def _shown_targets(self, path: Path, table: str) -> list[VectorLayer]:
        names = set(open_in_project(self._project, path, [table]))
        return [layer for layer in self._project.layers if layer.name in names]

    def _imported(
        self, done: tuple[NenaImportResult, VectorLayer], stale: list[VectorLayer]
    ) -> None:
        self._status.end_task()
        self._running = None
        result, layer = done
        for old in stale:  # the file has the imported features now
            if old in self._project.layers:
                self._project.remove_layer(old)
        self._project.add_layer(layer)
        self._panel.select_layer(layer)
        self.last_layers, self.last_import = [layer], result
        summary = (
            f"Imported {result.count:,} feature(s) into {result.layer} in {result.target.name}; "
            f"{result.generated:,} new NGUID(s)"
        )
        self._status.showMessage(summary, 10000)
        if result.notes:
            QMessageBox.information(
                self.parent_widget(),
                "Import into NENA Layer",
                summary + ".\n\n" + "\n".join(f"• {note}" for note in result.notes),
            )

    def _import_failed(self, error: BaseException) -> None:
        self._running = None
        self._failed(error)

    def _failed(self, error: BaseException) -> None:
        self._status.end_task()
        report_exception(error, self.parent_widget())
