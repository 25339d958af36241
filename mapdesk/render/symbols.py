"""Qt colours, pens, brushes and pre-rendered point markers for a LayerStyle.

Styles hold plain hex strings (the model has no Qt); this module is the one
place they become QColor/QPen/QBrush/QImage.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPolygonF

from mapdesk.core.errors import MapdeskError
from mapdesk.core.style import LayerStyle
from mapdesk.render.qtbuffers import polygon_from_xy

Rgba = tuple[int, int, int, int]
_HEX = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")


def parse_hex_color(text: str) -> Rgba:
    """``#rrggbb`` or ``#rrggbbaa`` to (r, g, b, a).

    QColor reads eight hex digits as ``#aarrggbb``; our styles (like CSS and
    QGIS) put alpha last, so the string is parsed here rather than by Qt.

    Raises
    ------
    MapdeskError
        If ``text`` is not a hex colour.
    """
    if not isinstance(text, str) or not _HEX.match(text):
        raise MapdeskError(f"'{text}' is not a #rrggbb colour")
    values = [int(text[i : i + 2], 16) for i in range(1, len(text), 2)]
    alpha = values[3] if len(values) == 4 else 255
    return values[0], values[1], values[2], alpha


def qcolor(text: str, opacity: float = 1.0) -> QColor:
    """A QColor for a hex colour, its alpha multiplied by ``opacity``."""
    r, g, b, a = parse_hex_color(text)
    return QColor(r, g, b, round(a * min(max(opacity, 0.0), 1.0)))


def fill_brush(style: LayerStyle) -> QBrush:
    """The polygon/marker fill; no brush when the fill is fully transparent."""
    if style.fill_opacity <= 0:
        return QBrush(Qt.BrushStyle.NoBrush)
    return QBrush(qcolor(style.fill_color, style.fill_opacity))


def stroke_pen(style: LayerStyle, scale: float, hairline: bool = False) -> QPen:
    """The line/outline pen, ``scale`` = device pixels per logical pixel.

    A zero width means "no outline" for polygons and markers, but a one-pixel
    hairline for lines (``hairline=True``), as in QGIS.
    """
    if style.stroke_width <= 0 and not hairline:
        return QPen(Qt.PenStyle.NoPen)
    pen = QPen(qcolor(style.stroke_color), max(style.stroke_width * scale, 0.0))
    pen.setCosmetic(style.stroke_width <= 0)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    if style.dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def marker_side(style: LayerStyle, scale: float) -> int:
    """Pixel side of the marker image: odd, so one pixel is its centre.

    The symbol's extent, centred on the middle pixel, plus at least one
    pixel for antialiasing and a join's overshoot; no more, because every
    pixel of the image is blended at every point (a million of them).
    """
    extent = (style.marker_size + max(style.stroke_width, 0.0)) * scale
    side = math.ceil(extent) + 1
    return side if side % 2 == 1 else side + 1


@lru_cache(maxsize=64)
def marker_image(style: LayerStyle, scale: float) -> QImage:
    """The point symbol of ``style``, drawn once, antialiased, to be stamped.

    Parameters
    ----------
    style
        Marker shape, size, fill, outline.
    scale
        Device pixels per logical pixel.

    Returns
    -------
    QImage
        A transparent square image with the symbol centred on its middle
        pixel. Treat it as read-only: it is cached and shared by threads.
    """
    side = marker_side(style, scale)
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint_marker(painter, style, scale, QPointF(side / 2, side / 2))
    painter.end()
    return image


def paint_marker(painter: QPainter, style: LayerStyle, scale: float, centre: QPointF) -> None:
    """Draw the point symbol of ``style`` as vector shapes centred on ``centre``."""
    painter.setPen(stroke_pen(style, scale))
    painter.setBrush(fill_brush(style))
    radius = style.marker_size * scale / 2
    if style.marker_shape == "circle":
        painter.drawEllipse(centre, radius, radius)
    else:
        polygon = _shape_polygon(style.marker_shape, radius, 0.0)
        polygon.translate(centre)
        painter.drawPolygon(polygon)


def paint_markers(
    painter: QPainter, style: LayerStyle, scale: float, centres: npt.NDArray[np.float64]
) -> None:
    """Draw the style's marker shape at each of the (n, 2) ``centres``, in order.

    One shape per call, like stamping: a later marker covers an earlier one
    whole (one path of all of them would fill overlaps even-odd and draw
    every outline over every fill).
    """
    painter.setPen(stroke_pen(style, scale))
    painter.setBrush(fill_brush(style))
    radius = style.marker_size * scale / 2
    if style.marker_shape == "circle":
        for x, y in centres.tolist():
            painter.drawEllipse(QPointF(x, y), radius, radius)
        return
    shape = _shape_polygon(style.marker_shape, radius, 0.0)
    for x, y in centres.tolist():
        painter.drawPolygon(shape.translated(x, y))


def paint_symbol(painter: QPainter, style: LayerStyle, kind: str, box: QRectF) -> None:
    """A legend picture of ``style`` for geometry ``kind`` (point/line/polygon) in ``box``.

    Drawn as vector shapes, so it stays sharp in a PDF; the marker is
    scaled down to fit the box, and thin strokes are thickened a little
    so a legend swatch stays visible.
    """
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    unit = box.height() / 16  # the sizes below are for a 16-pixel box
    if kind == "point":
        size = min(max(style.marker_size, 6.0), 12.0)
        painter_style = replace(style, marker_size=size)
        paint_marker(painter, painter_style, unit, box.center())
    elif kind == "line":
        wide = replace(style, stroke_width=max(style.stroke_width, 1.5))
        painter.setPen(stroke_pen(wide, unit))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        x, y, w, h = box.x(), box.y(), box.width(), box.height()
        zigzag = [(1, 13), (6, 5), (10, 10), (15, 3)]
        painter.drawPolyline([QPointF(x + w * a / 16, y + h * b / 16) for a, b in zigzag])
    else:
        outlined = replace(style, stroke_width=max(style.stroke_width, 1.0))
        painter.setPen(stroke_pen(outlined, unit))
        painter.setBrush(fill_brush(style))
        painter.drawRect(box.adjusted(2 * unit, 2 * unit, -2 * unit, -2 * unit))
    painter.restore()


def _shape_polygon(shape: str, radius: float, centre: float) -> QPolygonF:
    """Vertices of a polygonal marker of the given circumradius."""
    unit = _UNIT_SHAPES.get(shape)
    if unit is None:
        raise MapdeskError(f"Unknown marker shape '{shape}'")
    return polygon_from_xy(unit * radius + centre)


def _star(points: int = 5, inner: float = 0.45) -> np.ndarray:
    # Alternate outer and inner radii; start at the top (screen y grows down).
    angles = -np.pi / 2 + np.arange(2 * points) * np.pi / points
    radii = np.where(np.arange(2 * points) % 2 == 0, 1.0, inner)
    return np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])


def _cross(arm: float = 1 / 3) -> np.ndarray:
    a, b = arm, 1.0
    xs = [-a, a, a, b, b, a, a, -a, -a, -b, -b, -a]
    ys = [-b, -b, -a, -a, a, a, b, b, a, a, -a, -a]
    return np.column_stack([xs, ys])


_UNIT_SHAPES: dict[str, np.ndarray] = {
    "square": np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float),
    "triangle": np.array([[0, -1], [0.866, 0.5], [-0.866, 0.5]]),
    "diamond": np.array([[0, -1], [1, 0], [0, 1], [-1, 0]], dtype=float),
    "star": _star(),
    "cross": _cross(),
}
