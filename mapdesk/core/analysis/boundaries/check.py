"""The boundary check: every service layer against itself and the municipalities,
then the PSAPs against each municipality's expected PSAP and the addresses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
from pyproj import CRS

from mapdesk.core.analysis.boundaries.findings import DEFAULT_SLIVER_M2, Findings
from mapdesk.core.analysis.boundaries.layer_checks import (
    check_against_municipalities,
    check_gaps,
    check_overlaps,
)
from mapdesk.core.analysis.boundaries.misrouting import (
    ExpectedPsap,
    MisroutingCandidate,
    PsapAssignment,
    check_municipality_splits,
    expected_psaps,
    misrouting_candidates,
)
from mapdesk.core.analysis.service_areas import ServiceAreas
from mapdesk.core.errors import MapdeskError


@dataclass(frozen=True)
class BoundaryInputs:
    """What a boundary check looks at, each layer already read.

    Attributes
    ----------
    crs
        The analysis CRS (metric; the output layers are in it).
    services
        The service boundary layers by role: ``psap``, ``police``, ``fire``,
        ``ems`` (any of them; at least one).
    municipalities
        The municipal boundaries (None: no comparison, no misrouting).
    addresses
        Address points and their layer name, in any CRS (None: no candidates).
    sliver_m2
        Pieces smaller than this (ground m²) are ignored as digitising noise.
    expected_table
        The user's municipality → PSAP table (empty: each municipality's
        majority PSAP), and its file name for messages.
    """

    crs: CRS
    services: dict[str, ServiceAreas]
    municipalities: ServiceAreas | None = None
    addresses: tuple[str, gpd.GeoDataFrame] | None = None
    sliver_m2: float = DEFAULT_SLIVER_M2
    expected_table: Sequence[PsapAssignment] = ()
    table_name: str = "the table"


@dataclass(frozen=True)
class BoundaryCheck:
    """What the check found."""

    inputs: BoundaryInputs
    findings: Findings
    expected: tuple[ExpectedPsap, ...] = ()
    candidates: tuple[MisroutingCandidate, ...] = ()
    unchecked_addresses: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def clean(self) -> bool:
        """True when there is nothing to look at: no finding, no misrouting candidate."""
        return not self.findings.found and not self.candidates


def boundary_check(inputs: BoundaryInputs) -> BoundaryCheck:
    """Run every check ``inputs`` allows.

    Raises
    ------
    MapdeskError
        When there is no service layer, the sliver tolerance is negative, or
        the expected-PSAP table names what is not there.
    """
    if not inputs.services:
        raise MapdeskError("The boundary check needs a PSAP, police, fire or EMS layer")
    if inputs.sliver_m2 < 0:
        raise MapdeskError(f"The sliver tolerance {inputs.sliver_m2:g} m² is negative")
    findings = Findings(inputs.crs, inputs.sliver_m2)
    for areas in inputs.services.values():
        check_overlaps(areas, findings)
        check_gaps(areas, findings)
        if inputs.municipalities is not None:
            check_against_municipalities(areas, inputs.municipalities, findings)
    psaps = inputs.services.get("psap")
    if psaps is None or inputs.municipalities is None:
        return BoundaryCheck(inputs, findings, notes=tuple(_notes(inputs)))
    expected = expected_psaps(
        inputs.municipalities, psaps, inputs.expected_table, inputs.table_name
    )
    check_municipality_splits(inputs.municipalities, psaps, expected, findings)
    candidates: list[MisroutingCandidate] = []
    unchecked = 0
    if inputs.addresses is not None:
        _, frame = inputs.addresses
        candidates, unchecked = misrouting_candidates(
            frame.to_crs(inputs.crs), inputs.municipalities, psaps, expected
        )
    notes = _notes(inputs, expected, unchecked)
    return BoundaryCheck(inputs, findings, expected, tuple(candidates), unchecked, tuple(notes))


def _notes(
    inputs: BoundaryInputs, expected: Sequence[ExpectedPsap] = (), unchecked: int = 0
) -> list[str]:
    notes = []
    for areas in (*inputs.services.values(), inputs.municipalities):
        if areas is not None and areas.repaired:
            fids = ", ".join(str(f) for f in areas.repaired)
            notes.append(f"{areas.layer}: invalid polygons repaired for the check (fid {fids})")
    if inputs.municipalities is None:
        notes.append("No municipal layer: no check against municipalities, no misrouting")
    elif "psap" not in inputs.services:
        notes.append("No PSAP layer: no expected PSAPs, no misrouting")
    elif inputs.addresses is None:
        notes.append("No address layer: no misrouting candidates")
    munis = inputs.municipalities
    for wanted in expected:
        if wanted.psap_row is None and munis is not None:
            notes.append(f"{munis.label(wanted.municipality_row)} is in no PSAP")
    if unchecked:
        notes.append(
            f"{unchecked} address points not checked for misrouting: no location, outside "
            "every municipality, or in a municipality no PSAP serves"
        )
    return notes
