"""Coordinate reference systems: parsing, labels, search and cached transformers.

All transformers use ``always_xy=True`` so that coordinates are (easting,
northing) or (longitude, latitude) everywhere in mapdesk, whatever axis order
the CRS definition declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from pyproj.database import query_crs_info
from pyproj.enums import PJType
from pyproj.exceptions import CRSError as PyprojCRSError

from mapdesk.core.errors import CrsError

WGS84 = CRS.from_epsg(4326)
#: The project CRS the demo opens in: NAD83 / Maine West, metres.
DEFAULT_PROJECT_CRS = CRS.from_epsg(26984)

FloatArray = npt.NDArray[np.float64]


def parse_crs(value: Any) -> CRS:
    """Return a CRS for an EPSG code, ``"EPSG:n"``, WKT, PROJ string or CRS.

    Raises
    ------
    CrsError
        If the value is not a CRS pyproj knows, with the value in the message.
    """
    if isinstance(value, CRS):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        value = f"EPSG:{int(value)}"
    try:
        return CRS.from_user_input(value)
    except (PyprojCRSError, TypeError, ValueError) as exc:
        raise CrsError(f"'{value}' is not a coordinate reference system mapdesk knows") from exc


def crs_label(crs: CRS | None) -> str:
    """A short human label such as ``"EPSG:26984 NAD83 / Maine West"``."""
    if crs is None:
        return "Unknown CRS"
    return _label_cached(crs_wkt(crs))


@lru_cache(maxsize=256)
def _label_cached(wkt: str) -> str:
    # to_epsg searches the database: 0.2 s for a CRS with no EPSG code, and
    # labels are asked for on every tooltip and status-bar update.
    crs = CRS.from_wkt(wkt)
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code} {crs.name}" if code else crs.name


_WKT_BY_ID: dict[int, tuple[CRS, str]] = {}


def crs_wkt(crs: CRS) -> str:
    """``crs.to_wkt()``, remembered per CRS object.

    to_wkt costs ~0.3 ms, and cache keys ask for it on every identify click
    and render. The CRS is kept referenced so that its id is never reused.
    """
    entry = _WKT_BY_ID.get(id(crs))
    if entry is None or entry[0] is not crs:
        if len(_WKT_BY_ID) > 1024:
            _WKT_BY_ID.clear()
        entry = (crs, crs.to_wkt())
        _WKT_BY_ID[id(crs)] = entry
    return entry[1]


def same_crs(a: CRS | None, b: CRS | None) -> bool:
    """True when both CRSs are known and equivalent (no transform needed)."""
    if a is None or b is None:
        return a is b
    return a is b or _equal_cached(crs_wkt(a), crs_wkt(b))


@lru_cache(maxsize=256)
def _equal_cached(wkt_a: str, wkt_b: str) -> bool:
    return bool(CRS.from_wkt(wkt_a).equals(CRS.from_wkt(wkt_b), ignore_axis_order=True))


@lru_cache(maxsize=128)
def _transformer_cached(src_wkt: str, dst_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt), always_xy=True)


def transformer(src: CRS, dst: CRS) -> Transformer:
    """A cached ``always_xy`` transformer from ``src`` to ``dst``."""
    return _transformer_cached(crs_wkt(src), crs_wkt(dst))


def transform_xy(
    x: npt.ArrayLike, y: npt.ArrayLike, src: CRS, dst: CRS
) -> tuple[FloatArray, FloatArray]:
    """Transform coordinate arrays from ``src`` to ``dst`` (x/lon first)."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if same_crs(src, dst):
        return xs, ys
    tx, ty = transformer(src, dst).transform(xs, ys)
    return np.asarray(tx, dtype=np.float64), np.asarray(ty, dtype=np.float64)


@dataclass(frozen=True)
class CrsInfo:
    """One row of a CRS search: authority code and name."""

    auth_name: str
    code: str
    name: str

    @property
    def srs_id(self) -> str:
        return f"{self.auth_name}:{self.code}"


@lru_cache(maxsize=1)
def _crs_catalogue() -> tuple[CrsInfo, ...]:
    types = [PJType.PROJECTED_CRS, PJType.GEOGRAPHIC_2D_CRS, PJType.COMPOUND_CRS]
    infos = query_crs_info(auth_name="EPSG", pj_types=types, allow_deprecated=False)
    return tuple(CrsInfo(i.auth_name, i.code, i.name) for i in infos)


def search_crs(text: str, limit: int = 50) -> list[CrsInfo]:
    """Find CRSs whose EPSG code or name contains every word of ``text``.

    ``"maine west"`` finds EPSG:26984 and its siblings; ``"26919"`` finds
    NAD83 / UTM zone 19N.
    """
    words = text.lower().replace("epsg:", "").split()
    if not words:
        return []
    hits = [
        info
        for info in _crs_catalogue()
        if all(w in info.code or w in info.name.lower() for w in words)
    ]
    hits.sort(key=lambda i: (i.code != words[0], len(i.name)))
    return hits[:limit]
