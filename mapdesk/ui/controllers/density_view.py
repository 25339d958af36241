"""The Incident Analysis panel's "Density view": a FixIt layer as a heatmap and back.

Turning it on keeps the layer's symbology (its status colours, say) and
draws the layer as a heatmap; turning it off puts exactly that symbology
back. The check box follows the layer: if the user styles it meanwhile in
the Symbology dialog, a heatmap there ticks the box and any other style
clears it, and turning the box off never undoes a style the user chose
after it was turned on.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QWidget

from mapdesk.core.heatmap import Heatmap
from mapdesk.core.layer import VectorLayer
from mapdesk.core.symbology import SingleSymbol, Symbology
from mapdesk.ui.workers import guarded_slot


class DensityView:
    """Keeps ``toggle`` and the analysed layer's symbology in step.

    For each layer it remembers the last symbology that was not a heatmap
    (what turning the view off puts back) and the last heatmap (what turning
    it on again shows, so a radius the user tuned survives).
    """

    def __init__(self, toggle: QCheckBox) -> None:
        self._toggle = toggle
        self._layer: VectorLayer | None = None
        self._plain: dict[str, Symbology] = {}
        self._heat: dict[str, Heatmap] = {}
        toggle.toggled.connect(self._on_toggled)

    @property
    def layer(self) -> VectorLayer | None:
        return self._layer

    def follow(self, layer: VectorLayer | None) -> None:
        """Show ``layer``'s state in the check box (the panel now analyses it)."""
        if self._layer is not None:
            self._layer.symbology_changed.disconnect(self._on_symbology)
        self._layer = layer
        self._toggle.setEnabled(layer is not None)
        if layer is not None:
            layer.symbology_changed.connect(self._on_symbology)
            self._on_symbology(layer.symbology)
        else:
            self._show(False)

    def close(self) -> None:
        """Let go of the layer."""
        self.follow(None)

    def parent_widget(self) -> QWidget:
        """Where an error is shown (see ``guarded_slot``)."""
        return self._toggle.window()

    @guarded_slot
    def _on_toggled(self, on: bool) -> None:
        layer = self._layer
        if layer is None:
            return
        try:
            if on and not isinstance(layer.symbology, Heatmap):
                layer.symbology = self._heat.get(layer.id, Heatmap())
            elif not on and isinstance(layer.symbology, Heatmap):
                # A style saved before may name a field the data has lost since.
                layer.symbology = self._plain.get(layer.id, SingleSymbol())
        finally:
            self._show(isinstance(layer.symbology, Heatmap))

    def _on_symbology(self, symbology: Symbology) -> None:
        layer = self._layer
        if layer is None:
            return
        if isinstance(symbology, Heatmap):
            self._heat[layer.id] = symbology
        else:
            self._plain[layer.id] = symbology
        self._show(isinstance(symbology, Heatmap))

    def _show(self, on: bool) -> None:
        self._toggle.blockSignals(True)
        try:
            self._toggle.setChecked(on)
        finally:
            self._toggle.blockSignals(False)
