"""Writing field rules into a GeoPackage: data column constraints (``enum`` and ``range``).

GeoPackage's schema extension keeps a column's allowed values in
``gpkg_data_column_constraints`` (one row per code, with its description, or
one row for a range) and ties the column to them in ``gpkg_data_columns``.
GDAL reads them as coded and range field domains, QGIS as value maps,
mapdesk as field rules (io.gpkg_rules). pyogrio cannot write them, so they
are written here with sqlite3 into a file GDAL has already written, inside
the caller's transaction, and the extension is registered in
``gpkg_extensions`` as the specification requires (two rows, scope
``read-write``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from mapdesk.core.analysis.network.assets import CodedDomain
from mapdesk.io.gpkg_edit import quoted
from mapdesk.io.gpkg_rules import inclusive_columns

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
        rows = [_enum_row(code, description) for code, description in domain.codes.items()]
        name = _constraint_for(connection, domain.name, rows)
        title = (titles or {}).get(column)
        _tie(connection, table, column, name, title)
        used[column] = name
    return used


def add_field_rules(path: Path, table: str, rules: Mapping[str, Mapping[str, Any]]) -> None:
    """Write ``rules`` into the GeoPackage at ``path``, in one transaction.

    For a file just written beside its place (an export, a Save As): the
    caller renames it into place only once this has returned.

    Raises
    ------
    sqlite3.Error
        When the file cannot take them.
    """
    if not rules:
        return  # the file is left as GDAL wrote it
    with closing(sqlite3.connect(path)) as connection, connection:
        write_field_rules(connection, table, rules)


def write_field_rules(
    connection: sqlite3.Connection, table: str, rules: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """Tie columns of ``table`` to the coded values or range of their rule; the names used.

    ``rules`` are io.gpkg_rules' (a layer's ``frame.attrs["field_rules"]``):
    each keeps the name of its constraint (``"constraint"``; else the
    column's name is used). Columns the table lacks are passed over; so are
    defaults, which live in the table's definition (GDAL writes that). The
    caller holds the transaction.
    """
    columns = {str(row[1]) for row in connection.execute(f"PRAGMA table_info({quoted(table)})")}
    wanted = {
        column: rows
        for column, rule in rules.items()
        if column in columns and (rows := _rule_rows(rule))
    }
    if wanted:
        ensure_schema_tables(connection)
    used = {}
    for column, rows in wanted.items():
        name = _constraint_for(connection, str(rules[column].get("constraint") or column), rows)
        _tie(connection, table, column, name, None)
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


#: A constraint row: type, value, min, min inclusive, max, max inclusive, description.
_Row = tuple[str, Any, Any, Any, Any, Any, Any]


def _enum_row(code: str, description: str) -> _Row:
    return ("enum", str(code), None, None, None, None, description)


def _rule_rows(rule: Mapping[str, Any]) -> list[_Row]:
    """The constraint rows of a field rule: one per code, one for a range."""
    rows = [_enum_row(code, text) for code, text in (rule.get("codes") or {}).items()]
    if bounds := rule.get("range"):
        low, high, *inclusive = bounds
        low_in, high_in = [*inclusive, True, True][:2]
        rows.append(("range", None, low, int(bool(low_in)), high, int(bool(high_in)), None))
    return rows


def _constraint_for(connection: sqlite3.Connection, name: str, rows: Sequence[_Row]) -> str:
    """The name under which ``rows`` are stored (written now when new).

    A constraint of that name holding the same rows is shared (both network
    layers use one ``network_status``); one holding others is left alone and
    the rows get a numbered name.
    """
    low, high = inclusive_columns(connection)
    columns = f"constraint_type, value, min, {low}, max, {high}, description"
    wanted = {_essential(row) for row in rows}
    number = 1
    while True:
        candidate = name if number == 1 else f"{name}_{number}"
        stored = connection.execute(
            f"SELECT {columns} FROM gpkg_data_column_constraints WHERE constraint_name = ?",
            (candidate,),
        ).fetchall()
        if not stored:
            connection.executemany(
                f"INSERT INTO gpkg_data_column_constraints (constraint_name, {columns}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(candidate, *row) for row in rows],
            )
            return candidate
        if {_essential(row) for row in stored} == wanted:
            return candidate
        number += 1


def _essential(row: Sequence[Any]) -> tuple[Any, ...]:
    """What makes two constraint rows the same rule: a code and its text, or a range's
    ends (an end whose flag is NULL is inclusive, the GeoPackage default)."""
    kind, value, low, low_in, high, high_in, description = row
    if kind == "enum":
        return (kind, str(value), description)
    return (kind, low, low_in is None or bool(low_in), high, high_in is None or bool(high_in))


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
