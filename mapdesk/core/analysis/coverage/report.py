"""The JSON report of a coverage run: fractiles overall, per station, per PSAP."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from mapdesk.core.analysis.coverage.fractiles import PlaceCoverage, band_key, fractile_report
from mapdesk.core.analysis.coverage.model import Geometries, Mask
from mapdesk.core.analysis.coverage.study import CoverageResult
from mapdesk.core.crs import crs_label


def coverage_report(
    result: CoverageResult, baseline: CoverageResult | None = None
) -> dict[str, Any]:
    """The report of ``result``; with ``baseline`` (the same study without the what-if),
    the baseline's overall fractiles and the change in percentage points too.

    Returns
    -------
    dict
        ``minutes``, ``options``, ``network``, ``stations``, ``what_if``,
        ``addresses`` and ``incidents`` (see
        :func:`~mapdesk.core.analysis.coverage.fractiles.fractile_report`; null
        when not given), ``warnings``, and ``baseline`` when asked for.
    """
    report: dict[str, Any] = {
        "minutes": list(result.options.minutes),
        "options": _options(result),
        "network": _network(result),
        "stations": _stations(result),
        "what_if": _what_if(result),
        "addresses": _fractiles(result, result.addresses, result.address_points),
        "incidents": _fractiles(result, result.incidents, result.incident_points),
        "warnings": [warning.to_dict() for warning in result.warnings],
    }
    if baseline is not None:
        report["baseline"] = {
            "addresses": _overall(baseline.addresses),
            "incidents": _overall(baseline.incidents),
            "change_percent_points": {
                "addresses": _change(baseline.addresses, result.addresses),
                "incidents": _change(baseline.incidents, result.incidents),
            },
        }
    return report


def psap_membership(
    points: Geometries, polygons: Geometries, names: tuple[str, ...]
) -> dict[str, Mask]:
    """Per PSAP name, which points its polygon holds (a point on a shared edge counts in both)."""
    groups: dict[str, Mask] = {}
    for name, polygon in zip(names, polygons, strict=True):
        inside = np.zeros(len(points), dtype=bool)
        if polygon is not None and not polygon.is_empty:
            shapely.prepare(polygon)
            inside = np.asarray(shapely.covers(polygon, points), dtype=bool)
        groups[name] = groups.get(name, np.zeros(len(points), dtype=bool)) | inside
    return groups


def _options(result: CoverageResult) -> dict[str, Any]:
    options = result.options
    return {
        "turnout_default_s": options.turnout_s,
        "travel_only": options.travel_only,
        "access_m": options.access_m,
        "snap_m": options.snap_m,
        "crs": crs_label(result.network.crs),
    }


def _network(result: CoverageResult) -> dict[str, Any]:
    network, open_segments = result.network, result.open_segments
    return {
        "road_features": len(network.labels),
        "segments": network.segment_count,
        "nodes": network.node_count,
        "parts": network.parts(),
        "road_km": round(float(network.length_m.sum()) / 1000, 3),
        "open_road_km": round(float(network.length_m[open_segments].sum()) / 1000, 3),
    }


def _stations(result: CoverageResult) -> list[dict[str, Any]]:
    table, at = result.stations, result.station_positions
    return [
        {
            "station_id": station,
            "name": table.names[row],
            "turnout_s": float(table.turnout_s[row]),
            "status": result.status[row],
            "road_distance_m": _metres(at.distance_m[row]),
        }
        for row, station in enumerate(table.ids)
    ]


def _what_if(result: CoverageResult) -> dict[str, Any] | None:
    what_if = result.what_if
    if what_if.is_baseline:
        return None
    labels = result.network.labels
    return {
        "disabled_stations": sorted(what_if.disabled_stations),
        "closed_roads": [labels[row] for row in sorted(what_if.closed_roads)],
    }


def _fractiles(
    result: CoverageResult, coverage: PlaceCoverage | None, points: Geometries | None
) -> dict[str, Any] | None:
    if coverage is None or points is None:
        return None
    groups = None
    if result.psap_polygons is not None:
        groups = psap_membership(points, result.psap_polygons, result.psap_names)
    return fractile_report(coverage, result.options.minutes, result.stations.ids, groups)


def _overall(coverage: PlaceCoverage | None) -> dict[str, Any] | None:
    if coverage is None:
        return None
    total = len(coverage)
    return {
        band: {"reached": int(n), "percent": round(100 * n / total, 2) if total else None}
        for band, n in _reached_counts(coverage).items()
    }


def _change(before: PlaceCoverage | None, after: PlaceCoverage | None) -> dict[str, float] | None:
    if before is None or after is None or not len(after):
        return None
    total = len(after)
    old, new = _reached_counts(before), _reached_counts(after)
    return {band: round(100 * (new[band] - old[band]) / total, 2) for band in new}


def _reached_counts(coverage: PlaceCoverage) -> dict[str, int]:
    minutes = sorted(coverage.station_reaches)
    return {band_key(m): int(np.count_nonzero(coverage.within(m))) for m in minutes}


def _metres(value: float) -> float | None:
    return round(float(value), 1) if np.isfinite(value) else None
