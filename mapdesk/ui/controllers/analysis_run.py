"""What Radio Coverage and Boundary QA share: run in a worker, replace the result layers,
zoom to a row of the panel, export the files.

An analysis runs in a worker with its progress in the status bar and the
status bar's Cancel (as QGIS's task bar); a cancelled run adds nothing and
leaves the earlier result as it was. A finished run replaces the layers the
previous run of the same tool added (the ones still in the project), so
running it again with other choices never piles up stale results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
import shapely
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import Symbology
from mapdesk.core.view import padded_extent
from mapdesk.export.formats import ExportError
from mapdesk.export.result_layers import ResultLayer
from mapdesk.io.loader import load_layer
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.views.analysis_result_panel import AnalysisResultPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import ProgressCallback, Worker, WorkerPool, guarded_slot, report_exception

#: Writes the result's layers to a GeoPackage and its report to a JSON file,
#: never over the input files given.
FileWriter = Callable[[Path, Path, Sequence[Path]], object]


class AnalysisRun(WindowController):
    """The shared side of an analysis tool (subclassed per tool).

    Attributes
    ----------
    action
        The Analysis menu entry that opens the tool's dialog.
    layers
        The result layers the last finished run added.
    """

    #: The menu action's objectName, and its tool and status tip (set per tool).
    ACTION_NAME: str = ""
    TIP: str = ""

    def __init__(
        self,
        title: str,
        panel: AnalysisResultPanel,
        project: Project,
        canvas: MapCanvas,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self.title = title
        self.panel = panel
        self._project, self._canvas = project, canvas
        self._workers, self._status = workers, status
        self._running: Worker | None = None
        #: The run's last progress (percent, step): shown again after an export.
        self._step: tuple[int, str] = (0, "")
        self._writer: FileWriter | None = None
        self._sources: tuple[Path, ...] = ()
        self.layers: list[VectorLayer] = []
        #: Each result layer's name in the exported GeoPackage.
        self._file_names: dict[str, str] = {}
        self.action = QAction(f"{title}…", parent_widget)
        self.action.setObjectName(self.ACTION_NAME)
        self.action.setToolTip(self.TIP)
        self.action.setStatusTip(self.TIP)
        self.action.triggered.connect(guarded_slot(lambda _checked=False: self.open_dialog()))
        status.cancel_requested.connect(self.cancel)
        panel.export_requested.connect(guarded_slot(lambda: self.export_dialog()))
        panel.row_activated.connect(guarded_slot(self.zoom_to_row))

    # --- to be given by each tool --------------------------------------------------
    def open_dialog(self) -> None:
        raise NotImplementedError

    def zoom_to_row(self, key: Any) -> None:
        raise NotImplementedError

    # --- running ---------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running is not None

    def start(self, work: Callable[[ProgressCallback], Any], show: Callable[[Any], None]) -> Worker:
        """Run ``work`` in a worker with progress and Cancel; ``show`` its result."""
        if self._running is not None:
            self._running.cancel()  # a new run supersedes one still running
        self._show_progress(0, "")

        def finished(result: Any) -> None:
            self._running = None
            self._status.end_task()
            show(result)

        def failed(error: BaseException) -> None:
            self._running = None
            self._status.end_task()
            report_exception(error, self.parent_widget())

        worker = self._workers.start(
            work,
            guarded_slot(finished),
            failed,
            description=self.title,
            progress=self._show_progress,
        )
        self._running = worker
        return worker

    def _show_progress(self, percent: int, step: str) -> None:
        self._step = (percent, step)
        text = f"{self.title}: {step}…" if step else f"{self.title}…"
        self._status.show_task(text, percent, cancellable=True)

    def _task_over(self) -> None:
        """An export ended: the status bar shows the run still going on, if any, with Cancel."""
        if self._running is None:
            self._status.end_task()
        else:
            self._show_progress(*self._step)

    def cancel(self) -> None:
        """Stop the run (the status bar's Cancel): nothing is added, earlier results stay."""
        if self._running is None:
            return
        self._running.cancel()
        self._running = None
        self._status.end_task()
        self._status.showMessage(f"{self.title} cancelled; nothing was added", 8000)

    # --- result layers -----------------------------------------------------------------
    def replace_layers(
        self,
        results: Sequence[ResultLayer],
        names: dict[str, str],
        styles: dict[str, LayerStyle],
        symbologies: dict[str, Callable[[VectorLayer], Symbology]] | None = None,
    ) -> list[VectorLayer]:
        """Put ``results`` (the non-empty ones) in the project in place of the last run's.

        ``names`` gives each result layer its name in the project, ``styles``
        its style and ``symbologies`` (some of them) a function that classes
        its features. The first result goes at the bottom, the last on top.
        """
        for layer in self.layers:
            if layer in self._project.layers:
                self._project.remove_layer(layer)
        self._file_names = {}
        added = []
        for result in results:
            if result.frame.empty:
                continue
            layer = VectorLayer(result.frame, names[result.name], style=styles[result.name])
            classes = (symbologies or {}).get(result.name)
            if classes is not None:
                layer.symbology = classes(layer)
            added.append(self._project.add_layer(layer))
            self._file_names[layer.id] = result.name
        self.layers = added
        return added

    def layer_named(self, name: str) -> VectorLayer | None:
        """The last run's layer called ``name`` in the project (None: none had features)."""
        return next((x for x in self.layers if x.name == name), None)

    # --- zooming -----------------------------------------------------------------------
    def zoom_to_features(self, layer: VectorLayer | None, fids: Sequence[Any]) -> bool:
        """Zoom to features ``fids`` of ``layer`` and select them; False when none is there."""
        if layer is None or not self.still_open(layer):
            return False
        rows = np.flatnonzero(layer.data.index.isin(list(fids)))
        shapes = layer.projected(self._project.crs).geometries[rows]
        shapes = shapes[~(shapely.is_missing(shapes) | shapely.is_empty(shapes))]
        if len(shapes) == 0:
            return False
        xmin, ymin, xmax, ymax = (float(v) for v in shapely.total_bounds(shapes))
        extent = (xmin, ymin, xmax, ymax)
        self._canvas.zoom_to_extent(padded_extent(extent, 4 * self._project.min_view_span))
        layer.selection.apply(list(fids))
        return True

    def still_open(self, layer: VectorLayer) -> bool:
        """Whether ``layer`` is in the project; when not, the status bar says so.

        A row of the panel whose layer was removed (or another project opened)
        leaves the map where it is rather than zoom to where nothing is drawn.
        """
        if layer in self._project.layers:
            return True
        self._status.showMessage(
            f"'{layer.name}' was removed from the project: run {self.title} again "
            "to zoom to this row",
            10000,
        )
        return False

    # --- files ----------------------------------------------------------------------
    def offer_export(self, writer: FileWriter, sources: Sequence[VectorLayer]) -> None:
        """Let Export… write ``writer``'s files; ``sources`` are never overwritten."""
        self._writer = writer
        self._sources = tuple(Path(x.origin.path) for x in sources if x.origin is not None)

    def export_dialog(self) -> None:
        """Ask for the GeoPackage (the JSON report goes beside it) and write both."""
        if self._writer is None:
            return
        folder = self._project.path.parent if self._project.path is not None else Path.home()
        stem = self.title.lower().replace(" ", "-")
        chosen, _ = QFileDialog.getSaveFileName(
            self.parent_widget(),
            f"Export {self.title}",
            str(folder / f"{stem}.gpkg"),
            "GeoPackage (*.gpkg)",
        )
        if not chosen:
            return
        target = Path(chosen)
        if target.suffix.lower() != ".gpkg":
            target = target.with_name(f"{target.name}.gpkg")
        report = target.with_suffix(".json")
        self._refuse_project_files(target, report)
        if report.exists() and not self._may_replace(report):
            return
        self.export(target, report)

    def export(self, target: Path, report: Path) -> Worker | None:
        """Write the result's layers to ``target`` and its report to ``report`` in a worker.

        The result layers in the project (unless edited since) then read
        ``target``, so the project can be saved with them.
        """
        writer = self._writer
        if writer is None:
            return None
        self._refuse_project_files(target, report)
        sources = self._sources
        shown = [(x, self._file_names[x.id], x.data_version) for x in self.layers]
        self._status.show_task(f"Exporting {target.name}…", cancellable=False)

        def written(read_back: dict[str, VectorLayer]) -> None:
            self._task_over()
            for layer, name, version in shown:
                if layer.data_version == version and not layer.is_editing:
                    layer.replace_data(read_back[name].data)
                    layer.origin = read_back[name].origin
            self._status.showMessage(f"Wrote {target.name} and {report.name}", 10000)

        def failed(error: BaseException) -> None:
            self._task_over()
            report_exception(error, self.parent_widget())

        def work(_progress: ProgressCallback) -> dict[str, VectorLayer]:
            if any(_same(report, source) for source in sources):
                raise ExportError(f"{report.name} is an input of the analysis: choose another name")
            writer(target, report, sources)
            # The layers as written become the project's result layers (unless
            # edited since): their file is then this one, so the project saves.
            return {name: load_layer(str(target), name) for _layer, name, _v in shown}

        return self._workers.start(work, written, failed, description=f"Exporting {target}")

    def _refuse_project_files(self, *paths: Path) -> None:
        """Refuse to write over the file of a layer in the project (an input or not).

        Last week's export opened to annotate, or a GeoJSON layer named like
        the report: replacing it would pull the file from under the layer,
        and saving that layer's edits would then write into the new file.
        """
        for layer in self._project.layers:
            origin = layer.origin
            held = next((p for p in paths if origin and _same(p, Path(origin.path))), None)
            if held is not None:
                raise ExportError(
                    f"{held.name} holds layer '{layer.name}' of the project: writing the "
                    "result would replace it under that layer; choose another name"
                )

    def _may_replace(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self.parent_widget(),
            f"Export {self.title}",
            f"{path.name} exists. Replace it with this report?",
        )
        return answer == QMessageBox.StandardButton.Yes


@overload
def snapshot(layer: VectorLayer) -> VectorLayer: ...


@overload
def snapshot(layer: None) -> None: ...


def snapshot(layer: VectorLayer | None) -> VectorLayer | None:
    """``layer``'s features as they are now, for a worker to read (None stays None).

    Taken in the UI thread when the run starts, so the run measures every
    layer as it was at OK, not some before and some after an edit the user
    makes while it runs (the worker reads the layers one after the other,
    a raster in between). An edit swaps in a new frame and never changes one
    in place, so the frame is shared, not copied.
    """
    if layer is None:
        return None
    return VectorLayer(layer.data, layer.name, origin=layer.origin)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
