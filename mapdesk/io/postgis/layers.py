"""PostGIS tables as layers: what :mod:`mapdesk.io.registry` calls for ``postgresql://``.

Each call opens one session, does its reading, and closes it; the session is
read-only, so a layer loaded for viewing can never change the database. Any
failure leaves as a :class:`~mapdesk.core.errors.MapdeskError` that names the
server, database and table, and never a password.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

import geopandas as gpd
import psycopg
import pyproj
from psycopg import sql

from mapdesk.core.errors import MapdeskError
from mapdesk.core.expression import matches
from mapdesk.io.frames import finish
from mapdesk.io.postgis import arrow_read, catalog, reader, where
from mapdesk.io.postgis.connection import connect, failure
from mapdesk.io.postgis.uri import PostgisUri, TableName
from mapdesk.io.sources import LayerInfo, LayerRead, Source

DRIVER = "PostgreSQL"

_T = TypeVar("_T")


@contextmanager
def _session(uri: PostgisUri) -> Iterator[psycopg.Connection[Any]]:
    conn = connect(uri.connection, uri.password)
    try:
        conn.read_only = True
        yield conn
    finally:
        conn.close()


def _run(uri: PostgisUri, work: Callable[[psycopg.Connection[Any]], _T]) -> _T:
    """``work`` on a read-only session, every database error made a clean message."""
    try:
        with _session(uri) as conn:
            return work(conn)
    except MapdeskError:
        raise
    except psycopg.Error as exc:
        raise failure(uri.connection, exc, uri.password) from None


def layer_uri(uri: PostgisUri, table: catalog.SpatialTable, several: bool) -> PostgisUri:
    """The URI of one layer; the geometry column is named only when a table has several."""
    return uri.with_table(table.table, table.geometry_column if several else None)


def list_layers(text: str) -> list[LayerInfo]:
    """The spatial tables of the database (or the one table) the URI names, with estimates."""
    uri = PostgisUri.parse(text)
    return _run(uri, lambda conn: _infos(conn, uri, full=False))


def describe(text: str) -> list[LayerInfo]:
    """As :func:`list_layers`, with exact counts and extents when the URI names a table
    (of the features its ``bbox`` and ``where`` select, when it has them)."""
    uri = PostgisUri.parse(text)
    return _run(uri, lambda conn: _infos(conn, uri, full=uri.table is not None))


def _infos(conn: psycopg.Connection[Any], uri: PostgisUri, full: bool) -> list[LayerInfo]:
    tables = (
        [reader.find_table(conn, uri)] if uri.table is not None else catalog.spatial_tables(conn)
    )
    per_table: dict[str, int] = {}
    for table in catalog.spatial_tables(conn):
        per_table[str(table.table)] = per_table.get(str(table.table), 0) + 1
    infos = []
    for table in tables:
        several = per_table.get(str(table.table), 1) > 1
        name = str(table.table) + (f" ({table.geometry_column})" if several else "")
        plan = reader.plan_read(conn, table)
        info = LayerInfo(
            name=name,
            driver=DRIVER,
            geometry_type=table.geometry_type,
            feature_count=table.estimated_rows,
            crs=plan.crs,
            extent=None,
            fields=tuple((c.name, c.field_type) for c in plan.fields),
        )
        if full and (uri.where or uri.bbox):
            infos.append(_measured_filtered(conn, uri, info))
        else:
            infos.append(_measured(conn, table, info) if full else info)
    return infos


def _measured_filtered(
    conn: psycopg.Connection[Any], uri: PostgisUri, info: LayerInfo
) -> LayerInfo:
    """``info`` counting and measuring only the features the URI's bbox and filter load."""
    frame = _read(conn, uri).frame
    present = frame.geometry.dropna()
    present = present[~present.is_empty]
    extent = None
    if len(present):
        xmin, ymin, xmax, ymax = (float(v) for v in present.total_bounds)
        extent = (xmin, ymin, xmax, ymax)
    return replace(info, feature_count=len(frame), extent=extent)


def _measured(
    conn: psycopg.Connection[Any], table: catalog.SpatialTable, info: LayerInfo
) -> LayerInfo:
    """``info`` with the exact feature count and the extent (reads the whole table)."""
    counted = sql.SQL("SELECT count(*), ST_Extent({g})::text FROM {t}").format(
        g=sql.Identifier(table.geometry_column), t=reader.table_identifier(table.table)
    )
    with conn.cursor() as cursor:
        row = cursor.execute(counted).fetchone()
    count = int(row[0]) if row else 0
    return replace(info, feature_count=count, extent=_box(row[1] if row else None))


def _box(text: Any) -> tuple[float, float, float, float] | None:
    """``BOX(xmin ymin,xmax ymax)`` as four floats; None for an empty table."""
    if not text:
        return None
    inner = str(text)[str(text).index("(") + 1 : -1].replace(",", " ").split()
    xmin, ymin, xmax, ymax = (float(v) for v in inner)
    return (xmin, ymin, xmax, ymax)


def read_layer(text: str, layer: str | None = None) -> LayerRead:
    """Read the table the URI names (or ``layer``, a name from :func:`list_layers`).

    Raises
    ------
    LayerNotFoundError
        When the table is not there or is ambiguous (the message lists the choices).
    DataSourceError
        When the server cannot be reached, refuses the login or the query.
    """
    uri = _chosen(PostgisUri.parse(text), layer)
    return _run(uri, lambda conn: _read(conn, uri))


def _read(conn: psycopg.Connection[Any], uri: PostgisUri) -> LayerRead:
    table = reader.find_table(conn, uri)
    plan = reader.plan_read(conn, table)
    shown = str(table.table)
    notes = list(plan.notes)
    box = _in_box(conn, uri, plan)
    rows, in_memory = server_rows(conn, uri, plan, box)
    try:
        frame = _read_rows(conn, plan, rows)
    except psycopg.DataError as exc:  # an overflow the evaluator makes NULL, say
        conn.rollback()
        in_memory = f"the server could not compute it: {str(exc).splitlines()[0]}"
        frame = _read_rows(conn, plan, box)
    if in_memory is not None and uri.where:
        read = "the features in the box were" if box is not None else "the whole table was"
        notes.append(
            f"{shown}: the filter {uri.where!r} ran in mapdesk, not on the server "
            f"({in_memory}); {read} read"
        )
        if len(frame):
            frame = frame[matches(uri.where, frame)]
    frame, notes_done = finish(frame, shown, notes, no_prj=False)
    exact = uri.with_table(table.table, uri.geometry)
    source = Source(exact.format(), shown, DRIVER, _reader_name())
    return LayerRead(frame, source, notes_done)


def _reader_name() -> str:
    return "adbc" if arrow_read.available() else "psycopg"


def _read_rows(
    conn: psycopg.Connection[Any], plan: reader.TablePlan, rows: where.ServerFilter | None
) -> gpd.GeoDataFrame:
    """The rows by ADBC's driver (the fast path), else by the session's binary COPY."""
    if arrow_read.available():
        return arrow_read.read_table(conn, plan, rows)
    return reader.read_frame(conn, plan, rows=rows)


def _in_box(
    conn: psycopg.Connection[Any], uri: PostgisUri, plan: reader.TablePlan
) -> where.ServerFilter | None:
    """The ``bbox`` of the URI as a spatial-index condition in the table's SRID."""
    if uri.bbox is None:
        return None
    srid = plan.table.srid or reader.first_srid(conn, plan.table)
    bounds = uri.bbox.numbers
    if uri.bbox.crs is not None:
        if plan.crs is None:
            raise MapdeskError(
                f"{uri.format()}: {plan.table.table} has no CRS, so a bbox in "
                f"{uri.bbox.crs} cannot be placed on it; give the bbox in the table's units"
            )
        try:
            given = pyproj.CRS.from_user_input(uri.bbox.crs)
        except pyproj.exceptions.CRSError:
            raise MapdeskError(f"{uri.format()}: bbox CRS {uri.bbox.crs!r} is not known") from None
        if not given.equals(plan.crs):
            to_table = pyproj.Transformer.from_crs(given, plan.crs, always_xy=True)
            bounds = to_table.transform_bounds(*bounds, densify_pts=21)
    return where.in_box(plan.table.geometry_column, bounds, srid)


def server_rows(
    conn: psycopg.Connection[Any],
    uri: PostgisUri,
    plan: reader.TablePlan,
    box: where.ServerFilter | None,
) -> tuple[where.ServerFilter | None, str | None]:
    """The rows to ask the server for, and why the filter runs in mapdesk (None: it does not).

    Raises
    ------
    ExpressionError
        When the filter is not valid for this table.
    """
    if not uri.where:
        return box, None
    try:
        compiled = where.compile_filter(uri.where, plan.fields)
    except where.ServerFilterError as exc:
        return box, exc.reason
    if compiled.ascii_fields and _beyond_ascii(conn, plan, compiled.ascii_fields, box):
        fields = ", ".join(f'"{n}"' for n in compiled.ascii_fields)
        reason = (
            f"{fields} hold letters beyond ASCII, which ILIKE, upper(), lower() and trim() "
            "treat differently in PostgreSQL"
        )
        return box, reason
    return (compiled if box is None else where.all_of(box, compiled)), None


def _beyond_ascii(
    conn: psycopg.Connection[Any],
    plan: reader.TablePlan,
    names: tuple[str, ...],
    box: where.ServerFilter | None,
) -> bool:
    """Whether a row (in the box) has a character beyond ASCII in one of the fields."""
    check = where.ascii_check(names)
    condition = check if box is None else sql.SQL("({}) AND ({})").format(box.condition, check)
    table = sql.SQL(reader.table_identifier(plan.table.table).as_string(None).replace("%", "%%"))
    query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {})").format(table, condition)
    with conn.cursor() as cursor:
        row = cursor.execute(query, box.params if box is not None else ()).fetchone()
    return bool(row and row[0])


def _chosen(uri: PostgisUri, layer: str | None) -> PostgisUri:
    """The URI with ``layer`` (``schema.table`` or ``schema.table (column)``) applied."""
    if layer is None:
        return uri
    name, _, column = layer.partition(" (")
    table = TableName.parse(name)
    if uri.table is not None and str(uri.table) not in (str(table), table.name):
        raise MapdeskError(
            f"{uri.format()}: names table {uri.table}, not {layer}; use one or the other"
        )
    return uri.with_table(table, column.removesuffix(")") or uri.geometry)
