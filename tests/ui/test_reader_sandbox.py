"""A reader that crashes in its sandbox leaves the app and its unsaved edits alone.

Issue 10's acceptance test and RELIABILITY.md row 24: the demo window with a
layer in edit mode and unsaved edits; adding a file whose reader segfaults
(the child honours ``MAPDESK_SANDBOX_TEST_FAULT`` and really dies by SIGSEGV)
shows a message naming the file, and the window, the edit buffer and the
edit journal are as they were. Cancel kills a reading child within a second.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from PySide6.QtWidgets import QFileDialog

from mapdesk.core.editing.journal import layer_key
from mapdesk.core.layer import VectorLayer
from mapdesk.io.sandbox import FAULT_ENV, shared_sandbox
from mapdesk.ui.dialogs.add_layer import AddLayerDialog
from mapdesk.ui.loading import AddLayerRequest
from tests.support.processes import process_gone
from tests.support.reliability import record

pytestmark = pytest.mark.reliability

CRASH_MESSAGE = "roads.shp could not be read: the reader crashed (signal SIGSEGV)"


@pytest.fixture
def poisoned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """roads.shp, a good shapefile whose reader the test hook makes segfault."""
    path = tmp_path / "roads.shp"
    gpd.GeoDataFrame(
        {"name": ["Congress St"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=26984
    ).to_file(path)
    monkeypatch.setenv(FAULT_ENV, f"segv:{path}")
    shared_sandbox().warm()
    return path


def _frame_hash(layer: VectorLayer) -> str:
    frame = layer.data
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(frame.drop(columns="geometry")).to_numpy())
    digest.update(b"".join(shapely.to_wkb(frame.geometry.array, hex=False)))
    digest.update(str(list(frame.index)).encode())
    return digest.hexdigest()


def _edit_parcels(window: Any) -> VectorLayer:
    """Parcels in edit mode with two unsaved edits (a changed owner, a deleted parcel)."""
    layer = window.project.layers.by_name("Parcels")
    window.layer_panel.select_layer(layer)
    window.map_actions.toggle_editing.trigger()
    assert layer.is_editing
    first, second = layer.data.index[:2]
    layer.change_attribute_value(first, "owner_type", "City of Portland")
    layer.delete_features([second])
    assert layer.is_modified
    return layer


def _journal(window: Any, layer: VectorLayer) -> dict[int, Any]:
    key = layer_key(layer)
    assert key is not None
    rows: dict[int, Any] = window.editing.journal.rows(key)
    return rows


def test_a_crashing_reader_leaves_the_window_and_its_edits_alone(
    qtbot: Any, demo_window: Any, dialogs: Any, monkeypatch: pytest.MonkeyPatch, poisoned: Path
) -> None:
    window = demo_window
    layer = _edit_parcels(window)
    before, journal_before = _frame_hash(layer), _journal(window, layer)
    assert len(journal_before) == 2
    names = [x.name for x in window.project.layers]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(poisoned), ""))
    shown: list[str] = []

    def add(dialog: AddLayerDialog) -> int:
        dialog.browse()
        qtbot.waitUntil(lambda: "could not be read" in dialog.status.text(), timeout=30000)
        shown.append(dialog.status.text())
        assert dialog.inspection is None  # nothing to add
        return 0

    dialogs.handlers["AddLayerDialog"] = add
    window.map_actions.add_layer.trigger()  # Layer ▸ Add Vector Layer…

    record(
        24,
        "reader SIGSEGV while the demo has unsaved edits (Add Layer)",
        faults=1,
        contained=int(bool(shown) and CRASH_MESSAGE in shown[0]),
        crashes=int(not window.isVisible()),
        lost_edits=int(_frame_hash(layer) != before or _journal(window, layer) != journal_before),
    )
    assert shown and CRASH_MESSAGE in shown[0]
    assert window.isVisible() and [x.name for x in window.project.layers] == names
    assert layer.is_editing and layer.is_modified
    assert _frame_hash(layer) == before
    assert _journal(window, layer) == journal_before
    layer.change_attribute_value(layer.data.index[0], "owner_type", "State of Maine")
    assert len(_journal(window, layer)) == 2  # editing and journaling carry on


def test_a_dropped_file_whose_reader_crashes_is_a_message(
    qtbot: Any, demo_window: Any, messages: Any, poisoned: Path
) -> None:
    window = demo_window
    layer = _edit_parcels(window)
    before = _frame_hash(layer)
    window.open_paths([str(poisoned)])
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=30000)
    kind, _title, text = messages.shown[0]
    record(
        24,
        "reader SIGSEGV on a dropped file during editing",
        faults=1,
        contained=int(text.startswith(CRASH_MESSAGE)),
        crashes=int(not window.isVisible()),
        lost_edits=int(_frame_hash(layer) != before),
    )
    assert kind == "warning" and text.startswith(CRASH_MESSAGE)
    assert window.isVisible() and _frame_hash(layer) == before
    qtbot.waitUntil(lambda: not window.layer_loader.busy, timeout=5000)
    window.canvas.zoom_by(2)  # still alive and responsive


def test_cancel_kills_the_reading_process_within_a_second(
    qtbot: Any, window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hydrants.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=4326).to_file(path)
    monkeypatch.setenv(FAULT_ENV, f"hang:{path}")
    sandbox = shared_sandbox()
    sandbox.warm()
    idle = set(sandbox.child_pids())
    window.layer_loader.load(AddLayerRequest(str(path)))
    qtbot.waitUntil(lambda: bool(sandbox.busy_pids()), timeout=30000)
    [reading] = sandbox.busy_pids()
    assert reading in idle or idle == set()
    qtbot.wait(500)  # inside its (endless) read
    pressed = time.monotonic()
    window.status.cancel_button.click()
    qtbot.waitUntil(lambda: process_gone(reading), timeout=1000)
    assert time.monotonic() - pressed < 1.0
    assert not window.layer_loader.busy
