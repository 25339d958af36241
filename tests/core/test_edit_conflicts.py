"""Save conflicts, Qt- and server-free: what is a conflict, and what each decision saves."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from mapdesk.core.editing.conflicts import Side, find_conflict, resolve_conflicts
from mapdesk.core.editing.session import EditSession
from mapdesk.core.editing.versions import RowVersions, row_versions, with_row_versions


def _session() -> EditSession:
    base = gpd.GeoDataFrame(
        {"owner": ["City", "Casco Bay"], "units": [1, 2]},
        geometry=[Point(0, 0), Point(1, 1)],
        index=[1, 2],
        crs="EPSG:26984",
    )
    return EditSession(
        "parcels", with_row_versions(base, RowVersions({1: 10, 2: 20})), lambda _f: None
    )


def test_only_differences_from_mine_are_conflicts() -> None:
    original = {"owner": "City", "units": 1}
    assert find_conflict(1, original, None, None, None) is None  # both deleted
    same = find_conflict(1, original, {"owner": "X", "units": 1}, {"owner": "X", "units": 1}, 11)
    assert same is None  # they saved what I meant
    conflict = find_conflict(
        1, original, {"owner": "X", "units": 1}, {"owner": "Y", "units": 5}, 11
    )
    assert conflict is not None
    assert {f.name: f.changed_by for f in conflict.fields} == {"owner": "both", "units": "them"}
    gone = find_conflict(1, original, {"owner": "X", "units": 1}, None, None)
    assert gone is not None and gone.deleted_by_them


def test_keep_mine_take_theirs_and_per_field_become_the_next_save() -> None:
    session = _session()
    session.change_attribute_values(1, {"owner": "Mine", "units": 7})
    session.change_attribute_values(2, {"owner": "Mine 2", "units": 8})
    mine = session.current
    theirs = {1: {"owner": "Theirs", "units": 1, "geometry": Point(5, 5)},
              2: {"owner": "Theirs 2", "units": 9, "geometry": Point(1, 1)}}  # fmt: skip
    base = session.base
    found = [
        find_conflict(fid, dict(base.loc[fid]), dict(mine.loc[fid]), theirs[fid], 30 + fid)
        for fid in (1, 2)
    ]
    conflicts = [c for c in found if c is not None]
    resolve_conflicts(
        session, conflicts, {1: Side.MINE, 2: {"owner": Side.THEIRS, "units": Side.MINE}}
    )
    versions = row_versions(session.base)
    assert versions is not None and dict(versions) == {1: 31, 2: 32}
    assert session.base.loc[1, "owner"] == "Theirs"  # the next save checks their version
    current = session.current
    # Keep mine: my owner and units, their geometry (I never moved it).
    assert (current.loc[1, "owner"], current.loc[1, "units"]) == ("Mine", 7)
    assert current.geometry[1].equals(Point(5, 5))
    assert (current.loc[2, "owner"], current.loc[2, "units"]) == ("Theirs 2", 8)
    changes = session.changes()
    assert changes.changed == {1: frozenset({"owner", "units"}), 2: frozenset({"units"})}
    assert session.undo_stack.undo_text == "Resolve save conflicts"
