"""The Location Dossier map tool: click a spot to read everything known about it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPen

from mapdesk.ui.canvas.tools import RUBBER_BAND, ClickTool

if TYPE_CHECKING:
    from mapdesk.ui.canvas.canvas import MapCanvas

#: The tool's name on the canvas (``canvas.set_map_tool(DOSSIER_TOOL)``).
DOSSIER_TOOL = "location_dossier"


class DossierTool(ClickTool):
    """Click: ``on_click(x, y)`` in map coordinates; the spot stays marked on the map."""

    name = DOSSIER_TOOL

    def __init__(self, canvas: MapCanvas, on_click: Callable[[float, float], None]) -> None:
        super().__init__(canvas)
        self._on_click = on_click
        #: The last spot clicked, in map coordinates (marked while the tool is active).
        self.spot: tuple[float, float] | None = None

    def clicked(self, x: float, y: float) -> None:
        self.spot = (x, y)
        self.canvas.update()
        self._on_click(x, y)

    def paint(self, painter: QPainter) -> None:
        if self.spot is None:
            return
        px, py = self.canvas.view.to_screen([self.spot[0]], [self.spot[1]])
        centre = QPointF(float(px[0]), float(py[0]))
        painter.setPen(QPen(RUBBER_BAND, 2.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(centre, 7.0, 7.0)
        painter.drawLine(centre - QPointF(11, 0), centre + QPointF(11, 0))
        painter.drawLine(centre - QPointF(0, 11), centre + QPointF(0, 11))
