"""The layers a coverage run writes: areas, zones, roads, gaps, stations, addresses.

Every layer is in the CRS asked for (the road layer's own, as a rule); areas
and lengths in its fields are ground figures from the metric working CRS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from mapdesk.core.analysis.coverage.fractiles import PlaceCoverage, band_key
from mapdesk.core.analysis.coverage.model import Floats, Geometries, Ints, Mask
from mapdesk.core.analysis.coverage.speeds import MPS_PER_MPH
from mapdesk.core.analysis.coverage.study import CoverageResult

#: Layer names, in the order a GeoPackage lists them (zones first: what a planner opens).
ZONES = "first_due_zones"
OVERALL = "coverage_bands"
STATION_BANDS = "station_bands"
ROADS = "first_due_roads"
GAPS = "coverage_gaps"
GAP_ADDRESSES = "gap_addresses"
ADDRESSES = "address_coverage"
STATIONS = "coverage_stations"

#: The geometry type each layer declares (an empty layer too).
GEOMETRY_TYPES = {
    ZONES: "MultiPolygon",
    OVERALL: "MultiPolygon",
    STATION_BANDS: "MultiPolygon",
    ROADS: "LineString",
    GAPS: "MultiPolygon",
    GAP_ADDRESSES: "Point",
    ADDRESSES: "Point",
    STATIONS: "Point",
}


def coverage_layers(
    result: CoverageResult, crs: CRS | None = None, address_labels: Sequence[str] | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``result``, by name, in ``crs`` (the working CRS when omitted).

    ``address_labels``: a name per address point (its FullAddr), for the address layers.
    """
    layers = {
        ZONES: _zones(result),
        OVERALL: _overall(result),
        STATION_BANDS: _station_bands(result),
        ROADS: _roads(result),
        GAPS: _gaps(result),
    }
    if result.addresses is not None and result.address_points is not None:
        addresses = _addresses(result, result.addresses, result.address_points, address_labels)
        largest = band_field("within", result.options.minutes[-1])
        layers[GAP_ADDRESSES] = addresses[~addresses[largest]].reset_index(drop=True)
        layers[ADDRESSES] = addresses
    layers[STATIONS] = _stations(result)
    return {name: _layer(frame, name, result.network.crs, crs) for name, frame in layers.items()}


def _layer(frame: pd.DataFrame, name: str, work: CRS, crs: CRS | None) -> gpd.GeoDataFrame:
    layer = gpd.GeoDataFrame(frame, geometry="geometry", crs=work)
    if crs is not None and CRS(crs) != work:
        layer = layer.to_crs(crs)
    layer.attrs["geometry_type"] = GEOMETRY_TYPES[name]
    return layer


def _zones(result: CoverageResult) -> pd.DataFrame:
    table, minutes, addresses = result.stations, result.options.minutes, result.addresses
    rows = [row for row in result.responding if not result.zones[row].is_empty]
    records = []
    for row in rows:
        on_roads = result.segment_station == row
        record: dict[str, Any] = {
            "station_id": table.ids[row],
            "station_name": table.names[row],
            "turnout_s": float(table.turnout_s[row]),
            "area_km2": round(result.zones[row].area / 1e6, 4),
            "road_km": round(float(result.network.length_m[on_roads].sum()) / 1000, 3),
        }
        if addresses is not None:
            mine = addresses.first_due == row
            record["addresses"] = int(np.count_nonzero(mine))
            for m in minutes:
                record[band_field("pct", m)] = _percent(addresses.within(m)[mine])
        records.append(record)
    columns = ["station_id", "station_name", "turnout_s", "area_km2", "road_km"]
    if addresses is not None:
        columns += ["addresses", *(band_field("pct", m) for m in minutes)]
    return _frame(records, columns, [result.zones[row] for row in rows])


def _overall(result: CoverageResult) -> pd.DataFrame:
    minutes = sorted(result.options.minutes, reverse=True)  # the smallest drawn last, on top
    records = []
    for m in minutes:
        record: dict[str, Any] = {"minutes": m, "area_km2": round(result.overall[m].area / 1e6, 4)}
        if result.addresses is not None:
            reached = result.addresses.within(m)
            record["addresses"] = int(np.count_nonzero(reached))
            record["pct_addresses"] = _percent(reached)
        records.append(record)
    columns = ["minutes", "area_km2"]
    if result.addresses is not None:
        columns += ["addresses", "pct_addresses"]
    return _frame(records, columns, [result.overall[m] for m in minutes])


def _station_bands(result: CoverageResult) -> pd.DataFrame:
    table = result.stations
    bands = sorted(result.bands, key=lambda b: (b.station, -b.minutes))
    records = []
    for band in bands:
        record: dict[str, Any] = {
            "station_id": table.ids[band.station],
            "station_name": table.names[band.station],
            "minutes": band.minutes,
            "turnout_s": float(table.turnout_s[band.station]),
            "road_km": round(band.road_m / 1000, 3),
        }
        if result.addresses is not None:
            record["addresses"] = int(result.addresses.station_reaches[band.minutes][band.station])
        records.append(record)
    columns = ["station_id", "station_name", "minutes", "turnout_s", "road_km"]
    columns += ["addresses"] if result.addresses is not None else []
    return _frame(records, columns, [band.area for band in bands])


def _roads(result: CoverageResult) -> pd.DataFrame:
    network, seconds = result.network, result.segment_s
    within = np.full(len(seconds), np.nan)
    for m in sorted(result.options.minutes, reverse=True):
        within[seconds <= m * 60 + 1e-9] = m
    return pd.DataFrame(
        {
            "road": [network.labels[row] for row in network.feature],
            "station_id": _station_ids(result, result.segment_station),
            "arrival_s": _rounded(seconds),
            "within_min": within,
            "closed": ~result.open_segments,
            "speed_mph": np.round(network.length_m / network.seconds / MPS_PER_MPH, 1),
            "geometry": network.lines,
        }
    )


def _gaps(result: CoverageResult) -> pd.DataFrame:
    parts = [part for part in shapely.get_parts(result.gap) if part.area > 0]
    largest = result.options.minutes[-1]
    records = [{"minutes": largest, "area_m2": round(part.area, 1)} for part in parts]
    return _frame(records, ["minutes", "area_m2"], parts)


def _stations(result: CoverageResult) -> pd.DataFrame:
    table = result.stations
    return pd.DataFrame(
        {
            "station_id": list(table.ids),
            "station_name": list(table.names),
            "turnout_s": table.turnout_s,
            "status": list(result.status),
            "road_distance_m": _rounded(result.station_positions.distance_m),
            "geometry": result.station_points,
        }
    )


def _addresses(
    result: CoverageResult, coverage: PlaceCoverage, points: Any, labels: Sequence[str] | None
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "address": list(labels) if labels is not None else [str(i) for i in range(len(points))],
            "first_due": _station_ids(result, coverage.first_due),
            "arrival_s": _rounded(coverage.best_s),
            "road_distance_m": _rounded(coverage.positions.distance_m),
            "on_network": coverage.positions.on_network,
        }
    )
    for m in result.options.minutes:
        frame[band_field("within", m)] = coverage.within(m)
    frame["geometry"] = points
    return frame


def band_field(prefix: str, minutes: float) -> str:
    """A band's field name: ``pct_4min``, ``within_5_5min`` (a dot would need quoting)."""
    return f"{prefix}_{band_key(minutes).replace('.', '_')}min"


def _station_ids(result: CoverageResult, rows: Ints) -> Geometries:
    """The id of each row's station; None (NULL) where the row is -1."""
    return np.array([None, *result.stations.ids], dtype=object)[rows + 1]


def _frame(
    records: list[dict[str, Any]], columns: list[str], geometries: list[Any]
) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["geometry"] = pd.Series(geometries, dtype=object)
    return frame


def _percent(mask: Mask) -> float | None:
    return round(100 * float(np.count_nonzero(mask)) / len(mask), 2) if len(mask) else None


def _rounded(values: Floats) -> Floats:
    """To 0.1 (seconds, metres); NaN (NULL in the file) for infinite."""
    return np.where(np.isfinite(values), np.round(values, 1), np.nan)
