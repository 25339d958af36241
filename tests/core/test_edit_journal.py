"""The edit journal: edits on disk as they are made, restored after a crash."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
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
    monkeypatch.setattr(saving, "_writer", [lambda _origin, changes: written.append(changes)])
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
