"""The Spatial Bookmarks panel: the project's named extents; double-click one to go there.

As QGIS's bookmark manager: names can be edited in place (F2 or a slow
double-click), Del deletes the chosen one, the right-click menu does all three.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDockWidget, QListWidget, QListWidgetItem, QMenu, QWidget

from mapdesk.ui.workers import guarded_event, guarded_slot


class _BookmarkList(QListWidget):
    delete_pressed = Signal(int)

    @guarded_event
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.currentRow() >= 0:
            self.delete_pressed.emit(self.currentRow())
            return
        super().keyPressEvent(event)


class BookmarksPanel(QDockWidget):
    """Signals: ``zoom_requested(row)``, ``delete_requested(row)``, ``renamed(row, name)``."""

    zoom_requested = Signal(int)
    delete_requested = Signal(int)
    renamed = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Spatial Bookmarks", parent)
        self.setObjectName("bookmarksPanel")
        self.list = _BookmarkList(self)
        self.list.setObjectName("bookmarkList")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemActivated.connect(lambda item: self.zoom_requested.emit(self.list.row(item)))
        self.list.itemChanged.connect(self._on_changed)
        self.list.delete_pressed.connect(self.delete_requested)
        self.setWidget(self.list)

    def show_names(self, names: list[str]) -> None:
        """List these bookmark names (the project's, in order)."""
        current = self.list.currentRow()
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for name in names:
                item = QListWidgetItem(name, self.list)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.list.setCurrentRow(min(current, len(names) - 1))
        finally:
            self.list.blockSignals(False)

    def _on_changed(self, item: QListWidgetItem) -> None:
        self.renamed.emit(self.list.row(item), item.text())

    @guarded_slot
    def _menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        row = self.list.row(item)
        menu = QMenu(self.list)
        menu.addAction("Zoom to Bookmark", guarded_slot(lambda: self.zoom_requested.emit(row)))
        menu.addAction("Rename", guarded_slot(lambda: self.list.editItem(item)))
        menu.addAction("Delete Bookmark", guarded_slot(lambda: self.delete_requested.emit(row)))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.list.viewport().mapToGlobal(pos))
