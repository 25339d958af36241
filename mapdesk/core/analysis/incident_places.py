"""Where FixIt reports fall: counts per polygon, and likely duplicate reports.

Both are vectorised over a shapely STRtree. Counting reprojects the reports to
the polygon layer's CRS; duplicates are found in a projected CRS (the one
given, or the UTM zone of the reports) so that distances are in metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from mapdesk.core.analysis.incidents import IncidentFields, Rows, incident_dates, open_mask
from mapdesk.core.analysis.metric import is_metric

#: The label of the row counting reports that fall on no polygon.
OUTSIDE = "(outside)"


@dataclass(frozen=True)
class PolygonCount:
    """Reports in one polygon (or outside all of them, ``outside`` True)."""

    label: str
    count: int
    open_count: int
    outside: bool = False


def counts_per_polygon(
    incidents: gpd.GeoDataFrame,
    fields: IncidentFields,
    polygons: gpd.GeoDataFrame,
    label_field: str | None,
    rows: Rows | None = None,
) -> list[PolygonCount]:
    """How many reports (and open ones) fall in each polygon, plus an outside row.

    A report in, or on the edge of, several polygons counts in the first of
    them, so the counts add up to the number of reports. Polygons keep their
    layer order; the outside row comes last.
    """
    part = incidents if rows is None else incidents.iloc[rows]
    points = _in_crs(part.geometry, polygons.crs)
    hit = first_polygon(points, polygons.geometry.to_numpy())
    is_open = open_mask(part, fields)
    n = len(polygons)
    counts = np.bincount(hit[hit >= 0], minlength=n)
    opens = np.bincount(hit[(hit >= 0) & is_open], minlength=n)
    labels = _labels(polygons, label_field)
    found = [PolygonCount(labels[i], int(counts[i]), int(opens[i])) for i in range(n)]
    outside = hit < 0
    found.append(PolygonCount(OUTSIDE, int(outside.sum()), int((outside & is_open).sum()), True))
    return found


def first_polygon(points: Any, polygons: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """For each point, the position of the first polygon it touches; -1 for none."""
    geoms = np.asarray(points)
    hit = np.full(len(geoms), -1, dtype=np.intp)
    usable = np.flatnonzero(~(shapely.is_missing(polygons) | shapely.is_empty(polygons)))
    if len(geoms) == 0 or len(usable) == 0:
        return hit
    tree = shapely.STRtree(polygons[usable])
    point_at, polygon_at = tree.query(geoms, predicate="intersects")
    order = np.lexsort((usable[polygon_at], point_at))  # by point, then polygon position
    point_at, polygon_at = point_at[order], usable[polygon_at][order]
    first = np.r_[True, point_at[1:] != point_at[:-1]]
    hit[point_at[first]] = polygon_at[first]
    return hit


def _labels(polygons: gpd.GeoDataFrame, label_field: str | None) -> list[str]:
    if label_field is None or label_field not in polygons.columns:
        return [f"Feature {fid}" for fid in polygons.index]
    values = polygons[label_field].astype("string").fillna("")
    return [text or f"Feature {fid}" for text, fid in zip(values, polygons.index, strict=True)]


def _in_crs(geometry: gpd.GeoSeries, crs: Any) -> npt.NDArray[Any]:
    if crs is not None and geometry.crs is not None and not CRS(geometry.crs).equals(crs):
        geometry = geometry.to_crs(crs)
    return np.asarray(geometry.to_numpy())


# --- likely duplicates ----------------------------------------------------------
@dataclass(frozen=True)
class DuplicateGroup:
    """Reports of one category close in place and time: positions and fids.

    ``pairs`` are the (position, position) pairs within the limits that joined
    the group; ``distance_m`` and ``days`` are the largest of those pairs.
    """

    category: str
    rows: tuple[int, ...]
    fids: tuple[Any, ...]
    pairs: tuple[tuple[int, int], ...]
    distance_m: float
    days: float


def likely_duplicates(
    incidents: gpd.GeoDataFrame,
    fields: IncidentFields,
    crs: Any = None,
    distance_m: float = 50.0,
    days: float = 7.0,
    rows: Rows | None = None,
) -> list[DuplicateGroup]:
    """Groups of reports with the same category within ``distance_m`` and ``days``.

    Pairs found are joined into groups (A near B and B near C: one group).
    ``crs`` is the projected CRS to measure in (a project's); when it is None
    or geographic, the UTM zone of the reports is used. Groups come largest
    first, then by first position.
    """
    positions = np.arange(len(incidents), dtype=np.intp) if rows is None else np.asarray(rows)
    part = incidents.iloc[positions]
    xy = _metric_points(part.geometry, crs)
    first, second, metres = _pairs_within(xy, distance_m)
    when = incident_dates(part[fields.requested]).reset_index(drop=True)
    apart = (when.iloc[first].to_numpy() - when.iloc[second].to_numpy()) / pd.Timedelta(days=1)
    apart = np.abs(np.asarray(apart, dtype=float))
    keep = np.isfinite(apart) & (apart <= days)
    if fields.category is not None:
        category = part[fields.category].astype("string").fillna("").to_numpy()
        keep &= category[first] == category[second]
    else:
        category = np.full(len(part), "", dtype=object)
    pairs = list(zip(first[keep].tolist(), second[keep].tolist(), strict=True))
    measures = dict(zip(pairs, zip(metres[keep], apart[keep], strict=True), strict=True))
    groups = [
        _group(members, pairs, measures, positions, part.index, category)
        for members in _connected(pairs)
    ]
    return sorted(groups, key=lambda g: (-len(g.rows), g.rows))


def _metric_points(geometry: gpd.GeoSeries, crs: Any) -> npt.NDArray[np.float64]:
    """x, y of each point (a polygon's centroid) in metres, NaN where missing."""
    located = geometry[geometry.notna() & ~geometry.is_empty]
    if len(located) == 0:  # nothing passed the filter: no pairs, and no zone to guess
        return np.full((len(geometry), 2), np.nan)
    target = CRS(crs) if crs is not None else None
    if target is not None and geometry.crs is not None:
        x, y = located.to_crs(target).union_all().centroid.coords[0]
        if not is_metric(target, x, y):
            target = None
    if target is None:
        target = located.estimate_utm_crs() if geometry.crs is not None else None
    if target is not None and geometry.crs is not None:
        geometry = geometry.to_crs(target)
    points = shapely.centroid(np.asarray(geometry.to_numpy()))
    xy = shapely.get_coordinates(points, include_z=False)
    found = np.full((len(points), 2), np.nan)
    found[~(shapely.is_missing(points) | shapely.is_empty(points))] = xy
    scale = target.axis_info[0].unit_conversion_factor if target is not None else 1.0
    return np.asarray(found * scale, dtype=np.float64)


def _pairs_within(
    xy: npt.NDArray[np.float64], distance_m: float
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Pairs (i < j) of points at most ``distance_m`` apart, and their distances."""
    points = shapely.points(xy)
    valid = np.isfinite(xy).all(axis=1)
    points[~valid] = None
    tree = shapely.STRtree(points)
    first, second = tree.query(points, predicate="dwithin", distance=distance_m)
    keep = first < second
    first, second = first[keep].astype(np.intp), second[keep].astype(np.intp)
    metres = np.hypot(*(xy[first] - xy[second]).T)
    return first, second, np.asarray(metres, dtype=np.float64)


def _connected(pairs: list[tuple[int, int]]) -> list[list[int]]:
    """The groups the pairs join (union-find), each sorted."""
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        parent.setdefault(i, i)
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for i in sorted(parent):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _group(
    members: list[int],
    pairs: list[tuple[int, int]],
    measures: dict[tuple[int, int], tuple[float, float]],
    positions: npt.NDArray[np.intp],
    fids: pd.Index,
    category: npt.NDArray[Any],
) -> DuplicateGroup:
    inside = set(members)
    own = [pair for pair in pairs if pair[0] in inside]
    return DuplicateGroup(
        category=str(category[members[0]]),
        rows=tuple(int(positions[i]) for i in members),
        fids=tuple(fids[i] for i in members),
        pairs=tuple((int(positions[a]), int(positions[b])) for a, b in own),
        distance_m=float(max(measures[p][0] for p in own)),
        days=float(max(measures[p][1] for p in own)),
    )
