"""A dock listing an analysis's figures or findings: a summary, a tree, notes, Export….

Radio Coverage and Boundary QA answer here (one panel each, side by side in
the right dock area as tabs). Clicking a row that stands for a place on the
map (a finding, a candidate address, a PSAP) zooms there, as the Network
panel does for a lost site.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

#: Rows about what is wrong (uncovered, a finding) and about what is fine.
PROBLEM = QColor("#b00020")
FINE = QColor("#1b5e20")
#: The widest a column but the last is made to fit its contents.
MAX_COLUMN_PX = 190


class AnalysisResultPanel(QDockWidget):
    """Summary line, a tree of rows (with columns), notes and an Export… button.

    Signals
    -------
    row_activated(object)
        A row with a place was clicked (or Enter pressed on it): its key, as
        given to :meth:`add_row`.
    export_requested()
        Export… was pressed.
    """

    row_activated = Signal(object)
    export_requested = Signal()

    def __init__(
        self, title: str, name: str, headers: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(title, parent)
        self.setObjectName(f"{name}Panel")
        body = QWidget(self)
        self.summary = QLabel(body)
        self.summary.setObjectName(f"{name}Summary")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget(body)
        self.tree.setObjectName(f"{name}Tree")
        self.tree.setHeaderLabels(list(headers))
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemClicked.connect(self._activated)
        self.tree.itemActivated.connect(self._activated)
        self.notes = QLabel(body)
        self.notes.setObjectName(f"{name}Notes")
        self.notes.setWordWrap(True)
        self.export_button = QPushButton("Export…", body)
        self.export_button.setObjectName(f"{name}Export")
        self.export_button.setToolTip("Write the result layers (GeoPackage) and the report (JSON)")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        for widget in (self.summary, self.tree, self.notes):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.setWidget(body)

    def clear(self, summary: str = "") -> None:
        """Empty the panel (Export… off until the next result)."""
        self.tree.clear()
        self.summary.setText(summary)
        self.notes.setText("")
        self.export_button.setEnabled(False)

    def add_row(
        self,
        texts: Sequence[str],
        parent: QTreeWidgetItem | None = None,
        key: Any = None,
        color: QColor | None = None,
    ) -> QTreeWidgetItem:
        """A row (under ``parent``, else at the top); a ``key`` makes it zoomable.

        A row of one text (a group's title) spans every column.
        """
        item = QTreeWidgetItem(list(texts)) if parent is None else QTreeWidgetItem(parent, [*texts])
        if parent is None:
            self.tree.addTopLevelItem(item)
        if len(texts) == 1:  # a group title or a verdict: across every column
            item.setFirstColumnSpanned(True)
        for column in range(len(texts)):
            item.setToolTip(column, texts[column])
            if color is not None:
                item.setForeground(column, QBrush(color))
        if key is not None:
            item.setData(0, Qt.ItemDataRole.UserRole, key)
            item.setToolTip(0, f"{texts[0]} (click to zoom to it)")
        return item

    def set_notes(self, notes: Sequence[str]) -> None:
        self.notes.setText("\n".join(f"Note: {note}" for note in notes))
        self.notes.setVisible(bool(notes))

    def finish(self) -> None:
        """Rows added: expand them, fit the columns, allow Export…, show the panel on top.

        Each column but the last fits its contents up to :data:`MAX_COLUMN_PX`, so
        a long address or PSAP name never pushes the last column out of a
        narrow panel (the full text is in the tooltip; the columns can be dragged).
        """
        self.tree.expandAll()
        for column in range(self.tree.columnCount() - 1):
            self.tree.resizeColumnToContents(column)
            self.tree.setColumnWidth(column, min(self.tree.columnWidth(column), MAX_COLUMN_PX))
        self.export_button.setEnabled(True)
        self.show()
        self.raise_()

    def item_with_key(self, key: Any) -> QTreeWidgetItem | None:
        """The row whose key is ``key`` (tests, automation)."""
        pending = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while pending:
            item = pending.pop(0)
            if item is None:
                continue
            if item.data(0, Qt.ItemDataRole.UserRole) == key:
                return item
            pending += [item.child(j) for j in range(item.childCount())]
        return None

    def texts(self) -> list[str]:
        """Every row's cells joined by `` | ``, depth first, children indented (tests)."""
        found: list[str] = []

        def walk(item: QTreeWidgetItem, depth: int) -> None:
            cells = [item.text(c) for c in range(self.tree.columnCount())]
            found.append("  " * depth + " | ".join(c for c in cells if c))
            for j in range(item.childCount()):
                child = item.child(j)
                if child is not None:
                    walk(child, depth + 1)

        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is not None:
                walk(top, 0)
        return found

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        key = item.data(0, Qt.ItemDataRole.UserRole)
        if key is not None:
            self.row_activated.emit(key)


def add_panel(window: Any, panel: AnalysisResultPanel) -> None:
    """Dock ``panel`` at the right, hidden until its analysis has run."""
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    panel.hide()
