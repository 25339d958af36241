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
import queue
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as futures_wait
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Signal
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


def guarded_event(func: F) -> F:
    """Make an event handler (``closeEvent`` …) report its exceptions and ignore its event.

    Qt treats an event as accepted unless the handler says otherwise, so a
    ``closeEvent`` that failed before asking about unsaved edits would close
    the window anyway; PySide6 does not pass such an exception to
    ``sys.excepthook`` either. Ignoring the event keeps the window open with
    its edits, and the user sees what went wrong. The same error raised again
    by the next call (a paint that fails at every repaint) is only logged: one
    message, not a stream.
    """
    last: list[str] = [""]

    @functools.wraps(func)
    def wrapper(owner: Any, event: Any) -> Any:
        try:
            result = func(owner, event)
        except Exception as exc:
            event.ignore()
            if (summary := error_message(exc)) == last[0]:
                log.error("Again: %s", summary, exc_info=exc)
            else:
                last[0] = summary
                report_exception(exc, _parent_widget(owner))
            return None
        last[0] = ""
        return result

    return wrapper  # type: ignore[return-value]


# --- workers -----------------------------------------------------------------
class WorkerSignals(QObject):
    """Signals of one worker.

    Created in the UI thread as a child of the application (not of the pool or
    a window), so Qt queues deliveries to the UI thread, a pool thread never
    destroys it by dropping its last Python reference, and closing a window
    while a read is still running cannot delete it under the emitting thread
    (emitting on a deleted QObject from another thread segfaults).
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
        """Ask the work to stop: the next progress report raises :class:`WorkCancelled`.

        Called in the UI thread; from then on the pool delivers nothing of this
        worker, even a result it had already sent.
        """
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _progress(self, percent: int, message: str) -> None:
        if self._cancelled.is_set():
            raise WorkCancelled(self.description)
        self._emit(self.signals.progress, int(percent), message)

    def run(self) -> None:
        """The pool thread's body: never lets an exception escape into Qt."""
        try:
            if self._cancelled.is_set():
                raise WorkCancelled(self.description)  # cancelled before it started
            result = self._work(self._progress)
        except WorkCancelled:
            log.info("Cancelled: %s", self.description)
        except Exception as exc:
            if not self._cancelled.is_set():
                self._emit(self.signals.failed, exc)
        else:
            if not self._cancelled.is_set():
                self._emit(self.signals.finished, result)
        self._emit(self.signals.done, self)

    @staticmethod
    def _emit(signal: Any, *args: Any) -> None:
        # A read that outlived its window (quit during a load) reports to
        # signals whose C++ side is gone: nobody is listening any more.
        try:
            signal.emit(*args)
        except RuntimeError:
            log.debug("Worker finished after its receiver was deleted")


class WorkCancelled(Exception):
    """Raised inside a worker's progress callback once the worker was cancelled."""


class _Delivery(QObject):
    """Hands one worker's reports to its callbacks in the UI thread, unless cancelled.

    Its methods are slots of a QObject living in the UI thread, so Qt queues
    the worker thread's signals to them; the callbacks may then be any
    callable. Checking :attr:`Worker.cancelled` here, in the thread that
    cancels, closes the race where a result is already queued when the user
    presses Cancel.
    """

    def __init__(
        self,
        worker: Worker,
        finished: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        progress: Callable[[int, str], None] | None,
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._finished = finished
        self._failed = failed
        self._progress = progress
        worker.signals.finished.connect(self.on_finished)
        worker.signals.failed.connect(self.on_failed)
        if progress is not None:
            worker.signals.progress.connect(self.on_progress)

    @guarded_slot
    def on_finished(self, result: Any) -> None:
        if _deliverable(self._worker, self._finished):
            self._finished(result)

    @guarded_slot
    def on_failed(self, exc: BaseException) -> None:
        if _deliverable(self._worker, self._failed):
            self._failed(exc)

    @guarded_slot
    def on_progress(self, percent: int, message: str) -> None:
        if self._progress is not None and _deliverable(self._worker, self._progress):
            self._progress(percent, message)


def _deliverable(worker: Worker, callback: Callable[..., Any]) -> bool:
    """Not cancelled, and the callback's QObject (a closed dialog…) still exists.

    Qt drops a connection whose receiver is destroyed; a callback held here
    must be checked by hand.
    """
    if worker.cancelled:
        return False
    while isinstance(callback, functools.partial):
        callback = callback.func
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


class _DaemonThreads:
    """A few long-lived daemon threads that run submitted callables in order.

    Not ``ThreadPoolExecutor``: Python joins its threads at exit, so quitting
    during a long read would wait for the read to end. What cannot be
    interrupted is a single pyogrio/GDAL read: it runs in C until it returns,
    and cancelling only throws its result away. Daemon threads let the
    process exit meanwhile. Importing in a child process (the sandbox issue,
    RELIABILITY.md §6) will make such a read killable.
    """

    def __init__(self, max_threads: int, name_prefix: str) -> None:
        self._max = max_threads
        self._prefix = name_prefix
        self._queue: queue.SimpleQueue[tuple[Future[None], Callable[[], None]] | None] = (
            queue.SimpleQueue()
        )
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def threads(self) -> list[threading.Thread]:
        return list(self._threads)

    def submit(self, fn: Callable[[], None]) -> Future[None]:
        future: Future[None] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("The worker pool is shut down")
            self._queue.put((future, fn))
            # One thread per task up to the limit; an idle thread is reused.
            if not self._idle.acquire(blocking=False) and len(self._threads) < self._max:
                thread = threading.Thread(
                    target=self._loop, name=f"{self._prefix}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        return future

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            future, fn = item
            if future.set_running_or_notify_cancel():
                try:
                    fn()
                except BaseException as exc:  # fn reports its own errors; keep the thread
                    future.set_exception(exc)
                else:
                    future.set_result(None)
            self._idle.release()

    def shutdown(self) -> None:
        """Stop taking work; threads end after their current task, never joined."""
        with self._lock:
            self._closed = True
            for _ in self._threads:
                self._queue.put(None)


class WorkerPool(QObject):
    """Runs workers on Python daemon threads and keeps them alive until they report back.

    Python threads, not QThreadPool: a QThreadPool thread gets a fresh Python
    thread state for every runnable, which frees pyproj's per-thread PROJ
    context while pyproj keeps using its pointer, so the next runnable on that
    thread crashes in PROJ (pyproj 3.7, PySide6 6.11). A Python thread keeps
    one thread state, and so one PROJ context, for its whole life. Daemon
    threads, so that quitting never waits for a read (see :class:`_DaemonThreads`).
    """

    def __init__(self, parent: QObject | None = None, max_workers: int = 4) -> None:
        super().__init__(parent)
        self._threads = _DaemonThreads(max_workers, "mapdesk-worker")
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

        Call from the UI thread. Once the returned worker is cancelled none of
        the callbacks is called any more.
        """
        signals = WorkerSignals(QCoreApplication.instance())
        worker = Worker(work, signals, description)
        _Delivery(worker, finished, failed, progress, signals)
        signals.done.connect(self._forget)
        self._running[worker] = self._threads.submit(worker.run)
        return worker

    @property
    def active_count(self) -> int:
        """Workers started and not yet reported back."""
        return len(self._running)

    @property
    def threads(self) -> list[threading.Thread]:
        """The pool's threads (all daemon threads)."""
        return self._threads.threads

    def cancel_all(self) -> None:
        for worker in list(self._running):
            worker.cancel()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every started worker has returned (tests)."""
        _done, pending = futures_wait(list(self._running.values()), timeout=msecs / 1000)
        return not pending

    def shutdown(self) -> None:
        """Cancel every worker and let the threads go; returns at once.

        A read already inside GDAL finishes in its daemon thread (its result
        is dropped) or dies with the process.
        """
        self.cancel_all()
        self._threads.shutdown()

    def _forget(self, worker: object) -> None:
        if isinstance(worker, Worker) and self._running.pop(worker, None) is not None:
            worker.signals.deleteLater()


def run_latest(
    workers: WorkerPool | None,
    work: Callable[[ProgressCallback], Any],
    finished: Callable[[Any], None],
    failed: Callable[[BaseException], None],
    description: str,
) -> None:
    """A dialog's background check or preview: in the pool, or at once when the
    dialog has none (tests, scripts). The caller's callbacks drop stale answers."""
    if workers is None:
        try:
            result = work(lambda _percent, _message: None)
        except Exception as exc:
            failed(exc)
            return
        finished(result)
        return
    workers.start(work, finished, failed, description=description)
