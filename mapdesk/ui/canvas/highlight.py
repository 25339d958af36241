"""The identify highlight: the features found, outlined in red over the map.

QGIS draws identified features as a red overlay on top of the rendered map
until the next identify. Only the hits are drawn, from paths built once in
map coordinates; each paint maps them to the screen with the current view,
so the highlight follows a pan or zoom at once, like the tool overlays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QTransform
from shapely import GeometryType

from mapdesk.core.view import ViewState
from mapdesk.render.qtbuffers import path_from_xy

FloatArray = npt.NDArray[np.float64]

#: QGIS's default identify highlight colour.
HIGHLIGHT_COLOUR = QColor(255, 0, 0)
HIGHLIGHT_FILL_ALPHA = 60
HIGHLIGHT_WIDTH_PX = 2.0
HIGHLIGHT_MARKER_RADIUS_PX = 7.0

_POINTS = [int(GeometryType.POINT)]
_LINES = [int(GeometryType.LINESTRING), int(GeometryType.LINEARRING)]
_POLYGONS = [int(GeometryType.POLYGON)]


def _parts(geometries: Sequence[object]) -> npt.NDArray[np.object_]:
    """Single-part geometries of ``geometries`` (multi-parts and collections opened)."""
    geoms = np.asarray([g for g in geometries if g is not None], dtype=object)
    geoms = geoms[~shapely.is_empty(geoms)] if len(geoms) else geoms
    for _ in range(3):  # a collection may hold multi-parts
        geoms = shapely.get_parts(geoms)
    return geoms


def _path(geoms: npt.NDArray[np.object_], origin: FloatArray) -> QPainterPath:
    """One path holding every line or ring of ``geoms``, relative to ``origin``.

    Odd-even fill: the holes of a polygon's rings stay open whatever their
    orientation. Give each polygon its own path, or overlapping polygons
    would cut holes into each other.
    """
    if not len(geoms):
        return QPainterPath()
    xy, index = shapely.get_coordinates(geoms, return_index=True)
    finite = np.isfinite(xy).all(axis=1)
    xy, index = xy[finite] - origin, index[finite]
    move_to = np.ones(len(index), dtype=bool)
    move_to[1:] = index[1:] != index[:-1]
    return path_from_xy(xy, move_to, Qt.FillRule.OddEvenFill)


@dataclass(frozen=True)
class Highlight:
    """Identified features in the map CRS, ready to paint over the map.

    Paths hold coordinates relative to ``origin`` so that the doubles Qt
    transforms stay small (map coordinates run to millions of metres).
    """

    origin: FloatArray
    areas: tuple[QPainterPath, ...]
    lines: QPainterPath
    points: FloatArray
    area_bounds: tuple[QRectF, ...] = ()

    @classmethod
    def from_geometries(cls, geometries: Sequence[object]) -> Highlight:
        """A highlight of shapely ``geometries`` (map CRS; None and empty skipped)."""
        parts = _parts(geometries)
        kinds = shapely.get_type_id(parts) if len(parts) else np.empty(0, dtype=np.int32)
        coords = shapely.get_coordinates(parts) if len(parts) else np.empty((0, 2))
        finite = coords[np.isfinite(coords).all(axis=1)]
        origin = finite[0].copy() if len(finite) else np.zeros(2)
        polygons = parts[np.isin(kinds, _POLYGONS)]
        points = shapely.get_coordinates(parts[np.isin(kinds, _POINTS)])
        areas = tuple(_path(shapely.get_rings(polygon), origin) for polygon in polygons)
        return cls(
            origin=origin,
            areas=areas,
            lines=_path(parts[np.isin(kinds, _LINES)], origin),
            points=points[np.isfinite(points).all(axis=1)],
            area_bounds=tuple(area.boundingRect() for area in areas),
        )

    @property
    def is_empty(self) -> bool:
        return not self.areas and self.lines.isEmpty() and not len(self.points)

    def paint(self, painter: QPainter, view: ViewState) -> None:
        """Draw on ``painter`` (widget pixels) for ``view``."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(HIGHLIGHT_COLOUR, HIGHLIGHT_WIDTH_PX)
        pen.setCosmetic(True)  # pixels wide whatever the zoom
        fill = QColor(HIGHLIGHT_COLOUR)
        fill.setAlpha(HIGHLIGHT_FILL_ALPHA)
        painter.save()
        painter.setTransform(self._transform(view), True)
        painter.setPen(pen)
        visible = self._relative_extent(view)
        for area, bounds in zip(self.areas, self.area_bounds, strict=True):
            # A town or district around the whole view is outlined only: a red
            # wash over everything would hide the map it is meant to explain.
            painter.setBrush(Qt.BrushStyle.NoBrush if bounds.contains(visible) else QBrush(fill))
            painter.drawPath(area)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.lines)
        painter.restore()
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        if len(self.points):
            px, py = view.to_screen(self.points[:, 0], self.points[:, 1])
            radius = HIGHLIGHT_MARKER_RADIUS_PX
            for x, y in zip(px.tolist(), py.tolist(), strict=True):
                painter.drawEllipse(QPointF(x, y), radius, radius)
        painter.restore()

    def _relative_extent(self, view: ViewState) -> QRectF:
        """The visible map area in the paths' coordinates (relative to ``origin``)."""
        xmin, ymin, xmax, ymax = view.extent
        ox, oy = float(self.origin[0]), float(self.origin[1])
        return QRectF(xmin - ox, ymin - oy, xmax - xmin, ymax - ymin)

    def _transform(self, view: ViewState) -> QTransform:
        """Map coordinates relative to ``origin`` → widget pixels (y flipped)."""
        scale = 1.0 / view.resolution
        ox, oy = float(self.origin[0]), float(self.origin[1])
        dx = view.width / 2 + (ox - view.center_x) * scale
        dy = view.height / 2 + (view.center_y - oy) * scale
        return QTransform(scale, 0.0, 0.0, -scale, dx, dy)
