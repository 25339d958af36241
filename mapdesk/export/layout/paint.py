"""Painting one page of a map layout: frame by frame, in points.

The painter's units are PostScript points with the paint device at 72
logical dpi, so a font's point size is its size on paper. The map frame is
drawn by the renderer in its own device pixels (``render.painting``), scaled
into the frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from mapdesk.export.layout.legend import LegendRow, layout_font, paint_legend
from mapdesk.export.layout.page import Box, LayoutBoxes
from mapdesk.export.layout.scale_bar import ScaleBar
from mapdesk.render.draw import IsCancelled
from mapdesk.render.painting import paint_map
from mapdesk.render.qtbuffers import polygon_from_xy
from mapdesk.render.settings import MapSettings

#: Map logical pixels are 1/96 inch (a screen pixel): line widths, marker and
#: label sizes print at the size they have on screen at 100 %.
POINTS_PER_MAP_PIXEL = 72 / 96
TITLE_PT = 18.0
FOOTER_PT = 7.0
_INK = QColor("#202020")


@dataclass(frozen=True)
class SheetContent:
    """What one page shows.

    Attributes
    ----------
    title
        The large line at the top.
    map_settings
        The map frame's settings: its view is the frame's size in map
        pixels (``POINTS_PER_MAP_PIXEL``).
    legend
        Legend rows, top layer first (ignored when the layout has no legend box).
    scale_bar
        The bar drawn in the map's lower-left corner (None: the map has no
        CRS, so no one knows its scale).
    printed_scale
        N of 1:N on paper (None: unknown).
    north_angle
        Degrees clockwise from the top of the page to true north.
    footer
        Lines of small print at the bottom (source, date, CRS, scale).
    highlight
        A series page's own feature (shapely, map CRS), outlined over the map.
    """

    title: str
    map_settings: MapSettings
    legend: tuple[LegendRow, ...]
    scale_bar: ScaleBar | None
    printed_scale: float | None
    north_angle: float
    footer: tuple[str, ...]
    highlight: Any = None


def paint_page(
    painter: QPainter, boxes: LayoutBoxes, sheet: SheetContent, is_cancelled: IsCancelled
) -> bool:
    """Draw the whole page; False if cancelled while drawing the map."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    _paint_title(painter, _rect(boxes.title), sheet.title)
    frame = _rect(boxes.map)
    if not _paint_map_frame(painter, frame, sheet.map_settings, sheet.highlight, is_cancelled):
        return False
    if sheet.scale_bar is not None:
        _paint_scale_bar(painter, frame, sheet.scale_bar)
    _paint_north_arrow(painter, frame, sheet.north_angle)
    if boxes.legend is not None:
        paint_legend(painter, _rect(boxes.legend), sheet.legend)
    _paint_footer(painter, _rect(boxes.footer), sheet.footer)
    return True


def _rect(box: Box) -> QRectF:
    return QRectF(*box)


def _paint_title(painter: QPainter, box: QRectF, title: str) -> None:
    font = layout_font(TITLE_PT, bold=True)
    painter.setFont(font)
    painter.setPen(_INK)
    text = QFontMetricsF(font, painter.device()).elidedText(
        title, Qt.TextElideMode.ElideRight, box.width()
    )
    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    painter.drawText(box, int(align), text)
    painter.setPen(QPen(_INK, 1.0))
    painter.drawLine(box.bottomLeft(), box.bottomRight())


def _paint_map_frame(
    painter: QPainter,
    frame: QRectF,
    settings: MapSettings,
    highlight: Any,
    is_cancelled: IsCancelled,
) -> bool:
    painter.save()
    painter.setClipRect(frame)
    painter.fillRect(frame, QColor(settings.background))
    painter.translate(frame.topLeft())
    painter.scale(*[POINTS_PER_MAP_PIXEL / settings.device_pixel_ratio] * 2)
    drawn = paint_map(painter, settings, is_cancelled)
    if drawn and highlight is not None:
        _outline(painter, settings, highlight)
    painter.restore()
    painter.setPen(QPen(_INK, 0.75))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(frame)
    return drawn


def _outline(painter: QPainter, settings: MapSettings, shape: Any) -> None:
    """The series feature's boundary, a dark line with a white casing (readable
    over any fill), in the map's device pixels."""
    path = QPainterPath()
    view = settings.device_view
    for ring in shapely.get_parts(shapely.boundary(shapely.force_2d(shape))):
        for line in shapely.get_parts(ring):
            xs, ys = view.to_screen(*shapely.get_coordinates(line).T)
            if len(xs):
                path.addPolygon(polygon_from_xy(np.column_stack([xs, ys])))
    ratio = settings.device_pixel_ratio
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setOpacity(1.0)
    for color, width in (("white", 5.0), ("#202020", 2.5)):
        pen = QPen(QColor(color), width * ratio)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPath(path)


def _paint_scale_bar(painter: QPainter, frame: QRectF, bar: ScaleBar) -> None:
    """Alternating black and white boxes with 0, half and the whole length."""
    font = layout_font(7.0)
    metrics = QFontMetricsF(font, painter.device())
    labels = bar.tick_labels()
    pad, height = 6.0, 5.0
    tail = metrics.horizontalAdvance(labels[-1]) / 2
    back = QRectF(
        frame.left() + 8,
        frame.bottom() - 8 - (pad * 2 + height + metrics.height() + 2),
        bar.width + pad * 2 + tail,
        pad * 2 + height + metrics.height() + 2,
    )
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 220))
    painter.drawRect(back)
    left, top = back.left() + pad, back.top() + pad
    step = bar.width / bar.segments
    painter.setPen(QPen(_INK, 0.5))
    for index in range(bar.segments):
        painter.setBrush(_INK if index % 2 == 0 else QColor("white"))
        painter.drawRect(QRectF(left + index * step, top, step, height))
    painter.setFont(font)
    baseline = top + height + 2 + metrics.ascent()
    for label, x in zip(labels, (left, left + bar.width / 2, left + bar.width), strict=True):
        # "0" and the middle are centred on their ticks, the last starts at its tick.
        width = metrics.horizontalAdvance(label)
        start = x - width / 2 if label is not labels[-1] else x - metrics.horizontalAdvance("0") / 2
        painter.drawText(QPointF(start, baseline), label)
    painter.restore()


def _paint_north_arrow(painter: QPainter, frame: QRectF, angle: float) -> None:
    """A half-filled arrow with an N, turned to true north, in the top-right corner."""
    size = 26.0
    centre = QPointF(frame.right() - 8 - size / 2, frame.top() + 8 + size / 2 + 8)
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 220))
    painter.drawEllipse(centre, size / 2 + 6, size / 2 + 10)
    painter.translate(centre)
    painter.rotate(angle)
    tip, base, half = -size / 2, size / 2, size / 3
    painter.setPen(QPen(_INK, 0.75))
    painter.setBrush(_INK)
    painter.drawPolygon(QPolygonF([QPointF(0, tip), QPointF(0, base * 0.55), QPointF(-half, base)]))
    painter.setBrush(QColor("white"))
    painter.drawPolygon(QPolygonF([QPointF(0, tip), QPointF(half, base), QPointF(0, base * 0.55)]))
    font = layout_font(9.0, bold=True)
    painter.setFont(font)
    label = QRectF(-10, tip - 13, 20, 12)
    painter.drawText(label, int(Qt.AlignmentFlag.AlignCenter), "N")
    painter.restore()


def _paint_footer(painter: QPainter, box: QRectF, lines: tuple[str, ...]) -> None:
    font = layout_font(FOOTER_PT)
    metrics = QFontMetricsF(font, painter.device())
    painter.setFont(font)
    painter.setPen(_INK)
    painter.drawLine(box.topLeft(), box.topRight())
    y = box.top() + 3
    for line in lines:
        text = metrics.elidedText(line, Qt.TextElideMode.ElideRight, box.width())
        painter.drawText(QPointF(box.left(), y + metrics.ascent()), text)
        y += metrics.height()
