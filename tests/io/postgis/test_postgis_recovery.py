"""Crash recovery of PostGIS edits: restored, and still checked against what they were made on.

Each test edits a fresh table with the edit journal following, "crashes" (the
layer is dropped unsaved and the journal's writer counts as dead, as the
file-layer recovery tests do), lets another client change the table, and then
recovers as the next start would: the layer read again through the normal
loader, the journal restored into it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from mapdesk.core.editing import journal as journal_module
from mapdesk.core.editing.conflicts import SaveConflictError, Side, resolve_conflicts
from mapdesk.core.editing.journal import EditJournal, JournaledLayer
from mapdesk.core.layer import VectorLayer
from mapdesk.io.loader import load_layer
from mapdesk.io.postgis import PostgisUri
from tests.io.postgis.edit_tables import table_rows
from tests.io.postgis.server import ThrowAwayServer

pytestmark = pytest.mark.postgis


def _table(uri: str) -> str:
    return str(PostgisUri.parse(uri).table)


Crash = Callable[[str, Callable[[VectorLayer], None]], Path]


@pytest.fixture
def crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Crash:
    """``crash(uri, edit)``: a mapdesk opened ``uri``, made ``edit`` (journaled) and died
    before saving; the journal's path."""

    def crashed(uri: str, edit: Callable[[VectorLayer], None]) -> Path:
        journal_path = tmp_path / "journal.sqlite"
        layer = load_layer(uri, None)
        layer.start_editing()
        journal = EditJournal(journal_path)
        journal.follow(layer)
        edit(layer)
        journal.close()
        monkeypatch.setattr(journal_module, "_running", lambda _pid: False)
        return journal_path

    return crashed


def _recovered(journal_path: Path) -> tuple[VectorLayer, JournaledLayer]:
    """The next start: the journaled layer reopened through the loader, its edits restored."""
    journal = EditJournal(journal_path)
    [pending] = journal.pending()
    layer = load_layer(pending.path, pending.layer)
    layer.start_editing()
    journal.follow(layer)
    assert journal.restore(layer) == pending.features
    return layer, pending


def _their_update(server: ThrowAwayServer, table: str, fid: int, **values: Any) -> None:
    """Another client saves a change to one row."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(name), sql.Placeholder()) for name in values
    )
    statement = sql.SQL("UPDATE {} SET {} WHERE asset_id = %s").format(
        sql.Identifier(*table.split(".")), assignments
    )
    with psycopg.connect(**server.admin_settings(), autocommit=True) as conn:
        conn.execute(statement, [*values.values(), fid])


def _their_delete(server: ThrowAwayServer, table: str, fid: int) -> None:
    statement = sql.SQL("DELETE FROM {} WHERE asset_id = %s").format(
        sql.Identifier(*table.split("."))
    )
    with psycopg.connect(**server.admin_settings(), autocommit=True) as conn:
        conn.execute(statement, [fid])


def test_recovered_edits_conflict_with_a_change_saved_meanwhile_and_keep_mine_merges(
    edit_table: str, postgis_server: ThrowAwayServer, analyst_password: str, crash: Crash
) -> None:
    def edit(layer: VectorLayer) -> None:
        layer.change_attribute_value(1, "owner", "mine 1")
        layer.change_attribute_value(2, "owner", "mine 2")  # nobody else touches feature 2
        layer.add_feature("POINT (1 2)", {"code": "N1", "owner": "new"})

    journal_path = crash(edit_table, edit)
    stored = b"".join(p.read_bytes() for p in journal_path.parent.glob("journal.sqlite*"))
    assert analyst_password.encode() not in stored and b"edits_" in stored
    table = _table(edit_table)
    _their_update(postgis_server, table, 1, owner="theirs", units=7)

    layer, pending = _recovered(journal_path)
    server = f"127.0.0.1:{postgis_server.port}/city"
    assert pending.describe().startswith(f"{table} (on {server}): 3 features edited")
    assert (layer.data.at[1, "owner"], layer.data.at[2, "owner"]) == ("mine 1", "mine 2")
    assert layer.data.at[1, "units"] == 1  # my edit is restored as I made it
    before = table_rows(postgis_server, table)
    with pytest.raises(SaveConflictError) as raised:
        layer.commit_changes()
    assert table_rows(postgis_server, table) == before  # nothing overwritten, nothing written
    (conflict,) = raised.value.conflicts
    fields = {f.name: (f.original, f.mine, f.theirs, f.changed_by) for f in conflict.fields}
    assert conflict.fid == 1
    assert fields["owner"] == ("owner 1", "mine 1", "theirs", "both")
    assert fields["units"][2:] == (7, "them")  # shown as their change, not mine
    # Keep mine: my owner over theirs, their units kept (I never changed it).
    session = layer.edit_session
    assert session is not None
    resolve_conflicts(session, raised.value.conflicts, {1: Side.MINE})
    layer.commit_changes()
    rows = table_rows(postgis_server, table)
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (1, "mine 1", 7), (2, "mine 2", 2), (3, "owner 3", 3), (4, "new", None)
    ]  # fmt: skip
    assert EditJournal(journal_path).pending() == []  # saved: the journal is cleared


def test_take_theirs_after_recovery_and_a_feature_deleted_meanwhile(
    edit_table: str, postgis_server: ThrowAwayServer, crash: Crash
) -> None:
    def edit(layer: VectorLayer) -> None:
        layer.change_attribute_value(1, "owner", "mine 1")
        layer.change_attribute_value(3, "owner", "mine 3")

    journal_path = crash(edit_table, edit)
    table = _table(edit_table)
    _their_update(postgis_server, table, 1, owner="theirs")
    _their_delete(postgis_server, table, 3)

    layer, _ = _recovered(journal_path)
    assert layer.data.at[3, "owner"] == "mine 3"  # restored, though the table lost it
    with pytest.raises(SaveConflictError) as raised:
        layer.commit_changes()
    by_fid = {c.fid: c for c in raised.value.conflicts}
    assert sorted(by_fid) == [1, 3] and by_fid[3].deleted_by_them
    session = layer.edit_session
    assert session is not None
    resolve_conflicts(session, raised.value.conflicts, {1: Side.THEIRS, 3: Side.THEIRS})
    layer.commit_changes()
    rows = table_rows(postgis_server, table)
    assert [(r[0], r[2]) for r in rows] == [(1, "theirs"), (2, "owner 2")]


def test_recovered_edits_nobody_else_touched_save_cleanly_through_a_filtered_uri(
    edit_table: str, postgis_server: ThrowAwayServer, crash: Crash
) -> None:
    filtered = f"{edit_table}&where=%22units%22%20%3E%3D%202"  # "units" >= 2

    def edit(layer: VectorLayer) -> None:
        assert list(layer.data.index) == [2, 3]
        layer.change_attribute_value(2, "owner", "mine 2")
        layer.delete_feature(3)

    journal_path = crash(filtered, edit)
    table = _table(edit_table)
    _their_update(postgis_server, table, 1, owner="theirs")  # outside my filter: no matter

    layer, pending = _recovered(journal_path)
    assert "where" in pending.path and pending.describe().count(", filtered") == 1
    assert list(layer.data.index) == [2]  # the same filter: the same features, my delete
    session = layer.edit_session
    assert session is not None  # only what I changed is written (JSON, numeric: as read)
    assert session.changes().changed == {2: frozenset({"owner"})}
    layer.commit_changes()
    rows = table_rows(postgis_server, table)
    assert [(r[0], r[2]) for r in rows] == [(1, "theirs"), (2, "mine 2")]
