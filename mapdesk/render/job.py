"""Render jobs: frozen settings in, a QImage out, in a worker thread.

The recipe is QGIS's: freeze the settings on the UI thread, draw them in a
worker, hand the finished image back through a queued signal. A newer view
cancels an older render, and the old job's image, if it still arrives, is
dropped.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter

from mapdesk.render.draw import draw_layer, fill_background
from mapdesk.render.settings import MapSettings


class CancelToken:
    """A thread-safe "stop drawing" flag, polled by the renderer between chunks."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the render to stop at its next chunk boundary."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


def render_map(settings: MapSettings, cancel: CancelToken | None = None) -> QImage | None:
    """Draw every layer of ``settings`` into a new image.

    Parameters
    ----------
    settings
        The frozen map settings; layers are drawn bottom first.
    cancel
        Checked between layers and chunks of features.

    Returns
    -------
    QImage or None
        An ARGB32_Premultiplied image of ``view.width x view.height`` logical
        pixels (times the device pixel ratio, which the image carries); None
        if the render was cancelled.

    Raises
    ------
    RenderError
        If a layer cannot be drawn.
    """
    token = cancel or CancelToken()
    view = settings.device_view
    image = QImage(view.width, view.height, QImage.Format.Format_ARGB32_Premultiplied)
    fill_background(image, settings.background)
    painter = QPainter(image)
    try:
        for snapshot in settings.layers:
            if token.cancelled or not draw_layer(
                painter, snapshot, settings, lambda: token.cancelled
            ):
                return None
    finally:
        painter.end()
    image.setDevicePixelRatio(settings.device_pixel_ratio)
    return None if token.cancelled else image


def one_line(exc: BaseException) -> str:
    """An exception as one line for the status bar (first line, type if empty)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class _Relay(QObject):
    """Carries a worker's outcome back to the job's thread (queued)."""

    done = Signal(object)
    error = Signal(str)


# Jobs whose worker is still running. Holding them here means the last Python
# reference to a job is never dropped in a worker thread (a QObject must be
# destroyed in the thread it lives in).
_RUNNING: set[RenderJob] = set()


@cache
def _render_threads() -> ThreadPoolExecutor:
    """The render worker threads: Python threads, deliberately not QThreadPool.

    pyproj >= 3.7 keeps its PROJ context in thread-local storage tied to the
    Python thread state. PySide enters a QThreadPool thread with a temporary
    thread state that dies after each task, so the next task on that thread
    finds a freed context and segfaults inside proj_create (pyproj issues
    #1509, #1622). Threads started by Python keep one thread state for life.
    """
    workers = max(2, min(4, os.cpu_count() or 2))
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mapdesk-render")


def _run_in_worker(settings: MapSettings, token: CancelToken, relay: _Relay) -> None:
    """Worker body: every outcome, an exception included, goes back as a signal."""
    try:
        image = render_map(settings, token)
    except Exception as exc:
        relay.error.emit(one_line(exc))
        return
    relay.done.emit(image)


class RenderJob(QObject):
    """Render one MapSettings in a worker thread.

    Signals
    -------
    finished(QImage, MapSettings)
        The image and the settings it was drawn for (not emitted if cancelled).
    failed(str)
        A one-line message; an exception in the worker never crashes the app.
    cancelled()
        The job stopped early (or finished after being cancelled).
    """

    finished = Signal(QImage, object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, settings: MapSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._token = CancelToken()
        self._started = False
        # A child of the job, so it lives (and dies) in the job's thread.
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._relay.error.connect(self._on_error, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        """Start drawing in a worker thread; results arrive as signals."""
        if self._started:
            raise RuntimeError("A RenderJob can only be started once")
        self._started = True
        _RUNNING.add(self)
        _render_threads().submit(_run_in_worker, self.settings, self._token, self._relay)

    def cancel(self) -> None:
        """Stop at the next chunk; no ``finished`` will be emitted."""
        self._token.cancel()

    @property
    def is_cancelled(self) -> bool:
        return self._token.cancelled

    def _on_done(self, image: QImage | None) -> None:
        self._release()
        if image is None or self._token.cancelled:
            self.cancelled.emit()
        else:
            self.finished.emit(image, self.settings)

    def _on_error(self, message: str) -> None:
        self._release()
        self.failed.emit(message)

    def _release(self) -> None:
        # Dropped on a later turn of the event loop, not inside this slot, so
        # the job is never deleted while Qt is still delivering to it.
        QTimer.singleShot(0, partial(_RUNNING.discard, self))


class MapRenderer(QObject):
    """What the canvas uses: a newer request cancels the older render.

    Signals
    -------
    image_ready(QImage, MapSettings)
        The image of the latest request only; stale images are dropped.
    render_failed(str)
        The latest request failed (one-line message).
    """

    image_ready = Signal(QImage, object)
    render_failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job: RenderJob | None = None

    def request(self, settings: MapSettings) -> None:
        """Cancel any running render and start one for ``settings``."""
        self.cancel()
        # No Qt parent: a job is freed (on this thread) when its worker has
        # reported and nothing references it, never while a worker may emit.
        job = RenderJob(settings)
        job.finished.connect(partial(self._on_finished, job))
        job.failed.connect(partial(self._on_failed, job))
        job.cancelled.connect(partial(self._on_ended, job))
        self._job = job
        job.start()

    def cancel(self) -> None:
        """Cancel the running render, if any; its result will be dropped."""
        if self._job is not None:
            self._job.cancel()
            self._job = None

    @property
    def busy(self) -> bool:
        """True while the latest request is still rendering."""
        return self._job is not None

    @property
    def settings(self) -> MapSettings | None:
        """The settings of the render in progress, if any."""
        return self._job.settings if self._job is not None else None

    def _on_finished(self, job: RenderJob, image: QImage, settings: MapSettings) -> None:
        if self._on_ended(job):
            self.image_ready.emit(image, settings)

    def _on_failed(self, job: RenderJob, message: str) -> None:
        if self._on_ended(job):
            self.render_failed.emit(message)

    def _on_ended(self, job: RenderJob) -> bool:
        """Forget a finished job; True if it was the current one."""
        current = job is self._job
        if current:
            self._job = None
        return current
