"""What the attribute form of a new network node or span starts with.

A layer is a network layer by its fields (core.analysis.network.assets),
unless its types are none of the network's (a streetlight layer with
``asset_id`` and ``type``: a plain form). Its form then offers the asset
templates (those its own coded values allow), with the one last used on the
layer chosen again, and proposes the next free asset id and, for a span, the
in-service nodes at its two ends (within the snapping tolerance) and its
length on the ground.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mapdesk.core.analysis.network.assets import (
    ASSET_LAYERS,
    AssetKind,
    asset_kind,
    holds_network_types,
)
from mapdesk.core.analysis.network.new_assets import (
    next_asset_id,
    span_end_nodes,
    span_length_m,
)
from mapdesk.core.analysis.network.project_layers import node_layer_for
from mapdesk.core.analysis.network.templates import templates_for
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project

MapPoint = tuple[float, float]


@dataclass(frozen=True)
class AssetForm:
    """The form's templates (name, values), the one to choose, and proposed values."""

    templates: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    template: str | None = None
    proposed: dict[str, Any] = field(default_factory=dict)


class AssetForms:
    """Templates and proposals for new features of network layers; remembers the
    template last used on each layer for the session."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._last: dict[str, str] = {}

    def for_new_feature(
        self, layer: VectorLayer, points: Sequence[MapPoint], tolerance: float
    ) -> AssetForm:
        """What a new feature of ``layer`` drawn through ``points`` (map CRS) starts with.

        ``tolerance`` is the snapping tolerance in map units. A layer that is
        not a network layer gets an empty AssetForm (a plain form).
        """
        kind = self.kind_of(layer)
        session = layer.edit_session
        rules = session.field_rules if session is not None else {}
        if kind is None or not self._network_types(layer, kind, rules):
            return AssetForm()
        templates = tuple((t.name, t.values) for t in templates_for(kind, rules))
        names = {name for name, _ in layer.fields}
        proposed: dict[str, Any] = {}
        if "asset_id" in names:
            proposed["asset_id"] = next_asset_id(
                layer.data["asset_id"], ASSET_LAYERS[kind].id_prefix
            )
        if kind == "span":
            proposed.update(self._span_values(layer, names, points, tolerance))
        return AssetForm(templates, self._last.get(layer.id), proposed)

    def remember(self, layer: VectorLayer, template: str | None) -> None:
        """Choose ``template`` again on ``layer``'s next new feature."""
        if template is None:
            self._last.pop(layer.id, None)
        else:
            self._last[layer.id] = template

    @staticmethod
    def kind_of(layer: VectorLayer) -> AssetKind | None:
        """``"node"`` or ``"span"`` for a network layer in edit mode, else None."""
        session = layer.edit_session
        geometry = session.geometry_kind if session is not None else None
        return asset_kind((name for name, _ in layer.fields), geometry)

    @staticmethod
    def _network_types(
        layer: VectorLayer, kind: AssetKind, rules: Mapping[str, Mapping[str, Any]]
    ) -> bool:
        if "type" not in layer.data.columns:
            return True
        codes = rules.get("type", {}).get("codes") or {}
        return holds_network_types(kind, pd.unique(layer.data["type"]), codes)

    def _span_values(
        self, spans: VectorLayer, names: set[str], points: Sequence[MapPoint], tolerance: float
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if "length_m" in names and (length := span_length_m(points, self._project.crs)):
            values["length_m"] = length
        nodes = node_layer_for(self._project, spans)
        if not {"from_node", "to_node"} <= names or nodes is None:
            return values  # no node layer: nothing to join the span to
        geometries = nodes.projected(self._project.crs).geometries
        start, end = span_end_nodes(points, nodes.data, list(geometries), tolerance)
        values.update({"from_node": start, "to_node": end})
        return values
