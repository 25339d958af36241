"""The scale bar painted in the canvas corner: a round length in m/km or ft/mi."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

_METRES_PER_FOOT = 0.3048
_FEET_PER_MILE = 5280


@dataclass(frozen=True)
class ScaleBarSpec:
    """A bar ``pixels`` long that stands for ``label`` on the ground."""

    pixels: float
    label: str


def nice_length(limit: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ not above ``limit`` (``limit`` > 0)."""
    exponent = math.floor(math.log10(limit))
    base = 10.0**exponent
    for step in (5.0, 2.0, 1.0):
        if step * base <= limit * (1 + 1e-9):
            return step * base
    return base


def _format_number(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def scale_bar_spec(
    metres_per_pixel: float, max_pixels: float = 120.0, imperial: bool = False
) -> ScaleBarSpec | None:
    """Choose the bar: as long as fits in ``max_pixels``, labelled in round units."""
    if not (metres_per_pixel > 0 and math.isfinite(metres_per_pixel)):
        return None
    if imperial:
        feet_per_pixel = metres_per_pixel / _METRES_PER_FOOT
        limit_feet = feet_per_pixel * max_pixels
        if limit_feet >= _FEET_PER_MILE:
            miles = nice_length(limit_feet / _FEET_PER_MILE)
            return ScaleBarSpec(miles * _FEET_PER_MILE / feet_per_pixel, f"{miles:g} mi")
        feet = nice_length(limit_feet)
        return ScaleBarSpec(feet / feet_per_pixel, f"{_format_number(feet)} ft")
    metres = nice_length(metres_per_pixel * max_pixels)
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{_format_number(metres)} m"
    return ScaleBarSpec(metres / metres_per_pixel, label)


def paint_scale_bar(painter: QPainter, area: QRectF, spec: ScaleBarSpec) -> None:
    """Draw the bar at the bottom-left of ``area`` on a translucent white plate."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    font = QFont(painter.font())
    font.setPointSizeF(8.5)
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    text_w = metrics.horizontalAdvance(spec.label)
    margin, pad, tick = 12.0, 6.0, 6.0
    plate_w = max(spec.pixels, text_w) + 2 * pad
    plate_h = metrics.height() + tick + 2 * pad + 2
    plate = QRectF(area.left() + margin, area.bottom() - margin - plate_h, plate_w, plate_h)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 200))
    painter.drawRoundedRect(plate, 3, 3)
    x0 = plate.left() + pad
    y = plate.bottom() - pad
    painter.setPen(QPen(QColor("#202020"), 1.6))
    painter.drawLine(QPointF(x0, y), QPointF(x0 + spec.pixels, y))
    painter.drawLine(QPointF(x0, y), QPointF(x0, y - tick))
    painter.drawLine(QPointF(x0 + spec.pixels, y), QPointF(x0 + spec.pixels, y - tick))
    painter.drawText(QPointF(x0, y - tick - 3), spec.label)
    painter.restore()
