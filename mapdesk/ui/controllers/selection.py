"""Selecting features: the map tools, by expression, by location, and the menu commands.

Selections act on the current layer (the one selected in the Layers panel),
as in QGIS. Shift adds to the selection, Ctrl toggles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from mapdesk.core.errors import ExpressionError, MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.selecting import fids_of, rows_by_location, rows_clicked, rows_in_area
from mapdesk.core.selection import SelectionMode
from mapdesk.core.view import padded_extent
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.canvas.select_tools import SelectionGesture
from mapdesk.ui.canvas.units import map_units
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.select_by_expression import SelectByExpressionDialog
from mapdesk.ui.dialogs.select_by_location import LocationQuery, SelectByLocationDialog
from mapdesk.ui.layer_watch import LayerWatcher
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import guarded_slot

NO_LAYER = "Choose the layer to select from in the Layers panel first"


def mode_for(modifiers: Qt.KeyboardModifier) -> SelectionMode:
    """Shift adds to the selection, Ctrl toggles, no key replaces it."""
    if modifiers & Qt.KeyboardModifier.ControlModifier:
        return SelectionMode.TOGGLE
    if modifiers & Qt.KeyboardModifier.ShiftModifier:
        return SelectionMode.ADD
    return SelectionMode.REPLACE


class SelectionController(WindowController):
    """Turns selection gestures and commands into changes of a layer's selection."""

    def __init__(
        self,
        canvas: MapCanvas,
        panel: LayerPanel,
        project: Project,
        actions: MapActions,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._canvas, self._panel, self._project = canvas, panel, project
        self._status = status
        self.expression_dialog: SelectByExpressionDialog | None = None
        self.location_dialog: SelectByLocationDialog | None = None
        canvas.select_requested.connect(self.select_gesture)
        actions.select_by_expression.triggered.connect(self._on_select_by_expression)
        actions.select_by_location.triggered.connect(self._on_select_by_location)
        actions.select_all.triggered.connect(self._on_select_all)
        actions.invert_selection.triggered.connect(self._on_invert)
        actions.deselect_all.triggered.connect(self._on_deselect_all)
        actions.zoom_to_selection.triggered.connect(self._on_zoom_to_selection)
        panel.current_layer_changed.connect(lambda _layer: self.show_count())
        self._watcher = LayerWatcher(project.layers, ["selection_changed"], self._on_changed)
        self._watcher.connect_list("batch_removed", lambda *_a: self.show_count())

    def shutdown(self) -> None:
        self._watcher.close()

    def _current(self) -> VectorLayer | None:
        layer = self._panel.current_layer()
        if layer is None:
            self._status.showMessage(NO_LAYER, 5000)
        return layer

    # --- the map tools ------------------------------------------------------------
    @guarded_slot
    def select_gesture(self, gesture: SelectionGesture) -> int:
        """Apply a click or area drawn with a selection tool; the number now selected."""
        layer = self._current()
        if layer is None:
            return 0
        crs = self._project.crs
        if gesture.is_click:
            point = gesture.geometry
            rows = rows_clicked(layer, crs, point.x, point.y, gesture.tolerance)
        else:
            rows = rows_in_area(layer, crs, gesture.geometry)
        return layer.selection.apply(fids_of(layer, rows), mode_for(gesture.modifiers))

    # --- commands -----------------------------------------------------------------
    @guarded_slot
    def _on_select_all(self) -> None:
        if (layer := self._current()) is not None:
            layer.selection.apply(layer.data.index.to_numpy())

    @guarded_slot
    def _on_invert(self) -> None:
        if (layer := self._current()) is not None:
            layer.selection.apply(layer.data.index.to_numpy(), SelectionMode.TOGGLE)

    @guarded_slot
    def _on_deselect_all(self) -> None:
        for layer in self._project.layers:
            layer.selection.clear()

    @guarded_slot
    def _on_zoom_to_selection(self) -> None:
        self.zoom_to_selection()

    def zoom_to_selection(self) -> None:
        """Zoom to the current layer's selection, or to every selection if it has none."""
        current = self._panel.current_layer()
        layers = [current] if current is not None and current.selection.count else []
        layers = layers or [layer for layer in self._project.layers if layer.selection.count]
        boxes = [self._selected_bounds(layer) for layer in layers]
        boxes = [b for b in boxes if b is not None]
        if not boxes:
            self._status.showMessage("Nothing is selected", 5000)
            return
        found = np.array(boxes)
        extent = (
            float(found[:, 0].min()),
            float(found[:, 1].min()),
            float(found[:, 2].max()),
            float(found[:, 3].max()),
        )
        self._canvas.zoom_to_extent(padded_extent(extent, self._project.min_view_span))

    def _selected_bounds(self, layer: VectorLayer) -> tuple[float, ...] | None:
        rows = layer.selection.rows(layer.data.index)
        geometries = layer.projected(self._project.crs).geometries[rows]
        bounds = shapely.total_bounds(geometries)
        return tuple(float(v) for v in bounds) if np.isfinite(bounds).all() else None

    # --- select by expression ----------------------------------------------------------
    @guarded_slot
    def _on_select_by_expression(self) -> None:
        if (layer := self._current()) is not None:
            self.open_expression_dialog(layer)

    def open_expression_dialog(self, layer: VectorLayer) -> SelectByExpressionDialog:
        if self.expression_dialog is not None:
            self.expression_dialog.close()
        dialog = SelectByExpressionDialog(layer.name, self.parent_widget())
        dialog.requested.connect(
            lambda text, mode: self._select_by_expression(layer, dialog, text, mode)
        )
        self.expression_dialog = dialog
        dialog.show()
        return dialog

    def _select_by_expression(
        self, layer: VectorLayer, dialog: SelectByExpressionDialog, text: str, mode: Any
    ) -> None:
        try:
            selected = layer.select_by_expression(text, mode)
        except ExpressionError as error:
            dialog.show_problem(str(error))
            return
        dialog.show_result(selected)

    # --- select by location -----------------------------------------------------------
    @guarded_slot
    def _on_select_by_location(self) -> None:
        self.open_location_dialog()

    def open_location_dialog(self) -> SelectByLocationDialog:
        if self.location_dialog is not None:
            self.location_dialog.close()
        unit = map_units(self._project.crs).abbreviation
        dialog = SelectByLocationDialog(
            list(self._project.layers), self._panel.current_layer(), unit, self.parent_widget()
        )
        dialog.requested.connect(lambda query: self._select_by_location(dialog, query))
        self.location_dialog = dialog
        dialog.show()
        return dialog

    def _select_by_location(self, dialog: SelectByLocationDialog, query: LocationQuery) -> None:
        reference_rows = None
        if query.reference_selected_only:
            reference_rows = query.reference.selection.rows(query.reference.data.index)
        try:
            rows = rows_by_location(
                query.layer,
                self._project.crs,
                query.reference,
                query.relation,
                query.distance,
                reference_rows,
            )
        except MapdeskError as error:
            dialog.show_result(str(error), problem=True)
            return
        selected = query.layer.selection.apply(fids_of(query.layer, rows), query.mode)
        dialog.show_result(f"{selected:,} features of {query.layer.name} selected")

    # --- the count in the status bar -------------------------------------------------
    def _on_changed(self, _layer: VectorLayer) -> None:
        self.show_count()

    def show_count(self) -> None:
        current = self._panel.current_layer()
        selected = [(layer.name, layer.selection.count) for layer in self._project.layers]
        selected = [(name, count) for name, count in selected if count]
        details = "\n".join(f"{name}: {count:,} selected" for name, count in selected)
        if current is not None and current.selection.count:
            count = current.selection.count
            text = f"{count:,} feature{'' if count == 1 else 's'} selected on {current.name}"
        elif selected:
            total = sum(count for _, count in selected)
            layers = f"{len(selected)} layer{'' if len(selected) == 1 else 's'}"
            text = f"{total:,} feature{'' if total == 1 else 's'} selected on {layers}"
        else:
            text = ""
        self._status.show_selection(text, details)
