"""Project ▸ Open / Save / Save As, and the window title that follows the project."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from mapdesk.core.project import Project
from mapdesk.core.serialize import PROJECT_SUFFIX
from mapdesk.io.qgis_project import OpenedQgisProject, is_qgis_project, open_qgis_project
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.recent_projects import forget_recent_projects, recent_projects, remember_project
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import Worker, WorkerPool, guarded_slot, report_exception

PROJECT_FILTER = (
    f"Projects (*{PROJECT_SUFFIX} *.qgz *.qgs);;mapdesk project (*{PROJECT_SUFFIX});;"
    "QGIS project (*.qgz *.qgs)"
)


class ProjectController(WindowController):
    """Opens and saves ``.mapdesk`` project files into the window's project.

    Signals
    -------
    title_changed(str)
        The project name to show in the window title.
    """

    title_changed = Signal(str)

    def __init__(
        self,
        project: Project,
        canvas: MapCanvas,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
        name: str,
    ) -> None:
        super().__init__(parent_widget)
        self._project = project
        self._canvas = canvas
        self._workers = workers
        self._status = status
        self._opening: Worker | None = None
        self.name = name
        status.cancel_requested.connect(self.cancel_open)

    @guarded_slot
    def open_dialog(self) -> None:
        """Project ▸ Open…"""
        start = str(self._project.path.parent) if self._project.path else ""
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open Project", start, PROJECT_FILTER)
        if path:
            self.open_path(path)

    @guarded_slot
    def open_path(self, path: str) -> None:
        """Replace the current project with the one in ``path`` (after asking)."""
        if len(self._project.layers) and not self._confirm_replace(path):
            return
        if self._opening is not None:
            self._opening.cancel()  # the newer request wins
        self._status.show_task(f"Opening project {Path(path).name}…")
        if is_qgis_project(path):
            self._opening = self._workers.start(
                lambda _progress: open_qgis_project(path),
                lambda opened: self._on_qgis_opened(Path(path), opened),
                self._on_open_failed,
                description=f"Opening QGIS project {path}",
            )
            return
        self._opening = self._workers.start(
            lambda _progress: Project.open(path),
            self._on_opened,
            self._on_open_failed,
            description=f"Opening project {path}",
        )

    @guarded_slot
    def cancel_open(self) -> None:
        """The status bar's Cancel: forget the project being opened."""
        if self._opening is None:
            return
        self._opening.cancel()
        self._opening = None
        self._status.end_task()
        self._status.showMessage("Opening the project was cancelled", 8000)

    def _confirm_replace(self, path: str) -> bool:
        answer = QMessageBox.question(
            self._parent,
            "Open Project",
            f"Replace the current map with the project {Path(path).name}?\n"
            "Layers not saved in a project file will be closed.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    @guarded_slot
    def _on_opened(self, opened: Project) -> None:
        self._opening = None
        self._status.end_task()
        name = Path(opened.path).stem if opened.path else self.name
        saved_view = opened.view
        # The window's widgets stay subscribed to this Project: taking over the
        # opened one's contents (layers, CRS, background, view) is all it takes.
        with self._canvas.keeping_view():  # no zoom-to-layers as they arrive...
            self._project.replace_contents(opened)
        if saved_view is not None:  # ...the saved view is shown once they are in
            self._canvas.show_view(saved_view)
        else:
            self._canvas.zoom_full()
        self._set_name(name)
        if opened.path is not None:
            remember_project(Path(opened.path))
        self._report_unavailable(opened)

    @guarded_slot
    def _on_qgis_opened(self, path: Path, opened: OpenedQgisProject) -> None:
        """A QGIS project opens as a new, unsaved mapdesk project (Save asks
        for a .mapdesk name: the QGIS file is never written over)."""
        opened.project.path = None
        self._on_opened(opened.project)
        self._set_name(f"{path.stem} (from QGIS)")
        remember_project(path)
        if opened.warnings:
            QMessageBox.information(
                self._parent,
                "Open QGIS Project",
                f"{path.name} was opened; not everything in it comes across:\n\n"
                + "\n".join(f"• {warning}" for warning in opened.warnings),
            )

    def _report_unavailable(self, project: Project) -> None:
        """Say which layers' files are missing, and how to repair them."""
        missing = [layer for layer in self._project.layers if layer.unavailable is not None]
        if not missing:
            return
        listed = "\n".join(f"• {layer.name}: {layer.unavailable}" for layer in missing)
        QMessageBox.warning(
            self._parent,
            "Layers Not Found",
            f"{len(missing)} layer{'s' if len(missing) > 1 else ''} of "
            f"{Path(project.path).name if project.path else 'the project'} could not be "
            f"read and {'are' if len(missing) > 1 else 'is'} shown without features:\n\n"
            f"{listed}\n\nRight-click a layer ▸ Repair Data Source… to point it at its "
            "file; the project keeps its style until then.",
        )

    def _on_open_failed(self, exc: BaseException) -> None:
        self._opening = None
        self._status.end_task()
        report_exception(exc, self._parent)

    @guarded_slot
    def save(self) -> None:
        """Project ▸ Save (Save As… when the project has no file yet)."""
        if self._project.path is None:
            self.save_as()
            return
        if not self._may_leave_out_memory_layers():
            return
        self._project.save(self._project.path, leave_out_memory=True)
        remember_project(Path(self._project.path))
        self._status.showMessage(f"Saved {self._project.path}", 5000)

    @guarded_slot
    def save_as(self) -> None:
        """Project ▸ Save As…"""
        start = str(self._project.path or Path.home() / f"{self.name}{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(
            self._parent, "Save Project As", start, PROJECT_FILTER
        )
        if not path or not self._may_leave_out_memory_layers():
            return
        target = Path(path)
        if target.suffix.lower() != PROJECT_SUFFIX:
            target = target.with_name(target.name + PROJECT_SUFFIX)
        self._project.save(target, leave_out_memory=True)
        remember_project(target)
        self._status.showMessage(f"Saved {target}", 5000)
        self._set_name(target.stem)

    def _may_leave_out_memory_layers(self) -> bool:
        """Ask before saving without the layers that exist only in memory.

        Analysis results (drive-time coverage, NENA errors...) are in-memory
        layers; like QGIS with scratch layers, the project is saved without
        them once the user knows which ones and how to keep them.
        """
        memory = [layer.name for layer in self._project.layers if layer.origin is None]
        if not memory:
            return True
        listed = "\n".join(f"• {name}" for name in memory[:12])
        more = f"\n… and {len(memory) - 12} more" if len(memory) > 12 else ""
        many = len(memory) > 1
        answer = QMessageBox.question(
            self._parent,
            "Save Project",
            f"{len(memory)} layer{'s' if many else ''} of this map exist{'' if many else 's'} "
            f"only in memory and will not be in the saved project:\n\n{listed}{more}\n\n"
            "To keep their features, export them to a file first (Layer ▸ Save Features "
            "As…, or the Coverage panel's Export) and add that file. Save the project "
            "without them?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer != QMessageBox.StandardButton.Save:
            self._status.showMessage("The project was not saved", 5000)
            return False
        return True

    def fill_recent_menu(self, menu: QMenu) -> None:
        """Project ▸ Open Recent: the last projects, most recent first (filled on show)."""
        menu.clear()
        paths = recent_projects()
        for number, path in enumerate(paths, start=1):
            shortcut = f"&{number} " if number < 10 else ""
            action = menu.addAction(f"{shortcut}{path.name} — {path.parent}")
            action.setToolTip(str(path))
            if not path.exists():
                action.setText(f"{action.text()} (not found)")
                action.setEnabled(False)
            action.triggered.connect(
                guarded_slot(lambda _checked=False, p=path: self.open_path(str(p)))
            )
        if not paths:
            menu.addAction("No recent projects").setEnabled(False)
            return
        menu.addSeparator()
        menu.addAction("Clear List", guarded_slot(forget_recent_projects))

    def _set_name(self, name: str) -> None:
        self.name = name
        self.title_changed.emit(name)
