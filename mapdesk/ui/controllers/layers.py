"""Adding layers: the Add Layer dialog, dropped files and command-line paths.

Files are inspected and read in workers; the layers are added to the project
on the UI thread. A read error is shown as a message naming the file and the
window stays usable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.io.registry import is_supported_path
from mapdesk.ui.dialogs.add_layer import AddLayerDialog
from mapdesk.ui.dialogs.crs_dialog import CrsDialog
from mapdesk.ui.loading import (
    AddLayerRequest,
    FileInspection,
    default_request,
    inspect_file,
    is_project_file,
    read_request,
)
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import WorkerPool, guarded_slot, report_exception


def accepts_path(path: str) -> bool:
    """True for files a drop may bring: project files and readable data files."""
    return is_project_file(path) or is_supported_path(path)


class LayerLoadController(QObject):
    """Reads files into layers off the UI thread and adds them to the project.

    Signals
    -------
    layers_added(list[VectorLayer])
    """

    layers_added = Signal(list)

    def __init__(
        self,
        project: Project,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
        open_project: Callable[[str], None],
    ) -> None:
        super().__init__(parent_widget)
        self._project = project
        self._workers = workers
        self._status = status
        self._parent = parent_widget
        self._open_project = open_project
        self._loading = 0

    def parent_widget(self) -> QWidget:
        return self._parent

    # --- entry points ----------------------------------------------------------
    @guarded_slot
    def add_layer_dialog(self) -> None:
        """Layer ▸ Add Vector Layer…: choose a file and its layers, then read them."""
        dialog = AddLayerDialog(self._workers, self._parent)
        self._run_dialog(dialog)

    @guarded_slot
    def open_paths(self, paths: Iterable[str], choose: bool = True) -> None:
        """Open dropped or command-line files: projects replace, data files add.

        With ``choose`` a multi-layer file opens the layer chooser; without,
        all its layers are added (command line).
        """
        for path in paths:
            if is_project_file(path):
                self._open_project(path)
            else:
                self.inspect(path, choose)

    def inspect(self, path: str, choose: bool = True) -> None:
        """List ``path``'s layers in a worker, then add them or ask which."""
        self._begin_task(f"Opening {Path(path).name}…")
        on_done = self._on_inspected if choose else self._on_inspected_add_all
        self._workers.start(
            partial(inspect_file, path), on_done, self._on_failed, description=f"Inspecting {path}"
        )

    def load(self, request: AddLayerRequest) -> None:
        """Read ``request``'s layers in a worker, then add them to the project."""
        self._begin_task(f"Reading {request.file_name}…")
        self._workers.start(
            partial(read_request, request),
            self._on_loaded,
            self._on_failed,
            description=f"Reading {request.path}",
            progress=self._on_progress,
        )

    # --- worker results (UI thread) --------------------------------------------
    @guarded_slot
    def _on_inspected(self, inspection: FileInspection) -> None:
        self._end_task()
        if inspection.needs_choice:
            self._run_dialog(AddLayerDialog(self._workers, self._parent, inspection))
        else:
            self.load(default_request(inspection))

    @guarded_slot
    def _on_inspected_add_all(self, inspection: FileInspection) -> None:
        self._end_task()
        self.load(default_request(inspection))

    @guarded_slot
    def _on_loaded(self, layers: list[VectorLayer]) -> None:
        self._end_task()
        for layer in layers:
            if layer.crs_missing:
                self.choose_missing_crs(layer)
        for layer in reversed(layers):  # the file's first layer ends on top
            self._project.add_layer(layer)
        self.layers_added.emit(layers)

    def _on_failed(self, exc: BaseException) -> None:
        self._end_task()
        report_exception(exc, self._parent)

    def _on_progress(self, percent: int, message: str) -> None:
        self._status.show_task(message, percent)

    # --- helpers ---------------------------------------------------------------
    def _run_dialog(self, dialog: AddLayerDialog) -> None:
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                request = dialog.request()
                if request is not None:
                    self.load(request)
        finally:
            dialog.deleteLater()

    def choose_missing_crs(self, layer: VectorLayer) -> None:
        """Ask for the CRS of a layer whose file declares none (may stay unknown)."""
        source = layer.origin.path if layer.origin else layer.name
        dialog = CrsDialog(
            self._parent,
            f"CRS of {layer.name}",
            current=self._project.crs,
            message=(
                f"{source} declares no coordinate reference system. Choose the CRS its "
                "coordinates are in, or leave it unknown: the layer is then drawn where "
                "its numbers fall, and flagged in the layer panel."
            ),
            allow_unknown=True,
        )
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_crs is not None:
                layer.set_crs(dialog.chosen_crs)
        finally:
            dialog.deleteLater()

    def _begin_task(self, text: str) -> None:
        self._loading += 1
        self._status.show_task(text)

    def _end_task(self) -> None:
        self._loading = max(0, self._loading - 1)
        if self._loading == 0:
            self._status.end_task()

    @property
    def busy(self) -> bool:
        """True while a file is being inspected or read."""
        return self._loading > 0
