"""A GDAL Arrow stream into a GeoDataFrame, without the per-feature Python work.

``pyogrio.read_dataframe(use_arrow=True)`` turns the whole Arrow table into
pandas first, so a million-feature layer costs a million Python ``bytes``
objects for the WKB, then a million shapely objects, then a string parse of
every datetime. Opening the 1M-point benchmark layer spent 2.8 s there. This
module builds the same frame (same columns, dtypes, index and CRS; a test
compares the two on every kind of file) from the Arrow buffers:

- attributes only go through ``to_pandas`` (the WKB never becomes Python bytes);
- 2D points, the common million-feature case, are decoded from the WKB
  buffer with numpy and built with ``shapely.points``;
- datetimes GDAL gives as ISO 8601 strings are parsed by Arrow when they are
  all naive or all UTC, and by pandas (as pyogrio does) otherwise.
"""

from __future__ import annotations

import warnings
from typing import Any

import geopandas
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from mapdesk.core.collector import collector_paused
from mapdesk.io.json_limits import parse_property

#: Bytes of one little-endian 2D WKB point: order (1), type (4), x and y (8 each).
_WKB_POINT_SIZE = 21
_WKB_POINT = 1
#: Points are built in slices so the reading thread gives the GIL back to the
#: UI thread between them (shapely holds it while it makes objects).
_POINT_SLICE = 65_536


def frame_from_arrow(meta: dict[str, Any], table: pa.Table) -> pd.DataFrame:
    """The frame pyogrio's ``read_dataframe(use_arrow=True, fid_as_index=True)`` gives.

    ``table`` must come from ``pyogrio.read_arrow(..., datetime_as_string=True,
    return_fids=True)``. A plain DataFrame when the layer has no geometry.

    Raises
    ------
    shapely.errors.GEOSException
        When a WKB value cannot be decoded (the caller tries a slower reader).
    """
    geometry_name = meta["geometry_name"] or "wkb_geometry"
    has_geometry = geometry_name in table.column_names
    wkb = table.column(geometry_name) if has_geometry else None
    if has_geometry:
        table = table.drop_columns([geometry_name])
    table, unparsed = _parse_datetimes(table, meta)
    order = table.column_names
    table, exact = _exact_integers(table)
    frame: pd.DataFrame = table.to_pandas()
    del table
    if exact:
        for name, column in exact.items():
            frame[name] = column  # not assign(**exact): a field may be called "self"
        frame = frame[order]
    for field in unparsed:
        frame[field] = parse_with_pandas(frame[field])
    _parse_json(frame, meta)
    frame = frame.set_index(meta["fid_column"])
    frame.index.names = ["fid"]
    if wkb is None:
        return frame
    frame["geometry"] = geometries_from_wkb(wkb)
    spatial: pd.DataFrame = geopandas.GeoDataFrame(frame, geometry="geometry", crs=meta["crs"])
    return spatial


#: Integers a float64 holds exactly (pandas reads integer columns with NULLs as float64).
_EXACT_IN_FLOAT = 2**53


def _exact_integers(table: pa.Table) -> tuple[pa.Table, dict[str, pd.Series]]:
    """64-bit integer columns that float64 would round, as nullable Int64 instead.

    pandas turns an integer column with NULLs into float64, which the rest
    of mapdesk expects; but beyond 2**53 a float64 drops the last digits of
    an ID, so such columns (only those) are read as pandas' nullable Int64.
    """
    exact: dict[str, pd.Series] = {}
    for name in table.column_names:
        column = table.column(name)
        if not pa.types.is_integer(column.type) or column.null_count == 0:
            continue
        low_high = pc.min_max(column)
        low, high = low_high["min"].as_py(), low_high["max"].as_py()
        if low is not None and max(abs(low), abs(high)) > _EXACT_IN_FLOAT:
            exact[name] = column.to_pandas(types_mapper={column.type: pd.Int64Dtype()}.get)
    if exact:
        table = table.drop_columns(list(exact))
    return table, exact


def geometries_from_wkb(wkb: pa.ChunkedArray | pa.Array) -> np.ndarray[Any, Any]:
    """Shapely geometries (None for null) from an Arrow array of WKB values."""
    column = wkb.combine_chunks() if isinstance(wkb, pa.ChunkedArray) else wkb
    if isinstance(column.type, pa.ExtensionType):
        column = column.storage
    coordinates = _point_coordinates(column)
    with collector_paused():
        if coordinates is not None:
            return _points(coordinates)
        wkb_values = column.to_numpy(zero_copy_only=False)
        decoded: np.ndarray[Any, Any] = shapely.from_wkb(wkb_values, on_invalid="raise")
    return decoded


def _point_coordinates(column: pa.Array) -> np.ndarray[Any, Any] | None:
    """x, y of every value when all are non-null, non-empty little-endian 2D points.

    Anything else (nulls, NaN coordinates of an empty point, Z or M, big-endian,
    other types) returns None and goes through ``shapely.from_wkb``.
    """
    if len(column) == 0 or column.null_count or column.type not in (pa.binary(), pa.large_binary()):
        return None
    offset_type = np.int64 if column.type == pa.large_binary() else np.int32
    _, offset_buffer, data_buffer = column.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=offset_type)[
        column.offset : column.offset + len(column) + 1
    ]
    if not np.all(np.diff(offsets) == _WKB_POINT_SIZE):
        return None
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    records = data.reshape(-1, _WKB_POINT_SIZE)
    if not np.all(records[:, 0] == 1):
        return None
    kinds = np.ascontiguousarray(records[:, 1:5]).view("<u4").ravel()
    if not np.all(kinds == _WKB_POINT):
        return None
    coordinates = np.ascontiguousarray(records[:, 5:]).view("<f8").reshape(-1, 2)
    if np.isnan(coordinates).any():
        return None
    return coordinates


def _points(coordinates: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    result = np.empty(len(coordinates), dtype=object)
    for start in range(0, len(coordinates), _POINT_SLICE):
        stop = start + _POINT_SLICE
        result[start:stop] = shapely.points(coordinates[start:stop])
    return result


def _datetime_fields(meta: dict[str, Any]) -> list[str]:
    # GDAL gives dates (not datetimes) as Arrow date32, which pandas keeps.
    return [
        str(field)
        for dtype, field in zip(meta["dtypes"], meta["fields"], strict=True)
        if dtype is not None and str(dtype).startswith("datetime") and dtype != "datetime64[D]"
    ]


def _parse_datetimes(table: pa.Table, meta: dict[str, Any]) -> tuple[pa.Table, list[str]]:
    """The table with datetime strings Arrow can parse as timestamps; the fields left over."""
    left = []
    for field in _datetime_fields(meta):
        index = table.schema.get_field_index(field)
        parsed = arrow_timestamps(table.column(index))
        if parsed is None:
            left.append(field)
        else:
            table = table.set_column(index, field, parsed)
    return table, left


def arrow_timestamps(texts: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """GDAL's ISO 8601 strings as Arrow timestamp[ms] when all are naive or all UTC ("Z").

    Arrow parses a million of them 30x faster than pandas. None for anything
    else (fixed or mixed offsets, strings that are not datetimes): those keep
    pyogrio's rules, in ``parse_with_pandas``.
    """
    if pa.types.is_timestamp(texts.type):
        return texts
    if not pa.types.is_string(texts.type) and not pa.types.is_large_string(texts.type):
        return None
    try:
        return pc.cast(texts, pa.timestamp("ms"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if not pc.all(pc.ends_with(texts, "Z")).as_py():
        return None
    try:
        return pc.cast(texts, pa.timestamp("ms", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def parse_with_pandas(texts: pd.Series) -> pd.Series:
    """ISO 8601 strings as pyogrio parses them: one offset gives a fixed-offset
    column, mixed offsets are converted to UTC, non-datetimes stay strings."""
    try:
        parsed = pd.to_datetime(texts, format="ISO8601")
    except ValueError as exc:
        if "Mixed timezones" not in str(exc):
            warnings.warn(
                f"Error parsing datetimes, original strings are returned: {exc}", stacklevel=3
            )
            return texts
        try:
            parsed = pd.to_datetime(texts, format="ISO8601", utc=True)
        except ValueError as again:
            warnings.warn(
                f"Error parsing datetimes, original strings are returned: {again}", stacklevel=3
            )
            return texts
    if parsed.dtype.kind == "M":
        return parsed.dt.as_unit("ms")
    return parsed


def _parse_json(frame: pd.DataFrame, meta: dict[str, Any]) -> None:
    subtypes = meta.get("ogr_subtypes")
    if subtypes is None:
        return
    for subtype, field in zip(subtypes, meta["fields"], strict=True):
        if subtype != "OFSTJSON" or pd.api.types.infer_dtype(frame[field]) != "string":
            continue
        try:
            frame[field] = frame[field].map(parse_property, na_action="ignore")
        except ValueError:
            warnings.warn(
                f"Could not parse column {field!r} as JSON; leaving as string", stacklevel=3
            )
