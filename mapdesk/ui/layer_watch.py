"""Follow a project's layer list and its layers' signals, and let go cleanly.

The model emits psygnal signals and never knows who listens. A Qt widget that
listens must disconnect before it is destroyed, or a later emission would call
into a deleted C++ object; :class:`LayerWatcher` keeps the bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mapdesk.core.layer import VectorLayer
from mapdesk.core.layer_list import LayerList

#: The layer signals that change what the map looks like.
RENDER_SIGNALS = (
    "visibility_changed",
    "opacity_changed",
    "style_changed",
    "symbology_changed",
    "labels_changed",
    "scale_range_changed",
    "crs_changed",
    "data_changed",
    "selection_changed",
    "display_filter_changed",
)


class LayerWatcher:
    """Calls ``on_layer_change(layer)`` when any of ``signal_names`` fires on any layer.

    Layers inserted later are followed and removed ones let go. The list
    events themselves are connected by the owner through :meth:`connect_list`,
    so that it can keep its own begin/end bookkeeping.
    """

    def __init__(
        self,
        layers: LayerList,
        signal_names: Iterable[str],
        on_layer_change: Callable[[VectorLayer], None],
    ) -> None:
        self.layers = layers
        self._names = tuple(signal_names)
        self._callback = on_layer_change
        self._slots: dict[str, list[tuple[Any, Callable[..., None]]]] = {}
        self._list_slots: list[tuple[Any, Callable[..., Any]]] = []
        self.connect_list("batch_inserted", self._on_inserted)
        self.connect_list("batch_removed", self._on_removed)
        self.connect_list("changed", self._on_replaced)
        for layer in layers:
            self._follow(layer)

    def connect_list(self, event_name: str, slot: Callable[..., Any]) -> None:
        """Connect ``slot`` to one of the list's events (disconnected by :meth:`close`)."""
        signal = getattr(self.layers.events, event_name)
        signal.connect(slot)
        self._list_slots.append((signal, slot))

    def _follow(self, layer: VectorLayer) -> None:
        if layer.id in self._slots:
            return
        connections = []
        for name in self._names:
            signal = getattr(layer, name)

            def slot(*_args: Any, _layer: VectorLayer = layer) -> None:
                self._callback(_layer)

            signal.connect(slot)
            connections.append((signal, slot))
        self._slots[layer.id] = connections

    def _forget(self, layer: VectorLayer) -> None:
        for signal, slot in self._slots.pop(layer.id, []):
            signal.disconnect(slot)

    def _on_inserted(self, _start: int, _stop: int, values: list[VectorLayer]) -> None:
        for layer in values:
            self._follow(layer)

    def _on_removed(self, _start: int, _stop: int, values: list[VectorLayer]) -> None:
        present = {layer.id for layer in self.layers}
        for layer in values:
            if layer.id not in present:
                self._forget(layer)

    def _on_replaced(self, _key: Any, old: Any, new: Any) -> None:
        for layer in old if isinstance(old, list) else [old]:
            self._forget(layer)
        for layer in new if isinstance(new, list) else [new]:
            self._follow(layer)

    def close(self) -> None:
        """Disconnect from the list and every layer."""
        for signal, slot in self._list_slots:
            signal.disconnect(slot)
        self._list_slots.clear()
        for layer_id in list(self._slots):
            for signal, slot in self._slots.pop(layer_id):
                signal.disconnect(slot)
