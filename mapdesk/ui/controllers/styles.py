"""Styling the current layer: the Symbology dialog (F7) and style files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.style_files import STYLE_SUFFIX, load_style, save_style
from mapdesk.ui.actions import MapActions
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.style_dialog import StyleDialog
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.workers import guarded_slot

STYLE_FILTER = f"mapdesk styles (*{STYLE_SUFFIX});;All files (*)"


class StyleController(WindowController):
    """Opens the Symbology dialog and saves or loads style files for the current layer."""

    def __init__(self, panel: LayerPanel, actions: MapActions, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._panel = panel
        self.dialog: StyleDialog | None = None
        actions.layer_style.triggered.connect(self._on_style)
        actions.save_style.triggered.connect(self._on_save)
        actions.load_style.triggered.connect(self._on_load)

    @guarded_slot
    def _on_style(self) -> None:
        if (layer := self._panel.current_layer()) is not None:
            self.open_dialog(layer)

    def open_dialog(self, layer: VectorLayer) -> StyleDialog:
        """The dialog, non-modal: the map shows each change while it is open."""
        if self.dialog is not None:
            self.dialog.close()
        dialog = StyleDialog(layer, self.parent_widget())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.show()
        return dialog

    @guarded_slot
    def _on_save(self) -> None:
        layer = self._panel.current_layer()
        if layer is None:
            return
        suggested = str(Path.home() / f"{layer.name}{STYLE_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget(), f"Save Style — {layer.name}", suggested, STYLE_FILTER
        )
        if path:
            if not path.endswith(STYLE_SUFFIX):
                path += STYLE_SUFFIX
            save_style(layer, path)

    @guarded_slot
    def _on_load(self) -> None:
        layer = self._panel.current_layer()
        if layer is None:
            return
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget(), f"Load Style — {layer.name}", str(Path.home()), STYLE_FILTER
        )
        if not path:
            return
        try:
            load_style(layer, path)
        except MapdeskError as error:
            QMessageBox.warning(self.parent_widget(), "Load Style", str(error))
