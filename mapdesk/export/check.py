"""The pre-export check: every way a format would change the data, before writing.

``check_export`` looks at a layer and a target format and returns an
``ExportPlan``: the list a GIS analyst reads ("field 'description_long'
becomes 'descriptio'", "47 values cut to 254 bytes", "M values dropped"),
each saying what will be done, and the changes themselves, which the writer
applies so the file holds exactly what was announced. Nothing is changed
silently: a property test writes generated layers to every format, reads
them back, and finds no difference the plan did not announce.
"""

from __future__ import annotations

import contextlib
import secrets
import warnings
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from mapdesk.export.fields import FieldKind, as_text, beyond_float, field_kind
from mapdesk.export.formats import ExportFormat

#: Geometry families a one-kind format (Shapefile) cannot mix.
_FAMILIES = {
    "Point": "points",
    "MultiPoint": "points",
    "LineString": "lines",
    "MultiLineString": "lines",
    "LinearRing": "lines",
    "Polygon": "polygons",
    "MultiPolygon": "polygons",
}
#: KML takes these fields as each placemark's own name and description.
KML_PLACEMARK_FIELDS = {"name": "Name", "description": "description"}


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

    def note(self, field_name: str | None, message: str) -> None:
        self.issues.append(ExportIssue(field_name, message))

    def prepared(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``frame`` changed as announced, ready to write (a copy)."""
        out = frame.copy()
        for name, ends in self.trimmed.items():
            out[name] = out[name].map(lambda v, e=ends: _trim(v, e))
        for name in self.empty_to_null | set(self.trimmed):
            out[name] = out[name].map(lambda v: None if v == "" else v)
        for name, digits in self.rounded.items():
            out[name] = out[name].map(lambda v, d=digits: v if v != v else _rounded(v, d))
        for name in self.as_text:
            out[name] = pd.Series([as_text(v) for v in out[name]], index=out.index, dtype=object)
        if self.text_bytes is not None:
            for name in _text_columns(out):
                out[name] = out[name].map(lambda v: _cut(v, self.text_bytes))
        if self.drop_m:
            out = out.set_geometry(_without_m(out.geometry.array))
        return out.rename(columns=self.renames)


def check_export(
    frame: gpd.GeoDataFrame, target: ExportFormat, field_types: dict[str, str] | None = None
) -> ExportPlan:
    """Every lossy mapping of ``frame`` into ``target``, and what will be done about it.

    Parameters
    ----------
    frame
        The features to export, already in the CRS they will be written in.
    target
        The format.
    field_types
        Declared GDAL field types (``frame.attrs["field_types"]`` of a layer
        read from a file), which tell integers with NULLs from decimals.
    """
    plan = ExportPlan(target, text_bytes=target.text_bytes)
    declared = field_types or {}
    fields = [c for c in frame.columns if c != frame.geometry.name]
    kinds = {name: field_kind(frame[name], declared.get(name)) for name in fields}
    for name in fields:
        _check_values(plan, name, kinds[name], frame[name])
    _check_names(plan, fields)
    _check_geometries(plan, frame)
    if target.suffix == ".kml" and fields and _no_values(frame[fields]):
        plan.note(
            None,
            "no feature has a value in any field: KML keeps no fields for them (readers list none)",
        )
    if target.suffix == ".csv" and frame.crs is not None:
        plan.note(
            None,
            "a CSV has no place for a CRS: it is written to a .prj file beside it "
            "(mapdesk reads it; other programs may need to be told)",
        )
    return plan


def _check_values(plan: ExportPlan, name: str, kind: FieldKind, values: pd.Series[Any]) -> None:
    target = plan.target
    if kind is FieldKind.OTHER:
        plan.as_text.add(name)
        plan.note(name, f"'{name}' holds lists or objects: written as their text")
    elif (kind is FieldKind.DATETIME and not target.typed_dates) or (
        kind is FieldKind.DATE and not target.typed_days
    ):
        plan.as_text.add(name)
        example = "2024-05-31T14:30:00" if kind is FieldKind.DATETIME else "2024-05-31"
        plan.note(
            name,
            f"'{name}': {kind.value}s written as text in ISO 8601 (e.g. {example}): "
            f"{target.label} has no {kind.value} type",
        )
    elif kind is FieldKind.BOOLEAN and target.suffix == ".csv":
        plan.as_text.add(name)
        plan.note(name, f"'{name}': true/false written as the text 'true' and 'false'")
    elif kind is FieldKind.INT64 and not target.typed_int64:
        _check_int64(plan, name, values)
    elif kind is FieldKind.DATE and target.suffix == ".fgb":
        plan.note(
            name,
            f"'{name}': dates are read back as date-times at midnight "
            "(FlatGeobuf has no date-only type); the days are kept",
        )
    if target.text_bytes is not None and kind in (FieldKind.TEXT, FieldKind.OTHER):
        _check_text_length(plan, name, values, target.text_bytes)
    if target.trims_text and kind is FieldKind.TEXT:
        _check_trimmed_text(plan, name, values, target.trims_text)
    if target.empty_text_is_null and kind is FieldKind.TEXT:
        _check_empty_text(plan, name, values)
    if target.real_digits is not None and kind is FieldKind.REAL:
        _check_digits(plan, name, values, target.real_digits)
    if target.suffix == ".shp" and kind is FieldKind.REAL:
        _check_dbf_numbers(plan, name, values)


def _check_int64(plan: ExportPlan, name: str, values: pd.Series[Any]) -> None:
    label = plan.target.label
    if plan.target.suffix == ".kml":
        plan.as_text.add(name)
        plan.note(name, f"'{name}': 64-bit integers written as text ({label} has no such type)")
        return
    large = beyond_float(values)
    if large:
        plan.as_text.add(name)
        plan.note(
            name,
            f"'{name}': {large} integer{'s' if large > 1 else ''} beyond 15 digits would lose "
            f"digits in {label}: the field is written as text to keep every digit",
        )


def _check_text_length(plan: ExportPlan, name: str, values: pd.Series[Any], limit: int) -> None:
    long = sum(1 for v in values.dropna() if len(str(v).encode("utf-8")) > limit)
    if long:
        plan.note(
            name,
            f"'{name}': {long} value{'s' if long > 1 else ''} longer than {limit} bytes "
            f"cut to {limit} bytes ({plan.target.label}'s limit)",
        )


def _check_digits(plan: ExportPlan, name: str, values: pd.Series[Any], digits: int) -> None:
    present = values.dropna()
    rounded = sum(1 for v in present if _rounded(float(v), digits) != float(v))
    if rounded:
        plan.rounded[name] = digits
        plan.note(
            name,
            f"'{name}': {rounded} number{'s' if rounded > 1 else ''} rounded to {digits} "
            f"significant digits ({plan.target.label} keeps no more)",
        )


def _check_dbf_numbers(plan: ExportPlan, name: str, values: pd.Series[Any]) -> None:
    """Numbers a shapefile would not give back: found by writing them to a DBF in memory.

    A DBF stores a number as text of a fixed width and number of decimals,
    which GDAL chooses per field: very small or very large values come back
    as something else (1e-20 as 0.0). GDAL itself is the judge.
    """
    changed = _dbf_changes(values)
    if changed:
        first = changed[0]
        plan.as_text.add(name)
        plan.note(
            name,
            f"'{name}': {len(changed)} number{'s' if len(changed) > 1 else ''} a shapefile "
            f"would not keep exactly (e.g. {first[0]!r} would read back as {first[1]!r}): "
            "the field is written as text to keep every value",
        )


def _dbf_changes(values: pd.Series[Any]) -> list[tuple[float, float]]:
    probe = f"/vsimem/mapdesk-probe-{secrets.token_hex(6)}.dbf"
    numbers = pd.DataFrame({"v": pd.to_numeric(values, errors="coerce").to_numpy(float)})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL warns about each value it cannot fit
            pyogrio.write_dataframe(numbers, probe, driver="ESRI Shapefile", use_arrow=True)
            back = pyogrio.read_dataframe(probe)["v"].to_numpy(float)
    finally:
        with contextlib.suppress(Exception):
            pyogrio.vsi_unlink(probe)
    written = numbers["v"].to_numpy(float)
    differs = ~((written == back) | (np.isnan(written) & np.isnan(back)))
    return [(float(a), float(b)) for a, b in zip(written[differs], back[differs], strict=True)]


def _rounded(value: float, digits: int) -> float:
    return float(f"{value:.{digits}g}")


def _no_values(table: pd.DataFrame) -> bool:
    """True when no cell holds a value (an empty text counts as none)."""
    return bool(table.map(lambda v: bool(pd.isna(v)) or v == "").all().all())


def _check_trimmed_text(plan: ExportPlan, name: str, values: pd.Series[Any], ends: str) -> None:
    texts = [str(v) for v in values.dropna()]
    trimmed = sum(1 for v in texts if _trim(v, ends) != v)
    if trimmed:
        plan.trimmed[name] = ends
        what = "spaces" if ends == " " else "spaces and line breaks"
        plan.note(
            name,
            f"'{name}': {what} at the start or end of {trimmed} value"
            f"{'s' if trimmed > 1 else ''} dropped ({plan.target.label} does not keep them)",
        )


def _check_empty_text(plan: ExportPlan, name: str, values: pd.Series[Any]) -> None:
    empty = int((values.dropna().astype(str) == "").sum())
    if empty:
        plan.empty_to_null.add(name)
        plan.note(
            name,
            f"'{name}': {empty} empty text{'s' if empty > 1 else ''} written as no value "
            f"({plan.target.label} cannot tell them apart)",
        )


def _check_names(plan: ExportPlan, fields: list[str]) -> None:
    target = plan.target
    if target.suffix == ".kml":
        for name in fields:
            placemark = KML_PLACEMARK_FIELDS.get(name)
            if placemark is not None:
                plan.note(
                    name,
                    f"'{name}' becomes each placemark's {name} "
                    f"(KML readers list it as '{placemark}')",
                )
    if target.name_bytes is None:
        return
    taken: set[str] = set()
    for name in fields:
        new = _short_name(name, target.name_bytes, taken)
        taken.add(new.lower())
        if new != name:
            plan.renames[name] = new
            why = (
                f"its first {target.name_bytes} bytes clash with another field"
                if _cut(name, target.name_bytes) != new
                else f"{target.label} field names are at most {target.name_bytes} bytes"
            )
            plan.note(name, f"'{name}' renamed '{new}': {why}")


def _short_name(name: str, limit: int, taken: set[str]) -> str:
    """``name`` cut to ``limit`` bytes, numbered (``_1``, ``_2`` ...) to be unique."""
    short = str(_cut(name, limit))
    number = 0
    while short.lower() in taken:
        number += 1
        suffix = f"_{number}"
        short = str(_cut(name, limit - len(suffix))) + suffix
    return short


def _check_geometries(plan: ExportPlan, frame: gpd.GeoDataFrame) -> None:
    geometries = np.asarray(frame.geometry.array, dtype=object)
    present = geometries[~shapely.is_missing(geometries)]
    target = plan.target
    measured = int(shapely.has_m(present).sum()) if len(present) else 0
    if measured and not target.keeps_m:
        plan.drop_m = True
        plan.note(None, f"M values dropped from {measured} features ({target.label} has no M)")
    kinds = sorted(set(shapely.get_type_id(present).tolist()))
    names = {shapely.GeometryType(k).name for k in kinds}
    families = {_FAMILIES.get(_title(n), "collections") for n in names}
    if target.one_geometry_kind and len(families) > 1:
        plan.blocking.append(
            f"the layer mixes {' and '.join(sorted(families))}, and a {target.label} holds "
            "one kind: export to GeoPackage, or select one kind of feature first"
        )
    elif target.one_geometry_kind and len(names) > 1:
        plan.note(None, "single and multi-part features together: all written as multi-part")


def _title(type_name: str) -> str:
    """shapely's GeometryType name ('MULTIPOLYGON') as in WKT ('MultiPolygon')."""
    for known in _FAMILIES:
        if known.upper() == type_name:
            return known
    return type_name


def _text_columns(frame: gpd.GeoDataFrame) -> list[str]:
    geometry = frame.geometry.name
    return [
        c
        for c in frame.columns
        if c != geometry and field_kind(frame[c]) in (FieldKind.TEXT, FieldKind.OTHER)
    ]


def _trim(value: Any, ends: str) -> Any:
    """Text without ``ends`` at either end (line endings as \\n where XML reads it)."""
    if not isinstance(value, str):
        return value
    if "\n" in ends:  # XML reads every line ending as \n
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip(ends)


def _cut(value: Any, limit: int) -> Any:
    """Text cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    if not isinstance(value, str):
        return value
    encoded = value.encode("utf-8")
    if len(encoded) <= limit:
        return value
    return encoded[:limit].decode("utf-8", errors="ignore")


def _without_m(geometries: Any) -> Any:
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
