"""What "add a layer" reads, as plain functions run in workers (no widgets here).

Files the user adds are listed and read in the reader sandbox
(:mod:`mapdesk.io.sandbox`): a reader that crashes, hangs or runs out of
memory gives a message naming the file, and Cancel kills the reading process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.serialize import PROJECT_SUFFIX
from mapdesk.io.csv_layout import CsvLayout, detect_csv_layout
from mapdesk.io.loader import layer_from_read
from mapdesk.io.paths import user_source
from mapdesk.io.postgis.uri import PostgisUri, is_postgis_uri
from mapdesk.io.qgis_project import is_qgis_project
from mapdesk.io.sandbox import CheckCallback, list_user_layers, read_user_layer
from mapdesk.io.sources import LayerInfo
from mapdesk.ui.workers import ProgressCallback

CSV_SUFFIXES = frozenset({".csv", ".tsv"})


@dataclass(frozen=True)
class FileInspection:
    """What a file holds: its layers and, for a CSV, the detected layout."""

    path: str
    layers: tuple[LayerInfo, ...]
    csv_layout: CsvLayout | None = None

    @property
    def needs_choice(self) -> bool:
        """True when the user must choose layers or confirm a CSV layout.

        Every CSV is confirmed, even when its geometry columns were detected:
        a guess about lat/lon, x/y or WKT columns is the user's to accept.
        """
        return len(self.layers) > 1 or self.csv_layout is not None


@dataclass(frozen=True)
class AddLayerRequest:
    """Read these layers of ``path`` (None: its only layer), CSV with ``csv_layout``.

    ``part`` says which part of the source the address reads (``"in view"``,
    ``"filtered"``): it is added in brackets to each layer's name, so a
    partial load is not mistaken for the whole table. ``encoding``: a
    shapefile's text encoding as the user chose it.
    """

    path: str
    layers: tuple[str, ...] | None = None
    csv_layout: CsvLayout | None = None
    part: str | None = None
    encoding: str | None = None

    @property
    def file_name(self) -> str:
        """What the status bar calls the source: the file's name, or a PostGIS table's."""
        if is_postgis_uri(self.path):
            try:
                table = PostgisUri.parse(self.path).table
            except MapdeskError:
                table = None
            if table is not None:
                return f"{table} ({self.part})" if self.part else str(table)
        return Path(self.path).name


def is_project_file(path: str | Path) -> bool:
    """A mapdesk or QGIS project (opened as a project, not read as a layer)."""
    return Path(path).suffix.lower() == PROJECT_SUFFIX or is_qgis_project(path)


def is_csv_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in CSV_SUFFIXES


def inspect_file(path: str, progress: ProgressCallback | None = None) -> FileInspection:
    """List the layers of ``path`` (and detect a CSV's layout); run in a worker."""
    check = None
    if progress is not None:
        message = f"Reading the layer list of {Path(path).name}"
        progress(-1, message)
        check = _cancel_check(progress, -1, message)
    source = user_source(path)  # a web address or pasted text is refused before any read
    layout = detect_csv_layout(source) if is_csv_file(source) else None
    return FileInspection(path, tuple(list_user_layers(source, check=check)), layout)


def default_request(inspection: FileInspection) -> AddLayerRequest:
    """Every layer of the file, with the detected CSV layout."""
    names = tuple(info.name for info in inspection.layers)
    return AddLayerRequest(
        inspection.path, names if len(names) > 1 else None, inspection.csv_layout
    )


def read_request(request: AddLayerRequest, progress: ProgressCallback) -> list[VectorLayer]:
    """Read the requested layers, top of the file first; run in a worker."""
    names: tuple[str | None, ...] = request.layers or (None,)
    layers = []
    for i, name in enumerate(names):
        label = f"{request.file_name} ▸ {name}" if name else request.file_name
        # A cancelled worker's progress callback raises: the check between layers.
        percent = round(100 * i / len(names))
        progress(percent, f"Reading {label}")
        result = read_user_layer(
            user_source(request.path),
            name,
            csv_layout=request.csv_layout,
            encoding=request.encoding,
            check=_cancel_check(progress, percent, f"Reading {label}"),
        )
        layer = layer_from_read(result)
        if request.part:
            layer.name = f"{layer.name} ({request.part})"
        layers.append(layer)
    progress(100, f"Read {request.file_name}")
    return layers


def _cancel_check(progress: ProgressCallback, percent: int, message: str) -> CheckCallback:
    """What a sandboxed read calls while it waits: the progress callback of a
    cancelled worker raises, and the sandbox then kills the reading process."""
    return lambda: progress(percent, message)
