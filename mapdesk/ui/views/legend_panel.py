"""The Legend panel: every visible layer as the map draws it, categories and heatmaps included.

Rebuilt from the layers' own styles whenever one changes, so it always reads
like the canvas: a layer's symbol, or one entry per category or class with
the number of features in it ("closed (180 of 4,844)" while a display filter,
such as the incident time slider, hides some).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtWidgets import QDockWidget, QTreeWidget, QTreeWidgetItem, QWidget

from mapdesk.core.heatmap import Heatmap, heatmap_legend_text
from mapdesk.core.layer import VectorLayer
from mapdesk.core.layer_list import LayerList
from mapdesk.core.style import geometry_kind
from mapdesk.core.symbology import SingleSymbol
from mapdesk.ui.layer_watch import LayerWatcher
from mapdesk.ui.models.legend import layer_icon, ramp_icon, style_icon

_LIST_EVENTS = ("batch_inserted", "batch_removed", "moved", "changed", "reordered")
#: What changes a legend entry (not selections, opacity or labels: a click
#: on the map must not rebuild the legend).
_LEGEND_SIGNALS = (
    "name_changed",
    "visibility_changed",
    "style_changed",
    "symbology_changed",
    "data_changed",
    "display_filter_changed",
)


class LegendPanel(QDockWidget):
    """A read-only tree: visible layers top to bottom, their classes beneath."""

    def __init__(self, layers: LayerList, parent: QWidget | None = None) -> None:
        super().__init__("Legend", parent)
        self.setObjectName("legendPanel")
        self._layers = layers
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("legendTree")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.setWidget(self.tree)
        self._watcher = LayerWatcher(layers, _LEGEND_SIGNALS, self._changed)
        for event in _LIST_EVENTS:
            self._watcher.connect_list(event, self._changed)
        self.rebuild()

    def close_panel(self) -> None:
        self._watcher.close()

    def _changed(self, *_args: Any) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        self.tree.clear()
        for layer in self._layers:
            if layer.visible:
                self.tree.addTopLevelItem(self._layer_item(layer))
        self.tree.expandAll()

    def _layer_item(self, layer: VectorLayer) -> QTreeWidgetItem:
        item = QTreeWidgetItem([layer.name])
        symbology = layer.symbology
        if isinstance(symbology, SingleSymbol):
            item.setIcon(0, layer_icon(layer))
            return item
        if isinstance(symbology, Heatmap):
            item.setText(0, f"{layer.name} — heatmap")
            child = QTreeWidgetItem([heatmap_legend_text(symbology)])
            child.setIcon(0, ramp_icon(symbology.ramp))
            item.addChild(child)
            return item
        kind = geometry_kind(layer.geometry_type)
        item.setText(0, f"{layer.name} — {symbology.field}")
        found = layer.symbol_classes()
        shown = _shown_mask(layer.shown_rows(), layer.feature_count)
        for symbol, rows in zip(found.classes, found.rows, strict=True):
            count = f"{len(rows):,}"
            if shown is not None:
                count = f"{int(np.count_nonzero(shown[rows[rows < len(shown)]])):,} of {count}"
            child = QTreeWidgetItem([f"{symbol.label} ({count})"])
            child.setIcon(0, style_icon(symbol.style, kind))
            item.addChild(child)
        return item

    def entries(self) -> list[str]:
        """Every line of the legend, indented by level (for tests and screen readers)."""
        lines = []
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            if top is None:
                continue
            lines.append(top.text(0))
            children = (top.child(i) for i in range(top.childCount()))
            lines += [f"  {child.text(0)}" for child in children if child is not None]
        return lines


def _shown_mask(shown: npt.NDArray[np.intp] | None, count: int) -> npt.NDArray[np.bool_] | None:
    """True for each feature the map draws; None when it draws them all.

    A mask, not a set intersection per class: a time slider rebuilds the legend
    at every step, and this stays a millisecond or two on a million reports.
    """
    if shown is None:
        return None
    mask = np.zeros(count, dtype=bool)
    mask[shown[shown < count]] = True
    return mask
