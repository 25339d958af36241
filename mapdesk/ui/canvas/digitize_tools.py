"""Digitising tools: Add Feature and the Vertex Tool, with the snap marker.

The tools only turn mouse and keys into map coordinates; what they mean for a
layer (which feature, which CRS, the undo step) is the digitising controller's.
It gives each tool its callbacks: ``snapper`` (where the mouse snaps to),
``find_vertex`` / ``find_segment`` (what is under the mouse), and the
``on_*`` functions called when a gesture is complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import shapely
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QPolygonF

from mapdesk.core.editing.snapping import SnapTarget
from mapdesk.core.editing.vertices import SegmentHit, VertexHit
from mapdesk.ui.canvas.tools import CLICK_SLOP_PX, RUBBER_BAND, MapTool, paint_rubber_band

if TYPE_CHECKING:
    from mapdesk.ui.canvas.canvas import MapCanvas

MapPoint = tuple[float, float]
FeatureKind = Literal["point", "line", "polygon"]
#: How near (pixels) the mouse must be to a vertex or an edge to grab it.
GRAB_PX = 10.0
_SNAP = QColor(255, 0, 255)
_VERTEX = QColor(31, 78, 121)


@dataclass(frozen=True)
class FeatureHit:
    """A vertex or segment of the edited layer under the mouse (map coordinates)."""

    fid: Any
    hit: VertexHit | SegmentHit


def _no_snap(_x: float, _y: float) -> SnapTarget | None:
    return None


def _nothing(_x: float, _y: float, _tolerance: float) -> FeatureHit | None:
    return None


def paint_snap_marker(painter: QPainter, canvas: MapCanvas, snap: SnapTarget | None) -> None:
    """QGIS's marker: a square on a vertex, a cross on a segment, in magenta."""
    if snap is None:
        return
    px, py = canvas.view.to_screen([snap.x], [snap.y])
    centre = QPointF(float(px[0]), float(py[0]))
    painter.setPen(QPen(_SNAP, 2.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if snap.kind == "vertex":
        painter.drawRect(QRectF(centre.x() - 6, centre.y() - 6, 12, 12))
    else:
        painter.drawLine(centre + QPointF(-6, -6), centre + QPointF(6, 6))
        painter.drawLine(centre + QPointF(-6, 6), centre + QPointF(6, -6))


class _SnappingTool(MapTool):
    cursor_shape = Qt.CursorShape.CrossCursor
    wants_hover = True

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.snapper: Callable[[float, float], SnapTarget | None] = _no_snap
        self.snap: SnapTarget | None = None

    def snapped(self, pos: QPointF) -> MapPoint:
        """The map position of ``pos``, moved onto the snap target when there is one."""
        x, y = self.canvas.view.to_map(pos.x(), pos.y())
        self.snap = self.snapper(x, y)
        return (self.snap.x, self.snap.y) if self.snap is not None else (x, y)

    def _screen(self, points: list[MapPoint]) -> list[QPointF]:
        px, py = self.canvas.view.to_screen([p[0] for p in points], [p[1] for p in points])
        return [QPointF(float(x), float(y)) for x, y in zip(px, py, strict=True)]


class AddFeatureTool(_SnappingTool):
    """Click the points of a new feature; right-click, double-click or Enter finishes.

    Backspace takes back the last point, Esc drops the feature. A point layer's
    feature is made by one click.
    """

    name = "add_feature"

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.kind: FeatureKind = "polygon"
        self.on_feature: Callable[[FeatureKind, list[MapPoint]], object] = lambda _k, _p: None
        self._points: list[MapPoint] = []
        self._floating: MapPoint | None = None

    @property
    def points(self) -> list[MapPoint]:
        return list(self._points)

    def press(self, event: QMouseEvent) -> None:
        point = self.snapped(event.position())
        if self.kind == "point":
            self.on_feature("point", [point])
            return
        if not self._points or self._points[-1] != point:  # a double-click's second press
            self._points.append(point)
        self.canvas.update()

    def move(self, event: QMouseEvent) -> None:
        self._floating = self.snapped(event.position())
        self.canvas.update()

    def finish(self, event: QMouseEvent) -> None:
        self.complete()

    def complete(self) -> None:
        needed = 3 if self.kind == "polygon" else 2
        points = self._points
        if self.kind == "point" or len(points) < needed:
            return
        self._points, self._floating = [], None
        self.canvas.update()
        self.on_feature(self.kind, points)

    def undo_corner(self) -> None:
        if self._points:
            self._points.pop()
            self.canvas.update()

    def deactivate(self) -> None:
        self._points, self._floating, self.snap = [], None, None
        self.canvas.update()

    def paint(self, painter: QPainter) -> None:
        points = self._points + ([self._floating] if self._floating and self._points else [])
        area = self.kind == "polygon"
        paint_rubber_band(painter, self.canvas, points, area, dots=len(self._points))
        paint_snap_marker(painter, self.canvas, self.snap)


class VertexTool(_SnappingTool):
    """Drag a vertex of the edited layer; double-click an edge adds one, right-click deletes."""

    name = "vertex_tool"

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.find_vertex: Callable[[float, float, float], FeatureHit | None] = _nothing
        self.find_segment: Callable[[float, float, float], FeatureHit | None] = _nothing
        self.on_move: Callable[[Any, int, float, float], None] = lambda *_a: None
        self.on_insert: Callable[[Any, int, float, float], None] = lambda *_a: None
        self.on_delete: Callable[[Any, int], None] = lambda *_a: None
        self.hover: FeatureHit | None = None
        self._drag: FeatureHit | None = None
        self._press: QPointF | None = None
        self._to: MapPoint | None = None

    def _under(self, pos: QPointF) -> FeatureHit | None:
        x, y = self.canvas.view.to_map(pos.x(), pos.y())
        return self.find_vertex(x, y, GRAB_PX * self.canvas.view.resolution)

    def press(self, event: QMouseEvent) -> None:
        self._drag = self._under(event.position())
        self._press = event.position()
        self._to = None

    def move(self, event: QMouseEvent) -> None:
        if self._drag is None:
            self.hover = self._under(event.position())
        else:
            self._to = self.snapped(event.position())
        self.canvas.update()

    def release(self, event: QMouseEvent) -> None:
        drag, start, to = self._drag, self._press, self._to
        self._drag, self._press, self._to, self.snap = None, None, None, None
        self.canvas.update()
        if drag is None or start is None or to is None:
            return
        if (event.position() - start).manhattanLength() < CLICK_SLOP_PX:
            return
        self.on_move(drag.fid, drag.hit.index, *to)

    def finish(self, event: QMouseEvent) -> None:
        pos = event.position()
        x, y = self.canvas.view.to_map(pos.x(), pos.y())
        tolerance = GRAB_PX * self.canvas.view.resolution
        if event.type() == QEvent.Type.MouseButtonDblClick:
            segment = self.find_segment(x, y, tolerance)
            if segment is not None:
                self.on_insert(segment.fid, segment.hit.index, segment.hit.x, segment.hit.y)
        elif (vertex := self.find_vertex(x, y, tolerance)) is not None:
            self.on_delete(vertex.fid, vertex.hit.index)

    def deactivate(self) -> None:
        self.hover = self._drag = None
        self._press = self._to = None
        self.snap = None
        self.canvas.update()

    def paint(self, painter: QPainter) -> None:
        shown = self._drag or self.hover
        if shown is not None and isinstance(shown.hit, VertexHit):
            hit = shown.hit
            at = self._to if self._drag is not None and self._to is not None else (hit.x, hit.y)
            screen = self._screen([at, *hit.neighbours])
            painter.setPen(QPen(RUBBER_BAND, 1.5, Qt.PenStyle.DashLine))
            for neighbour in screen[1:]:
                painter.drawLine(screen[0], neighbour)
            painter.setPen(QPen(_VERTEX, 1.5))
            painter.setBrush(QColor(255, 255, 255))
            painter.drawRect(QRectF(screen[0].x() - 5, screen[0].y() - 5, 10, 10))
        paint_snap_marker(painter, self.canvas, self.snap)


class MoveFeatureTool(_SnappingTool):
    """Drag features of the edited layer: the selected ones when the drag starts on
    one of them, else the feature under the mouse. One drag, one undo step."""

    name = "move_feature"
    cursor_shape = Qt.CursorShape.SizeAllCursor

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.find_features: Callable[[float, float, float], list[tuple[Any, Any]]] = lambda *_a: []
        self.on_move: Callable[[list[Any], float, float], None] = lambda *_a: None
        self._grabbed: list[tuple[Any, Any]] = []
        self._start: MapPoint | None = None
        self._to: MapPoint | None = None
        self._press: QPointF | None = None

    def press(self, event: QMouseEvent) -> None:
        x, y = self.canvas.view.to_map(event.position().x(), event.position().y())
        self._grabbed = self.find_features(x, y, GRAB_PX * self.canvas.view.resolution)
        self._start = (x, y) if self._grabbed else None
        self._press, self._to = event.position(), None

    def move(self, event: QMouseEvent) -> None:
        if self._start is not None:
            self._to = self.snapped(event.position())
            self.canvas.update()

    def release(self, event: QMouseEvent) -> None:
        grabbed, start, to, pressed = self._grabbed, self._start, self._to, self._press
        self.deactivate()
        if not grabbed or start is None or to is None or pressed is None:
            return
        if (event.position() - pressed).manhattanLength() < CLICK_SLOP_PX:
            return
        self.on_move([fid for fid, _g in grabbed], to[0] - start[0], to[1] - start[1])

    def deactivate(self) -> None:
        self._grabbed, self._start, self._to, self._press, self.snap = [], None, None, None, None
        self.canvas.update()

    def paint(self, painter: QPainter) -> None:
        if self._start is None or self._to is None:
            return
        dx, dy = self._to[0] - self._start[0], self._to[1] - self._start[1]
        painter.setPen(QPen(RUBBER_BAND, 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for _fid, geometry in self._grabbed:
            for part in _outlines(geometry):
                coords = [(float(x) + dx, float(y) + dy) for x, y in part]
                painter.drawPolyline(QPolygonF(self._screen(coords)))
        paint_snap_marker(painter, self.canvas, self.snap)


def _outlines(geometry: Any) -> list[list[tuple[float, float]]]:
    """The lines to draw for a geometry's ghost: rings, lines, or a short dash per point."""
    if geometry is None or geometry.is_empty:
        return []
    kind = int(shapely.get_type_id(geometry))
    if kind in (0, 4):  # points
        return [[(x - 1, y), (x + 1, y)] for x, y in shapely.get_coordinates(geometry).tolist()]
    lines = shapely.get_parts(shapely.boundary(geometry) if kind in (3, 6) else geometry)
    parts = shapely.get_parts(lines)
    return [shapely.get_coordinates(part).tolist() for part in parts]


class SplitFeaturesTool(AddFeatureTool):
    """Draw a line across features to split them; right-click, double-click or Enter ends it."""

    name = "split_features"

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.kind = "line"


class ReshapeFeaturesTool(AddFeatureTool):
    """Draw a line that crosses a feature's outline to reshape it (Enter or right-click ends)."""

    name = "reshape_features"

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.kind = "line"
