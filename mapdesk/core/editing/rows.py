"""Feature rows in and out of a frame, by fid, without touching the others.

Every edit is "these fids had these rows, now they have those": the same two
functions undo and redo it. A frame is never modified in place: a render
thread may be drawing the previous one (pandas copy-on-write copies only the
columns that change).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

#: Nullable versions of the numpy dtypes that cannot hold an empty value.
_NULLABLE = {"i": "Int64", "u": "UInt64", "b": "boolean"}


def rows_of(frame: gpd.GeoDataFrame, fids: Iterable[Any]) -> gpd.GeoDataFrame:
    """The rows of those of ``fids`` that ``frame`` holds (a copy)."""
    wanted = pd.Index(list(fids))
    present = wanted[wanted.isin(frame.index)]
    rows: gpd.GeoDataFrame = frame.loc[present].copy()
    return rows


def set_value(rows: gpd.GeoDataFrame, fid: Any, name: str, value: Any) -> None:
    """Set one cell of ``rows`` (a copy the caller owns), making room for an empty value."""
    column = rows[name]
    if value is None and column.dtype.kind in _NULLABLE:
        rows[name] = column.astype(_NULLABLE[column.dtype.kind])
    rows.loc[fid, name] = value


def with_rows(
    frame: gpd.GeoDataFrame, fids: Sequence[Any], rows: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """``frame`` where the features ``fids`` are exactly ``rows``.

    A fid in ``rows`` replaces or adds that feature; a fid of ``fids`` missing
    from ``rows`` is deleted. Other features keep their values and order; new
    ones go where their fid sorts when the frame was in fid order.
    """
    affected = pd.Index(list(fids))
    gone = affected[affected.isin(frame.index) & ~affected.isin(rows.index)]
    result = frame.drop(index=gone) if len(gone) else frame.copy(deep=False)
    kept = rows.index[rows.index.isin(result.index)]
    if len(kept):
        result = _assigned(result, rows.loc[kept])
    new = rows.index[~rows.index.isin(result.index)]
    if len(new):
        result = _appended(result, rows.loc[new])
    # What the reader recorded (field types, rules) stays with the features:
    # the next edit session, after a save, checks values against it too.
    result.attrs.update(frame.attrs)
    return result


def _assigned(frame: gpd.GeoDataFrame, rows: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    positions = frame.index.get_indexer(rows.index)
    for column in frame.columns:
        if column not in rows.columns:  # a virtual field added after the edit
            continue
        values = rows[column]
        current = frame[column]
        if values.hasnans and current.dtype.kind in _NULLABLE:
            frame[column] = current.astype(_NULLABLE[current.dtype.kind])
        if values.dtype != frame[column].dtype and column != frame.geometry.name:
            values = _cast(values, frame[column].dtype)
        frame.iloc[positions, frame.columns.get_loc(column)] = values.to_numpy()
    return frame


def _cast(values: pd.Series, dtype: Any) -> pd.Series:
    try:
        return values.astype(dtype)
    except (TypeError, ValueError):
        return values


def _appended(frame: gpd.GeoDataFrame, rows: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    in_fid_order = frame.index.is_monotonic_increasing
    combined = pd.concat([frame, rows.reindex(columns=frame.columns)])
    result = gpd.GeoDataFrame(combined, geometry=frame.geometry.name, crs=frame.crs)
    if in_fid_order:
        result = result.sort_index(kind="stable")
    return result


def new_rows(
    frame: gpd.GeoDataFrame, fids: Sequence[Any], records: Sequence[dict[str, Any]]
) -> gpd.GeoDataFrame:
    """Rows for new features with the frame's columns and, where they fit, its dtypes.

    A field a record leaves out is empty. An integer or boolean field given an
    empty value becomes its nullable version (Int64, boolean) rather than float.
    """
    geometry_name = frame.geometry.name
    columns: dict[str, Any] = {}
    for column in frame.columns:
        values = [record.get(column) for record in records]
        if column == geometry_name:
            columns[column] = gpd.GeoSeries(values, crs=frame.crs).array
        else:
            columns[column] = _typed_array(values, frame[column].dtype)
    index = pd.Index(list(fids), name=frame.index.name, dtype=frame.index.dtype)
    rows = gpd.GeoDataFrame(columns, index=index, geometry=geometry_name, crs=frame.crs)
    return rows


def _typed_array(values: list[Any], dtype: Any) -> Any:
    if any(v is None for v in values) and dtype.kind in _NULLABLE:
        dtype = _NULLABLE[dtype.kind]
    try:
        return pd.array(values, dtype=dtype)
    except (TypeError, ValueError):
        return np.asarray(values, dtype=object)
