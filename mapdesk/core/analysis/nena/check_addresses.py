"""Address point checks: inside the area, in agreement with the A1-A5 polygons, on a
street that is nearby and whose ranges hold the number, and given once.

``address.outside_provisioning``, ``address.municipality_mismatch``,
``address.no_matching_road``, ``address.range_mismatch``, ``address.duplicate``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from mapdesk.core.analysis.nena.check_geometry import outside_area
from mapdesk.core.analysis.nena.check_ranges import SIDE_NAMES, SideRanges, side_ranges
from mapdesk.core.analysis.nena.context import Draft, NenaLayer, ValidationContext
from mapdesk.core.analysis.nena.streets import address_keys, street_keys, street_names


def addresses_outside(ctx: ValidationContext) -> list[Draft]:
    """``address.outside_provisioning``: a point outside the provisioning area."""
    layer = ctx.layer("SiteStructureAddressPoint")
    if layer is None or ctx.provisioning is None:
        return []
    rows = outside_area(ctx, layer)
    away = shapely.distance(layer.shapes[rows], ctx.provisioning)
    problems = [f"lies {d:,.0f} m outside the provisioning area" for d in away]
    return ctx.drafts("address.outside_provisioning", layer, rows, problems)


def municipality_mismatches(ctx: ValidationContext) -> list[Draft]:
    """``address.municipality_mismatch``: an address's A1-A5 value (state, county,
    municipality...) differs from that of the A1-A5 polygon it lies in."""
    layer = ctx.layer("SiteStructureAddressPoint")
    if layer is None:
        return []
    out: list[Draft] = []
    for level in range(1, 6):
        areas = ctx.layer(f"A{level}Polygon")
        if areas is not None and layer.values(f"A{level}") is not None:
            rows, problems = _level_mismatches(layer, areas, f"A{level}")
            out += ctx.drafts("address.municipality_mismatch", layer, rows, problems)
    return out


def _level_mismatches(
    layer: NenaLayer, areas: NenaLayer, field: str
) -> tuple[list[int], list[str]]:
    said = layer.texts(field)
    theirs = areas.texts(field)
    tree = shapely.STRtree(areas.shapes)
    points, polygons = tree.query(layer.shapes, predicate="intersects")
    keep = (said[points] != "") & (theirs[polygons] != "")
    points, polygons = points[keep], polygons[keep]
    agree = _folded(said)[points] == _folded(theirs)[polygons]
    agreeing = set(points[agree].tolist())
    rows, problems, seen = [], [], set()
    for p, g in zip(points, polygons, strict=True):
        if p in agreeing or p in seen:
            continue
        seen.add(p)
        rows.append(int(p))
        problems.append(
            f"{field} {said[p]!r}, but it lies in {theirs[g]!r} ({areas.name} fid {areas.fids[g]})"
        )
    return rows, problems


def _folded(texts: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    return pd.Series(texts, dtype=object).str.casefold().to_numpy(dtype=object)


def road_matches(ctx: ValidationContext) -> list[Draft]:
    """``address.no_matching_road`` and ``address.range_mismatch``.

    An address point needs a centreline of its street (all name parts, case
    ignored) within ``search_m``; and one of them must hold its number on
    the side the point lies, with the side's parity.
    """
    layer = ctx.layer("SiteStructureAddressPoint")
    roads = ctx.layer("RoadCenterLine")
    if layer is None or roads is None:
        return []
    match = _StreetMatch(ctx, layer, roads)
    out = ctx.drafts("address.no_matching_road", layer, *match.without_road())
    ranges = side_ranges(roads)
    if ranges is not None:
        out += ctx.drafts("address.range_mismatch", layer, *match.out_of_range(ranges))
    return out


class _StreetMatch:
    """Address points paired with the centrelines of their street within ``search_m``."""

    def __init__(self, ctx: ValidationContext, layer: NenaLayer, roads: NenaLayer) -> None:
        self.layer, self.roads, self.search = layer, roads, ctx.options.search_m
        self.keys = street_keys(layer.texts)
        self.road_keys = street_keys(roads.texts)
        self.streets = street_names(layer.texts)
        self.tree = shapely.STRtree(roads.shapes)
        named = np.flatnonzero(layer.present & (self.keys != ""))
        near, found = self.tree.query(
            layer.shapes[named], predicate="dwithin", distance=self.search
        )
        points, lines = named[near], found
        same = self.keys[points] == self.road_keys[lines]
        self.points, self.lines = points[same], lines[same]
        self.named = named

    def without_road(self) -> tuple[npt.NDArray[np.intp], list[str]]:
        rows = np.setdiff1d(self.named, self.points)
        problems = [self._no_road_problem(row) for row in rows]
        return rows, problems

    def _no_road_problem(self, row: int) -> str:
        street = self.streets[row]
        elsewhere = np.flatnonzero(self.road_keys == self.keys[row])
        if not len(elsewhere):
            return f"no road centreline is named {street!r}"
        away = shapely.distance(self.layer.shapes[row], self.roads.shapes[elsewhere])
        return (
            f"no centreline of {street!r} within {self.search:,.0f} m "
            f"(the nearest is {np.nanmin(away):,.0f} m away)"
        )

    def out_of_range(self, ranges: SideRanges) -> tuple[list[int], list[str]]:
        values = self.layer.values("Add_Number")
        if values is None:
            return [], []
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        number = numbers[self.points]
        sides = _sides(self.layer.shapes[self.points], self.roads.shapes[self.lines])
        fits = _holds(ranges, self.lines, sides, number)
        counted = np.isfinite(number)
        fitting = set(self.points[fits].tolist())
        distances = shapely.distance(self.layer.shapes[self.points], self.roads.shapes[self.lines])
        order = np.lexsort((distances, self.points))
        rows, problems, seen = [], [], set()
        for pair in order[counted[order]]:
            row = int(self.points[pair])
            if row in fitting or row in seen:
                continue
            seen.add(row)
            rows.append(row)
            problems.append(self._range_problem(ranges, int(self.lines[pair]), sides[pair], row))
        return rows, problems

    def _range_problem(self, ranges: SideRanges, line: int, side: str, row: int) -> str:
        number = self.layer.texts("Add_Number")[row]
        spans = ", ".join(f"{SIDE_NAMES[s]} {_span(ranges, s, line)}" for s in ("L", "R"))
        on = "on the line" if side == "" else f"on its {SIDE_NAMES[side]}"
        return (
            f"{number} is not in the ranges of the nearest {self.streets[row]!r} centreline "
            f"(fid {self.roads.fids[line]}: {spans}; the point is {on})"
        )


def _span(ranges: SideRanges, side: str, line: int) -> str:
    low, high, parity = ranges.low[side][line], ranges.high[side][line], ranges.parity[side][line]
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"no range ({parity or 'no parity'})"
    return f"{low:.0f}-{high:.0f} {parity or '(no parity)'}"


def _sides(points: npt.NDArray[Any], lines: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """``"L"`` or ``"R"``: the side of each line (walking from its start) each point lies on;
    ``""`` on the line itself."""
    along = shapely.line_locate_point(lines, points)
    length = shapely.length(lines)
    step = np.minimum(1.0, length / 10)
    before = shapely.line_interpolate_point(lines, np.clip(along - step, 0, length))
    after = shapely.line_interpolate_point(lines, np.clip(along + step, 0, length))
    ax, ay = shapely.get_x(before), shapely.get_y(before)
    bx, by = shapely.get_x(after), shapely.get_y(after)
    px, py = shapely.get_x(points), shapely.get_y(points)
    cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
    return np.where(cross > 0, "L", np.where(cross < 0, "R", "")).astype(object)


def _holds(
    ranges: SideRanges,
    lines: npt.NDArray[np.intp],
    sides: npt.NDArray[np.object_],
    number: npt.NDArray[np.float64],
) -> npt.NDArray[np.bool_]:
    """For each (point, line) pair: the line's range on the point's side holds the number
    (either side for a point on the line)."""
    fits = np.zeros(len(lines), dtype=bool)
    odd = np.mod(number, 2) == 1
    for side in ("L", "R"):
        low, high = ranges.low[side][lines], ranges.high[side][lines]
        parity = ranges.parity[side][lines]
        inside = (low <= number) & (number <= high) & (parity != "Z")
        inside &= np.where(parity == "O", odd, np.where(parity == "E", ~odd, True))
        fits |= inside & ((sides == side) | (sides == ""))
    return fits


def duplicates(ctx: ValidationContext) -> list[Draft]:
    """``address.duplicate``: a point with the address (number, street, sub-address, A1-A3)
    of an earlier point; reported on the later one."""
    layer = ctx.layer("SiteStructureAddressPoint")
    if layer is None:
        return []
    keys = pd.Series(address_keys(layer.texts))
    given = keys != ""
    repeated = np.flatnonzero(given & keys.duplicated(keep="first"))
    firsts = keys[given].drop_duplicates(keep="first")
    first_row = dict(zip(firsts.to_numpy(), firsts.index, strict=True))
    problems = [f"the same address as fid {layer.fids[first_row[keys[r]]]}" for r in repeated]
    return ctx.drafts("address.duplicate", layer, repeated, problems)
