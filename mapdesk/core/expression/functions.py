"""The functions and geometry values an expression may use: a closed list.

A name not in ``FUNCTIONS`` is an error; there is no way to reach any other
Python callable from an expression.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import shapely

from mapdesk.core.errors import ExpressionError
from mapdesk.core.expression.values import (
    DATETIME,
    NUMBER,
    TEXT,
    Value,
    either_null,
)

Compute = Callable[[list[Value], int], Value]


@dataclass(frozen=True)
class FunctionSpec:
    """A function's arity, the kinds each argument takes, and its vectorised body."""

    min_args: int
    max_args: int
    kinds: tuple[tuple[str, ...], ...]
    compute: Compute
    summary: str

    def arity(self) -> str:
        if self.min_args == self.max_args:
            count = self.min_args
            return f"{count} argument{'' if count == 1 else 's'}"
        return f"{self.min_args} to {self.max_args} arguments"


def _text_map(method: Callable[[pd.Series], pd.Series], plain: Callable[[str], Any]) -> Compute:
    def compute(args: list[Value], rows: int) -> Value:
        (value,) = args
        if value.kind != TEXT:
            return Value(TEXT, "", True)
        data = method(value.data.str) if value.is_column else plain(value.data)
        return Value(TEXT, data, value.null)

    return compute


def _length(args: list[Value], rows: int) -> Value:
    (value,) = args
    if value.kind != TEXT:
        return Value(NUMBER, 0, True)
    data = value.data.str.len().astype("int64") if value.is_column else len(value.data)
    return Value(NUMBER, data, value.null)


def _substr(args: list[Value], rows: int) -> Value:
    """substr(text, start[, length]): 1-based start; a negative start counts from the end."""
    text, start = args[0], args[1]
    length = args[2] if len(args) > 2 else None
    null = either_null(*args)
    if any(a.kind != kind for a, kind in zip(args, (TEXT, NUMBER, NUMBER), strict=False)):
        return Value(TEXT, "", True)
    if start.is_column or (length is not None and length.is_column):
        texts, starts = _broadcast(text, rows), _broadcast(start, rows)
        counts = _broadcast(length, rows) if length is not None else [None] * rows
        out = [str(t)[slice(*_bounds(s, c))] for t, s, c in zip(texts, starts, counts, strict=True)]
        return Value(TEXT, pd.Series(out, dtype="string"), null)
    begin, end = _bounds(start.data, None if length is None else length.data)
    data = text.data.str.slice(begin, end) if text.is_column else text.data[begin:end]
    return Value(TEXT, data, null)


def _bounds(start: Any, length: Any) -> tuple[int, int | None]:
    """Python slice bounds of a 1-based (or negative, from the end) substr."""
    first = int(start)
    begin = first - 1 if first > 0 else first
    if length is None:
        return begin, None
    end = begin + max(int(length), 0)
    return begin, None if begin < 0 <= end else end


def _broadcast(value: Value, rows: int) -> list[Any]:
    return list(value.data) if value.is_column else [value.data] * rows


def _coalesce(args: list[Value], rows: int) -> Value:
    kinds = {a.kind for a in args} - {"null"}
    if len(kinds) > 1:
        raise ExpressionError(f"coalesce() needs values of one kind, got {', '.join(kinds)}")
    result = args[-1]
    for arg in reversed(args[:-1]):
        if arg.kind == "null":
            continue
        if result.kind == "null":
            result = arg
            continue
        take = ~np.broadcast_to(np.asarray(arg.null, dtype=bool), (rows,))
        data = _as_column(arg, rows).where(pd.Series(take), _as_column(result, rows))
        null = np.where(take, False, np.broadcast_to(result.null, (rows,)))
        result = Value(arg.kind, data, null)
    return result


def _as_column(value: Value, rows: int) -> pd.Series:
    return value.data if value.is_column else pd.Series([value.data] * rows)


def _abs(args: list[Value], rows: int) -> Value:
    (value,) = args
    if value.kind != NUMBER:  # abs(NULL)
        return Value(NUMBER, 0, True)
    return Value(NUMBER, abs(value.data), value.null)


def _round(args: list[Value], rows: int) -> Value:
    value = args[0]
    digits = int(args[1].data) if len(args) > 1 and not args[1].is_column else 0
    data = value.data.round(digits) if value.is_column else round(float(value.data), digits)
    return Value(NUMBER, data, either_null(*args))


def _now(args: list[Value], rows: int) -> Value:
    # With the local zone: compared with a field without one, it is the
    # local wall-clock time; with a zoned field, the same instant.
    return Value(DATETIME, pd.Timestamp(datetime.now().astimezone()), False)


_DATE_PARTS: dict[str, Callable[[Any], Any]] = {
    "year": lambda d: d.year,
    "month": lambda d: d.month,
    "day": lambda d: d.day,
}


def as_dates(value: Value) -> Value:
    """Text read as dates (ISO 8601, as Open311 exports and GeoPackage store them);
    text that is no date becomes NULL."""
    if value.kind != TEXT:
        return value
    if not value.is_column:
        try:
            return Value(DATETIME, pd.Timestamp(value.data), value.null)
        except ValueError:
            return Value(DATETIME, pd.Timestamp(0), True)
    try:
        dates = pd.to_datetime(value.data, format="ISO8601", errors="coerce")
    except ValueError:
        # Offsets that differ (summer/winter time, as Open311 writes them):
        # the wall-clock time as written, so year/month/day are the local ones.
        wall = value.data.str.slice(0, 19)
        dates = pd.to_datetime(wall, format="ISO8601", errors="coerce")
    unreadable = np.asarray(dates.isna(), dtype=bool)
    filler = dates[~unreadable].iloc[0] if (~unreadable).any() else pd.Timestamp(0)
    return Value(DATETIME, dates.fillna(filler), unreadable | np.asarray(value.null, dtype=bool))


def _to_datetime(args: list[Value], rows: int) -> Value:
    return as_dates(args[0])


def _date_part(part: str) -> Compute:
    read = _DATE_PARTS[part]

    def compute(args: list[Value], rows: int) -> Value:
        value = as_dates(args[0])
        if value.kind != DATETIME:
            return Value(NUMBER, 0, True)
        if value.is_column:
            return Value(NUMBER, read(value.data.dt).astype("int64"), value.null)
        return Value(NUMBER, int(read(value.data)), value.null)

    return compute


def _age_days(args: list[Value], rows: int) -> Value:
    """Days (with fractions) from the date to now: how old a FixIt report is."""
    value = as_dates(args[0])
    if value.kind != DATETIME:
        return Value(NUMBER, 0, True)
    data = value.data
    tz = getattr(data.dt, "tz", None) if value.is_column else data.tz
    now = pd.Timestamp.now(tz=tz)
    return Value(NUMBER, (now - data) / pd.Timedelta(days=1), value.null)


_ANY = (NUMBER, TEXT, DATETIME, "boolean")
#: Date functions also take text holding a date (ISO 8601).
_DATES = (DATETIME, TEXT)

FUNCTIONS: dict[str, FunctionSpec] = {
    "upper": FunctionSpec(
        1, 1, ((TEXT,),), _text_map(lambda s: s.upper(), str.upper), "text in capitals"
    ),
    "lower": FunctionSpec(
        1, 1, ((TEXT,),), _text_map(lambda s: s.lower(), str.lower), "text in small letters"
    ),
    "trim": FunctionSpec(
        1, 1, ((TEXT,),), _text_map(lambda s: s.strip(), str.strip), "text without edge spaces"
    ),
    "length": FunctionSpec(1, 1, ((TEXT,),), _length, "number of characters"),
    "substr": FunctionSpec(
        2, 3, ((TEXT,), (NUMBER,), (NUMBER,)), _substr, "part of a text (1-based start)"
    ),
    "coalesce": FunctionSpec(1, 32, (_ANY,) * 32, _coalesce, "the first value that is not NULL"),
    "abs": FunctionSpec(1, 1, ((NUMBER,),), _abs, "absolute value"),
    "round": FunctionSpec(1, 2, ((NUMBER,), (NUMBER,)), _round, "rounded to n decimals"),
    "now": FunctionSpec(0, 0, (), _now, "the current date and time"),
    "to_datetime": FunctionSpec(1, 1, (_DATES,), _to_datetime, "text read as a date"),
    "year": FunctionSpec(1, 1, (_DATES,), _date_part("year"), "year of a date"),
    "month": FunctionSpec(1, 1, (_DATES,), _date_part("month"), "month of a date (1-12)"),
    "day": FunctionSpec(1, 1, (_DATES,), _date_part("day"), "day of the month"),
    "age_days": FunctionSpec(1, 1, (_DATES,), _age_days, "days from a date to now"),
}


def geometry_value(name: str, frame: Any, fail: Callable[[str], ExpressionError]) -> Value:
    """``$area``, ``$length`` (in the layer's CRS units, metres for lon/lat) or ``$x``/``$y``."""
    geometry = getattr(frame, "geometry", None)
    if geometry is None or not hasattr(geometry, "array"):
        raise fail(f"${name} needs a layer with geometry")
    geoms = np.asarray(geometry.array, dtype=object)
    missing = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms), dtype=bool)
    if name in ("x", "y"):
        # Points, and the first point of a multipoint (as QGIS); NULL otherwise.
        kinds = shapely.get_type_id(geoms)
        points = np.where(kinds == 4, shapely.get_geometry(geoms, 0), geoms)
        points[(kinds != 0) & (kinds != 4)] = None
        points[missing] = None  # recent GEOS refuses the x of an empty point
        coordinate = shapely.get_x(points) if name == "x" else shapely.get_y(points)
        bad = missing | np.isnan(coordinate)
        return Value(NUMBER, pd.Series(np.nan_to_num(coordinate)), bad)
    crs = getattr(frame, "crs", None)
    if crs is not None and getattr(crs, "is_geographic", False):
        return Value(NUMBER, pd.Series(_on_ellipsoid(name, geoms, missing)), missing)
    values = shapely.area(geoms) if name == "area" else shapely.length(geoms)
    return Value(NUMBER, pd.Series(np.nan_to_num(values)), missing)


def _on_ellipsoid(name: str, geoms: Any, missing: Any) -> Any:
    """Areas or lengths of lon/lat features in metres, feature by feature on the
    WGS 84 ellipsoid (right wherever the features are, unlike one UTM zone)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")

    def measure(geometry: Any) -> float:
        if name == "area":
            return abs(float(geod.geometry_area_perimeter(geometry)[0]))
        return float(geod.geometry_length(geometry))

    return np.array([0.0 if gone else measure(g) for g, gone in zip(geoms, missing, strict=True)])
