"""Identify: a click with the identify tool lists the features there in the panel
and highlights them on the map."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from mapdesk.core.identify import IdentifyHit, identify_at
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.canvas.units import format_map_xy
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.views.identify_panel import IdentifyPanel
from mapdesk.ui.workers import guarded_slot


class IdentifyController(WindowController):
    """Identifies over the visible layers, fills the panel, highlights the hits."""

    def __init__(
        self, canvas: MapCanvas, panel: IdentifyPanel, project: Project, parent_widget: QWidget
    ) -> None:
        super().__init__(parent_widget)
        self._canvas = canvas
        self._panel = panel
        self._project = project
        self.last_hits: list[IdentifyHit] = []
        canvas.identify_requested.connect(self.identify)
        # Closing Identify Results clears the red outlines, as in QGIS.
        panel.visibilityChanged.connect(self._on_panel_visibility)

    @guarded_slot
    def _on_panel_visibility(self, visible: bool) -> None:
        if not visible:
            self._canvas.clear_highlight()

    @guarded_slot
    def identify(self, x: float, y: float, tolerance: float) -> list[IdentifyHit]:
        """Identify at map position (x, y) within ``tolerance`` map units."""
        found = identify_at(self._project.layers, self._project.crs, x, y, tolerance)
        hits = [hit for group in found for hit in group.hits]
        self.last_hits = hits
        where = format_map_xy(x, y, self._project.crs, self._canvas.view.resolution)
        self._panel.show_hits(hits, where, {group.layer.id: group.total for group in found})
        self._canvas.set_highlight(
            [
                group.layer.projected(self._project.crs).geometries[hit.row]
                for group in found
                for hit in group.hits
            ]
        )
        self._panel.show()
        self._panel.raise_()
        return hits

    def show_feature(self, layer: VectorLayer, row: int) -> IdentifyHit:
        """List one feature (at position ``row`` of ``layer``) as an identify click would:
        its attributes in the panel, its outline on the map."""
        fid = layer.fids(np.asarray([row], dtype=np.intp))[0]
        hit = IdentifyHit(layer.id, layer.name, row, fid, layer.attributes(row))
        self.last_hits = [hit]
        self._panel.show_hits([hit])
        self._canvas.set_highlight([layer.projected(self._project.crs).geometries[row]])
        self._panel.show()
        self._panel.raise_()
        return hit
