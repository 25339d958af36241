"""The layer panel's behaviour: context menu, current-layer actions, dialogs."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox, QWidget

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.crs_dialog import CrsDialog
from mapdesk.ui.dialogs.layer_properties import LayerPropertiesDialog
from mapdesk.ui.dialogs.opacity import OpacityDialog
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.workers import guarded_slot


class LayerPanelController(WindowController):
    """Acts on the panel's current layer: zoom, rename, opacity, CRS, properties, remove."""

    def __init__(
        self,
        panel: LayerPanel,
        project: Project,
        canvas: MapCanvas,
        actions: MapActions,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._panel = panel
        self._project = project
        self._canvas = canvas
        self._actions = actions
        panel.context_menu_requested.connect(self._show_menu)
        panel.layer_activated.connect(self.open_properties)
        panel.current_layer_changed.connect(self._update_actions)
        actions.remove_layer.triggered.connect(self._on_remove)
        actions.layer_properties.triggered.connect(self._on_properties)
        actions.set_layer_crs.triggered.connect(self._on_set_crs)
        actions.zoom_to_layer.triggered.connect(self._on_zoom_to)
        self._update_actions(panel.current_layer())

    # --- the current layer -------------------------------------------------------
    def _current(self) -> VectorLayer | None:
        return self._panel.current_layer()

    def _update_actions(self, layer: VectorLayer | None) -> None:
        for action in self._actions.layer_actions():
            action.setEnabled(layer is not None)
        self._actions.repair_source.setEnabled(layer is not None and layer.unavailable is not None)

    @guarded_slot
    def _on_remove(self) -> None:
        if (layer := self._current()) is not None:
            self.remove_layer(layer)

    @guarded_slot
    def _on_properties(self) -> None:
        if (layer := self._current()) is not None:
            self.open_properties(layer)

    @guarded_slot
    def _on_set_crs(self) -> None:
        if (layer := self._current()) is not None:
            self.set_layer_crs(layer)

    @guarded_slot
    def _on_zoom_to(self) -> None:
        if (layer := self._current()) is not None:
            self._canvas.zoom_to_layer(layer)

    # --- context menu --------------------------------------------------------------
    def build_menu(self, layer: VectorLayer | None) -> QMenu:
        """The right-click menu for ``layer`` (None: the empty part of the panel)."""
        menu = QMenu(self._panel)
        menu.setObjectName("layerContextMenu")
        if layer is None:
            menu.addAction(self._actions.add_layer)
            return menu
        if layer.unavailable is not None:
            menu.addAction(self._actions.repair_source)
            menu.addSeparator()
        menu.addAction(self._actions.zoom_to_layer)
        menu.addAction(self._actions.open_attribute_table)
        menu.addAction(self._actions.export_layer)
        if layer.display_filter.active:  # QGIS's filter indicator: drop the filter
            self._local_action(
                menu, "Show All Features", "actionShowAllFeatures", show_all_features, layer
            )
        menu.addSeparator()
        self._local_action(
            menu, "Rename Layer", "actionRenameLayer", self._panel.start_rename, layer
        )
        self._local_action(menu, "Opacity…", "actionLayerOpacity", self.set_opacity, layer)
        menu.addAction(self._actions.set_layer_crs)
        menu.addSeparator()
        menu.addActions(
            [self._actions.layer_style, self._actions.save_style, self._actions.load_style]
        )
        menu.addSeparator()
        menu.addAction(self._actions.layer_properties)
        menu.addSeparator()
        menu.addAction(self._actions.remove_layer)
        return menu

    def _local_action(
        self, menu: QMenu, text: str, name: str, slot: object, layer: VectorLayer
    ) -> None:
        action = QAction(text, menu)
        action.setObjectName(name)
        guarded = guarded_slot(lambda: slot(layer))  # type: ignore[operator]
        action.triggered.connect(guarded)
        menu.addAction(action)

    @guarded_slot
    def _show_menu(self, layer: VectorLayer | None, global_pos: QPoint) -> None:
        menu = self.build_menu(layer)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(global_pos)

    # --- the operations ------------------------------------------------------------
    def remove_layer(self, layer: VectorLayer) -> None:
        """Remove ``layer`` from the project after asking, as QGIS does."""
        answer = QMessageBox.question(
            self._parent,
            "Remove Layer",
            f"Remove layer '{layer.name}' from the map?\n(The file on disk is not touched.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._project.remove_layer(layer)

    def set_opacity(self, layer: VectorLayer) -> None:
        dialog = OpacityDialog(layer, self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def set_layer_crs(self, layer: VectorLayer) -> None:
        """Declare the layer's CRS (its coordinates are not changed)."""
        dialog = CrsDialog(
            self._parent,
            f"Set Layer CRS — {layer.name}",
            current=layer.crs,
            message=(
                "Declare the CRS the layer's coordinates are in. The coordinates are not "
                "changed; the layer is reprojected to the map CRS on the fly."
            ),
        )
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_crs is not None:
                layer.set_crs(dialog.chosen_crs)
        finally:
            dialog.deleteLater()

    @guarded_slot
    def open_properties(self, layer: VectorLayer) -> LayerPropertiesDialog:
        """Show the layer's properties (non-modal, so the map stays usable)."""
        dialog = LayerPropertiesDialog(layer, self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog


def show_all_features(layer: VectorLayer) -> None:
    """Drop the layer's display filter: the map draws every feature again."""
    layer.display_filter.clear()
