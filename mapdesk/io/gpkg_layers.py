"""Adding new, empty layers to a GeoPackage that holds others, in one transaction.

GDAL adds layers to an existing GeoPackage one commit at a time: two layers
and their coded domains would be three commits, and a failure between them
would leave half a network in the user's file. So GDAL writes the new layers
into a file of their own, and their definitions (the table, its R-tree index
and triggers, their rows in the GeoPackage's catalogue tables and the CRS)
are copied into the user's file in one SQLite transaction: all of it lands
or none does. Other layers are not touched; a layer of the same name is
replaced only when the caller says so (after asking the user).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mapdesk.core.errors import DataSourceError, LayerExistsError, MapdeskError
from mapdesk.io.gpkg_edit import BUSY_TIMEOUT_S, quoted, write_failure

#: Catalogue tables with one row (or more) per layer, copied with the layer.
_CATALOGUE = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions", "gpkg_ogr_contents")
#: Catalogue tables a layer's rows go in that an older file may not have yet.
_OPTIONAL = ("gpkg_extensions", "gpkg_ogr_contents")
#: Tables that name a layer, cleared of it when it is replaced.
_NAMING = (*_CATALOGUE, "gpkg_data_columns", "gpkg_metadata_reference")
_NOTHING_CHANGED = "nothing was changed in it"


@dataclass(frozen=True)
class _Definition:
    """One layer as its own GeoPackage defines it."""

    table: str
    statements: tuple[str, ...]
    rows: dict[str, list[dict[str, Any]]]
    srs: dict[str, Any] | None


def layer_names(path: Path) -> list[str]:
    """The layers of the GeoPackage at ``path``, as ``gpkg_contents`` names them.

    Raises
    ------
    DataSourceError
        When the file cannot be read as a GeoPackage.
    """
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            rows = connection.execute("SELECT table_name FROM gpkg_contents").fetchall()
    except sqlite3.Error as exc:
        if write_failure(exc) == "locked":
            raise DataSourceError(
                f"{path.name} is locked by another program: try again once it is closed"
            ) from exc
        raise DataSourceError(f"{path.name} is not a GeoPackage mapdesk can read ({exc})") from exc
    return [str(row[0]) for row in rows]


def add_empty_layers(
    source: Path,
    target: Path,
    tables: Sequence[str],
    replace: bool = False,
    finish: Callable[[sqlite3.Connection], None] = lambda _connection: None,
) -> None:
    """Copy the empty layers ``tables`` of GeoPackage ``source`` into GeoPackage ``target``.

    Parameters
    ----------
    source
        A GeoPackage GDAL wrote, holding ``tables`` (with no features).
    target
        The user's GeoPackage.
    tables
        The layers to add.
    replace
        Replace layers of the same names in ``target`` (the user agreed).
    finish
        Called inside the transaction once the layers are there (coded
        domains, say): what it writes lands with them or not at all.

    Raises
    ------
    LayerExistsError
        When ``target`` has layers of those names and ``replace`` is False.
    MapdeskError
        When ``target`` is not a GeoPackage, is locked or read-only, or a
        name is taken by something that is not a layer; ``target`` is then
        unchanged.
    """
    with closing(sqlite3.connect(source)) as reading:
        definitions = [_definition(reading, table) for table in tables]
        support = _support_ddl(reading)

    def add(connection: sqlite3.Connection) -> None:
        _require_geopackage(connection, target)
        _make_room(connection, target, [d.table for d in definitions], replace)
        _require_free_titles(connection, target, definitions)
        for name in _OPTIONAL:
            if name in support and not _exists(connection, name):
                connection.execute(support[name])
        for definition in definitions:
            _add(connection, definition)
        finish(connection)

    write_in_transaction(target, add)


def write_in_transaction(target: Path, work: Callable[[sqlite3.Connection], None]) -> None:
    """Run ``work`` on the GeoPackage ``target`` in one SQLite transaction: all of it or none.

    Written in place, never by a copy renamed over it: a program that has the
    file open (QGIS keeps recent commits in its ``-wal`` file) keeps what it
    wrote, and a read-only file stays read-only.

    Raises
    ------
    MapdeskError
        When ``target`` is locked (past the busy timeout), read-only or the disk is
        full, or what ``work`` raises; ``target`` is then unchanged.
    """
    try:
        connection = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise write_error(target, exc) from exc
    with closing(connection):
        try:
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("BEGIN IMMEDIATE")
            work(connection)
            connection.execute("COMMIT")
        except BaseException as exc:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise write_error(target, exc) from exc
            raise


# --- reading the new layers' definitions ----------------------------------------------
def _definition(connection: sqlite3.Connection, table: str) -> _Definition:
    if connection.execute(f"SELECT count(*) FROM {quoted(table)}").fetchone()[0]:
        raise ValueError(f"{table} has features: only empty layers are copied")
    rows = {
        name: _rows(connection, name, table) for name in _CATALOGUE if _exists(connection, name)
    }
    statements = [_sql(connection, "table", table)]
    for extension in rows.get("gpkg_extensions", []):
        if extension["extension_name"] == "gpkg_rtree_index":
            statements.append(
                _sql(connection, "table", f"rtree_{table}_{extension['column_name']}")
            )
    statements += [
        str(sql)
        for (sql,) in connection.execute(
            "SELECT sql FROM sqlite_master WHERE type IN ('trigger', 'index') "
            "AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        )
    ]
    srs = None
    for content in rows.get("gpkg_contents", []):
        found = connection.execute(
            "SELECT * FROM gpkg_spatial_ref_sys WHERE srs_id = ?", (content["srs_id"],)
        )
        srs = next(_dicts(found), None)
    return _Definition(table, tuple(statements), rows, srs)


def _support_ddl(connection: sqlite3.Connection) -> dict[str, str]:
    return {
        name: _sql(connection, "table", name) for name in _OPTIONAL if _exists(connection, name)
    }


def _sql(connection: sqlite3.Connection, kind: str, name: str) -> str:
    row = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = ? AND name = ?", (kind, name)
    ).fetchone()
    if row is None:
        raise ValueError(f"no {kind} {name} in the new layers' file")
    return str(row[0])


def _rows(connection: sqlite3.Connection, catalogue: str, table: str) -> list[dict[str, Any]]:
    found = connection.execute(f"SELECT * FROM {catalogue} WHERE table_name = ?", (table,))
    return list(_dicts(found))


def _dicts(cursor: sqlite3.Cursor) -> Any:
    names = [column[0] for column in cursor.description]
    return (dict(zip(names, row, strict=True)) for row in cursor)


def _exists(connection: sqlite3.Connection, name: str) -> bool:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE lower(name) = lower(?)", (name,)
    ).fetchone()
    return found is not None


# --- the target ---------------------------------------------------------------------------
def _require_geopackage(connection: sqlite3.Connection, path: Path) -> None:
    needed = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys")
    if not all(_exists(connection, name) for name in needed):
        raise DataSourceError(f"{path.name} is not a GeoPackage: {_NOTHING_CHANGED}")


def _make_room(
    connection: sqlite3.Connection, path: Path, tables: Sequence[str], replace: bool
) -> None:
    """Check the names are free (or drop those layers when replacing)."""
    taken = []
    for table in tables:
        found = connection.execute(
            "SELECT table_name FROM gpkg_contents WHERE lower(table_name) = lower(?)", (table,)
        ).fetchone()
        if found is not None:
            taken.append(str(found[0]))
        elif _exists(connection, table):
            raise MapdeskError(
                f"{path.name} already has a table named {table} that is not a layer: "
                f"choose another name; {_NOTHING_CHANGED}"
            )
    if taken and not replace:
        listed = " and ".join(taken)
        raise LayerExistsError(
            f"{path.name} already has {'a layer' if len(taken) == 1 else 'layers'} named "
            f"{listed}: {_NOTHING_CHANGED}",
            tuple(taken),
        )
    for table in taken:
        _drop_layer(connection, path, table)


def _require_free_titles(
    connection: sqlite3.Connection, path: Path, definitions: Sequence[_Definition]
) -> None:
    """Refuse a title (``gpkg_contents.identifier``, UNIQUE) another layer already has."""
    for definition in definitions:
        for content in definition.rows.get("gpkg_contents", []):
            title = content.get("identifier")
            found = connection.execute(
                "SELECT table_name FROM gpkg_contents WHERE identifier = ?", (title,)
            ).fetchone()
            if title is not None and found is not None:
                raise MapdeskError(
                    f"{path.name} already has a layer titled {title} (its table is "
                    f"{found[0]}): choose another name; {_NOTHING_CHANGED}"
                )


def _drop_layer(connection: sqlite3.Connection, path: Path, table: str) -> None:
    """Remove a layer as GDAL does: its table, its R-tree and its catalogue rows."""
    users = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'view' AND instr(lower(sql), lower(?)) > 0",
        (table,),
    ).fetchall()
    if users:
        raise MapdeskError(
            f"{table} in {path.name} is read by the view {users[0][0]}: it is not replaced; "
            f"choose another name; {_NOTHING_CHANGED}"
        )
    geometry = connection.execute(
        "SELECT column_name FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
        (table,),
    ).fetchone()
    if geometry is not None:
        connection.execute(f"DROP TABLE IF EXISTS {quoted(f'rtree_{table}_{geometry[0]}')}")
    connection.execute(f"DROP TABLE {quoted(table)}")
    for name in _NAMING:
        if _exists(connection, name):
            connection.execute(f"DELETE FROM {name} WHERE lower(table_name) = lower(?)", (table,))


def _add(connection: sqlite3.Connection, definition: _Definition) -> None:
    srs_id = _target_srs(connection, definition.srs) if definition.srs is not None else None
    for statement in definition.statements:
        connection.execute(statement)
    for catalogue, rows in definition.rows.items():
        if not _exists(connection, catalogue):
            continue
        columns = _columns(connection, catalogue)
        for row in rows:
            values = {k: v for k, v in row.items() if k in columns}
            if srs_id is not None and "srs_id" in values:
                values["srs_id"] = srs_id
            _insert(connection, catalogue, values)


def _target_srs(connection: sqlite3.Connection, srs: dict[str, Any]) -> int:
    """The target's id for the layer's CRS: its own row for it, else a new row."""
    organization = str(srs.get("organization") or "")
    if organization.lower() not in ("", "none"):
        found = connection.execute(
            "SELECT srs_id FROM gpkg_spatial_ref_sys WHERE lower(organization) = lower(?) "
            "AND organization_coordsys_id = ?",
            (organization, srs["organization_coordsys_id"]),
        ).fetchone()
    else:
        found = connection.execute(
            "SELECT srs_id FROM gpkg_spatial_ref_sys WHERE definition = ?", (srs["definition"],)
        ).fetchone()
    if found is not None:
        return int(found[0])
    srs_id = int(srs["srs_id"])
    taken = connection.execute(
        "SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?", (srs_id,)
    ).fetchone()
    if taken is not None:
        highest = connection.execute("SELECT max(srs_id) FROM gpkg_spatial_ref_sys").fetchone()[0]
        srs_id = max(int(highest) + 1, 100000)
    columns = _columns(connection, "gpkg_spatial_ref_sys")
    values = {k: v for k, v in {**srs, "srs_id": srs_id}.items() if k in columns}
    if "definition_12_063" in columns and not values.get("definition_12_063"):
        values["definition_12_063"] = _wkt2(connection, str(srs["definition"]))
    _insert(connection, "gpkg_spatial_ref_sys", values)
    return srs_id


def _wkt2(connection: sqlite3.Connection, wkt: str) -> str:
    """The CRS in the WKT 2 a file with the CRS WKT extension keeps beside WKT 1.

    The column is NOT NULL; version 1.1 of the extension holds WKT2:2019,
    the first one WKT2:2015.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    newer = connection.execute(
        "SELECT 1 FROM gpkg_extensions WHERE extension_name = 'gpkg_crs_wkt_1_1'"
    ).fetchone()
    try:
        text = CRS.from_wkt(wkt).to_wkt("WKT2_2019" if newer else "WKT2_2015")
    except CRSError:
        text = None
    return text or "undefined"  # the spec's word when only the WKT 1 definition says it


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in connection.execute(f"PRAGMA table_info({quoted(table)})")}


def _insert(connection: sqlite3.Connection, table: str, values: dict[str, Any]) -> None:
    names = ", ".join(quoted(name) for name in values)
    marks = ", ".join("?" for _ in values)
    connection.execute(
        f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks})", list(values.values())
    )


def write_error(path: Path, exc: sqlite3.Error) -> MapdeskError:
    """The message for an SQLite error met writing ``path`` (locked, read-only, full...)."""
    if "not a database" in str(exc).lower():
        return DataSourceError(f"{path.name} is not a GeoPackage: {_NOTHING_CHANGED}")
    messages = {
        "locked": f"{path.name} is locked by another program (still busy after "
        f"{BUSY_TIMEOUT_S:.0f} s): {_NOTHING_CHANGED}. Try again once it is closed",
        "read-only": f"{path.name} is read-only: {_NOTHING_CHANGED}",
        "full": f"Not enough disk space on the volume of {path}: {_NOTHING_CHANGED}",
        "disk": f"The disk holding {path} could not be written: {_NOTHING_CHANGED}",
    }
    failure = write_failure(exc)
    if failure:
        return MapdeskError(messages[failure])
    return MapdeskError(
        f"{path.name}: the new layers could not be added ({exc}); {_NOTHING_CHANGED}"
    )
