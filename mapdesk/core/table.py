"""The attribute table's logic without Qt: which rows, in which order, and column facts.

The table shows a layer's rows through an index array (positions into the
layer's data): filtering and sorting only make a new index array, never a
copy of a million-row table, and never a proxy model walking rows in Python.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from mapdesk.core.editing.values import is_missing
from mapdesk.core.expression import matches
from mapdesk.core.layer import VectorLayer

Rows = npt.NDArray[np.intp]

#: How a missing value reads in the table (as in QGIS).
NULL_TEXT = "NULL"


def all_rows(layer: VectorLayer) -> Rows:
    return np.arange(layer.feature_count, dtype=np.intp)


def filter_rows(layer: VectorLayer, expression: str = "", selected_only: bool = False) -> Rows:
    """Rows (positions, in layer order) passing an expression and/or the selection.

    Raises
    ------
    ExpressionError
        If ``expression`` is not a valid condition on the layer's fields.
    """
    keep = np.ones(layer.feature_count, dtype=bool)
    if expression.strip():
        keep &= matches(expression, layer.data)
    if selected_only:
        chosen = np.zeros(layer.feature_count, dtype=bool)
        chosen[layer.selection.rows(layer.data.index)] = True
        keep &= chosen
    return np.flatnonzero(keep).astype(np.intp)


def sorted_rows(column: pd.Series, rows: Rows, descending: bool = False) -> Rows:
    """``rows`` ordered by the column's values; NULLs last; ties keep their order."""
    if len(rows) < 2:
        return rows
    values = column.iloc[rows].reset_index(drop=True)
    try:
        ordered = values.sort_values(ascending=not descending, na_position="last", kind="stable")
    except (TypeError, ValueError):
        # Values that do not compare with each other (GeoJSON arrays and
        # objects, numbers mixed with text) sort by the text the table shows.
        ordered = _as_text(values).sort_values(
            ascending=not descending, na_position="last", kind="stable"
        )
    order = np.asarray(ordered.index.to_numpy(), dtype=np.intp)
    return np.asarray(rows[order], dtype=np.intp)


def _as_text(values: pd.Series) -> pd.Series:
    """Each value as :func:`display_text` shows it, NULLs kept missing."""
    texts = [None if is_missing(v) else display_text(v) for v in values.tolist()]
    return pd.Series(texts, index=values.index, dtype=object)


@dataclass(frozen=True)
class ColumnStatistics:
    """What the table's column menu shows about a field (over the rows shown)."""

    count: int
    nulls: int
    unique: int
    minimum: Any
    maximum: Any
    mean: float | None


def column_statistics(column: pd.Series, rows: Rows | None = None) -> ColumnStatistics:
    """Count, NULLs, distinct values, min/max and (numbers) the mean."""
    values = column if rows is None else column.iloc[rows]
    present = values.dropna()
    numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )
    ordered = numeric or pd.api.types.is_datetime64_any_dtype(values.dtype) or _is_text(values)
    return ColumnStatistics(
        count=len(values),
        nulls=int(len(values) - len(present)),
        unique=int(present.nunique()),
        minimum=_plain(present.min()) if ordered and len(present) else None,
        maximum=_plain(present.max()) if ordered and len(present) else None,
        mean=float(present.mean()) if numeric and len(present) else None,
    )


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(values.dtype)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def display_text(value: Any) -> str:
    """A cell as the table shows it: NULL for missing, whole numbers without '.0'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NULL_TEXT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.10g}"
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
        return text[:-7] if text.endswith(".000000") else text
    return str(value)


#: Most characters a table cell or identify row shows; the whole value is one
#: "View Full Value…" away. Qt lays out every character of a cell it paints, so
#: a 10 MB description would freeze the table at each repaint.
CELL_CHARS = 1000


def shortened(text: str, limit: int = CELL_CHARS) -> str:
    """``text`` cut at ``limit`` characters, saying how long it really is.

    Examples
    --------
    >>> shortened("abcdef", 3)
    'abc… (6 characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"
