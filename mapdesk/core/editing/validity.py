"""Geometry validity as an edit sees it: the reason and where, and the fix offered.

A geometry is checked when it is made or changed. An invalid one is kept as
drawn and flagged; ``fixed_geometry`` is what the user may choose to apply
(never applied silently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import shapely

_AT = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)")


@dataclass(frozen=True)
class GeometryProblem:
    """Why a geometry is invalid, and the point GEOS names (if it names one)."""

    reason: str
    location: tuple[float, float] | None

    def describe(self) -> str:
        if self.location is None:
            return self.reason
        x, y = self.location
        return f"{self.reason} at {x:.3f}, {y:.3f}"


def geometry_problem(geometry: Any) -> GeometryProblem | None:
    """None for a valid (or missing) geometry; else the reason and location."""
    if geometry is None or shapely.is_valid(geometry):
        return None
    text = str(shapely.is_valid_reason(geometry))
    found = _AT.search(text)
    reason = text.split("[", 1)[0].strip() or "Invalid geometry"
    location = (float(found.group(1)), float(found.group(2))) if found else None
    return GeometryProblem(reason, location)


def fixed_geometry(geometry: Any) -> Any:
    """A valid version of ``geometry`` (GEOS make_valid, keeping its dimension)."""
    return shapely.make_valid(geometry, method="structure", keep_collapsed=False)
