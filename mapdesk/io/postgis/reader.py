"""Reading a PostGIS table whole, in batches from a server-side cursor.

The geometries come as binary WKB (``ST_AsBinary``) over psycopg's binary
protocol and are decoded by shapely in one vectorised call per batch; curves
are linearised on the server (``ST_CurveToLine``) because shapely has no
curves. Attributes of types mapdesk does not hold natively (JSON, arrays,
ranges...) arrive as text; ``numeric`` as floating point.

The feature ids (the frame's index, ``fid``) are the table's primary key when
it is one integer column, as QGIS does. A table without one (or with a
composite or text key) still loads: its features are numbered 1..n in the
order read, and a warning says that these numbers are not stored in the table.
With a key, each row's version (``xmin``) is read too, into the frame's
:data:`~mapdesk.core.editing.versions.ROW_VERSIONS`: a save checks it
(:mod:`mapdesk.io.postgis.editing`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import geopandas
import numpy as np
import pandas as pd
import psycopg
import pyproj
import shapely
from psycopg import sql

from mapdesk.core.editing.versions import RowVersions, row_versions, with_row_versions
from mapdesk.core.errors import LayerNotFoundError
from mapdesk.io.postgis import catalog
from mapdesk.io.postgis.catalog import Column, SpatialTable
from mapdesk.io.postgis.uri import PostgisUri, TableName
from mapdesk.io.postgis.where import ServerFilter

#: Rows fetched per round trip: large enough to amortise it, small enough to stream.
BATCH_ROWS = 20_000
#: Column types read as they are; any other type is read as text.
_NATIVE = frozenset(catalog.FIELD_TYPES) - {"numeric"}
_GEOMETRY_TYPES = ("geometry", "geography", "raster")


@dataclass(frozen=True)
class TablePlan:
    """What to read from one table: its geometry column, columns, key and CRS."""

    table: SpatialTable
    fields: list[Column]
    key: Column | None
    crs: pyproj.CRS | None
    notes: list[str]


def find_table(conn: psycopg.Connection[Any], uri: PostgisUri) -> SpatialTable:
    """The spatial table (and geometry column) ``uri`` names.

    Raises
    ------
    LayerNotFoundError
        When there is no such table with a geometry column, or the table has
        several and the URI does not choose one; the message lists the choices.
    """
    if uri.table is None:
        raise LayerNotFoundError(f"{uri.format()}: say which table to read (?table=schema.name)")
    named = catalog.spatial_tables(conn, uri.table.name)
    matches = [t for t in named if _same_table(t.table, uri.table)]
    if uri.geometry is not None:
        matches = [t for t in matches if t.geometry_column == uri.geometry]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        everything = catalog.spatial_tables(conn)
        names = ", ".join(sorted({str(t.table) for t in everything})) or "none"
        column = f" {uri.geometry}" if uri.geometry else ""
        raise LayerNotFoundError(
            f"{uri.format()}: no table {uri.table} with a geometry column{column} in this "
            f"database (its spatial tables: {names})"
        )
    choices = ", ".join(f"{t.table} ({t.geometry_column})" for t in matches)
    raise LayerNotFoundError(
        f"{uri.format()}: {uri.table} matches several layers ({choices}); add "
        "&geometry=column or the schema to choose one"
    )


def _same_table(found: TableName, wanted: TableName) -> bool:
    return found.name == wanted.name and wanted.schema in (None, found.schema)


def plan_read(conn: psycopg.Connection[Any], table: SpatialTable) -> TablePlan:
    """Decide the columns, the feature id and the CRS of a read."""
    notes: list[str] = []
    fields = [
        c
        for c in catalog.columns(conn, table)
        if c.name != table.geometry_column and c.type_name not in _GEOMETRY_TYPES
    ]
    key_columns = catalog.primary_key(conn, table)
    key = key_columns[0] if len(key_columns) == 1 else None
    if key is not None and key.type_name not in catalog.INTEGER_TYPES:
        key = None
    if key is None:
        why = "no primary key" if not key_columns else "no single integer primary key"
        notes.append(
            f"{table.table} has {why}: its features are numbered 1 to n in the order "
            "read, and these numbers are not stored in the table"
        )
    srid = table.srid or first_srid(conn, table)
    return TablePlan(table, fields, key, catalog.crs_of_srid(conn, srid), notes)


def first_srid(conn: psycopg.Connection[Any], table: SpatialTable) -> int:
    """The SRID of the first geometry, for columns that declare none."""
    query = sql.SQL("SELECT ST_SRID({g}) FROM {t} WHERE {g} IS NOT NULL LIMIT 1").format(
        g=sql.Identifier(table.geometry_column), t=table_identifier(table.table)
    )
    with conn.cursor() as cursor:
        row = cursor.execute(query).fetchone()
    return int(row[0]) if row else 0


def table_identifier(table: TableName) -> sql.Identifier:
    """The table's name quoted for SQL (``"schema"."name"``)."""
    return sql.Identifier(table.schema, table.name) if table.schema else sql.Identifier(table.name)


#: The row version: the transaction that wrote the row, as a number.
ROW_VERSION = sql.SQL("xmin::text::bigint")


def _select(plan: TablePlan, rows: ServerFilter | None = None) -> sql.Composed:
    """``SELECT key, version, fields..., WKB FROM table [WHERE rows] ORDER BY key``,
    every name quoted."""
    geometry = sql.Identifier(plan.table.geometry_column)
    wkb = sql.SQL(
        "ST_AsBinary(CASE WHEN ST_HasArc({g}) THEN ST_CurveToLine({g}) ELSE {g} END)"
    ).format(g=geometry)
    expressions: list[sql.Composable] = (
        [sql.Identifier(plan.key.name), ROW_VERSION] if plan.key else []
    )
    expressions += [_field_expression(c) for c in plan.fields]
    order: sql.Composable = sql.SQL("")
    if plan.key is not None:
        order = sql.SQL(" ORDER BY {}").format(sql.Identifier(plan.key.name))
    select = sql.SQL("SELECT {columns} FROM {table}").format(
        columns=sql.SQL(", ").join([*expressions, wkb]), table=table_identifier(plan.table.table)
    )
    if rows is None:
        return sql.Composed([select, order])
    # With parameters psycopg reads %s anywhere in the text, quoted names too.
    escaped = [sql.SQL(part.as_string(None).replace("%", "%%")) for part in (select, order)]
    return sql.Composed([escaped[0], sql.SQL(" WHERE "), rows.condition, escaped[1]])


def _field_expression(column: Column) -> sql.Composable:
    name = sql.Identifier(column.name)
    if column.type_name in _NATIVE:
        return name
    cast = "float8" if column.type_name == "numeric" else "text"
    return sql.SQL("{}::{} AS {}").format(name, sql.SQL(cast), name)


def read_batches(
    conn: psycopg.Connection[Any],
    plan: TablePlan,
    batch_rows: int = BATCH_ROWS,
    rows: ServerFilter | None = None,
) -> Iterator[geopandas.GeoDataFrame]:
    """The table's features (those ``rows`` selects), ``batch_rows`` at a time,
    from a server-side cursor.

    Stopping the iteration early (a Cancel) closes the cursor; the server
    then stops sending rows.
    """
    numbered = 0
    with conn.cursor(name="mapdesk_read", binary=True) as cursor:
        cursor.itersize = batch_rows
        if rows is None:
            cursor.execute(_select(plan))
        else:
            cursor.execute(_select(plan, rows), rows.params)
        while fetched := cursor.fetchmany(batch_rows):
            frame = _batch_frame(plan, fetched, numbered)
            numbered += len(fetched)
            yield frame


def _batch_frame(
    plan: TablePlan, rows: list[tuple[Any, ...]], numbered: int
) -> geopandas.GeoDataFrame:
    values = list(zip(*rows, strict=True))
    wkb = np.array(values[-1], dtype=object)
    geometry = shapely.from_wkb(wkb)
    versions = None
    if plan.key is not None:
        index = pd.Index(values[0], name="fid")
        versions = RowVersions(zip(values[0], values[1], strict=True))
        attributes = values[2:-1]
    else:
        index = pd.RangeIndex(numbered + 1, numbered + len(rows) + 1, name="fid")
        attributes = values[:-1]
    data = {c.name: _series(c, v, index) for c, v in zip(plan.fields, attributes, strict=True)}
    frame = geopandas.GeoDataFrame(data, geometry=geometry, index=index, crs=plan.crs)
    return with_row_versions(frame, versions) if versions is not None else frame


def _series(column: Column, values: tuple[Any, ...], index: pd.Index) -> pd.Series:
    if column.type_name in ("date", "timestamp"):
        return pd.Series(pd.to_datetime(list(values)), index=index)
    if column.type_name == "timestamptz":
        return pd.Series(pd.to_datetime(list(values), utc=True), index=index)
    if column.type_name in catalog.INTEGER_TYPES and None in values:
        return pd.Series(values, index=index, dtype="float64")  # as OGR reads: NULL -> NaN
    if column.type_name in ("float4", "float8", "numeric"):
        return pd.Series(values, index=index, dtype="float64")
    return pd.Series(values, index=index, dtype=None if values else "object")


def read_frame(
    conn: psycopg.Connection[Any],
    plan: TablePlan,
    batch_rows: int = BATCH_ROWS,
    rows: ServerFilter | None = None,
) -> geopandas.GeoDataFrame:
    """The whole table (or the ``rows`` selected) as one frame, its batches joined."""
    batches = list(read_batches(conn, plan, batch_rows, rows))
    if not batches:
        frame = read_frame_empty(plan)
        return with_row_versions(frame, RowVersions()) if plan.key is not None else frame
    if len(batches) == 1:
        return batches[0]
    frame = geopandas.GeoDataFrame(pd.concat(batches), crs=plan.crs)
    if plan.key is not None:
        versions = [v for b in batches if (v := row_versions(b)) is not None]
        with_row_versions(frame, RowVersions(p for v in versions for p in v.items()))
    return frame


def read_rows(
    conn: psycopg.Connection[Any], plan: TablePlan, fids: list[int]
) -> geopandas.GeoDataFrame:
    """The features ``fids`` as the table holds them now (missing ones left out).

    The table must have a key (``plan.key``).
    """
    if plan.key is None:
        raise ValueError(f"{plan.table.table} has no key to read rows by")
    wanted = ServerFilter(sql.SQL("{} = ANY(%s)").format(sql.Identifier(plan.key.name)), (fids,))
    with conn.cursor(binary=True) as cursor:
        rows = cursor.execute(_select(plan, wanted), wanted.params).fetchall()
    if not rows:
        return read_frame_empty(plan)
    return _batch_frame(plan, rows, 0)


def read_frame_empty(plan: TablePlan) -> geopandas.GeoDataFrame:
    """A frame with the table's fields and no feature."""
    empty = {c.name: pd.Series([], dtype="object") for c in plan.fields}
    return geopandas.GeoDataFrame(
        empty, geometry=[], index=pd.Index([], name="fid", dtype="int64"), crs=plan.crs
    )
