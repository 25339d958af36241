"""A coverage study: the network and the inputs, ready to answer for any what-if.

Building the network, reading the stations and placing the addresses happen
once; :meth:`CoverageStudy.run` then computes the travel-time areas, first-due
zones, fractiles and gaps for the stations in service and the roads open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from mapdesk.core.analysis.coverage.areas import AreaBuilder, gap_area, road_samples
from mapdesk.core.analysis.coverage.fractiles import PlaceCoverage, place_coverage
from mapdesk.core.analysis.coverage.model import (
    CountedWarning,
    CoverageOptions,
    Floats,
    Geometries,
    Ints,
    Mask,
    WhatIf,
)
from mapdesk.core.analysis.coverage.network import RoadNetwork, build_road_network
from mapdesk.core.analysis.coverage.positions import NetworkPositions, place_on_network
from mapdesk.core.analysis.coverage.reach import ReachedPieces, StationReach
from mapdesk.core.analysis.coverage.stations import StationTable, station_table
from mapdesk.core.analysis.coverage.zones import first_due_zones, psap_area, zone_extent
from mapdesk.core.errors import MapdeskError

Progress = Callable[[str], None]
#: Asked between steps (and per station while drawing); True stops the work.
IsCancelled = Callable[[], bool]


class CoverageCancelled(MapdeskError):
    """A study stopped because ``is_cancelled`` said so: nothing it computed is returned."""


@dataclass(frozen=True)
class CoverageInputs:
    """The layers a study reads (any CRS each).

    Attributes
    ----------
    roads, stations
        Road centrelines and station points.
    addresses, incidents
        Points whose fractile coverage is reported (optional).
    psaps
        PSAP polygons the fractiles are also given per, and the first-due
        zones fill (optional: without them the zones fill the network's own
        outline, see :mod:`.zones`).
    road_labels
        A name per road feature for messages (its NGUID, or fid).
    psap_names
        A name per PSAP polygon.
    station_id_field
        The field that identifies a station (default ``station_id``).
    """

    roads: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    addresses: gpd.GeoDataFrame | None = None
    incidents: gpd.GeoDataFrame | None = None
    psaps: gpd.GeoDataFrame | None = None
    road_labels: Sequence[str] | None = None
    psap_names: Sequence[str] | None = None
    station_id_field: str | None = None


@dataclass(frozen=True)
class BandArea:
    """What one station reaches within one band."""

    station: int
    minutes: float
    area: BaseGeometry
    road_m: float


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Everything one run computed, in the network's metric CRS.

    Attributes
    ----------
    status
        Per station of the table: ``in service``, ``disabled`` or ``off network``.
    responding
        Rows of the station table that respond (in service and on the network).
    bands
        Per responding station and band, its travel-time area.
    overall
        Per band, where some station arrives within it.
    zones
        Per station of the table, its first-due zone (empty unless responding).
    zone_extent
        The area the zones tile: the PSAP area with the area served, or the
        area served closed by :data:`~.zones.FILL_M`.
    served
        The open roads widened by the access tolerance.
    gap
        The part of ``served`` no station reaches within the largest band.
    segment_station, segment_s
        Per network segment, the first-due station at its middle (-1: none
        or closed) and its arrival seconds.
    """

    options: CoverageOptions
    what_if: WhatIf
    network: RoadNetwork
    open_segments: Mask
    stations: StationTable
    station_positions: NetworkPositions
    status: tuple[str, ...]
    responding: Ints
    bands: tuple[BandArea, ...]
    overall: dict[float, BaseGeometry]
    zones: tuple[BaseGeometry, ...]
    zone_extent: BaseGeometry
    served: BaseGeometry
    gap: BaseGeometry
    segment_station: Ints
    segment_s: Floats
    addresses: PlaceCoverage | None
    incidents: PlaceCoverage | None
    psap_names: tuple[str, ...]
    station_points: Geometries
    address_points: Geometries | None
    incident_points: Geometries | None
    psap_polygons: Geometries | None

    @property
    def warnings(self) -> tuple[CountedWarning, ...]:
        """What the data needed worked around (network and stations)."""
        return self.network.warnings + self.stations.warnings


class CoverageStudy:
    """The network and inputs of a study, in one metric CRS.

    Parameters
    ----------
    inputs
        The layers.
    options
        Bands, turnout, tolerances.
    progress
        Told each step (a status line, or the CLI's stderr).
    is_cancelled
        Asked before each step and per station while drawing (the GUI's
        Cancel); a True answer raises :class:`CoverageCancelled`.

    Raises
    ------
    MapdeskError
        When the roads cannot make a network (no CRS, no lines) or there is
        no station.
    """

    def __init__(
        self,
        inputs: CoverageInputs,
        options: CoverageOptions,
        progress: Progress = lambda step: None,
        is_cancelled: IsCancelled = lambda: False,
    ) -> None:
        self.options = options
        self.progress = progress
        self.is_cancelled = is_cancelled
        self._step(f"building the road network of {len(inputs.roads):,} features")
        self.network = build_road_network(inputs.roads, options.snap_m, inputs.road_labels)
        self._check()
        crs = self.network.crs
        self.stations = station_table(inputs.stations, options.turnout_s, inputs.station_id_field)
        self.station_points = _geometries_in(inputs.stations, crs, "station")
        self.address_points = _optional_geometries(inputs.addresses, crs, "address")
        self.incident_points = _optional_geometries(inputs.incidents, crs, "incident")
        self.psap_polygons = _optional_geometries(inputs.psaps, crs, "PSAP")
        self.psap_names = tuple(inputs.psap_names or ())
        self.psap_area = psap_area(self.psap_polygons)
        self.areas = AreaBuilder(self.network, options.access_m)

    def run(self, what_if: WhatIf | None = None) -> CoverageResult:
        """Coverage with ``what_if``'s stations disabled and roads closed (none when omitted)."""
        what_if = what_if or WhatIf()
        options, network = self.options, self.network
        disabled = self.stations.rows_of(sorted(what_if.disabled_stations))
        open_segments = network.open_segments(self._closed(what_if))
        at = place_on_network(network, self.station_points, open_segments, options.access_m)
        status, responding = self._status(at, disabled)
        turnout = self.stations.turnout_s[responding] * (0.0 if options.travel_only else 1.0)
        self._step(f"finding drive times from {len(responding)} stations")
        reach = StationReach.compute(network, open_segments, at.take(responding), turnout)
        self._step("drawing the travel-time areas")
        bands, overall, served = self._areas(reach, responding, open_segments)
        self._step("drawing the first-due zones")
        extent = zone_extent(served, self.psap_area)
        zones = self._zones(reach, responding, open_segments, extent)
        self._check()
        segment_station, segment_s = self._segment_first_due(reach, responding, open_segments)
        if self.address_points is not None or self.incident_points is not None:
            self._step("counting the addresses and incidents reached")
        return CoverageResult(
            options=options,
            what_if=what_if,
            network=network,
            open_segments=open_segments,
            stations=self.stations,
            station_positions=at,
            status=status,
            responding=responding,
            bands=bands,
            overall=overall,
            zones=zones,
            zone_extent=extent,
            served=served,
            gap=gap_area(served, overall[options.minutes[-1]]),
            segment_station=segment_station,
            segment_s=segment_s,
            addresses=self._places(reach, responding, open_segments, self.address_points),
            incidents=self._places(reach, responding, open_segments, self.incident_points),
            psap_names=self.psap_names,
            station_points=self.station_points,
            address_points=self.address_points,
            incident_points=self.incident_points,
            psap_polygons=self.psap_polygons,
        )

    def _check(self) -> None:
        if self.is_cancelled():
            raise CoverageCancelled("The coverage study was cancelled")

    def _step(self, message: str) -> None:
        self._check()
        self.progress(message)

    def _closed(self, what_if: WhatIf) -> frozenset[int]:
        count = len(self.network.labels)
        outside = sorted(row for row in what_if.closed_roads if not 0 <= row < count)
        if outside:
            raise MapdeskError(f"No road feature at rows {outside[:5]} (the layer has {count})")
        return what_if.closed_roads

    def _status(self, at: NetworkPositions, disabled: Ints) -> tuple[tuple[str, ...], Ints]:
        off = ~at.on_network
        status = np.where(off, "off network", "in service").astype(object)
        status[disabled] = "disabled"
        responding = np.flatnonzero(status == "in service").astype(np.intp)
        return tuple(str(s) for s in status), responding

    def _areas(
        self, reach: StationReach, responding: Ints, open_segments: Mask
    ) -> tuple[tuple[BandArea, ...], dict[float, BaseGeometry], BaseGeometry]:
        """Per station and band, its area; per band, all stations' area; the area served."""
        bands: list[BandArea] = []
        reached: dict[float, list[ReachedPieces]] = {m: [] for m in self.options.minutes}
        lengths = self.network.length_m
        for index, row in enumerate(responding):
            self._check()
            for minutes in self.options.minutes:
                pieces = reach.reached(index, minutes * 60)
                road_m = float(np.sum(lengths[pieces.segment] * pieces.length_m))
                area = self.areas.reached_area(pieces)
                bands.append(BandArea(int(row), minutes, area, road_m))
                reached[minutes].append(pieces)
        overall = {
            m: self.areas.reached_area(ReachedPieces.union(reached[m]))
            for m in self.options.minutes
        }
        everything = ReachedPieces.whole_segments(np.flatnonzero(open_segments))
        served = self.areas.reached_area(everything)
        return tuple(bands), overall, served

    def _zones(
        self,
        reach: StationReach,
        responding: Ints,
        open_segments: Mask,
        extent: BaseGeometry,
    ) -> tuple[BaseGeometry, ...]:
        places, points = road_samples(self.network, open_segments)
        fastest, _ = reach.fastest(places)
        zones = first_due_zones(points, fastest, len(responding), extent)
        by_row = [shapely.Polygon()] * len(self.stations.ids)
        for index, row in enumerate(responding):
            by_row[row] = zones[index]
        return tuple(by_row)

    def _segment_first_due(
        self, reach: StationReach, responding: Ints, open_segments: Mask
    ) -> tuple[Ints, Floats]:
        segments = np.arange(self.network.segment_count, dtype=np.intp)
        middles = NetworkPositions(
            np.where(open_segments, segments, -1),
            np.full(len(segments), 0.5),
            np.zeros(len(segments)),
        )
        fastest, seconds = reach.fastest(middles)
        # -1 (no station) picks the appended -1.
        return np.append(responding, -1)[fastest], seconds

    def _places(
        self,
        reach: StationReach,
        responding: Ints,
        open_segments: Mask,
        points: Geometries | None,
    ) -> PlaceCoverage | None:
        if points is None:
            return None
        at = place_on_network(self.network, points, open_segments, self.options.access_m)
        count = len(self.stations.ids)
        return place_coverage(reach, at, self.options.minutes, responding, count)


def _geometries_in(frame: gpd.GeoDataFrame, crs: CRS, what: str) -> Geometries:
    if frame.crs is None:
        raise MapdeskError(f"The {what} layer has no CRS: set it, then run the coverage again")
    moved = frame.geometry if CRS(frame.crs) == crs else frame.geometry.to_crs(crs)
    return np.asarray(moved.array)


def _optional_geometries(frame: gpd.GeoDataFrame | None, crs: CRS, what: str) -> Geometries | None:
    return None if frame is None else _geometries_in(frame, crs, what)
