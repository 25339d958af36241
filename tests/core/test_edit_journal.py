"""The edit journal: edits on disk as they are made, restored after a crash."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from mapdesk.core.editing import journal as journal_module
from mapdesk.core.editing import saving
from mapdesk.core.editing.journal import EditJournal
from mapdesk.core.editing.tracking import EditorIdentity
from mapdesk.core.layer import LayerOrigin, VectorLayer

EDITOR = EditorIdentity("jsmith")


def _hydrants() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {
            "asset_id": ["H-1", "H-2", "H-3"],
            "pressure": [60, 72, 55],
            "inspected": pd.to_datetime(["2024-01-02", "2024-02-03", "2024-03-04"]),
        },
        geometry=[Point(0, 0), Point(10, 0), Point(20, 0)],
        index=pd.Index([1, 2, 3], name="fid"),
        crs="EPSG:26919",
    )
    return VectorLayer(frame, "hydrants", origin=LayerOrigin("/data/hydrants.gpkg", "hydrants"))


def _editing(journal: EditJournal) -> VectorLayer:
    layer = _hydrants()
    layer.start_editing(EDITOR)
    journal.follow(layer)
    return layer


@pytest.fixture
def journal(tmp_path: Path) -> EditJournal:
    return EditJournal(tmp_path / "journal.sqlite")


@pytest.fixture
def crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mapdesk that wrote the journal is no longer running."""
    monkeypatch.setattr(journal_module, "_running", lambda _pid: False)


def test_a_running_mapdesks_edits_are_not_offered_for_recovery(journal: EditJournal) -> None:
    layer = _editing(journal)
    layer.change_attribute_value(1, "pressure", 80)
    assert journal.pending() == []  # this process is alive: its edits are not lost


@pytest.mark.usefixtures("crashed")
def test_edits_undos_and_redos_are_restored_into_a_fresh_session(
    journal: EditJournal, tmp_path: Path
) -> None:
    layer = _editing(journal)
    layer.change_attribute_value(1, "pressure", 80)
    layer.change_attribute_value(1, "inspected", "2025-06-01T09:30:00")
    fid = layer.add_feature(Point(30, 0), {"asset_id": "H-4", "pressure": 65})
    layer.delete_feature(2)
    layer.change_geometry(3, Point(21, 1))
    layer.undo()  # the move is undone: the journal says so too
    expected = layer.data.copy()
    journal.close()

    after_crash = EditJournal(tmp_path / "journal.sqlite")  # the next start
    [pending] = after_crash.pending()
    assert (pending.path, pending.layer, pending.name) == (
        "/data/hydrants.gpkg",
        "hydrants",
        "hydrants",
    )
    assert pending.features == 4
    assert "hydrants (hydrants.gpkg, layer hydrants): 4 features edited" in pending.describe()
    fresh = _hydrants()
    fresh.start_editing(EDITOR)
    after_crash.follow(fresh)
    assert after_crash.restore(fresh) == 4
    pd.testing.assert_frame_equal(fresh.data, expected, check_like=False)
    assert fresh.is_modified
    assert fresh.edit_session.undo_stack.texts() == ["Restore unsaved edits"]
    assert fresh.add_feature(Point(40, 0)) == fid + 1  # new fids go past the restored ones


@pytest.mark.usefixtures("crashed")
def test_saving_or_rolling_back_clears_the_layers_entries(
    journal: EditJournal, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[object] = []

    def writer(_origin: object, changes: object, at_commit_point: Callable[[], None]) -> None:
        written.append(changes)
        at_commit_point()
        assert journal.pending() == []  # forgotten at the commit point, before renames

    monkeypatch.setattr(saving, "_writer", [writer])
    layer = _editing(journal)
    layer.change_attribute_value(1, "pressure", 81)
    assert journal.pending()
    layer.rollback()
    assert journal.pending() == []
    layer.change_attribute_value(2, "pressure", 82)
    assert journal.pending()
    layer.commit_changes()
    assert len(written) == 1 and journal.pending() == []


@pytest.mark.usefixtures("crashed")
def test_layers_without_a_file_are_not_journaled(journal: EditJournal) -> None:
    layer = VectorLayer(_hydrants().data, "scratch")
    layer.start_editing(EDITOR)
    journal.follow(layer)
    layer.delete_feature(1)
    assert journal.pending() == []


@pytest.mark.usefixtures("crashed")
def test_leaving_edit_mode_with_everything_undone_forgets_the_journal(
    journal: EditJournal,
) -> None:
    layer = _editing(journal)
    layer.change_attribute_value(1, "pressure", 81)
    layer.undo()
    assert not layer.is_modified and journal.pending()
    layer.stop_editing()
    assert journal.pending() == []


@pytest.mark.usefixtures("crashed")
def test_list_fields_are_journaled(journal: EditJournal) -> None:
    layer = _editing(journal)
    layer.replace_data(layer.data.assign(tags=[np.array(["a", "b"]), np.array([]), None]))
    layer.change_attribute_value(1, "pressure", 1)
    assert journal.rows(journal.pending()[0].key)[1]["tags"] == ["a", "b"]


def test_a_pid_reused_after_a_reboot_does_not_hide_the_edits(
    journal: EditJournal, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = _editing(journal)
    layer.change_attribute_value(1, "pressure", 80)
    assert journal.pending() == []  # written by this very process, this boot
    monkeypatch.setattr(journal_module, "_boot_id", lambda: "the next boot")
    assert [pending.name for pending in journal.pending()] == ["hydrants"]


def test_a_journal_of_an_older_mapdesk_is_read_and_extended(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, layer_key TEXT NOT NULL,"
            " layer_name TEXT NOT NULL, fid INTEGER NOT NULL, row TEXT, at TEXT NOT NULL)"
        )
        old.execute(
            "INSERT INTO entries (layer_key, layer_name, fid, row, at) VALUES (?, ?, ?, ?, ?)",
            ('["/data/hydrants.gpkg", "hydrants"]', "hydrants", 2, None, "2026-11-25T10:00:00"),
        )
    journal = EditJournal(path)
    [pending] = journal.pending()  # the old entry is offered, not lost
    assert pending.features == 1
    layer = _editing(journal)
    layer.change_attribute_value(1, "pressure", 70)  # and new entries are written
    assert journal.rows(pending.key) == {2: None, 1: journal.rows(pending.key)[1]}
