"""Spatial bookmarks: New Spatial Bookmark (Ctrl+B), and the panel that lists them."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QDialog, QInputDialog, QWidget

from mapdesk.core.bookmarks import Bookmark
from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.views.bookmarks_panel import BookmarksPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import guarded_slot, report_exception


class BookmarksController(WindowController):
    """Keeps the panel in step with ``project.bookmarks`` and acts on it."""

    def __init__(
        self,
        panel: BookmarksPanel,
        project: Project,
        canvas: MapCanvas,
        actions: MapActions,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._panel = panel
        self._project = project
        self._canvas = canvas
        self._status = status
        for event in ("inserted", "removed", "changed", "moved", "reordered"):
            getattr(project.bookmarks.events, event).connect(self._refresh)
        actions.new_bookmark.triggered.connect(self._on_new)
        panel.zoom_requested.connect(self.zoom_to)
        panel.delete_requested.connect(self.delete)
        panel.renamed.connect(self.rename)
        self._refresh()

    def _refresh(self, *_args: object) -> None:
        self._panel.show_names([bookmark.name for bookmark in self._project.bookmarks])

    @guarded_slot
    def _on_new(self) -> None:
        dialog = QInputDialog(self.parent_widget())
        dialog.setObjectName("newBookmarkDialog")
        dialog.setWindowTitle("New Spatial Bookmark")
        dialog.setLabelText("Name of the bookmark for the current view:")
        dialog.setTextValue(f"Bookmark {len(self._project.bookmarks) + 1}")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add(dialog.textValue())

    def add(self, name: str) -> Bookmark | None:
        """Bookmark the map's current extent under ``name`` (made unique)."""
        crs = self._project.crs
        try:
            bookmark = Bookmark(
                self._project.bookmarks.unique_name(name.strip()),
                self._canvas.view.extent,
                crs.to_wkt() if crs is not None else None,
            )
        except MapdeskError as exc:
            report_exception(exc, self.parent_widget())
            return None
        self._project.bookmarks.append(bookmark)
        self._panel.show()
        self._status.showMessage(f"Bookmarked the view as '{bookmark.name}'", 5000)
        return bookmark

    @guarded_slot
    def zoom_to(self, row: int) -> None:
        if not 0 <= row < len(self._project.bookmarks):
            return
        bookmark = self._project.bookmarks[row]
        extent = bookmark.extent_in(self._project.crs)
        # No margin: the bookmark shows what was on screen when it was made.
        self._canvas.set_view(self._canvas.view.fitted(extent, margin=0.0))

    @guarded_slot
    def delete(self, row: int) -> None:
        if 0 <= row < len(self._project.bookmarks):
            del self._project.bookmarks[row]

    @guarded_slot
    def rename(self, row: int, name: str) -> None:
        if not 0 <= row < len(self._project.bookmarks):
            return
        bookmark = self._project.bookmarks[row]
        wanted = name.strip()
        if not wanted or wanted == bookmark.name:
            self._refresh()  # an empty name puts the old one back
            return
        self._project.bookmarks[row] = replace(
            bookmark, name=self._project.bookmarks.unique_name(wanted)
        )
