"""Layer indicators: small icons at the right end of a layer's row, as QGIS shows them.

The model names them (``INDICATORS_ROLE``): a funnel while a display filter
hides some of the layer's features. The row's tooltip says why and how many.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from mapdesk.ui.icons import icon
from mapdesk.ui.models.layer_tree import INDICATORS_ROLE

#: Indicator icon side and the space around it, in pixels.
INDICATOR_SIZE = 16
INDICATOR_GAP = 4


class LayerIndicatorDelegate(QStyledItemDelegate):
    """Draws a layer's row as usual, its name kept clear of the indicators at the right."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        names = index.data(INDICATORS_ROLE) or ()
        if not names:
            super().paint(painter, option, index)
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        widget = item.widget
        style = widget.style() if widget is not None else QApplication.style()
        # The row's background (selection, hover) across its whole width, then
        # the check box, symbol and name in what the indicators leave.
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, item, painter, widget)
        room = len(names) * (INDICATOR_SIZE + INDICATOR_GAP)
        item.rect = item.rect.adjusted(0, 0, -room, 0)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        for rect, name in zip(indicator_rects(option.rect, len(names)), names, strict=True):
            icon(name).paint(painter, rect)


def indicator_rects(row: QRect, count: int) -> list[QRect]:
    """Where ``count`` indicators go in a row, right to left."""
    top = row.center().y() - INDICATOR_SIZE // 2
    right = row.right() + 1 - INDICATOR_GAP
    return [
        QRect(
            right - (i + 1) * INDICATOR_SIZE - i * INDICATOR_GAP,
            top,
            INDICATOR_SIZE,
            INDICATOR_SIZE,
        )
        for i in range(count)
    ]
