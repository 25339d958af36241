"""The display filter the Incident Analysis panel puts on its FixIt layer.

One layer at a time carries it; the panel replaces it at each time step and
takes it off when it is done. When someone else takes it off (the layer
panel's Show All Features) the panel is told, so that its next step does not
put it straight back.
"""

from __future__ import annotations

from collections.abc import Callable

from mapdesk.core.analysis.incidents import Rows
from mapdesk.core.layer import VectorLayer
from mapdesk.core.layer_list import LayerList
from mapdesk.ui.layer_watch import LayerWatcher
from mapdesk.ui.workers import guarded_slot


class ReportsOnMap:
    """Shows only some reports of one layer on the map, and gives them all back.

    Parameters
    ----------
    layers
        The project's layers (followed for filters cleared elsewhere).
    cleared_elsewhere
        Called with the layer when its filter was taken off by someone else.
    """

    def __init__(self, layers: LayerList, cleared_elsewhere: Callable[[VectorLayer], None]) -> None:
        self._layer: VectorLayer | None = None
        self._changing = False
        self._cleared_elsewhere = cleared_elsewhere
        self._watcher = LayerWatcher(layers, ["display_filter_changed"], self._on_changed)

    @property
    def layer(self) -> VectorLayer | None:
        """The layer filtered now (None: none)."""
        return self._layer

    def show(self, layer: VectorLayer, rows: Rows, reason: str) -> None:
        """Draw only ``rows`` of ``layer`` (all of it when they are every report)."""
        if layer is not self._layer:
            self.release()
        if len(rows) == layer.feature_count:
            self.release()  # nothing hidden: no filter, no indicator in the layer panel
            return
        self._layer = layer
        self._set(lambda: layer.display_filter.show_only(layer.data.index, rows, reason))

    def release(self) -> None:
        """Give the filtered layer every report back."""
        layer, self._layer = self._layer, None
        if layer is not None:
            self._set(layer.display_filter.clear)

    def close(self) -> None:
        """Release the layer and stop following the project."""
        self.release()
        self._watcher.close()

    def _set(self, change: Callable[[], None]) -> None:
        self._changing = True
        try:
            change()
        finally:
            self._changing = False

    @guarded_slot
    def _on_changed(self, layer: VectorLayer) -> None:
        if self._changing or layer is not self._layer or layer.display_filter.active:
            return
        self._layer = None
        self._cleared_elsewhere(layer)
