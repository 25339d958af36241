"""Start the desktop application: ``run(paths)`` is what ``mapdesk`` (no subcommand) calls."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.io.demo import open_demo_project
from mapdesk.io.qgis_project import is_qgis_project, open_qgis_project
from mapdesk.io.sandbox import warm_up
from mapdesk.ui.icons import app_icon
from mapdesk.ui.loading import is_project_file
from mapdesk.ui.main_window import MainWindow
from mapdesk.ui.workers import guarded_slot, report_exception

log = logging.getLogger(__name__)

DEMO_NAME = "Greater Portland demo"


def guarded_excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """Report an uncaught exception in a message box instead of crashing."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    report_exception(exc)


def install_excepthook() -> None:
    sys.excepthook = guarded_excepthook


def create_main_window(project: Project, name: str = DEMO_NAME) -> MainWindow:
    """The main window on ``project`` (not shown); tests use this directly."""
    return MainWindow(project, name=name)


def startup_project(paths: Sequence[str]) -> tuple[Project, str, list[str]]:
    """The project to open with, its name, and data files still to add."""
    if not paths:
        try:
            return open_demo_project(), DEMO_NAME, []
        except MapdeskError as exc:
            report_exception(exc)
            return Project(), "Untitled", []
    projects = [p for p in paths if is_project_file(p)]
    data_files = [p for p in paths if not is_project_file(p)]
    if projects:
        try:
            return _open_project(projects[0]), Path(projects[0]).stem, data_files
        except MapdeskError as exc:
            report_exception(exc)
    return Project(), "Untitled", data_files


def _open_project(path: str) -> Project:
    """A .mapdesk project, or a QGIS one opened as a new unsaved project (what
    did not come across is logged: no window exists yet to tell it in)."""
    if not is_qgis_project(path):
        return Project.open(path)
    opened = open_qgis_project(path)
    for warning in opened.warnings:
        log.warning("%s: %s", path, warning)
    opened.project.path = None
    return opened.project


def run(paths: list[str]) -> int:
    """Open the main window on ``paths`` (or the demo) and run until it closes.

    Returns the application's exit code.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("mapdesk")
    app.setOrganizationName("City of Portland, Maine")
    app.setWindowIcon(app_icon())
    # Wayland desktops match the window to mapdesk.desktop (and its icon) by this name.
    app.setDesktopFileName("mapdesk")
    install_excepthook()
    # The reader process imports GDAL while the demo loads, ready for Add Layer.
    warm_up()
    project, name, data_files = startup_project(paths)
    window = create_main_window(project, name)
    window.show()
    # After the first paint: the question comes over a window the user knows.
    QTimer.singleShot(0, guarded_slot(window.editing.offer_recovery))
    if data_files:
        QTimer.singleShot(0, lambda: window.open_paths(data_files, choose=False))
    return int(app.exec())
