"""Reading a NENA dataset to validate: which layer plays which NENA layer, then only those.

A county's GeoPackage holds parcels, stations and much else beside its NENA
layers; only the layers that play a NENA part are read in full. Their part is
told by name, by fields (from the file's header) and, for polygon layers with
a ``ServiceURN`` field, by its values, read once and kept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd

from mapdesk.core.analysis.nena import LayerCandidate, RoleMatch, resolve_roles
from mapdesk.core.analysis.nena.layer_roles import column_named, geometry_family, service_urns_of
from mapdesk.io.registry import list_layers, read_layer


@dataclass(frozen=True)
class NenaDataset:
    """The layers of a file that play NENA layers, read, with their parts.

    Attributes
    ----------
    frames
        Layer name -> its features (index = fid), for the layers in ``roles``.
    roles
        NENA layer name -> which layer plays it, and how that was told.
    warnings
        What the reader had to say about a layer (as the app shows on loading).
    """

    path: str
    frames: Mapping[str, gpd.GeoDataFrame]
    roles: Mapping[str, RoleMatch]
    warnings: tuple[str, ...] = field(default=())


def read_nena_dataset(
    path: str | os.PathLike[str], chosen: Mapping[str, str] | None = None
) -> NenaDataset:
    """The NENA layers of ``path``, found as :func:`resolve_roles` says.

    Parameters
    ----------
    path
        A GeoPackage (or any file mapdesk reads with several layers).
    chosen
        The user's choices: NENA layer name -> layer name in the file.

    Raises
    ------
    MapdeskError
        When the file cannot be opened or a layer in it cannot be read (the
        message names the file), or a choice names an unknown layer.
    """
    read: dict[str, gpd.GeoDataFrame] = {}
    warnings: list[str] = []
    candidates = [_candidate(path, info.name, info.geometry_type, info.fields, read, warnings)
                  for info in list_layers(path)]  # fmt: skip
    roles = resolve_roles(candidates, chosen)
    for match in roles.values():
        if match.layer not in read:
            read[match.layer] = _read(path, match.layer, warnings)
    frames = {match.layer: read[match.layer] for match in roles.values()}
    return NenaDataset(os.fspath(path), frames, roles, tuple(warnings))


def _candidate(
    path: str | os.PathLike[str],
    name: str,
    geometry_type: str | None,
    fields: tuple[tuple[str, str], ...],
    read: dict[str, gpd.GeoDataFrame],
    warnings: list[str],
) -> LayerCandidate:
    family = geometry_family(geometry_type)
    names = tuple(field_name for field_name, _ in fields)
    urns: frozenset[str] = frozenset()
    if family == "POLYGON" and column_named(names, "ServiceURN") is not None:
        read[name] = _read(path, name, warnings)
        urns = service_urns_of(read[name])
    return LayerCandidate(name, family, names, urns)


def _read(path: str | os.PathLike[str], layer: str, warnings: list[str]) -> gpd.GeoDataFrame:
    result = read_layer(path, layer)
    warnings += [f"{layer}: {text}" for text in result.warnings]
    return result.frame
