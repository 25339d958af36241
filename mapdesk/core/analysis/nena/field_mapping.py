"""Which source field fills which NENA v3 field when existing data is imported.

A county's road or address layer rarely has NENA's names: it has v2 names
(``Inc_Muni``), names of the tools that made it (``L_F_ADD``) or its own. A
mapping says, for each NENA field, which source field fills it; mapdesk
suggests one (same name, a known rename) and the user corrects it and saves
it as JSON to use again on next month's extract.

The renames mapdesk knows, and why each is safe to suggest:

- NENA v2 -> v3 (NENA-STA-006.3; schema.V2_RENAMES): ``State`` -> ``A1``,
  ``County`` -> ``A2``, ``Inc_Muni`` -> ``A3``, ``Uninc_Comm`` -> ``A4``,
  ``Nbrhd_Comm`` -> ``A5``, ``Building`` -> ``Structure`` and their ``_L``/``_R``
  forms on road centrelines.
- Census TIGER/Line edges: ``LFROMADD``, ``LTOADD``, ``RFROMADD``, ``RTOADD``
  (the address ranges of each side), ``ZIPL``/``ZIPR``.
- Esri dual-range street data (the ``L_F_ADD`` family of its geocoding
  tutorials and many county extracts): ``L_F_ADD``, ``L_T_ADD``, ``R_F_ADD``,
  ``R_T_ADD``, ``PRE_DIR``, ``PRE_TYPE``, ``ST_NAME``, ``ST_TYPE``, ``SUF_DIR``.
- Plain-English names common in county data: ``STREET`` -> ``St_Name``,
  ``ZIP``/``ZIPCODE`` -> the postal code.

Names are matched case-insensitively. A suggestion is a suggestion: the
dialog and ``--mapping`` let the user change any of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mapdesk.core.analysis.nena.schema import V2_RENAMES, LayerSpec

#: Legacy (non-NENA) names still common in county data -> the v3 field, per layer.
LEGACY_NAMES: Mapping[str, Mapping[str, str]] = {
    "RoadCenterLine": {
        "LFROMADD": "FromAddr_L", "LTOADD": "ToAddr_L",
        "RFROMADD": "FromAddr_R", "RTOADD": "ToAddr_R",
        "L_F_ADD": "FromAddr_L", "L_T_ADD": "ToAddr_L",
        "R_F_ADD": "FromAddr_R", "R_T_ADD": "ToAddr_R",
        "ZIPL": "PostCode_L", "ZIPR": "PostCode_R",
        "PRE_DIR": "St_PreDir", "PRE_TYPE": "St_PreTyp", "ST_NAME": "St_Name",
        "STREET": "St_Name", "ST_TYPE": "St_PosTyp", "SUF_DIR": "St_PosDir",
    },
    "SiteStructureAddressPoint": {
        "PRE_DIR": "St_PreDir", "PRE_TYPE": "St_PreTyp", "ST_NAME": "St_Name",
        "STREET": "St_Name", "ST_TYPE": "St_PosTyp", "SUF_DIR": "St_PosDir",
        "ZIP": "Post_Code", "ZIPCODE": "Post_Code",
    },
}  # fmt: skip

#: Fields the import fills itself, whatever the mapping says (DiscrpAgID,
#: DateUpdate) or fills when the source's value is missing or malformed (NGUID).
STAMPED = ("DiscrpAgID", "DateUpdate")
MAPPING_FORMAT = 1


@dataclass(frozen=True)
class FieldMapping:
    """NENA field -> the source field that fills it, for one NENA layer.

    Attributes
    ----------
    layer
        The NENA layer (``RoadCenterLine``...).
    fields
        NENA field name -> source field name; NENA fields not listed stay empty.
    """

    layer: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def source_of(self, nena_field: str) -> str | None:
        return self.fields.get(nena_field)

    def to_json(self) -> str:
        """The mapping as the JSON file ``--save-mapping`` writes."""
        body = {"format": MAPPING_FORMAT, "layer": self.layer, "fields": dict(self.fields)}
        return json.dumps(body, indent=1) + "\n"


def mapping_from_json(text: str, spec: LayerSpec, where: str = "the mapping") -> FieldMapping:
    """A mapping read from JSON, checked against the NENA layer it is for.

    Raises
    ------
    ValueError
        When the text is not a mapping file, is for another layer, or names a
        NENA field the layer does not have (the message names ``where``).
    """
    try:
        body: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where} is not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
        raise ValueError(f'{where} is not a field mapping: it needs {{"fields": {{...}}}}')
    layer = body.get("layer", spec.name)
    if layer != spec.name:
        raise ValueError(f"{where} is for the NENA layer {layer}, not {spec.name}")
    fields: dict[str, str] = {}
    for nena, source in body["fields"].items():
        target = spec.field(str(nena))
        if target is None:
            raise ValueError(f"{where}: {spec.name} has no field {nena!r}")
        if not isinstance(source, str) or not source:
            raise ValueError(f"{where}: the source of {target.name} must be a field name")
        fields[target.name] = source
    return FieldMapping(spec.name, fields)


def suggest_mapping(
    source_fields: Iterable[str], spec: LayerSpec, country: str = "US"
) -> FieldMapping:
    """The mapping mapdesk proposes: same name first, then a known rename.

    Every match ignores case. A source field fills one NENA field at most;
    the stamped fields (DiscrpAgID, DateUpdate) are never mapped.
    """
    by_lower = {name.lower(): name for name in source_fields}
    renames = {**V2_RENAMES, **LEGACY_NAMES.get(spec.name, {})}
    known: dict[str, list[str]] = {}
    for old, new in renames.items():
        known.setdefault(new.lower(), []).append(old)
    used: set[str] = set()
    fields: dict[str, str] = {}
    for target in spec.fields_for(country):
        if target.name in STAMPED:
            continue
        candidates = [target.name, *known.get(target.name.lower(), [])]
        for candidate in candidates:
            source = by_lower.get(candidate.lower())
            if source is not None and source not in used:
                fields[target.name] = source
                used.add(source)
                break
    return FieldMapping(spec.name, fields)


def check_mapping(
    mapping: FieldMapping, spec: LayerSpec, source_fields: Iterable[str], country: str = "US"
) -> list[str]:
    """What is wrong with ``mapping`` for a source with ``source_fields`` (empty: nothing)."""
    present = set(source_fields)
    kept = {f.name for f in spec.fields_for(country)}
    problems = [
        f"{nena} is to come from {source!r}, which the source does not have"
        for nena, source in mapping.fields.items()
        if source not in present
    ]
    problems += [
        f"{nena} is stamped by the import (it cannot come from {source!r})"
        for nena, source in mapping.fields.items()
        if nena in STAMPED
    ]
    problems += [
        f"{spec.name} has no {nena} in {country} data (NENA leaves it out there)"
        for nena in mapping.fields
        if nena not in kept
    ]
    return problems
