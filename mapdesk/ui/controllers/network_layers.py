"""Layer ▸ Create Layer ▸ New Network Layers…: empty node and span layers, ready to edit.

The layers are written (both or neither, io.network_gpkg) and read back in a
worker, added to the project in the city's network styles, and put in edit
mode with the node layer current: the next click with Add Feature draws a
node, with the asset templates in its form. A layer of the same name in the
file is replaced only when the user says so, and never while the project
shows it.
"""

from __future__ import annotations

from pathlib import Path

from pyproj import CRS
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QWidget

from mapdesk.core.analysis.network.assets import ASSET_LAYERS, network_crs
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.style_library import LIBRARY
from mapdesk.io.loader import load_layer
from mapdesk.io.network_gpkg import create_network_layers
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.controllers.editing import EditingController
from mapdesk.ui.controllers.layer_targets import ask_to_replace
from mapdesk.ui.dialogs.new_network_layers import NetworkLayersRequest, NewNetworkLayersDialog
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import Worker, WorkerPool, guarded_slot, report_exception


class NetworkLayersController(WindowController):
    """Owns ``action`` (objectName ``actionNewNetworkLayers``) that creates the layers."""

    def __init__(
        self,
        project: Project,
        panel: LayerPanel,
        editing: EditingController,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._project, self._panel, self._editing = project, panel, editing
        self._workers, self._status = workers, status
        self.action = QAction("New &Network Layers…", parent_widget)
        self.action.setObjectName("actionNewNetworkLayers")
        tip = (
            "Create empty network node and span layers in a GeoPackage, with coded types and "
            "statuses and templates for new assets"
        )
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(guarded_slot(lambda _checked=False: self.open_dialog()))
        #: The layers last added (tests, scripts).
        self.last_layers: tuple[VectorLayer, VectorLayer] | None = None

    def open_dialog(self) -> None:
        dialog = NewNetworkLayersDialog(
            self._default_path(), self._default_crs(), self.parent_widget()
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        request = dialog.request()
        replacing = self._replacing(request)
        if replacing is not None:
            self.start(request, replacing)

    def _default_path(self) -> Path:
        folder = self._project.path.parent if self._project.path else Path.home()
        return folder / "network.gpkg"

    def _default_crs(self) -> CRS:
        view = self._project.view
        where = (view.center_x, view.center_y) if view is not None else None
        return network_crs(self._project.crs, where)

    def _replacing(self, request: NetworkLayersRequest) -> bool | None:
        """Whether layers of those names are to be replaced; None: the user said no."""
        return ask_to_replace(
            self._project,
            self.parent_widget(),
            "New Network Layers",
            request.path,
            (request.nodes, request.spans),
        )

    def start(self, request: NetworkLayersRequest, replace_layers: bool = False) -> Worker:
        """Write and read back the layers in a worker; add them when done."""
        self._status.show_task(
            f"Creating network layers in {request.path.name}…", cancellable=False
        )

        def work(_progress: object) -> tuple[VectorLayer, VectorLayer]:
            written = create_network_layers(
                request.path, request.crs, request.nodes, request.spans, replace_layers
            )
            path = str(written.path)
            return load_layer(path, written.nodes), load_layer(path, written.spans)

        return self._workers.start(
            work,
            self._add,
            self._failed,
            description=f"Creating network layers in {request.path}",
        )

    def _add(self, layers: tuple[VectorLayer, VectorLayer]) -> None:
        self._status.end_task()
        nodes, spans = layers
        for layer, model in ((spans, ASSET_LAYERS["span"]), (nodes, ASSET_LAYERS["node"])):
            layer.style = LIBRARY[model.title]
            self._project.add_layer(layer)  # spans first: nodes are drawn over them
            self._editing.start_editing(layer)
        self._panel.select_layer(nodes)
        self.last_layers = (nodes, spans)
        self._status.showMessage(
            f"Added {nodes.name} and {spans.name}, in edit mode: Add Feature (Ctrl+.) draws a "
            "node; choose a template in its form",
            10000,
        )

    def _failed(self, error: BaseException) -> None:
        self._status.end_task()
        report_exception(error, self.parent_widget())
