"""Errors are reported, never fatal: guarded slots, workers, the excepthook."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from mapdesk.core.errors import DataSourceError
from mapdesk.ui.app import guarded_excepthook
from mapdesk.ui.workers import WorkerPool, guarded_slot


class _Emitter(QObject):
    fired = Signal(int)


class _Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, ...]] = []
        self.results: list[Any] = []
        self.errors: list[BaseException] = []

    @guarded_slot
    def explode(self, value: int) -> None:
        self.calls.append((value,))
        raise RuntimeError(f"boom {value}")

    @guarded_slot
    def no_args(self) -> str:
        self.calls.append(())
        return "ok"

    def on_result(self, result: Any) -> None:
        self.results.append(result)

    def on_error(self, exc: BaseException) -> None:
        self.errors.append(exc)


def test_a_slot_that_raises_is_reported_not_fatal(qtbot: Any, messages: Any) -> None:
    emitter, receiver = _Emitter(), _Receiver()
    emitter.fired.connect(receiver.explode)
    emitter.fired.emit(7)
    emitter.fired.emit(8)  # the app (and the connection) are still alive
    assert receiver.calls == [(7,), (8,)]
    assert [kind for kind, _, _ in messages.shown] == ["critical", "critical"]
    assert "boom 7" in messages.shown[0][2]


def test_user_errors_are_warnings_with_their_own_message(messages: Any) -> None:
    @guarded_slot
    def read() -> None:
        raise DataSourceError("parcels.gpkg: the file is not a GeoPackage")

    read()
    assert messages.shown == [("warning", "mapdesk", "parcels.gpkg: the file is not a GeoPackage")]


def test_guarded_slot_drops_extra_signal_arguments() -> None:
    receiver = _Receiver()
    assert receiver.no_args(True) == "ok"  # e.g. QAction.triggered(bool)
    assert receiver.calls == [()]


def test_worker_results_arrive_in_the_ui_thread(qtbot: Any) -> None:
    pool, receiver = WorkerPool(), _Receiver()
    pool.start(lambda _progress: 6 * 7, receiver.on_result, receiver.on_error)
    qtbot.waitUntil(lambda: receiver.results == [42], timeout=5000)
    qtbot.waitUntil(lambda: pool.active_count == 0, timeout=5000)


def test_worker_errors_arrive_as_exceptions(qtbot: Any) -> None:
    pool, receiver = WorkerPool(), _Receiver()

    def fail(_progress: Any) -> None:
        raise DataSourceError("roads.shp: the .shx index is missing")

    pool.start(fail, receiver.on_result, receiver.on_error)
    qtbot.waitUntil(lambda: len(receiver.errors) == 1, timeout=5000)
    assert "roads.shp" in str(receiver.errors[0])


def test_excepthook_shows_a_message(qtbot: Any, messages: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    try:
        raise ValueError("unexpected")
    except ValueError:
        guarded_excepthook(*sys.exc_info())  # type: ignore[arg-type]
    assert messages.texts("critical") and "unexpected" in messages.texts("critical")[0]
