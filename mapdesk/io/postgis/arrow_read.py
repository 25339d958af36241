"""Loading a PostGIS table as a layer: libpq's binary COPY decoded into Arrow in C++.

A layer load reads a whole table (or the rows a box or a filter selects) once,
and that is where the time goes: for 200,000 parcels psycopg spent more time
handing over the COPY's 200,000 messages, one Python call each, than the
GeoPackage took to read whole. ADBC's PostgreSQL driver runs the same
``COPY (SELECT ...) TO STDOUT (FORMAT BINARY)`` and decodes it into Arrow
columns in C++, without the interpreter; the columns then become a frame
exactly as the in-session reader's do (:func:`mapdesk.io.postgis.reader.batch_frame`).

A large plain table is read by several connections at once, in a few ranges
of its pages each (PostgreSQL 14's TID range scan), all in one snapshot
exported by the session (``pg_export_snapshot``, as ``pg_dump --jobs`` does):
the server and the decoding then use more than one core, no row updated
meanwhile can be read twice or missed, and the geometries of the first ranges
are decoded while the others arrive. Every connection's transaction is read-only.

The SQL is mapdesk's own (:func:`mapdesk.io.postgis.reader.select_rows`):
names quoted by psycopg, and a filter's values bound into it on the client by
psycopg (``ClientCursor.mogrify``), as psycopg binds COPY's anyway.

When the driver fails, the session's own reader
(:func:`mapdesk.io.postgis.reader.read_frame`) runs the same read: it raises
psycopg's exception for what went wrong, which the driver does not tell apart.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import geopandas
import numpy as np
import psycopg
import pyarrow as pa
import shapely
from psycopg import sql
from psycopg.conninfo import make_conninfo

from mapdesk.core.collector import collector_paused
from mapdesk.io.postgis import reader
from mapdesk.io.postgis.connection import CONNECT_TIMEOUT, scrub
from mapdesk.io.postgis.copy_binary import Columns
from mapdesk.io.postgis.where import ServerFilter

if TYPE_CHECKING:
    import adbc_driver_manager

#: Below this many pages (8 KiB each) a table is read by one stream.
PARALLEL_PAGES = 2_048
#: Page ranges per stream, of at least this many pages each.
_RANGES_PER_STREAM = 3
_RANGE_PAGES = 512
#: At most this many streams, and never more than the processors here.
MAX_STREAMS = 4
#: PostgreSQL 14 scans a range of pages (``ctid >= ... AND ctid < ...``) directly.
_TID_RANGE_SCANS = 140_000
#: Connection settings per server kept for reuse: the driver reads the server's
#: types once per database object (about 70 ms, a tenth of a 200,000-row load).
_KEPT_DATABASES = 8

_log = logging.getLogger(__name__)
_databases: OrderedDict[str, adbc_driver_manager.AdbcDatabase] = OrderedDict()
_databases_lock = threading.Lock()


def available() -> bool:
    """Whether ADBC's PostgreSQL driver can be loaded here."""
    try:
        import adbc_driver_manager  # noqa: F401
        import adbc_driver_postgresql  # noqa: F401
    except ImportError:
        return False
    return True


def read_table(
    conn: psycopg.Connection[Any], plan: reader.TablePlan, rows: ServerFilter | None = None
) -> geopandas.GeoDataFrame:
    """The table's features (those ``rows`` selects) as one frame, as
    :func:`mapdesk.io.postgis.reader.read_frame` gives them: in key order,
    with the row versions.

    ``conn`` is the session that planned the read; the rows come through
    connections of the driver to the same server, as the same user.

    Raises
    ------
    psycopg.DataError
        When the server cannot compute the query for some row (an overflow).
    psycopg.Error
        When the server refuses the query or the connection.
    """
    ranges = _page_ranges(conn, plan) if rows is None else []
    snapshot = _exported_snapshot(conn) if len(ranges) > 1 else None
    selections = [rows] if snapshot is None else ranges
    queries = [_statement(conn, plan, selection) for selection in selections]
    try:
        tables, shapes = [], []
        with collector_paused():  # a bytes and a geometry per row: no cycles to look for
            with _Streams(_settings(conn), snapshot, len(queries)) as streams:
                for table in streams.fetch(queries):
                    # Decoded here while the streams fetch the next ranges: the
                    # geometries are the part that needs the interpreter.
                    tables.append(table.drop_columns([table.column_names[-1]]))
                    shapes.append(shapely.from_wkb(_wkb(table.column(table.num_columns - 1))))
            frame = _frame(plan, _large(pa.concat_tables(tables)), np.concatenate(shapes))
    except Exception as exc:  # the session re-reads, and says what it was
        # The driver reports a failure inside the COPY without its SQLSTATE (an
        # overflow, a permission, a dropped connection look alike), and callers
        # act on the kind: the session's own reader runs the same query and
        # raises psycopg's exception for it, or succeeds where the driver cannot.
        conn.rollback()
        why = _scrubbed(exc, conn)
        _log.warning("PostGIS fast read failed (%s); reading through the session", why)
        return reader.read_frame(conn, plan, rows=rows)
    if snapshot is not None:
        conn.rollback()  # the snapshot's transaction: it was read-only
    return frame


def _frame(
    plan: reader.TablePlan, attributes: pa.Table, geometry: np.ndarray[Any, Any]
) -> geopandas.GeoDataFrame:
    """The frame of the rows read, in key order (sorted here: on the server it cost more)."""
    if not attributes.num_rows:
        return reader.read_frame_empty(plan)
    if plan.key is not None:
        keys = attributes.column(0).to_numpy()
        if not (keys[1:] >= keys[:-1]).all():
            order = np.argsort(keys, kind="stable")
            attributes, geometry = attributes.take(pa.array(order)), geometry[order]
    columns = _columns(attributes)
    if plan.key is not None:  # the row versions: xid, which the driver leaves as 4 bytes each
        columns.values[1] = _xids(attributes.column(1))
    columns.values.append(None)  # where the WKB was: the geometry is given decoded
    columns.nulls.append(np.zeros(0, dtype=bool))
    frame = reader.batch_frame(plan, columns, 0, geometry=geometry)
    return frame.set_crs(plan.crs, allow_override=True) if plan.crs is not None else frame


def _large(table: pa.Table) -> pa.Table:
    """``table`` with 64-bit offsets for text: one column of a big table may hold more
    than 2 GiB of text, which 32-bit offsets cannot join into one array."""
    wide = pa.schema(
        field.with_type(pa.large_string()) if pa.types.is_string(field.type) else field
        for field in table.schema
    )
    return table.cast(wide) if not wide.equals(table.schema) else table


def _xids(column: pa.ChunkedArray) -> np.ndarray[Any, Any]:
    """PostgreSQL ``xid`` values as the driver sends them (4 big-endian bytes) as numbers."""
    parts = []
    for chunk in column.chunks:
        storage = chunk.storage if isinstance(chunk, pa.ExtensionArray) else chunk
        offsets = np.frombuffer(storage.buffers()[1], dtype=np.int32)[
            storage.offset : storage.offset + len(storage) + 1
        ]
        if len(storage) and not (np.diff(offsets) == 4).all():
            raise ValueError("row versions (xid) not of 4 bytes each")
        data = np.frombuffer(storage.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        parts.append(data.view(">u4").astype(np.int64))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _wkb(column: pa.ChunkedArray) -> np.ndarray[Any, Any]:
    """The geometry column's (E)WKB as ``bytes`` (None for NULL), what shapely reads."""
    storage = [c.storage if isinstance(c, pa.ExtensionArray) else c for c in column.chunks]
    if not storage:
        return np.empty(0, dtype=object)
    if len(storage) > 1:  # 64-bit offsets: together they may pass 2 GiB
        storage = [chunk.cast(pa.large_binary()) for chunk in storage]
    joined = pa.concat_arrays(storage) if len(storage) > 1 else storage[0]
    wkb: np.ndarray[Any, Any] = joined.to_numpy(zero_copy_only=False)
    return wkb


def _page_ranges(conn: psycopg.Connection[Any], plan: reader.TablePlan) -> list[ServerFilter]:
    """Conditions splitting a large plain table into page ranges, in order ([]: read it whole)."""
    streams = stream_count()
    if streams < 2 or conn.info.server_version < _TID_RANGE_SCANS:
        return []
    # The size on disk now: relpages is only counted by VACUUM and ANALYZE.
    query = (
        "SELECT relkind, pg_relation_size(oid) / current_setting('block_size')::int "
        "FROM pg_class WHERE oid = to_regclass(%s)"
    )
    name = reader.table_identifier(plan.table.table).as_string(conn)
    with conn.cursor() as cursor:
        found = cursor.execute(query, (name,)).fetchone()
    if found is None or found[0] != "r" or int(found[1]) < PARALLEL_PAGES:
        return []
    pages = int(found[1])
    if pages < 2:
        return []
    # A few ranges per stream: the first ones are decoded while the rest arrive.
    count = min(streams * _RANGES_PER_STREAM, max(streams, pages // _RANGE_PAGES), pages)
    step = -(-pages // count)
    bounds = [f"({start},0)" for start in range(step, pages, step)]
    ranges = [ServerFilter(sql.SQL("ctid < %s::tid"), (bounds[0],))]
    ranges += [
        ServerFilter(sql.SQL("ctid >= %s::tid AND ctid < %s::tid"), (low, high))
        for low, high in pairwise(bounds)
    ]
    # The table may have grown since its pages were counted: the last range is open.
    ranges.append(ServerFilter(sql.SQL("ctid >= %s::tid"), (bounds[-1],)))
    return ranges


def stream_count() -> int:
    """How many streams read a large table: the processors here, at most :data:`MAX_STREAMS`."""
    return min(MAX_STREAMS, os.cpu_count() or 1)


def _exported_snapshot(conn: psycopg.Connection[Any]) -> str | None:
    """The session's snapshot for the streams to share (None: the server cannot export one)."""
    try:
        with conn.cursor() as cursor:
            found = cursor.execute("SELECT pg_export_snapshot()").fetchone()
    except psycopg.Error:
        conn.rollback()
        return None
    return str(found[0]) if found else None


def _statement(
    conn: psycopg.Connection[Any], plan: reader.TablePlan, rows: ServerFilter | None
) -> str:
    """The SELECT as text, any values bound by psycopg on the client."""
    query = reader.select_rows(plan, rows)
    if rows is None:
        return query.as_string(conn)
    return psycopg.ClientCursor(conn).mogrify(query, rows.params)


def _settings(conn: psycopg.Connection[Any]) -> str:
    """The session's own connection settings (and password) for the driver's libpq.

    Every setting the session was opened with, as libpq resolved them (from a
    service in ``pg_service.conf`` too: its ``options``, SSL certificates,
    ``channel_binding``...), so that the streams connect as the session did;
    the service itself is left out, as the driver's libpq may look for the
    file elsewhere. The host is the one the session reached.
    """
    info = conn.info
    given: dict[str, str | int | None] = dict(info.get_parameters())
    given.pop("service", None)
    given.update(
        host=info.host,
        port=info.port,
        dbname=info.dbname,
        user=info.user,
        password=info.password or None,
        connect_timeout=CONNECT_TIMEOUT,
        application_name="mapdesk",
        # Text arrives in the client encoding; Arrow strings are UTF-8.
        client_encoding="UTF8",
    )
    if "hostaddr" in given:  # the address reached, of those listed
        given["hostaddr"] = info.hostaddr
    return make_conninfo("", **{k: v for k, v in given.items() if v is not None})


def _database(settings: str) -> adbc_driver_manager.AdbcDatabase:
    import adbc_driver_postgresql

    with _databases_lock:
        found = _databases.get(settings)
        if found is not None:
            _databases.move_to_end(settings)
            return found
    made: adbc_driver_manager.AdbcDatabase = adbc_driver_postgresql.connect(settings)
    with _databases_lock:
        _databases[settings] = made
        while len(_databases) > _KEPT_DATABASES:
            # Not closed here: a read may still use it; it closes when unreferenced.
            _databases.popitem(last=False)
    return made


class _Streams:
    """Up to :func:`stream_count` connections of the driver fetching queries at once.

    Each worker thread opens one connection, in one read-only transaction (in
    the ``snapshot`` when given), and runs the queries it is handed in turn.
    The driver works without holding the interpreter, so while the workers
    fetch, the caller decodes what has arrived.
    """

    def __init__(self, settings: str, snapshot: str | None, queries: int) -> None:
        self._settings, self._snapshot = settings, snapshot
        self._pool = ThreadPoolExecutor(
            min(queries, stream_count()), thread_name_prefix="postgis-read"
        )
        self._local = threading.local()
        self._opened: list[adbc_driver_manager.AdbcConnection] = []
        self._lock = threading.Lock()

    def __enter__(self) -> _Streams:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for connection in self._opened:
            try:
                connection.rollback()
            finally:
                connection.close()

    def fetch(self, queries: list[str]) -> Iterator[pa.Table]:
        """Each query's rows, in the order of ``queries``."""
        futures = [self._pool.submit(self._fetch, query) for query in queries]
        for future in futures:
            yield future.result()

    def _fetch(self, query: str) -> pa.Table:
        import adbc_driver_manager

        with closing(adbc_driver_manager.AdbcStatement(self._connection())) as statement:
            statement.set_sql_query(query)
            stream, _ = statement.execute_query()
            return pa.RecordBatchReader._import_from_c(stream.address).read_all()

    def _connection(self) -> adbc_driver_manager.AdbcConnection:
        """This thread's connection, opened in the read's transaction."""
        import adbc_driver_manager

        found: adbc_driver_manager.AdbcConnection | None = getattr(self._local, "connection", None)
        if found is not None:
            return found
        connection = adbc_driver_manager.AdbcConnection(_database(self._settings))
        with self._lock:
            self._opened.append(connection)
        connection.set_autocommit(False)  # BEGIN: the settings below need a transaction
        if self._snapshot is not None:
            _execute(connection, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            _execute(connection, f"SET TRANSACTION SNAPSHOT {sql.quote(self._snapshot)}")
        else:
            _execute(connection, "SET TRANSACTION READ ONLY")
        self._local.connection = connection
        return connection


def _execute(connection: adbc_driver_manager.AdbcConnection, text: str) -> None:
    import adbc_driver_manager

    with closing(adbc_driver_manager.AdbcStatement(connection)) as statement:
        statement.set_sql_query(text)
        statement.execute_update()


def _columns(table: pa.Table) -> Columns:
    """The Arrow columns as the binary COPY decoder gives them (see reader.batch_frame)."""
    values: list[Any] = []
    nulls: list[np.ndarray[Any, Any]] = []
    for chunked in table.columns:
        column = chunked.combine_chunks()
        nulls.append(column.is_null().to_numpy(zero_copy_only=False))
        if isinstance(column, pa.ExtensionArray):  # a type opaque to Arrow: the row versions
            values.append(column.storage)  # (decoded by _xids; fields of such types come as text)
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            values.append(column)
        else:
            values.append(column.to_numpy(zero_copy_only=False))
    return Columns(values, nulls, table.num_rows)


def _scrubbed(exc: Exception, conn: psycopg.Connection[Any]) -> str:
    return " ".join(scrub(str(exc), conn.info.password).split())[:300]
