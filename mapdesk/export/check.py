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
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from mapdesk.export.check_geometry import check_geometries
from mapdesk.export.check_names import check_names
from mapdesk.export.fields import FieldKind, beyond_float, field_kind
from mapdesk.export.formats import ExportFormat
from mapdesk.export.plan import ExportPlan, missing, rounded, trim
from mapdesk.io.csv_reader import typed_column


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
    check_names(plan, fields, kinds)
    check_geometries(plan, frame)
    if target.suffix == ".kml":
        for name in fields:
            if _no_values(frame[[name]]):
                plan.dropped.add(name)
                plan.note(name, f"'{name}' has no values: KML keeps no field for it")
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
    elif kind is FieldKind.INT64 and (not target.typed_int64 or target.suffix == ".geojson"):
        _check_int64(plan, name, values)
    elif kind is FieldKind.DATE and target.suffix in (".fgb", ".geojson"):
        plan.note(
            name,
            f"'{name}': dates may be read back as date-times at midnight "
            f"({target.label} has no date-only type); the days are kept",
        )
    if target.text_bytes is not None and kind in (FieldKind.TEXT, FieldKind.OTHER):
        _check_text_length(plan, name, values, target.text_bytes)
    if kind is FieldKind.TEXT:
        _check_characters(plan, name, values)
    if target.trims_text and kind is FieldKind.TEXT:
        _check_trimmed_text(plan, name, values, target.trims_text)
    if kind is FieldKind.DATETIME and target.driver is not None and target.typed_dates:
        _check_microseconds(plan, name, values)
    if kind is FieldKind.REAL and target.suffix in _NO_INFINITY:
        _check_infinite(plan, name, values)
    if target.empty_text_is_null and kind is FieldKind.TEXT:
        _check_empty_text(plan, name, values)
    if target.suffix == ".csv" and kind is FieldKind.TEXT:
        _check_texts_read_as_numbers(plan, name, values)
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
    if plan.target.suffix == ".geojson":
        # GDAL's GeoJSON reader takes numbers of 19 digits for decimals.
        present = values.dropna()
        large = int(sum(1 for v in present if abs(int(v)) >= 10**18))
    else:
        large = beyond_float(values)
    if large:
        plan.as_text.add(name)
        plan.note(
            name,
            f"'{name}': {large} integer{'s' if large > 1 else ''} too long for {label} "
            "readers to take exactly: the field is written as text to keep every digit",
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
    changed = sum(1 for v in present if rounded(float(v), digits) != float(v))
    if changed:
        plan.rounded[name] = digits
        plan.note(
            name,
            f"'{name}': {changed} number{'s' if changed > 1 else ''} rounded to {digits} "
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


def _no_values(table: pd.DataFrame) -> bool:
    """True when no cell holds a value (an empty text counts as none)."""
    return bool(table.map(lambda v: missing(v) or (isinstance(v, str) and not v)).all().all())


#: Formats whose numbers cannot be infinite (JSON, XML numbers; CSV readers;
#: a DBF's numbers are digits: GDAL writes the text 'inf', which other
#: programs read as no number or refuse).
_NO_INFINITY = (".geojson", ".csv", ".kml", ".shp")
#: Characters no format keeps inside text (GDAL's strings end at NUL) and, for
#: KML, the other control characters XML 1.0 forbids.
_NUL = "\x00"
_XML_FORBIDDEN = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")


def _check_characters(plan: ExportPlan, name: str, values: pd.Series[Any]) -> None:
    forbidden = _XML_FORBIDDEN if plan.target.suffix == ".kml" else _NUL
    texts = [str(v) for v in values.dropna()]
    found = sum(1 for v in texts if any(c in v for c in forbidden))
    if found:
        plan.cleaned[name] = forbidden
        what = "control characters" if plan.target.suffix == ".kml" else "NUL characters"
        plan.note(
            name,
            f"'{name}': {what} removed from {found} value{'s' if found > 1 else ''} "
            f"({plan.target.label} cannot hold them)",
        )


def _check_microseconds(plan: ExportPlan, name: str, values: pd.Series[Any]) -> None:
    finer = sum(1 for v in values.dropna() if getattr(v, "microsecond", 0) % 1000)
    if finer:
        plan.to_milliseconds.add(name)
        plan.note(
            name,
            f"'{name}': {finer} date-time{'s' if finer > 1 else ''} cut to whole milliseconds "
            f"({plan.target.label} keeps no finer time)",
        )


def _check_infinite(plan: ExportPlan, name: str, values: pd.Series[Any]) -> None:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    infinite = int(np.isinf(numbers).sum())
    if infinite:
        plan.infinite_to_null.add(name)
        plan.note(
            name,
            f"'{name}': {infinite} infinite number{'s' if infinite > 1 else ''} written as no "
            f"value ({plan.target.label} has no infinity)",
        )


def _check_trimmed_text(plan: ExportPlan, name: str, values: pd.Series[Any], ends: str) -> None:
    texts = [str(v) for v in values.dropna()]
    trimmed = sum(1 for v in texts if trim(v, ends) != v)
    if trimmed:
        plan.trimmed[name] = ends
        what = "spaces" if ends == " " else "spaces and line breaks"
        plan.note(
            name,
            f"'{name}': {what} at the start or end of {trimmed} value"
            f"{'s' if trimmed > 1 else ''} dropped ({plan.target.label} does not keep them)",
        )


def _check_texts_read_as_numbers(plan: ExportPlan, name: str, values: pd.Series[Any]) -> None:
    """A CSV holds no types: a text field whose every value looks like a number reads as one."""
    texts = ["" if missing(v) else str(v) for v in values]
    if typed_column(texts).dtype != object:
        plan.read_as_numbers.add(name)
        plan.note(
            name,
            f"'{name}': every value looks like a number, so the CSV reads back as numbers "
            "(a CSV holds no field types)",
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
