"""A layer's popup and tooltip values as compact, columnar JSON data.

The page carries each shown field once as a column, not a popup per
feature: numbers as numbers, date-times as ISO text, NULL as ``null``, text
cut to ``text_chars``. A column with few distinct values is a dictionary and
one small integer code per feature (``-1``: NULL). The browser builds the
popup of a feature from these with DOM calls (``textContent``), so a value
is only ever text; ``links`` lists the values Python found to be exactly one
http(s) address, and the browser checks each again before making a link.

Control characters (other than tab and line breaks) read as one box, as
``web_escape.escape_text`` shows them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from mapdesk.export.web_escape import display_text, is_web_link

#: Integers beyond this lose digits as JavaScript numbers: sent as text.
_EXACT_INTEGER = 2**53
#: Control characters shown as one box (tab, LF and CR are kept).
_CONTROLS = str.maketrans(
    {**{chr(c): "\ufffd" for c in range(32) if chr(c) not in "\t\n\r"}, "\x7f": "\ufffd"}
)
JsonValue = None | int | float | str


def shown_text(text: str) -> str:
    """``text`` with control characters as boxes (names and values alike)."""
    return text.translate(_CONTROLS)


def column(name: str, values: pd.Series[Any], chars: int) -> dict[str, Any]:
    """One field's values (already limited to the drawn rows) as a JSON-ready column.

    Returns ``{"name": ..., "values": [...]}`` or, for repetitive text,
    ``{"name": ..., "dict": [...], "codes": [...]}``; either with ``"links"``
    (indexes into ``values`` or ``dict``) when some values are web addresses.
    """
    found: dict[str, Any] = {"name": shown_text(str(name))}
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        found.update(_dictionary(values.astype(object), chars, force=True))
    elif pd.api.types.is_integer_dtype(dtype):
        found["values"] = _integers(values)
    elif pd.api.types.is_float_dtype(dtype):
        found["values"] = _floats(values.to_numpy(dtype=float, na_value=np.nan))
    elif isinstance(dtype, np.dtype) and dtype.kind == "M":
        found["values"] = _datetimes(values.to_numpy())
    else:
        found.update(_dictionary(values, chars, force=False))
    return found


def _integers(values: pd.Series[Any]) -> list[JsonValue]:
    missing = values.isna().to_numpy()
    out: list[JsonValue] = values.tolist()
    if missing.any():  # pandas' nullable integers give pd.NA
        out = [None if gone else v for v, gone in zip(out, missing.tolist(), strict=True)]
    if len(values) and not missing.all():
        present = values[~missing]
        if max(abs(int(present.min())), abs(int(present.max()))) >= _EXACT_INTEGER:
            out = [None if v is None else _exact(int(v)) for v in out]
    return out


def _exact(number: int) -> int | str:
    return number if abs(number) < _EXACT_INTEGER else str(number)


def _floats(numbers: npt.NDArray[np.float64]) -> list[JsonValue]:
    # 15 significant digits, as the app's table shows them (0.1 + 0.2 reads 0.3).
    return [_float(v) for v in numbers.tolist()]


def _float(value: float) -> JsonValue:
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(f"{value:.15g}")


def _datetimes(stamps: npt.NDArray[Any]) -> list[JsonValue]:
    # Microseconds, not nanoseconds: those cannot count dates before 1677 or
    # after 2262 and would wrap a 1600 deed into 2184 without a word.
    micros: npt.NDArray[np.datetime64] = stamps.astype("datetime64[us]")
    missing = np.isnat(micros)
    ticks = micros.view(np.int64)[~missing]
    unit: Literal["s", "ms", "us"] = "s"
    if (ticks % 1_000_000).any():
        unit = "us" if (ticks % 1_000).any() else "ms"
    texts = np.datetime_as_string(micros, unit=unit).astype(object)
    texts[missing] = None
    out: list[JsonValue] = texts.tolist()
    return out


def _dictionary(values: pd.Series[Any], chars: int, force: bool) -> dict[str, Any]:
    try:
        # Keyed by type too: factorize alone takes True, 1 and 1.0 for one value.
        keys = values
        if not _one_type(values):
            typed = values.map(lambda v: (type(v).__name__, v))
            keys = typed.where(values.notna(), None)  # NULL stays NULL (code -1)
        codes, _ = pd.factorize(keys, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists, dicts): one by one
        plain = [_value(v, chars) for v in values.tolist()]
        return _with_links({"values": plain}, plain)
    # Each distinct value as it first appears (uniques may hold the type keys).
    present = np.flatnonzero(codes >= 0)
    _, first = np.unique(codes[present], return_index=True)
    texts = [_value(v, chars) for v in values.iloc[present[first]].tolist()]
    if force or 2 * len(texts) <= len(codes):
        return _with_links({"dict": texts, "codes": codes.tolist()}, texts)
    lookup = [*texts, None]  # code -1 (NULL) reads the last entry
    plain = [lookup[c] for c in codes.tolist()]
    return _with_links({"values": plain}, plain)


def _one_type(values: pd.Series[Any]) -> bool:
    return bool(values.dropna().map(type).nunique() <= 1)


def _with_links(found: dict[str, Any], texts: Sequence[JsonValue]) -> dict[str, Any]:
    links = [
        index
        for index, text in enumerate(texts)
        if isinstance(text, str)
        and text.lstrip()[:4].lower() == "http"
        and is_web_link(text.strip())
    ]
    if links:
        found["links"] = links
    return found


def _value(value: Any, chars: int) -> JsonValue:
    """One value as the popup shows it: a number, text, or None for NULL."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return _exact(int(value))
    if isinstance(value, float | np.floating):
        return _float(float(value))
    text = display_text(value, chars)
    if text == "" and not isinstance(value, str):
        return None  # NaN, NaT, pd.NA
    return shown_text(text)
