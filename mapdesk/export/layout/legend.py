"""The printed legend: the layers the map shows, top first, with their classes.

Drawn in points (the page painter's units; fonts are in points too).

Built from the same layer snapshots the map frame draws, so the legend can
never list a layer the page does not show (hidden, or out of its scale
range) nor miss one it does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter

from mapdesk.core.heatmap import ColorRamp, Heatmap, heatmap_legend_text
from mapdesk.core.style import LayerStyle, geometry_kind
from mapdesk.core.symbology import SingleSymbol
from mapdesk.render.heatmap import paint_ramp
from mapdesk.render.settings import LayerSnapshot
from mapdesk.render.symbols import paint_symbol

HEADING_PT = 9.0
ITEM_PT = 8.0
ROW = 15.0  # points per legend row
SWATCH = 12.0
RAMP_WIDTH = 36.0  # a heatmap's colour bar
_TITLE = "Legend"


@dataclass(frozen=True)
class LegendRow:
    """One line of the legend: a layer heading or one of its classes."""

    text: str
    style: LayerStyle | None  # None: a heading without a symbol
    kind: str
    heading: bool
    ramp: ColorRamp | None = None  # a heatmap's colours, drawn instead of a symbol


def legend_rows(snapshots: Sequence[LayerSnapshot]) -> list[LegendRow]:
    """Rows for ``snapshots`` (drawing order, bottom first), top layer first.

    A single-symbol layer is one row with its symbol; a categorized or
    graduated layer is a heading and then a row per class, in legend order;
    a heatmap is a heading and its colour ramp, sparse to dense.
    """
    rows: list[LegendRow] = []
    for snapshot in reversed(snapshots):
        layer = snapshot.layer
        kind = geometry_kind(layer.geometry_type)
        if kind == "table":
            continue  # nothing of it is on the map
        if isinstance(snapshot.symbology, SingleSymbol):
            rows.append(LegendRow(layer.name, snapshot.style, kind, heading=True))
            continue
        if isinstance(snapshot.symbology, Heatmap):
            rows.append(LegendRow(layer.name, None, kind, heading=True))
            text = heatmap_legend_text(snapshot.symbology)
            rows.append(LegendRow(text, None, kind, heading=False, ramp=snapshot.symbology.ramp))
            continue
        rows.append(LegendRow(layer.name, None, kind, heading=True))
        for symbol in snapshot.symbology.classes():
            rows.append(LegendRow(symbol.label, symbol.style, kind, heading=False))
    return rows


def paint_legend(painter: QPainter, box: QRectF, rows: Sequence[LegendRow]) -> int:
    """Draw the legend in ``box`` (points); returns how many rows fitted.

    Rows that do not fit are summed up on a last line ("… and 12 more"),
    so a long category list never runs off the page silently.
    """
    painter.save()
    painter.setPen(Qt.GlobalColor.black)
    title_font = layout_font(HEADING_PT + 2, bold=True)
    painter.setFont(title_font)
    painter.drawText(QRectF(box.x(), box.y(), box.width(), ROW + 2), _TITLE)
    room = int((box.height() - ROW - 4) // ROW)
    shown = len(rows) if len(rows) <= room else max(room - 1, 0)
    y = box.y() + ROW + 4
    for row in rows[:shown]:
        _paint_row(painter, box, y, row)
        y += ROW
    if shown < len(rows):
        painter.setFont(layout_font(ITEM_PT, italic=True))
        painter.drawText(QRectF(box.x(), y, box.width(), ROW), f"… and {len(rows) - shown} more")
    painter.restore()
    return shown


def _paint_row(painter: QPainter, box: QRectF, y: float, row: LegendRow) -> None:
    indent = 0.0 if row.heading else 10.0
    x = box.x() + indent
    if row.style is not None:
        swatch = QRectF(x, y + (ROW - SWATCH) / 2, SWATCH, SWATCH)
        paint_symbol(painter, row.style, row.kind, swatch)
        x += SWATCH + 4
    if row.ramp is not None:
        bar = QRectF(x, y + (ROW - SWATCH) / 2 + 2, RAMP_WIDTH, SWATCH - 4)
        paint_ramp(painter, row.ramp, bar)
        x += RAMP_WIDTH + 4
    font = layout_font(HEADING_PT if row.heading else ITEM_PT, bold=row.heading)
    painter.setFont(font)
    painter.setPen(Qt.GlobalColor.black)
    width = box.right() - x
    metrics = QFontMetricsF(font, painter.device())
    text = metrics.elidedText(row.text, Qt.TextElideMode.ElideRight, width)
    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    painter.drawText(QRectF(x, y, width, ROW), int(align), text)


def layout_font(points: float, bold: bool = False, italic: bool = False) -> QFont:
    """The layout's typeface (DejaVu Sans: installed with mapdesk's Qt set-up) at ``points``."""
    font = QFont("DejaVu Sans")
    font.setPointSizeF(points)
    # No "fi"/"fl" ligatures: text copied or extracted from the PDF must
    # read "first", not "ﬁrst", or searching the document misses it.
    for tag in ("liga", "clig"):
        font.setFeature(QFont.Tag(tag), 0)
    font.setBold(bold)
    font.setItalic(italic)
    return font
