"""Huge and odd inputs in the app (RELIABILITY.md row 9).

Long values are shown cut in the attribute table and the identify panel,
with View Full Value… showing them whole; web addresses and pasted text are
refused by Add Layer, drops and command-line paths without a reader starting;
a read that runs out of its memory limit is a message while the demo's
unsaved edits carry on; Cancel ends a read of a real 1M-point GeoJSON
within a second.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from mapdesk.core.errors import MapdeskError
from mapdesk.core.identify import IdentifyHit
from mapdesk.core.layer import VectorLayer
from mapdesk.core.table import CELL_CHARS
from mapdesk.io.sandbox import FAULT_ENV, MEMORY_LIMIT_ENV, shared_sandbox
from mapdesk.ui.loading import AddLayerRequest, inspect_file, read_request
from mapdesk.ui.models.attribute_table import AttributeTableModel
from mapdesk.ui.views.attribute_table import AttributeTableDock
from mapdesk.ui.views.identify_panel import IdentifyPanel
from tests.io.test_odd_inputs import NOT_FILES
from tests.support.processes import process_gone
from tests.support.reliability import record
from tests.ui.test_reader_sandbox import _edit_parcels, _frame_hash, _journal

pytestmark = pytest.mark.reliability

LONG = "Fore River crossing, 1923 survey notes. " * 250_000  # 10,000,000 characters


@pytest.fixture
def notes_layer() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"asset": ["BR-7", "BR-8"], "notes": [LONG, "short"]},
        geometry=[shapely.Point(-70.27, 43.64), shapely.Point(-70.26, 43.65)],
        crs=4326,
    )
    return VectorLayer(frame, "Bridges")


def test_the_table_shows_a_long_value_cut_and_view_full_value_shows_it_whole(
    qtbot: Any, notes_layer: VectorLayer
) -> None:
    dock = AttributeTableDock()
    qtbot.addWidget(dock)
    model = AttributeTableModel(notes_layer)
    dock.show_model(model)
    column = model.fields.index("notes")
    cell = model.data(model.index(0, column))
    assert cell.startswith(LONG[:CELL_CHARS]) and cell.endswith("… (10,000,000 characters)")
    assert len(model.data(model.index(0, column), Qt.ItemDataRole.ToolTipRole)) < 500
    assert model.data(model.index(1, column)) == "short"

    dialog = dock.show_full_value(0, column)
    assert dialog is not None and dialog.windowTitle() == "notes — Bridges, fid 0"
    assert dialog.summary.text().startswith("10,000,000 characters")
    assert "".join(dialog.view.toPlainText().split("\n")) == LONG
    dialog.copy()
    assert QGuiApplication.clipboard().text() == LONG  # exactly as stored
    assert notes_layer.data["notes"].iloc[0] == LONG
    dialog.close()


def test_a_long_value_is_edited_whole_or_not_in_the_cell_at_all(notes_layer: VectorLayer) -> None:
    """The cell editor gets the whole value, never the shortened text; a value
    longer than the editor holds is not editable in the cell (saving the cut
    text would lose the rest)."""
    medium = "Storm drain outfall inspected; " * 200  # 6,200 characters: shown cut
    notes_layer.data.loc[1, "notes"] = medium
    model = AttributeTableModel(notes_layer)
    model.set_editable(True)
    requests: list[Any] = []
    model.edit_requested.connect(lambda *request: requests.append(request))
    column = model.fields.index("notes")
    medium_cell, long_cell = model.index(1, column), model.index(0, column)
    assert model.data(medium_cell).endswith("… (6,200 characters)")
    assert model.data(medium_cell, Qt.ItemDataRole.EditRole) == medium
    assert model.flags(medium_cell) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(medium_cell, medium) and requests == []  # unchanged: no edit
    assert model.setData(medium_cell, medium + "Done.")
    assert requests == [(1, "notes", medium + "Done.")]
    assert not model.flags(long_cell) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(long_cell, LONG[:32767])
    assert len(requests) == 1 and notes_layer.data["notes"].iloc[0] == LONG
    model.close()


def test_identify_shows_a_long_value_cut_and_a_double_click_shows_it_whole(
    qtbot: Any,
) -> None:
    panel = IdentifyPanel()
    qtbot.addWidget(panel)
    hit = IdentifyHit("bridges", "Bridges", 0, 7, {"asset": "BR-7", "notes": LONG})
    panel.show_hits([hit])
    feature = panel.tree.topLevelItem(0).child(0)
    notes = feature.child(1)
    assert len(feature.text(1)) < CELL_CHARS + 40  # the label falls back to the long text
    assert notes.text(1).endswith("… (10,000,000 characters)")
    opened: list[Any] = []
    original = panel.show_full_value
    panel.show_full_value = lambda item: opened.append(original(item))  # type: ignore[method-assign]
    panel.tree.itemDoubleClicked.emit(feature.child(0), 1)  # "BR-7" is whole already
    assert opened == []
    panel.tree.itemDoubleClicked.emit(notes, 1)
    [dialog] = opened
    assert dialog.windowTitle() == "notes — Bridges, fid 7"
    assert "".join(dialog.view.toPlainText().split("\n")) == LONG
    dialog.close()


def test_add_layer_drops_and_command_line_refuse_what_is_not_a_file(
    qtbot: Any, window: Any, messages: Any
) -> None:
    sandbox = shared_sandbox()
    children_before = set(sandbox.child_pids())
    refused = 0
    for text in NOT_FILES:  # what Add Layer's path box and the read step run
        for work in (lambda t: inspect_file(t), lambda t: read_request(AddLayerRequest(t), _p)):
            try:
                work(text)
            except MapdeskError:
                refused += 1
    window.open_paths(NOT_FILES)  # drops and command-line paths
    refused += sum(kind == "warning" for kind, _title, _text in messages.shown)
    inputs = 3 * len(NOT_FILES)
    record(9, "non-file paths at Add Layer, its read step and drops/command line",
           inputs=inputs, refused=refused, loaded=0, crashes=0, unhandled=0)  # fmt: skip
    assert refused == inputs
    assert not window.layer_loader.busy  # no worker was started for any of them
    assert set(sandbox.child_pids()) == children_before  # and no reader process
    assert "web addresses cannot be opened as files" in messages.shown[0][2]


def _p(_percent: int, _message: str) -> None:
    """A progress callback that is never cancelled."""


def _address_space_limit(pid: int) -> int | None:
    """The soft RLIMIT_AS of process ``pid`` in bytes (None: unlimited or gone)."""
    try:
        lines = Path(f"/proc/{pid}/limits").read_text().splitlines()
    except OSError:
        return None
    soft = next(line.split()[3] for line in lines if line.startswith("Max address space"))
    return int(soft) if soft.isdigit() else None


def test_a_read_out_of_memory_is_a_message_and_the_unsaved_edits_carry_on(
    qtbot: Any, demo_window: Any, messages: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = demo_window
    layer = _edit_parcels(window)
    before, journal_before = _frame_hash(layer), _journal(window, layer)
    path = tmp_path / "hydrants.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(-70.26, 43.66)], crs=4326).to_file(path)
    # The child really allocates past its RLIMIT_AS of 1.5 GB (the row's ceiling).
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1536")
    monkeypatch.setenv(FAULT_ENV, f"memory:{path}")
    sandbox = shared_sandbox()
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=60000)
    kind, _title, text = messages.shown[0]
    alive = window.isVisible() and layer.is_editing and layer.is_modified
    kept = _frame_hash(layer) == before and _journal(window, layer) == journal_before
    record(9, "reader child past its 1,536 MB RLIMIT_AS, demo window with unsaved edits",
           inputs=1, contained=int(kind == "warning"), crashes=0, unhandled=0,
           lost_edits=int(not kept))  # fmt: skip
    assert text.startswith("hydrants.geojson could not be read: the reader ran out of memory")
    assert "limit 1536 MB" in text
    # The child started in its place runs under the same 1.5 GB address-space limit.
    qtbot.waitUntil(
        lambda: 1536 * 2**20 in [_address_space_limit(p) for p in sandbox.child_pids()],
        timeout=60000,
    )
    assert alive and kept
    layer.change_attribute_value(layer.data.index[0], "owner_type", "State of Maine")
    assert len(_journal(window, layer)) == 2  # the edit carries on


def _million_points(path: Path) -> Path:
    """A 1M-point GeoJSON FeatureCollection over Portland (about 100 MB), written fast."""
    i = np.arange(1_000_000)
    x = np.char.mod("%.5f", -70.35 + (i % 1000) * 1e-4)
    y = np.char.mod("%.5f", 43.60 + (i // 1000) * 1e-4)
    ids = i.astype(str)
    head = np.char.add('{"type":"Feature","properties":{"n":', ids)
    body = np.char.add(head, '},"geometry":{"type":"Point","coordinates":[')
    rows = np.char.add(np.char.add(np.char.add(body, x), ","), np.char.add(y, "]}}"))
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","features":[\n')
        out.write(",\n".join(rows.tolist()))
        out.write("\n]}\n")
    return path


def test_cancel_ends_a_read_of_a_million_points_within_a_second(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    path = _million_points(tmp_path / "address points.geojson")
    sandbox = shared_sandbox()
    window.layer_loader.load(AddLayerRequest(str(path)))
    qtbot.waitUntil(lambda: bool(sandbox.busy_pids()), timeout=60000)
    [reading] = sandbox.busy_pids()
    qtbot.wait(500)  # GDAL is inside the file
    pressed = time.monotonic()
    window.status.cancel_button.click()
    qtbot.waitUntil(lambda: process_gone(reading), timeout=1000)
    waited = time.monotonic() - pressed
    record(9, "Cancel during a read of a 1M-point GeoJSON", inputs=1, contained=1, hangs=0,
           crashes=0, unhandled=0, cancel_ms=round(waited * 1000, 1))  # fmt: skip
    assert waited < 1.0
    assert not window.layer_loader.busy
    assert "address points" not in [x.name for x in window.project.layers]
