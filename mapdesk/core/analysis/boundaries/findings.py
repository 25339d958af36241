"""One boundary problem: what kind, where, how big, and which polygons it involves.

Every finding is one connected piece of area (an overlap of two PSAPs in
two places is two findings, each with its own location). Pieces smaller
than the sliver tolerance are digitising noise (two layers traced from
different sources never share edges exactly) and are counted, not listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS

from mapdesk.core.analysis.geodesy import geodesic_area

#: The default sliver tolerance (m²): pieces smaller than this are ignored.
DEFAULT_SLIVER_M2 = 10.0

#: Finding kinds and what each means, for reports and the guide.
KINDS = {
    "overlap": "two polygons of one layer cover the same ground",
    "gap": "ground enclosed by a layer's polygons that none of them covers",
    "uncovered": "part of a municipality the layer serves that none of its polygons covers",
    "overshoot": "part of the layer outside every municipality it serves",
    "municipality_split": "part of a municipality inside a PSAP other than its expected one",
}


@dataclass(frozen=True)
class Finding:
    """One piece of area with a boundary problem (geometry in the analysis CRS)."""

    kind: str
    layer: str
    geometry: shapely.Geometry
    area_m2: float
    polygons: tuple[str, ...]
    message: str


@dataclass
class Findings:
    """The findings of a check, and how many slivers of each kind were ignored."""

    crs: CRS
    sliver_m2: float
    found: list[Finding] = field(default_factory=list)
    slivers: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        kind: str,
        layer: str,
        area: shapely.Geometry,
        polygons: Iterable[str],
        message: str,
    ) -> None:
        """Add each piece of ``area`` as a finding, or as an ignored sliver.

        ``message`` may hold ``{area}``, filled in per piece ("1,234 m²").
        """
        for piece in polygon_pieces(area):
            size = geodesic_area(piece, self.crs)
            if size < self.sliver_m2 or size == 0:
                self.slivers[kind] += 1
                continue
            text = message.replace("{area}", format_area(size))
            self.found.append(Finding(kind, layer, piece, size, tuple(polygons), text))


def polygon_pieces(geometry: shapely.Geometry | None) -> list[shapely.Polygon]:
    """The polygons in ``geometry`` (lines and points where shapes only touch left out)."""
    if geometry is None or geometry.is_empty:
        return []
    kind = shapely.get_type_id(geometry)
    if kind == 3:  # Polygon
        return [geometry]
    if kind in (4, 5, 6, 7):  # Multi* and collections: their parts
        return [piece for part in shapely.get_parts(geometry) for piece in polygon_pieces(part)]
    return []  # a point or line


def format_area(square_metres: float) -> str:
    """``"1,234 m²"`` below a hectare, ``"12.35 ha"`` above, for messages."""
    if square_metres < 10_000:
        return f"{square_metres:,.0f} m²"
    return f"{square_metres / 10_000:,.2f} ha"


def filled(geometry: shapely.Geometry) -> shapely.Geometry:
    """``geometry`` with its holes filled (its outer rings only)."""
    pieces = polygon_pieces(geometry)
    if not pieces:
        return shapely.Polygon()
    rings = shapely.get_exterior_ring(np.asarray(pieces, dtype=object))
    return shapely.union_all(shapely.polygons(rings))
