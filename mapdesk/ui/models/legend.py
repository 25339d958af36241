"""Layer-panel legend icons drawn from the layer's own style or heatmap ramp, as QGIS shows them."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap

from mapdesk.core.heatmap import ColorRamp, Heatmap
from mapdesk.core.layer import VectorLayer
from mapdesk.core.style import LayerStyle, geometry_kind
from mapdesk.render.heatmap import paint_ramp
from mapdesk.render.symbols import paint_symbol
from mapdesk.ui.icons import icon

ICON_SIZE = 16


def layer_icon(layer: VectorLayer) -> QIcon:
    """A warning for a layer of unknown CRS or missing file, otherwise its legend symbol."""
    if layer.crs_missing or layer.unavailable is not None:
        return icon("warning")
    if isinstance(layer.symbology, Heatmap):
        return ramp_icon(layer.symbology.ramp)
    return style_icon(layer.style, geometry_kind(layer.geometry_type))


@lru_cache(maxsize=64)
def ramp_icon(ramp: ColorRamp, width: int = ICON_SIZE, height: int = ICON_SIZE) -> QIcon:
    """A heatmap's colour ramp, sparse (left) to dense (right)."""
    pixmap = QPixmap(width, height)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        paint_ramp(painter, ramp, QRectF(0.5, 2.5, width - 1, height - 5))
    finally:
        painter.end()
    return QIcon(pixmap)


@lru_cache(maxsize=256)
def style_icon(style: LayerStyle, kind: str) -> QIcon:
    """A small picture of ``style`` for geometry ``kind`` (point/line/polygon/table)."""
    if kind == "table":
        return icon("layer_table")
    pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        paint_symbol(painter, style, kind, QRectF(0, 0, ICON_SIZE, ICON_SIZE))
    finally:
        painter.end()
    return QIcon(pixmap)
