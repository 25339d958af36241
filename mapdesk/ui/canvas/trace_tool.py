"""The Trace Network map tool: click a network node to see all that it reaches.

The tool only reports clicks and marks the map: the node traced from gets a
ring, and spans taken as cut are drawn dashed over the map, so the user
sees the "what if" they asked while clicking one node after another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from mapdesk.ui.canvas.tools import RUBBER_BAND, ClickTool

if TYPE_CHECKING:
    from mapdesk.ui.canvas.canvas import MapCanvas

#: The tool's name on the canvas (``canvas.set_map_tool(TRACE_TOOL)``).
TRACE_TOOL = "network_trace"
#: How near (screen pixels) a click must be to a node to trace from it.
PICK_RADIUS_PX = 10.0

_CUT_PEN = QColor(20, 20, 20)
_HALO = QColor(255, 255, 255)


class TraceTool(ClickTool):
    """Click: ``on_click(x, y)`` in map coordinates.

    Attributes
    ----------
    start
        The node traced from, in the map CRS (ringed while the tool is active).
    cut_lines
        The cut spans' geometries in the map CRS (drawn dashed).
    crs
        The map CRS ``start`` and ``cut_lines`` are in: after the map's CRS
        changes they are not drawn until the next trace.
    """

    name = TRACE_TOOL

    def __init__(self, canvas: MapCanvas, on_click: Callable[[float, float], None]) -> None:
        super().__init__(canvas)
        self._on_click = on_click
        self.start: tuple[float, float] | None = None
        self.cut_lines: Sequence[Any] = ()
        self.crs: Any = None

    def clicked(self, x: float, y: float) -> None:
        self._on_click(x, y)

    def mark(self, start: tuple[float, float] | None, cut_lines: Sequence[Any], crs: Any) -> None:
        """Ring ``start`` and draw ``cut_lines`` (both in ``crs``, the map's)."""
        self.start, self.cut_lines, self.crs = start, cut_lines, crs
        self.canvas.update()

    def deactivate(self) -> None:
        """Esc, or another tool: the ring of the last trace goes with its highlight.

        The dashed cuts stay: they still apply to the next click, until Trace
        Network is chosen again without them.
        """
        super().deactivate()
        if self.start is not None:
            self.start = None
            self.canvas.update()

    def paint(self, painter: QPainter) -> None:
        if self.crs != self.canvas.project.crs:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        self._paint_cuts(painter)
        if self.start is not None:
            px, py = self.canvas.view.to_screen([self.start[0]], [self.start[1]])
            centre = QPointF(float(px[0]), float(py[0]))
            painter.setPen(QPen(_HALO, 5.0))
            painter.drawEllipse(centre, 11.0, 11.0)
            painter.setPen(QPen(RUBBER_BAND, 2.5))
            painter.drawEllipse(centre, 11.0, 11.0)
        painter.restore()

    def _paint_cuts(self, painter: QPainter) -> None:
        drawn = [geometry for geometry in self.cut_lines if geometry is not None]
        if not drawn:
            return
        lines = shapely.get_parts(drawn)
        halo = QPen(_HALO, 6.0)
        dashed = QPen(_CUT_PEN, 3.0, Qt.PenStyle.DashLine)
        for line in lines:
            xy = shapely.get_coordinates(line)
            if len(xy) < 2 or not np.isfinite(xy).all():
                continue
            px, py = self.canvas.view.to_screen(xy[:, 0], xy[:, 1])
            screen = QPolygonF([QPointF(float(x), float(y)) for x, y in zip(px, py, strict=True)])
            for pen in (halo, dashed):
                painter.setPen(pen)
                painter.drawPolyline(screen)
