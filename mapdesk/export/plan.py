"""An export's plan: the changes the pre-export check found, applied the same way on write.

``ExportPlan.prepared`` turns the layer into exactly what the file will hold,
so what the check announced is what the writer does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapdesk.export.fields import FieldKind, as_text, field_kind
from mapdesk.export.formats import ExportFormat


@dataclass(frozen=True)
class ExportIssue:
    """One change the export makes, for the analyst to read before writing.

    ``field`` is the field concerned (None for the layer as a whole);
    ``message`` says what changes and what mapdesk does about it.
    """

    field: str | None
    message: str


@dataclass
class ExportPlan:
    """What exporting one layer to one format will do.

    Attributes
    ----------
    target
        The format.
    issues
        Every change, in field order, then layer-wide ones.
    blocking
        Reasons the export cannot be made at all (empty when it can).
    renames
        Field name -> name in the file.
    as_text
        Fields written as text (see ``fields.as_text``).
    text_bytes
        Longest text value kept, in bytes (None: no cut).
    drop_m
        M values are removed before writing.
    empty_to_null
        Text fields whose empty texts are written as no value.
    rounded
        Decimal fields rounded to a number of significant digits.
    trimmed
        Text fields whose values lose these characters at both ends.
    read_back_names
        Fields a reader of the file lists under another name (KML's Name).
    to_milliseconds
        Date-time fields cut to whole milliseconds (what GDAL's formats keep).
    infinite_to_null
        Decimal fields whose infinite values are written as no value.
    cleaned
        Text fields and the characters removed from their values.
    empty_geometry_to_null, add_zero_z
        Empty geometries written as none; 2D geometries given Z = 0.
    layer_options
        GDAL layer creation options the writer needs (e.g. no spatial index).
    dropped
        Fields left out (KML keeps no field without values).
    read_as_numbers
        Text fields a reader of the file will take for numbers (CSV).
    field_rules
        Coded values and ranges written with the fields, by their names in
        the file (GeoPackage only; see ``check_rules``).
    """

    target: ExportFormat
    issues: list[ExportIssue] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)
    as_text: set[str] = field(default_factory=set)
    text_bytes: int | None = None
    drop_m: bool = False
    empty_to_null: set[str] = field(default_factory=set)
    rounded: dict[str, int] = field(default_factory=dict)
    trimmed: dict[str, str] = field(default_factory=dict)
    read_back_names: dict[str, str] = field(default_factory=dict)
    to_milliseconds: set[str] = field(default_factory=set)
    infinite_to_null: set[str] = field(default_factory=set)
    cleaned: dict[str, str] = field(default_factory=dict)
    empty_geometry_to_null: bool = False
    add_zero_z: bool = False
    layer_options: dict[str, str] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    read_as_numbers: set[str] = field(default_factory=set)
    field_rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def note(self, field_name: str | None, message: str) -> None:
        self.issues.append(ExportIssue(field_name, message))

    def prepared(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``frame`` changed as announced, ready to write (a copy)."""
        out = frame.copy()
        for name, characters in self.cleaned.items():
            out[name] = _each(out[name], lambda v, c=characters: _without(v, c))
        for name, ends in self.trimmed.items():
            out[name] = _each(out[name], lambda v, e=ends: trim(v, e))
        for name in self.empty_to_null | set(self.trimmed) | set(self.cleaned):
            out[name] = _each(out[name], lambda v: None if v == "" else v)
        for name, digits in self.rounded.items():
            out[name] = _each_number(out[name], lambda v, d=digits: rounded(v, d))
        for name in self.infinite_to_null:
            out[name] = _each_number(out[name], lambda v: math.nan if math.isinf(v) else v)
        for name in self.to_milliseconds:
            out[name] = _to_milliseconds(out[name])
        for name in self.as_text:
            out[name] = pd.Series([as_text(v) for v in out[name]], index=out.index, dtype=object)
        if self.text_bytes is not None:
            for name in _text_columns(out):
                out[name] = out[name].map(lambda v: cut(v, self.text_bytes))
        if self.drop_m:
            out = out.set_geometry(without_m(out.geometry.array))
        if self.empty_geometry_to_null or self.add_zero_z:
            out = out.set_geometry(self._fitted_geometries(out.geometry.array), crs=out.crs)
        return out.drop(columns=sorted(self.dropped)).rename(columns=self.renames)

    def _fitted_geometries(self, geometries: Any) -> Any:
        values = np.asarray(geometries, dtype=object).copy()
        present = ~shapely.is_missing(values)
        if self.empty_geometry_to_null:
            empty = present.copy()
            empty[present] = shapely.is_empty(values[present])
            values[empty] = None
            present &= ~empty
        if self.add_zero_z:
            flat = present.copy()
            flat[present] = ~shapely.has_z(values[present])
            values[flat] = shapely.force_3d(values[flat], z=0.0)
        return values


def _text_columns(frame: gpd.GeoDataFrame) -> list[str]:
    geometry = frame.geometry.name
    return [
        c
        for c in frame.columns
        if c != geometry and field_kind(frame[c]) in (FieldKind.TEXT, FieldKind.OTHER)
    ]


def _to_milliseconds(values: pd.Series[Any]) -> pd.Series[Any]:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        floored: pd.Series[Any] = values.dt.floor("ms")
        return floored
    return _each(values, lambda v: v.replace(microsecond=v.microsecond // 1000 * 1000))


def _each(values: pd.Series[Any], change: Any) -> pd.Series[Any]:
    """``change`` applied to every present value (missing ones stay missing), as objects."""
    return pd.Series(
        [None if missing(v) else change(v) for v in values], index=values.index, dtype=object
    )


def _each_number(values: pd.Series[Any], change: Any) -> pd.Series[Any]:
    """``change`` applied to every present number, as a float64 column (NaN: no value).

    Not objects, as ``_each`` gives: GDAL's classic writer, which exports
    use for date-times before 1970 (``io.whole_file``), declares an object
    column a text field, so the decimals would be written as text ('0.0').
    """
    return pd.Series(
        [math.nan if missing(v) else change(float(v)) for v in values],
        index=values.index,
        dtype="float64",
    )


def missing(value: Any) -> bool:
    missing = pd.isna(value)
    return bool(missing) if isinstance(missing, bool | np.bool_) else False


def _without(value: Any, characters: str) -> Any:
    if not isinstance(value, str):
        return value
    return value.translate({ord(c): None for c in characters})


def trim(value: Any, ends: str) -> Any:
    """Text without ``ends`` at either end (line endings as \\n where XML reads it)."""
    if not isinstance(value, str):
        return value
    if "\n" in ends:  # XML reads every line ending as \n
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip(ends)


def cut(value: Any, limit: int) -> Any:
    """Text cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    if not isinstance(value, str):
        return value
    encoded = value.encode("utf-8")
    if len(encoded) <= limit:
        return value
    return encoded[:limit].decode("utf-8", errors="ignore")


def without_m(geometries: Any) -> Any:
    """The geometries with their M values removed (Z kept)."""
    values = np.asarray(geometries, dtype=object)
    measured = ~shapely.is_missing(values)
    measured[measured] = shapely.has_m(values[measured])
    if not measured.any():
        return geometries
    out = values.copy()
    # As WKB of 3 dimensions a ZM geometry keeps Z; an XYM one needs 2.
    with_z = measured.copy()
    with_z[measured] = shapely.has_z(values[measured])
    flat = measured & ~with_z
    out[with_z] = shapely.from_wkb(shapely.to_wkb(values[with_z], output_dimension=3))
    out[flat] = shapely.from_wkb(shapely.to_wkb(values[flat], output_dimension=2))
    return out


def rounded(value: float, digits: int) -> float:
    """``value`` to ``digits`` significant digits (what KML writes)."""
    return float(f"{value:.{digits}g}")
