"""Radio coverage: tower ranges (or predicted-signal areas) against addresses and roads.

``tower_sites`` reads the towers (range, planned/retired status),
``radio_coverage`` draws the coverage areas and tallies, per PSAP polygon
and overall, the address points and road length outside them.
"""

from mapdesk.core.analysis.radio.areas import SignalArea, coverage_areas
from mapdesk.core.analysis.radio.coverage import RadioCoverage, RadioInputs, Tally, radio_coverage
from mapdesk.core.analysis.radio.towers import (
    DEFAULT_RANGE_FIELD,
    RANGE_UNITS,
    RangeRule,
    TowerSite,
    TowerSites,
    tower_sites,
)

__all__ = [
    "DEFAULT_RANGE_FIELD",
    "RANGE_UNITS",
    "RadioCoverage",
    "RadioInputs",
    "RangeRule",
    "SignalArea",
    "Tally",
    "TowerSite",
    "TowerSites",
    "coverage_areas",
    "radio_coverage",
    "tower_sites",
]
