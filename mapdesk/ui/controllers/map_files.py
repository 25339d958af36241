"""Project ▸ Import/Export: printed maps (PDF/PNG), web maps and QGIS projects,
made in a worker.

Each export shows in the status bar's task area with a Cancel button (as
QGIS's task bar); a cancelled export leaves no file behind. What a web map
left out (personal data, unreadable layers) is told when it is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.export.map_layout import MapLayoutResult, plan_map, write_map
from mapdesk.export.qgis import QgisExportResult, export_qgis_project
from mapdesk.export.web import WebMapResult, export_web_map
from mapdesk.ui.actions import MapActions
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.map_layout import MapLayoutDialog, MapLayoutRequest
from mapdesk.ui.dialogs.web_map import WebMapDialog, WebMapRequest
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import Worker, WorkerPool, guarded_slot, report_exception


class MapFilesController(WindowController):
    """Export Map to PDF/PNG (Ctrl+P), Export Web Map and Export QGIS Project
    (Project ▸ Import/Export)."""

    def __init__(
        self,
        project: Project,
        actions: MapActions,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._project = project
        self._workers = workers
        self._status = status
        self._running: tuple[Worker, threading.Event] | None = None
        actions.export_map_layout.triggered.connect(self._on_export_map)
        actions.export_web_map.triggered.connect(self._on_export_web)
        actions.export_qgis_project.triggered.connect(self._on_export_qgis)
        status.cancel_requested.connect(self.cancel)

    # --- printed maps ------------------------------------------------------------------
    @guarded_slot
    def _on_export_map(self) -> None:
        dialog = MapLayoutDialog(self._project, self._folder(), self._workers, self.parent_widget())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.export_map(dialog.request())

    def export_map(self, request: MapLayoutRequest, ask: bool = True) -> Worker | None:
        """Plan the pages here (from the project as it is now), ask before
        replacing files, then draw and write them in a worker."""
        try:
            plan = plan_map(self._project, request.path, request.options)
        except MapdeskError as exc:
            report_exception(exc, self.parent_widget())
            return None
        if ask and not self._may_replace(plan.replaces):
            return None
        stop = threading.Event()
        return self._start(
            lambda progress: write_map(
                plan, progress=lambda step: progress(0, step), is_cancelled=stop.is_set
            ),
            self._map_written,
            f"Exporting the map to {request.path.name}",
            stop,
        )

    def _map_written(self, result: MapLayoutResult) -> None:
        if result.cancelled:
            self._status.showMessage("Map export cancelled; nothing was written", 8000)
            return
        pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
        where = result.paths[0].name if len(result.paths) == 1 else f"{len(result.paths)} files"
        self._status.showMessage(f"Exported the map ({pages}) to {where}", 10000)
        if result.warnings:
            QMessageBox.information(self.parent_widget(), "Export Map", "\n".join(result.warnings))

    # --- web maps ----------------------------------------------------------------------
    @guarded_slot
    def _on_export_web(self) -> None:
        dialog = WebMapDialog(self._project, self._folder(), self.parent_widget())
        if dialog.exec() == QDialog.DialogCode.Accepted and self._may_replace(
            (dialog.request().path,)
        ):
            self.export_web(dialog.request())

    def export_web(self, request: WebMapRequest) -> Worker:
        """Write the web map in a worker."""
        stop = threading.Event()
        return self._start(
            lambda progress: export_web_map(
                self._project,
                request.path,
                request.options,
                progress=lambda step: progress(0, step),
                cancelled=stop.is_set,
            ),
            self._web_written,
            f"Exporting the web map to {request.path.name}",
            stop,
        )

    def _web_written(self, result: WebMapResult) -> None:
        size = result.size / 1_000_000
        self._status.showMessage(
            f"Exported {result.features:,} features to {result.path.name} ({size:.1f} MB)", 10000
        )
        notes = [f"Left out {item}" for item in result.left_out] + list(result.warnings)
        if notes:
            QMessageBox.information(
                self.parent_widget(),
                "Export Web Map",
                f"{result.path.name} was written.\n\n" + "\n".join(f"• {n}" for n in notes),
            )

    # --- QGIS projects -----------------------------------------------------------------
    @guarded_slot
    def _on_export_qgis(self) -> None:
        name = self._project.path.stem if self._project.path is not None else "map"
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget(),
            "Export QGIS Project",
            str(self._folder() / f"{name}.qgz"),
            "QGIS project (*.qgz);;QGIS project, plain XML (*.qgs)",
        )
        if path:
            target = Path(path)
            if target.suffix.lower() not in (".qgz", ".qgs"):
                target = target.with_name(f"{target.name}.qgz")
            # The file dialog already asked before replacing a file.
            self.export_qgis(target)

    def export_qgis(self, target: Path) -> Worker:
        """Write the QGIS project in a worker."""
        return self._start(
            lambda progress: export_qgis_project(
                self._project, target, progress=lambda step: progress(0, step)
            ),
            self._qgis_written,
            f"Exporting the QGIS project {target.name}",
            threading.Event(),
        )

    def _qgis_written(self, result: QgisExportResult) -> None:
        layers = len(result.layers)
        self._status.showMessage(
            f"Exported {layers} layer{'s' if layers != 1 else ''} to {result.path.name}", 10000
        )
        if result.warnings:
            QMessageBox.information(
                self.parent_widget(),
                "Export QGIS Project",
                f"{result.path.name} was written, but not everything comes across:\n\n"
                + "\n".join(f"• {warning}" for warning in result.warnings),
            )

    # --- shared ------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the export running now (the status bar's Cancel)."""
        if self._running is not None:
            worker, stop = self._running
            stop.set()
            worker.cancel()
            self._finished("Export cancelled; nothing was written")

    def _start(
        self,
        work: Callable[[Any], Any],
        written: Callable[[Any], None],
        description: str,
        stop: threading.Event,
    ) -> Worker:
        self._status.show_task(f"{description}…")

        def finished(result: Any) -> None:
            self._finished()
            written(result)

        worker = self._workers.start(
            work,
            finished,
            self._failed,
            description=description,
            progress=lambda _percent, step: self._status.show_task(f"{description}: {step}…"),
        )
        self._running = (worker, stop)
        return worker

    def _finished(self, message: str = "") -> None:
        self._running = None
        self._status.end_task()
        if message:
            self._status.showMessage(message, 8000)

    def _failed(self, error: BaseException) -> None:
        self._finished("The export failed; nothing was written")
        report_exception(error, self.parent_widget())

    def _may_replace(self, paths: tuple[Path, ...]) -> bool:
        """Ask before replacing files that exist (all of a series' pages at once)."""
        existing = [path for path in paths if path.exists()]
        if not existing:
            return True
        names = ", ".join(path.name for path in existing[:3])
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        answer = QMessageBox.question(
            self.parent_widget(),
            "Export",
            f"{names}{more} already exist{'s' if len(existing) == 1 else ''} in "
            f"{existing[0].parent}.\n\nReplace {'it' if len(existing) == 1 else 'them'}?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _folder(self) -> Path:
        if self._project.path is not None:
            return self._project.path.parent
        return Path.home()
