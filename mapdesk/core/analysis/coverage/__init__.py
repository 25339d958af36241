"""Drive-time coverage of emergency stations over a road centreline network.

From NENA road centrelines (speed limit or a per-class default, one-way
honoured, connected where road ends meet), per-station travel-time areas as
polygons for chosen minute bands (turnout included), non-overlapping
first-due zones, fractile coverage of addresses and incidents per station
and per PSAP, a gap layer, and what-if runs with stations disabled or roads
closed. Qt-free; scipy's sparse graph routines do the routing.
"""

from mapdesk.core.analysis.coverage.layers import coverage_layers
from mapdesk.core.analysis.coverage.model import (
    DEFAULT_ACCESS_M,
    DEFAULT_SNAP_M,
    DEFAULT_TURNOUT_S,
    CountedWarning,
    CoverageOptions,
    WhatIf,
)
from mapdesk.core.analysis.coverage.network import RoadNetwork, build_road_network
from mapdesk.core.analysis.coverage.report import coverage_report
from mapdesk.core.analysis.coverage.study import (
    CoverageCancelled,
    CoverageInputs,
    CoverageResult,
    CoverageStudy,
)

__all__ = [
    "DEFAULT_ACCESS_M",
    "DEFAULT_SNAP_M",
    "DEFAULT_TURNOUT_S",
    "CountedWarning",
    "CoverageCancelled",
    "CoverageInputs",
    "CoverageOptions",
    "CoverageResult",
    "CoverageStudy",
    "RoadNetwork",
    "WhatIf",
    "build_road_network",
    "coverage_layers",
    "coverage_report",
]
