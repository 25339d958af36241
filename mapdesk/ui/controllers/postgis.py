"""PostGIS in the window: Layer ▸ Add PostGIS Layer… and Layer ▸ Upload to PostGIS….

Adding hands the chosen tables' addresses to the layer loader (read in a
worker, Cancel in the status bar, like files), each with the part the dialog
chose (whole, the map's current view, a filter); that choice is remembered
for the rest of the session, as QGIS remembers its dialogs' last settings. Uploading runs
:func:`mapdesk.io.postgis.upload.upload_layer` in a worker with progress;
Cancel stops it between batches and the database is left as it was.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QWidget

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.io.postgis.upload import UploadResult, upload_layer
from mapdesk.io.postgis.uri import Bbox
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.controllers.layers import LayerLoadController
from mapdesk.ui.dialogs.postgis_browser import PostgisLayerDialog
from mapdesk.ui.dialogs.postgis_part import MapView, TablePart
from mapdesk.ui.dialogs.postgis_upload import PostgisUploadDialog, UploadRequest
from mapdesk.ui.loading import AddLayerRequest
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import ProgressCallback, Worker, WorkerPool, guarded_slot, report_exception


class PostgisController(WindowController):
    """Owns ``add_action`` (``actionAddPostgisLayer``, Ctrl+Shift+D) and ``upload_action``."""

    def __init__(
        self,
        panel: LayerPanel,
        loader: LayerLoadController,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
        project: Project,
        canvas: MapCanvas,
    ) -> None:
        super().__init__(parent_widget)
        self._project = project
        self._canvas = canvas
        #: The last choice of what part of a table to load (this session).
        self.table_part = TablePart()
        self._panel = panel
        self._loader = loader
        self._workers = workers
        self._status = status
        self._running: Worker | None = None
        #: The last finished upload (tests, scripts).
        self.last_upload: UploadResult | None = None
        self.add_action = self.make_action(
            "Add PostGIS &Layer…",
            "actionAddPostgisLayer",
            "Connect to a PostgreSQL/PostGIS database and add its tables as layers",
            self.open_add_dialog,
        )
        self.add_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.upload_action = self.make_action(
            "&Upload to PostGIS…",
            "actionUploadToPostgis",
            "Create a PostGIS table from the current layer: typed columns, CRS, primary key "
            "and spatial index, in one transaction",
            self.open_upload_dialog,
        )
        status.cancel_requested.connect(self.cancel)

    # --- add ------------------------------------------------------------------------
    @guarded_slot
    def open_add_dialog(self) -> None:
        """Show the connection and table browser; load what is chosen."""
        dialog = PostgisLayerDialog(
            self._workers, self.parent_widget(), self.map_view(), self.table_part
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.table_part = dialog.part()
            self.add_tables(dialog.uris(), self.table_part.label)

    def add_tables(self, uris: list[str], part: str | None = None) -> None:
        """Read each table in a worker and add it (the loader's progress and Cancel).

        ``part`` (``"in view"``, ``"filtered"``) goes in brackets after the layers' names.
        """
        for uri in uris:
            self._loader.load(AddLayerRequest(uri, part=part))

    def map_view(self) -> MapView:
        """The canvas's extent as a bbox in the map's CRS, or why it cannot be one."""
        if self._project.full_extent(visible_only=True) is None:
            return MapView(None, "The map shows nothing: add a layer (or show one) first")
        crs = self._project.crs
        authority = crs.to_authority() if crs is not None else None
        if authority is None:
            return MapView(
                None,
                "The map's CRS has no EPSG (or other authority) code, so its view cannot be "
                "placed on a table; set the project CRS to one that has",
            )
        xmin, ymin, xmax, ymax = self._canvas.view.extent
        return MapView(Bbox(xmin, ymin, xmax, ymax, ":".join(authority)))

    # --- upload ---------------------------------------------------------------------
    @guarded_slot
    def open_upload_dialog(self) -> None:
        """Ask where, then upload the current layer in a worker."""
        layer = self._panel.current_layer()
        if layer is None:
            self._status.showMessage("Choose the layer to upload in the Layers panel", 8000)
            return
        dialog = PostgisUploadDialog(layer, self._workers, self.parent_widget())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.upload(layer, dialog.request())

    def upload(self, layer: VectorLayer, request: UploadRequest) -> None:
        """Upload ``layer``'s features as ``request`` says, in a worker."""
        frame = layer.data.copy()  # edits made meanwhile do not reach a half-sent table
        target = f"{request.table}"
        self._status.show_task(f"Uploading {layer.name} to {target}…", 0)

        def work(progress: ProgressCallback) -> UploadResult:
            def sent(done: int, total: int) -> None:
                progress(round(100 * done / max(total, 1)), f"Uploaded {done:,} of {total:,}")

            return upload_layer(
                frame,
                request.database_uri,
                table=request.table,
                replace=request.replace,
                layer_name=layer.name,
                progress=sent,
            )

        self._running = self._workers.start(
            work,
            self._uploaded,
            self._failed,
            description=f"Uploading {layer.name} to {target}",
            progress=lambda percent, text: self._status.show_task(text, percent),
        )

    @guarded_slot
    def cancel(self) -> None:
        """Stop a running upload: its transaction is rolled back, nothing is left behind."""
        if self._running is None:
            return
        self._running.cancel()
        self._running = None
        self._status.end_task()
        self._status.showMessage("The upload was cancelled; the database is unchanged", 8000)

    def _uploaded(self, result: UploadResult) -> None:
        self._running = None
        self.last_upload = result
        self._status.end_task()
        notes = f" ({'; '.join(result.plan.notes)})" if result.plan.notes else ""
        self._status.showMessage(
            f"Uploaded {result.rows:,} features to {result.table}{notes}", 10000
        )

    def _failed(self, error: BaseException) -> None:
        self._running = None
        self._status.end_task()
        self._status.showMessage("The upload failed; the database is unchanged", 8000)
        report_exception(error, self.parent_widget())
