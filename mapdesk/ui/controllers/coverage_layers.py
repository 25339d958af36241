"""The ``Coverage: ...`` layers of the last drive-time coverage run in the project.

A new run (or a what-if recomputed) replaces them rather than piling up another
set: the old ones are removed and the new ones added in their place at the top,
each shown or hidden as the user left its predecessor.
"""

from __future__ import annotations

import geopandas as gpd

from mapdesk.core.analysis.coverage.styles import ResultLook, used_categories
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.symbology import symbology_field


class CoverageLayers:
    """The result layers one controller added, by result layer name (``first_due_zones``...)."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self.layers: dict[str, VectorLayer] = {}

    def replace(
        self, frames: dict[str, gpd.GeoDataFrame], looks: dict[str, ResultLook]
    ) -> dict[str, VectorLayer]:
        """Remove the previous run's layers and add these, bottom first as ``looks`` orders
        them; an empty result layer (no gaps) is not added."""
        shown = {name: layer.visible for name, layer in self.layers.items() if self._has(layer)}
        self.remove()
        for name, look in looks.items():
            frame = frames.get(name)
            if frame is None or frame.empty:
                continue
            layer = _styled(VectorLayer(frame, look.title, style=look.style), look)
            layer.visible = shown.get(name, look.visible)
            self.layers[name] = self._project.add_layer(layer)
        return dict(self.layers)

    def remove(self) -> None:
        """Take the layers added last out of the project (those the user has not removed)."""
        for layer in self.layers.values():
            if self._has(layer):
                self._project.remove_layer(layer)
        self.layers = {}

    def _has(self, layer: VectorLayer) -> bool:
        return any(layer is present for present in self._project.layers)


def _styled(layer: VectorLayer, look: ResultLook) -> VectorLayer:
    field = symbology_field(look.symbology)
    values = layer.data[field].tolist() if field is not None else []
    layer.symbology = used_categories(look.symbology, values)
    layer.labels = look.labels
    return layer
