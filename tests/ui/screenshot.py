"""Save a screenshot of the main window on the demo (not a test).

Usage: ``python tests/ui/screenshot.py out.png [--width 1280 --height 800]``

Opens the Greater Portland demo offscreen, waits for the first finished
render, and saves ``window.grab()`` so a person can check the map reads well.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before the QApplication exists
# Runnable from a checkout without installing the package.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def wait_for_render(window: object, timeout_ms: int) -> bool:
    """Spin the event loop until the canvas has drawn its current view."""
    canvas = window.canvas  # type: ignore[attr-defined]
    loop = QEventLoop()
    done = {"ok": False}

    def finished(_settings: object) -> None:
        if not canvas.busy and not canvas._timer.isActive():
            done["ok"] = True
            loop.quit()

    canvas.rendered.connect(finished)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return done["ok"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--timeout", type=int, default=60000, help="ms to wait for the render")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = tempfile.TemporaryDirectory(prefix="mapdesk-shot-")
    # The default window layout, not the one this user last left mapdesk in.
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings.name)
    import mapdesk  # noqa: F401  (registers the file reader)
    from mapdesk.io.demo import open_demo_project
    from mapdesk.ui.app import DEMO_NAME, create_main_window

    window = create_main_window(open_demo_project(), DEMO_NAME)
    window.resize(args.width, args.height)
    window.show()
    if not wait_for_render(window, args.timeout):
        print("The map did not finish rendering in time", file=sys.stderr)
        return 1
    # Put the cursor readout on the map centre, as if the mouse were there.
    view = window.canvas.view
    window.status.show_cursor(view.center_x, view.center_y, view.resolution)
    app.processEvents()
    if not window.grab().save(args.out):
        print(f"Could not write {args.out}", file=sys.stderr)
        return 1
    print(args.out)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
