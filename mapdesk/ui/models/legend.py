"""Layer-panel legend icons drawn from the layer's own style, as QGIS shows them."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap

from mapdesk.core.layer import VectorLayer
from mapdesk.core.style import LayerStyle
from mapdesk.render.symbols import fill_brush, marker_image, stroke_pen
from mapdesk.ui.icons import icon

ICON_SIZE = 16
_MAX_MARKER = 12.0


def layer_icon(layer: VectorLayer) -> QIcon:
    """A warning for a layer of unknown CRS or missing file, otherwise its legend symbol."""
    if layer.crs_missing or layer.unavailable is not None:
        return icon("warning")
    return style_icon(layer.style, geometry_kind(layer.geometry_type))


def geometry_kind(geometry_type: str | None) -> str:
    """point, line, polygon or table: which kind of symbol a layer draws."""
    kind = (geometry_type or "").lower()
    for name in ("polygon", "line", "point"):
        if name in kind:
            return name
    return "table"


@lru_cache(maxsize=256)
def style_icon(style: LayerStyle, kind: str) -> QIcon:
    """A small picture of ``style`` for geometry ``kind`` (point/line/polygon/table)."""
    if kind == "table":
        return icon("layer_table")
    pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        if kind == "point":
            _paint_marker(painter, style)
        elif kind == "line":
            painter.setPen(stroke_pen(replace(style, stroke_width=max(style.stroke_width, 1.5)), 1))
            painter.drawPolyline([QPointF(1, 13), QPointF(6, 5), QPointF(10, 10), QPointF(15, 3)])
        else:
            painter.setPen(stroke_pen(replace(style, stroke_width=max(style.stroke_width, 1.0)), 1))
            painter.setBrush(fill_brush(style))
            painter.drawRect(QRectF(2, 2, ICON_SIZE - 4, ICON_SIZE - 4))
    finally:
        painter.end()
    return QIcon(pixmap)


def _paint_marker(painter: QPainter, style: LayerStyle) -> None:
    if style.marker_size > _MAX_MARKER:
        style = replace(style, marker_size=_MAX_MARKER)
    style = replace(style, marker_size=max(style.marker_size, 6.0))
    image = marker_image(style, 1.0)
    offset = (ICON_SIZE - image.width()) / 2
    painter.drawImage(QPointF(offset, offset), image)
