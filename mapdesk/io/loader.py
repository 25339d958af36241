"""Turns a path into VectorLayers for the core Project (its registered loader)."""

from __future__ import annotations

from pathlib import Path

from mapdesk.core.layer import LayerOrigin, VectorLayer
from mapdesk.core.style import default_style
from mapdesk.io.registry import list_layers, read_layer
from mapdesk.io.sources import LayerRead

#: Passed as ``layer`` to ask for every layer of a file.
ALL_LAYERS = "*"


def load_layers(path: str, layer: str | None) -> list[VectorLayer]:
    """Read one named layer, the only layer, or (``"*"``) all layers of ``path``.

    With ``layer=None`` on a multi-layer file, :func:`read_layer` raises a
    LayerNotFoundError that lists the layers, so the caller can ask.
    """
    if layer == ALL_LAYERS:
        names = [info.name for info in list_layers(path)]
        return [_to_layer(read_layer(path, name), i) for i, name in enumerate(names)]
    return [_to_layer(read_layer(path, layer), 0)]


def _to_layer(result: LayerRead, index: int) -> VectorLayer:
    source = result.source
    origin = LayerOrigin(source.path, source.layer, source.driver, source.reader)
    name = Path(source.layer or source.path).stem
    layer = VectorLayer(result.frame, name=name, origin=origin, warnings=result.warnings)
    # Cycle the palette by the layer's position in its file so that sibling
    # layers read at once are told apart.
    layer.style = default_style(layer.geometry_type, index)
    return layer
