"""Headless map images: render a project to a PNG file without any window.

Used by the CLI (``mapdesk render``) and scripts; it needs a QGuiApplication
(for QPixmap and the raster engine) but no widget module.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication, QImage

from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.core.view import Extent, ViewState
from mapdesk.render import nogil
from mapdesk.render.job import render_map
from mapdesk.render.settings import MapSettings

log = logging.getLogger(__name__)

# The application object must outlive every QImage/QPixmap drawn with it.
_APP: QGuiApplication | None = None


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def usual_file_mode() -> int:
    """The mode a new file gets under this process's umask (mkstemp's are private, 0600)."""
    return 0o666 & ~_UMASK


def ensure_gui_application() -> QGuiApplication:
    """The running QGuiApplication, created (offscreen if headless) if none.

    On Linux without ``DISPLAY`` or ``WAYLAND_DISPLAY`` the Qt platform
    defaults to ``offscreen`` (unless ``QT_QPA_PLATFORM`` says otherwise),
    because the default ``xcb`` plugin aborts the process when there is no
    X server.

    Returns
    -------
    QGuiApplication
        The application instance (an existing QApplication is returned as is).

    Raises
    ------
    MapdeskError
        If a non-GUI QCoreApplication is already running.
    """
    global _APP
    existing = QCoreApplication.instance()
    if isinstance(existing, QGuiApplication):
        return existing
    if existing is not None:
        raise MapdeskError("Cannot draw maps: a non-GUI Qt application is already running")
    if is_headless():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _APP = QGuiApplication(sys.argv[:1] or ["mapdesk"])
    # Qt's own warnings go to the log: a headless command prints only its
    # progress and, on failure, one line that says what is wrong.
    qInstallMessageHandler(_log_qt_message)
    nogil.available()  # probed here, on the GUI thread (see nogil)
    return _APP


def _log_qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    level = logging.DEBUG if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg) else logging.INFO
    log.log(level, "Qt: %s", message)


def is_headless() -> bool:
    on_linux = sys.platform.startswith("linux")
    return on_linux and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def render_to_png(
    project: Project,
    path: str | Path,
    width: int = 1600,
    height: int = 1000,
    extent: Extent | None = None,
    background: str | None = None,
) -> Path:
    """Render the project's visible layers to a PNG file, synchronously.

    Parameters
    ----------
    project
        The project to draw.
    path
        Where to write the PNG; written atomically (a reader never sees
        half a file, and a failed write leaves any old file in place).
    width, height
        Image size in pixels.
    extent
        Map area to show, in the project CRS; the project's full extent when
        omitted.
    background
        Background colour as ``#rrggbb``; the project's when omitted.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    MapdeskError
        If the file cannot be written (the message names the path).
    """
    ensure_gui_application()
    target = Path(path)
    area = extent if extent is not None else project.full_extent()
    view = ViewState(width=width, height=height)
    if area is not None:
        view = view.fitted(area)
    image = render_map(MapSettings.from_project(project, view, background))
    if image is None:  # only a cancel token makes it None; we passed none
        raise MapdeskError(f"Rendering {target} was cancelled")
    save_image(image, target)
    return target


def save_image(image: QImage, target: Path, fmt: str = "PNG") -> None:
    """Write ``image`` to ``target`` via a temporary file in the same folder.

    The temporary name ends in ``.<fmt>``, which is how Qt picks the encoder.

    Raises
    ------
    MapdeskError
        If the folder is missing or not writable, or the encoder fails.
    """
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=f".tmp.{fmt.lower()}", dir=target.parent
        )
    except OSError as exc:
        raise MapdeskError(f"Cannot write the map image {target}: {exc.strerror}") from exc
    os.close(handle)
    try:
        # mkstemp makes the file private (0600); give it the usual permissions.
        os.chmod(temp_name, usual_file_mode())
        if not image.save(temp_name):
            raise MapdeskError(f"Cannot write the map image {target}: the {fmt} encoder failed")
        os.replace(temp_name, target)
    except OSError as exc:
        raise MapdeskError(f"Cannot write the map image {target}: {exc.strerror}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
