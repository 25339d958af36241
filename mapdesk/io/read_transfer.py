"""A :class:`LayerRead` as one Arrow IPC stream, to cross from the reader sandbox.

Features to write cross the other way the same way (:func:`frame_to_ipc`):
big whole-file writes run in the sandbox's child too (:mod:`mapdesk.io.whole_file`).

The sandbox's child process (see :mod:`mapdesk.io.sandbox`) reads a file and
hands the result back as bytes. Pickling a GeoDataFrame would pickle a
million shapely objects one by one; Arrow IPC carries the attributes as
columns and the geometries as one WKB column, and the parent decodes 2D
points straight from the WKB buffer (:func:`geometries_from_wkb`).

What the stream holds:

- the attributes, with the frame's index, through ``pa.Table.from_pandas``
  (its pandas metadata restores dtypes, nullable integers, time zones);
- the geometry as WKB in a column named :data:`_WKB`;
- in the schema metadata, as JSON: the CRS's own definition text (the WKT
  GDAL gave, or an authority code), the :class:`Source` and the warnings;
- columns Arrow cannot type (mixed Python objects, e.g. parsed JSON fields)
  and the frame's ``attrs`` (declared field types, GeoPackage field rules)
  pickled in the schema metadata, so nothing a reader returns is lost.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import asdict
from typing import Any

import geopandas
import numpy as np
import pandas as pd
import pyarrow as pa
import pyproj
import shapely

from mapdesk.io.arrow_frame import geometries_from_wkb
from mapdesk.io.sources import LayerRead, Source

_WKB = "__mapdesk_wkb__"
_META = b"mapdesk.read"
_OBJECTS = b"mapdesk.objects"
_ATTRS = b"mapdesk.attrs"


def read_to_ipc(result: LayerRead) -> pa.Buffer:
    """``result`` as an Arrow IPC stream (see the module docstring)."""
    about = {"source": asdict(result.source), "warnings": list(result.warnings)}
    return _to_ipc(result.frame, about)


def read_from_ipc(data: Any) -> LayerRead:
    """The :class:`LayerRead` :func:`read_to_ipc` wrote into ``data`` (bytes or a buffer)."""
    frame, meta = _from_ipc(data)
    return LayerRead(frame, Source(**meta["source"]), tuple(meta["warnings"]))


def frame_to_ipc(frame: pd.DataFrame) -> pa.Buffer:
    """``frame`` alone as an Arrow IPC stream: features to write, sent to the writer child."""
    return _to_ipc(frame, {})


def frame_from_ipc(data: Any) -> pd.DataFrame:
    """The frame :func:`frame_to_ipc` wrote into ``data`` (bytes or a buffer)."""
    return _from_ipc(data)[0]


def _to_ipc(frame: pd.DataFrame, about: dict[str, Any]) -> pa.Buffer:
    spatial = isinstance(frame, geopandas.GeoDataFrame)
    geometry = frame.geometry.array if spatial else None
    name = frame.geometry.name if spatial else None
    attributes = pd.DataFrame(frame.drop(columns=name) if spatial else frame)
    text, objects = _object_columns(attributes)
    table = pa.Table.from_pandas(attributes.drop(columns=objects), preserve_index=None)
    if geometry is not None:
        table = table.append_column(_WKB, _wkb_column(geometry))
    meta = {
        "crs": frame.crs.srs if geometry is not None and frame.crs is not None else None,
        "spatial": geometry is not None,
        "geometry": name,
        "order": [str(c) for c in frame.columns],
        "text": text,
        **about,
    }
    extra = {_META: json.dumps(meta).encode("utf-8")}
    if frame.attrs:  # the file's declared field types, geometry type and field rules
        extra[_ATTRS] = pickle.dumps(frame.attrs, protocol=pickle.HIGHEST_PROTOCOL)
    if objects:
        extra[_OBJECTS] = pickle.dumps(attributes[objects], protocol=pickle.HIGHEST_PROTOCOL)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _from_ipc(data: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    table = pa.ipc.open_stream(data).read_all()
    metadata = table.schema.metadata or {}
    meta: dict[str, Any] = json.loads(metadata[_META])
    wkb = table.column(_WKB) if meta["spatial"] else None
    if wkb is not None:
        table = table.drop_columns([_WKB])
    text = {name: table.column(name).to_numpy(zero_copy_only=False) for name in meta["text"]}
    frame: pd.DataFrame = table.drop_columns(meta["text"]).to_pandas()
    del table
    for name, values in text.items():
        frame[name] = pd.Series(values, index=frame.index, dtype=object)
    if _OBJECTS in metadata:
        objects: pd.DataFrame = pickle.loads(metadata[_OBJECTS])
        for name in objects.columns:
            frame[name] = objects[name]
    if wkb is not None:
        crs = pyproj.CRS(meta["crs"]) if meta["crs"] is not None else None
        name = meta.get("geometry") or "geometry"
        frame[name] = geometries_from_wkb(wkb)
        frame = geopandas.GeoDataFrame(frame, geometry=name, crs=crs)
    if list(frame.columns) != meta["order"]:
        frame = frame[meta["order"]]
    if _ATTRS in metadata:
        frame.attrs = pickle.loads(metadata[_ATTRS])
    return frame, meta


#: The first five bytes of a little-endian 2D WKB point: byte order 1, type 1.
_POINT_HEAD = np.array([1, 1, 0, 0, 0], dtype=np.uint8)
_POINT_SIZE = 21


#: Geometries per call into shapely and numpy when encoding: each call holds
#: the GIL, and the app's window must get it back within a frame's time
#: (a million points in one call: 150 ms; in chunks of 65,536: under 15 ms each).
_CHUNK = 65_536


def _wkb_column(geometry: Any) -> pa.Array | pa.ChunkedArray:
    """The geometries as WKB; 2D points written straight from their coordinates.

    ``shapely.to_wkb`` makes one Python ``bytes`` per feature (0.9 s for a
    million points); the point case, the one with a million features, needs
    only a numpy array of 21-byte records. Points with Z or M (a measured
    PointM shapefile) go through ``to_wkb``, which keeps them. Both work in
    chunks of :data:`_CHUNK` (see there why).
    """
    values = np.asarray(geometry)
    count = len(values)
    points = _point_records(values) if count and _plain_points(values) else None
    if points is not None:
        offsets = np.arange(0, (count + 1) * _POINT_SIZE, _POINT_SIZE, dtype=np.int64)
        return pa.Array.from_buffers(
            pa.large_binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(points)]
        )
    chunks = [
        pa.array(shapely.to_wkb(values[start : start + _CHUNK]), type=pa.large_binary())
        for start in range(0, count, _CHUNK)
    ]
    return pa.chunked_array(chunks, type=pa.large_binary())


def _plain_points(values: np.ndarray) -> bool:
    """True when every geometry is a 2D point (no Z, no M)."""
    for start in range(0, len(values), _CHUNK):
        part = values[start : start + _CHUNK]
        if not np.all(shapely.get_type_id(part) == 0):
            return False
        if shapely.has_z(part).any() or shapely.has_m(part).any():
            return False
    return True


def _point_records(values: np.ndarray) -> np.ndarray | None:
    """2D points as 21-byte WKB records; None when one is empty (it has no coordinates)."""
    records = np.empty((len(values), _POINT_SIZE), dtype=np.uint8)
    for start in range(0, len(values), _CHUNK):
        part = values[start : start + _CHUNK]
        coordinates = shapely.get_coordinates(part)
        if len(coordinates) != len(part):
            return None
        block = records[start : start + len(part)]
        block[:, :5] = _POINT_HEAD
        block[:, 5:] = coordinates.astype("<f8").view(np.uint8).reshape(len(part), 16)
    return records


def _object_columns(attributes: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Object columns holding only text (sent as Arrow strings) and the others (pickled).

    Text in an object column (a CSV's columns) must come back as object, not
    as pandas' string dtype, and other objects (parsed JSON, mixed values)
    and a GeoParquet's further geometry columns have no one Arrow type.
    """
    text: list[str] = []
    other: list[str] = []
    for name in attributes.columns:
        column = attributes[name]
        if isinstance(column.dtype, geopandas.array.GeometryDtype):
            other.append(str(name))  # a second geometry column (GeoParquet allows several)
            continue
        if column.dtype != object:
            continue
        try:
            typed = pa.array(column, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            typed = None
        is_text = typed is not None and (
            pa.types.is_string(typed.type) or typed.null_count == len(typed)
        )
        (text if is_text and _missing_are_none(column) else other).append(str(name))
    return text, other


def _missing_are_none(column: pd.Series) -> bool:
    """True when every missing value is None (what Arrow's nulls come back as)."""
    missing = column.isna().to_numpy()
    return all(value is None for value in column.to_numpy()[missing])
