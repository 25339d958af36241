"""Finding the network's layers in a project by what they hold, not by their names.

Users rename layers; the fields stay: spans have ``from_node`` and
``to_node``, nodes an ``asset_id`` and a ``type`` (see ``assets.asset_kind``),
city sites a ``network_node``, radio towers a ``site_id`` and a tower-ish name.
A new, empty layer has no geometries to tell its kind: the geometry type its
file declares does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from mapdesk.core.analysis.network.assets import asset_kind
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project


@dataclass(frozen=True)
class NetworkLayers:
    """The layers a network analysis reads (sites and towers are optional)."""

    nodes: VectorLayer
    spans: VectorLayer
    sites: VectorLayer | None = None
    towers: VectorLayer | None = None


def network_layers(project: Project) -> NetworkLayers:
    """The project's network layers (the top one of each kind).

    Raises
    ------
    MapdeskError
        When no span layer (``from_node``/``to_node``) or no node layer
        (``asset_id``/``type`` points) is in the project.
    """
    spans = _first(project, lambda f, kind: asset_kind(f, kind) == "span")
    nodes = _first(project, lambda f, kind: asset_kind(f, kind) == "node")
    if spans is None or nodes is None:
        raise MapdeskError(
            "No network in this project: it needs a span layer (lines with from_node and "
            "to_node, like Fibre spans) and a node layer (points with asset_id and type, "
            "like Network nodes)"
        )
    sites = _first(project, lambda f, kind: "network_node" in f and kind == "point")
    towers = _first(
        project, lambda f, kind: "site_id" in f and "network_node" not in f and kind == "point",
        named="tower",
    )  # fmt: skip
    return NetworkLayers(nodes, spans, sites, towers)


def node_layer_for(project: Project, spans: VectorLayer) -> VectorLayer | None:
    """The node layer that goes with the span layer ``spans`` (None: no node layer).

    A project may hold two networks (the city's and a new design beside it):
    the node layer read from the same file as ``spans`` is theirs; else the
    top node layer, as :func:`network_layers` takes.
    """
    nodes = [
        layer
        for layer in project.layers
        if layer.unavailable is None
        and asset_kind((name for name, _ in layer.fields), layer_geometry_kind(layer)) == "node"
    ]
    home = _source_file(spans)
    same_file = [layer for layer in nodes if home is not None and _source_file(layer) == home]
    return next(iter(same_file or nodes), None)


def _source_file(layer: VectorLayer) -> str | None:
    if layer.origin is None or not layer.origin.path:
        return None
    return os.path.normcase(os.path.abspath(str(layer.origin.path)))


def _first(project: Project, wanted: object, named: str = "") -> VectorLayer | None:
    for layer in project.layers:
        if layer.unavailable is not None or (named and named not in layer.name.lower()):
            continue
        fields = {name for name, _ in layer.fields}
        if wanted(fields, layer_geometry_kind(layer)):  # type: ignore[operator]
            return layer
    return None


def layer_geometry_kind(layer: VectorLayer) -> str:
    """point, line, polygon or table: from the features, else from what the file declares."""
    from mapdesk.core.style import geometry_kind

    declared = layer.data.attrs.get("geometry_type")
    return geometry_kind(layer.geometry_type or (str(declared) if declared else None))
