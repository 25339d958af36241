"""The Location Dossier map tool: click a spot to read everything known about it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent, QPainter, QPen

from mapdesk.ui.canvas.tools import CLICK_SLOP_PX, RUBBER_BAND, MapTool

if TYPE_CHECKING:
    from mapdesk.ui.canvas.canvas import MapCanvas

#: The tool's name on the canvas (``canvas.set_map_tool(DOSSIER_TOOL)``).
DOSSIER_TOOL = "location_dossier"


class DossierTool(MapTool):
    """Click: ``on_click(x, y)`` in map coordinates; the spot stays marked on the map."""

    name = DOSSIER_TOOL
    cursor_shape = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: MapCanvas, on_click: Callable[[float, float], None]) -> None:
        super().__init__(canvas)
        self._on_click = on_click
        self._start: QPointF | None = None
        #: The last spot clicked, in map coordinates (marked while the tool is active).
        self.spot: tuple[float, float] | None = None

    def press(self, event: QMouseEvent) -> None:
        self._start = event.position()

    def release(self, event: QMouseEvent) -> None:
        start, self._start = self._start, None
        pos = event.position()
        if start is None or (pos - start).manhattanLength() >= CLICK_SLOP_PX:
            return  # a drag, not a click
        x, y = self.canvas.view.to_map(pos.x(), pos.y())
        self.spot = (float(x), float(y))
        self.canvas.update()
        self._on_click(float(x), float(y))

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

    def deactivate(self) -> None:
        self._start = None
