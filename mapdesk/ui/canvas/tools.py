"""Map tools: what a left-button press, drag and release do on the canvas.

Each tool is a small class the canvas forwards mouse events to, as QGIS's
QgsMapTool subclasses are. The wheel, the middle button (pan) and the
keyboard work the same whatever the tool.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QCursor, QMouseEvent, QPainter, QPen, QPolygonF

if TYPE_CHECKING:
    from mapdesk.ui.canvas.canvas import MapCanvas

#: Below this many pixels of movement a press-release is a click, not a drag.
CLICK_SLOP_PX = 4.0
#: The colour of rubber bands (measuring, digitising).
RUBBER_BAND = QColor(214, 39, 40)
#: Identify search radius around the click, in screen pixels.
IDENTIFY_RADIUS_PX = 6.0


class MapTool:
    """Base tool: ignores the mouse. Subclasses override what they need."""

    name = "none"
    cursor_shape = Qt.CursorShape.ArrowCursor
    #: True for tools that follow the mouse with no button down (rubber bands).
    wants_hover = False

    def __init__(self, canvas: MapCanvas) -> None:
        self.canvas = canvas

    def cursor(self) -> QCursor:
        return QCursor(self.cursor_shape)

    def press(self, event: QMouseEvent) -> None:
        """A left-button press."""

    def move(self, event: QMouseEvent) -> None:
        """Mouse movement (with or without a button down)."""

    def release(self, event: QMouseEvent) -> None:
        """A left-button release."""

    def finish(self, event: QMouseEvent) -> None:
        """A right-click or a double-click (ends a multi-click gesture)."""

    def undo_corner(self) -> None:
        """Backspace: take back the last point of a multi-click gesture."""

    def complete(self) -> None:
        """Enter: end a multi-click gesture (as a right-click does)."""

    def paint(self, painter: QPainter) -> None:
        """Draw any rubber band over the map."""

    def deactivate(self) -> None:
        """Another tool was chosen: drop any half-finished gesture."""


class ClickTool(MapTool):
    """A tool that answers single clicks: ``clicked(x, y)`` in map coordinates.

    A press and release less than ``CLICK_SLOP_PX`` apart is a click; a drag
    is ignored (the user was panning with the wrong tool, not aiming).
    """

    cursor_shape = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self._start: QPointF | None = None

    def press(self, event: QMouseEvent) -> None:
        self._start = event.position()

    def release(self, event: QMouseEvent) -> None:
        start, self._start = self._start, None
        pos = event.position()
        if start is None or (pos - start).manhattanLength() >= CLICK_SLOP_PX:
            return
        x, y = self.canvas.view.to_map(pos.x(), pos.y())
        self.clicked(float(x), float(y))

    def clicked(self, x: float, y: float) -> None:
        """A click at map position (x, y)."""
        raise NotImplementedError

    def deactivate(self) -> None:
        self._start = None


class PanTool(MapTool):
    """Drag the map by hand: the previous image follows the mouse at once."""

    name = "pan"
    cursor_shape = Qt.CursorShape.OpenHandCursor

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self._last: QPointF | None = None

    def press(self, event: QMouseEvent) -> None:
        self._last = event.position()
        self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)

    def move(self, event: QMouseEvent) -> None:
        if self._last is None:
            return
        delta = event.position() - self._last
        self._last = event.position()
        self.canvas.set_view(self.canvas.view.panned(delta.x(), delta.y()))

    def release(self, event: QMouseEvent) -> None:
        if self._last is not None:
            self.move(event)
        self.deactivate()

    def deactivate(self) -> None:
        self._last = None
        self.canvas.setCursor(self.canvas.map_tool.cursor())


class _ClickOrRectangleTool(MapTool):
    """A tool where a click does one thing and a dragged rectangle another."""

    cursor_shape = Qt.CursorShape.CrossCursor
    band_colour = QColor(31, 78, 121)

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self._start: QPointF | None = None
        self._end: QPointF | None = None

    def press(self, event: QMouseEvent) -> None:
        self._start = self._end = event.position()

    def move(self, event: QMouseEvent) -> None:
        if self._start is not None:
            self._end = event.position()
            self.canvas.update()

    def release(self, event: QMouseEvent) -> None:
        start = self._start
        self.deactivate()
        if start is None:
            return
        end = event.position()
        if (end - start).manhattanLength() < CLICK_SLOP_PX:
            self.click(end)
        else:
            self.rectangle(QRectF(start, end).normalized())

    def click(self, pos: QPointF) -> None:
        raise NotImplementedError

    def rectangle(self, rect: QRectF) -> None:
        raise NotImplementedError

    def paint(self, painter: QPainter) -> None:
        if self._start is None or self._end is None:
            return
        rect = QRectF(self._start, self._end).normalized()
        fill = QColor(self.band_colour)
        fill.setAlpha(40)
        painter.setPen(QPen(self.band_colour, 1.0, Qt.PenStyle.DashLine))
        painter.setBrush(fill)
        painter.drawRect(rect)

    def deactivate(self) -> None:
        had_band = self._start is not None
        self._start = self._end = None
        if had_band:
            self.canvas.update()


class ZoomInTool(_ClickOrRectangleTool):
    """Click: zoom in ×2 centred on the point. Drag: zoom to the rectangle."""

    name = "zoom_in"

    def click(self, pos: QPointF) -> None:
        self.canvas.zoom_at(pos, 2.0)

    def rectangle(self, rect: QRectF) -> None:
        view = self.canvas.view
        x0, y0 = view.to_map(rect.left(), rect.bottom())
        x1, y1 = view.to_map(rect.right(), rect.top())
        self.canvas.set_view(view.fitted((x0, y0, x1, y1), margin=0.0))


class ZoomOutTool(_ClickOrRectangleTool):
    """Click: zoom out ×2 centred on the point. Drag: the view shrinks into the rectangle."""

    name = "zoom_out"

    def click(self, pos: QPointF) -> None:
        self.canvas.zoom_at(pos, 0.5)

    def rectangle(self, rect: QRectF) -> None:
        view = self.canvas.view
        factor = max(rect.width() / view.width, rect.height() / view.height)
        cx, cy = view.to_map(rect.center().x(), rect.center().y())
        zoomed = view.zoomed(max(factor, 1e-3))
        self.canvas.set_view(replace(zoomed, center_x=cx, center_y=cy))


class IdentifyTool(ClickTool):
    """Click: list the features under the cursor in every visible layer."""

    name = "identify"
    cursor_shape = Qt.CursorShape.WhatsThisCursor

    def clicked(self, x: float, y: float) -> None:
        self.canvas.identify_requested.emit(x, y, IDENTIFY_RADIUS_PX * self.canvas.view.resolution)


class SpacePan:
    """Hold Space to pan with any tool, as in QGIS: the map follows the mouse.

    No button is needed; releasing Space returns to the tool, which never
    sees the gesture.
    """

    def __init__(self, canvas: MapCanvas) -> None:
        self.canvas = canvas
        self.active = False
        self._last: QPointF | None = None

    def start(self) -> None:
        self.active = True
        self.canvas.map_tool.deactivate()
        cursor = self.canvas.mapFromGlobal(QCursor.pos())
        self._last = QPointF(cursor) if self.canvas.rect().contains(cursor) else None
        self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)

    def move(self, pos: QPointF) -> None:
        if self._last is not None:
            delta = pos - self._last
            self.canvas.pan_by(delta.x(), delta.y())
        self._last = QPointF(pos)

    def end(self) -> None:
        if self.active:
            self.active = False
            self._last = None
            self.canvas.setCursor(self.canvas.map_tool.cursor())


@dataclass(frozen=True)
class KeyStep:
    """What a navigation key does: pan by pixels, zoom by a factor, or cancel."""

    pan: tuple[float, float] | None = None
    zoom: float | None = None


_ZOOM_KEYS = {
    Qt.Key.Key_Plus: 2.0,
    Qt.Key.Key_Equal: 2.0,
    Qt.Key.Key_PageUp: 2.0,
    Qt.Key.Key_Minus: 0.5,
    Qt.Key.Key_PageDown: 0.5,
}


def key_navigation(key: Qt.Key, width: int, height: int) -> KeyStep | None:
    """QGIS's canvas keys: arrows pan a quarter of the view, +/- zoom ×2, Esc cancels."""
    step_x, step_y = width / 4, height / 4
    pans = {
        Qt.Key.Key_Left: (step_x, 0.0),
        Qt.Key.Key_Right: (-step_x, 0.0),
        Qt.Key.Key_Up: (0.0, step_y),
        Qt.Key.Key_Down: (0.0, -step_y),
    }
    if key in pans:
        return KeyStep(pan=pans[key])
    if key in _ZOOM_KEYS:
        return KeyStep(zoom=_ZOOM_KEYS[key])
    if key == Qt.Key.Key_Escape:
        return KeyStep()
    return None


def paint_rubber_band(
    painter: QPainter, canvas: MapCanvas, points: list[tuple[float, float]], area: bool, dots: int
) -> None:
    """A tool's rubber band in red: a filled polygon (``area``, 3+ points) or a line,
    with a dot on each of the first ``dots`` points (the clicked ones)."""
    if not points:
        return
    px, py = canvas.view.to_screen([x for x, _ in points], [y for _, y in points])
    screen = [QPointF(float(x), float(y)) for x, y in zip(px, py, strict=True)]
    painter.setPen(QPen(RUBBER_BAND, 2.0))
    if area and len(screen) >= 3:
        fill = QColor(RUBBER_BAND)
        fill.setAlpha(45)
        painter.setBrush(fill)
        painter.drawPolygon(QPolygonF(screen))
    else:
        painter.drawPolyline(QPolygonF(screen))
    painter.setBrush(RUBBER_BAND)
    for point in screen[:dots]:
        painter.drawEllipse(point, 3.0, 3.0)
