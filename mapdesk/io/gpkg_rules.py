"""Field rules a GeoPackage declares: column defaults and the data column constraints.

GeoPackage keeps coded values (``enum``) and ranges in
``gpkg_data_column_constraints``, tied to columns by ``gpkg_data_columns``,
and defaults in the table definition. GDAL's Python binding through pyogrio
does not expose them, so they are read with sqlite3 (read-only). The rules
go with the layer's frame (``attrs["field_rules"]``): the attribute form
offers the codes and defaults, and an edit outside them is refused.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from mapdesk.io.gpkg_edit import quoted


def field_rules(path: Path, table: str) -> dict[str, dict[str, Any]]:
    """{field: {"default": value, "codes": {code: description}, "range": [min, max, ...]}}.

    A constrained field's rule also names its constraint (``"constraint"``),
    so that an export or a Save As writes the codes under the same name.
    Empty when the file cannot be read this way (the layer then has no rules).
    """
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            rules = _defaults(connection, table)
            for column, rule in _constraints(connection, table).items():
                rules.setdefault(column, {}).update(rule)
            return rules
    except sqlite3.Error:
        return {}


def _defaults(connection: sqlite3.Connection, table: str) -> dict[str, dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for row in connection.execute(f"PRAGMA table_info({quoted(table)})"):
        name, default, is_key = str(row[1]), row[4], row[5]
        value = _literal(default) if default is not None and not is_key else None
        if value is not None:
            rules[name] = {"default": value}
    return rules


def _literal(sql: str) -> Any:
    """A column default's SQL literal as a value (None for expressions like CURRENT_DATE)."""
    text = str(sql).strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def _constraints(connection: sqlite3.Connection, table: str) -> dict[str, dict[str, Any]]:
    low, high = inclusive_columns(connection)
    try:
        rows = connection.execute(
            "SELECT d.column_name, d.constraint_name, c.constraint_type, c.value, c.min, c.max, "
            f"c.description, c.{low}, c.{high} "
            "FROM gpkg_data_columns d JOIN gpkg_data_column_constraints c "
            "ON c.constraint_name = d.constraint_name WHERE lower(d.table_name) = lower(?) "
            "ORDER BY c.rowid",
            (table,),
        ).fetchall()
    except sqlite3.Error:  # the optional tables are absent
        return {}
    rules: dict[str, dict[str, Any]] = {}
    for column, name, kind, value, low, high, description, low_in, high_in in rows:
        rule = rules.setdefault(str(column), {"constraint": str(name)})
        if kind == "enum" and value is not None:
            rule.setdefault("codes", {})[str(value)] = str(description or value)
        elif kind == "range":
            # The GeoPackage default is inclusive at both ends.
            rule["range"] = [
                low,
                high,
                low_in is None or bool(low_in),
                high_in is None or bool(high_in),
            ]
    return rules


def inclusive_columns(connection: sqlite3.Connection) -> tuple[str, str]:
    """The inclusive flags' column names: GeoPackage 1.0 spelt them in camel case."""
    columns = {
        str(row[1]) for row in connection.execute("PRAGMA table_info(gpkg_data_column_constraints)")
    }
    if "minIsInclusive" in columns and "min_is_inclusive" not in columns:
        return "minIsInclusive", "maxIsInclusive"
    return "min_is_inclusive", "max_is_inclusive"
