"""Measure tools: click along a path (or around an area) and read the figures.

The tool keeps the clicked points in map coordinates (so the rubber band
follows pans and zooms) and reports every change through the canvas's
``measure_changed`` signal; the measure panel turns them into figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent, QPainter

from mapdesk.ui.canvas.tools import MapTool, paint_rubber_band

if TYPE_CHECKING:
    from mapdesk.ui.canvas.canvas import MapCanvas

MapPoint = tuple[float, float]


@dataclass(frozen=True)
class MeasureState:
    """The points clicked, where the mouse is, and whether this is an area."""

    points: tuple[MapPoint, ...]
    floating: MapPoint | None
    area: bool
    finished: bool

    def all_points(self) -> list[MapPoint]:
        if self.floating is None or self.finished:
            return list(self.points)
        return [*self.points, self.floating]


class MeasureTool(MapTool):
    """Click to add points; right-click or double-click ends; Esc clears; Backspace undoes."""

    cursor_shape = Qt.CursorShape.CrossCursor
    wants_hover = True

    def __init__(self, canvas: MapCanvas, area: bool) -> None:
        super().__init__(canvas)
        self.name = "measure_area" if area else "measure_line"
        self._area = area
        self._points: list[MapPoint] = []
        self._floating: MapPoint | None = None
        self._finished = False

    def _map_xy(self, pos: QPointF) -> MapPoint:
        return self.canvas.view.to_map(pos.x(), pos.y())

    def press(self, event: QMouseEvent) -> None:
        if self._finished:  # a new measurement starts
            self._points, self._finished = [], False
        self._points.append(self._map_xy(event.position()))
        self._report()

    def move(self, event: QMouseEvent) -> None:
        if self._points and not self._finished:
            self._floating = self._map_xy(event.position())
            self._report()

    def finish(self, event: QMouseEvent) -> None:
        if self._points:
            self._finished = True
            self._floating = None
            self._report()

    def undo_corner(self) -> None:
        if self._points and not self._finished:
            self._points.pop()
            self._report()

    def deactivate(self) -> None:
        self._points, self._floating, self._finished = [], None, False
        self._report()

    def state(self) -> MeasureState:
        return MeasureState(tuple(self._points), self._floating, self._area, self._finished)

    def _report(self) -> None:
        self.canvas.measure_changed.emit(self.state())
        self.canvas.update()

    def paint(self, painter: QPainter) -> None:
        points = self.state().all_points()
        paint_rubber_band(painter, self.canvas, points, self._area, dots=len(points))
