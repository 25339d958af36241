"""Identify: a click with the identify tool lists the features there in the panel."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from mapdesk.core.identify import IdentifyHit, identify_at
from mapdesk.core.project import Project
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.canvas.units import format_map_xy
from mapdesk.ui.views.identify_panel import IdentifyPanel
from mapdesk.ui.workers import guarded_slot


class IdentifyController(QObject):
    """Runs :func:`identify_at` over the visible layers and fills the panel."""

    def __init__(
        self, canvas: MapCanvas, panel: IdentifyPanel, project: Project, parent_widget: QWidget
    ) -> None:
        super().__init__(parent_widget)
        self._canvas = canvas
        self._panel = panel
        self._project = project
        self._parent = parent_widget
        self.last_hits: list[IdentifyHit] = []
        canvas.identify_requested.connect(self.identify)

    def parent_widget(self) -> QWidget:
        return self._parent

    @guarded_slot
    def identify(self, x: float, y: float, tolerance: float) -> list[IdentifyHit]:
        """Identify at map position (x, y) within ``tolerance`` map units."""
        hits = identify_at(self._project.layers, self._project.crs, x, y, tolerance)
        self.last_hits = hits
        where = format_map_xy(x, y, self._project.crs, self._canvas.view.resolution)
        self._panel.show_hits(hits, where)
        self._panel.show()
        self._panel.raise_()
        return hits
