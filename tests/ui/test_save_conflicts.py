"""The Save Conflicts dialog, and Save Layer Edits showing it when others saved first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from PySide6.QtWidgets import QDialog

from mapdesk.core.editing.changes import EditChanges
from mapdesk.core.editing.conflicts import (
    EditConflict,
    FieldConflict,
    SaveConflictError,
    Side,
)
from mapdesk.core.layer import VectorLayer
from mapdesk.ui.controllers import editing as editing_controller
from mapdesk.ui.dialogs.save_conflicts import PER_FIELD, TAKE_THEIRS, SaveConflictsDialog

from .conftest import _stations, drop_edits, edit_in_window


def _both_changed(fid: int) -> EditConflict:
    fields = (
        FieldConflict("name", "Central Fire", "Central Station", "Central Fire Station"),
        FieldConflict("station_id", "F1", "F1", "F9"),  # only they changed it
    )
    theirs = {"station_id": "F9", "name": "Central Fire Station", "geometry": shapely.Point(1, 1)}
    return EditConflict(fid, False, False, fields, theirs, 777)


def test_the_dialog_lists_the_values_and_gives_the_decisions(qtbot: Any) -> None:
    gone = EditConflict(2, True, False, (), None, None)
    dialog = SaveConflictsDialog("stations", [_both_changed(1), gone])
    qtbot.addWidget(dialog)
    top = dialog.tree.topLevelItem(0)
    assert top is not None and top.text(0) == "Feature 1: changed by both"
    name = top.child(0)
    assert [name.text(c) for c in range(4)] == [
        "name", "Central Fire", "Central Station", "Central Fire Station"
    ]  # fmt: skip
    assert "deleted" in (dialog.tree.topLevelItem(1) or top).text(0)
    # Keep mine by default: my name, their station id (I never changed it).
    fields = dialog.field_choices[1]
    assert (fields["name"].currentText(), fields["station_id"].currentText()) == ("Mine", "Theirs")
    assert dialog.decisions() == {1: Side.MINE, 2: Side.MINE}
    # Choosing a field makes the feature "per field"; a deleted feature has no such choice.
    fields["name"].setCurrentText("Theirs")
    fields["name"].activated.emit(1)
    assert dialog.feature_choices[1].currentText() == PER_FIELD
    assert dialog.decisions()[1] == {"name": Side.THEIRS, "station_id": Side.THEIRS}
    assert dialog.feature_choices[2].findText(PER_FIELD) == -1
    dialog.choose_all(TAKE_THEIRS)
    assert dialog.decisions() == {1: Side.THEIRS, 2: Side.THEIRS}


@pytest.fixture
def stations_window(qtbot: Any, window: Any, tmp_path: Path) -> Iterator[Any]:
    """The stations in edit mode, feature 1 renamed: saving it meets a conflict."""
    path = tmp_path / "stations.gpkg"
    _stations().to_file(path, layer="stations", driver="GPKG")
    layer = edit_in_window(window, path, "stations")
    layer.change_attribute_value(1, "name", "Central Station")
    yield window
    drop_edits(window)


def test_save_shows_the_conflicts_and_saves_what_was_decided(
    qtbot: Any, stations_window: Any, dialogs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = stations_window
    layer: VectorLayer = window.layer_panel.current_layer()
    written: list[EditChanges] = []

    def writer(_origin: Any, changes: EditChanges, _commit: Any) -> None:
        if not written:
            written.append(changes)
            raise SaveConflictError("stations", [_both_changed(1)])
        written.append(changes)

    monkeypatch.setattr(editing_controller, "write_edits", writer)

    def decide(dialog: SaveConflictsDialog) -> int:
        dialog.field_choices[1]["name"].setCurrentText("Theirs")
        dialog.field_choices[1]["name"].activated.emit(1)
        dialog.field_choices[1]["station_id"].setCurrentText("Mine")
        dialog.field_choices[1]["station_id"].activated.emit(0)
        return int(QDialog.DialogCode.Accepted.value)

    dialogs.handlers["SaveConflictsDialog"] = decide
    window.map_actions.save_edits.trigger()
    qtbot.waitUntil(lambda: len(written) == 2 and not layer.is_modified, timeout=10000)
    assert dialogs.names() == ["SaveConflictsDialog"]
    # Their name, my (unchanged) station id: written over their version.
    assert layer.data.loc[1, "name"] == "Central Fire Station"
    assert layer.data.loc[1, "station_id"] == "F1"
    assert written[1].changed == {1: frozenset({"station_id"})}
    assert written[1].base is not None and written[1].base.loc[1, "station_id"] == "F9"


def test_cancelling_the_conflicts_keeps_every_edit(
    qtbot: Any, stations_window: Any, dialogs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = stations_window
    layer: VectorLayer = window.layer_panel.current_layer()

    def writer(_origin: Any, _changes: EditChanges, _commit: Any) -> None:
        raise SaveConflictError("stations", [_both_changed(1)])

    monkeypatch.setattr(editing_controller, "write_edits", writer)
    window.map_actions.save_edits.trigger()
    qtbot.waitUntil(lambda: dialogs.names() == ["SaveConflictsDialog"], timeout=10000)
    assert layer.is_modified and layer.data.loc[1, "name"] == "Central Station"
