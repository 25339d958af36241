"""Radio coverage per PSAP: the addresses and road length outside every coverage area.

The coverage is the union of the areas of :mod:`.areas` (tower circles,
signal-raster areas). An address point on the edge counts as covered. A
road is cut at the edge and only its pieces outside count; lengths are
ground metres (:mod:`~mapdesk.core.analysis.geodesy`). Each PSAP polygon
gets its own tally (a road crossing two PSAPs is split between them; where
PSAPs overlap, what lies in both is counted in each: run the boundary check
for that), and so do the whole data and whatever lies outside every PSAP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from mapdesk.core.analysis.radio.areas import SignalArea, coverage_areas
from mapdesk.core.analysis.radio.towers import TowerSites
from mapdesk.core.analysis.radio.uncovered import (
    UncoveredAddresses,
    UncoveredRoads,
    uncovered_addresses,
    uncovered_roads,
)
from mapdesk.core.analysis.service_areas import ServiceAreas
from mapdesk.core.errors import MapdeskError


@dataclass(frozen=True)
class Tally:
    """Addresses and road length in one area (a PSAP, all data), and how much is uncovered."""

    name: str
    fid: Any = None
    addresses: int = 0
    addresses_outside: int = 0
    road_m: float = 0.0
    road_outside_m: float = 0.0

    @property
    def addresses_outside_pct(self) -> float | None:
        return 100.0 * self.addresses_outside / self.addresses if self.addresses else None

    @property
    def road_outside_pct(self) -> float | None:
        return 100.0 * self.road_outside_m / self.road_m if self.road_m > 0 else None


@dataclass(frozen=True)
class RadioInputs:
    """What a radio coverage run looks at, each layer already read.

    Attributes
    ----------
    crs
        The analysis CRS (metric; the output layers are in it).
    towers
        The tower sites (None: coverage from signal rasters only).
    signals
        Predicted-signal areas.
    psaps
        The PSAP polygons to tally by (None: the overall figures only).
    addresses, roads
        The address points and road centrelines with their layer names
        (either may be None, not both).
    """

    crs: CRS
    towers: TowerSites | None = None
    signals: tuple[SignalArea, ...] = ()
    psaps: ServiceAreas | None = None
    addresses: tuple[str, gpd.GeoDataFrame] | None = None
    roads: tuple[str, gpd.GeoDataFrame] | None = None


@dataclass(frozen=True)
class RadioCoverage:
    """The result: the layers to write and the figures to report."""

    inputs: RadioInputs
    areas: gpd.GeoDataFrame
    uncovered_addresses: gpd.GeoDataFrame | None
    uncovered_roads: gpd.GeoDataFrame | None
    overall: Tally
    psaps: tuple[Tally, ...]
    outside_psaps: Tally | None
    notes: tuple[str, ...] = field(default=())


def radio_coverage(inputs: RadioInputs) -> RadioCoverage:
    """Coverage areas, what lies outside them, and the tallies per PSAP and overall.

    Raises
    ------
    MapdeskError
        When there is nothing to cover with (no tower in use, no raster) or
        nothing to measure (no addresses, no roads).
    """
    if inputs.addresses is None and inputs.roads is None:
        raise MapdeskError("Radio coverage needs address points or road centrelines to measure")
    areas = coverage_areas(inputs.towers, inputs.signals, inputs.crs)
    if areas.empty:
        raise MapdeskError(
            "No tower is in service (planned towers count only when included) and no "
            "signal raster was given: there is no coverage to measure"
        )
    coverage = shapely.union_all(np.asarray(areas.geometry.array, dtype=object))
    shapely.prepare(coverage)
    addresses = _addresses(inputs, coverage)
    roads = _roads(inputs, coverage)
    tallies = tuple(_psap_tally(inputs.psaps, row, addresses, roads) for row in _rows(inputs))
    notes = (*(inputs.towers.notes if inputs.towers else ()), *_notes(inputs, addresses, roads))
    return RadioCoverage(
        inputs,
        areas,
        addresses.frame if addresses else None,
        roads.frame if roads else None,
        _tally("All data", None, addresses, roads, None),
        tallies,
        _outside_tally(inputs.psaps, addresses, roads),
        notes,
    )


def _addresses(inputs: RadioInputs, coverage: shapely.Geometry) -> UncoveredAddresses | None:
    if inputs.addresses is None:
        return None
    layer, frame = inputs.addresses
    return uncovered_addresses(frame.to_crs(inputs.crs), layer, coverage, inputs.psaps)


def _roads(inputs: RadioInputs, coverage: shapely.Geometry) -> UncoveredRoads | None:
    if inputs.roads is None:
        return None
    layer, frame = inputs.roads
    return uncovered_roads(frame.to_crs(inputs.crs), layer, coverage, inputs.psaps)


def _rows(inputs: RadioInputs) -> range:
    return range(len(inputs.psaps) if inputs.psaps is not None else 0)


def _psap_tally(
    psaps: ServiceAreas | None,
    row: int,
    addresses: UncoveredAddresses | None,
    roads: UncoveredRoads | None,
) -> Tally:
    assert psaps is not None
    return _tally(psaps.names[row], psaps.fids[row], addresses, roads, row)


def _tally(
    name: str,
    fid: Any,
    addresses: UncoveredAddresses | None,
    roads: UncoveredRoads | None,
    psap: int | None,
) -> Tally:
    """The tally of one PSAP row, of everything (None), or outside every PSAP (-1)."""
    count, outside = (0, 0) if addresses is None else addresses.counts(psap)
    road_m, road_outside_m = (0.0, 0.0) if roads is None else roads.lengths(psap)
    return Tally(name, fid, count, outside, road_m, road_outside_m)


def _outside_tally(
    psaps: ServiceAreas | None, addresses: UncoveredAddresses | None, roads: UncoveredRoads | None
) -> Tally | None:
    if psaps is None:
        return None
    return _tally("Outside every PSAP", None, addresses, roads, -1)


def _notes(
    inputs: RadioInputs, addresses: UncoveredAddresses | None, roads: UncoveredRoads | None
) -> list[str]:
    notes: list[str] = []
    if inputs.psaps is None:
        notes.append("No PSAP layer: only the figures for all data")
    elif inputs.psaps.repaired:
        fids = ", ".join(str(f) for f in inputs.psaps.repaired)
        notes.append(f"PSAP polygons with invalid geometry were repaired for the count: fid {fids}")
    for part in (addresses, roads):
        if part is not None and part.unlocated:
            notes.append(f"{part.unlocated} features of {part.layer} have no geometry: not counted")
    return notes
