"""LayerList: the project's layers in panel order (first = drawn on top)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from psygnal.containers import EventedList

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.naming import unique_name


class LayerList(EventedList[VectorLayer]):
    """An evented list of layers; index 0 is the top of the layer panel.

    Listeners connect to ``events.inserted``, ``events.removed`` and
    ``events.moved`` (psygnal), which is how the layer panel and the canvas
    follow the model without the model knowing about them.
    """

    def __init__(self, data: Iterable[VectorLayer] = ()) -> None:
        # psygnal builds slices and copies through cls(iterable).
        super().__init__(data, hashable=True, child_events=False)

    def by_name(self, name: str) -> VectorLayer:
        """The first layer called ``name``."""
        for layer in self:
            if layer.name == name:
                return layer
        names = ", ".join(layer.name for layer in self) or "none"
        raise MapdeskError(f"No layer called '{name}' in the project (layers: {names})")

    def visible_bottom_up(self) -> Iterator[VectorLayer]:
        """Visible layers in drawing order: bottom of the panel first."""
        for layer in reversed(list(self)):
            if layer.visible:
                yield layer

    def unique_name(self, wanted: str) -> str:
        """``wanted``, or ``wanted (2)`` ... when that name is taken."""
        return unique_name(wanted, (layer.name for layer in self))
