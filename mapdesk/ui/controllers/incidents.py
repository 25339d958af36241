"""Layer ▸ Import FixIt Reports…: Open311, SeeClickFix or CRM files into a layer.

The file is read in a worker; the reports become a layer styled by status
(the city's style library applies to its Open311 field names), and the
import's report says how many came in and why any did not.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.io.incident_records import ImportReport, IncidentImport
from mapdesk.io.incidents import import_incidents
from mapdesk.ui.actions import MapActions
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import Worker, WorkerPool, guarded_slot, report_exception

FILE_FILTER = "FixIt reports (*.csv *.json *.xml);;All files (*)"
#: Rejections listed in the message; the rest are counted.
SHOWN_REJECTIONS = 12


class IncidentImportController(WindowController):
    """Imports FixIt reports as a new layer (Layer ▸ Import FixIt Reports…)."""

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
        actions.import_incidents.triggered.connect(self._on_import)

    @guarded_slot
    def _on_import(self) -> None:
        start = str(self._project.path.parent) if self._project.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget(), "Import FixIt Reports", start, FILE_FILTER
        )
        if path:
            self.start(Path(path))

    def start(self, path: Path) -> Worker:
        """Read ``path`` in a worker, then add the layer and tell the report."""
        self._status.show_task(f"Importing FixIt reports from {path.name}…", cancellable=False)
        return self._workers.start(
            lambda _progress: import_incidents(path),
            lambda found: self._imported(path, found),
            self._failed,
            description=f"Importing FixIt reports from {path}",
        )

    def _imported(self, path: Path, found: IncidentImport) -> None:
        self._status.end_task()
        report = found.report
        if report.imported:
            layer = VectorLayer(found.frame, f"FixIt reports ({path.name})")
            layer.sensitive = found.sensitive
            self._project.add_layer(layer)
        self._status.showMessage(
            f"Imported {report.imported:,} of {report.read:,} FixIt reports from {path.name}",
            10000,
        )
        if report.rejected or report.merged or report.personal_fields:
            QMessageBox.information(
                self.parent_widget(), "Import FixIt Reports", report_text(report)
            )

    def _failed(self, error: BaseException) -> None:
        self._status.end_task()
        report_exception(error, self.parent_widget())


def report_text(report: ImportReport) -> str:
    """The import report for a person: counts, then the records left out and why."""
    lines = [f"{report.imported:,} of {report.read:,} reports imported from {report.source}."]
    if report.rejected:
        lines.append(f"\n{len(report.rejected):,} not imported:")
        lines += [f"• {rejection}" for rejection in report.rejected[:SHOWN_REJECTIONS]]
        if len(report.rejected) > SHOWN_REJECTIONS:
            lines.append(f"… and {len(report.rejected) - SHOWN_REJECTIONS:,} more")
    if report.merged:
        lines.append(f"\n{len(report.merged):,} duplicate ids merged (the latest update kept).")
    if report.personal_fields:
        lines.append(
            "\nPersonal data left out: " + ", ".join(report.personal_fields)
            if not report.personal_kept
            else "\nPersonal data kept: the layer is marked as holding personal data."
        )
    return "\n".join(lines)
