"""Analysis ▸ Cut Impact of Selected Spans, and Check Network Connectivity.

Cut impact: select the cut spans, see what goes dark.

The network graph is built from the project's own layers (found by their
fields) in a worker, and kept while those layers are unchanged (see
``NetworkDock``); the lost sites, towers and nodes are then selected on
the map, in their layers' selection colour, and listed in the Cut Impact
panel, as network staff would mark them on a printed map.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from mapdesk.core.analysis.network import CutImpact, NetworkGraph, cut_impact
from mapdesk.core.analysis.network.cache import NetworkFrames
from mapdesk.core.analysis.network.frames import in_service, text_column
from mapdesk.core.analysis.network.project_layers import NetworkLayers, network_layers
from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.controllers.network_dock import NetworkDock, select_by_id
from mapdesk.ui.views.cut_impact_panel import CutImpactPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import Worker, WorkerPool, guarded_slot, report_exception


@dataclass(frozen=True)
class _Asked:
    layers: NetworkLayers
    span_ids: tuple[str, ...]


class CutImpactController(WindowController):
    """Runs a cut-impact analysis on the selected spans and shows what is lost.

    Attributes
    ----------
    dock
        The Network panel's shared side (graph cache, zooming), also used by
        the Trace Network tool.
    """

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
        self.dock = NetworkDock(panel, project, canvas)
        self._panel = panel
        self._project = project
        self._workers = workers
        self._status = status
        actions.cut_impact.triggered.connect(self._on_cut_impact)
        actions.check_network.triggered.connect(self._on_check_network)

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
        return _Asked(layers, selected_span_ids(layers, "Cut Impact"))

    def start(self, layers: NetworkLayers, span_ids: tuple[str, ...]) -> Worker:
        """Build the graph (or reuse it) and cut it in a worker; show the result when it comes."""
        frames, graphs = NetworkFrames.of(layers), self.dock.graphs
        self._status.show_task(f"Cutting {', '.join(span_ids)}…", cancellable=False)
        return self._workers.start(
            lambda _progress: cut_impact(graphs.graph(frames), span_ids),
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
        """Build the graph (or reuse it) in a worker and list what is wrong in the data."""
        frames, graphs = NetworkFrames.of(layers), self.dock.graphs
        self._status.show_task("Checking the network's connectivity…", cancellable=False)
        return self._workers.start(
            lambda _progress: graphs.graph(frames),
            lambda network: self._show_problems(layers, network),
            self._failed,
            description="Checking the network",
        )

    def _show_problems(self, layers: NetworkLayers, network: NetworkGraph) -> None:
        self._status.end_task()
        self.dock.raise_panel(layers)
        self.dock.show_problems(network)
        count = len(network.problems)
        self._status.showMessage(
            f"Network checked: {count} problem{'s' if count != 1 else ''} in its data", 15000
        )

    def _show(self, layers: NetworkLayers, impact: CutImpact) -> None:
        self._status.end_task()
        self._panel.show_impact(impact)
        self.dock.raise_panel(layers)
        select_by_id(layers.nodes, "asset_id", impact.lost_nodes)
        if layers.sites is not None:
            select_by_id(layers.sites, "site_id", [p.place_id for p in impact.lost_sites])
        if layers.towers is not None:
            select_by_id(layers.towers, "site_id", [p.place_id for p in impact.lost_towers])
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

    def _failed(self, error: BaseException) -> None:
        self._status.end_task()
        report_exception(error, self.parent_widget())


def selected_span_ids(layers: NetworkLayers, command: str) -> tuple[str, ...]:
    """The asset ids of the spans selected in the span layer, for ``command``.

    Raises
    ------
    MapdeskError
        When no span is selected, saying how to select one, or when none of
        the selected spans has an id.
    """
    spans = layers.spans
    chosen = spans.data[spans.data.index.isin(spans.selected_fids)]
    if chosen.empty:
        raise MapdeskError(
            f"Select the cut span(s) in the '{spans.name}' layer first (Select Features "
            f"on the map, or in its attribute table), then run {command}."
        )
    # Read as the graph reads ids (stripped); a span with no id is not in the graph.
    ids = [span_id for span_id in text_column(chosen, "asset_id") if span_id]
    if not ids:
        which = "span selected in" if len(chosen) == 1 else f"{len(chosen)} spans selected in"
        have = "has" if len(chosen) == 1 else "have"
        raise MapdeskError(
            f"The {which} '{spans.name}' {have} no asset_id, so the network does not know "
            f"them: give them one in the attribute table, or select other spans, then "
            f"run {command}."
        )
    retired = [
        span_id
        for span_id, serving in zip(
            text_column(chosen, "asset_id"), in_service(chosen), strict=True
        )
        if span_id and not serving
    ]
    if retired:
        # Taken as a cut, a retired span would fail every trace click after this one.
        raise MapdeskError(
            f"{', '.join(dict.fromkeys(retired))} in '{spans.name}' "
            f"{'is' if len(retired) == 1 else 'are'} retired: out of service, so not part of "
            f"the network to cut. Deselect {'it' if len(retired) == 1 else 'them'}, "
            f"then run {command}."
        )
    return tuple(dict.fromkeys(ids))


def add_panel(window: QMainWindow, panel: CutImpactPanel) -> None:
    """Dock the panel at the right, hidden until a cut is analysed."""
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    panel.hide()
