"""Typed attribute values: what a user types, made into what a field holds.

An edit never changes a field's type behind the user's back: a value that does
not fit (text in a whole-number field, 2.5 in an integer field, a date that is
not a date) is refused with a message naming the field and the value.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from mapdesk.core.errors import MapdeskError

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


class AttributeValueError(MapdeskError):
    """A value that does not fit the field it was given for."""


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas' NA: the value of an empty field."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


#: GDAL's field types -> the kind of value a field holds, whatever pandas made
#: of it (an INTEGER column with NULLs reads as float64, a DATE as text).
_DECLARED_KINDS = {
    "OFTInteger": "i",
    "OFTInteger64": "i",
    "OFTReal": "f",
    "OFTDate": "D",
    "OFTDateTime": "M",
    "OFSTBoolean": "b",
}


#: What a form tells the user a field takes, by kind (see ``_DECLARED_KINDS``).
_KIND_TEXTS = {
    "i": "whole number",
    "u": "whole number",
    "f": "decimal number",
    "D": "date, YYYY-MM-DD",
    "M": "date and time",
    "b": "yes/no",
}


def kind_text(dtype: Any, declared: str | None = None) -> str:
    """What a field takes, in a GIS analyst's words: ``"date, YYYY-MM-DD"``, ``"text"``...

    The file's declared type wins over pandas' dtype (a DATE column reads as
    text, an INTEGER one with NULLs as float), as in :func:`field_value`.
    """
    try:
        pandas_kind = pd.api.types.pandas_dtype(dtype).kind
    except TypeError:  # a name pandas does not know ("geometry"): not a value to type
        pandas_kind = "O"
    return _KIND_TEXTS.get(_DECLARED_KINDS.get(declared or "", pandas_kind), "text")


def field_value(dtype: Any, field: str, value: Any, declared: str | None = None) -> Any:
    """``value`` as a value of a field of ``dtype``; None for an empty field.

    ``declared`` is the field's type in the file (GDAL's name, e.g.
    ``"OFTInteger"``), which wins over the pandas dtype when known.

    Raises
    ------
    AttributeValueError
        Naming ``field`` and ``value`` when the value does not fit.
    """
    kind = _DECLARED_KINDS.get(declared or "", getattr(dtype, "kind", "O"))
    if is_missing(value) or (isinstance(value, str) and not value.strip() and kind in "biufMD"):
        return None
    if kind == "D":
        return _date(field, value, dtype)
    if declared == "OFTInteger":  # 32-bit in the file, whatever pandas holds it in
        number = _checked(field, "i", value, _whole_32)
        return float(number) if getattr(dtype, "kind", "O") == "f" else number
    if kind == "i" and getattr(dtype, "kind", "O") == "f":
        return float(_checked(field, kind, value, _whole_number))  # stored in a float column
    try:
        if kind == "b":
            return _boolean(value)
        if kind in "iu":
            return _whole_number(value)
        if kind == "f":
            return float(_number(value))
        if kind == "M":
            return _timestamp(value, getattr(dtype, "tz", None))
    except (TypeError, ValueError, OverflowError) as exc:
        raise AttributeValueError(
            f'Field "{field}" holds {_kind_words(kind)}: {value!r} is not one ({exc})'
        ) from None
    if isinstance(value, np.ndarray):  # a list field (GeoJSON arrays) stays a list
        return value.tolist()
    return value if isinstance(value, (str, dt.date, dict, list)) else str(value)


def _checked(field: str, kind: str, value: Any, convert: Any) -> Any:
    try:
        return convert(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise AttributeValueError(
            f'Field "{field}" holds {_kind_words(kind)}: {value!r} is not one ({exc})'
        ) from None


def _date(field: str, value: Any, dtype: Any) -> Any:
    """A DATE field's value: a date (or its ISO text when the column holds text)."""

    def parse(raw: Any) -> dt.date:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        return dt.date.fromisoformat(str(raw).strip())

    day = _checked(field, "D", value, parse)
    return day.isoformat() if getattr(dtype, "kind", "O") in "OUT" or str(dtype) == "str" else day


def _kind_words(kind: str) -> str:
    return {
        "b": "true/false values",
        "i": "whole numbers",
        "u": "whole numbers",
        "f": "numbers",
        "M": "dates and times",
        "D": "dates (YYYY-MM-DD)",
    }.get(kind, "text")


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise ValueError("true/false is not a number")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value.item() if isinstance(value, np.generic) else value
    text = str(value).strip().replace(",", "")
    return int(text) if text.lstrip("+-").isdigit() else float(text)


def _whole_number(value: Any) -> int:
    number = _number(value)
    if isinstance(number, float):
        if not number.is_integer():
            raise ValueError("it has a fractional part")
        number = int(number)
    if not -(2**63) <= number < 2**63:
        raise ValueError("it is too large for a 64-bit integer")
    return number


def _whole_32(value: Any) -> int:
    number = _whole_number(value)
    if not -(2**31) <= number < 2**31:
        raise ValueError("the field holds 32-bit whole numbers (up to 2,147,483,647)")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("use true or false")


def _timestamp(value: Any, tz: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise ValueError("it is empty")
    if tz is not None:
        return stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp
