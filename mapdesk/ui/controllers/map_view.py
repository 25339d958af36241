"""Navigation and the status bar: map-tool actions, zoom, cursor/scale/CRS display."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from mapdesk.core.project import Project
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.crs_dialog import CrsDialog
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import guarded_slot


class MapViewController(WindowController):
    """Connects the navigation actions to the canvas and the canvas to the status bar."""

    def __init__(
        self,
        canvas: MapCanvas,
        status: MapStatusBar,
        project: Project,
        actions: MapActions,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._canvas = canvas
        self._status = status
        self._project = project
        self._actions = actions
        self._tool_actions = {
            "pan": actions.pan,
            "zoom_in": actions.zoom_in,
            "zoom_out": actions.zoom_out,
            "identify": actions.identify,
            "select": actions.select,
            "select_polygon": actions.select_polygon,
            "select_radius": actions.select_radius,
            "measure_line": actions.measure_line,
            "measure_area": actions.measure_area,
            "add_feature": actions.add_feature,
            "vertex_tool": actions.vertex_tool,
            "move_feature": actions.move_feature,
            "split_features": actions.split_features,
            "reshape_features": actions.reshape_features,
        }
        for name, action in self._tool_actions.items():
            action.triggered.connect(
                guarded_slot(lambda _checked=False, n=name: canvas.set_map_tool(n))
            )
        canvas.map_tool_changed.connect(self._on_tool_changed)
        actions.zoom_full.triggered.connect(self._on_zoom_full)
        actions.set_project_crs.triggered.connect(self.choose_project_crs)
        status.crs_clicked.connect(self.choose_project_crs)
        canvas.cursor_moved.connect(self._on_cursor)
        canvas.view_changed.connect(status.show_scale)
        canvas.busy_changed.connect(status.set_render_busy)
        canvas.render_failed.connect(self._on_render_failed)
        project.crs_changed.connect(self._on_crs_changed)
        self._on_crs_changed(project.crs)

    def shutdown(self) -> None:
        self._project.crs_changed.disconnect(self._on_crs_changed)

    def _on_tool_changed(self, name: str) -> None:
        action = self._tool_actions.get(name)
        if action is not None and not action.isChecked():
            action.setChecked(True)

    @guarded_slot
    def _on_zoom_full(self) -> None:
        self._canvas.zoom_full()

    @guarded_slot
    def _on_cursor(self, x: float, y: float) -> None:
        self._status.show_cursor(x, y, self._canvas.view.resolution)

    def _on_crs_changed(self, crs: Any) -> None:
        self._status.show_crs(crs)
        self._status.show_scale(self._canvas.view)

    def _on_render_failed(self, message: str) -> None:
        self._status.showMessage(f"The map could not be drawn: {message}", 10000)

    @guarded_slot
    def choose_project_crs(self) -> None:
        """Set Project CRS…: layers are reprojected on the fly, the view follows."""
        dialog = CrsDialog(
            self._parent,
            "Project CRS",
            current=self._project.crs,
            message="The map CRS: every layer is reprojected to it on the fly.",
        )
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_crs is not None:
                self._project.crs = dialog.chosen_crs
        finally:
            dialog.deleteLater()
