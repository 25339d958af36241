"""Opens the attribute table for a layer and keeps its selection in step with the map's."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from PySide6.QtWidgets import QMessageBox, QWidget

from mapdesk.core.errors import ExpressionError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.selection import SelectionMode
from mapdesk.core.table import column_statistics, display_text
from mapdesk.core.view import padded_extent
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.field_calculator import FieldCalculatorDialog
from mapdesk.ui.models.attribute_table import AttributeTableModel
from mapdesk.ui.views.attribute_table import AttributeTableDock
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.workers import guarded_slot, report_exception


class AttributeTableController(WindowController):
    """F6 opens the current layer's table; table rows and map selection follow each other."""

    def __init__(
        self,
        dock: AttributeTableDock,
        project: Project,
        canvas: MapCanvas,
        panel: LayerPanel,
        actions: MapActions,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._dock, self._project, self._canvas, self._panel = dock, project, canvas, panel
        self._model: AttributeTableModel | None = None
        self._syncing = False
        self._scattered = False  # a selection too scattered to highlight row by row
        actions.open_attribute_table.triggered.connect(self._on_open)
        dock.filter_requested.connect(self.apply_filter)
        dock.selected_only_toggled.connect(self._on_selected_only)
        dock.statistics_requested.connect(self.show_statistics)
        dock.feature_activated.connect(self.zoom_to_row)
        dock.field_calculator_requested.connect(self._on_field_calculator)
        self.calculator: FieldCalculatorDialog | None = None
        # Any change to the list (one removed, a project opened over it).
        project.layers.events.all.connect(self._close_if_layer_gone)

    @property
    def model(self) -> AttributeTableModel | None:
        return self._model

    @guarded_slot
    def _on_open(self) -> None:
        if (layer := self._panel.current_layer()) is not None:
            self.open(layer)

    def open(self, layer: VectorLayer) -> AttributeTableModel:
        """Show ``layer``'s features in the dock (replacing another layer's)."""
        self._close_model()
        model = AttributeTableModel(layer, self._dock)
        self._model = model
        self._dock.show_model(model)
        model.set_editable(layer.is_editing)
        model.edit_requested.connect(self._on_cell_edited)
        layer.editing_changed.connect(self._on_editing_changed)
        model.rows_changed.connect(lambda _rows: self._update_count())
        model.filter_dropped.connect(self._on_filter_dropped)
        model.sort_failed.connect(lambda exc: report_exception(exc, self._dock))
        model.modelReset.connect(self._show_layer_selection)
        model.layoutChanged.connect(self._show_layer_selection)
        selection_model = self._dock.table.selectionModel()
        selection_model.selectionChanged.connect(self._on_table_selection)
        layer.selection.changed.connect(self._on_layer_selection)
        self._show_layer_selection()
        self._update_count()
        self._dock.show()
        self._dock.raise_()
        return model

    @guarded_slot
    def _on_cell_edited(self, fid: Any, field: str, value: Any) -> None:
        """A cell typed in edit mode: one undoable change (refused values are reported)."""
        if self._model is not None:
            self._model.layer.change_attribute_value(fid, field, value)

    def _on_editing_changed(self, editing: bool) -> None:
        if self._model is not None:
            self._model.set_editable(editing)

    def _close_model(self) -> None:
        if self._model is None:
            return
        self._model.layer.selection.changed.disconnect(self._on_layer_selection)
        self._model.layer.editing_changed.disconnect(self._on_editing_changed)
        self._model.close()
        self._model = None

    def _close_if_layer_gone(self, *_info: Any) -> None:
        if self._model is not None and self._model.layer not in self._project.layers:
            self._close_model()
            self._dock.table.setModel(None)
            self._dock.hide()

    # --- filter -----------------------------------------------------------------------
    @guarded_slot
    def apply_filter(self, expression: str) -> None:
        if self._model is None:
            return
        try:
            self._model.set_filter(expression)
        except ExpressionError as error:
            self._dock.show_problem(str(error).splitlines()[0])
            return
        self._dock.show_problem("")

    def _on_filter_dropped(self, reason: str) -> None:
        self._dock.filter_edit.setText("")
        self._dock.show_problem(f"The filter no longer fits the data and was cleared: {reason}")

    @guarded_slot
    def _on_selected_only(self, selected_only: bool) -> None:
        if self._model is not None:
            self._model.set_selected_only(selected_only)

    def _update_count(self) -> None:
        if self._model is not None:
            layer = self._model.layer
            note = "scattered: tick Selected only to list them" if self._scattered else ""
            self._dock.show_count(
                self._model.rowCount(), layer.feature_count, layer.selection.count, note
            )

    # --- selection, both ways -------------------------------------------------------
    def _on_table_selection(self, *_args: Any) -> None:
        if self._syncing or self._model is None:
            return
        model = self._model
        positions = model.rows[np.asarray(self._dock.selected_rows(), dtype=np.intp)]
        self._syncing = True
        try:
            fids = model.layer.data.index.to_numpy()[positions]
            model.layer.selection.apply(fids, SelectionMode.REPLACE)
        finally:
            self._syncing = False
        self._update_count()

    def _on_layer_selection(self, _fids: Any) -> None:
        if not self._syncing:
            self._show_layer_selection()
        self._update_count()

    def _show_layer_selection(self) -> None:
        if self._model is None:
            return
        layer = self._model.layer
        rows = self._model.rows_of_positions(layer.selection.rows(layer.data.index))
        self._syncing = True
        try:
            highlighted = self._dock.select_rows(rows.tolist())
        finally:
            self._syncing = False
        self._scattered = not highlighted
        self._update_count()

    @guarded_slot
    def _on_field_calculator(self) -> None:
        if self._model is not None:
            self.open_field_calculator(self._model.layer)

    def open_field_calculator(self, layer: VectorLayer) -> FieldCalculatorDialog:
        dialog = FieldCalculatorDialog(layer, self._dock)
        self.calculator = dialog
        dialog.open()
        return dialog

    # --- a feature on the map, a column's facts -------------------------------------
    @guarded_slot
    def zoom_to_row(self, row: int) -> None:
        """Zoom the map to the feature shown in table row ``row``."""
        if self._model is None or not 0 <= row < self._model.rowCount():
            return
        layer = self._model.layer
        geometry = layer.projected(self._project.crs).geometries[int(self._model.rows[row])]
        if geometry is None or shapely.is_empty(geometry):
            return
        xmin, ymin, xmax, ymax = (float(v) for v in shapely.bounds(geometry))
        # A point or a short span opens at street scale, not at an absurd one.
        extent = padded_extent((xmin, ymin, xmax, ymax), self._project.min_view_span)
        self._canvas.zoom_to_extent(extent)

    @guarded_slot
    def show_statistics(self, column: int) -> None:
        if self._model is None:
            return
        field = self._model.fields[column]
        stats = column_statistics(self._model.layer.data[field], self._model.rows)
        lines = [
            f"Features shown: {stats.count:,}",
            f"NULL: {stats.nulls:,}",
            f"Distinct values: {stats.unique:,}",
        ]
        if stats.minimum is not None:
            lines += [f"Minimum: {display_text(stats.minimum)}"]
            lines += [f"Maximum: {display_text(stats.maximum)}"]
        if stats.mean is not None:
            lines += [f"Mean: {stats.mean:,.4g}"]
        QMessageBox.information(self._dock, f"Statistics — {field}", "\n".join(lines))
