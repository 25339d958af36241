"""The NENA validation rules (stable ids), what each finds, and the validation result.

Rule ids are part of mapdesk's interface: reports, exception flags and the
state's tooling refer to them, so they never change meaning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Every rule, in report order, with the one-line title a report shows.
RULES: Mapping[str, str] = {
    "schema.missing_layer": "A required NENA layer is missing",
    "schema.missing_field": "A required field is missing from a layer",
    "value.required_null": "A required field has no value",
    "domain.value": "A value is not of the field's type, too long, or outside its domain",
    "nguid.format": "An NGUID is malformed or names another layer",
    "nguid.duplicate": "An NGUID is used by more than one feature",
    "geometry.invalid": "A geometry is missing, invalid or of the wrong type",
    "polygon.overlap": "Polygons of one layer overlap",
    "polygon.gap": "A service boundary layer leaves part of the provisioning area uncovered",
    "road.dangle": "A road centreline ends without meeting another",
    "road.outside_provisioning": "A road centreline lies outside the provisioning boundary",
    "address.outside_provisioning": "An address point lies outside the provisioning boundary",
    "address.municipality_mismatch": "An address point's A1-A5 value disagrees with its polygon",
    "address.no_matching_road": "No road centreline of the address's street is nearby",
    "address.range_mismatch": "The address number is outside the nearby ranges, side or parity",
    "road.range_overlap": "Address ranges of one street overlap or switch parity",
    "address.duplicate": "The same address is given more than once",
}

#: Rules about one feature, which that feature's exception flag can silence.
FEATURE_RULES = frozenset(RULES) - {
    "schema.missing_layer",
    "schema.missing_field",
    "polygon.gap",
}

FeatureId = int | str


@dataclass(frozen=True)
class Finding:
    """One problem found: which rule, where, and a message naming the feature and value.

    ``x``/``y`` are longitude/latitude (EPSG:4326), None for problems with no
    place (a missing layer or field); ``fid`` and ``nguid`` are None when the
    problem is not one feature's (a gap, a missing layer).
    """

    rule: str
    layer: str
    fid: FeatureId | None
    nguid: str | None
    message: str
    x: float | None = None
    y: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report.json form: ``{"rule", "layer", "fid", "nguid", "message", "x", "y"}``."""
        return {
            "rule": self.rule,
            "layer": self.layer,
            "fid": self.fid,
            "nguid": self.nguid,
            "message": self.message,
            "x": None if self.x is None else round(self.x, 7),
            "y": None if self.y is None else round(self.y, 7),
        }


@dataclass(frozen=True)
class RoleMatch:
    """Which layer of the data plays a NENA layer, and how mapdesk knew."""

    role: str
    layer: str
    reason: str


@dataclass(frozen=True)
class ValidationResult:
    """Everything a validation found.

    Attributes
    ----------
    findings
        In rule order, then by layer and fid.
    roles
        NENA layer name -> the layer of the data validated as it.
    notes
        What the user should know about how the checks ran (an assumed
        provisioning area, exception flags naming no rule...).
    cancelled
        True when the run was stopped: ``findings`` are then incomplete.
    """

    findings: tuple[Finding, ...]
    roles: Mapping[str, RoleMatch] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    cancelled: bool = False

    @property
    def counts(self) -> dict[str, int]:
        """Findings per rule, every rule listed (zero when it found nothing)."""
        found = Counter(f.rule for f in self.findings)
        return {rule: found.get(rule, 0) for rule in RULES}

    @property
    def ok(self) -> bool:
        """True when nothing was found (and the run finished)."""
        return not self.findings and not self.cancelled

    def to_report(self) -> dict[str, Any]:
        """``{"rules": {rule_id: count}, "errors": [finding, ...]}`` for report.json."""
        return {"rules": self.counts, "errors": [f.to_dict() for f in self.findings]}
