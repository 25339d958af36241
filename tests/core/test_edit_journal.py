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
from mapdesk.core.editing.versions import RowVersions, row_versions, with_row_versions
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


def _older_journal(path: Path, columns: dict[str, object]) -> EditJournal:
    """A journal an older mapdesk wrote: its ``entries`` had only ``columns`` after ``at``."""
    with sqlite3.connect(path) as old:
        extra = "".join(
            f", {name} {kind}"
            for name, kind in (("pid", "INTEGER"), ("boot", "TEXT"))
            if name in columns
        )
        old.execute(
            "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, layer_key TEXT NOT NULL,"
            f" layer_name TEXT NOT NULL, fid INTEGER NOT NULL, row TEXT, at TEXT NOT NULL{extra})"
        )
        names = ["layer_key", "layer_name", "fid", "row", "at", *columns]
        values = ['["/data/hydrants.gpkg", "hydrants"]', "hydrants", 2, None, "2026-11-25T10:00"]
        old.execute(
            f"INSERT INTO entries ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [*values, *columns.values()],
        )
    return EditJournal(path)


def test_a_journal_of_an_older_mapdesk_is_read_and_extended(tmp_path: Path) -> None:
    journal = _older_journal(tmp_path / "journal.sqlite", {})
    [pending] = journal.pending()  # the old entry is offered, not lost
    assert pending.features == 1
    layer = _editing(journal)
    layer.change_attribute_value(1, "pressure", 70)  # and new entries are written
    assert journal.rows(pending.key) == {2: None, 1: journal.rows(pending.key)[1]}


# --- layers of a shared database (row versions) ---------------------------------------------
SHARED = "postgresql://analyst@db.portland.local:5433/city?table=public.hydrants"


def _shared_hydrants(
    versions: dict[int, int], uri: str = SHARED, frame: gpd.GeoDataFrame | None = None
) -> VectorLayer:
    """The hydrants as a PostGIS table reads them: an address, and a row version per feature."""
    frame = with_row_versions(_hydrants().data if frame is None else frame, RowVersions(versions))
    return VectorLayer(frame, "hydrants", origin=LayerOrigin(uri, "public.hydrants", "PostGIS"))


def _editing_shared(journal: EditJournal, versions: dict[int, int]) -> VectorLayer:
    layer = _shared_hydrants(versions)
    layer.start_editing(EDITOR)
    journal.follow(layer)
    return layer


def _reread_and_restored(
    tmp_path: Path, frame: gpd.GeoDataFrame, versions: dict[int, int]
) -> tuple[EditJournal, VectorLayer]:
    """The next start: the table read again as ``frame``, the journal restored into it."""
    after_crash = EditJournal(tmp_path / "journal.sqlite")
    fresh = _shared_hydrants(versions, frame=frame)
    fresh.start_editing(EDITOR)
    after_crash.follow(fresh)
    after_crash.restore(fresh)
    return after_crash, fresh


def test_a_database_layer_is_keyed_by_its_address_and_described_by_table_and_server(
    journal: EditJournal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader keeps the password out of an origin; the journal makes sure of it anyway.
    layer = _shared_hydrants({1: 10}, SHARED.replace("analyst@", "analyst:Hunter2-secret@"))
    layer.start_editing(EDITOR)
    journal.follow(layer)
    layer.change_attribute_value(1, "pressure", 80)
    monkeypatch.setattr(journal_module, "_running", lambda _pid: False)
    [pending] = journal.pending()
    assert (pending.path, pending.layer) == (SHARED, "public.hydrants")  # no abspath, no secret
    assert pending.describe().startswith(
        "hydrants (public.hydrants on db.portland.local:5433/city): 1 feature edited"
    )
    journal.close()
    stored = b"".join(p.read_bytes() for p in journal.path.parent.glob("journal.sqlite*"))
    assert b"Hunter2-secret" not in stored and b"db.portland.local" in stored


def test_a_filtered_database_layer_says_so() -> None:
    label = journal_module.address_label(SHARED + "&bbox=1,2,3,4", "public.hydrants")
    assert label == "public.hydrants on db.portland.local:5433/city, filtered"


@pytest.mark.usefixtures("crashed")
def test_restored_database_edits_are_checked_against_the_versions_they_were_made_on(
    journal: EditJournal, tmp_path: Path
) -> None:
    layer = _editing_shared(journal, {1: 10, 2: 20, 3: 30})
    layer.change_attribute_value(1, "pressure", 80)  # someone else changes it meanwhile
    layer.change_attribute_value(2, "pressure", 81)  # nobody else touches it
    layer.change_attribute_value(3, "pressure", 82)  # someone else deletes it meanwhile
    new = layer.add_feature(Point(30, 0), {"asset_id": "H-4"})
    journal.close()

    # The next start reads the table again: feature 1 saved by another editor, 3 gone.
    frame = _hydrants().data.drop(index=3).assign(asset_id=["H-1 (theirs)", "H-2"])
    after_crash, fresh = _reread_and_restored(tmp_path, frame, {1: 11, 2: 20})
    session = fresh.edit_session
    assert session is not None
    versions = row_versions(session.base)
    assert versions is not None and (versions[1], versions[2], versions[3]) == (10, 20, 30)
    assert session.base.at[1, "asset_id"] == "H-1"  # the original, not their version
    changes = session.changes()
    assert set(changes.changed) == {1, 2, 3}  # 3 is an update (a conflict), not a new feature
    assert changes.added == (new,) and changes.changed[1] == frozenset({"pressure"})
    assert fresh.data.at[1, "asset_id"] == "H-1"  # what I had when I edited it
    # A second crash right after recovery still knows what the edits were made on.
    assert {fid: b.version for fid, b in after_crash.bases(after_crash.pending()[0].key).items()} \
        == {1: 10, 2: 20, 3: 30, new: None}  # fmt: skip


@pytest.mark.usefixtures("crashed")
def test_a_restored_new_feature_does_not_take_over_a_feature_someone_else_added(
    journal: EditJournal, tmp_path: Path
) -> None:
    layer = _editing_shared(journal, {1: 10, 2: 20, 3: 30})
    mine = layer.add_feature(Point(30, 0), {"asset_id": "mine"})
    assert mine == 4
    journal.close()

    theirs = _hydrants().data.loc[[1]].set_axis(pd.Index([4], name="fid"))
    frame = gpd.GeoDataFrame(pd.concat([_hydrants().data, theirs.assign(asset_id="theirs")]))
    _, fresh = _reread_and_restored(tmp_path, frame, {1: 10, 2: 20, 3: 30, 4: 40})
    assert fresh.data.at[4, "asset_id"] == "theirs"  # theirs untouched...
    assert fresh.data.at[5, "asset_id"] == "mine"  # ...mine restored as another new feature
    assert fresh.edit_session is not None and fresh.edit_session.changes().added == (5,)


def test_a_journal_written_before_row_versions_were_kept_is_upgraded(tmp_path: Path) -> None:
    journal = _older_journal(tmp_path / "journal.sqlite", {"pid": 1, "boot": "x"})
    [pending] = journal.pending()
    assert journal.rows(pending.key) == {2: None} and journal.bases(pending.key) == {}
    layer = _editing_shared(journal, {1: 10})
    layer.change_attribute_value(1, "pressure", 70)
    key = journal_module.layer_key(layer)
    assert key is not None and journal.bases(key)[1].version == 10


def test_pending_for_names_one_layers_crash_edits(journal: EditJournal, crashed: None) -> None:
    layer = _editing(journal)
    layer.change_attribute_value(1, "pressure", 80)
    key = journal_module.layer_key(layer)
    assert key is not None
    found = journal.pending_for(key)
    assert found is not None and found.features == 1 and found.name == "hydrants"
    assert journal.pending_for('["/data/mains.gpkg", "mains"]') is None
