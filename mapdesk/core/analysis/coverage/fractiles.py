"""Fractile coverage: the share of addresses (or incidents) reached within each band.

Planners quote it as NFPA 1710 does: "the first engine reaches 90 % of
addresses within 4 minutes". Every point counts in the total, including
those no road comes near (they are reached by no one and are listed as
gaps); a point in no PSAP polygon counts only in the overall figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mapdesk.core.analysis.coverage.model import Floats, Ints, Mask
from mapdesk.core.analysis.coverage.positions import NetworkPositions
from mapdesk.core.analysis.coverage.reach import StationReach, chunks


@dataclass(frozen=True)
class PlaceCoverage:
    """How a set of points is covered by the stations in service.

    Attributes
    ----------
    positions
        Where each point meets the network.
    first_due
        Per point, its fastest station (a row of the station table; -1: none).
    best_s
        Per point, the first-due station's arrival seconds (inf: none).
    station_reaches
        Per band (minutes), per station of the table, how many points it
        reaches within the band on its own.
    """

    positions: NetworkPositions
    first_due: Ints
    best_s: Floats
    station_reaches: dict[float, Ints]

    def __len__(self) -> int:
        return len(self.first_due)

    def within(self, minutes: float) -> Mask:
        """True for the points some station reaches within ``minutes`` of the alert."""
        return np.asarray(self.best_s <= minutes * 60 + 1e-9)


def place_coverage(
    reach: StationReach,
    places: NetworkPositions,
    minutes: Sequence[float],
    table_rows: Ints,
    station_count: int,
) -> PlaceCoverage:
    """Arrival of every station at every point, reduced to first-due and per-station counts.

    ``table_rows`` maps the reach's stations to rows of the station table of
    ``station_count`` stations (disabled and off-network stations reach nothing).
    """
    first = np.full(len(places), -1, dtype=np.intp)
    best = np.full(len(places), np.inf)
    counts = {m: np.zeros(station_count, dtype=np.intp) for m in minutes}
    for rows in chunks(len(places)):
        arrival = reach.arrival_s(places.take(rows))
        if not len(arrival):
            continue
        fastest = np.argmin(arrival, axis=0)
        best[rows] = arrival[fastest, np.arange(arrival.shape[1])]
        first[rows] = np.where(np.isfinite(best[rows]), table_rows[fastest], -1)
        for m in minutes:
            counts[m][table_rows] += np.count_nonzero(arrival <= m * 60 + 1e-9, axis=1)
    return PlaceCoverage(places, first, best, counts)


def fractile_report(
    coverage: PlaceCoverage,
    minutes: Sequence[float],
    station_ids: Sequence[str],
    groups: dict[str, Mask] | None = None,
) -> dict[str, Any]:
    """The JSON report of one set of points: overall, per station, per group (PSAP).

    Returns
    -------
    dict
        ``total``, ``on_network``, ``bands`` ({minutes: {reached, percent}}),
        ``response_s`` (median and 90th percentile of first-due arrival over
        the points reached at all), ``per_station`` and ``per_psap``.
    """
    total = len(coverage)
    reached = coverage.best_s[np.isfinite(coverage.best_s)]
    report: dict[str, Any] = {
        "total": total,
        "on_network": int(np.count_nonzero(coverage.positions.on_network)),
        "reached_at_all": len(reached),
        "bands": {band_key(m): _share(coverage.within(m), total) for m in minutes},
        "response_s": _percentiles(reached),
        "per_station": {
            station: _station_figures(coverage, minutes, row, total)
            for row, station in enumerate(station_ids)
        },
    }
    if groups is not None:
        report["per_psap"] = {
            name: {
                "total": int(np.count_nonzero(inside)),
                "bands": {
                    band_key(m): _share(coverage.within(m)[inside], int(np.count_nonzero(inside)))
                    for m in minutes
                },
            }
            for name, inside in groups.items()
        }
    return report


def band_key(minutes: float) -> str:
    """A band's name in reports and field names: ``4``, ``4.5``."""
    return f"{minutes:g}"


def _station_figures(
    coverage: PlaceCoverage, minutes: Sequence[float], row: int, total: int
) -> dict[str, Any]:
    mine = coverage.first_due == row
    due = int(np.count_nonzero(mine))
    bands = {}
    for m in minutes:
        reaches = int(coverage.station_reaches[m][row])
        first_due = _share(coverage.within(m)[mine], due)
        bands[band_key(m)] = {
            "reaches": reaches,
            "reaches_percent": _percent(reaches, total),
            "first_due_reached": first_due["reached"],
            "first_due_percent": first_due["percent"],
        }
    return {"first_due": due, "bands": bands, "response_s": _percentiles(coverage.best_s[mine])}


def _share(mask: Mask, total: int) -> dict[str, Any]:
    count = int(np.count_nonzero(mask))
    return {"reached": count, "percent": _percent(count, total)}


def _percent(count: int, total: int) -> float | None:
    return round(100 * count / total, 2) if total else None


def _percentiles(seconds: Floats) -> dict[str, float | None]:
    finite = seconds[np.isfinite(seconds)]
    if not len(finite):
        return {"median": None, "p90": None}
    median, p90 = np.percentile(finite, [50, 90])
    return {"median": round(float(median), 1), "p90": round(float(p90), 1)}
