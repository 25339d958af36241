"""What a PostGIS database holds: its spatial tables, their CRS, type and size.

Everything is read from PostGIS's ``geometry_columns`` view and the system
catalogs, with names passed as query parameters, so listing a database with
odd table names (quotes, spaces, semicolons) runs nothing but these queries.
Row counts are PostgreSQL's estimates (``pg_class.reltuples``, kept by
ANALYZE/autovacuum): exact counts would read every table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
import pyproj

from mapdesk.io.postgis.uri import TableName

_TABLES = """
SELECT g.f_table_schema, g.f_table_name, g.f_geometry_column, g.srid, g.type,
       g.coord_dimension, c.oid, c.relkind, c.reltuples
FROM geometry_columns g
JOIN pg_namespace n ON n.nspname = g.f_table_schema
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = g.f_table_name
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'topology')
"""
_ORDER = "ORDER BY 1, 2, 3"

_COLUMNS = """
SELECT a.attname, t.typname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_PRIMARY_KEY = """
SELECT a.attname, t.typname
FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
JOIN pg_type t ON t.oid = a.atttypid
WHERE i.indrelid = %s AND i.indisprimary
"""

_SRS = "SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s"

#: PostGIS type names as the rest of mapdesk (and OGR) spells them.
_GEOMETRY_TYPES = {
    "POINT": "Point",
    "LINESTRING": "LineString",
    "POLYGON": "Polygon",
    "MULTIPOINT": "MultiPoint",
    "MULTILINESTRING": "MultiLineString",
    "MULTIPOLYGON": "MultiPolygon",
    "GEOMETRYCOLLECTION": "GeometryCollection",
    "CIRCULARSTRING": "CircularString",
    "COMPOUNDCURVE": "CompoundCurve",
    "CURVEPOLYGON": "CurvePolygon",
    "MULTICURVE": "MultiCurve",
    "MULTISURFACE": "MultiSurface",
}

#: PostgreSQL column types and the field types ``mapdesk info`` shows (OGR's names).
FIELD_TYPES = {
    "int2": "Integer",
    "int4": "Integer",
    "int8": "Integer64",
    "float4": "Real",
    "float8": "Real",
    "numeric": "Real",
    "bool": "Boolean",
    "text": "String",
    "varchar": "String",
    "bpchar": "String",
    "name": "String",
    "date": "Date",
    "timestamp": "DateTime",
    "timestamptz": "DateTime",
}
#: Integer types a feature id can be taken from.
INTEGER_TYPES = ("int2", "int4", "int8")


@dataclass(frozen=True)
class SpatialTable:
    """One geometry column of a table or view: a layer mapdesk can load.

    Attributes
    ----------
    table : TableName
        Schema and name.
    geometry_column : str
        The column holding the geometries.
    geometry_type : str or None
        ``"Point"``, ``"MultiPolygon"``... (with `` Z``/`` M``/`` ZM``); None
        when the column accepts any geometry.
    srid : int
        The column's declared SRID; 0 when it does not declare one.
    estimated_rows : int or None
        PostgreSQL's estimate; None for views and never-analysed tables.
    oid : int
        The table's catalog id, for the column and key look-ups.
    """

    table: TableName
    geometry_column: str
    geometry_type: str | None
    srid: int
    estimated_rows: int | None
    oid: int


@dataclass(frozen=True)
class Column:
    """A table column: its name, PostgreSQL type name and declared type."""

    name: str
    type_name: str
    declared: str

    @property
    def field_type(self) -> str:
        """The OGR-style field type (``"String"`` for types mapdesk shows as text)."""
        return FIELD_TYPES.get(self.type_name, "String")


def spatial_tables(conn: psycopg.Connection[Any], named: str | None = None) -> list[SpatialTable]:
    """Every geometry column in the database (of tables called ``named``, in any
    schema, when given), ordered by schema, table and column.

    Naming the table lets PostgreSQL skip the others: on a server with
    hundreds of tables, listing them all takes longer than reading a small one.
    """
    with conn.cursor() as cursor:
        if named is None:
            rows = cursor.execute(_TABLES + _ORDER).fetchall()
        else:
            rows = cursor.execute(
                _TABLES + "AND g.f_table_name = %s " + _ORDER, (named,)
            ).fetchall()
    return [_spatial_table(row) for row in rows]


def _spatial_table(row: tuple[Any, ...]) -> SpatialTable:
    schema, name, column, srid, kind, dimension, oid, relkind, reltuples = row
    geometry_type = _GEOMETRY_TYPES.get(str(kind).upper().rstrip("M"))
    if geometry_type is not None:
        suffix = {3: "M" if str(kind).upper().endswith("M") else "Z", 4: "ZM"}.get(dimension)
        geometry_type = f"{geometry_type} {suffix}" if suffix else geometry_type
    # -1 (PostgreSQL 14+) means never analysed; views have no row estimate at all.
    rows = int(reltuples) if relkind in ("r", "p", "m") and reltuples >= 0 else None
    return SpatialTable(
        TableName(schema, name), column, geometry_type, int(srid or 0), rows, int(oid)
    )


def columns(conn: psycopg.Connection[Any], table: SpatialTable) -> list[Column]:
    """The table's columns in their declared order."""
    with conn.cursor() as cursor:
        rows = cursor.execute(_COLUMNS, (table.oid,)).fetchall()
    return [Column(str(name), str(type_name), str(declared)) for name, type_name, declared in rows]


def primary_key(conn: psycopg.Connection[Any], table: SpatialTable) -> list[Column]:
    """The primary key's columns; empty for views and tables without one."""
    with conn.cursor() as cursor:
        rows = cursor.execute(_PRIMARY_KEY, (table.oid,)).fetchall()
    return [Column(str(name), str(type_name), str(type_name)) for name, type_name in rows]


def crs_of_srid(conn: psycopg.Connection[Any], srid: int) -> pyproj.CRS | None:
    """The CRS PostGIS knows by ``srid`` (by its EPSG code when it has one); None for 0."""
    if srid <= 0:
        return None
    with conn.cursor() as cursor:
        row = cursor.execute(_SRS, (srid,)).fetchone()
    if row is None:
        return None
    auth_name, auth_srid, srtext = row
    try:
        if str(auth_name).upper() == "EPSG" and auth_srid:
            return pyproj.CRS.from_epsg(int(auth_srid))
        return pyproj.CRS.from_wkt(str(srtext)) if srtext else None
    except pyproj.exceptions.CRSError:
        return None
