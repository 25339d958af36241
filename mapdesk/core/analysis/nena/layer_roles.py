"""Which layer of a dataset plays which NENA layer.

Few counties name their layers as NENA does: the demo has ``address_points``,
``road_centerlines`` and ``psap_boundary``. A layer is matched, in this order,
by the user's choice, by its NENA name, by what it holds (a service boundary
by its ``ServiceURN`` values, address points by ``Add_Number``, an A3
polygon by an ``A3`` field), and last by a name that says so. Each layer
plays at most one part, and only a part of its own geometry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd

from mapdesk.core.analysis.nena.findings import RoleMatch
from mapdesk.core.analysis.nena.schema import GEOMETRY_TYPES, V3_FROM_V2, NenaSchema, load_schema
from mapdesk.core.errors import MapdeskError

#: The NENA layers mapdesk recognises under other names, in matching order.
RECOGNISED = (
    "PsapPolygon",
    "PolicePolygon",
    "FirePolygon",
    "EmsPolygon",
    "ProvisioningPolygon",
    "A5Polygon",
    "A4Polygon",
    "A3Polygon",
    "A2Polygon",
    "A1Polygon",
    "SiteStructureAddressPoint",
    "RoadCenterLine",
)

#: The layers NENA requires of every data provider (DOMAIN.md, NENA-STA-006.3 section 4).
REQUIRED_LAYERS = (
    "RoadCenterLine",
    "SiteStructureAddressPoint",
    "PsapPolygon",
    "PolicePolygon",
    "FirePolygon",
    "EmsPolygon",
    "ProvisioningPolygon",
)

#: ServiceURN values (and their sub-services) that mark a service boundary layer.
SERVICE_URNS = {
    "PsapPolygon": "urn:emergency:service:sos.psap",
    "PolicePolygon": "urn:emergency:service:responder.police",
    "FirePolygon": "urn:emergency:service:responder.fire",
    "EmsPolygon": "urn:emergency:service:responder.ems",
}

#: Fields whose presence tells a layer's part (any one of a tuple suffices).
TELLING_FIELDS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "SiteStructureAddressPoint": (("Add_Number",), ("St_Name", "FullAddr")),
    "RoadCenterLine": (("FromAddr_L", "ToAddr_L", "FromAddr_R", "ToAddr_R"),),
    "A5Polygon": (("A5", *V3_FROM_V2["A5"]),),
    "A4Polygon": (("A4", *V3_FROM_V2["A4"]),),
    "A3Polygon": (("A3", *V3_FROM_V2["A3"]),),
    "A2Polygon": (("A2", *V3_FROM_V2["A2"]),),
    "A1Polygon": (("A1", *V3_FROM_V2["A1"]),),
}

#: Layer names that say the part (matched on the lower-cased name).
NAME_PATTERNS = {
    "PsapPolygon": r"psap",
    "PolicePolygon": r"police|sheriff|law.?enforce",
    "FirePolygon": r"fire",
    "EmsPolygon": r"(^|[^a-z])ems([^a-z]|$)|ambulance|rescue",
    "ProvisioningPolygon": r"provision",
    "A5Polygon": r"neighbou?rhood|nbrhd",
    "A4Polygon": r"uninc",
    "A3Polygon": r"municipal|(^|[^a-z])towns?([^a-z]|$)|city.?limit|inc.?muni",
    "A2Polygon": r"count(y|ies)",
    "A1Polygon": r"(^|[^a-z])states?([^a-z]|$)|province",
    "SiteStructureAddressPoint": r"address|ssap|addr.?pts?",
    "RoadCenterLine": r"cent(er|re).?lines?|(^|[^a-z])rcl([^a-z]|$)|streets?|roads?",
}


@dataclass(frozen=True)
class LayerCandidate:
    """What role matching needs to know of a layer: cheap to get from a file."""

    name: str
    geometry: str | None
    fields: tuple[str, ...]
    service_urns: frozenset[str] = frozenset()


def geometry_family(geometry_type: str | None) -> str | None:
    """``"POINT"``, ``"POLYLINE"`` or ``"POLYGON"`` for a geometry type name, else None."""
    if not geometry_type:
        return None
    plain = geometry_type.removeprefix("3D ").replace(" ", "")
    plain = plain.removesuffix("Z").removesuffix("M").removesuffix("Z")
    return next((fam for fam, names in GEOMETRY_TYPES.items() if plain in names), None)


def candidate_from_frame(name: str, frame: gpd.GeoDataFrame) -> LayerCandidate:
    """A :class:`LayerCandidate` for a layer already read (the app's layers)."""
    types = frame.geometry.geom_type.dropna().unique() if len(frame) else []
    families = {geometry_family(str(t)) for t in types} - {None}
    fields = tuple(str(c) for c in frame.columns if c != frame.geometry.name)
    return LayerCandidate(
        name,
        families.pop() if len(families) == 1 else None,
        fields,
        service_urns_of(frame),
    )


def service_urns_of(frame: gpd.GeoDataFrame) -> frozenset[str]:
    """The distinct ServiceURN values of a layer (lower case), empty without the field."""
    column = column_named(frame.columns, "ServiceURN")
    if column is None:
        return frozenset()
    values = frame[column].dropna().astype(str).str.strip().str.lower()
    return frozenset(values.unique())


def column_named(columns: Iterable[object], name: str) -> str | None:
    """The column called ``name``, exactly or else ignoring case."""
    names = [str(c) for c in columns]
    if name in names:
        return name
    wanted = name.lower()
    return next((c for c in names if c.lower() == wanted), None)


def resolve_roles(
    candidates: Iterable[LayerCandidate],
    chosen: Mapping[str, str] | None = None,
    schema: NenaSchema | None = None,
) -> dict[str, RoleMatch]:
    """NENA layer name -> the layer that plays it, for every part some layer plays.

    Parameters
    ----------
    candidates
        The layers of the dataset, in file order (the first of two alike wins).
    chosen
        The user's choices, NENA layer name (any case) -> layer name.

    Raises
    ------
    MapdeskError
        When a choice names an unknown NENA layer or dataset layer, or a layer
        of the wrong geometry (naming what would do).
    """
    schema = schema or load_schema()
    layers = list(candidates)
    matches = _chosen(layers, chosen or {}, schema)
    for how in (_by_nena_name, _by_content, _by_layer_name):
        for role in (*RECOGNISED, *schema.layers):
            if role in matches:
                continue
            free = [c for c in layers if c.name not in {m.layer for m in matches.values()}]
            found = how(role, _of_geometry(free, schema.layers[role].geometry), schema)
            if found is not None:
                matches[role] = found
    return {role: matches[role] for role in schema.layers if role in matches}


def _of_geometry(layers: list[LayerCandidate], geometry: str) -> list[LayerCandidate]:
    return [c for c in layers if c.geometry == geometry]


def _chosen(
    layers: list[LayerCandidate], chosen: Mapping[str, str], schema: NenaSchema
) -> dict[str, RoleMatch]:
    by_name = {c.name: c for c in layers}
    roles = {name.lower(): name for name in schema.layers}
    matches: dict[str, RoleMatch] = {}
    for asked, layer in chosen.items():
        role = roles.get(asked.lower())
        if role is None:
            raise MapdeskError(
                f"{asked!r} is not a NENA layer; use one of: {', '.join(schema.layers)}"
            )
        candidate = by_name.get(layer)
        if candidate is None:
            raise MapdeskError(
                f"No layer {layer!r} to validate as {role}; the data has: "
                f"{', '.join(by_name) or 'no layers'}"
            )
        wanted = schema.layers[role].geometry
        if candidate.geometry not in (None, wanted):
            raise MapdeskError(
                f"Layer {layer!r} holds {candidate.geometry.lower()}s and cannot be {role}, "
                f"a {wanted.lower()} layer"
            )
        matches[role] = RoleMatch(role, layer, "chosen")
    return matches


def _by_nena_name(role: str, layers: list[LayerCandidate], schema: NenaSchema) -> RoleMatch | None:
    names = {role.lower(), role.lower().removesuffix("polygon")}
    found = next((c for c in layers if c.name.lower() in names), None)
    return None if found is None else RoleMatch(role, found.name, "its NENA name")


def _by_content(role: str, layers: list[LayerCandidate], schema: NenaSchema) -> RoleMatch | None:
    urn = SERVICE_URNS.get(role)
    if urn is not None:
        found = next((c for c in layers if _serves(c, urn)), None)
        return None if found is None else RoleMatch(role, found.name, f"its ServiceURN {urn}")
    telling = TELLING_FIELDS.get(role)
    if telling is None:
        return None
    for candidate in layers:
        if candidate.service_urns or not _has_fields(candidate, telling):
            continue
        if role.startswith("A") and _deeper_level(candidate, role):
            continue
        return RoleMatch(role, candidate.name, "its fields")
    return None


def _serves(candidate: LayerCandidate, urn: str) -> bool:
    return bool(candidate.service_urns) and all(
        value == urn or value.startswith(urn + ".") for value in candidate.service_urns
    )


def _serves_another(candidate: LayerCandidate, role: str) -> bool:
    return any(_serves(candidate, urn) for other, urn in SERVICE_URNS.items() if other != role)


def _has_fields(candidate: LayerCandidate, telling: tuple[tuple[str, ...], ...]) -> bool:
    lower = {f.lower() for f in candidate.fields}
    return all(any(name.lower() in lower for name in group) for group in telling)


def _deeper_level(candidate: LayerCandidate, role: str) -> bool:
    """True when an A-level polygon layer also has a deeper level's field (A3 under A5)."""
    level = int(role[1])
    return any(
        _has_fields(candidate, TELLING_FIELDS[f"A{deeper}Polygon"])
        for deeper in range(level + 1, 6)
    )


def _by_layer_name(role: str, layers: list[LayerCandidate], schema: NenaSchema) -> RoleMatch | None:
    pattern = NAME_PATTERNS.get(role)
    if pattern is None:
        return None
    for candidate in layers:
        if _serves_another(candidate, role):
            continue  # a PSAP layer called "Fire and police dispatch"
        if re.search(pattern, candidate.name.lower()):
            return RoleMatch(role, candidate.name, "its name")
    return None
