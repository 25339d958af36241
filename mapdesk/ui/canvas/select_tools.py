"""Selection map tools: click or rectangle, polygon, radius (as QGIS's).

A tool turns a gesture into a ``SelectionGesture`` (a shapely geometry in
the map CRS and the modifier keys held) and the canvas emits it; which layer
and which features it picks is the selection controller's business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QPolygonF

from mapdesk.ui.canvas.tools import (
    CLICK_SLOP_PX,
    IDENTIFY_RADIUS_PX,
    MapTool,
    _ClickOrRectangleTool,
)

if TYPE_CHECKING:
    from mapdesk.ui.canvas.canvas import MapCanvas

#: QGIS draws its selection rubber bands in this red.
BAND_COLOUR = QColor(255, 0, 0)


@dataclass(frozen=True)
class SelectionGesture:
    """What the user drew to select, in map coordinates.

    Attributes
    ----------
    geometry
        A point (a click) or an area (rectangle, polygon, circle).
    tolerance
        For a click, how far (map units) a feature may be from the point.
    modifiers
        Keys held: Shift adds to the selection, Ctrl toggles.
    """

    geometry: shapely.Geometry
    tolerance: float
    modifiers: Qt.KeyboardModifier

    @property
    def is_click(self) -> bool:
        return bool(shapely.get_type_id(self.geometry) == 0)


def _band_pen_and_brush(painter: QPainter) -> None:
    fill = QColor(BAND_COLOUR)
    fill.setAlpha(40)
    painter.setPen(QPen(BAND_COLOUR, 1.0))
    painter.setBrush(fill)


class SelectTool(_ClickOrRectangleTool):
    """Click: select the feature there. Drag: select what the rectangle meets."""

    name = "select"
    band_colour = BAND_COLOUR

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self._modifiers = Qt.KeyboardModifier.NoModifier

    def release(self, event: QMouseEvent) -> None:
        self._modifiers = event.modifiers()
        super().release(event)

    def click(self, pos: QPointF) -> None:
        view = self.canvas.view
        x, y = view.to_map(pos.x(), pos.y())
        tolerance = IDENTIFY_RADIUS_PX * view.resolution
        self.canvas.select_requested.emit(
            SelectionGesture(shapely.Point(x, y), tolerance, self._modifiers)
        )

    def rectangle(self, rect: QRectF) -> None:
        view = self.canvas.view
        x0, y0 = view.to_map(rect.left(), rect.bottom())
        x1, y1 = view.to_map(rect.right(), rect.top())
        area = shapely.box(x0, y0, x1, y1)
        self.canvas.select_requested.emit(SelectionGesture(area, 0.0, self._modifiers))


class SelectRadiusTool(MapTool):
    """Press at the centre, drag out the radius, release: select what the circle meets."""

    name = "select_radius"
    cursor_shape = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self._centre: QPointF | None = None
        self._edge: QPointF | None = None

    def press(self, event: QMouseEvent) -> None:
        self._centre = self._edge = event.position()

    def move(self, event: QMouseEvent) -> None:
        if self._centre is not None:
            self._edge = event.position()
            self.canvas.update()

    def release(self, event: QMouseEvent) -> None:
        centre, edge = self._centre, event.position()
        self.deactivate()
        if centre is None:
            return
        radius_px = math.hypot(edge.x() - centre.x(), edge.y() - centre.y())
        if radius_px < CLICK_SLOP_PX:
            return
        view = self.canvas.view
        x, y = view.to_map(centre.x(), centre.y())
        circle = shapely.Point(x, y).buffer(radius_px * view.resolution, quad_segs=32)
        self.canvas.select_requested.emit(SelectionGesture(circle, 0.0, event.modifiers()))

    def paint(self, painter: QPainter) -> None:
        if self._centre is None or self._edge is None:
            return
        radius = math.hypot(self._edge.x() - self._centre.x(), self._edge.y() - self._centre.y())
        _band_pen_and_brush(painter)
        painter.drawEllipse(self._centre, radius, radius)

    def deactivate(self) -> None:
        had = self._centre is not None
        self._centre = self._edge = None
        if had:
            self.canvas.update()


class SelectPolygonTool(MapTool):
    """Click the corners; right-click or double-click closes the polygon and selects.

    Esc drops the polygon being drawn; Backspace removes its last corner.
    """

    name = "select_polygon"
    cursor_shape = Qt.CursorShape.CrossCursor
    wants_hover = True

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self._corners: list[QPointF] = []
        self._floating: QPointF | None = None

    @property
    def corners(self) -> int:
        return len(self._corners)

    def press(self, event: QMouseEvent) -> None:
        self._corners.append(event.position())
        self.canvas.update()

    def move(self, event: QMouseEvent) -> None:
        if self._corners:
            self._floating = event.position()
            self.canvas.update()

    def finish(self, event: QMouseEvent) -> None:
        """Right-click or double-click: close the polygon and select."""
        corners = self._corners
        self.deactivate()
        if len(corners) < 3:
            return
        view = self.canvas.view
        ring = [view.to_map(p.x(), p.y()) for p in corners]
        polygon = shapely.make_valid(shapely.Polygon(ring))
        self.canvas.select_requested.emit(SelectionGesture(polygon, 0.0, event.modifiers()))

    def undo_corner(self) -> None:
        if self._corners:
            self._corners.pop()
            self.canvas.update()

    def paint(self, painter: QPainter) -> None:
        if not self._corners:
            return
        points = [*self._corners, *([self._floating] if self._floating is not None else [])]
        _band_pen_and_brush(painter)
        painter.drawPolygon(QPolygonF(points))

    def deactivate(self) -> None:
        had = bool(self._corners)
        self._corners, self._floating = [], None
        if had:
            self.canvas.update()
