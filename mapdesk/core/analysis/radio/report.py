"""A radio coverage result as report data (JSON-ready) and as text for a person."""

from __future__ import annotations

import math
from typing import Any

from mapdesk.core.analysis.radio.coverage import RadioCoverage, Tally
from mapdesk.core.analysis.radio.towers import TowerSite, TowerSites
from mapdesk.core.crs import crs_label


def radio_report(result: RadioCoverage) -> dict[str, Any]:
    """The figures of ``result``: towers used, per-PSAP and overall tallies, notes.

    Percentages are of the located address points and of the road length
    in each area; lengths are ground metres; None where there is nothing
    to divide by (no addresses, or no roads, in that area).
    """
    inputs = result.inputs
    towers = inputs.towers
    return {
        "crs": crs_label(inputs.crs),
        "include_planned": bool(towers and towers.include_planned),
        "layers": {
            "towers": towers.layer if towers else None,
            "psap": inputs.psaps.layer if inputs.psaps else None,
            "addresses": inputs.addresses[0] if inputs.addresses else None,
            "roads": inputs.roads[0] if inputs.roads else None,
        },
        "towers": [_tower(site) for site in (towers.sites if towers else ())],
        "signal_rasters": [
            {"file": s.source, "band": s.band, "threshold": s.threshold, "cells_covered": s.cells}
            for s in inputs.signals
        ],
        "overall": tally_dict(result.overall),
        "psaps": [tally_dict(tally) for tally in result.psaps],
        "outside_psaps": tally_dict(result.outside_psaps) if result.outside_psaps else None,
        "notes": list(result.notes),
    }


def _tower(site: TowerSite) -> dict[str, Any]:
    return {
        "fid": site.fid,
        "site_id": site.site_id,
        "name": site.name,
        "status": site.status,
        "state": site.state,
        "range_km": None if math.isnan(site.range_m) else round(site.range_m / 1000.0, 4),
        "used": site.used,
    }


def tally_dict(tally: Tally) -> dict[str, Any]:
    """One area's tally: counts, ground metres and percentages (2 decimals)."""
    return {
        "name": tally.name,
        "fid": tally.fid,
        "addresses": tally.addresses,
        "addresses_outside": tally.addresses_outside,
        "addresses_outside_pct": _pct(tally.addresses_outside_pct),
        "road_m": round(tally.road_m, 2),
        "road_outside_m": round(tally.road_outside_m, 2),
        "road_outside_pct": _pct(tally.road_outside_pct),
    }


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def radio_summary(result: RadioCoverage) -> str:
    """A few lines for a person: the coverage used, then one line per area."""
    lines = coverage_lines(result)
    rows = [result.overall, *result.psaps]
    if result.outside_psaps is not None and (
        result.outside_psaps.addresses or result.outside_psaps.road_m
    ):
        rows.append(result.outside_psaps)
    lines.append("")
    lines += [tally_line(tally) for tally in rows]
    lines += [f"Note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def coverage_lines(result: RadioCoverage) -> list[str]:
    """What covered: the towers in use and left out, and each signal raster's threshold."""
    inputs = result.inputs
    lines = [towers_line(inputs.towers)] if inputs.towers is not None else []
    lines += [
        f"Signal raster {signal.source}: cells at or above {signal.threshold:g}"
        for signal in inputs.signals
    ]
    return lines


def towers_line(towers: TowerSites) -> str:
    """The towers line of a summary: how many are in use, which are left out and why."""
    used = towers.used
    planned = sum(1 for s in used if s.state == "planned")
    line = f"Towers in use: {len(used)} of {len(towers.sites)}"
    if planned:
        line += f" ({planned} planned, as a what-if)"
    left = [s for s in towers.sites if not s.used]
    if left:
        line += "; left out: " + ", ".join(
            f"{' '.join(p for p in (s.site_id, s.name) if p) or f'fid {s.fid}'} ({s.state})"
            for s in left
        )
    return line


def tally_line(tally: Tally) -> str:
    """One area's line of a summary: its name, the addresses and road length outside."""
    parts = []
    if tally.addresses or tally.road_m == 0:
        share = share_text(tally.addresses_outside_pct)
        parts.append(f"{tally.addresses_outside:,} of {tally.addresses:,} addresses outside{share}")
    if tally.road_m > 0:
        parts.append(
            f"{tally.road_outside_m / 1000:,.2f} of {tally.road_m / 1000:,.2f} km of road "
            f"outside{share_text(tally.road_outside_pct)}"
        )
    return f"{tally.name}: " + "; ".join(parts)


def share_text(pct: float | None) -> str:
    """The share after a figure (`` (3.23 %)``); nothing when there is nothing to divide by."""
    return "" if pct is None else f" ({pct:.2f} %)"
