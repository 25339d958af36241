"""Cancel for long loads: the UI returns at once, late results are dropped, quit never hangs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shiboken6

from mapdesk.ui import loading
from mapdesk.ui.loading import AddLayerRequest, read_request
from mapdesk.ui.workers import WorkCancelled, Worker, WorkerPool, WorkerSignals


@pytest.fixture
def slow_reads(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Every layer read waits until the returned event is set (a long pyogrio read)."""
    release = threading.Event()
    real_read = loading.read_user_layer

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        release.wait(20)
        return real_read(*args, **kwargs)

    monkeypatch.setattr(loading, "read_user_layer", slow_read)
    yield release
    release.set()


@pytest.fixture
def hydrants(tmp_path: Path, stations: gpd.GeoDataFrame) -> Path:
    path = tmp_path / "hydrants.geojson"
    stations.to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def test_cancel_button_stops_a_long_load(
    qtbot: Any, window: Any, hydrants: Path, slow_reads: threading.Event
) -> None:
    status, loader = window.status, window.layer_loader
    before = [layer.name for layer in window.project.layers]
    loader.load(AddLayerRequest(str(hydrants)))
    assert loader.busy and not status.task_progress.isHidden()
    assert not status.cancel_button.isHidden()  # beside the progress bar, as in QGIS
    started = time.monotonic()
    status.cancel_button.click()
    assert time.monotonic() - started < 0.5  # the UI returns at once
    assert not loader.busy
    assert status.task_progress.isHidden() and status.task_label.isHidden()
    assert status.cancel_button.isHidden()
    assert status.currentMessage() == "Loading hydrants.geojson was cancelled"
    slow_reads.set()  # the read finishes later...
    assert window.workers.wait(10000)
    qtbot.wait(200)
    assert [layer.name for layer in window.project.layers] == before  # ...and is dropped
    assert status.task_progress.isHidden()


def test_a_result_already_on_its_way_is_dropped_by_cancel(qtbot: Any) -> None:
    pool, results, errors = WorkerPool(), [], []
    worker = pool.start(lambda _progress: "layers", results.append, errors.append)
    assert pool.wait(5000)  # the worker has sent its result; the UI has not seen it
    worker.cancel()
    qtbot.wait(100)
    assert results == [] and errors == []
    qtbot.waitUntil(lambda: pool.active_count == 0, timeout=5000)


def test_read_request_checks_cancellation_between_layers(
    monkeypatch: pytest.MonkeyPatch, hydrants: Path
) -> None:
    read: list[str | None] = []
    worker = Worker(lambda _progress: None, WorkerSignals())
    real_read = loading.read_user_layer

    def read_and_cancel(_path: str, name: str | None, **_kwargs: Any) -> Any:
        read.append(name)
        worker.cancel()  # the user presses Cancel while the first layer is read
        return real_read(str(hydrants), None)

    monkeypatch.setattr(loading, "read_user_layer", read_and_cancel)
    request = AddLayerRequest(str(hydrants), ("first", "second", "third"))
    with pytest.raises(WorkCancelled):
        read_request(request, worker._progress)
    assert read == ["first"]


def test_worker_threads_are_daemon_threads() -> None:
    pool = WorkerPool()
    release = threading.Event()
    pool.start(lambda _progress: release.wait(10), lambda _r: None, lambda _e: None)
    try:
        assert pool.threads and all(thread.daemon for thread in pool.threads)
    finally:
        release.set()
        pool.shutdown()


def test_quitting_during_a_load_does_not_wait_for_it(tmp_path: Path) -> None:
    """A read stuck in GDAL for minutes must not keep the closed app alive."""
    script = textwrap.dedent(
        """
        import os, threading, time
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication
        from mapdesk.core.project import Project
        from mapdesk.ui.app import create_main_window

        app = QApplication([])
        window = create_main_window(Project(), "Untitled")
        window.show()
        started = threading.Event()

        def endless_read(_progress):
            started.set()
            time.sleep(120)  # one pyogrio read: it cannot be interrupted

        window.workers.start(endless_read, print, print, description="Reading huge.gpkg")
        started.wait(10)
        window.close()
        print("closed", flush=True)
        """
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path),  # the window saves its layout on close
        "HOME": str(tmp_path),
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "closed" in done.stdout
    assert time.monotonic() - started < 30  # not the 120 s the read would take


def test_a_result_for_a_closed_dialog_is_dropped(qtbot: Any) -> None:
    from PySide6.QtWidgets import QDialog

    class Chooser(QDialog):
        def show_result(self, result: object) -> None:
            self.setWindowTitle(str(result))

    pool, dialog = WorkerPool(), Chooser()
    release = threading.Event()
    worker = pool.start(lambda _p: release.wait(5), dialog.show_result, lambda _e: None)
    dialog.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=2000)
    release.set()
    qtbot.waitUntil(lambda: pool.active_count == 0, timeout=5000)  # no error on the way
    assert not worker.cancelled
