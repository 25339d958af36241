"""Geometry from the WKT text of a CSV column, one value per row.

Beyond plain WKT this reads what real exports contain: EWKT with an
``SRID=n;`` prefix (PostGIS), Informix's ``n POINT(...)`` SRID prefix, TIN and
Triangle (written as MultiPolygon and Polygon, as GDAL does) and curves
(linearised by GDAL). A value none of these read leaves its row without a
geometry, and the caller reports the row: rows are never dropped silently.
"""

from __future__ import annotations

import csv
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely

_EWKT = re.compile(r"^\s*SRID=(\d+)\s*;\s*(.*)$", re.IGNORECASE | re.DOTALL)
_INFORMIX = re.compile(r"^\s*(\d+)\s+([A-Za-z].*)$", re.DOTALL)
_SOLIDS = {"TIN": "MULTIPOLYGON", "POLYHEDRALSURFACE": "MULTIPOLYGON", "TRIANGLE": "POLYGON"}
_SOLID_WORD = re.compile(r"\b(TIN|POLYHEDRALSURFACE|TRIANGLE)\b", re.IGNORECASE)
_CURVE_WORD = re.compile(
    r"\b(CIRCULARSTRING|COMPOUNDCURVE|CURVEPOLYGON|MULTICURVE|MULTISURFACE)\b", re.IGNORECASE
)
WKT_KEYWORDS = (
    "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
    "GEOMETRYCOLLECTION", "CIRCULARSTRING", "COMPOUNDCURVE", "CURVEPOLYGON", "MULTICURVE",
    "MULTISURFACE", "TIN", "TRIANGLE", "POLYHEDRALSURFACE",
)  # fmt: skip


@dataclass(frozen=True)
class WktColumn:
    """The geometries of a WKT column and what went wrong, by row index."""

    geometries: np.ndarray[Any, Any]
    srids: frozenset[int]
    empty_rows: tuple[int, ...]
    bad_rows: tuple[int, ...]


def split_srid(value: str) -> tuple[str, int | None]:
    """Separate an EWKT ``SRID=n;`` or Informix ``n `` prefix from the WKT.

    Only the EWKT SRID is returned: it is an EPSG code in practice, while an
    Informix SRID is a number local to its database.
    """
    match = _EWKT.match(value)
    if match:
        return match.group(2).strip(), int(match.group(1))
    match = _INFORMIX.match(value)
    return (match.group(2).strip() if match else value.strip()), None


def looks_like_wkt(value: str) -> bool:
    """True when ``value`` starts with a WKT keyword (after any SRID prefix)."""
    text, _ = split_srid(value)
    word = re.match(r"[A-Za-z]+", text)
    return bool(word) and word is not None and word.group(0).upper() in WKT_KEYWORDS


def _from_wkt(texts: list[str | None]) -> np.ndarray[Any, Any]:
    try:
        # "fix" closes unclosed rings and the like rather than losing the row.
        return np.asarray(shapely.from_wkt(texts, on_invalid="fix"), dtype=object)
    except ValueError:  # shapely < 2.1 has no "fix"
        return np.asarray(shapely.from_wkt(texts, on_invalid="ignore"), dtype=object)
    except NotImplementedError:  # a curve GEOS parsed but shapely cannot hold
        return np.asarray([_one_from_wkt(t) for t in texts], dtype=object)


def _one_from_wkt(text: str | None) -> Any:
    try:
        return shapely.from_wkt(text, on_invalid="ignore")
    except NotImplementedError:
        return None


def _solid_to_polygons(text: str) -> str:
    # TIN and POLYHEDRALSURFACE bodies are MultiPolygon bodies, TRIANGLE a Polygon's.
    return _SOLID_WORD.sub(lambda m: _SOLIDS[m.group(1).upper()], text)


def linearise(texts: list[str]) -> list[Any]:
    """Curved WKT made linear by GDAL (its CSV driver reads a ``WKT`` column).

    A temporary CSV is written to the system temp folder, never beside the
    user's file, and removed at once.
    """
    with tempfile.TemporaryDirectory(prefix="mapdesk-") as folder:
        path = Path(folder) / "curves.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
            writer.writerow(["WKT"])
            writer.writerows([t] for t in texts)
        try:
            # The numpy path (not Arrow) is the one where GDAL linearises curves.
            frame = pyogrio.read_dataframe(path, use_arrow=False)
        except Exception:  # nothing readable: the rows stay without geometry
            return [None] * len(texts)
    geometries = list(frame.geometry)
    return geometries if len(geometries) == len(texts) else [None] * len(texts)


def _retry(texts: list[str | None], geometries: np.ndarray[Any, Any]) -> None:
    failed = [i for i, t in enumerate(texts) if t and geometries[i] is None]
    solids = [i for i in failed if _SOLID_WORD.search(texts[i] or "")]
    if solids:
        geometries[solids] = _from_wkt([_solid_to_polygons(texts[i] or "") for i in solids])
    curves = [i for i in failed if geometries[i] is None and _CURVE_WORD.search(texts[i] or "")]
    if curves:
        linear = linearise([texts[i] or "" for i in curves])
        for i, geometry in zip(curves, linear, strict=True):
            geometries[i] = geometry


def parse_wkt_column(values: list[str | None]) -> WktColumn:
    """Parse every value of a WKT column.

    Parameters
    ----------
    values : list of str or None
        The column's text, one value per row; None or blank for no geometry.
    """
    texts: list[str | None] = []
    srids: set[int] = set()
    for value in values:
        text, srid = split_srid(value) if value and value.strip() else (None, None)
        texts.append(text or None)
        if srid is not None:
            srids.add(srid)
    # Curves go to GDAL at once: recent GEOS parses them, shapely then refuses them.
    geometries = _from_wkt([None if t and _CURVE_WORD.search(t) else t for t in texts])
    _retry(texts, geometries)
    empty = tuple(i for i, t in enumerate(texts) if not t)
    bad = tuple(i for i, t in enumerate(texts) if t and geometries[i] is None)
    return WktColumn(geometries, frozenset(srids), empty, bad)
