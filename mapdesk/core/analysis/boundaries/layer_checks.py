"""Gaps and overlaps between the polygons of one service layer, and against municipalities.

A call is routed by the PSAP polygon that contains it, and responders by the
police, fire and EMS polygons: ground covered twice is ambiguous, ground
covered by none is unrouted. Within a layer, an *overlap* is ground two
polygons share and a *gap* is ground the layer's polygons enclose but none
covers. Against the municipalities, a layer *serves* each municipality it
covers at least half of; the rest of a served municipality is *uncovered*
(gaps open to the outside show up here), and the layer's ground outside
every served municipality is *overshoot* (into a neighbour or the sea).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from mapdesk.core.analysis.boundaries.findings import Findings, filled, polygon_pieces
from mapdesk.core.analysis.service_areas import ServiceAreas

#: A municipality is served by a layer that covers at least this share of it.
SERVED_SHARE = 0.5
#: How close (analysis-CRS metres) a polygon must come to a gap to be named with it.
_NEIGHBOUR_M = 0.01


def check_overlaps(areas: ServiceAreas, findings: Findings) -> None:
    """Every piece of ground two polygons of ``areas`` both cover."""
    tree = shapely.STRtree(areas.geometries)
    left, right = tree.query(areas.geometries, predicate="intersects")
    for i, j in sorted(zip(left.tolist(), right.tolist(), strict=True)):
        if i >= j:
            continue
        shared = shapely.intersection(areas.geometries[i], areas.geometries[j])
        findings.add(
            "overlap",
            areas.layer,
            shared,
            (areas.label(i), areas.label(j)),
            f"{areas.label(i)} and {areas.label(j)} overlap by {{area}}",
        )


def check_gaps(areas: ServiceAreas, findings: Findings) -> None:
    """Every hole in the union of ``areas``: ground enclosed by the layer, covered by none."""
    union = shapely.union_all(areas.geometries)
    tree = shapely.STRtree(areas.geometries)
    for part in polygon_pieces(union):
        for ring in part.interiors:
            hole = shapely.difference(shapely.Polygon(ring), union)  # islands inside it stay out
            for piece in polygon_pieces(hole):
                near = np.sort(tree.query(piece, predicate="dwithin", distance=_NEIGHBOUR_M))
                names = tuple(areas.label(int(row)) for row in near)
                findings.add(
                    "gap",
                    areas.layer,
                    piece,
                    names,
                    f"a gap of {{area}} between {_listed(names)} that no polygon covers",
                )


def check_against_municipalities(
    areas: ServiceAreas, municipalities: ServiceAreas, findings: Findings
) -> None:
    """Served municipalities' ground the layer misses, and the layer's ground beyond them."""
    union = shapely.union_all(areas.geometries)
    served = served_rows(municipalities, union)
    served_union = shapely.union_all(municipalities.geometries[served])
    uncovered = shapely.difference(served_union, filled(union))
    for piece in polygon_pieces(uncovered):
        names = _covering(municipalities, piece, served)
        findings.add(
            "uncovered",
            areas.layer,
            piece,
            names,
            f"{{area}} of {_listed(names)} is in no polygon of {areas.layer}",
        )
    overshoot = shapely.difference(union, served_union)
    for piece in polygon_pieces(overshoot):
        layer_names = _covering(areas, piece)
        beyond = _covering(municipalities, piece)
        into = f"into {_listed(beyond)}" if beyond else "outside every municipality"
        findings.add(
            "overshoot",
            areas.layer,
            piece,
            (*layer_names, *beyond),
            f"{{area}} of {_listed(layer_names)} reaches {into}",
        )


def served_rows(municipalities: ServiceAreas, union: shapely.Geometry) -> npt.NDArray[np.intp]:
    """The municipalities of which ``union`` covers at least :data:`SERVED_SHARE`."""
    shapes = municipalities.geometries
    covered = shapely.area(shapely.intersection(shapes, union))
    share = np.divide(covered, shapely.area(shapes), out=np.zeros(len(shapes)), where=covered > 0)
    return np.flatnonzero(share >= SERVED_SHARE)


def _covering(
    areas: ServiceAreas, piece: shapely.Geometry, among: npt.NDArray[np.intp] | None = None
) -> tuple[str, ...]:
    """The labels of the polygons of ``areas`` that share ground with ``piece``."""
    rows = np.arange(len(areas)) if among is None else among
    shared = shapely.area(shapely.intersection(areas.geometries[rows], piece))
    return tuple(areas.label(int(row)) for row in rows[shared > 0])


def _listed(names: tuple[str, ...]) -> str:
    if not names:
        return "no polygon"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" and {names[-1]}"
