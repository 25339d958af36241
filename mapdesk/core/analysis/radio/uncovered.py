"""The address points and road pieces outside a coverage area, and where each lies.

Both take features already in the analysis CRS and the coverage as one
prepared (multi)polygon. An address point on the coverage edge is covered
(``intersects``, not ``within``). Roads are cut at the coverage edge and at
the PSAP boundaries; each uncovered piece is a row of the output layer with
the PSAP it lies in and its ground length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from mapdesk.core.analysis.geodesy import geodesic_lengths
from mapdesk.core.analysis.service_areas import ServiceAreas, records, text_of
from mapdesk.core.nena_address import full_address

Geometries = npt.NDArray[np.object_]
Rows = npt.NDArray[np.intp]
#: A tally key: None for all features, a PSAP row, or -1 for outside every PSAP.
PsapKey = int | None

_ROAD_NAME_FIELDS = ("FullName", "FULLNAME", "name", "Name", "NAME", "STREET", "street")
_LINEAR = (1, 2, 5)  # LineString, LinearRing, MultiLineString
_OUTSIDE_EVERY_PSAP = -1


@dataclass(frozen=True)
class UncoveredAddresses:
    """Address points outside the coverage, and which PSAP each located address is in."""

    layer: str
    frame: gpd.GeoDataFrame
    covered: npt.NDArray[np.bool_]
    psap_of_pair: Rows  # with point_of_pair: (PSAP row, address) pairs, address inside
    point_of_pair: Rows
    unlocated: int

    def counts(self, psap: PsapKey) -> tuple[int, int]:
        """Located addresses in ``psap`` (see :data:`PsapKey`), and how many are uncovered."""
        if psap is None:
            rows = np.arange(len(self.covered))
        elif psap == _OUTSIDE_EVERY_PSAP:
            rows = np.setdiff1d(np.arange(len(self.covered)), self.point_of_pair)
        else:
            rows = self.point_of_pair[self.psap_of_pair == psap]
        return len(rows), int((~self.covered[rows]).sum())


@dataclass(frozen=True)
class UncoveredRoads:
    """Road pieces outside the coverage, and road length per PSAP (total, uncovered)."""

    layer: str
    frame: gpd.GeoDataFrame
    by_psap: dict[PsapKey, tuple[float, float]]
    unlocated: int

    def lengths(self, psap: PsapKey) -> tuple[float, float]:
        """Road metres in ``psap`` (see :data:`PsapKey`), and how many are uncovered."""
        return self.by_psap.get(psap, (0.0, 0.0))


def uncovered_addresses(
    frame: gpd.GeoDataFrame, layer: str, coverage: shapely.Geometry, psaps: ServiceAreas | None
) -> UncoveredAddresses:
    """The address points of ``frame`` (in the analysis CRS) outside ``coverage``."""
    shapes = np.asarray(frame.geometry.array, dtype=object)
    located = np.flatnonzero(~(shapely.is_missing(shapes) | shapely.is_empty(shapes)))
    points = shapely.point_on_surface(shapes[located])
    xy = shapely.get_coordinates(points)
    covered = np.asarray(shapely.intersects_xy(coverage, xy[:, 0], xy[:, 1]), dtype=bool)
    pairs = _psap_pairs(psaps, points)
    names = _psap_names(psaps, pairs, len(points))
    outside = np.flatnonzero(~covered)
    rows = located[outside]
    table = pd.DataFrame(
        {
            "source_fid": frame.index.to_numpy()[rows],
            "address": [full_address(record) for record in records(frame, rows)],
            "nguid": _texts(frame, rows, ("NGUID",)),
            "psap": [names[i] for i in outside],
        }
    )
    uncovered = gpd.GeoDataFrame(table, geometry=points[outside], crs=frame.crs)
    return UncoveredAddresses(
        layer, uncovered, covered, pairs[0], pairs[1], len(shapes) - len(located)
    )


def uncovered_roads(
    frame: gpd.GeoDataFrame, layer: str, coverage: shapely.Geometry, psaps: ServiceAreas | None
) -> UncoveredRoads:
    """The pieces of the roads of ``frame`` (in the analysis CRS) outside ``coverage``."""
    shapes = np.asarray(frame.geometry.array, dtype=object)
    keep = ~(shapely.is_missing(shapes) | shapely.is_empty(shapes))
    keep &= np.isin(shapely.get_type_id(shapes), _LINEAR)
    located = np.flatnonzero(keep)
    lines = shapes[located]
    outside = cut_away(lines, coverage)
    crs = frame.crs
    by_psap: dict[PsapKey, tuple[float, float]] = {
        None: (
            float(geodesic_lengths(lines, crs).sum()),
            float(geodesic_lengths(outside, crs).sum()),
        )
    }
    pieces: list[tuple[Rows, Geometries, str | None]] = []
    if psaps is None:
        pieces.append((np.arange(len(lines)), outside, None))
    else:
        _tally_psaps(psaps, lines, outside, crs, by_psap, pieces)
    piece_frame = _piece_frame(frame, located, pieces)
    return UncoveredRoads(layer, piece_frame, by_psap, len(shapes) - len(located))


def _tally_psaps(
    psaps: ServiceAreas,
    lines: Geometries,
    outside: Geometries,
    crs: Any,
    by_psap: dict[PsapKey, tuple[float, float]],
    pieces: list[tuple[Rows, Geometries, str | None]],
) -> None:
    """Road length and uncovered pieces in each PSAP, and outside every one."""
    tree = shapely.STRtree(lines)
    for row, polygon in enumerate(psaps.geometries):
        shapely.prepare(polygon)
        hits = np.sort(tree.query(polygon, predicate="intersects"))
        inside = clip(lines[hits], polygon)
        uncovered = clip(outside[hits], polygon)
        by_psap[row] = (
            float(geodesic_lengths(inside, crs).sum()),
            float(geodesic_lengths(uncovered, crs).sum()),
        )
        pieces.append((hits, uncovered, psaps.names[row]))
    union = shapely.union_all(psaps.geometries)
    shapely.prepare(union)
    beyond = cut_away(lines, union)
    beyond_uncovered = cut_away(outside, union)
    by_psap[_OUTSIDE_EVERY_PSAP] = (
        float(geodesic_lengths(beyond, crs).sum()),
        float(geodesic_lengths(beyond_uncovered, crs).sum()),
    )
    pieces.append((np.arange(len(lines)), beyond_uncovered, None))


def clip(lines: Geometries, polygon: shapely.Geometry) -> Geometries:
    """The parts of ``lines`` inside (or on the edge of) a prepared ``polygon``."""
    result = lines.copy()
    whole = shapely.contains(polygon, lines)
    apart = ~shapely.intersects(polygon, lines)
    result[apart] = shapely.LineString()
    cut = ~(whole | apart)
    result[cut] = shapely.intersection(lines[cut], polygon)
    return result


def cut_away(lines: Geometries, polygon: shapely.Geometry) -> Geometries:
    """The parts of ``lines`` outside a prepared ``polygon``."""
    result = lines.copy()
    gone = shapely.contains(polygon, lines)
    result[gone] = shapely.LineString()
    cut = ~gone & shapely.intersects(polygon, lines)
    result[cut] = shapely.difference(lines[cut], polygon)
    return result


def _piece_frame(
    frame: gpd.GeoDataFrame, located: Rows, pieces: list[tuple[Rows, Geometries, str | None]]
) -> gpd.GeoDataFrame:
    """One row per non-empty uncovered piece: road fid and name, PSAP, ground metres."""
    rows = np.concatenate([r for r, _, _ in pieces]) if pieces else np.empty(0, np.intp)
    shapes = np.concatenate([g for _, g, _ in pieces]) if pieces else np.empty(0, object)
    psap = [name for r, _, name in pieces for _ in range(len(r))]
    lines = linear_parts(shapes)
    keep = np.flatnonzero(~shapely.is_empty(lines))
    source = located[rows[keep]]
    table = pd.DataFrame(
        {
            "source_fid": frame.index.to_numpy()[source],
            "road": [_road_name(record) for record in records(frame, source)],
            "psap": [psap[i] for i in keep],
            "length_m": geodesic_lengths(lines[keep], frame.crs),
        }
    )
    return gpd.GeoDataFrame(table, geometry=lines[keep], crs=frame.crs)


def linear_parts(shapes: Geometries) -> Geometries:
    """Each geometry's line parts as one MultiLineString (points where a line touched go)."""
    parts, owner = shapely.get_parts(shapes, return_index=True)
    if len(parts) == 0:
        return np.array([shapely.MultiLineString() for _ in shapes], dtype=object)
    linear = np.isin(shapely.get_type_id(parts), (1, 2))
    merged = shapely.multilinestrings(parts[linear], indices=owner[linear])
    result = np.array([shapely.MultiLineString() for _ in shapes], dtype=object)
    result[np.unique(owner[linear])] = merged
    return result


def _psap_pairs(psaps: ServiceAreas | None, points: Geometries) -> tuple[Rows, Rows]:
    """(PSAP row, point) for every point inside (or on the edge of) a PSAP polygon."""
    if psaps is None or len(points) == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    tree = shapely.STRtree(psaps.geometries)
    point_rows, psap_rows = tree.query(points, predicate="intersects")
    order = np.lexsort((psap_rows, point_rows))
    return psap_rows[order].astype(np.intp), point_rows[order].astype(np.intp)


def _psap_names(
    psaps: ServiceAreas | None, pairs: tuple[Rows, Rows], count: int
) -> list[str | None]:
    """Each point's PSAP name(s) ("A; B" where PSAPs overlap); None outside every PSAP."""
    found: list[list[str]] = [[] for _ in range(count)]
    if psaps is not None:
        for psap, point in zip(*pairs, strict=True):
            found[point].append(psaps.names[psap])
    return ["; ".join(names) if names else None for names in found]


def _texts(frame: gpd.GeoDataFrame, rows: Rows, fields: tuple[str, ...]) -> list[str | None]:
    columns = {str(c).lower(): c for c in frame.columns if c != frame.geometry.name}
    column = next((columns[f.lower()] for f in fields if f.lower() in columns), None)
    if column is None:
        return [None] * len(rows)
    return [text_of(v) or None for v in frame[column].to_numpy()[rows]]


def _road_name(attributes: dict[str, Any]) -> str:
    """The street name from the NENA parts (no number: a centreline has a range), or a
    name field."""
    named = full_address(attributes)
    if named:
        return named
    return next((t for f in _ROAD_NAME_FIELDS if (t := text_of(attributes.get(f)))), "")
