"""Render jobs: frozen settings in, a QImage out, in a worker thread.

The recipe is QGIS's: freeze the settings on the UI thread, draw them in a
worker, hand the finished image back through a queued signal. A newer view
cancels an older render, and the old job's image, if it still arrives, is
dropped.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from functools import cache, partial
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from mapdesk.render import nogil
from mapdesk.render.bands import BandPainters, band_count, warm_up_drawing
from mapdesk.render.draw import fill_background
from mapdesk.render.heatmap import draw_heatmap
from mapdesk.render.labels import draw_labels
from mapdesk.render.prepare_ahead import PreparedAhead
from mapdesk.render.settings import MapSettings

#: Seconds between two partial images of one render (QGIS refreshes its
#: canvas every 250 ms while drawing; 100 ms still feels immediate).
PARTIAL_INTERVAL_S = 0.1

#: Called by ``render_map`` after each layer with the image drawn so far.
LayerDone = Callable[[QImage], None]

T = TypeVar("T")


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


def render_map(
    settings: MapSettings,
    cancel: CancelToken | None = None,
    on_layer_done: LayerDone | None = None,
) -> QImage | None:
    """Draw every layer of ``settings`` into a new image.

    Where Qt's drawing calls can run without the GIL (``nogil``), the image
    is cut into horizontal bands, one per core, drawn at the same time from
    the same prepared geometry: the picture is the one a single painter
    would make, in a fraction of the time.

    Parameters
    ----------
    settings
        The frozen map settings; layers are drawn bottom first.
    cancel
        Checked between layers and chunks of features.
    on_layer_done
        Called in the rendering thread after each layer that was drawn, with
        the image so far (still being drawn into, and without its device
        pixel ratio yet: copy it to keep it).

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
    # Empty layers have nothing to draw (and no extent to cull with).
    layers = [snapshot for snapshot in settings.layers if snapshot.layer.feature_count]
    with (
        PreparedAhead(layers, settings) as drawings,
        BandPainters(image, band_count(view.height)) as painters,
    ):
        for drawing in drawings:
            if token.cancelled:
                return None
            if drawing.heatmap is not None:
                painters.paint_once(partial(draw_heatmap, prepared=drawing.heatmap))
            # Symbol classes, then the selected features again on top in
            # the selection colour (QGIS's look).
            for prepared in [*drawing.symbols, *filter(None, [drawing.selection])]:
                if not painters.draw(prepared, settings, lambda: token.cancelled):
                    return None
            if on_layer_done is not None:
                on_layer_done(image)
    # Labels last, over every layer, so no feature hides a name.
    if not draw_labels(image, settings, lambda: token.cancelled):
        return None
    # Only now: with a ratio set, the painter would scale device pixels again.
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
    partial = Signal(object)


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


def run_in_render_thread(work: Callable[[], T]) -> Future[T]:
    """Run other work that touches layer data (an extent, a reprojection) off the UI thread.

    The same Python threads as renders, for the same pyproj reason; the
    caller brings the result back to its own thread (e.g. a queued signal).
    """
    return _render_threads().submit(work)


class _PartialImages:
    """``on_layer_done`` for a job: copies of the image, at most every PARTIAL_INTERVAL_S.

    Nothing is sent after the last layer (the finished image follows at once)
    nor once the job is cancelled.
    """

    def __init__(self, settings: MapSettings, token: CancelToken, relay: _Relay) -> None:
        self._settings, self._token, self._relay = settings, token, relay
        self._layers_left = sum(1 for s in settings.layers if s.layer.feature_count)
        self._last = time.monotonic()

    def __call__(self, image: QImage) -> None:
        self._layers_left -= 1
        now = time.monotonic()
        if self._layers_left <= 0 or self._token.cancelled or now - self._last < PARTIAL_INTERVAL_S:
            return
        self._last = now
        shown = image.copy()  # the worker goes on drawing into ``image``
        shown.setDevicePixelRatio(self._settings.device_pixel_ratio)
        self._relay.partial.emit(shown)


def _run_in_worker(settings: MapSettings, token: CancelToken, relay: _Relay) -> None:
    """Worker body: every outcome, an exception included, goes back as a signal."""
    try:
        image = render_map(settings, token, _PartialImages(settings, token, relay))
    except Exception as exc:
        relay.error.emit(one_line(exc))
        return
    relay.done.emit(image)


class RenderJob(QObject):
    """Render one MapSettings in a worker thread.

    Signals
    -------
    partial_image(QImage, MapSettings)
        The layers drawn so far, bottom first, while the render goes on (at
        most every PARTIAL_INTERVAL_S, never after ``cancel``).
    finished(QImage, MapSettings)
        The image and the settings it was drawn for (not emitted if cancelled).
    failed(str)
        A one-line message; an exception in the worker never crashes the app.
    cancelled()
        The job stopped early (or finished after being cancelled).
    """

    partial_image = Signal(QImage, object)
    finished = Signal(QImage, object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, settings: MapSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._token = CancelToken()
        self._started = False
        self._stopped_early = False
        # A child of the job, so it lives (and dies) in the job's thread.
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._relay.error.connect(self._on_error, Qt.ConnectionType.QueuedConnection)
        self._relay.partial.connect(self._on_partial, Qt.ConnectionType.QueuedConnection)

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

    @property
    def stopped_early(self) -> bool:
        """True when the worker gave up part-way (between chunks or layers)."""
        return self._stopped_early

    def _on_partial(self, image: QImage) -> None:
        if not self._token.cancelled:
            self.partial_image.emit(image, self.settings)

    def _on_done(self, image: QImage | None) -> None:
        self._release()
        self._stopped_early = image is None
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
    partial_image(QImage, MapSettings)
        The latest request's layers drawn so far (progressive rendering).
    image_ready(QImage, MapSettings)
        The image of the latest request only; stale images are dropped.
    render_failed(str)
        The latest request failed (one-line message).
    render_cancelled(MapSettings, bool)
        A superseded or cancelled request ended without an image; the flag
        is True when its worker stopped part-way rather than finishing.
    """

    partial_image = Signal(QImage, object)
    image_ready = Signal(QImage, object)
    render_failed = Signal(str)
    render_cancelled = Signal(object, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job: RenderJob | None = None
        # Probe the GIL-free drawing calls now, on the GUI thread (the probe
        # stamps a QPixmap, which worker threads may not be allowed to), and
        # let PySide create its lazy drawing types here, before any render
        # thread can race the GUI thread doing the same (see warm_up_drawing).
        nogil.available()
        warm_up_drawing()

    def request(self, settings: MapSettings) -> None:
        """Cancel any running render and start one for ``settings``."""
        self.cancel()
        # No Qt parent: a job is freed (on this thread) when its worker has
        # reported and nothing references it, never while a worker may emit.
        job = RenderJob(settings)
        job.partial_image.connect(partial(self._on_partial, job))
        job.finished.connect(partial(self._on_finished, job))
        job.failed.connect(partial(self._on_failed, job))
        job.cancelled.connect(partial(self._on_cancelled, job))
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

    def _on_partial(self, job: RenderJob, image: QImage, settings: MapSettings) -> None:
        if job is self._job and shiboken6.isValid(self):
            self.partial_image.emit(image, settings)

    def _on_finished(self, job: RenderJob, image: QImage, settings: MapSettings) -> None:
        if self._on_ended(job):
            self.image_ready.emit(image, settings)

    def _on_failed(self, job: RenderJob, message: str) -> None:
        if self._on_ended(job):
            self.render_failed.emit(message)

    def _on_cancelled(self, job: RenderJob) -> None:
        self._on_ended(job)
        # The renderer may be gone (its window closed) when an old job reports.
        with suppress(RuntimeError):
            self.render_cancelled.emit(job.settings, job.stopped_early)

    def _on_ended(self, job: RenderJob) -> bool:
        """Forget a finished job; True if it was the current one (and can be told)."""
        current = job is self._job
        if current:
            self._job = None
        # A window destroyed while a job ran leaves its renderer's Python side
        # behind: the job's result has nowhere to go.
        return current and shiboken6.isValid(self)
