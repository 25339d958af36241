"""NENA NG9-1-1 GIS data (NENA-STA-006.3): mapdesk's own v3 definition and validation.

- :mod:`.schema`: the layers, fields, domains and layer indicators mapdesk carries.
- :mod:`.nguid`: NGUIDs, ``urn:emergency:uid:gis:{Layer}:{LocalID}:{Agency}``.
- :mod:`.layer_roles`: which layer of a dataset plays which NENA layer.
- :mod:`.validate`: every rule over a dataset, with progress and cancel.
"""

from mapdesk.core.analysis.nena.context import ValidationOptions
from mapdesk.core.analysis.nena.findings import (
    FEATURE_RULES,
    RULES,
    Finding,
    RoleMatch,
    ValidationResult,
)
from mapdesk.core.analysis.nena.layer_roles import (
    REQUIRED_LAYERS,
    LayerCandidate,
    candidate_from_frame,
    resolve_roles,
)
from mapdesk.core.analysis.nena.nguid import make_nguid, nguid_problem, parse_nguid
from mapdesk.core.analysis.nena.schema import NenaSchema, load_schema
from mapdesk.core.analysis.nena.validate import validate_nena

__all__ = [
    "FEATURE_RULES",
    "REQUIRED_LAYERS",
    "RULES",
    "Finding",
    "LayerCandidate",
    "NenaSchema",
    "RoleMatch",
    "ValidationOptions",
    "ValidationResult",
    "candidate_from_frame",
    "load_schema",
    "make_nguid",
    "nguid_problem",
    "parse_nguid",
    "resolve_roles",
    "validate_nena",
]
