"""Repair Data Source: point a layer whose file was not found at its new place.

A project whose file moved opens with that layer flagged (no features, its
saved style kept). Choosing the file reads it in a worker and puts the layer,
with everything the project saved about it, in the flagged one's place.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.serialize import read_repaired
from mapdesk.io.registry import supported_file_filter
from mapdesk.ui.actions import MapActions
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import WorkerPool, guarded_slot, report_exception


class RepairController(WindowController):
    """Repairs the current layer's source (Layer panel ▸ right-click ▸ Repair Data Source…)."""

    def __init__(
        self,
        panel: LayerPanel,
        project: Project,
        actions: MapActions,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._panel = panel
        self._project = project
        self._workers = workers
        self._status = status
        actions.repair_source.triggered.connect(self._on_repair)

    @guarded_slot
    def _on_repair(self) -> None:
        layer = self._panel.current_layer()
        if layer is not None and layer.unavailable is not None:
            self.ask_and_repair(layer)

    def ask_and_repair(self, layer: VectorLayer) -> None:
        old = Path(layer.origin.path) if layer.origin is not None else Path.home()
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget(),
            f"Repair Data Source — {layer.name} (was {old.name})",
            str(_nearest_folder(old) / old.name),
            supported_file_filter(),
        )
        if path:
            self.repair(layer, Path(path))

    def repair(self, layer: VectorLayer, source: Path) -> None:
        """Read ``source`` in a worker; put the layer in the flagged one's place."""
        self._status.showMessage(f"Reading {source.name} for {layer.name}…")
        self._workers.start(
            lambda _progress: read_repaired(self._project, layer, source),
            lambda repaired: self._replace(layer, repaired),
            lambda error: report_exception(error, self.parent_widget()),
            description=f"Reading {source.name}",
        )

    def _replace(self, layer: VectorLayer, repaired: VectorLayer) -> None:
        layers = self._project.layers
        if layer not in layers:  # removed meanwhile
            return
        layers[layers.index(layer)] = repaired
        self._panel.select_layer(repaired)
        self._status.showMessage(f"{repaired.name} now reads {repaired.origin.path}", 8000)


def _nearest_folder(path: Path) -> Path:
    """The deepest folder of ``path`` that still exists (where the file probably went)."""
    for folder in path.parents:
        if folder.is_dir():
            return folder
    return Path.home()
