"""Road centreline checks: ends that meet nothing, and roads outside the provisioning area.

``road.dangle``, ``road.outside_provisioning``. A dead-end street is a real
dangle: flag it with the exception field (``road.dangle``) once checked, as
validators expect; a road ending at the provisioning boundary continues in
the neighbour's data and is no dangle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from mapdesk.core.analysis.nena.check_geometry import outside_area
from mapdesk.core.analysis.nena.context import Draft, NenaLayer, ValidationContext

#: How far the message looks for the nearest other centreline of a dangle.
NEAREST_LOOK_M = 100.0


def line_ends(layer: NenaLayer) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """Both end points of every line part, and the feature row each belongs to."""
    parts, owners = shapely.get_parts(layer.shapes, return_index=True)
    lines = np.isin(shapely.get_type_id(parts), [1, 2])
    parts, owners = parts[lines], owners[lines]
    ends = np.concatenate([shapely.get_point(parts, 0), shapely.get_point(parts, -1)])
    return ends, np.concatenate([owners, owners]).astype(np.intp)


def dangles(ctx: ValidationContext) -> list[Draft]:
    """``road.dangle``: a centreline end that touches no other centreline (within ``snap_m``)."""
    layer = ctx.layer("RoadCenterLine")
    if layer is None:
        return []
    ends, owners = line_ends(layer)
    tree = shapely.STRtree(layer.shapes)
    loose = ~_meets_another(tree, ends, owners, ctx.options.snap_m)
    loose[loose] = ~_meets_itself(layer, ends[loose], owners[loose], ctx.options.snap_m)
    if ctx.provisioning is not None:
        edge = shapely.boundary(ctx.provisioning)
        shapely.prepare(edge)
        loose[loose] = ~shapely.dwithin(edge, ends[loose], ctx.options.edge_m)
    candidates = np.flatnonzero(loose)
    nearest = _nearest_other(tree, ends[candidates], owners[candidates], ctx.options)
    within = ctx.options.dangle_within_m
    if within is not None:
        keep = nearest <= within
        candidates, nearest = candidates[keep], nearest[keep]
    problems = [_dangle_problem(d) for d in nearest]
    places = [(float(shapely.get_x(p)), float(shapely.get_y(p))) for p in ends[candidates]]
    return ctx.drafts("road.dangle", layer, owners[candidates], problems, places)


def _meets_another(
    tree: shapely.STRtree, ends: npt.NDArray[Any], owners: npt.NDArray[np.intp], snap: float
) -> npt.NDArray[np.bool_]:
    which, other = tree.query(ends, predicate="dwithin", distance=snap)
    met = np.zeros(len(ends), dtype=bool)
    met[which[owners[which] != other]] = True
    return met


def _meets_itself(
    layer: NenaLayer, ends: npt.NDArray[Any], owners: npt.NDArray[np.intp], snap: float
) -> npt.NDArray[np.bool_]:
    """Ends that touch their own feature away from themselves: a loop closing on itself
    (a cul-de-sac loop, a ring road) or the parts of one multi-part road meeting."""
    rest = shapely.difference(layer.shapes[owners], shapely.buffer(ends, 2 * snap))
    return np.asarray(shapely.dwithin(ends, rest, snap), dtype=bool)


def _nearest_other(
    tree: shapely.STRtree,
    ends: npt.NDArray[Any],
    owners: npt.NDArray[np.intp],
    options: Any,
) -> npt.NDArray[np.float64]:
    """Distance from each end to the nearest other centreline (inf beyond the look)."""
    look = max(NEAREST_LOOK_M, options.dangle_within_m or 0.0)
    which, other = tree.query(ends, predicate="dwithin", distance=look)
    keep = owners[which] != other
    which, other = which[keep], other[keep]
    nearest = np.full(len(ends), np.inf)
    if len(which):
        gaps = shapely.distance(ends[which], tree.geometries[other])
        np.minimum.at(nearest, which, gaps)
    return nearest


def _dangle_problem(nearest: float) -> str:
    if np.isfinite(nearest):
        return f"an end meets no other centreline (the nearest is {nearest:.1f} m away)"
    return f"an end meets no other centreline (none within {NEAREST_LOOK_M:.0f} m)"


def roads_outside(ctx: ValidationContext) -> list[Draft]:
    """``road.outside_provisioning``: a centreline with more than ``edge_m`` of its length
    outside the provisioning area."""
    layer = ctx.layer("RoadCenterLine")
    if layer is None or ctx.provisioning is None:
        return []
    rows = outside_area(ctx, layer)
    outside = shapely.difference(layer.shapes[rows], ctx.provisioning)
    lengths = shapely.length(outside)
    far = lengths > ctx.options.edge_m
    rows, outside, lengths = rows[far], outside[far], lengths[far]
    totals = shapely.length(layer.shapes[rows])
    problems = [
        f"{part:,.0f} m of its {whole:,.0f} m lie outside the provisioning area"
        for part, whole in zip(lengths, totals, strict=True)
    ]
    places = [_middle(part) for part in outside]
    return ctx.drafts("road.outside_provisioning", layer, rows, problems, places)


def _middle(geom: Any) -> tuple[float, float] | None:
    """The middle of the longest line part of ``geom``."""
    parts = shapely.get_parts(geom)
    if not len(parts):
        return None
    longest = parts[int(np.argmax(shapely.length(parts)))]
    point = shapely.line_interpolate_point(longest, 0.5, normalized=True)
    return (float(shapely.get_x(point)), float(shapely.get_y(point)))
