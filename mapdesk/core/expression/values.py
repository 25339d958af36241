"""Typed columns of values with SQL nulls: what the evaluator computes with.

A value is a whole column (a pandas Series over the rows, positions 0..n-1)
or one scalar for every row (a literal, ``now()``), with a separate null
mask. Keeping nulls apart from the data gives SQL's three-valued logic
exactly (``NULL = 1`` is NULL, ``FALSE AND NULL`` is FALSE) whatever the
column's storage, and the same rules a PostGIS query would follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

BoolArray = npt.NDArray[np.bool_]

#: The kinds of value a user sees: a field's type in the attribute table.
NUMBER, TEXT, BOOL, DATETIME, NULL = "number", "text", "boolean", "date/time", "null"


@dataclass(frozen=True)
class Value:
    """One value per row: ``data`` is a Series (length n) or a scalar for all rows.

    Where ``null`` is True the data holds a harmless filler (0, "", False, a
    date) so that vectorised operations never meet a missing value.
    """

    kind: str
    data: Any
    null: BoolArray | bool

    @property
    def is_column(self) -> bool:
        return isinstance(self.data, pd.Series)


def null_value() -> Value:
    return Value(NULL, None, True)


def scalar(value: Any) -> Value:
    """A literal's value for every row."""
    if value is None:
        return null_value()
    if isinstance(value, bool):
        return Value(BOOL, value, False)
    if isinstance(value, int | float):
        return Value(NUMBER, value, False)
    if isinstance(value, pd.Timestamp):
        return Value(DATETIME, value, False)
    return Value(TEXT, str(value), False)


def column(series: pd.Series) -> Value:
    """A field's values as a Value, its missing cells as nulls."""
    values = series.reset_index(drop=True)
    missing = np.asarray(values.isna(), dtype=bool)
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return Value(BOOL, values.fillna(False).astype(bool), missing)
    if pd.api.types.is_numeric_dtype(dtype):
        target: Any = "float64" if missing.any() else _plain_numeric(dtype)
        filled = values.astype(target)
        return Value(NUMBER, filled.fillna(0), missing)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        filler = values[~missing].iloc[0] if (~missing).any() else pd.Timestamp(0, tz=_tz(values))
        return Value(DATETIME, values.fillna(filler), missing)
    return _object_column(values, missing)


def _plain_numeric(dtype: Any) -> str:
    kind = np.dtype(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype).kind
    return "int64" if kind in "iu" else "float64"


def _tz(values: pd.Series) -> Any:
    return getattr(values.dt, "tz", None)


def _object_column(values: pd.Series, missing: BoolArray) -> Value:
    present = values[~missing]
    inferred = pd.api.types.infer_dtype(present, skipna=True) if len(present) else "string"
    if inferred in ("date", "datetime", "datetime64"):
        return column(pd.to_datetime(values))
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return column(pd.to_numeric(values))
    if inferred == "boolean":
        return column(values.astype("boolean"))
    text = values.astype("string").fillna("")
    return Value(TEXT, text, missing)


def either_null(*values: Value) -> BoolArray | bool:
    """Null where any operand is null."""
    result: Any = np.bool_(False)
    for value in values:
        result = result | np.asarray(value.null, dtype=bool)
    return result if np.ndim(result) else bool(result)


def truth(value: Value) -> tuple[Any, Any]:
    """(known true, known false) masks of a boolean value (numpy bools, never Python's:
    ``~True`` is -2 in Python)."""
    null = np.asarray(value.null, dtype=bool)
    data = value.data.to_numpy(dtype=bool) if value.is_column else np.bool_(value.data)
    return data & ~null, ~data & ~null


def as_series(value: Value, index: pd.Index) -> pd.Series:
    """The value as a pandas Series over ``index``, nulls as <NA> (or NaT)."""
    count = len(index)
    data = value.data if value.is_column else pd.Series([value.data] * count)
    null = np.broadcast_to(np.asarray(value.null, dtype=bool), (count,))
    if value.kind == NULL:
        return pd.Series([pd.NA] * count, index=index, dtype="object")
    if value.kind == DATETIME:
        stamps = pd.Series(pd.DatetimeIndex(pd.to_datetime(data)), index=index)
        return stamps.mask(null)
    dtype: Any = {BOOL: "boolean", TEXT: "string"}.get(value.kind, _number_dtype(data))
    result: pd.Series = pd.Series(data.to_numpy(), index=index).astype(dtype)
    return result.mask(null)


def _number_dtype(data: pd.Series) -> str:
    return "Int64" if pd.api.types.is_integer_dtype(data.dtype) else "Float64"
