"""What kind of value each field of a layer holds, as an export sees it.

mapdesk reads an integer field with NULLs as float64 (pandas' way) and keeps
the declared GDAL type beside it (``frame.attrs["field_types"]``), so the
kind of a field comes from both its values and its declaration.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

#: Integers a float64 holds exactly.
EXACT_IN_FLOAT = 2**53


class FieldKind(Enum):
    INT32 = "32-bit integer"
    INT64 = "64-bit integer"
    REAL = "decimal number"
    BOOLEAN = "true/false"
    TEXT = "text"
    DATETIME = "date-time"
    DATE = "date"
    OTHER = "list or object"


_DECLARED = {"OFTInteger": FieldKind.INT32, "OFTInteger64": FieldKind.INT64}


def field_kind(values: pd.Series[Any], declared: str | None = None) -> FieldKind:
    """The kind of one column (``declared``: its GDAL type, when read from a file)."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return FieldKind.BOOLEAN
    if pd.api.types.is_integer_dtype(dtype):
        if declared in _DECLARED:
            return _DECLARED[declared]
        storage: Any = getattr(dtype, "numpy_dtype", dtype)  # Int32 -> int32
        return FieldKind.INT32 if np.dtype(storage).itemsize <= 4 else FieldKind.INT64
    if pd.api.types.is_float_dtype(dtype):
        return _DECLARED.get(declared or "", FieldKind.REAL)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return FieldKind.DATETIME
    if isinstance(dtype, pd.StringDtype):
        return FieldKind.TEXT
    return _object_kind(values.dropna())


def _object_kind(present: pd.Series[Any]) -> FieldKind:
    if len(present) == 0:
        return FieldKind.TEXT
    kinds = {_value_kind(value) for value in present}
    return kinds.pop() if len(kinds) == 1 else FieldKind.OTHER


def _value_kind(value: Any) -> FieldKind:
    # bool before int, datetime before date: each is a subclass of the other.
    if isinstance(value, bool):
        return FieldKind.BOOLEAN
    if isinstance(value, int):
        return FieldKind.INT64
    if isinstance(value, float):
        return FieldKind.REAL
    if isinstance(value, dt.datetime):
        return FieldKind.DATETIME
    if isinstance(value, dt.date):
        return FieldKind.DATE
    if isinstance(value, str):
        return FieldKind.TEXT
    return FieldKind.OTHER


def as_text(value: Any) -> str | None:
    """A value as the text an export writes where a format has no type for it.

    ISO 8601 for dates and date-times, ``true``/``false``, integers in full.
    """
    if not isinstance(value, np.ndarray | list | tuple | dict) and bool(pd.isna(value)):
        return None
    if isinstance(value, np.ndarray):
        value = value.tolist()  # str() of an array elides its middle
    if isinstance(value, np.generic):
        value = value.item()  # numpy's bool, integers and floats as Python's
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) <= EXACT_IN_FLOAT:
        return str(int(value))
    return str(value)


def beyond_float(values: pd.Series[Any]) -> int:
    """How many integers of ``values`` a float64 cannot hold exactly."""
    present = values.dropna()
    if len(present) == 0:
        return 0
    return int(sum(1 for v in present if abs(int(v)) > EXACT_IN_FLOAT))
