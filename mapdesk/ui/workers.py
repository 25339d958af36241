"""Background work and error reporting for the UI.

Long work (reading files, listing layers) runs in a :class:`Worker` on a
worker thread; its results come back to the UI thread through queued signals.
Every slot that touches data is wrapped in :func:`guarded_slot`, because
PySide6 does not reliably route exceptions raised in slots to
``sys.excepthook`` (PYSIDE-2335, pytest-qt#573): an error is logged and shown
in a message box, and the application keeps running.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from mapdesk.core.errors import MapdeskError

log = logging.getLogger(__name__)

#: Called by work functions as ``progress(percent, message)``; percent -1 = unknown.
ProgressCallback = Callable[[int, str], None]
F = TypeVar("F", bound=Callable[..., Any])

_reporting = threading.local()


# --- error reporting ---------------------------------------------------------
def error_message(exc: BaseException) -> str:
    """The text a user sees for an error: a MapdeskError's own message, or a summary."""
    if isinstance(exc, MapdeskError):
        return str(exc)
    return f"An unexpected error occurred: {type(exc).__name__}: {exc}"


def report_exception(exc: BaseException, parent: QWidget | None = None) -> None:
    """Log ``exc`` and show it in a message box; never raises.

    User errors (:class:`MapdeskError`) are shown as warnings with their own
    message; anything else is a bug, logged with its traceback and shown as
    a critical error. A report raised while another is on screen is only logged.
    """
    if isinstance(exc, MapdeskError):
        log.warning("%s", exc)
    else:
        log.error("Unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    if getattr(_reporting, "active", False) or QApplication.instance() is None:
        return
    _reporting.active = True
    try:
        if parent is None:
            parent = QApplication.activeWindow()
        if isinstance(exc, MapdeskError):
            QMessageBox.warning(parent, "mapdesk", error_message(exc))
        else:
            details = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            QMessageBox.critical(
                parent,
                "mapdesk — unexpected error",
                f"{error_message(exc)}\n\nmapdesk is still running and your layers are "
                f"untouched. The details were written to the log.\n\n{details}",
            )
    except Exception:  # a broken message box must not take the app down
        log.exception("Could not show an error message")
    finally:
        _reporting.active = False


def _parent_widget(owner: object) -> QWidget | None:
    if isinstance(owner, QWidget):
        return owner
    finder = getattr(owner, "parent_widget", None)
    if callable(finder):
        found = finder()
        return found if isinstance(found, QWidget) else None
    return None


def _positional_capacity(func: Callable[..., Any]) -> int | None:
    """How many positional arguments ``func`` takes; None when it takes ``*args``."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return None
    count = 0
    for param in params:
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            return None
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


def guarded_slot(func: F) -> F:
    """Make a slot report its exceptions instead of letting them escape into Qt.

    Extra signal arguments the slot does not take (``triggered(bool)`` into a
    method without parameters) are dropped, as Qt does for C++ slots.
    """
    capacity = _positional_capacity(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        call_args = args if capacity is None else args[:capacity]
        try:
            return func(*call_args, **kwargs)
        except Exception as exc:
            report_exception(exc, _parent_widget(args[0]) if args else None)
            return None

    return wrapper  # type: ignore[return-value]


# --- workers -----------------------------------------------------------------
class WorkerSignals(QObject):
    """Signals of one worker.

    Created in the UI thread with a parent there, so Qt queues deliveries to
    the UI thread and the object is never destroyed by a pool thread dropping
    its last Python reference.
    """

    progress = Signal(int, str)
    finished = Signal(object)
    failed = Signal(object)
    done = Signal(object)


class Worker:
    """Runs ``work(progress)`` in a pool thread and reports through :attr:`signals`.

    A plain Python object, not a QRunnable subclass: the pool runs :meth:`run`
    as a callable, so no C++ runnable is destroyed from the wrong thread.

    Parameters
    ----------
    work
        The function to run; it receives a progress callback and returns the result.
    signals
        Where to report (see :class:`WorkerSignals`).
    description
        What the work is, for logs and the status bar (e.g. "Reading parcels.gpkg").
    """

    def __init__(
        self,
        work: Callable[[ProgressCallback], Any],
        signals: WorkerSignals,
        description: str = "",
    ) -> None:
        self.description = description
        self.signals = signals
        self._work = work
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop: the next progress report raises :class:`WorkCancelled`."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _progress(self, percent: int, message: str) -> None:
        if self._cancelled.is_set():
            raise WorkCancelled(self.description)
        self.signals.progress.emit(int(percent), message)

    def run(self) -> None:
        """The pool thread's body: never lets an exception escape into Qt."""
        try:
            result = self._work(self._progress)
        except WorkCancelled:
            log.info("Cancelled: %s", self.description)
        except Exception as exc:
            if not self._cancelled.is_set():
                self.signals.failed.emit(exc)
        else:
            if not self._cancelled.is_set():
                self.signals.finished.emit(result)
        self.signals.done.emit(self)


class WorkCancelled(Exception):
    """Raised inside a worker's progress callback once the worker was cancelled."""


class WorkerPool(QObject):
    """Runs workers on Python threads and keeps them alive until they report back.

    Python threads, not QThreadPool: a QThreadPool thread gets a fresh Python
    thread state for every runnable, which frees pyproj's per-thread PROJ
    context while pyproj keeps using its pointer, so the next runnable on that
    thread crashes in PROJ (pyproj 3.7, PySide6 6.11). A Python thread keeps
    one thread state, and so one PROJ context, for its whole life.
    """

    def __init__(self, parent: QObject | None = None, max_workers: int = 4) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="mapdesk-worker")
        self._running: dict[Worker, Future[None]] = {}

    def start(
        self,
        work: Callable[[ProgressCallback], Any],
        finished: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        *,
        description: str = "",
        progress: Callable[[int, str], None] | None = None,
    ) -> Worker:
        """Run ``work`` off the UI thread; ``finished``/``failed`` are called in the UI thread.

        Connect only methods of QObjects living in the UI thread (as here), so
        that Qt queues the calls to that thread.
        """
        worker = Worker(work, WorkerSignals(self), description)
        worker.signals.finished.connect(finished)
        worker.signals.failed.connect(failed)
        if progress is not None:
            worker.signals.progress.connect(progress)
        worker.signals.done.connect(self._forget)
        self._running[worker] = self._executor.submit(worker.run)
        return worker

    @property
    def active_count(self) -> int:
        """Workers started and not yet reported back."""
        return len(self._running)

    def cancel_all(self) -> None:
        for worker in list(self._running):
            worker.cancel()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every started worker has returned (shutdown and tests)."""
        _done, pending = futures_wait(list(self._running.values()), timeout=msecs / 1000)
        return not pending

    def shutdown(self) -> None:
        """Cancel what has not started, ask running work to stop, free the threads."""
        self.cancel_all()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _forget(self, worker: object) -> None:
        if isinstance(worker, Worker) and self._running.pop(worker, None) is not None:
            worker.signals.deleteLater()
