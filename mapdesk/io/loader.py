"""Turns a path into VectorLayers for the core Project (its registered loader)."""

from __future__ import annotations

from pathlib import Path

from mapdesk.core.collector import keep_out_of_collections
from mapdesk.core.layer import LayerOrigin, VectorLayer
from mapdesk.io.csv_layout import CsvLayout
from mapdesk.io.paths import user_source
from mapdesk.io.registry import list_layers, read_layer
from mapdesk.io.sandbox import read_user_layer
from mapdesk.io.sources import LayerRead

#: Passed as ``layer`` to ask for every layer of a file.
ALL_LAYERS = "*"


def load_layers(path: str, layer: str | None, encoding: str | None = None) -> list[VectorLayer]:
    """Read one named layer, the only layer, or (``"*"``) all layers of ``path``.

    With ``layer=None`` on a multi-layer file, :func:`read_layer` raises a
    LayerNotFoundError that lists the layers, so the caller can ask.
    ``encoding``: a shapefile's text encoding as the user chose it.
    """
    if layer == ALL_LAYERS:
        names = [info.name for info in list_layers(path)]
        return [load_layer(path, name) for name in names]
    return [load_layer(path, layer, encoding=encoding)]


def load_layer(
    path: str,
    layer: str | None,
    csv_layout: CsvLayout | None = None,
    encoding: str | None = None,
) -> VectorLayer:
    """Read one layer of ``path`` (a CSV with a confirmed layout) into a VectorLayer."""
    return layer_from_read(read_layer(path, layer, csv_layout=csv_layout, encoding=encoding))


def load_user_layer(path: str, layer: str | None, encoding: str | None = None) -> VectorLayer:
    """Read a layer of a file the user named (the CLI) in the reader sandbox.

    A reader crash, hang or out-of-memory ends the child process, not the
    caller's (see :mod:`mapdesk.io.sandbox`); PostGIS tables are read in process.
    ``encoding`` is a shapefile's text encoding when the user chose one.
    """
    return layer_from_read(read_user_layer(user_source(path), layer, encoding=encoding))


def layer_from_read(result: LayerRead) -> VectorLayer:
    """A VectorLayer from what a reader returned; the Project gives it a style."""
    source = result.source
    origin = LayerOrigin(source.path, source.layer, source.driver, source.reader, source.encoding)
    # A table or folder name is kept whole ("Zones v1.2"); only file names and
    # zip members lose their extension.
    name = source.layer if source.layer and not _is_file_name(source.layer) else None
    name = name or Path(source.layer or source.path).stem
    layer = VectorLayer(result.frame, name=name, origin=origin, warnings=result.warnings)
    keep_out_of_collections(len(result.frame))  # its geometries live as long as it
    return layer


def _is_file_name(layer: str) -> bool:
    return "/" in layer or Path(layer).suffix.lower() in {".shp", ".dbf", ".geojson", ".json"}
