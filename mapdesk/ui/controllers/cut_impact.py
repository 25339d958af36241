"""Analysis ▸ Cut Impact of Selected Spans, and Check Network Connectivity.

Cut impact: select the cut spans, see what goes dark.

The network graph is built from the project's own layers (found by their
fields) in a worker; the lost sites, towers and nodes are then selected on
the map, in their layers' selection colour, and listed in the Cut Impact
panel, as network staff would mark them on a printed map.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pyproj import CRS
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from mapdesk.core.analysis.network import (
    CutImpact,
    NetworkGraph,
    NetworkProblem,
    build_network_graph,
    cut_impact,
)
from mapdesk.core.analysis.network.project_layers import NetworkLayers, network_layers
from mapdesk.core.crs import transform_xy
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.view import padded_extent
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.views.cut_impact_panel import CutImpactPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import Worker, WorkerPool, guarded_slot, report_exception


@dataclass(frozen=True)
class _Asked:
    layers: NetworkLayers
    span_ids: tuple[str, ...]


class CutImpactController(WindowController):
    """Runs a cut-impact analysis on the selected spans and shows what is lost."""

    def __init__(
        self,
        panel: CutImpactPanel,
        project: Project,
        canvas: MapCanvas,
        actions: MapActions,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._panel = panel
        self._project = project
        self._canvas = canvas
        self._workers = workers
        self._status = status
        self._layers: NetworkLayers | None = None
        self._problems: tuple[NetworkProblem, ...] = ()
        self._problem_crs: CRS | None = None
        actions.cut_impact.triggered.connect(self._on_cut_impact)
        actions.check_network.triggered.connect(self._on_check_network)
        panel.place_activated.connect(self.zoom_to_place)
        panel.problem_activated.connect(self.zoom_to_problem)

    @guarded_slot
    def _on_cut_impact(self) -> None:
        try:
            asked = self._asked()
        except MapdeskError as exc:
            QMessageBox.information(self.parent_widget(), "Cut Impact", str(exc))
            return
        self.start(asked.layers, asked.span_ids)

    def _asked(self) -> _Asked:
        layers = network_layers(self._project)
        spans = layers.spans
        chosen = spans.data.loc[spans.data.index.isin(spans.selected_fids), "asset_id"]
        if chosen.empty:
            raise MapdeskError(
                f"Select the cut span(s) in the '{spans.name}' layer first (Select Features "
                "on the map, or in its attribute table), then run Cut Impact."
            )
        return _Asked(layers, tuple(str(value) for value in chosen))

    def start(self, layers: NetworkLayers, span_ids: tuple[str, ...]) -> Worker:
        """Build the graph and cut it in a worker; show the result when it comes."""
        frames = (
            layers.nodes.data,
            layers.spans.data,
            layers.sites.data if layers.sites is not None else None,
            layers.towers.data if layers.towers is not None else None,
        )
        self._status.show_task(f"Cutting {', '.join(span_ids)}…", cancellable=False)

        def work(_progress: object) -> CutImpact:
            network = build_network_graph(frames[0], frames[1], sites=frames[2], towers=frames[3])
            return cut_impact(network, span_ids)

        return self._workers.start(
            work,
            lambda impact: self._show(layers, impact),
            self._failed,
            description=f"Cut impact of {', '.join(span_ids)}",
        )

    @guarded_slot
    def _on_check_network(self) -> None:
        try:
            layers = network_layers(self._project)
        except MapdeskError as exc:
            QMessageBox.information(self.parent_widget(), "Check Network", str(exc))
            return
        self.check(layers)

    def check(self, layers: NetworkLayers) -> Worker:
        """Build the graph in a worker and list what is wrong in the network's data."""
        nodes, spans = layers.nodes.data, layers.spans.data
        self._status.show_task("Checking the network's connectivity…", cancellable=False)
        return self._workers.start(
            lambda _progress: build_network_graph(nodes, spans),
            self._show_problems,
            self._failed,
            description="Checking the network",
        )

    def _show_problems(self, network: NetworkGraph) -> None:
        self._status.end_task()
        self._problems, self._problem_crs = network.problems, network.crs
        self._panel.show_problems(network.problems)
        self._panel.show()
        self._panel.raise_()
        count = len(network.problems)
        self._status.showMessage(
            f"Network checked: {count} connectivity problem{'s' if count != 1 else ''}", 15000
        )

    def zoom_to_problem(self, index: int) -> None:
        """Zoom to where a listed problem is (a dangling end, an isolated node...)."""
        if not 0 <= index < len(self._problems):
            return
        where = self._problems[index].location
        if where is None:
            return
        x, y = where
        if self._problem_crs is not None and self._project.crs is not None:
            xs, ys = transform_xy([x], [y], self._problem_crs, self._project.crs)
            x, y = float(xs[0]), float(ys[0])
        span = 2 * self._project.min_view_span
        self._canvas.zoom_to_extent((x - span, y - span, x + span, y + span))

    def _show(self, layers: NetworkLayers, impact: CutImpact) -> None:
        self._status.end_task()
        self._layers = layers
        self._panel.show_impact(impact)
        self._panel.show()
        self._panel.raise_()
        _select(layers.nodes, "asset_id", impact.lost_nodes)
        if layers.sites is not None:
            _select(layers.sites, "site_id", tuple(p.place_id for p in impact.lost_sites))
        if layers.towers is not None:
            _select(layers.towers, "site_id", tuple(p.place_id for p in impact.lost_towers))
        psap = (
            "no 9-1-1 centre found in the sites"
            if impact.psap is None
            else "the 9-1-1 centre is CUT OFF"
            if impact.psap_cut_off
            else "9-1-1 centre connected"
        )
        sites, towers = len(impact.lost_sites), len(impact.lost_towers)
        self._status.showMessage(
            f"Cut {', '.join(impact.cut_spans)}: {sites} site{'s' if sites != 1 else ''} and "
            f"{towers} tower{'s' if towers != 1 else ''} lost; {psap}",
            15000,
        )

    def zoom_to_place(self, kind: str, place_id: str) -> None:
        """Zoom to a lost site or tower listed in the panel."""
        if self._layers is None:
            return
        layer = self._layers.sites if kind == "site" else self._layers.towers
        if layer is None:
            return
        rows = np.flatnonzero(layer.data["site_id"].astype(str).to_numpy() == place_id)
        if len(rows):
            geometries = layer.projected(self._project.crs).geometries[rows]
            xmin = min(g.bounds[0] for g in geometries)
            ymin = min(g.bounds[1] for g in geometries)
            xmax = max(g.bounds[2] for g in geometries)
            ymax = max(g.bounds[3] for g in geometries)
            extent = padded_extent((xmin, ymin, xmax, ymax), 4 * self._project.min_view_span)
            self._canvas.zoom_to_extent(extent)

    def _failed(self, error: BaseException) -> None:
        self._status.end_task()
        report_exception(error, self.parent_widget())


def _select(layer: VectorLayer, id_field: str, ids: Iterable[str]) -> None:
    """Select the features of ``layer`` whose ``id_field`` is one of ``ids``."""
    if id_field not in layer.data.columns:
        return
    chosen = layer.data.index[layer.data[id_field].astype(str).isin(set(ids))]
    layer.selection.apply(chosen)


def add_panel(window: QMainWindow, panel: CutImpactPanel) -> None:
    """Dock the panel at the right, hidden until a cut is analysed."""
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    panel.hide()
