"""Saving a layer's edits to its PostGIS table: one transaction, nobody overwritten.

QGIS documents that with a shared database "the last person to save the
edits wins". mapdesk checks instead: every feature is read with its row
version (``xmin``, :mod:`mapdesk.io.postgis.reader`), and a save updates or
deletes a row only ``WHERE key = fid AND xmin = the version read``. A row that
someone else saved or deleted in between matches nothing: that feature is a
conflict. A save with a conflict writes nothing (the transaction is rolled
back) and raises :class:`~mapdesk.core.editing.conflicts.SaveConflictError`
listing every conflict with mine, theirs and the original values; the edits
stay pending until the user has chosen (:mod:`mapdesk.core.editing.conflicts`).

New features are inserted without their key, so the table's sequence numbers
them: two people adding features never collide. A constraint the table
enforces (unique, not null, check) stops the save as a whole, with a message
naming the feature and the constraint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from mapdesk.core.editing.changes import EditChanges
from mapdesk.core.editing.conflicts import EditConflict, SaveConflictError, find_conflict
from mapdesk.core.editing.saving import CommitPoint, SaveError
from mapdesk.core.editing.values import is_missing
from mapdesk.core.editing.versions import RowVersions, row_versions, with_row_versions
from mapdesk.core.errors import MapdeskError
from mapdesk.io.postgis import privileges, reader
from mapdesk.io.postgis.connection import connect, failure
from mapdesk.io.postgis.reader import ROW_VERSION, TablePlan
from mapdesk.io.postgis.uri import PostgisUri


def write_postgis_edits(
    origin: Any, changes: EditChanges, at_commit_point: CommitPoint
) -> gpd.GeoDataFrame:
    """The edit writer for ``postgresql://`` layers: one session, one transaction.

    Returns the features as saved (new features numbered by the table, every
    row version up to date).
    """
    uri = PostgisUri.parse(str(origin.path))
    try:
        conn = connect(uri.connection, uri.password)
        conn.autocommit = True  # each statement outside the save's own transaction
        try:
            plan = reader.plan_read(conn, reader.find_table(conn, uri))
            return save_edits(conn, plan, changes, at_commit_point)
        finally:
            conn.close()
    except MapdeskError:
        raise
    except psycopg.Error as exc:
        raise failure(uri.connection, exc, uri.password) from None


def save_edits(
    conn: psycopg.Connection[Any],
    plan: TablePlan,
    changes: EditChanges,
    at_commit_point: CommitPoint = lambda: None,
) -> gpd.GeoDataFrame:
    """Write ``changes`` to the table in one transaction; the features as saved.

    ``conn`` must be in autocommit mode, so that the save is a transaction
    of its own (psycopg would make it a savepoint of an open one).

    On any failure the transaction is rolled back (the table is as it was and
    ``conn`` can be used again) and nothing of ``changes`` is lost.

    Raises
    ------
    SaveConflictError
        Features someone else changed or deleted since they were read.
    SaveError
        The table cannot take edits (no key, no row versions), or a feature
        breaks one of its constraints (the message names both).
    PrivilegeError
        The session's role may not make these edits (asked before writing);
        the message names the table, the role and the missing privilege.
    """
    shown = str(plan.table.table)
    key = plan.key
    base = changes.base
    versions = row_versions(base) if base is not None else None
    if key is None:
        raise SaveError(
            f"{shown} has no single integer primary key: mapdesk cannot tell its rows "
            "apart to save edits; your edits are kept, use Save As to keep them in a GeoPackage"
        )
    if base is None or versions is None:
        raise SaveError(
            f"{shown}: reload the layer before editing it (its row versions are missing)"
        )
    if not conn.autocommit:
        raise ValueError("save_edits needs a connection in autocommit mode")
    rights = privileges.edit_rights(conn, plan.table, key)
    refused = privileges.refusal(shown, rights, privileges.needed_for(changes))
    if refused is not None:
        raise refused
    writer = _TableWriter(conn, plan, changes, base, versions)
    try:
        with conn.transaction():
            writer.write_changed_and_deleted()
            writer.write_added()
    except psycopg.errors.IntegrityError as exc:
        raise writer.constraint_error(exc) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise privileges.denied(shown, rights, exc) from None
    at_commit_point()
    return writer.saved_frame()


class _TableWriter:
    """The statements of one save, and what they returned."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        plan: TablePlan,
        changes: EditChanges,
        base: gpd.GeoDataFrame,
        versions: RowVersions,
    ) -> None:
        assert plan.key is not None
        self.conn, self.plan, self.changes, self.base = conn, plan, changes, base
        self.versions = versions
        self.key = plan.key.name
        self.table = reader.table_identifier(plan.table.table)
        frame = changes.frame
        self.geometry = frame.geometry.name
        self.columns = {c.name: c for c in plan.fields if c.name in frame.columns}
        self.columns.pop(self.key, None)
        self.srid = plan.table.srid or reader.first_srid(conn, plan.table)
        self.new_versions: dict[Any, int] = {}
        self.new_keys: dict[Any, int] = {}
        self.current_fid: Any = None

    # --- statements ---------------------------------------------------------------
    def write_changed_and_deleted(self) -> None:
        """Update and delete by key and version; a conflict stops the save."""
        stale: list[Any] = []
        for fid, names in self.changes.changed.items():
            if self.key in names:
                raise SaveError(
                    f"{self.plan.table.table}: feature {fid}: its key {self.key} cannot be "
                    "changed; your edits are kept"
                )
            version = self._update(fid, names)
            if version is None:
                stale.append(fid)
            else:
                self.new_versions[fid] = version
        for fid in self.changes.deleted:
            if not self._delete(fid):
                stale.append(fid)
        if stale:
            conflicts = self._conflicts(stale)
            if conflicts:
                raise SaveConflictError(str(self.plan.table.table), conflicts)

    def _update(self, fid: Any, names: frozenset[str]) -> int | None:
        self.current_fid = fid
        row = self.changes.frame.loc[fid]
        targets = [n for n in self.columns if n in names]
        assignments = [
            sql.SQL("{} = {}").format(sql.Identifier(n), self._placeholder(n)) for n in targets
        ]
        values = [_db_value(row[n]) for n in targets]
        if self.geometry in names:
            assignments.append(
                sql.SQL("{} = {}").format(
                    sql.Identifier(self.plan.table.geometry_column), self._geometry_placeholder()
                )
            )
            values.append(_wkb(row[self.geometry]))
        if not assignments:  # only fields the table does not store
            return self.versions[fid]
        statement = sql.SQL(
            "UPDATE {t} SET {set} WHERE {k} = %s AND {v} = %s RETURNING {v}"
        ).format(t=self.table, set=sql.SQL(", ").join(assignments), k=sql.Identifier(self.key),
                 v=ROW_VERSION)  # fmt: skip
        with self.conn.cursor() as cursor:
            found = cursor.execute(statement, [*values, int(fid), self.versions[fid]]).fetchone()
        return int(found[0]) if found else None

    def _delete(self, fid: Any) -> bool:
        self.current_fid = fid
        statement = sql.SQL("DELETE FROM {t} WHERE {k} = %s AND {v} = %s").format(
            t=self.table, k=sql.Identifier(self.key), v=ROW_VERSION
        )
        with self.conn.cursor() as cursor:
            cursor.execute(statement, [int(fid), self.versions[fid]])
            return cursor.rowcount == 1

    def write_added(self) -> None:
        """Insert the new features without their key: the table numbers them."""
        names = list(self.columns)
        targets = [sql.Identifier(n) for n in names]
        targets.append(sql.Identifier(self.plan.table.geometry_column))
        placeholders = [self._placeholder(n) for n in names]
        placeholders.append(self._geometry_placeholder())
        statement = sql.SQL("INSERT INTO {t} ({c}) VALUES ({p}) RETURNING {k}, {v}").format(
            t=self.table,
            c=sql.SQL(", ").join(targets),
            p=sql.SQL(", ").join(placeholders),
            k=sql.Identifier(self.key),
            v=ROW_VERSION,
        )
        frame = self.changes.frame
        with self.conn.cursor() as cursor:
            for fid in self.changes.added:
                self.current_fid = fid
                row = frame.loc[fid]
                values = [_db_value(row[n]) for n in names] + [_wkb(row[self.geometry])]
                found = cursor.execute(statement, values).fetchone()
                assert found is not None  # INSERT ... RETURNING returns its row
                self.new_keys[fid] = int(found[0])
                self.new_versions[int(found[0])] = int(found[1])

    def _placeholder(self, name: str) -> sql.Composable:
        column = self.columns[name]
        if column.type_name in reader._NATIVE:
            return sql.Placeholder()
        # Read as text (JSON, arrays, numeric...): the server parses it back.
        return sql.SQL("CAST({} AS {})").format(sql.Placeholder(), sql.SQL(column.declared))

    def _geometry_placeholder(self) -> sql.Composable:
        return sql.SQL("ST_SetSRID(ST_GeomFromWKB({}), {})").format(
            sql.Placeholder(), sql.Literal(self.srid)
        )

    # --- conflicts and failures --------------------------------------------------------
    def _conflicts(self, fids: list[Any]) -> list[EditConflict]:
        """What the others saved of ``fids``; a feature deleted by all is no conflict."""
        theirs = reader.read_rows(self.conn, self.plan, [int(f) for f in fids])
        their_versions = row_versions(theirs) or RowVersions()
        stored = [n for n in self.changes.frame.columns if n in self.columns or n == self.key]
        conflicts = []
        for fid in fids:
            original = _values(self.base, fid, stored, self.geometry)
            mine = _values(self.changes.frame, fid, stored, self.geometry)
            their_row = _values(theirs, fid, stored, theirs.geometry.name, self.geometry)
            conflict = find_conflict(fid, original or {}, mine, their_row, their_versions.get(fid))
            if conflict is not None:
                conflicts.append(conflict)
            elif fid in their_versions:  # they saved what I meant to: their version is mine
                self.new_versions[fid] = their_versions[fid]
        return conflicts

    def constraint_error(self, exc: psycopg.errors.IntegrityError) -> SaveError:
        """The message for a constraint the feature being written broke."""
        diag = exc.diag
        what = diag.constraint_name or diag.column_name or type(exc).__name__
        detail = " ".join(str(diag.message_detail or diag.message_primary or exc).split())
        kind = "new feature" if self.current_fid in self.changes.added else "feature"
        return SaveError(
            f"{self.plan.table.table}: nothing was saved: {kind} {self.current_fid} breaks "
            f'the constraint "{what}" ({detail}); your edits are kept: correct it and save again'
        )

    # --- the result ----------------------------------------------------------------------
    def saved_frame(self) -> gpd.GeoDataFrame:
        """The edited features numbered as the table numbered them, versions updated."""
        frame = self.changes.frame.copy()
        if self.new_keys:
            frame.index = pd.Index(
                [self.new_keys.get(f, f) for f in frame.index], name=frame.index.name
            )
            if self.key in frame.columns:
                keys = pd.Series(frame.index, index=frame.index)
                frame[self.key] = (
                    keys
                    if frame[self.key].isna().all()
                    else frame[self.key].fillna(keys).astype(frame.index.dtype)
                )
            frame = frame.sort_index(kind="stable")
        versions = self.versions.updated(self.new_versions, self.changes.deleted)
        return with_row_versions(frame, versions)


def _values(
    frame: gpd.GeoDataFrame,
    fid: Any,
    names: list[str],
    geometry: str,
    as_geometry: str | None = None,
) -> dict[str, Any] | None:
    """A feature's stored values (its geometry under ``as_geometry``); None if absent."""
    if fid not in frame.index:
        return None
    row = frame.loc[fid]
    values: Mapping[str, Any] = {n: row[n] for n in names if n in frame.columns}
    return {**values, (as_geometry or geometry): row[geometry]}


def _db_value(value: Any) -> Any:
    """A frame value as psycopg takes it: numpy scalars as Python's, empty as NULL."""
    if isinstance(value, (list, np.ndarray)):
        return [_db_value(v) for v in value]
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _wkb(geometry: Any) -> bytes | None:
    if geometry is None or (isinstance(geometry, float) and np.isnan(geometry)):
        return None
    return bytes(shapely.to_wkb(geometry))
