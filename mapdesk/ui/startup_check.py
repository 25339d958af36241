"""``mapdesk self-check --gui``: does the desktop window open on the demo and draw it?

The other self-checks draw the demo offscreen without widgets. A bundle can
pass them and still fail as a desktop app: a widget style or icon plugin left
out, an error while the window is built, a first drawing that never finishes.
This check builds the real main window on the demo, shows it, waits for its
first map image, and closes it again. Any error the app would have shown in a
message box counts as a failure, and the box is closed so the check never
waits on a person.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mapdesk.render.image import is_headless
from mapdesk.ui.app import DEMO_NAME, create_main_window, install_excepthook, startup_project

#: How long the window may take to draw the demo the first time.
WINDOW_TIMEOUT_S = 60.0
#: How often the check looks for an error reported while it waits.
_POLL_MS = 100


class _ReportedProblems(logging.Handler):
    """Warnings and errors the app logs: every message box it shows is logged first."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def check_main_window(timeout_s: float = WINDOW_TIMEOUT_S) -> tuple[str, str]:
    """Open, draw and close the main window on the demo: ``(detail, problem)``.

    ``problem`` is empty when the window drew the demo without any error.
    Must run before anything creates a plain QGuiApplication in this process.
    """
    if QApplication.instance() is None and is_headless():
        # Qt's default xcb platform aborts the process without an X server: a
        # support person runs this over SSH as often as at the desk.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "mapdesk"])
    if not isinstance(app, QApplication):
        return "", "a Qt application without widgets was already running"
    problems = _ReportedProblems()
    watched = logging.getLogger("mapdesk")
    watched.addHandler(problems)
    previous_hook = sys.excepthook
    install_excepthook()
    try:
        return _open_draw_close(app, problems, timeout_s)
    finally:
        sys.excepthook = previous_hook
        watched.removeHandler(problems)


def _open_draw_close(
    app: QApplication, problems: _ReportedProblems, timeout_s: float
) -> tuple[str, str]:
    started = time.monotonic()
    project, name, _ = startup_project([])
    if name != DEMO_NAME:
        return "", "; ".join(problems.messages) or "the demo did not open"
    window = create_main_window(project, name)
    outcome: dict[str, str] = {}
    waiting = QEventLoop()

    def finish(key: str, value: str) -> None:
        outcome.setdefault(key, value)
        waiting.quit()

    def look_for_errors() -> None:
        if problems.messages:
            _close_message_boxes(app)
            finish("error", "; ".join(problems.messages))
        elif time.monotonic() - started > timeout_s:
            finish("error", f"the map was not drawn within {timeout_s:.0f} s")

    window.canvas.rendered.connect(lambda _settings: finish("drawn", ""))
    window.canvas.render_failed.connect(lambda message: finish("error", message))
    poll = QTimer()
    poll.timeout.connect(look_for_errors)
    poll.start(_POLL_MS)
    window.show()
    if not outcome:
        waiting.exec()
    poll.stop()
    elapsed = time.monotonic() - started
    # Errors reported while the first image was drawn count as well.
    app.processEvents()
    if problems.messages and "error" not in outcome:
        outcome["error"] = "; ".join(problems.messages)
    window.close()
    window.deleteLater()
    app.processEvents()
    if "error" in outcome:
        return "", outcome["error"]
    shown = sum(1 for layer in project.layers if layer.visible)
    return (
        f"{name}: main window drew {shown} of {len(project.layers)} layers in {elapsed:.1f} s",
        "",
    )


def _close_message_boxes(app: QApplication) -> None:
    for widget in app.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            widget.reject()
