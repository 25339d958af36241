"""Reading a few rows of attribute columns fast, as plain Python values.

Identify reads a handful of rows of every column per click and must stay
near 0.2 ms on a million features; each column storage gets its cheapest
route (numpy take, integer codes, Arrow scalars).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

#: Reads the values of one attribute column at some rows.
ColumnReader = Callable[[npt.NDArray[np.intp]], list[Any]]


def column_reader(column: pd.Series) -> ColumnReader:
    """A function reading the values at given rows of one column, plain Python.

    Identify reads a few rows of every column per click and must stay near
    0.2 ms on a million features, so each storage gets its cheapest route.
    """
    array = column.array
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else ""
    if kind in ("b", "i", "u", "f"):
        return _numbers_reader(np.asarray(array))
    if kind == "M":
        # Microseconds so that tolist() gives datetime objects (ns gives ints).
        return _datetimes_reader(np.asarray(array).astype("datetime64[us]"))
    if hasattr(array, "__arrow_array__"):
        # Arrow-backed columns (pandas' strings) come in many chunks, and a take
        # across chunks costs ~5 ms on a million rows: combine them once.
        arrow = array.__arrow_array__()
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        return _coded_reader(arrow) or (lambda rows: _arrow_values(arrow, rows))

    def read(rows: npt.NDArray[np.intp]) -> list[Any]:
        taken = array.take(rows)
        missing = np.asarray(pd.isna(taken), dtype=bool)
        return [None if m else _plain(v) for v, m in zip(taken, missing, strict=True)]

    return read


#: A column with at most this share of distinct values is read through codes.
CODED_SHARE = 0.05


def _coded_reader(arrow: Any) -> ColumnReader | None:
    """A reader over numpy codes for a column of few distinct values, else None.

    City data is full of such columns (category, status, district): reading
    a handful of rows is then a numpy take and a list lookup (~1 µs) instead
    of one pyarrow scalar per cell (~4 µs each). The codes take 4 bytes a row.
    """
    if not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return None
    encoded = arrow.dictionary_encode()
    values = encoded.dictionary.to_pylist()
    if len(values) > max(1, len(arrow) * CODED_SHARE):
        return None
    codes = encoded.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    lookup = [*values, None]  # the last code stands for a missing value
    return lambda rows: [lookup[code] for code in codes[rows].tolist()]


def _arrow_values(arrow: Any, rows: npt.NDArray[np.intp]) -> list[Any]:
    # A pyarrow take costs ~40 µs however few the rows; identify reads a handful.
    if len(rows) <= 64:
        return [arrow[int(row)].as_py() for row in rows]
    return list(arrow.take(rows).to_pylist())


def _numbers_reader(values: npt.NDArray[Any]) -> ColumnReader:
    if values.dtype.kind == "f":
        return lambda rows: [None if math.isnan(v) else v for v in values[rows].tolist()]
    return lambda rows: list(values[rows].tolist())


def _datetimes_reader(values: npt.NDArray[np.datetime64]) -> ColumnReader:
    def read(rows: npt.NDArray[np.intp]) -> list[Any]:
        taken = values[rows]
        return [None if m else v for v, m in zip(taken.tolist(), np.isnat(taken), strict=True)]

    return read


def _plain(value: Any) -> Any:
    """numpy/pandas scalars to plain Python; missing values to None."""
    if value is None:
        return None
    try:
        if value is np.nan or (not isinstance(value, (str, bytes)) and bool(np.isnat(value))):
            return None
    except TypeError:
        pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
