"""Reading a PostGIS table whole, streamed in batches by a binary COPY.

The rows come as PostgreSQL's binary COPY, decoded a batch at a time with
numpy (:mod:`mapdesk.io.postgis.copy_binary`); the geometries as (E)WKB,
decoded by shapely in one vectorised call per batch. Curves are linearised on
the server (``ST_CurveToLine``) because shapely has no curves; columns whose
declared type cannot hold curves are sent as stored. Attributes of types
mapdesk does not hold natively (JSON, arrays, ranges...) arrive as text;
``numeric`` as floating point.

The feature ids (the frame's index, ``fid``) are the table's primary key when
it is one integer column, as QGIS does. A table without one (or with a
composite or text key) still loads: its features are numbered 1..n in the
order read, and a warning says that these numbers are not stored in the table.
With a key, each row's version (``xmin``) is read too, into the frame's
:data:`~mapdesk.core.editing.versions.ROW_VERSIONS`: a save checks it
(:mod:`mapdesk.io.postgis.editing`).

A load by a box or a filter (:class:`~mapdesk.io.postgis.where.ServerFilter`)
runs inside the same COPY, its values bound by psycopg (see
:func:`~mapdesk.io.postgis.copy_binary.copy_out`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import geopandas
import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyproj
import shapely
from psycopg import sql

from mapdesk.core.collector import collector_paused
from mapdesk.core.editing.versions import RowVersions, row_versions, with_row_versions
from mapdesk.core.errors import LayerNotFoundError
from mapdesk.io.postgis import catalog
from mapdesk.io.postgis.catalog import Column, SpatialTable
from mapdesk.io.postgis.copy_binary import Columns, copy_out, decode_rows
from mapdesk.io.postgis.uri import PostgisUri, TableName
from mapdesk.io.postgis.where import ServerFilter, quoted

#: Rows fetched per round trip: large enough to amortise it, small enough to stream.
BATCH_ROWS = 20_000
#: Column types read as they are; any other type is read as text.
_NATIVE = frozenset(catalog.FIELD_TYPES) - {"numeric"}
_GEOMETRY_TYPES = ("geometry", "geography", "raster")
#: Types with the values +-infinity.
_DATES = frozenset({"date", "timestamp", "timestamptz"})


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


#: Declared geometry types that cannot hold arcs: sent as they are stored.
_STRAIGHT_TYPES = frozenset(
    f"{kind}{suffix}"
    for kind in ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")
    for suffix in ("", " Z", " M", " ZM")
)

#: The row version: the transaction that wrote the row, as a number (in statements).
ROW_VERSION = sql.SQL("xmin::text::bigint")
#: The row version as a read sends it: the raw ``xid`` (32 bits), the same number;
#: turning 200,000 of them into text and back cost the server a tenth of a load.
_READ_VERSION = sql.SQL("xmin")


def select_rows(plan: TablePlan, rows: ServerFilter | None = None) -> sql.Composed:
    """``SELECT key, version, fields..., WKB FROM table [WHERE rows]``, every name quoted.

    No ``ORDER BY``: sorting a big table on the server (geometries and all,
    past ``work_mem``, so on disk) cost more than the rest of the read;
    :func:`read_frame` sorts by the key on the client instead.

    A column declared with a straight type is sent in PostGIS's own binary
    form (EWKB, which shapely reads) with no work on the server; testing every
    geometry for arcs (``ST_HasArc``) doubled the time of a 200,000-row read.

    With ``rows`` the query has parameters (``rows.params``), so a ``%`` in a
    quoted name is doubled: psycopg reads ``%s`` anywhere in the text.
    """
    geometry = sql.Identifier(plan.table.geometry_column)
    wkb: sql.Composable = geometry
    if plan.table.geometry_type not in _STRAIGHT_TYPES:
        wkb = sql.SQL(
            "ST_AsBinary(CASE WHEN ST_HasArc({g}) THEN ST_CurveToLine({g}) ELSE {g} END)"
        ).format(g=geometry)
    expressions: list[sql.Composable] = (
        [sql.Identifier(plan.key.name), _READ_VERSION] if plan.key else []
    )
    expressions += [_field_expression(c) for c in plan.fields]
    select = sql.SQL("SELECT {columns} FROM {table}").format(
        columns=sql.SQL(", ").join([*expressions, wkb]),
        table=table_identifier(plan.table.table),
    )
    if rows is None:
        return sql.Composed([select])
    escaped = sql.SQL(select.as_string(None).replace("%", "%%"))
    return sql.Composed([escaped, sql.SQL(" WHERE "), rows.condition])


def _field_expression(column: Column) -> sql.Composable:
    name = sql.Identifier(column.name)
    if column.type_name in _DATES:  # +-infinity: NULL, as pandas cannot hold them
        return sql.SQL("CASE WHEN isfinite({n}) THEN {n} END AS {n}").format(n=name)
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
    streamed by a binary COPY, in the order the server sends them.

    The rows arrive as PostgreSQL's binary COPY and are decoded a batch at a
    time with numpy (:mod:`mapdesk.io.postgis.copy_binary`): no Python object
    per row or value. Stopping the iteration early (a Cancel) cancels the
    query on the server, which then stops sending rows; the COPY runs in its
    own (sub)transaction, so the session stays usable. With a key each batch
    carries its row versions (:func:`~mapdesk.core.editing.versions.row_versions`).
    """
    types = _copy_types(plan)
    query = select_rows(plan, rows)
    params = rows.params if rows is not None else None
    numbered = 0
    with conn.transaction(), conn.cursor() as cursor:
        for messages in copy_out(cursor, query, batch_rows, params):
            batch = decode_rows(messages, types)
            if batch.rows:
                yield batch_frame(plan, batch, numbered)
                numbered += batch.rows


def _copy_types(plan: TablePlan) -> list[str]:
    """The type each selected column arrives as (see :func:`_select`)."""
    types = [plan.key.type_name, "xid"] if plan.key else []  # the key, then its version
    for column in plan.fields:
        if column.type_name == "numeric":
            types.append("float8")
        else:
            types.append(column.type_name if column.type_name in _NATIVE else "text")
    straight = plan.table.geometry_type in _STRAIGHT_TYPES
    return [*types, "geometry" if straight else "bytea"]


def batch_frame(
    plan: TablePlan, batch: Columns, numbered: int, geometry: Any = None
) -> geopandas.GeoDataFrame:
    """The frame of decoded columns (as :func:`_copy_types` lists them): the key as
    index (else ``numbered`` + 1, 2, ...), the row versions, the fields and geometry
    (the last column's WKB decoded, unless the ``geometry`` is given decoded)."""
    if geometry is None:
        with collector_paused():
            geometry = shapely.from_wkb(batch.values[-1])
    versions = None
    if plan.key is not None:
        keys, row_version = batch.values[0].astype(np.int64), batch.values[1].astype(np.int64)
        index = pd.Index(keys, name="fid")  # int64 whatever the key's width, as when empty
        versions = RowVersions.from_arrays(keys, row_version)
        first = 2
    else:
        index = pd.RangeIndex(numbered + 1, numbered + batch.rows + 1, name="fid")
        first = 0
    attributes = zip(batch.values[first:-1], batch.nulls[first:-1], strict=True)
    data = {
        c.name: _series(c, values, nulls, index)
        for c, (values, nulls) in zip(plan.fields, attributes, strict=True)
    }
    frame = geopandas.GeoDataFrame(data, geometry=geometry, index=index, crs=plan.crs)
    return with_row_versions(frame, versions) if versions is not None else frame


def _series(column: Column, values: Any, nulls: np.ndarray[Any, Any], index: pd.Index) -> pd.Series:
    """A column as OGR reads it: NULL integers make the column float, NULL times NaT."""
    if isinstance(values, pa.Array):
        text: pd.Series = values.to_pandas().set_axis(index)
        return text
    if column.type_name in ("date", "timestamp", "timestamptz"):
        # Microseconds, PostgreSQL's own resolution: in nanoseconds 9999-12-31 (the
        # "still in service" end date of asset tables) wrapped round to 1816.
        stamps = values.astype("datetime64[us]")
        stamps[nulls] = np.datetime64("NaT")
        series = pd.Series(stamps, index=index)
        return series.dt.tz_localize("UTC") if column.type_name == "timestamptz" else series
    if column.type_name == "bool" and nulls.any():
        flags = values.astype(object)
        flags[nulls] = None
        return pd.Series(flags, index=index, dtype=object)
    if nulls.any() or values.dtype.kind == "f":
        floats = values.astype("float64")
        floats[nulls] = np.nan
        return pd.Series(floats, index=index)
    return pd.Series(values, index=index)


def read_frame(
    conn: psycopg.Connection[Any],
    plan: TablePlan,
    batch_rows: int = BATCH_ROWS,
    rows: ServerFilter | None = None,
) -> geopandas.GeoDataFrame:
    """The whole table (or the ``rows`` selected) as one frame, its batches
    joined, in key order when it has a key, with the row versions."""
    with collector_paused():  # a message, a bytes and a geometry per row: no cycles
        batches = list(read_batches(conn, plan, batch_rows, rows))
    return joined_frame(plan, batches)


def joined_frame(plan: TablePlan, batches: list[geopandas.GeoDataFrame]) -> geopandas.GeoDataFrame:
    """The batches of one read as one frame: in key order when keyed, with all row versions."""
    if not batches:
        return read_frame_empty(plan)
    frame = batches[0] if len(batches) == 1 else geopandas.GeoDataFrame(pd.concat(batches))
    if plan.key is not None and not frame.index.is_monotonic_increasing:
        frame = frame.sort_index(kind="stable")
    if plan.crs is not None:
        frame = frame.set_crs(plan.crs, allow_override=True)
    if plan.key is None:  # streams read at once each number their features from 1
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="fid")
        return frame
    versions = [v for b in batches if (v := row_versions(b)) is not None]
    joined = versions[0] if len(versions) == 1 else RowVersions.joined(versions)
    return with_row_versions(frame, joined)


def read_rows(
    conn: psycopg.Connection[Any], plan: TablePlan, fids: list[int]
) -> geopandas.GeoDataFrame:
    """The features ``fids`` as the table holds them now (missing ones left out),
    with their row versions, in key order.

    The table must have a key (``plan.key``).
    """
    if plan.key is None:
        raise ValueError(f"{plan.table.table} has no key to read rows by")
    wanted = ServerFilter(sql.SQL("{} = ANY(%s)").format(quoted(plan.key.name)), (fids,))
    return read_frame(conn, plan, rows=wanted)


def read_frame_empty(plan: TablePlan) -> geopandas.GeoDataFrame:
    """A frame with the table's fields and no feature (and no row version, when keyed)."""
    empty = {c.name: pd.Series([], dtype="object") for c in plan.fields}
    frame = geopandas.GeoDataFrame(
        empty, geometry=[], index=pd.Index([], name="fid", dtype="int64"), crs=plan.crs
    )
    return with_row_versions(frame, RowVersions()) if plan.key is not None else frame
