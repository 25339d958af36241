"""Writing coded domains into a GeoPackage: data column constraints of type ``enum``.

GeoPackage's schema extension keeps a column's allowed values in
``gpkg_data_column_constraints`` (one row per code, with its description)
and ties the column to them in ``gpkg_data_columns``. GDAL reads them as
coded field domains, QGIS as value maps, mapdesk as coded values
(io.gpkg_rules). pyogrio cannot write them, so they are written here with
sqlite3 into a file GDAL has already written, inside the caller's
transaction, and the extension is registered in ``gpkg_extensions`` as the
specification requires (two rows, scope ``read-write``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from mapdesk.core.analysis.network.assets import CodedDomain

SCHEMA_EXTENSION = "gpkg_schema"
#: The definition GDAL writes for the extension.
SCHEMA_DEFINITION = "http://www.geopackage.org/spec121/#extension_schema"
#: ``application_id`` of a GeoPackage 1.0 file, whose constraints table spells
#: the inclusive flags in camel case.
_GPKG_1_0 = 0x47503130

_EXTENSIONS_DDL = (
    "CREATE TABLE gpkg_extensions (table_name TEXT,column_name TEXT,"
    "extension_name TEXT NOT NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,"
    "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"
)
_DATA_COLUMNS_DDL = (
    "CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL,column_name TEXT NOT NULL,"
    "name TEXT,title TEXT,description TEXT,mime_type TEXT,constraint_name TEXT,"
    "CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),"
    "CONSTRAINT gdc_tn UNIQUE (table_name, name))"
)
_CONSTRAINTS_DDL = (
    "CREATE TABLE gpkg_data_column_constraints (constraint_name TEXT NOT NULL,"
    "constraint_type TEXT NOT NULL,value TEXT,min NUMERIC,{low} BOOLEAN,max NUMERIC,"
    "{high} BOOLEAN,description TEXT,"
    "CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))"
)


def write_coded_domains(
    connection: sqlite3.Connection,
    table: str,
    domains: Mapping[str, CodedDomain],
    titles: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Tie each column of ``table`` to its coded domain; the constraint name each got.

    The caller holds the transaction. A constraint of the same name with the
    same codes is shared (both network layers use one ``network_status``);
    one with other codes is left alone and the domain gets a numbered name.

    Parameters
    ----------
    connection
        An open connection to the GeoPackage.
    table
        The feature table (already in ``gpkg_contents``).
    domains
        Column -> its domain.
    titles
        Column -> a title for people (``gpkg_data_columns.title``).
    """
    ensure_schema_tables(connection)
    used = {}
    for column, domain in domains.items():
        name = _constraint_for(connection, domain)
        title = (titles or {}).get(column)
        _tie(connection, table, column, name, title)
        used[column] = name
    return used


def ensure_schema_tables(connection: sqlite3.Connection) -> None:
    """The schema extension's two tables, and its registration, when missing."""
    present = _tables(connection)
    if "gpkg_extensions" not in present:
        connection.execute(_EXTENSIONS_DDL)
    if "gpkg_data_columns" not in present:
        connection.execute(_DATA_COLUMNS_DDL)
    if "gpkg_data_column_constraints" not in present:
        old = connection.execute("PRAGMA application_id").fetchone()[0] == _GPKG_1_0
        low, high = (
            ("minIsInclusive", "maxIsInclusive")
            if old
            else ("min_is_inclusive", "max_is_inclusive")
        )
        connection.execute(_CONSTRAINTS_DDL.format(low=low, high=high))
    for registered in ("gpkg_data_columns", "gpkg_data_column_constraints"):
        found = connection.execute(
            "SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND extension_name = ?",
            (registered, SCHEMA_EXTENSION),
        ).fetchone()
        if found is None:
            connection.execute(
                "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
                "definition, scope) VALUES (?, NULL, ?, ?, 'read-write')",
                (registered, SCHEMA_EXTENSION, SCHEMA_DEFINITION),
            )


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT lower(name) FROM sqlite_master WHERE type = 'table'")
    return {str(row[0]) for row in rows}


def _constraint_for(connection: sqlite3.Connection, domain: CodedDomain) -> str:
    """The name under which ``domain``'s codes are stored (written now when new)."""
    wanted = {code: description for code, description in domain.codes.items()}
    number = 1
    while True:
        name = domain.name if number == 1 else f"{domain.name}_{number}"
        rows = connection.execute(
            "SELECT constraint_type, value, description FROM gpkg_data_column_constraints "
            "WHERE constraint_name = ?",
            (name,),
        ).fetchall()
        if not rows:
            connection.executemany(
                "INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type, "
                "value, description) VALUES (?, 'enum', ?, ?)",
                [(name, code, description) for code, description in wanted.items()],
            )
            return name
        if (
            all(kind == "enum" for kind, _, _ in rows)
            and {str(value): description for _, value, description in rows} == wanted
        ):
            return name
        number += 1


def _tie(
    connection: sqlite3.Connection, table: str, column: str, constraint: str, title: str | None
) -> None:
    updated = connection.execute(
        "UPDATE gpkg_data_columns SET constraint_name = ?, title = coalesce(title, ?) "
        "WHERE lower(table_name) = lower(?) AND lower(column_name) = lower(?)",
        (constraint, title, table, column),
    )
    if updated.rowcount == 0:
        connection.execute(
            "INSERT INTO gpkg_data_columns (table_name, column_name, title, constraint_name) "
            "VALUES (?, ?, ?, ?)",
            (table, column, title, constraint),
        )
