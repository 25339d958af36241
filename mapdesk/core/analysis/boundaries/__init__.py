"""Boundary QA: gaps and overlaps of PSAP and police/fire/EMS polygons, their fit to
the municipalities, and address points a call from which may reach the wrong PSAP.

``boundary_check`` runs it all on layers already read; :mod:`.report` turns
the result into layers, JSON-ready data and text.
"""

from mapdesk.core.analysis.boundaries.check import BoundaryCheck, BoundaryInputs, boundary_check
from mapdesk.core.analysis.boundaries.findings import DEFAULT_SLIVER_M2, KINDS, Finding
from mapdesk.core.analysis.boundaries.misrouting import (
    ExpectedPsap,
    MisroutingCandidate,
    PsapAssignment,
)

__all__ = [
    "DEFAULT_SLIVER_M2",
    "KINDS",
    "BoundaryCheck",
    "BoundaryInputs",
    "ExpectedPsap",
    "Finding",
    "MisroutingCandidate",
    "PsapAssignment",
    "boundary_check",
]
