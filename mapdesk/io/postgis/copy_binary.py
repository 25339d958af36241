"""PostgreSQL's binary COPY rows turned into columns with numpy, not row by row in Python.

``COPY (SELECT ...) TO STDOUT (FORMAT BINARY)`` sends every row as one
message: a 16-bit field count, then per field a 32-bit length (-1 for NULL)
and the value in the type's binary form (big-endian). Fetching rows through a
cursor builds a Python tuple per row and a Python object per value; for
200,000 parcels that, and transposing the tuples into columns, took longer
than reading the whole GeoPackage. Here the messages of a batch are joined
into one buffer and each field's offsets are found for all rows at once (one
numpy step per column), fixed-size values are read by one ``view`` per
column, and text and WKB become Arrow arrays straight from the buffer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
from psycopg import sql
from psycopg.abc import Buffer

from mapdesk.core.errors import DataSourceError

#: ``PGCOPY\n\377\r\n\0``, then 32-bit flags and header-extension length.
SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_HEADER = len(SIGNATURE) + 8
#: The trailer message: a field count of -1.
TRAILER = b"\xff\xff"
#: Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
_PG_EPOCH_US = 946_684_800_000_000
_PG_EPOCH_DAYS = 10_957

#: Fixed-size binary types: numpy dtype of the value as sent.
FIXED = {
    "int2": ">i2",
    "int4": ">i4",
    "int8": ">i8",
    "xid": ">u4",
    "float4": ">f4",
    "float8": ">f8",
    "bool": "u1",
    "date": ">i4",
    "timestamp": ">i8",
    "timestamptz": ">i8",
}
#: Variable-size types read as bytes: text (UTF-8) and binary (WKB, bytea).
TEXT = frozenset({"text", "varchar", "bpchar", "name"})
BINARY = frozenset({"bytea", "geometry"})


@dataclass(frozen=True)
class Columns:
    """One batch: per column a numpy array (with a NULL mask) or an Arrow array."""

    values: list[Any]
    nulls: list[np.ndarray[Any, Any]]
    rows: int


def copy_out(
    cursor: psycopg.Cursor[Any],
    query: sql.Composable,
    batch_rows: int,
    params: Sequence[Any] | None = None,
) -> Iterator[list[Buffer]]:
    """The messages of ``COPY (query) TO STDOUT (FORMAT BINARY)``, ``batch_rows`` at a time.

    ``params`` are the values of the query's ``%s`` placeholders (None: the
    query has none, and no ``%%`` either). COPY takes no parameters on the
    server, so psycopg binds them on the client (``Cursor.copy(statement,
    params)``): each value is adapted and quoted as a literal by psycopg,
    never formatted into the text here. psycopg merges only a non-empty
    sequence; a query written for parameters that ended with none (a filter
    such as ``name IS NULL``) still has its ``%%`` undoubled by psycopg's
    own client-side merge (``ClientCursor.mogrify``).

    Closing the iterator early makes psycopg cancel the query on the server,
    so it stops sending rows (the session's transaction is then in error: the
    caller's transaction block rolls it back).
    """
    copy_sql: sql.SQL | sql.Composed = sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(query)
    if params is not None and not params:
        copy_sql = sql.SQL(psycopg.ClientCursor(cursor.connection).mogrify(copy_sql, params))
        params = None
    batch: list[Buffer] = []
    with cursor.copy(copy_sql, params) as copy:
        for message in copy:
            batch.append(message)
            if len(batch) > batch_rows:  # the header may come alone, first
                yield batch[:batch_rows]
                batch = batch[batch_rows:]
    yield batch


def decode_rows(messages: Sequence[Buffer], types: Sequence[str]) -> Columns:
    """Decode binary COPY messages (one row each; the header and trailer may be among them).

    Parameters
    ----------
    messages
        What the COPY sent, in order.
    types
        The PostgreSQL type name of each column (keys of :data:`FIXED`, or in
        :data:`TEXT` or :data:`BINARY`).

    Raises
    ------
    DataSourceError
        When the data is not binary COPY rows of ``len(types)`` fields.
    """
    parts = list(messages)
    lengths = np.fromiter((len(m) for m in parts), dtype=np.int64, count=len(parts))
    joined = b"".join(parts)
    buffer = np.frombuffer(joined, dtype=np.uint8)
    starts = np.cumsum(lengths) - lengths
    if len(buffer) >= _HEADER and bytes(buffer[: len(SIGNATURE)]) == SIGNATURE:
        extension = int(_read(buffer, np.array([_HEADER - 4]), ">i4")[0])
        header = _HEADER + extension
        if lengths[0] == header:  # the header came alone
            starts = starts[1:]
        else:
            starts[0] = header
    if len(starts) and _read(buffer, starts[-1:], ">i2")[0] == -1:
        starts = starts[:-1]  # the trailer (alone, or after the header of an empty COPY)
    if len(starts) and not np.all(_read(buffer, starts, ">i2") == len(types)):
        raise DataSourceError(f"PostgreSQL sent rows without {len(types)} fields each")
    position = starts + 2
    values: list[Any] = []
    nulls: list[np.ndarray[Any, Any]] = []
    for type_name in types:
        size = _read(buffer, position, ">i4").astype(np.int64)
        null = size < 0
        data = position + 4
        if type_name in BINARY:
            values.append(_binary(joined, data, np.where(null, 0, size), null))
        else:
            values.append(_column(buffer, data, np.where(null, 0, size), null, type_name))
        nulls.append(null)
        position = data + np.maximum(size, 0)
    return Columns(values, nulls, len(starts))


def _read(buffer: np.ndarray[Any, Any], at: np.ndarray[Any, Any], dtype: str) -> Any:
    """The big-endian value of ``dtype`` at each offset ``at``."""
    width = np.dtype(dtype).itemsize
    gathered = np.empty((len(at), width), dtype=np.uint8)
    for byte in range(width):  # one 1-D gather per byte: far cheaper than a 2-D one
        gathered[:, byte] = buffer[at + byte]
    return gathered.view(dtype).ravel()


def _column(
    buffer: np.ndarray[Any, Any],
    data: np.ndarray[Any, Any],
    size: np.ndarray[Any, Any],
    null: np.ndarray[Any, Any],
    type_name: str,
) -> Any:
    if type_name in FIXED:
        dtype = FIXED[type_name]
        at = np.where(null, 0, data)  # NULLs read a harmless place, then are masked
        raw = _read(buffer, at, dtype) if not null.all() else np.zeros(len(data), dtype=dtype)
        return _fixed(raw, type_name)
    if type_name in TEXT:
        return _text(buffer, data, size, null)
    raise DataSourceError(f"PostgreSQL type {type_name} cannot be read in binary here")


def _fixed(raw: np.ndarray[Any, Any], type_name: str) -> np.ndarray[Any, Any]:
    if type_name == "bool":
        return raw.astype(bool)
    if type_name == "date":
        return (raw.astype(np.int64) + _PG_EPOCH_DAYS).astype("datetime64[D]")
    if type_name in ("timestamp", "timestamptz"):
        # +-infinity arrive as the int64 extremes: NaT, as pandas cannot hold them.
        finite = (raw != np.iinfo(np.int64).max) & (raw != np.iinfo(np.int64).min)
        stamps = np.where(finite, raw + _PG_EPOCH_US, np.iinfo(np.int64).min)
        return stamps.astype("datetime64[us]")
    return raw.astype(raw.dtype.newbyteorder("="))


def _binary(
    joined: bytes,
    data: np.ndarray[Any, Any],
    size: np.ndarray[Any, Any],
    null: np.ndarray[Any, Any],
) -> np.ndarray[Any, Any]:
    """The values as ``bytes`` (None for NULL), what ``shapely.from_wkb`` takes.

    Slices of the joined buffer: WKB is most of a table's bytes, and gathering
    it into an Arrow array first cost more than the slicing.
    """
    ends = data + size
    values = np.empty(len(data), dtype=object)
    values[:] = [joined[a:b] for a, b in zip(data.tolist(), ends.tolist(), strict=True)]
    values[null] = None
    return values


def _text(
    buffer: np.ndarray[Any, Any],
    data: np.ndarray[Any, Any],
    size: np.ndarray[Any, Any],
    null: np.ndarray[Any, Any],
) -> pa.Array:
    """An Arrow string array of the values, copied together in one gather."""
    offsets = np.concatenate(([0], np.cumsum(size))).astype(np.int64)
    total = int(offsets[-1])
    # Byte i of the joined values comes from data[row] + (i - offsets[row]).
    picks = np.repeat(data - offsets[:-1], size) + np.arange(total, dtype=np.int64)
    joined = buffer[picks]
    validity = pa.array(~null).buffers()[1] if null.any() else None
    return pa.Array.from_buffers(
        pa.large_string(),
        len(data),
        [validity, pa.py_buffer(offsets), pa.py_buffer(joined)],
        null_count=int(null.sum()),
    )
