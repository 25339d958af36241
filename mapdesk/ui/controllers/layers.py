"""Adding layers: the Add Layer dialog, dropped files and command-line paths.

Files are inspected and read in workers; the layers are added to the project
on the UI thread. A read error is shown as a message naming the file and the
window stays usable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from mapdesk.core.errors import DataSourceError, EncodingUncertainError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.source_text import non_file_reason
from mapdesk.io.postgis.uri import is_postgis_uri
from mapdesk.io.registry import is_supported_path
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.add_layer import AddLayerDialog
from mapdesk.ui.dialogs.crs_dialog import CrsDialog
from mapdesk.ui.dialogs.text_encoding import TextEncodingDialog
from mapdesk.ui.loading import (
    AddLayerRequest,
    FileInspection,
    default_request,
    inspect_file,
    is_project_file,
    read_request,
)
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import (
    ProgressCallback,
    Worker,
    WorkerPool,
    guarded_slot,
    report_exception,
)


def accepts_path(path: str) -> bool:
    """True for files a drop may bring: project files and readable data files."""
    return is_project_file(path) or is_supported_path(path)


@dataclass(eq=False)
class _LoadTask:
    """One inspect or read running in a worker, for the status bar and Cancel."""

    file_name: str
    worker: Worker | None = None


class LayerLoadController(WindowController):
    """Reads files into layers off the UI thread and adds them to the project.

    The status bar's Cancel stops every running inspect/read: the UI returns
    at once and whatever the workers still deliver is thrown away.
    """

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
        self._open_project = open_project
        self._tasks: list[_LoadTask] = []
        status.cancel_requested.connect(self.cancel)

    # --- entry points ----------------------------------------------------------
    @guarded_slot
    def add_layer_dialog(self) -> None:
        """Layer ▸ Add Vector Layer…: choose a file and its layers, then read them."""
        dialog = AddLayerDialog(self._workers, self._parent)
        self._run_dialog(dialog)

    @guarded_slot
    def open_paths(self, paths: Iterable[str], choose: bool = True) -> None:
        """Open dropped or command-line files: projects replace, data files add.

        With ``choose`` a multi-layer file opens the layer chooser and a CSV
        its layout for confirmation; without, all layers are added with the
        detected layout (command line).
        """
        for path in paths:
            refusal = None if is_postgis_uri(path) else non_file_reason(path)
            if refusal is not None:  # a web address or pasted text: no worker for it
                report_exception(DataSourceError(refusal), self._parent)
            elif is_project_file(path):
                self._open_project(path)
            else:
                self.inspect(path, choose)

    def inspect(self, path: str, choose: bool = True) -> None:
        """List ``path``'s layers in a worker, then add them or ask which."""
        on_done = self._on_inspected if choose else self._on_inspected_add_all
        self._start(
            Path(path).name,
            f"Opening {Path(path).name}…",
            partial(inspect_file, path),
            on_done,
            description=f"Inspecting {path}",
        )

    def load(self, request: AddLayerRequest) -> None:
        """Read ``request``'s layers in a worker, then add them to the project."""
        self._start(
            request.file_name,
            f"Reading {request.file_name}…",
            partial(read_request, request),
            partial(self._on_loaded, request),
            description=f"Reading {request.path}",
            progress=self._on_progress,
            on_error=partial(self._on_read_failed, request),
        )

    @guarded_slot
    def cancel(self) -> None:
        """Stop every running inspect/read (the status bar's Cancel)."""
        if not self._tasks:
            return
        names = ", ".join(dict.fromkeys(task.file_name for task in self._tasks))
        for task in self._tasks:
            if task.worker is not None:
                task.worker.cancel()
        self._tasks.clear()
        self._status.end_task()
        self._status.showMessage(f"Loading {names} was cancelled", 8000)

    # --- worker results (UI thread) --------------------------------------------
    @guarded_slot
    def _on_inspected(self, inspection: FileInspection) -> None:
        if inspection.needs_choice:
            self._run_dialog(AddLayerDialog(self._workers, self._parent, inspection))
        else:
            self.load(default_request(inspection))

    @guarded_slot
    def _on_inspected_add_all(self, inspection: FileInspection) -> None:
        self.load(default_request(inspection))

    @guarded_slot
    def _on_loaded(self, request: AddLayerRequest, layers: list[VectorLayer]) -> None:
        for layer in layers:
            if layer.crs_missing:
                self.choose_missing_crs(layer)
        for layer in reversed(layers):  # the file's first layer ends on top
            self._project.add_layer(layer)
        noun = "layer" if len(layers) == 1 else "layers"
        self._status.showMessage(f"Added {len(layers)} {noun} from {request.file_name}", 8000)

    @guarded_slot
    def _on_read_failed(self, request: AddLayerRequest, exc: BaseException) -> None:
        if not isinstance(exc, EncodingUncertainError) or request.encoding is not None:
            report_exception(exc, self._parent)
            return
        self.choose_encoding(request, exc)

    def choose_encoding(self, request: AddLayerRequest, error: EncodingUncertainError) -> None:
        """Ask which text encoding a shapefile is in: OK reads it again, Cancel adds nothing."""
        dialog = TextEncodingDialog(error, self._parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_codec():
                self.load(replace(request, encoding=dialog.chosen_codec()))
            else:
                self._status.showMessage(f"{request.file_name} was not added", 8000)
        finally:
            dialog.deleteLater()

    def _on_progress(self, percent: int, message: str) -> None:
        self._status.show_task(message, percent)

    # --- tasks -----------------------------------------------------------------
    def _start(
        self,
        file_name: str,
        text: str,
        work: Callable[[ProgressCallback], Any],
        on_result: Callable[[Any], None],
        *,
        description: str,
        progress: Callable[[int, str], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        task = _LoadTask(file_name)
        self._tasks.append(task)
        self._status.show_task(text)
        task.worker = self._workers.start(
            work,
            partial(self._task_finished, task, on_result),
            partial(self._task_failed, task, on_error),
            description=description,
            progress=progress,
        )

    def _end(self, task: _LoadTask) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        if not self._tasks:
            self._status.end_task()

    def _task_finished(
        self, task: _LoadTask, on_result: Callable[[Any], None], result: Any
    ) -> None:
        self._end(task)
        on_result(result)

    def _task_failed(
        self,
        task: _LoadTask,
        on_error: Callable[[BaseException], None] | None,
        exc: BaseException,
    ) -> None:
        self._end(task)
        if on_error is not None:
            on_error(exc)
        else:
            report_exception(exc, self._parent)

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

    @property
    def busy(self) -> bool:
        """True while a file is being inspected or read."""
        return bool(self._tasks)
