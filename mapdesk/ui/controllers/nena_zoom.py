"""Going to a NENA error: zoom to its feature and select it, as QGIS's "zoom to feature".

An error names its layer and fid; the feature is looked up in the project
layer validated, so the map shows the feature whole (a long road, not only
the end that dangles). When the feature is gone (deleted since) or has no
geometry, the error's own place is shown; errors with no place (a missing
layer or field) only say so.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mapdesk.core.analysis.metric import WGS84
from mapdesk.core.analysis.nena import Finding
from mapdesk.core.crs import transform_xy
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.view import Extent, padded_extent
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.views.status_bar import MapStatusBar


class FindingLocator:
    """Zooms the canvas to errors of the validation shown.

    Attributes
    ----------
    layers
        Layer name (as findings name them) -> the project layer validated.
    """

    def __init__(self, project: Project, canvas: MapCanvas, status: MapStatusBar) -> None:
        self._project, self._canvas, self._status = project, canvas, status
        self.layers: Mapping[str, VectorLayer] = {}

    def feature_of(self, finding: Finding) -> tuple[VectorLayer, int] | None:
        """The project layer and row of the error's feature, while the project has it."""
        layer = self.layers.get(finding.layer)
        if layer is None or finding.fid is None or layer not in self._project.layers:
            return None
        row = int(layer.data.index.get_indexer([finding.fid])[0])
        return (layer, row) if row >= 0 else None

    def zoom_to(self, finding: object) -> tuple[VectorLayer, int] | None:
        """Zoom to the error's feature and select it (only it, in its layer).

        Returns the feature's layer and row, None when it is not in the project.
        """
        if not isinstance(finding, Finding):
            return None
        found = self.feature_of(finding)
        extent = self._feature_extent(*found) if found is not None else None
        extent = extent or self._place_extent(finding)
        if extent is None:
            self._status.showMessage(f"{finding.layer}: this error has no place on the map", 8000)
        else:
            self._canvas.zoom_to_extent(padded_extent(extent, 2 * self._project.min_view_span))
        if found is not None:
            layer, row = found
            layer.selection.apply(layer.data.index[[row]])
        return found

    def _feature_extent(self, layer: VectorLayer, row: int) -> Extent | None:
        geometry = layer.projected(self._project.crs).geometries[row]
        if geometry is None or geometry.is_empty:
            return None
        bounds = tuple(float(v) for v in geometry.bounds)
        return bounds if np.isfinite(bounds).all() else None  # type: ignore[return-value]

    def _place_extent(self, finding: Finding) -> Extent | None:
        if finding.x is None or finding.y is None:
            return None
        x, y = finding.x, finding.y
        if self._project.crs is not None:
            xs, ys = transform_xy([x], [y], WGS84, self._project.crs)
            x, y = float(xs[0]), float(ys[0])
        return (x, y, x, y)
