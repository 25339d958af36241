"""How a CSV file is laid out: delimiter, encoding and where its geometry is.

:func:`detect_csv_layout` looks at the start of the file (the whole file for
the encoding) and proposes a :class:`CsvLayout`; the Add Layer dialog shows it
for the user to confirm or change, and :func:`mapdesk.io.read_layer` reads
with it.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import shapely

from mapdesk.core.errors import CsvLayoutError
from mapdesk.io.paths import check_local_path
from mapdesk.io.wkt import looks_like_wkt, split_srid

SAMPLE_BYTES = 256 * 1024
#: The csv module's default limit (128 KiB per value) is less than the WKT of
#: one detailed town boundary; allow what a C long holds on every platform.
FIELD_SIZE_LIMIT = 2**31 - 1
SAMPLE_ROWS = 200
DELIMITERS = (",", ";", "|", "\t")

_X_NAMES = {
    "x", "lon", "long", "lng", "longitude", "easting", "point_x", "xcoord", "x_coord",
    "coord_x", "lon_dd", "long_dd", "longitude_dd", "x_coordinate",
}  # fmt: skip
_Y_NAMES = {
    "y", "lat", "latitude", "northing", "point_y", "ycoord", "y_coord", "coord_y", "lat_dd",
    "latitude_dd", "y_coordinate",
}  # fmt: skip
_X_WORDS = {"x", "lon", "lng", "longitude", "easting"}
_Y_WORDS = {"y", "lat", "latitude", "northing"}
_PROJECTED_WORDS = {"easting", "northing"}
_WKT_NAMES = {
    "wkt", "geom", "geometry", "the_geom", "geom_wkt", "wkt_geom", "geometry_wkt", "shape",
    "shape_wkt", "wkt_geometry",
}  # fmt: skip


@dataclass(frozen=True)
class CsvLayout:
    """Where a CSV file's geometry is, and how to read its text.

    Attributes
    ----------
    delimiter : str
        One of ``,`` ``;`` ``|`` or a tab.
    encoding : str
        A Python codec name: ``utf-8-sig`` (with a BOM), ``utf-8``, ``cp1252``...
    kind : {"xy", "wkt", "none"}
        Point coordinates in two columns, WKT in one column, or no geometry.
    x_field, y_field : str or None
        The x (longitude, easting) and y (latitude, northing) columns.
    wkt_field : str or None
        The WKT column.
    crs : str or None
        ``"EPSG:4326"`` when the coordinates look like longitude/latitude, the
        EWKT SRID when the WKT carries one, otherwise None (unknown).
    header : tuple of str
        The column names, as in the file.
    """

    delimiter: str
    encoding: str
    kind: Literal["xy", "wkt", "none"]
    x_field: str | None
    y_field: str | None
    wkt_field: str | None
    crs: str | None
    header: tuple[str, ...]


def normalise(name: str) -> str:
    """A column name lower-cased with runs of other characters made ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` for a BOM, else ``utf-8`` if the whole file decodes, else cp1252."""
    with path.open("rb") as handle:
        start = handle.read(4)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"  # decodes any byte; the user can pick another encoding


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def read_sample(path: Path, encoding: str) -> tuple[str, bool]:
    """The first SAMPLE_BYTES of text, and whether the file goes on after them."""
    with path.open("rb") as handle:
        raw = handle.read(SAMPLE_BYTES + 1)
    truncated = len(raw) > SAMPLE_BYTES
    return raw[:SAMPLE_BYTES].decode(encoding, errors="replace"), truncated


def sample_rows(text: str, delimiter: str, truncated: bool) -> list[list[str]]:
    """Header and up to SAMPLE_ROWS records, blank lines skipped."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) > SAMPLE_ROWS:
                break
    except csv.Error:  # a broken quote in the sample; judge on what came before
        pass
    # The last record of a cut-off sample may be cut in half.
    return rows[:-1] if truncated and len(rows) > 2 else rows


def _delimiter_score(text: str, delimiter: str, truncated: bool) -> tuple[float, int]:
    widths = [len(r) for r in sample_rows(text, delimiter, truncated)[:50]]
    if not widths or widths[0] < 2:
        return (0.0, 0)
    same = sum(1 for w in widths if w == widths[0]) / len(widths)
    return (same, widths[0])


def detect_delimiter(text: str, truncated: bool, prefer: str = ",") -> str:
    """The delimiter that splits the sample into the most consistent columns."""
    scores = {d: _delimiter_score(text, d, truncated) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (scores[d], d == prefer))
    return best if scores[best][1] >= 2 else prefer


def parse_number(value: str | None) -> float | None:
    """A coordinate from text, accepting a decimal comma; None if not a number."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _column(rows: list[list[str]], index: int) -> list[str]:
    return [r[index] for r in rows[1:] if index < len(r) and r[index].strip()]


def _mostly_numeric(values: list[str]) -> bool:
    parsed = [parse_number(v) for v in values]
    good = sum(1 for p in parsed if p is not None)
    return good > 0 and good >= 0.5 * len(values)


def _candidates(header: list[str], names: set[str], words: set[str]) -> list[int]:
    keys = [normalise(h) for h in header]
    exact = [i for i, k in enumerate(keys) if k in names]
    by_word = [i for i, k in enumerate(keys) if set(k.split("_")) & words and i not in exact]
    return exact + by_word


def _find_xy(rows: list[list[str]]) -> tuple[int, int] | None:
    header = rows[0]
    xs = [i for i in _candidates(header, _X_NAMES, _X_WORDS) if _mostly_numeric(_column(rows, i))]
    ys = [i for i in _candidates(header, _Y_NAMES, _Y_WORDS) if _mostly_numeric(_column(rows, i))]
    pairs = [(x, y) for x in xs for y in ys if x != y]
    return pairs[0] if pairs else None


def _find_wkt(rows: list[list[str]]) -> int | None:
    header = rows[0]
    named = [i for i, h in enumerate(header) if normalise(h) in _WKT_NAMES or "wkt" in normalise(h)]
    others = [i for i in range(len(header)) if i not in named]
    for i in named + others:
        values = _column(rows, i)[:50]
        if values and sum(looks_like_wkt(v) for v in values) >= 0.5 * len(values):
            return i
    return None


def _in_lonlat_range(xs: list[float], ys: list[float]) -> bool:
    in_range = all(-180 <= v <= 180 for v in xs) and all(-90 <= v <= 90 for v in ys)
    return bool(xs) and bool(ys) and in_range


def _lonlat_crs(rows: list[list[str]], x: int, y: int) -> str | None:
    if {normalise(rows[0][x]), normalise(rows[0][y])} & _PROJECTED_WORDS:
        return None
    xs = [v for v in (parse_number(s) for s in _column(rows, x)) if v is not None]
    ys = [v for v in (parse_number(s) for s in _column(rows, y)) if v is not None]
    return "EPSG:4326" if _in_lonlat_range(xs, ys) else None


def _sample_geometry(text: str) -> object:
    try:
        return shapely.from_wkt(text, on_invalid="ignore")
    except NotImplementedError:  # curves: GEOS reads them, shapely cannot hold them
        return None


def _wkt_crs(rows: list[list[str]], index: int) -> str | None:
    split = [split_srid(v) for v in _column(rows, index)]
    srids = {srid for _, srid in split}
    if len(srids) == 1 and None not in srids:
        return f"EPSG:{srids.pop()}"
    geometries = [_sample_geometry(text) for text, _ in split[:50]]
    xmin, ymin, xmax, ymax = (float(v) for v in shapely.total_bounds(geometries))
    return "EPSG:4326" if _in_lonlat_range([xmin, xmax], [ymin, ymax]) else None


def detect_csv_layout(path: str | os.PathLike[str]) -> CsvLayout:
    """Propose how to read a CSV file: delimiter, encoding and geometry columns.

    Parameters
    ----------
    path : str or os.PathLike
        A local CSV (or TSV) file.

    Returns
    -------
    CsvLayout
        ``kind="none"`` when no coordinate or WKT column was recognised.

    Raises
    ------
    DataSourceError
        When the file is missing or the path is not a local file.
    CsvLayoutError
        When the file has no header row.
    """
    local = check_local_path(path)
    encoding = detect_encoding(local)
    text, truncated = read_sample(local, encoding)
    prefer = "\t" if local.suffix.lower() == ".tsv" else ","
    delimiter = detect_delimiter(text, truncated, prefer)
    rows = sample_rows(text, delimiter, truncated)
    if not rows:
        raise CsvLayoutError(f"{local.name}: the file is empty; a CSV needs a header row")
    return _layout(rows, delimiter, encoding)


def _layout(rows: list[list[str]], delimiter: str, encoding: str) -> CsvLayout:
    header = tuple(rows[0])
    wkt = _find_wkt(rows)
    if wkt is not None:
        crs = _wkt_crs(rows, wkt)
        return CsvLayout(delimiter, encoding, "wkt", None, None, header[wkt], crs, header)
    xy = _find_xy(rows)
    if xy is not None:
        crs = _lonlat_crs(rows, *xy)
        return CsvLayout(delimiter, encoding, "xy", header[xy[0]], header[xy[1]], None, crs, header)
    return CsvLayout(delimiter, encoding, "none", None, None, None, None, header)
