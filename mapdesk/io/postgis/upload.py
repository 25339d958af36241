"""Uploading a local layer to PostGIS: a new table, typed, keyed and indexed, in one go.

The table is created with a column type per field (from the frame's dtypes,
and for text-like columns from their values), a geometry column declared with
its geometry type and SRID, a primary key and a GIST index, and filled by one
binary ``COPY``, all in ONE transaction: a failure anywhere (a constraint, a
dropped connection, a Cancel) leaves the database as it was, and an existing
table is replaced only when asked (dropped and created in that same
transaction, so the old table is still there if the upload fails).

Feature ids: a layer's integer ``fid`` index becomes the ``fid`` primary key
(an identity column whose sequence continues after the largest id, so rows
inserted later get new ids); a layer without usable ids gets a generated
identity key numbered 1..n.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from mapdesk.core.errors import DataSourceError, MapdeskError
from mapdesk.io.postgis.connection import connect, failure
from mapdesk.io.postgis.reader import table_identifier
from mapdesk.io.postgis.uri import PostgisUri, TableName

#: PostgreSQL truncates longer identifiers (NAMEDATALEN - 1 bytes).
MAX_IDENTIFIER_BYTES = 63
#: Rows sent between two progress reports (and Cancel checks).
PROGRESS_ROWS = 5_000
#: Geometry column names tried in turn, the first no field uses.
GEOMETRY_NAMES = ("geom", "geometry", "the_geom", "wkb_geometry")
KEY_NAMES = ("fid", "gid", "ogc_fid")

#: Called as ``progress(rows_sent, rows_total)``; may raise to cancel the upload.
UploadProgress = Callable[[int, int], None]

_INTEGER_TYPES = {
    "int8": "smallint",
    "uint8": "smallint",
    "int16": "smallint",
    "uint16": "integer",
    "int32": "integer",
    "uint32": "bigint",
    "int64": "bigint",
    "uint64": "numeric(20, 0)",
}
_SINGLE_TO_MULTI = {
    "Point": "MultiPoint",
    "LineString": "MultiLineString",
    "Polygon": "MultiPolygon",
}


@dataclass(frozen=True)
class FieldPlan:
    """One attribute column: its name, SQL type, and how its values are sent."""

    name: str
    sql_type: str
    values: Callable[[pd.Series], list[Any]]


@dataclass(frozen=True)
class UploadPlan:
    """What will be created: the table's columns, key, geometry type and SRID.

    Attributes
    ----------
    table : TableName
        Where the layer goes (schema defaults to ``public``).
    key : str
        The primary key column.
    keep_ids : bool
        True when the layer's integer feature ids are the key's values;
        False when the server numbers the rows.
    geometry_column, geometry_type : str
        The column and its PostGIS type (``MultiPolygon``, ``PointZ``,
        ``Geometry`` for mixed types).
    srid : int
        The EPSG code of the layer's CRS.
    fields : list of FieldPlan
        The attribute columns in the layer's order.
    notes : list of str
        What the upload changes about the data (multi-part promotion...).
    """

    table: TableName
    key: str
    keep_ids: bool
    geometry_column: str
    geometry_type: str
    srid: int
    fields: list[FieldPlan]
    notes: list[str]


@dataclass(frozen=True)
class UploadResult:
    """What an upload created: the table, its row count and the layer's URI."""

    uri: str
    table: TableName
    rows: int
    plan: UploadPlan


def default_table_name(layer_name: str) -> str:
    """A plain PostgreSQL name for a layer: lower case, other characters as ``_``.

    Examples
    --------
    >>> default_table_name("Parcels v1.2")
    'parcels_v1_2'
    """
    name = re.sub(r"[^0-9a-z_]+", "_", layer_name.lower()).strip("_") or "layer"
    return f"t_{name}" if name[0].isdigit() else name


def plan_upload(
    frame: geopandas.GeoDataFrame, table: TableName, layer_name: str = "layer"
) -> UploadPlan:
    """Decide the table's columns and types for ``frame`` without touching a database.

    Raises
    ------
    MapdeskError
        When the layer has no CRS or one without an EPSG code, or a field name
        PostgreSQL cannot hold; the message names the layer and the field.
    """
    table = TableName(table.schema or "public", table.name)
    _check_identifier(table.name, f"{layer_name}: table name")
    srid = _srid(frame, layer_name)
    names = [str(c) for c in frame.columns if c != frame.geometry.name]
    for name in names:
        _check_identifier(name, f"{layer_name}: field")
    taken = {n.lower() for n in names}
    geometry_column = next((n for n in GEOMETRY_NAMES if n not in taken), None)
    key = next((n for n in KEY_NAMES if n not in taken), None)
    if geometry_column is None or key is None:
        raise MapdeskError(
            f"{layer_name}: its fields use every name mapdesk gives the geometry and key "
            f"columns ({', '.join(GEOMETRY_NAMES + KEY_NAMES)}); rename one first"
        )
    notes: list[str] = []
    geometry_type = _geometry_type(frame.geometry, notes)
    fields = [_field_plan(name, frame[name], layer_name) for name in names]
    return UploadPlan(
        table, key, _usable_ids(frame.index), geometry_column, geometry_type, srid, fields, notes
    )


def _check_identifier(name: str, what: str) -> None:
    if not name or "\x00" in name:
        raise MapdeskError(f"{what} {name!r} cannot be a PostgreSQL name")
    if len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise MapdeskError(
            f"{what} {name!r} is longer than PostgreSQL's {MAX_IDENTIFIER_BYTES} bytes; "
            "rename it first"
        )


def _srid(frame: geopandas.GeoDataFrame, layer_name: str) -> int:
    crs = frame.crs
    if crs is None:
        raise MapdeskError(
            f"{layer_name}: the layer has no CRS; set it (Layer Properties) before uploading"
        )
    epsg = crs.to_epsg(min_confidence=70)
    if epsg is None:
        raise MapdeskError(
            f"{layer_name}: its CRS ({crs.name}) has no EPSG code, and PostGIS tables are "
            "declared with one; reproject the layer to an EPSG CRS first"
        )
    return int(epsg)


def _usable_ids(index: pd.Index) -> bool:
    """True when the feature ids are unique integers a key can keep."""
    return (
        len(index) > 0
        and pd.api.types.is_integer_dtype(index.dtype)
        and index.is_unique
        and int(index.min()) >= -(2**63)
        and int(index.max()) < 2**63
    )


def _geometry_type(geometries: geopandas.GeoSeries, notes: list[str]) -> str:
    """The PostGIS geometry type of the column: one type, its Multi form, or Geometry."""
    present = geometries[geometries.notna() & ~geometries.is_empty]
    kinds = {str(kind) for kind in present.geom_type}
    if not kinds:
        return "Geometry"
    with_z = shapely.has_z(present.to_numpy())
    if with_z.any() and not with_z.all():
        return "Geometry"  # 2D and 3D mixed: only the untyped column takes both
    suffix = "Z" if with_z.all() else ""
    if len(kinds) == 1:
        return kinds.pop() + suffix
    multis = {_SINGLE_TO_MULTI.get(kind, kind) for kind in kinds}
    if len(multis) == 1:
        multi = multis.pop()
        notes.append(f"single-part geometries are stored as {multi} (the layer mixes both)")
        return multi + suffix
    return "Geometry"


def _field_plan(name: str, series: pd.Series, layer_name: str) -> FieldPlan:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return FieldPlan(name, "boolean", _plain)
    if pd.api.types.is_integer_dtype(dtype):
        return FieldPlan(name, _INTEGER_TYPES[_numpy_dtype(dtype).name], _integers)
    if pd.api.types.is_float_dtype(dtype):
        single = _numpy_dtype(dtype) == np.float32
        return FieldPlan(name, "real" if single else "double precision", _floats)
    if isinstance(dtype, pd.DatetimeTZDtype):
        return FieldPlan(name, "timestamptz", _timestamps)
    if pd.api.types.is_datetime64_dtype(dtype):
        return FieldPlan(name, "timestamp", _timestamps)
    if isinstance(dtype, pd.CategoricalDtype):
        return FieldPlan(name, "text", _texts)
    return _object_plan(name, series, layer_name)


def _numpy_dtype(dtype: Any) -> np.dtype[Any]:
    """The numpy dtype behind a pandas one (``Int64`` -> ``int64``)."""
    found: np.dtype[Any] = np.dtype(getattr(dtype, "numpy_dtype", dtype))
    return found


def _object_plan(name: str, series: pd.Series, layer_name: str) -> FieldPlan:
    """Text, dates, times or bytes held as Python objects: typed by their values."""
    kinds = {type(v) for v in series if not _missing(v)}
    if kinds and all(issubclass(k, dt.datetime) for k in kinds):
        aware = {v.tzinfo is not None for v in series if not _missing(v)}
        if len(aware) > 1:
            raise MapdeskError(
                f"{layer_name}: field {name!r} mixes times with and without a time zone; "
                "PostgreSQL needs one or the other"
            )
        return FieldPlan(name, "timestamptz" if aware == {True} else "timestamp", _timestamps)
    if kinds and all(issubclass(k, dt.date) and not issubclass(k, dt.datetime) for k in kinds):
        return FieldPlan(name, "date", _plain)
    if kinds and all(issubclass(k, dt.time) for k in kinds):
        return FieldPlan(name, "time", _plain)
    if kinds and all(issubclass(k, bytes | bytearray | memoryview) for k in kinds):
        return FieldPlan(name, "bytea", _plain)
    if kinds and all(issubclass(k, decimal.Decimal) for k in kinds):
        return FieldPlan(name, "numeric", _plain)
    return FieldPlan(name, "text", _texts)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _plain(series: pd.Series) -> list[Any]:
    return [None if _missing(v) else v for v in series.astype(object)]


def _integers(series: pd.Series) -> list[Any]:
    return [None if _missing(v) else int(v) for v in series.astype(object)]


def _floats(series: pd.Series) -> list[Any]:
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    return [None if math.isnan(v) else v for v in values.tolist()]


def _timestamps(series: pd.Series) -> list[Any]:
    stamps = pd.to_datetime(series)
    return [None if pd.isna(v) else v.to_pydatetime() for v in stamps]


def _texts(series: pd.Series) -> list[Any]:
    return [None if _missing(v) else str(v) for v in series.astype(object)]


# --- the database side ------------------------------------------------------------
def upload_layer(
    frame: geopandas.GeoDataFrame,
    uri_text: str,
    *,
    table: TableName | None = None,
    replace: bool = False,
    layer_name: str = "layer",
    progress: UploadProgress | None = None,
) -> UploadResult:
    """Create a PostGIS table from ``frame`` and fill it, in one transaction.

    Parameters
    ----------
    frame
        The features (their index is the feature id).
    uri_text
        The database (``postgresql://user@host/db``); its ``table=`` names the
        new table unless ``table`` is given.
    replace
        Drop an existing table of that name first (in the same transaction).
    progress
        Called every :data:`PROGRESS_ROWS` rows; an exception it raises (a
        Cancel) rolls everything back and propagates.

    Raises
    ------
    MapdeskError
        When the layer cannot be stored as it is (no EPSG CRS...), the table
        exists and ``replace`` is False, or the database refuses; nothing is
        left behind in the database.
    """
    uri = PostgisUri.parse(uri_text)
    target = table or uri.table
    if target is None:
        raise DataSourceError(f"{uri.format()}: say which table to create (?table=schema.name)")
    plan = plan_upload(frame, target, layer_name)
    try:
        with connect(uri.connection, uri.password) as conn:
            rows = _create_and_fill(conn, plan, frame, replace, progress)
    except MapdeskError:
        raise
    except psycopg.Error as exc:
        raise failure(uri.connection, exc, uri.password) from None
    return UploadResult(uri.with_table(plan.table).format(), plan.table, rows, plan)


def _create_and_fill(
    conn: psycopg.Connection[Any],
    plan: UploadPlan,
    frame: geopandas.GeoDataFrame,
    replace: bool,
    progress: UploadProgress | None,
) -> int:
    name = table_identifier(plan.table)
    with conn.transaction():
        _check_target(conn, plan, replace)
        if replace:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
        conn.execute(_create_table(plan))
        sent = _copy_rows(conn, plan, frame, progress)
        if plan.keep_ids and sent:
            conn.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence({t}, {k}), {m})").format(
                    t=sql.Literal(_qualified_text(plan.table)),
                    k=sql.Literal(plan.key),
                    m=sql.Literal(int(frame.index.max())),
                )
            )
        conn.execute(
            sql.SQL("CREATE INDEX {i} ON {t} USING GIST ({g})").format(
                i=sql.Identifier(_index_name(plan)), t=name, g=sql.Identifier(plan.geometry_column)
            )
        )
        conn.execute(sql.SQL("ANALYZE {}").format(name))  # row estimates for the browser
        if progress is not None:
            progress(sent, len(frame))  # a last chance to cancel, before the commit
    return sent


def _check_target(conn: psycopg.Connection[Any], plan: UploadPlan, replace: bool) -> None:
    schema = conn.execute(
        "SELECT 1 FROM pg_namespace WHERE nspname = %s", (plan.table.schema,)
    ).fetchone()
    if schema is None:
        raise DataSourceError(f"PostGIS: there is no schema {plan.table.schema!r} to upload into")
    srs = conn.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", (plan.srid,)).fetchone()
    if srs is None:
        raise DataSourceError(f"PostGIS: the database does not know EPSG:{plan.srid}")
    exists = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL", (_qualified_text(plan.table),)
    ).fetchone()
    if exists and exists[0] and not replace:
        raise DataSourceError(
            f"PostGIS: table {plan.table} already exists; choose another name or replace it"
        )


def _qualified_text(table: TableName) -> str:
    """``"schema"."name"`` as text, for functions that take a name (to_regclass)."""
    return ".".join(
        '"' + part.replace('"', '""') + '"' for part in (table.schema or "public", table.name)
    )


def _index_name(plan: UploadPlan) -> str:
    """``<table>_<geom>_gist`` cut to PostgreSQL's identifier length."""
    suffix = f"_{plan.geometry_column}_gist"
    stem = plan.table.name.encode("utf-8")[: MAX_IDENTIFIER_BYTES - len(suffix)]
    return stem.decode("utf-8", errors="ignore") + suffix


def _create_table(plan: UploadPlan) -> sql.Composed:
    identity = "BY DEFAULT" if plan.keep_ids else "ALWAYS"
    columns: list[sql.Composable] = [
        sql.SQL("{} bigint GENERATED {} AS IDENTITY PRIMARY KEY").format(
            sql.Identifier(plan.key), sql.SQL(identity)
        )
    ]
    columns += [
        sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(f.sql_type)) for f in plan.fields
    ]
    columns.append(
        sql.SQL("{} geometry({}, {})").format(
            sql.Identifier(plan.geometry_column),
            sql.SQL(plan.geometry_type),
            sql.Literal(plan.srid),
        )
    )
    return sql.SQL("CREATE TABLE {} ({})").format(
        table_identifier(plan.table), sql.SQL(", ").join(columns)
    )


def _copy_rows(
    conn: psycopg.Connection[Any],
    plan: UploadPlan,
    frame: geopandas.GeoDataFrame,
    progress: UploadProgress | None,
) -> int:
    names = ([plan.key] if plan.keep_ids else []) + [f.name for f in plan.fields]
    names.append(plan.geometry_column)
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        table_identifier(plan.table), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    total = len(frame)
    with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
        copy.set_types(_copy_types(plan))
        sent = 0
        for rows in _row_chunks(plan, frame):
            for row in rows:
                copy.write_row(row)
            sent += len(rows)
            if progress is not None:
                progress(sent, total)
    return sent


def _copy_types(plan: UploadPlan) -> list[str]:
    types = ["int8"] if plan.keep_ids else []
    types += [_copy_type(f.sql_type) for f in plan.fields]
    return [*types, "bytea"]  # EWKB: the geometry type's binary input takes it as is


def _copy_type(sql_type: str) -> str:
    return {
        "smallint": "int2",
        "integer": "int4",
        "bigint": "int8",
        "numeric(20, 0)": "numeric",
        "real": "float4",
        "double precision": "float8",
        "boolean": "bool",
    }.get(sql_type, sql_type)


def _row_chunks(
    plan: UploadPlan, frame: geopandas.GeoDataFrame
) -> Iterator[Sequence[tuple[Any, ...]]]:
    """The rows to send, :data:`PROGRESS_ROWS` at a time, values already converted."""
    for start in range(0, len(frame), PROGRESS_ROWS):
        part = frame.iloc[start : start + PROGRESS_ROWS]
        columns: list[list[Any]] = [[int(i) for i in part.index]] if plan.keep_ids else []
        columns += [f.values(part[f.name]) for f in plan.fields]
        columns.append(_ewkb(part.geometry, plan))
        yield list(zip(*columns, strict=True))


def _ewkb(geometries: geopandas.GeoSeries, plan: UploadPlan) -> list[bytes | None]:
    values = geometries.to_numpy()
    part = plan.geometry_type.removesuffix("Z").removeprefix("Multi")
    if plan.geometry_type.startswith("Multi") and part in _SINGLE_TO_MULTI:
        single = shapely.get_type_id(values) == shapely.GeometryType[part.upper()].value
        if single.any():
            values = values.copy()
            values[single] = [_as_multi(g) for g in values[single]]
    values = shapely.set_srid(values, plan.srid)
    # output_dimension is a maximum: 2D geometries stay 2D, Z values are kept.
    wkb = shapely.to_wkb(values, include_srid=True, output_dimension=3, flavor="extended")
    return [None if w is None else bytes(w) for w in wkb.tolist()]


def _as_multi(geometry: Any) -> Any:
    if isinstance(geometry, shapely.Point):
        return shapely.MultiPoint([geometry])
    if isinstance(geometry, shapely.LineString):
        return shapely.MultiLineString([geometry])
    return shapely.MultiPolygon([geometry])
