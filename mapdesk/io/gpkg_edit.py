"""GeoPackage edits committed in place, in one SQLite transaction.

Only the changed rows are written (time independent of the layer's size); the
fids stay what they were, other layers are untouched, and GDAL's R-tree
triggers keep the spatial index current (their ST_* functions are provided
here, since Python's sqlite3 has no SpatiaLite). Either the whole save lands or
none of it: the transaction is rolled back on any error and the caller keeps
the edits (RELIABILITY.md, lessons 2 and 4).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import sqlite3
import struct
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from mapdesk.core.editing.changes import EditChanges
from mapdesk.core.editing.saving import SaveError
from mapdesk.core.editing.values import is_missing

log = logging.getLogger(__name__)

#: Seconds a save waits for another program's lock before it gives up.
BUSY_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class FeatureTable:
    """The SQLite names behind a GeoPackage layer."""

    name: str
    fid: str
    geometry: str
    srs_id: int
    columns: tuple[str, ...]


def commit_edits(
    path: Path,
    layer: str | None,
    changes: EditChanges,
    busy_timeout_s: float = BUSY_TIMEOUT_S,
    at_commit_point: Callable[[], None] = lambda: None,
) -> None:
    """Write ``changes`` into layer ``layer`` of the GeoPackage at ``path``.

    Raises
    ------
    SaveError
        Locked by another program, read-only, disk full, or a row the file
        refuses (named by fid); the file is then exactly as before.
    """
    try:
        connection = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None)
    except sqlite3.Error as exc:
        raise _save_error(path, exc, None) from exc
    with closing(connection):
        install_rtree_functions(connection)
        fid: Any = None
        try:
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("BEGIN IMMEDIATE")
            table = feature_table(connection, layer, path)
            for fid, statement, values in _statements(table, changes):
                cursor = connection.execute(statement, values)
                if cursor.rowcount != 1:
                    raise SaveError(
                        f"{path.name}: feature {fid} is no longer in layer {table.name!r} "
                        "(another program deleted it?); nothing was saved, your edits are kept"
                    )
            fid = None
            _touch_contents(connection, table, changes)
            connection.execute("COMMIT")
        except BaseException as exc:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(exc, SaveError):
                raise
            if isinstance(exc, sqlite3.Error):
                raise _save_error(path, exc, fid) from exc
            raise
        try:  # the save has landed: nothing said here may make it look failed
            at_commit_point()
        except Exception:
            log.warning("After the commit of %s", path.name, exc_info=True)


def roll_back_interrupted_save(path: Path) -> str | None:
    """Undo a save the process died in, before anything reads the file.

    A killed save leaves SQLite's rollback journal ("hot journal") next to the
    GeoPackage; SQLite undoes it on the next write-capable open. GDAL opens
    files for reading only and then fails ("attempt to write a readonly
    database"), so mapdesk opens it for writing once first.
    """
    journal = path.with_name(path.name + "-journal")
    if path.suffix.lower() != ".gpkg" or not journal.exists():
        return None
    try:
        with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        return None  # read-only or locked: GDAL's own message will say so
    if journal.exists():  # an empty journal left by a finished save: nothing undone
        return None
    return f"{path.name}: a save that was interrupted was undone (the file is as before it)"


def feature_table(connection: sqlite3.Connection, layer: str | None, path: Path) -> FeatureTable:
    """The table, fid and geometry columns of ``layer`` (the only one when None)."""
    rows = connection.execute(
        "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
        "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name"
    ).fetchall()
    matching = [r for r in rows if layer is None or str(r[0]).lower() == layer.lower()]
    if len(matching) != 1:
        wanted = f"layer {layer!r}" if layer else "a single feature layer"
        raise SaveError(f"{path.name}: cannot find {wanted} to save into")
    name, geometry, srs_id = (str(matching[0][0]), str(matching[0][1]), int(matching[0][2]))
    info = connection.execute(f"PRAGMA table_info({quoted(name)})").fetchall()
    fid = next((str(r[1]) for r in info if r[5] == 1), "fid")
    columns = tuple(str(r[1]) for r in info if str(r[1]) not in (fid, geometry))
    return FeatureTable(name, fid, geometry, srs_id, columns)


def quoted(identifier: str) -> str:
    """An SQL identifier in double quotes (quotes inside doubled): never injectable."""
    return '"' + identifier.replace('"', '""') + '"'


# --- the statements of one save ----------------------------------------------------
def _statements(table: FeatureTable, changes: EditChanges) -> Iterator[tuple[Any, str, list[Any]]]:
    frame = changes.frame
    geometry_name = frame.geometry.name
    mapped = {column: _table_column(table, column, geometry_name) for column in frame.columns}
    fields = {column: name for column, name in mapped.items() if name is not None}
    for fid in changes.deleted:
        yield fid, f"DELETE FROM {quoted(table.name)} WHERE {quoted(table.fid)} = ?", [int(fid)]
    for fid, changed in changes.changed.items():
        stored = [(fields[n], n) for n in sorted(changed) if n in fields]
        if not stored:
            continue
        assignments = ", ".join(f"{quoted(column)} = ?" for column, _ in stored)
        values = [_sql_value(frame.at[fid, n], n == geometry_name, table) for _, n in stored]
        statement = f"UPDATE {quoted(table.name)} SET {assignments} WHERE {quoted(table.fid)} = ?"
        yield fid, statement, [*values, int(fid)]
    written = [(column, n) for n, column in fields.items()]
    names = ", ".join(quoted(column) for column in [table.fid, *(c for c, _ in written)])
    marks = ", ".join("?" * (len(written) + 1))
    statement = f"INSERT INTO {quoted(table.name)} ({names}) VALUES ({marks})"
    for fid in changes.added:
        values = [_sql_value(frame.at[fid, n], n == geometry_name, table) for _, n in written]
        yield fid, statement, [int(fid), *values]


def _table_column(table: FeatureTable, column: str, geometry_name: str) -> str | None:
    if column == geometry_name:
        return table.geometry
    if column in table.columns:
        return column
    # mapdesk renames an attribute called "geometry" so it does not clash.
    if column == "geometry_attribute" and "geometry" in table.columns:
        return "geometry"
    return None


def _sql_value(value: Any, is_geometry: bool, table: FeatureTable) -> Any:
    if is_geometry:
        return gpkg_blob(value, table.srs_id)
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | dt.datetime):
        return _datetime_text(pd.Timestamp(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _datetime_text(stamp: pd.Timestamp) -> str:
    """GeoPackage's datetime text: UTC with a Z when the time zone is known."""
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"


def _touch_contents(
    connection: sqlite3.Connection, table: FeatureTable, changes: EditChanges
) -> None:
    written = [*changes.added, *changes.changed]
    touch_layer(connection, table.name, changes.frame.geometry.loc[list(written)].array)


def touch_layer(connection: sqlite3.Connection, table: str, geometries: Any) -> None:
    """last_change now, and the layer's extent grown to cover ``geometries`` (nulls skipped)."""
    connection.execute(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
        "WHERE lower(table_name) = lower(?)",
        (table,),
    )
    present = [g for g in geometries if g is not None and not g.is_empty]
    if not present:
        return
    xmin, ymin, xmax, ymax = (float(v) for v in shapely.total_bounds(present))
    connection.execute(
        "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?), ?), "
        "min_y = min(coalesce(min_y, ?), ?), max_x = max(coalesce(max_x, ?), ?), "
        "max_y = max(coalesce(max_y, ?), ?) WHERE lower(table_name) = lower(?)",
        (xmin, xmin, ymin, ymin, xmax, xmax, ymax, ymax, table),
    )


def append_features(
    connection: sqlite3.Connection, path: Path, layer: str, frame: Any
) -> FeatureTable:
    """Insert the features of GeoDataFrame ``frame`` into ``layer``, in the caller's transaction.

    Columns the layer does not have are not written; the layer gives the fids.
    The geometries must already be in the layer's CRS and geometry type.
    """
    install_rtree_functions(connection)
    table = feature_table(connection, layer, path)
    geometry = frame.geometry.name
    columns = [str(c) for c in frame.columns if c != geometry and c in table.columns]
    names = ", ".join(quoted(c) for c in [table.geometry, *columns])
    statement = (
        f"INSERT INTO {quoted(table.name)} ({names}) VALUES ({', '.join('?' * (len(columns) + 1))})"
    )
    cells = [frame.geometry.array, *(frame[c].to_numpy(dtype=object) for c in columns)]
    connection.executemany(
        statement,
        (
            [_sql_value(row[0], True, table), *(_sql_value(v, False, table) for v in row[1:])]
            for row in zip(*cells, strict=True)
        ),
    )
    touch_layer(connection, table.name, frame.geometry.array)
    return table


# --- GeoPackage geometry blobs -------------------------------------------------------
def gpkg_blob(geometry: Any, srs_id: int) -> bytes | None:
    """A GeoPackage geometry blob: the GP header, an xy envelope (not for points), ISO WKB."""
    if geometry is None:
        return None
    empty = bool(geometry.is_empty)
    wkb = shapely.to_wkb(geometry, byte_order=1, flavor="iso")
    with_envelope = not empty and geometry.geom_type != "Point"
    flags = 0x01 | (0x02 if with_envelope else 0) | (0x10 if empty else 0)
    header = b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id)
    if with_envelope:
        xmin, ymin, xmax, ymax = geometry.bounds
        header += struct.pack("<4d", xmin, xmax, ymin, ymax)
    return header + bytes(wkb)


_ENVELOPE_SIZES = (0, 32, 48, 48, 64)


def blob_envelope(blob: Any) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage blob; None for empty or not a blob."""
    if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0x10:
        return None
    order = "<" if flags & 0x01 else ">"
    code = (flags >> 1) & 0x07
    if code >= len(_ENVELOPE_SIZES):
        return None
    if code:
        minx, maxx, miny, maxy = struct.unpack_from(order + "4d", blob, 8)
        return (minx, maxx, miny, maxy)
    geometry = shapely.from_wkb(blob[8:], on_invalid="ignore")
    if geometry is None or geometry.is_empty:
        return None
    xmin, ymin, xmax, ymax = geometry.bounds
    return None if any(math.isnan(v) for v in (xmin, ymin)) else (xmin, xmax, ymin, ymax)


def install_rtree_functions(connection: sqlite3.Connection) -> None:
    """The SpatiaLite functions GDAL's R-tree triggers call, over GeoPackage blobs."""

    def part(index: int) -> Any:
        def function(blob: Any) -> float | None:
            envelope = blob_envelope(blob)
            return None if envelope is None else envelope[index]

        return function

    connection.create_function(
        "ST_IsEmpty", 1, lambda b: int(blob_envelope(b) is None), deterministic=True
    )
    for index, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        connection.create_function(name, 1, part(index), deterministic=True)


# --- messages ---------------------------------------------------------------------------
def write_failure(exc: sqlite3.Error) -> str | None:
    """Which common failure a write met: "locked", "read-only", "full", "disk" or None."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "locked"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "read-only"
    if "full" in text or getattr(exc, "sqlite_errorcode", 0) == sqlite3.SQLITE_FULL:
        return "full"
    return "disk" if "disk i/o error" in text else None


def _save_error(path: Path, exc: sqlite3.Error, fid: Any) -> SaveError:
    kept = "your edits are kept and the file is unchanged"
    messages = {
        "locked": f"{path.name} is locked by another program (still busy after "
        f"{BUSY_TIMEOUT_S:.0f} s): {kept}. Try again once it is closed, or use Save As",
        "read-only": f"{path.name} is read-only: {kept}. Use Save As to write a copy",
        "full": f"Not enough disk space on the volume of {path}: {kept}",
        "disk": f"The disk holding {path} could not be written (full, or failing): {kept}",
    }
    where = f" (feature {fid})" if fid is not None else ""
    failure = write_failure(exc)
    message = (
        messages[failure] if failure else f"{path.name}: the save failed{where}: {exc}; {kept}"
    )
    return SaveError(message)
