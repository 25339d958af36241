"""Reading a CSV file into features, with the layout the user confirmed.

Parsed with the stdlib :mod:`csv` module, so quoted multi-line values (the
SeeClickFix export) and any delimiter work. Attribute types are inferred
conservatively: a column becomes a number only when every value is one and
none has a leading zero, so ZIP codes such as ``04106`` and ids stay text.
Rows whose coordinates or WKT cannot be read keep their attributes, lose their
geometry, and are named in a warning: none is dropped.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas
import numpy as np
import pandas as pd
import shapely

from mapdesk.core.collector import collector_paused
from mapdesk.core.errors import CsvLayoutError
from mapdesk.io.csv_layout import FIELD_SIZE_LIMIT, CsvLayout, parse_number
from mapdesk.io.wkt import parse_wkt_column

_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,18})")
#: What a 64-bit integer field holds (pandas' Int64).
_INT64_RANGE = range(-(2**63), 2**63)
# An exponent only with its sign (1e+16, as Python and pandas write it): "1E5"
# is more often a code (an asset tag) than a number.
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+][0-9]+)?")
_DIGITS = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class CsvRecords:
    """A CSV file's header, its records as text, and each record's first line."""

    header: tuple[str, ...]
    rows: list[list[str]]
    lines: list[int]
    ragged: int


def _unique(header: list[str]) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    names = []
    for position, raw in enumerate(header, start=1):
        name = raw.strip() or f"field_{position}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return tuple(names)


def _records(handle: Any, delimiter: str) -> Iterator[tuple[list[str], int]]:
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(handle, delimiter=delimiter)
    start = 1
    for row in reader:
        if any(cell.strip() for cell in row):  # GDAL also skips blank lines
            yield row, start
        start = reader.line_num + 1


def read_records(path: Path, layout: CsvLayout) -> CsvRecords:
    """Every record of the file as text, padded or cut to the header's width.

    Raises
    ------
    CsvLayoutError
        When the text does not decode with the layout's encoding, the quoting
        is broken, or the file has no header.
    """
    try:
        with path.open(encoding=layout.encoding, newline="") as handle:
            found = list(_records(handle, layout.delimiter))
    except UnicodeDecodeError as exc:
        raise CsvLayoutError(
            f"{path.name}: the text is not {layout.encoding}; choose another encoding "
            "(for example cp1252 for files saved by Excel on Windows)"
        ) from exc
    except csv.Error as exc:
        raise CsvLayoutError(f"{path.name}: the CSV quoting is broken ({exc})") from exc
    if not found:
        raise CsvLayoutError(f"{path.name}: the file is empty; a CSV needs a header row")
    header = _unique(found[0][0])
    rows = [row for row, _ in found[1:]]
    ragged = sum(1 for row in rows if len(row) != len(header))
    width = len(header)
    rows = [(row + [""] * width)[:width] for row in rows]
    return CsvRecords(header, rows, [line for _, line in found[1:]], ragged)


def typed_column(values: list[str]) -> pd.Series[Any]:
    """A CSV column's texts as mapdesk reads them: whole numbers, decimals, or text."""
    present = [v.strip() for v in values if v.strip()]
    if present and all(_INTEGER.fullmatch(v) for v in present):
        if all(int(v) in _INT64_RANGE for v in present):
            return pd.Series([int(v) if v.strip() else None for v in values], dtype="Int64")
        # Wider than 64 bits (a long code, not a count): as a float it would lose digits.
        return pd.Series([v if v != "" else None for v in values], dtype=object)
    if present and all(_DIGITS.fullmatch(v) for v in present):
        return pd.Series([v if v != "" else None for v in values], dtype=object)  # too wide
    if present and all(_DECIMAL.fullmatch(v) for v in present):
        return pd.Series([float(v) if v.strip() else np.nan for v in values], dtype="float64")
    return pd.Series([v if v != "" else None for v in values], dtype=object)


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def _have(rows: list[int] | tuple[int, ...]) -> str:
    return "has" if len(rows) == 1 else "have"


def _row_list(indices: list[int] | tuple[int, ...], lines: list[int]) -> str:
    shown = ", ".join(f"{i + 1} (line {lines[i]})" for i in indices[:10])
    more = f" and {len(indices) - 10} more" if len(indices) > 10 else ""
    return f"row{'s' if len(indices) > 1 else ''} {shown}{more}"


def _points(records: CsvRecords, layout: CsvLayout) -> tuple[np.ndarray[Any, Any], list[str]]:
    ix = _field_index(records, layout.x_field)
    iy = _field_index(records, layout.y_field)
    xs = np.array([parse_number(r[ix]) for r in records.rows], dtype=float)
    ys = np.array([parse_number(r[iy]) for r in records.rows], dtype=float)
    with collector_paused():
        points = np.asarray(shapely.points(xs, ys), dtype=object)
    bad = np.flatnonzero(np.isnan(xs) | np.isnan(ys))
    points[bad] = None
    notes = []
    if len(bad):
        notes.append(
            f"Rows without usable coordinates in '{layout.x_field}'/'{layout.y_field}' have "
            f"no geometry ({len(bad)} of {len(points)}): {_row_list(bad.tolist(), records.lines)}"
        )
    return points, notes


def _field_index(records: CsvRecords, field: str | None) -> int:
    header = [h.strip() for h in records.header]
    if field is None or field.strip() not in header:
        raise CsvLayoutError(
            f"column {field!r} is not in the file; its columns are: " + ", ".join(records.header)
        )
    return header.index(field.strip())


def _wkt(records: CsvRecords, layout: CsvLayout) -> tuple[np.ndarray[Any, Any], list[str]]:
    index = _field_index(records, layout.wkt_field)
    parsed = parse_wkt_column([r[index] for r in records.rows])
    notes = []
    if parsed.empty_rows:
        notes.append(
            f"{_rows(len(parsed.empty_rows))} with empty WKT {_have(parsed.empty_rows)} no "
            "geometry: "
            f"{_row_list(parsed.empty_rows, records.lines)}"
        )
    if parsed.bad_rows:
        sample = records.rows[parsed.bad_rows[0]][index].strip()[:40]
        notes.append(
            f"{_rows(len(parsed.bad_rows))} with WKT mapdesk could not read "
            f"{_have(parsed.bad_rows)} no geometry: {_row_list(parsed.bad_rows, records.lines)} "
            f"(e.g. '{sample}')"
        )
    return parsed.geometries, notes


def read_csv(path: Path, layout: CsvLayout) -> tuple[geopandas.GeoDataFrame, list[str]]:
    """Read the file with ``layout``; return the features and warnings.

    Raises
    ------
    CsvLayoutError
        When the file cannot be decoded or a layout column is missing.
    """
    records = read_records(path, layout)
    try:
        geometry, notes = _geometry(records, layout)
    except CsvLayoutError as exc:
        raise CsvLayoutError(f"{path.name}: {exc}") from exc
    columns = {
        name: typed_column([row[i] for row in records.rows])
        for i, name in enumerate(records.header)
        if layout.kind != "wkt" or name.strip() != (layout.wkt_field or "").strip()
    }
    table = pd.DataFrame(columns, index=pd.RangeIndex(len(records.rows)))
    frame = geopandas.GeoDataFrame(table, geometry=list(geometry))
    if records.ragged:
        notes.append(
            f"{_rows(records.ragged)} of the file do not have one value per column: missing "
            "values are left empty and extra values were dropped"
        )
    return frame, notes


def _geometry(records: CsvRecords, layout: CsvLayout) -> tuple[np.ndarray[Any, Any], list[str]]:
    if layout.kind == "xy":
        return _points(records, layout)
    if layout.kind == "wkt":
        return _wkt(records, layout)
    return np.full(len(records.rows), None, dtype=object), []
