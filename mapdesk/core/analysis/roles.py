"""Which layer of a project plays which part: the PSAP boundary, the address points...

A layer is recognised by what it holds before what it is called: a NENA
service boundary by its ``ServiceURN`` values, address points by their
``Add_Number`` field, towers by ``coverage_km``; the layer name is the
fallback (``"Fire districts"``, ``"FixIt incidents"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from mapdesk.core.layer import VectorLayer

POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
PUNTAL = frozenset({"Point", "MultiPoint"})
LINEAR = frozenset({"LineString", "MultiLineString"})


@dataclass(frozen=True)
class LayerRole:
    """How to recognise the layer that plays one part."""

    key: str
    title: str
    geometry: frozenset[str]
    service_urn: str = ""
    fields: tuple[str, ...] = ()
    name_pattern: str = ""


ZONE_ROLES = (
    LayerRole(
        "municipality", "Municipality", POLYGONAL, fields=("A3", "Inc_Muni"),
        name_pattern=r"municip|\btowns?\b|city limit|\bA3\b",
    ),
    LayerRole("psap", "PSAP", POLYGONAL, "urn:emergency:service:sos.psap", name_pattern=r"psap"),
    LayerRole(
        "police", "Police", POLYGONAL, "urn:emergency:service:responder.police",
        name_pattern=r"police",
    ),
    LayerRole(
        "fire", "Fire", POLYGONAL, "urn:emergency:service:responder.fire", name_pattern=r"fire"
    ),
    LayerRole(
        "ems", "EMS", POLYGONAL, "urn:emergency:service:responder.ems",
        name_pattern=r"\bems\b|ambulance",
    ),
)  # fmt: skip
ADDRESS_ROLE = LayerRole(
    "address", "Nearest address", PUNTAL, fields=("Add_Number",), name_pattern=r"address"
)
INCIDENT_ROLE = LayerRole(
    "incidents", "Open incidents", PUNTAL, fields=("service_request_id",),
    name_pattern=r"fixit|incident|request|issue",
)  # fmt: skip
NODE_ROLE = LayerRole(
    "node", "Nearest network node", PUNTAL, name_pattern=r"network node|\bnodes?\b"
)
TOWER_ROLE = LayerRole(
    "towers", "Radio coverage", PUNTAL, fields=("coverage_km",), name_pattern=r"tower"
)
ROAD_ROLE = LayerRole(
    "roads", "Road centrelines", LINEAR, fields=("FromAddr_L", "RoadClass"),
    name_pattern=r"road|street|cent(er|re) ?line",
)  # fmt: skip


def find_layer(layers: Iterable[VectorLayer], role: LayerRole) -> VectorLayer | None:
    """The first layer (top of the list first) that plays ``role``; None if none does.

    A layer whose data says so (service URN, telling field) wins over one
    that is only named like it.
    """
    candidates = [
        layer
        for layer in layers
        if layer.feature_count > 0 and layer.geometry_type in role.geometry
    ]
    for layer in candidates:
        if _holds(layer, role):
            return layer
    if role.name_pattern:
        pattern = re.compile(role.name_pattern, re.IGNORECASE)
        for layer in candidates:
            if pattern.search(layer.name) and not _serves_other(layer, role):
                return layer
    return None


def _holds(layer: VectorLayer, role: LayerRole) -> bool:
    if role.service_urn:
        return role.service_urn in _service_urns(layer)
    return bool(role.fields) and column_of(layer, role.fields) is not None


def _serves_other(layer: VectorLayer, role: LayerRole) -> bool:
    """True for a NENA boundary layer of another service (a PSAP layer named "Fire ...")."""
    urns = _service_urns(layer)
    return bool(urns) and role.service_urn not in urns


def _service_urns(layer: VectorLayer) -> set[str]:
    column = column_of(layer, ("ServiceURN",))
    if column is None:
        return set()
    values = layer.data[column].dropna().astype(str).str.strip().str.lower()
    return set(np.unique(values.to_numpy()))


def column_of(layer: VectorLayer, names: Sequence[str]) -> str | None:
    """The layer's column called one of ``names`` (case-insensitive), first name first."""
    columns = {str(c).lower(): str(c) for c in layer.data.columns}
    for name in names:
        found = columns.get(name.lower())
        if found is not None and found != layer.data.geometry.name:
            return found
    return None
