"""The UI never freezes under a million features (issue 10, RELIABILITY.md row 23).

The real main window loads, draws, tabulates and exports a 1M-point
GeoPackage through its own controllers while a 10 ms heartbeat timer ticks on
the UI thread. Each phase must keep the largest gap between ticks at or under
200 ms and the 99th percentile at or under 100 ms; Cancel of a load and of an
export must give the UI back, with the work stopped, within a second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyogrio
import pytest
from PySide6.QtCore import QPoint, Qt

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.io.loader import load_user_layer
from mapdesk.io.sandbox import shared_sandbox
from mapdesk.ui.dialogs.export_layer import ExportRequest
from mapdesk.ui.loading import AddLayerRequest
from tests.support.heartbeat import MAX_GAP_MS, MAX_P99_MS, Heartbeat
from tests.support.reliability import record
from tests.ui.conftest import PORTLAND_X, PORTLAND_Y

pytestmark = pytest.mark.reliability

FEATURES = 1_000_000
CRS = "EPSG:26984"  # the project's CRS: no reprojection in these phases
#: Cancel must give the UI back and stop the work within this long (row 23).
MAX_CANCEL_MS = 1000.0
WAIT_MS = 60_000
ROW = 23


@pytest.fixture(scope="module")
def million_points(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GeoPackage of 1M FixIt-like points around City Hall, with four attributes."""
    path = tmp_path_factory.mktemp("million") / "million_fixit.gpkg"
    rng = np.random.default_rng(23)
    x = rng.normal(PORTLAND_X, 2_500, FEATURES)
    y = rng.normal(PORTLAND_Y, 2_500, FEATURES)
    kinds = pa.array(["pothole", "streetlight", "graffiti", "sidewalk", "tree"])
    table = pa.table(
        {
            "request_id": pa.array(np.arange(FEATURES, dtype=np.int64) + 100_000),
            "category": kinds.take(pa.array(rng.integers(0, len(kinds), FEATURES))),
            "priority": pa.array(rng.integers(1, 5, FEATURES, dtype=np.int32)),
            "days_open": pa.array(rng.exponential(12.0, FEATURES)),
            "geometry": _point_wkb(x, y),
        }
    )
    # No R-tree: building it would double the time to write the file.
    pyogrio.write_arrow(
        table,
        path,
        layer="fixit",
        driver="GPKG",
        geometry_name="geometry",
        geometry_type="Point",
        crs=CRS,
        layer_options={"SPATIAL_INDEX": "NO"},
    )
    return path


def _point_wkb(x: np.ndarray, y: np.ndarray) -> pa.Array:
    """Little-endian WKB points built as one buffer (shapely.to_wkb is 10x slower)."""
    record = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])
    points = np.empty(len(x), dtype=record)
    points["order"], points["kind"], points["x"], points["y"] = 1, 1, x, y
    offsets = np.arange(len(x) + 1, dtype=np.int32) * record.itemsize
    return pa.BinaryArray.from_buffers(
        pa.binary(), len(x), [None, pa.py_buffer(offsets), pa.py_buffer(points.tobytes())]
    )


@pytest.fixture(scope="module")
def million_layer_frame(million_points: Path) -> gpd.GeoDataFrame:
    """The file as the app reads it (through the reader sandbox), read once per module."""
    return load_user_layer(str(million_points), None).data


@pytest.fixture
def million_layer(million_layer_frame: gpd.GeoDataFrame) -> VectorLayer:
    """A fresh layer on the shared frame (no cached extent, index or projection)."""
    return VectorLayer(million_layer_frame, "million_fixit")


@pytest.fixture
def heartbeat() -> Iterator[Heartbeat]:
    beat = Heartbeat(watch_ms=150)
    yield beat
    beat.stop()


@pytest.fixture
def empty_window(window_on: Any) -> Any:
    """The real main window on an empty project in Maine West."""
    return window_on(Project(crs=CRS), "Responsiveness")


def _check(beat: Heartbeat, key: str, phase: str, **measured: Any) -> None:
    """Record the phase's figures for docs/reliability.md, then assert on them.

    ``key`` names the phase for benchmarks/responsiveness.py.
    """
    largest, p99 = round(beat.max_gap_ms, 1), round(beat.p99_ms, 1)
    record(
        ROW,
        phase,
        features=FEATURES,
        largest_gap_ms=largest,
        p99_ms=p99,
        wall_clock_gap_ms=round(beat.raw_max_gap_ms, 1),
        hangs=0,
        unhandled=0,
        phase=key,
        **measured,
    )
    why = f"{phase}: {beat.summary()}\n{beat.blocked_stacks()}"
    assert largest <= MAX_GAP_MS, why
    assert p99 <= MAX_P99_MS, why


def _shows_current_view(qtbot: Any, window: Any) -> None:
    """Wait until the image on screen is the finished render of the view shown."""
    canvas = window.canvas
    drawn: list[Any] = []
    canvas.rendered.connect(lambda settings: drawn.append(settings.view))
    qtbot.waitUntil(lambda: canvas.view in drawn and not canvas.busy, timeout=WAIT_MS)


def _start_adding(window: Any, path: Path, heartbeat: Heartbeat) -> Any:
    """Start the heartbeat, then Add Layer of ``path`` (its only layer) as the dialog does."""
    heartbeat.start()
    window.layer_loader.load(AddLayerRequest(str(path)))
    return window


def test_adding_a_million_point_file_keeps_the_ui_beating(
    qtbot: Any, empty_window: Any, million_points: Path, heartbeat: Heartbeat
) -> None:
    window = _start_adding(empty_window, million_points, heartbeat)
    qtbot.waitUntil(lambda: len(window.project.layers) == 1, timeout=WAIT_MS)
    _shows_current_view(qtbot, window)
    heartbeat.stop()
    layer = window.project.layers[0]
    assert len(layer.data) == FEATURES
    assert window.status.task_progress.isHidden()  # the load is over, not just started
    _check(heartbeat, "load", "add a 1M-point GeoPackage (sandboxed read + map)")


def test_drawing_zooming_and_panning_a_million_points(
    qtbot: Any, empty_window: Any, million_layer: VectorLayer, heartbeat: Heartbeat
) -> None:
    window, canvas = empty_window, empty_window.canvas
    heartbeat.start()
    window.project.add_layer(million_layer)  # zooms to the layer (full extent)
    _shows_current_view(qtbot, window)
    canvas.zoom_by(4.0)
    _shows_current_view(qtbot, window)
    start, end = QPoint(400, 300), QPoint(520, 240)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(canvas, start + (end - start) * step / 5)
        qtbot.wait(15)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    _shows_current_view(qtbot, window)
    heartbeat.stop()
    _check(heartbeat, "render", "draw 1M points: full extent, zoom, pan")


def test_a_million_row_attribute_table_opens_sorts_and_scrolls(
    qtbot: Any, empty_window: Any, million_layer: VectorLayer, heartbeat: Heartbeat
) -> None:
    window = empty_window
    window.project.add_layer(million_layer)
    _shows_current_view(qtbot, window)
    window.layer_panel.select_layer(million_layer)
    heartbeat.start()
    window.map_actions.open_attribute_table.trigger()  # F6
    dock = window.attribute_table
    qtbot.waitUntil(lambda: dock.model() is not None and dock.isVisible(), timeout=WAIT_MS)
    view, model = dock.table, dock.model()
    qtbot.wait(50)
    orders = {}
    for column_name in ("days_open", "category"):
        column = model.fields.index(column_name)
        with qtbot.waitSignal(model.sorted, timeout=WAIT_MS):
            view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        orders[column_name] = model.rows
    bar = view.verticalScrollBar()
    for value in np.linspace(0, bar.maximum(), 8).astype(int):
        bar.setValue(int(value))
        qtbot.wait(20)
    heartbeat.stop()
    assert model.rowCount() == FEATURES
    for column_name, rows in orders.items():  # checked after: 1M values are slow to read
        shown = million_layer.data[column_name].to_numpy()[rows]
        assert shown[0] >= shown[len(shown) // 2] >= shown[-1], column_name  # as asked
    _check(heartbeat, "table", "1M-row attribute table: open, sort two columns, scroll")


def _start_exporting(
    qtbot: Any, window: Any, layer: VectorLayer, target: Path, heartbeat: Heartbeat
) -> None:
    """Show ``layer``, start the heartbeat, then Save Features As ``target`` as the dialog does."""
    window.project.add_layer(layer)
    _shows_current_view(qtbot, window)
    heartbeat.start()
    window.exporting.start(layer, ExportRequest(target, None, False), layer.data)


# GDAL holds the GIL for the whole write (1M points: 8-22 s in this process),
# so a big export is written and read back by the sandbox's child process
# (io/whole_file, io/sandbox.ReaderSandbox.write_whole_file).
@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_exporting_a_million_points_keeps_the_ui_beating(
    qtbot: Any,
    empty_window: Any,
    million_layer: VectorLayer,
    heartbeat: Heartbeat,
    tmp_path: Path,
    suffix: str,
) -> None:
    window, target = empty_window, tmp_path / f"exported{suffix}"
    _start_exporting(qtbot, window, million_layer, target, heartbeat)
    qtbot.waitUntil(
        lambda: window.status.currentMessage().startswith("Exported"), timeout=WAIT_MS * 2
    )
    heartbeat.stop()
    assert pyogrio.read_info(target)["features"] == FEATURES
    _check(heartbeat, f"export_{suffix[1:]}", f"export 1M points to {suffix[1:]}")


def test_cancelling_a_million_point_load_gives_the_ui_back_within_a_second(
    qtbot: Any, empty_window: Any, million_points: Path, heartbeat: Heartbeat
) -> None:
    window = _start_adding(empty_window, million_points, heartbeat)
    qtbot.wait(300)  # the reader child is busy with the file
    assert window.layer_loader.busy
    started = time.perf_counter()
    window.status.cancel_button.click()
    qtbot.waitUntil(lambda: window.workers.active_count == 0, timeout=WAIT_MS)
    cancel_ms = round((time.perf_counter() - started) * 1000, 1)
    qtbot.wait(200)
    heartbeat.stop()
    assert len(window.project.layers) == 0  # the cancelled read adds nothing
    assert cancel_ms <= MAX_CANCEL_MS, f"the read stopped {cancel_ms:.0f} ms after Cancel"
    _check(heartbeat, "cancel_load", "cancel a 1M-point load", cancel_ms=cancel_ms)


@pytest.mark.slow
def test_cancelling_a_million_point_export_gives_the_ui_back_within_a_second(
    qtbot: Any,
    empty_window: Any,
    million_layer: VectorLayer,
    heartbeat: Heartbeat,
    tmp_path: Path,
) -> None:
    window, target = empty_window, tmp_path / "exported.geojson"
    target.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    before = target.read_bytes()
    _start_exporting(qtbot, window, million_layer, target, heartbeat)
    # The writer child is busy with the file (it holds the GIL-bound GDAL write).
    qtbot.waitUntil(lambda: bool(shared_sandbox().busy_pids()), timeout=WAIT_MS)
    qtbot.wait(300)
    assert window.workers.active_count >= 1
    started = time.perf_counter()
    window.status.cancel_button.click()
    qtbot.waitUntil(
        lambda: window.workers.active_count == 0 and not shared_sandbox().busy_pids(),
        timeout=WAIT_MS,
    )
    cancel_ms = round((time.perf_counter() - started) * 1000, 1)
    qtbot.wait(200)
    heartbeat.stop()
    assert cancel_ms <= MAX_CANCEL_MS, f"the write stopped {cancel_ms:.0f} ms after Cancel"
    assert target.read_bytes() == before  # the target is as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exported.geojson"]  # no temp left
    assert window.status.currentMessage().startswith("Export cancelled")
    _check(heartbeat, "cancel_export", "cancel a 1M-point export", cancel_ms=cancel_ms)


def test_no_gdal_dataset_outlives_the_call_that_opened_it() -> None:
    """Row 23's "0 GDAL dataset objects shared across threads", by construction.

    pyogrio opens and closes its dataset inside each call, so a dataset never
    leaves the thread (or sandbox child) that opened it. The only other GDAL
    handles mapdesk makes are fiona collections, each opened in a ``with``
    block; nothing imports GDAL's own bindings (``osgeo``), whose datasets
    could be kept in a module or an object and used from another thread.
    """
    package = Path(__file__).resolve().parents[2] / "mapdesk"
    opens, unmanaged, osgeo = 0, [], []
    for source in package.rglob("*.py"):
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if "fiona.open(" in code:
                opens += 1
                if not code.lstrip().startswith("with "):
                    unmanaged.append(f"{source.name}:{number}")
            if "from osgeo" in code or "import osgeo" in code:
                osgeo.append(f"{source.name}:{number}")
    record(ROW, "GDAL datasets shared across threads", inputs=opens, crashes=0, shared=0)
    assert opens > 0  # the scan sees the fiona reader
    assert unmanaged == [] and osgeo == []
