"""A small horizontal bar chart drawn with QPainter (PySide6-Essentials has no QtCharts)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from mapdesk.ui.workers import guarded_event

_BAR = QColor("#3b7dd8")
_OPEN = QColor("#e0793a")
_ROW_HEIGHT = 18


class BarChart(QWidget):
    """One bar per label: the whole count, with its open part drawn over it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incidentBarChart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self._bars: list[tuple[str, int, int]] = []

    def set_bars(self, bars: list[tuple[str, int, int]]) -> None:
        """(label, count, open count) for each bar, top to bottom."""
        self._bars = list(bars)
        self.updateGeometry()
        self.update()

    @property
    def bars(self) -> list[tuple[str, int, int]]:
        return list(self._bars)

    def sizeHint(self) -> QSize:
        return QSize(240, max(1, len(self._bars)) * _ROW_HEIGHT + 8)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    @guarded_event
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        label_width = min(self.width() * 0.45, 180.0)
        bar_space = max(self.width() - label_width - 48.0, 10.0)
        largest = max((count for _, count, _ in self._bars), default=0) or 1
        metrics = painter.fontMetrics()
        for i, (label, count, open_count) in enumerate(self._bars):
            top = 4.0 + i * _ROW_HEIGHT
            painter.setPen(text_colour)
            shown = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(label_width) - 6)
            painter.drawText(
                QRectF(0, top, label_width - 6, _ROW_HEIGHT),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )
            width = bar_space * count / largest
            painter.fillRect(QRectF(label_width, top + 3, width, _ROW_HEIGHT - 6), _BAR)
            part = bar_space * open_count / largest
            painter.fillRect(QRectF(label_width, top + 3, part, _ROW_HEIGHT - 6), _OPEN)
            painter.drawText(
                QRectF(label_width + width + 4, top, 44, _ROW_HEIGHT),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                str(count),
            )
        painter.end()
