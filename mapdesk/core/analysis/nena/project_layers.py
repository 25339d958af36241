"""NENA validation of the layers open in a project: which layer plays which NENA layer.

The CLI reads a file and finds its NENA layers (``io.nena_dataset``); the app
has the layers already, perhaps with unsaved edits. The same role matching
(:func:`~mapdesk.core.analysis.nena.layer_roles.resolve_roles`) proposes a
layer for each NENA layer; the user may change any choice, and a choice kept
as proposed keeps its reason ("its ServiceURN ...") for the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd

from mapdesk.core.analysis.nena.findings import RoleMatch
from mapdesk.core.analysis.nena.layer_roles import candidate_from_frame, resolve_roles
from mapdesk.core.analysis.nena.schema import NenaSchema, load_schema
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

#: Why a layer plays a NENA layer when the user picked it in the dialog.
CHOSEN = "chosen"


@dataclass(frozen=True)
class ProjectNenaLayers:
    """The project layers to validate, keyed as the validation names them.

    Attributes
    ----------
    layers
        Layer name (as in each finding's ``layer``) -> the project layer.
    frames
        Layer name -> its features (index = fid), as the validation reads them.
    roles
        NENA layer name -> which layer plays it and why.
    """

    layers: Mapping[str, VectorLayer]
    frames: Mapping[str, gpd.GeoDataFrame]
    roles: Mapping[str, RoleMatch]


def proposed_roles(
    layers: Iterable[VectorLayer], schema: NenaSchema | None = None
) -> dict[str, RoleMatch]:
    """NENA layer name -> the project layer that plays it, as the CLI would find it.

    Layers are taken top of the layer panel first; a layer with no features
    of a single geometry kind plays no part.
    """
    candidates = [candidate_from_frame(layer.name, layer.data) for layer in layers]
    return resolve_roles(candidates, schema=schema or load_schema())


def nena_layers(
    chosen: Mapping[str, VectorLayer],
    proposed: Mapping[str, RoleMatch] | None = None,
) -> ProjectNenaLayers:
    """The layers and roles to validate, from the user's choice per NENA layer.

    Parameters
    ----------
    chosen
        NENA layer name -> the project layer chosen to play it (a NENA layer
        left out is validated as missing).
    proposed
        What :func:`proposed_roles` proposed: a choice that kept the proposal
        keeps its reason, others are ``"chosen"``.

    Raises
    ------
    MapdeskError
        When one layer is chosen for two NENA layers, or two chosen layers
        share a name (the findings could not tell them apart).
    """
    proposed = proposed or {}
    by_name: dict[str, VectorLayer] = {}
    roles: dict[str, RoleMatch] = {}
    for role, layer in chosen.items():
        other = by_name.get(layer.name)
        if other is not None:
            raise MapdeskError(_twice(layer, other, role, roles))
        by_name[layer.name] = layer
        kept = proposed.get(role)
        roles[role] = (
            kept if kept and kept.layer == layer.name else RoleMatch(role, layer.name, CHOSEN)
        )
    frames = {name: layer.data for name, layer in by_name.items()}
    return ProjectNenaLayers(by_name, frames, roles)


def _twice(
    layer: VectorLayer, other: VectorLayer, role: str, roles: Mapping[str, RoleMatch]
) -> str:
    first = next(match.role for match in roles.values() if match.layer == other.name)
    if other is layer:
        return f"'{layer.name}' is chosen as both {first} and {role}: a layer plays one NENA layer"
    return (
        f"Two layers are called '{layer.name}' ({first} and {role}): rename one in the layer "
        "panel so the findings can tell them apart"
    )
