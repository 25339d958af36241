"""Edit mode in the window: toggle, type in the table, undo, delete, save, close prompts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyproj import CRS
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QLineEdit, QMessageBox
from shapely.geometry import Point

from mapdesk.core.editing import journal as journal_module
from mapdesk.core.editing.journal import EditJournal
from mapdesk.core.layer import VectorLayer
from mapdesk.io.gpkg_rules import field_rules
from mapdesk.io.loader import load_layer
from mapdesk.io.network_gpkg import create_network_layers

from .conftest import _stations, drop_edits, edit_in_window

Button = QMessageBox.StandardButton


@pytest.fixture
def stations_file(tmp_path: Path) -> Path:
    path = tmp_path / "stations.gpkg"
    _stations().to_file(path, layer="stations", engine="pyogrio")
    return path


@pytest.fixture
def editing_window(qtbot: Any, window: Any, stations_file: Path) -> Iterator[Any]:
    edit_in_window(window, stations_file, "stations")
    yield window
    drop_edits(window)


def _layer(window: Any) -> VectorLayer:
    layer = window.layer_panel.current_layer()
    assert layer is not None
    return layer


def _row_text(window: Any, layer: VectorLayer) -> str:
    model = window.layer_model
    return str(model.data(model.index_of(layer), Qt.ItemDataRole.DisplayRole))


def _type_in_table(window: Any, row: int, field: str, text: str) -> None:
    model = window.attribute_table.model()
    model.setData(model.index(row, model.fields.index(field)), text, Qt.ItemDataRole.EditRole)


def test_typing_in_the_table_is_an_undoable_edit_and_marks_the_layer(editing_window: Any) -> None:
    window, actions = editing_window, editing_window.map_actions
    layer = _layer(window)
    assert actions.toggle_editing.isChecked() and actions.save_edits.isEnabled()
    assert not actions.undo.isEnabled()
    actions.open_attribute_table.trigger()
    _type_in_table(window, 0, "name", "Central Fire Station")
    assert layer.data.at[1, "name"] == "Central Fire Station"
    assert _row_text(window, layer) == "stations *"
    assert actions.undo.isEnabled() and "Change name of feature 1" in actions.undo.text()
    assert actions.undo.shortcut().toString() == "Ctrl+Z"
    history = window.undo_history.steps
    assert [history.item(i).text() for i in range(history.count())] == [
        "<original>",
        "Change name of feature 1",
    ]
    actions.undo.trigger()
    assert layer.data.at[1, "name"] == "Central Fire"
    assert _row_text(window, layer) == "stations"
    assert history.currentRow() == 0
    actions.redo.trigger()
    assert layer.data.at[1, "name"] == "Central Fire Station"


def _open_cell_editor(window: Any, row: int, field: str) -> QLineEdit:
    table = window.attribute_table.table
    model = window.attribute_table.model()
    index = model.index(row, model.fields.index(field))
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.indexWidget(index) or table.focusWidget()
    assert isinstance(editor, QLineEdit)
    return editor


def _press_enter(qtbot: Any, window: Any, editor: QLineEdit) -> None:
    """Enter in a cell editor: Qt commits the value and closes the editor (queued)."""
    table = window.attribute_table.table
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState)


def test_a_cell_editor_starts_with_the_value_and_closing_it_unchanged_edits_nothing(
    qtbot: Any, editing_window: Any
) -> None:
    window, actions = editing_window, editing_window.map_actions
    layer = _layer(window)
    actions.open_attribute_table.trigger()
    editor = _open_cell_editor(window, 0, "name")
    assert editor.text() == "Central Fire"  # not an empty editor that would blank the value
    _press_enter(qtbot, window, editor)
    assert layer.data.at[1, "name"] == "Central Fire"
    assert not actions.undo.isEnabled()  # no empty "Change name" step either


def test_a_value_typed_before_a_sort_lands_on_its_feature(qtbot: Any, editing_window: Any) -> None:
    window = editing_window
    layer = _layer(window)
    window.map_actions.open_attribute_table.trigger()
    editor = _open_cell_editor(window, 0, "name")  # Central Fire, fid 1
    editor.setText("Central Fire Station")
    table = window.attribute_table.table
    table.sortByColumn(
        window.attribute_table.model().fields.index("name"), Qt.SortOrder.DescendingOrder
    )
    _press_enter(qtbot, window, editor)
    assert layer.data["name"].tolist() == ["Central Fire Station", "Bramhall", "Police HQ"]


def test_a_value_that_does_not_fit_is_refused_with_a_message(
    editing_window: Any, messages: Any, tmp_path: Path
) -> None:
    window = editing_window
    layer = _layer(window)
    layer.replace_data(layer.data.assign(crew=[4, 6, 2]))  # a whole-number field
    window.map_actions.open_attribute_table.trigger()
    _type_in_table(window, 0, "crew", "four")
    assert any('"crew" holds whole numbers' in text for text in messages.texts("warning"))
    assert layer.data.at[1, "crew"] == 4
    assert not layer.is_modified


def test_delete_selected_removes_the_selected_features_in_one_step(editing_window: Any) -> None:
    window, actions = editing_window, editing_window.map_actions
    layer = _layer(window)
    layer.selection.apply([1, 3])
    assert (
        actions.delete_selected.isEnabled()
        and actions.delete_selected.shortcut().toString() == "Del"
    )
    actions.delete_selected.trigger()
    assert list(layer.data.index) == [2]
    actions.undo.trigger()
    assert list(layer.data.index) == [1, 2, 3]


def test_save_layer_edits_writes_the_geopackage_in_the_background(
    qtbot: Any, editing_window: Any, stations_file: Path
) -> None:
    window = editing_window
    layer = _layer(window)
    layer.change_attribute_value(2, "name", "Bramhall Station")
    window.map_actions.save_edits.trigger()
    qtbot.waitUntil(lambda: not layer.is_modified, timeout=10000)
    with sqlite3.connect(stations_file) as connection:
        names = [r[0] for r in connection.execute("SELECT name FROM stations ORDER BY fid")]
    assert names == ["Central Fire", "Bramhall Station", "Police HQ"]
    assert _row_text(window, layer) == "stations"
    assert "saved: feature 1 changed" in window.status.currentMessage()
    assert layer.is_editing  # saving does not leave edit mode, as in QGIS


def test_a_failed_save_says_why_keeps_the_edits_and_offers_save_as(
    qtbot: Any,
    editing_window: Any,
    stations_file: Path,
    messages: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window = editing_window
    layer = _layer(window)
    layer.delete_feature(3)
    stations_file.unlink()  # the file went away (a network drive dropped)
    messages.answer = Button.No
    window.map_actions.save_edits.trigger()
    qtbot.waitUntil(lambda: bool(messages.texts("question")), timeout=10000)
    assert "your edits are kept" in messages.texts("question")[0]
    assert "Save the edited layer as a new GeoPackage" in messages.texts("question")[0]
    assert layer.is_modified and window.map_actions.undo.isEnabled()
    assert "was not saved" in window.status.currentMessage()
    # Save As: the edits go to a new GeoPackage, which becomes the layer's file.
    target = tmp_path / "stations-copy.gpkg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.map_actions.save_edits_as.trigger()
    qtbot.waitUntil(lambda: not layer.is_modified, timeout=10000)
    assert layer.origin.path == str(target)
    with sqlite3.connect(target) as connection:
        names = [r[0] for r in connection.execute("SELECT name FROM stations ORDER BY fid")]
    assert names == ["Central Fire", "Bramhall"]
    layer.change_attribute_value(layer.data.index[0], "name", "HQ")  # later saves go there
    window.map_actions.save_edits.trigger()
    qtbot.waitUntil(lambda: not layer.is_modified, timeout=10000)
    assert load_layer(str(target), "stations").data["name"].tolist() == ["HQ", "Bramhall"]


@pytest.mark.parametrize(
    ("answer", "closes", "name_on_disk"),
    [
        (Button.Cancel, False, "Central Fire"),
        (Button.Discard, True, "Central Fire"),
        (Button.Save, True, "HQ"),
    ],
)
def test_closing_with_unsaved_edits_asks_save_discard_or_cancel(
    editing_window: Any,
    messages: Any,
    stations_file: Path,
    answer: Any,
    closes: bool,
    name_on_disk: str,
) -> None:
    window = editing_window
    _layer(window).change_attribute_value(1, "name", "HQ")
    messages.answer = answer
    window.close()
    assert any("unsaved edits" in text for text in messages.texts("question"))
    assert window.isVisible() != closes
    with sqlite3.connect(stations_file) as connection:
        assert connection.execute("SELECT name FROM stations WHERE fid = 1").fetchone()[0] == (
            name_on_disk
        )


def test_toggling_editing_off_with_edits_offers_to_save(editing_window: Any, messages: Any) -> None:
    window = editing_window
    layer = _layer(window)
    layer.change_attribute_value(1, "name", "HQ")
    messages.answer = Button.Discard
    window.map_actions.toggle_editing.trigger()
    assert not layer.is_editing and layer.data.at[1, "name"] == "Central Fire"
    assert not window.map_actions.toggle_editing.isChecked()
    assert not window.map_actions.save_edits.isEnabled()


def _crash_with_edits(stations_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another mapdesk edited stations.gpkg, journaled, and died before saving."""
    layer = load_layer(str(stations_file), "stations")
    layer.start_editing()
    journal = EditJournal()
    journal.follow(layer)
    layer.change_attribute_value(3, "name", "Public Safety Building")
    layer.delete_feature(2)
    journal.close()
    monkeypatch.setattr(journal_module, "_running", lambda _pid: False)


def _layer_names(window: Any) -> list[str]:
    return [layer.name for layer in window.project.layers]


def _restore_a_crash(
    window: Any, stations_file: Path, messages: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Yes to the start-up question about a crash's edits of stations.gpkg."""
    _crash_with_edits(stations_file, monkeypatch)
    messages.answer = Button.Yes
    assert window.editing.offer_recovery() == 1


def test_unsaved_edits_of_a_crash_are_offered_and_restored(
    qtbot: Any, window: Any, stations_file: Path, messages: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _restore_a_crash(window, stations_file, messages, monkeypatch)
    [question] = messages.texts("question")
    assert "stations (stations.gpkg, layer stations): 2 features edited" in question
    # Read again in a worker (a PostGIS table may take long), shown with Cancel.
    assert "stations" not in _layer_names(window)
    assert window.status.cancel_button.isVisibleTo(window.status)
    qtbot.waitUntil(lambda: "stations" in _layer_names(window), timeout=10000)
    assert not window.status.task_label.isVisibleTo(window.status)
    layer = window.project.layers.by_name("stations")
    assert layer.is_editing and layer.is_modified
    assert list(layer.data.index) == [1, 3] and layer.data.at[3, "name"] == "Public Safety Building"
    assert window.map_actions.undo.text() == "&Undo Restore unsaved edits"
    drop_edits(window)


def test_discarded_recovery_forgets_the_edits(
    window: Any, stations_file: Path, messages: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crash_with_edits(stations_file, monkeypatch)
    messages.answer = Button.No
    assert window.editing.offer_recovery() == 0
    assert EditJournal().pending() == []
    assert "stations" not in [layer.name for layer in window.project.layers]


def test_cancelling_the_reopening_keeps_the_edits_for_next_time(
    qtbot: Any, window: Any, stations_file: Path, messages: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _restore_a_crash(window, stations_file, messages, monkeypatch)
    window.status.cancel_button.click()
    assert window.workers.wait()
    qtbot.wait(50)  # whatever the worker still delivers is dropped
    assert "stations" not in _layer_names(window)
    [warning] = messages.texts("warning")
    assert warning.startswith("Reopening stations was cancelled.")
    assert "stations (stations.gpkg, layer stations): 2 features edited" in warning
    assert "offers them again when you next switch on editing" in warning
    [pending] = EditJournal().pending()
    assert pending.features == 2


def _edit_after_a_failed_recovery(
    window: Any,
    stations_file: Path,
    messages: Any,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: Any,
    answer: QMessageBox.StandardButton,
) -> VectorLayer:
    """A crash's edits of stations.gpkg could not be restored at start (the file was away);
    later the file is added and Toggle Editing pressed, ``answer`` given to any question."""
    _crash_with_edits(stations_file, monkeypatch)
    away = stations_file.with_name("away.gpkg")
    stations_file.rename(away)
    messages.answer = Button.Yes
    window.editing.offer_recovery()
    qtbot.waitUntil(lambda: bool(messages.texts("warning")), timeout=10000)
    away.rename(stations_file)
    messages.shown.clear()
    messages.answer = answer
    layer = load_layer(str(stations_file), "stations")
    window.project.add_layer(layer)
    window.layer_panel.select_layer(layer)
    window.map_actions.toggle_editing.trigger()
    return layer


def test_editing_a_layer_with_a_crashs_edits_asks_first_and_cancel_keeps_them(
    qtbot: Any, window: Any, stations_file: Path, messages: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = _edit_after_a_failed_recovery(
        window, stations_file, messages, monkeypatch, qtbot, Button.Cancel
    )
    [question] = messages.texts("question")
    assert "stations (stations.gpkg, layer stations): 2 features edited" in question
    # Edit mode would journal under the same key: its Stop Editing would delete them.
    assert not layer.is_editing
    assert not window.map_actions.toggle_editing.isChecked()
    assert [p.features for p in EditJournal().pending()] == [2]

    messages.answer = Button.Yes  # restored into this session, then saved
    window.map_actions.toggle_editing.trigger()
    assert layer.is_editing and list(layer.data.index) == [1, 3]
    window.map_actions.save_edits.trigger()
    qtbot.waitUntil(lambda: not layer.is_modified, timeout=10000)
    assert load_layer(str(stations_file), "stations").data.at[3, "name"] == (
        "Public Safety Building"
    )
    assert EditJournal().pending() == []


def test_a_crashs_edits_discarded_when_editing_starts_are_gone(
    qtbot: Any, window: Any, stations_file: Path, messages: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = _edit_after_a_failed_recovery(
        window, stations_file, messages, monkeypatch, qtbot, Button.No
    )
    assert layer.is_editing and not layer.is_modified
    assert list(layer.data.index) == [1, 2, 3]
    assert EditJournal().pending() == []


def test_save_as_keeps_the_codes_of_a_network_layer(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = tmp_path / "network.gpkg"
    create_network_layers(source, CRS.from_epsg(26984))
    layer = edit_in_window(window, source, "network_nodes")
    layer.add_feature(Point(892_630, 91_540), {"asset_id": "N-1", "type": "switch"})
    target = tmp_path / "network-copy.gpkg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.map_actions.save_edits_as.trigger()
    qtbot.waitUntil(lambda: not layer.is_modified, timeout=10000)
    codes = field_rules(target, "network_nodes")["type"]["codes"]
    assert list(codes)[:2] == ["site", "switch"]
    assert layer.data.attrs["field_rules"]["type"]["codes"] == codes  # editing goes on with them
    drop_edits(window)
