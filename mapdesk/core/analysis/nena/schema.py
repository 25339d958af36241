"""mapdesk's NENA NG9-1-1 GIS data model (v3): layers, fields, domains, layer indicators.

The definition ships with mapdesk (``resources/nena/nena_v3.json``, written by
``scripts/make_nena_schema.py`` from NENA's own schema yaml, Apache-2.0),
because the analysts who validate or build NENA data do not have NENA's file.
This module gives it types, and adds what the yaml does not say: the v2 field
names still common in county data, and which shapely geometry types each
NENA geometry allows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any, Literal

FieldType = Literal["TEXT", "INTEGER", "REAL", "DATETIME"]
Geometry = Literal["POINT", "POLYLINE", "POLYGON"]

#: Shapely/GDAL geometry type names each NENA geometry allows.
GEOMETRY_TYPES: Mapping[str, frozenset[str]] = {
    "POINT": frozenset({"Point", "MultiPoint"}),
    "POLYLINE": frozenset({"LineString", "MultiLineString", "LinearRing"}),
    "POLYGON": frozenset({"Polygon", "MultiPolygon"}),
}

#: NENA v2 field names and the v3 names that replaced them (NENA-STA-006.3).
V2_RENAMES: Mapping[str, str] = {
    "State": "A1",
    "County": "A2",
    "Inc_Muni": "A3",
    "Uninc_Comm": "A4",
    "Nbrhd_Comm": "A5",
    "Building": "Structure",
    "State_L": "A1_L",
    "State_R": "A1_R",
    "County_L": "A2_L",
    "County_R": "A2_R",
    "IncMuni_L": "A3_L",
    "IncMuni_R": "A3_R",
    "UnincCom_L": "A4_L",
    "UnincCom_R": "A4_R",
    "NbrhdCom_L": "A5_L",
    "NbrhdCom_R": "A5_R",
}

#: The v2 names of each v3 field.
V3_FROM_V2: Mapping[str, tuple[str, ...]] = {
    v3: tuple(v2 for v2, new in V2_RENAMES.items() if new == v3) for v3 in set(V2_RENAMES.values())
}


@dataclass(frozen=True)
class Domain:
    """A NENA domain: coded values with their labels, or a numeric range.

    A coded domain without values (AgencyID, PostalCode, A2/A3 names...) is one
    NENA leaves to each 9-1-1 authority, so there is nothing to check against.
    """

    name: str
    field_type: FieldType
    values: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    @property
    def is_range(self) -> bool:
        return self.minimum is not None and self.maximum is not None

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(code for code, _ in self.values)

    @property
    def checkable(self) -> bool:
        """True when values can be checked against it (a range or a non-empty list)."""
        return self.is_range or bool(self.values)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a NENA layer."""

    name: str
    alias: str
    field_type: FieldType
    required: bool
    length: int | None = None
    domain: str | None = None
    default: str | None = None
    precision: int | None = None
    scale: int | None = None


@dataclass(frozen=True)
class LayerSpec:
    """One NENA layer: its geometry, its NGUID layer indicator and its fields."""

    name: str
    alias: str
    geometry: Geometry
    indicator: str | None
    fields: tuple[FieldSpec, ...]
    has_z: bool = False
    country_removals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def fields_for(self, country: str = "US") -> tuple[FieldSpec, ...]:
        """The fields a layer has in ``country`` (NENA drops a few per country)."""
        removed = set(self.country_removals.get(country, ()))
        return tuple(f for f in self.fields if f.name not in removed)

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((f for f in self.fields if f.name.lower() == wanted), None)

    @property
    def geometry_types(self) -> frozenset[str]:
        return GEOMETRY_TYPES[self.geometry]


@dataclass(frozen=True)
class NenaSchema:
    """The whole NENA v3 definition mapdesk carries."""

    layers: Mapping[str, LayerSpec]
    domains: Mapping[str, Domain]
    layer_indicators: Mapping[str, str]
    source: Mapping[str, str]

    def layer(self, name: str) -> LayerSpec:
        """The layer called ``name`` (NENA's spelling); KeyError names the known ones."""
        try:
            return self.layers[name]
        except KeyError:
            raise KeyError(f"No NENA layer {name!r}; known: {', '.join(self.layers)}") from None

    def domain_of(self, spec: FieldSpec) -> Domain | None:
        return self.domains.get(spec.domain) if spec.domain else None


def v3_field_name(name: str) -> str:
    """The v3 name of a field (``"Inc_Muni"`` -> ``"A3"``); other names unchanged."""
    return V2_RENAMES.get(name, name)


@cache
def load_schema() -> NenaSchema:
    """mapdesk's NENA v3 definition, read once from the package's resources."""
    text = (files("mapdesk") / "resources" / "nena" / "nena_v3.json").read_text(encoding="utf-8")
    return schema_from_dict(json.loads(text))


def schema_from_dict(data: Mapping[str, Any]) -> NenaSchema:
    """A :class:`NenaSchema` from the JSON written by ``scripts/make_nena_schema.py``."""
    domains = {name: _domain(name, body) for name, body in data["domains"].items()}
    layers = {body["name"]: _layer(body) for body in data["layers"]}
    return NenaSchema(
        layers=layers,
        domains=domains,
        layer_indicators=dict(data["layer_indicators"]),
        source={str(k): str(v) for k, v in data["source"].items()},
    )


def _domain(name: str, body: Mapping[str, Any]) -> Domain:
    low, high = body.get("range") or (None, None)
    return Domain(
        name=name,
        field_type=body["type"],
        values=tuple((str(code), str(label)) for code, label in body.get("values", ())),
        minimum=None if low is None else float(low),
        maximum=None if high is None else float(high),
    )


def _layer(body: Mapping[str, Any]) -> LayerSpec:
    return LayerSpec(
        name=body["name"],
        alias=body["alias"],
        geometry=body["geometry"],
        indicator=body.get("indicator"),
        fields=tuple(_field(f) for f in body["fields"]),
        has_z=bool(body.get("has_z", False)),
        country_removals={k: tuple(v) for k, v in body.get("country_removals", {}).items()},
    )


def _field(body: Mapping[str, Any]) -> FieldSpec:
    return FieldSpec(
        name=body["name"],
        alias=body["alias"],
        field_type=body["type"],
        required=bool(body["required"]),
        length=body.get("length"),
        domain=body.get("domain"),
        default=body.get("default"),
        precision=body.get("precision"),
        scale=body.get("scale"),
    )
