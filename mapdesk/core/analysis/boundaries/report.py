"""A boundary check as layers (findings, misrouting candidates), report data and text."""

from __future__ import annotations

from collections import Counter
from typing import Any

import geopandas as gpd
import numpy as np

from mapdesk.core.analysis.boundaries.check import BoundaryCheck
from mapdesk.core.analysis.boundaries.findings import KINDS, format_area
from mapdesk.core.analysis.geodesy import lonlat_points
from mapdesk.core.crs import crs_label

#: Fields of the findings layer and of the misrouting layer.
FINDING_FIELDS = ("kind", "layer", "area_m2", "polygons", "message")
CANDIDATE_FIELDS = ("source_fid", "address", "municipality", "psap_found", "psap_expected")


def findings_frame(check: BoundaryCheck) -> gpd.GeoDataFrame:
    """One polygon per finding, in the analysis CRS."""
    found = check.findings.found
    table = {
        "kind": [f.kind for f in found],
        "layer": [f.layer for f in found],
        "area_m2": [round(f.area_m2, 2) for f in found],
        "polygons": ["; ".join(f.polygons) for f in found],
        "message": [f.message for f in found],
    }
    shapes = np.asarray([f.geometry for f in found], dtype=object)
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(shapes, crs=check.inputs.crs))


def candidates_frame(check: BoundaryCheck) -> gpd.GeoDataFrame:
    """One point per misrouting candidate, in the analysis CRS."""
    found = check.candidates
    table = {
        "source_fid": [c.fid for c in found],
        "address": [c.address for c in found],
        "municipality": [c.municipality for c in found],
        "psap_found": [c.psap_found for c in found],
        "psap_expected": [c.psap_expected for c in found],
    }
    shapes = np.asarray([c.point for c in found], dtype=object)
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(shapes, crs=check.inputs.crs))


def boundary_report(check: BoundaryCheck) -> dict[str, Any]:
    """The check as JSON-ready data; locations are (x, y) = (longitude, latitude) in EPSG:4326."""
    inputs = check.inputs
    crs = inputs.crs
    found = check.findings.found
    where = lonlat_points([f.geometry for f in found], crs) if found else np.empty((0, 2))
    points = [c.point for c in check.candidates]
    spots = lonlat_points(points, crs) if points else np.empty((0, 2))
    return {
        "crs": crs_label(crs),
        "sliver_area_m2": inputs.sliver_m2,
        "layers": {
            **{role: areas.layer for role, areas in inputs.services.items()},
            "municipalities": inputs.municipalities.layer if inputs.municipalities else None,
            "addresses": inputs.addresses[0] if inputs.addresses else None,
        },
        "counts": {**finding_counts(check), "misrouting": len(check.candidates)},
        "slivers_ignored": dict(sorted(check.findings.slivers.items())),
        "expected_psaps": _expected(check),
        "findings": [
            {
                "kind": f.kind,
                "layer": f.layer,
                "area_m2": round(f.area_m2, 2),
                "polygons": list(f.polygons),
                "message": f.message,
                "x": round(float(xy[0]), 7),
                "y": round(float(xy[1]), 7),
            }
            for f, xy in zip(found, where, strict=True)
        ],
        "misrouting": [
            {
                "fid": c.fid,
                "address": c.address,
                "municipality": c.municipality,
                "psap_found": c.psap_found,
                "psap_expected": c.psap_expected,
                "x": round(float(xy[0]), 7),
                "y": round(float(xy[1]), 7),
            }
            for c, xy in zip(check.candidates, spots, strict=True)
        ],
        "notes": list(check.notes),
    }


def finding_counts(check: BoundaryCheck) -> dict[str, int]:
    """How many findings of each kind (every kind listed, zeros too)."""
    counted = Counter(f.kind for f in check.findings.found)
    return {kind: counted.get(kind, 0) for kind in KINDS}


def _expected(check: BoundaryCheck) -> list[dict[str, Any]]:
    munis = check.inputs.municipalities
    psaps = check.inputs.services.get("psap")
    if munis is None or psaps is None:
        return []
    return [
        {
            "municipality": munis.names[e.municipality_row],
            "fid": munis.fids[e.municipality_row],
            "psap": None if e.psap_row is None else psaps.names[e.psap_row],
            "source": e.source,
            "share_pct": round(100.0 * e.share, 2),
        }
        for e in check.expected
    ]


def count_lines(check: BoundaryCheck) -> list[str]:
    """The counts of a summary: findings per kind, candidates, slivers ignored."""
    counts = finding_counts(check)
    lines = [
        "Findings: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()),
        f"Misrouting candidates: {len(check.candidates)}",
    ]
    slivers = sum(check.findings.slivers.values())
    if slivers:
        tolerance = format_area(check.inputs.sliver_m2)
        lines.append(f"Slivers under {tolerance} ignored: {slivers}")
    return lines


def boundary_summary(check: BoundaryCheck) -> str:
    """A few lines for a person: counts per kind, each finding, the candidates."""
    lines = count_lines(check)
    if check.findings.found:
        lines.append("")
        lines += [f"  {f.kind} ({f.layer}): {f.message}" for f in check.findings.found]
    if check.candidates:
        lines.append("")
        lines += [
            f"  {c.address or f'fid {c.fid}'} ({c.municipality}): in "
            f"{c.psap_found or 'no PSAP'}, expected {c.psap_expected}"
            for c in check.candidates[:20]
        ]
        if len(check.candidates) > 20:
            lines.append(f"  ... and {len(check.candidates) - 20} more (see the output layer)")
    lines += [f"Note: {note}" for note in check.notes]
    return "\n".join(lines) + "\n"
