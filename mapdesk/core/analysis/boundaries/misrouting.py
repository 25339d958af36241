"""Misrouting: where the PSAP that takes a call is not the one that serves the municipality.

Each municipality has an expected PSAP: the one a user-given table names, or
else the PSAP that covers the largest share of its area. Ground of a
municipality inside another PSAP is a ``municipality_split`` finding; an
address point there (or in no PSAP, or in two) is a misrouting candidate:
its call would reach a PSAP other than the one its municipality expects.
An address's municipality is the municipal polygon that contains it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from mapdesk.core.analysis.boundaries.findings import Findings
from mapdesk.core.analysis.service_areas import ServiceAreas, records
from mapdesk.core.errors import MapdeskError
from mapdesk.core.nena_address import full_address

Rows = npt.NDArray[np.intp]


@dataclass(frozen=True)
class PsapAssignment:
    """One row of a user's table: the PSAP expected to serve a municipality."""

    line: int
    municipality: str
    psap: str


@dataclass(frozen=True)
class ExpectedPsap:
    """The PSAP expected to serve one municipality, and where that came from."""

    municipality_row: int
    psap_row: int | None  # None: no PSAP covers any of it
    source: str  # "table" or "majority"
    share: float  # of the municipality's area inside that PSAP (0-1)


@dataclass(frozen=True)
class MisroutingCandidate:
    """An address point whose containing PSAP is not its municipality's expected one."""

    fid: Any
    address: str
    municipality: str
    psap_found: str | None  # "A; B" inside two; None in none
    psap_expected: str
    point: shapely.Point


def expected_psaps(
    municipalities: ServiceAreas,
    psaps: ServiceAreas,
    table: Sequence[PsapAssignment] = (),
    table_name: str = "the table",
) -> tuple[ExpectedPsap, ...]:
    """The expected PSAP of each municipality: the table's, else the largest share's.

    Raises
    ------
    MapdeskError
        When a table row names a municipality or PSAP that is not in the
        layers (the message names the file, line and value, and the names
        there are).
    """
    shares = _shares(municipalities, psaps)
    chosen = {}
    for row in table:
        muni = _find(municipalities, row.municipality, table_name, row.line)
        chosen[muni] = _find(psaps, row.psap, table_name, row.line)
    expected = []
    for muni in range(len(municipalities)):
        if muni in chosen:
            psap = chosen[muni]
            expected.append(ExpectedPsap(muni, psap, "table", float(shares[muni, psap])))
            continue
        best = int(np.argmax(shares[muni])) if len(psaps) else 0
        found = best if len(psaps) and shares[muni, best] > 0 else None
        share = float(shares[muni, best]) if found is not None else 0.0
        expected.append(ExpectedPsap(muni, found, "majority", share))
    return tuple(expected)


def _shares(municipalities: ServiceAreas, psaps: ServiceAreas) -> npt.NDArray[np.float64]:
    """[municipality, psap]: the share of the municipality's area inside the PSAP."""
    shared = np.zeros((len(municipalities), len(psaps)))
    tree = shapely.STRtree(psaps.geometries)
    muni_rows, psap_rows = tree.query(municipalities.geometries, predicate="intersects")
    pieces = shapely.intersection(municipalities.geometries[muni_rows], psaps.geometries[psap_rows])
    shared[muni_rows, psap_rows] = shapely.area(pieces)
    whole = shapely.area(municipalities.geometries)[:, np.newaxis]
    share: npt.NDArray[np.float64] = np.divide(
        shared, whole, out=np.zeros(shared.shape), where=whole > 0
    )
    return share


def _find(areas: ServiceAreas, name: str, table_name: str, line: int) -> int:
    row = areas.find(name)
    if row is None:
        known = ", ".join(sorted(set(areas.names)))
        raise MapdeskError(
            f"{table_name} line {line}: {name!r} is not a polygon of {areas.layer} "
            f"(its names are {known})"
        )
    return row


def check_municipality_splits(
    municipalities: ServiceAreas,
    psaps: ServiceAreas,
    expected: Sequence[ExpectedPsap],
    findings: Findings,
) -> None:
    """Ground of each municipality inside a PSAP other than its expected one."""
    tree = shapely.STRtree(psaps.geometries)
    for wanted in expected:
        if wanted.psap_row is None:
            continue
        muni = municipalities.geometries[wanted.municipality_row]
        who = municipalities.label(wanted.municipality_row)
        for row in np.sort(tree.query(muni, predicate="intersects")).tolist():
            if row == wanted.psap_row:
                continue
            findings.add(
                "municipality_split",
                psaps.layer,
                shapely.intersection(muni, psaps.geometries[row]),
                (who, psaps.label(row), psaps.label(wanted.psap_row)),
                f"{{area}} of {who} is in {psaps.label(row)}, not its expected PSAP "
                f"{psaps.label(wanted.psap_row)}: calls from there go to the wrong PSAP",
            )


def misrouting_candidates(
    addresses: gpd.GeoDataFrame,
    municipalities: ServiceAreas,
    psaps: ServiceAreas,
    expected: Sequence[ExpectedPsap],
) -> tuple[list[MisroutingCandidate], int]:
    """The candidates among ``addresses`` (in the analysis CRS), and how many addresses
    could not be checked (no location, no municipality, or one no PSAP serves)."""
    shapes = np.asarray(addresses.geometry.array, dtype=object)
    located = np.flatnonzero(~(shapely.is_missing(shapes) | shapely.is_empty(shapes)))
    points = shapely.point_on_surface(shapes[located])
    muni_of = _first_containing(municipalities, points)
    psaps_of = _all_containing(psaps, points)
    by_muni = {e.municipality_row: e.psap_row for e in expected if e.psap_row is not None}
    checked = [(i, by_muni[int(m)]) for i, m in enumerate(muni_of) if int(m) in by_muni]
    found = [(i, psap) for i, psap in checked if psaps_of[i] != [psap]]
    attributes = records(addresses, located[[i for i, _ in found]])
    candidates = [
        MisroutingCandidate(
            _plain(addresses.index[located[i]]),
            full_address(record),
            municipalities.names[int(muni_of[i])],
            "; ".join(psaps.names[p] for p in psaps_of[i]) or None,
            psaps.names[psap],
            points[i],
        )
        for (i, psap), record in zip(found, attributes, strict=True)
    ]
    return candidates, len(shapes) - len(checked)


def _first_containing(areas: ServiceAreas, points: npt.NDArray[np.object_]) -> Rows:
    """For each point, the first polygon (by row) that contains it; -1 for none."""
    found = np.full(len(points), -1, dtype=np.intp)
    if len(points) == 0:
        return found
    point_rows, area_rows = shapely.STRtree(areas.geometries).query(points, predicate="intersects")
    order = np.lexsort((area_rows, point_rows))[::-1]  # the first row is written last
    found[point_rows[order]] = area_rows[order]
    return found


def _all_containing(areas: ServiceAreas, points: npt.NDArray[np.object_]) -> list[list[int]]:
    found: list[list[int]] = [[] for _ in range(len(points))]
    if len(points) == 0:
        return found
    point_rows, area_rows = shapely.STRtree(areas.geometries).query(points, predicate="intersects")
    for point, area in sorted(zip(point_rows.tolist(), area_rows.tolist(), strict=True)):
        found[point].append(area)
    return found


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
