"""Editing PostGIS layers: one transaction per save, conflicts instead of lost updates."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
import shapely
from psycopg import sql

from mapdesk.core.editing.conflicts import SaveConflictError, Side, resolve_conflicts
from mapdesk.core.editing.saving import SaveError
from mapdesk.core.layer import VectorLayer
from mapdesk.io.loader import load_layer
from mapdesk.io.postgis import PostgisUri
from mapdesk.io.postgis.connection import connect
from mapdesk.io.postgis.editing import save_edits
from mapdesk.io.postgis.privileges import PrivilegeError, edit_refusal
from mapdesk.io.postgis.reader import find_table, plan_read
from mapdesk.io.registry import read_layer
from tests.io.postgis.edit_tables import table_rows
from tests.io.postgis.server import ANALYST, ThrowAwayServer

pytestmark = pytest.mark.postgis


def _editing(uri: str) -> VectorLayer:
    layer = load_layer(uri, None)
    layer.start_editing()
    return layer


def _table(uri: str) -> str:
    return str(PostgisUri.parse(uri).table)


def test_a_save_writes_the_edits_and_the_next_save_builds_on_it(
    edit_table: str, postgis_server: ThrowAwayServer
) -> None:
    layer = _editing(edit_table)
    layer.change_attribute_value(1, "owner", "Portland Water District")
    layer.change_attribute_value(1, "notes", '{"ward": 3}')
    new = layer.add_feature("POINT (1 2)", {"code": "N1", "owner": "new"})
    layer.delete_feature(2)
    layer.commit_changes()
    rows = table_rows(postgis_server, _table(edit_table))
    assert [r[0] for r in rows] == [1, 3, 4]  # the sequence numbered the new feature
    assert rows[0][2] == "Portland Water District" and rows[0][5] == '{"ward": 3}'
    assert rows[2][1:3] == ("N1", "new") and rows[2][6] == "POINT(1 2)"
    assert new not in layer.data.index or new == 4
    assert list(layer.data.index) == [1, 3, 4] and layer.data.loc[4, "asset_id"] == 4
    # My own save moved the row versions on: saving the same features again is no conflict.
    layer.change_attribute_value(1, "owner", "again")
    layer.change_geometry(4, "POINT (5 5)")
    layer.commit_changes()
    rows = table_rows(postgis_server, _table(edit_table))
    assert rows[0][2] == "again" and rows[2][6] == "POINT(5 5)"


def test_a_feature_saved_by_someone_else_is_a_conflict_and_nothing_is_written(
    edit_table: str, postgis_server: ThrowAwayServer
) -> None:
    mine, theirs = _editing(edit_table), _editing(edit_table)
    theirs.change_attribute_value(1, "owner", "theirs")
    theirs.change_attribute_value(1, "units", 7)
    theirs.commit_changes()
    before = table_rows(postgis_server, _table(edit_table))
    mine.change_attribute_value(1, "owner", "mine")
    mine.change_attribute_value(3, "owner", "also mine")  # nobody else touched this one
    edited = mine.data.copy()
    with pytest.raises(SaveConflictError) as raised:
        mine.commit_changes()
    assert table_rows(postgis_server, _table(edit_table)) == before  # not even feature 3
    assert mine.is_modified and mine.data.equals(edited)  # the edit buffer is intact
    (conflict,) = raised.value.conflicts
    assert conflict.fid == 1 and not conflict.deleted_by_them
    fields = {f.name: (f.original, f.mine, f.theirs, f.changed_by) for f in conflict.fields}
    assert fields["owner"] == ("owner 1", "mine", "theirs", "both")
    assert fields["units"][2:] == (7, "them")
    assert "feature 1" in str(raised.value) and "owner" in str(raised.value)
    # Keep mine: my owner over theirs, their units kept (I never changed it).
    session = mine.edit_session
    assert session is not None
    resolve_conflicts(session, raised.value.conflicts, {1: Side.MINE})
    mine.commit_changes()
    row1, _, row3 = table_rows(postgis_server, _table(edit_table))
    assert (row1[2], row1[3], row3[2]) == ("mine", 7, "also mine")


def test_take_theirs_and_per_field_merge(edit_table: str, postgis_server: ThrowAwayServer) -> None:
    mine, theirs = _editing(edit_table), _editing(edit_table)
    for fid in (1, 2):
        theirs.change_attribute_value(fid, "owner", f"theirs {fid}")
        theirs.change_attribute_value(fid, "units", 50)
    theirs.commit_changes()
    for fid in (1, 2):
        mine.change_attribute_value(fid, "owner", f"mine {fid}")
        mine.change_attribute_value(fid, "units", 60)
    with pytest.raises(SaveConflictError) as raised:
        mine.commit_changes()
    session = mine.edit_session
    assert session is not None
    decisions = {1: Side.THEIRS, 2: {"owner": Side.THEIRS, "units": Side.MINE}}
    resolve_conflicts(session, raised.value.conflicts, decisions)
    assert mine.data.loc[1, "owner"] == "theirs 1"
    mine.commit_changes()
    rows = table_rows(postgis_server, _table(edit_table))
    assert [(r[2], r[3]) for r in rows[:2]] == [("theirs 1", 50), ("theirs 2", 60)]


def test_delete_versus_edit_both_ways(edit_table: str, postgis_server: ThrowAwayServer) -> None:
    mine, theirs = _editing(edit_table), _editing(edit_table)
    theirs.delete_feature(1)  # they delete what I change
    theirs.change_attribute_value(2, "owner", "changed by them")  # they change what I delete
    theirs.commit_changes()
    mine.change_attribute_value(1, "owner", "mine")
    mine.delete_feature(2)
    with pytest.raises(SaveConflictError) as raised:
        mine.commit_changes()
    by_fid = {c.fid: c for c in raised.value.conflicts}
    assert by_fid[1].deleted_by_them and by_fid[1].theirs is None
    assert by_fid[2].deleted_by_me and [f.name for f in by_fid[2].fields] == ["owner"]
    assert "deleted it" in str(raised.value)
    session = mine.edit_session
    assert session is not None
    # Keep mine: feature 1 is created again (a new key); feature 2 is deleted after all.
    resolve_conflicts(session, raised.value.conflicts, {1: Side.MINE, 2: Side.MINE})
    mine.commit_changes()
    rows = table_rows(postgis_server, _table(edit_table))
    assert [(r[0], r[2]) for r in rows] == [(3, "owner 3"), (4, "mine")]


def test_a_feature_deleted_by_both_is_no_conflict(edit_table: str) -> None:
    mine, theirs = _editing(edit_table), _editing(edit_table)
    theirs.delete_feature(3)
    theirs.commit_changes()
    mine.delete_feature(3)
    mine.change_attribute_value(1, "owner", "fine")
    mine.commit_changes()
    assert list(read_layer(edit_table).frame.index) == [1, 2]


def test_two_editors_adding_features_never_collide(edit_table: str) -> None:
    first, second = _editing(edit_table), _editing(edit_table)
    a = first.add_feature("POINT (1 1)", {"code": "B1"})
    b = second.add_feature("POINT (2 2)", {"code": "B2"})
    assert a == b  # the same number while unsaved...
    first.commit_changes()
    second.commit_changes()
    frame = read_layer(edit_table).frame
    assert sorted(frame["code"]) == ["A1", "A2", "A3", "B1", "B2"]  # ...both saved
    assert frame.index.is_unique


def test_a_unique_clash_names_the_feature_and_the_constraint(
    edit_table: str, postgis_server: ThrowAwayServer
) -> None:
    first, second = _editing(edit_table), _editing(edit_table)
    first.add_feature("POINT (1 1)", {"code": "HYD-12"})
    first.commit_changes()
    before = table_rows(postgis_server, _table(edit_table))
    second.change_attribute_value(1, "owner", "kept back")
    fid = second.add_feature("POINT (2 2)", {"code": "HYD-12"})
    with pytest.raises(SaveError) as raised:
        second.commit_changes()
    message = str(raised.value)
    name = _table(edit_table).split(".")[1]
    assert f"new feature {fid}" in message and f"{name}_code_unique" in message
    assert "HYD-12" in message
    assert table_rows(postgis_server, _table(edit_table)) == before
    assert second.is_modified


def test_a_save_failing_half_way_changes_nothing_and_a_retry_works(
    edit_table: str, postgis_server: ThrowAwayServer
) -> None:
    layer = _editing(edit_table)
    fids = [
        layer.add_feature(f"POINT ({n} {n})", {"code": f"C{n}", "units": n}) for n in range(100)
    ]
    bad = fids[36]  # the 37th of 100
    layer.change_attribute_value(bad, "units", -5)  # breaks CHECK (units >= 0)
    layer.change_attribute_value(1, "owner", "changed before the bad one")
    before = table_rows(postgis_server, _table(edit_table))
    edited = layer.data.copy()
    uri = PostgisUri.parse(edit_table)
    conn = connect(uri.connection)
    conn.autocommit = True
    try:
        plan = plan_read(conn, find_table(conn, uri))
        changes = layer.begin_commit()
        with pytest.raises(SaveError, match=f"new feature {bad} breaks the constraint"):
            save_edits(conn, plan, changes)
        layer.end_commit(None, None)
        assert table_rows(postgis_server, _table(edit_table)) == before
        assert layer.is_modified and layer.data.equals(edited)
        layer.change_attribute_value(bad, "units", 5)
        changes = layer.begin_commit()
        saved = save_edits(conn, plan, changes)  # the same connection
        layer.end_commit(changes, saved)
    finally:
        conn.close()
    rows = table_rows(postgis_server, _table(edit_table))
    assert len(rows) == 103 and rows[0][2] == "changed before the bad one"
    assert not layer.is_modified and len(layer.data) == 103


def test_refresh_shows_others_changes_and_keeps_nothing_stale(edit_table: str) -> None:
    mine, theirs = _editing(edit_table), _editing(edit_table)
    theirs.change_geometry(1, "POINT (99 99)")
    theirs.delete_feature(2)
    theirs.commit_changes()
    mine.reload(read_layer(edit_table).frame)
    assert list(mine.data.index) == [1, 3]
    assert shapely.equals(mine.data.geometry[1], shapely.Point(99, 99))
    mine.change_attribute_value(1, "owner", "after refresh")  # the new versions: no conflict
    mine.commit_changes()
    assert read_layer(edit_table).frame.loc[1, "owner"] == "after refresh"


def test_a_read_only_role_gets_a_clear_message(city_uri: Any, analyst_password: str) -> None:
    layer = _editing(city_uri("public.parcels"))
    layer.change_attribute_value(1, "owner", "not allowed")
    with pytest.raises(
        SaveError,
        match=r"role analyst may not change features of public\.parcels "
        r"\(missing privilege: UPDATE\)",
    ):
        layer.commit_changes()
    assert layer.is_modified


def test_a_role_with_column_grants_saves_the_columns_it_may_change(
    edit_table: str, postgis_server: ThrowAwayServer
) -> None:
    # A DBA lets a team change only some columns (GRANT UPDATE (owner)): mapdesk
    # writes only the changed columns, so such a save must not be refused up front.
    with psycopg.connect(**postgis_server.admin_settings(), autocommit=True) as conn:
        table = sql.Identifier(*_table(edit_table).split("."))
        analyst = sql.Identifier(ANALYST)
        conn.execute(sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}").format(table, analyst))
        conn.execute(sql.SQL("GRANT UPDATE (owner) ON {} TO {}").format(table, analyst))
    assert edit_refusal(edit_table) is None  # it may change something: edit mode starts
    layer = _editing(edit_table)
    layer.change_attribute_value(1, "owner", "column grant")
    layer.commit_changes()
    assert table_rows(postgis_server, _table(edit_table))[0][2] == "column grant"
    # A column it may not change is refused by the server, named, nothing written.
    layer.change_attribute_value(2, "units", 99)
    with pytest.raises(PrivilegeError, match=r"refused your role analyst \(permission denied"):
        layer.commit_changes()
    assert layer.is_modified and table_rows(postgis_server, _table(edit_table))[1][3] == 2
