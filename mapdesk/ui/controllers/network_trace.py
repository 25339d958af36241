"""Analysis ▸ Trace Network (Ctrl+Shift+T), and Trace with Selected Spans Cut.

Click on or near a network node: everything it reaches through the spans in
service is outlined in red, selected in the node, span, site and tower
layers, and listed in the Network panel (counts, span length, whether the
core and the 9-1-1 centre are reached, the sites and towers).

"Trace with Selected Spans Cut" takes the spans selected at that moment as
cut for the clicks that follow (drawn dashed on the map): the trace's own
selection of spans must not turn into the next trace's cuts. Choosing Trace
Network again traces with nothing cut.

The graph is built in a worker on the first click and kept while the
network layers' features are unchanged (the Network panel's cache), so the
clicks after it only search the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from mapdesk.core.analysis.network import NetworkGraph, Trace, trace
from mapdesk.core.analysis.network.cache import NetworkFrames, NetworkGraphCache
from mapdesk.core.analysis.network.frames import rows_with_ids
from mapdesk.core.analysis.network.picking import NodePick, pick_node
from mapdesk.core.analysis.network.places import node_label
from mapdesk.core.analysis.network.project_layers import NetworkLayers, network_layers
from mapdesk.core.errors import MapdeskError
from mapdesk.core.measure import format_length
from mapdesk.core.project import Project
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.canvas.trace_tool import PICK_RADIUS_PX, TRACE_TOOL, TraceTool
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.controllers.cut_impact import selected_span_ids
from mapdesk.ui.controllers.network_dock import NetworkDock, select_by_id
from mapdesk.ui.layer_watch import LayerWatcher
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import WorkerPool, guarded_slot, report_exception

_MESSAGE_MS = 15000


@dataclass(frozen=True)
class TraceAnswer:
    """What one click found: the node picked and, when there was one, its trace."""

    pick: NodePick
    trace: Trace | None
    start_label: str = ""


class TraceController(WindowController):
    """Owns the trace tool; traces in a worker and shows the answer.

    Signals
    -------
    trace_ready(TraceAnswer)
        A click was answered (with a trace, or with no node near).
    """

    trace_ready = Signal(object)

    def __init__(
        self,
        dock: NetworkDock,
        project: Project,
        canvas: MapCanvas,
        actions: MapActions,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._dock, self._project, self._canvas = dock, project, canvas
        self._workers, self._status, self._actions = workers, status, actions
        self._serial = 0
        #: The spans taken as cut by the clicks (set by Trace with Selected Spans Cut).
        self.cut_spans: tuple[str, ...] = ()
        self.last_answer: TraceAnswer | None = None
        #: The network layers the cuts and the marks on the map come from.
        self._marked: NetworkLayers | None = None
        self._watcher = LayerWatcher(project.layers, (), lambda _layer: None)
        for event in ("batch_removed", "changed"):
            self._watcher.connect_list(event, self._on_layers_removed)
        self.tool = TraceTool(canvas, self.trace_at)
        canvas.add_tool(self.tool)
        actions.trace_network.triggered.connect(guarded_slot(lambda _c=False: self.activate()))
        actions.trace_with_cuts.triggered.connect(
            guarded_slot(lambda _c=False: self.activate_with_cuts())
        )
        canvas.map_tool_changed.connect(self._on_tool_changed)

    def shutdown(self) -> None:
        """Let go of the project's layers (the window is closing)."""
        self._watcher.close()

    def activate(self, cut_spans: tuple[str, ...] = ()) -> None:
        """Make the trace tool the canvas's tool, with ``cut_spans`` taken as cut."""
        self.cut_spans = cut_spans
        self._canvas.set_map_tool(TRACE_TOOL)
        self._actions.trace_network.setChecked(True)
        try:
            self._marked = network_layers(self._project)
        except MapdeskError:
            self._marked = None  # the first click says what is missing
        crs = self._project.crs
        self.tool.mark(None, self._cut_lines(self._marked, crs), crs)
        cut = f" with {', '.join(cut_spans)} cut" if cut_spans else ""
        self._status.showMessage(
            f"Trace Network{cut}: click a network node (a site, switch, splice closure, "
            "tower...) to see all it reaches",
            _MESSAGE_MS,
        )

    def activate_with_cuts(self) -> None:
        """Take the spans selected now as cut and activate the trace tool."""
        title = "Trace with Selected Spans Cut"
        try:
            cut = selected_span_ids(network_layers(self._project), title)
        except MapdeskError as exc:
            QMessageBox.information(self.parent_widget(), title, str(exc))
            return
        self.activate(cut)

    def _on_layers_removed(self, *_args: Any) -> None:
        """The node or span layer the cuts and marks came from is gone: drop them.

        Left in place, the ring and dashed cuts would mark a network no longer
        on the map, and every click would fail on cut spans it no longer has
        (or, in the next project opened, cut spans that merely share an id).
        """
        marked = self._marked
        if marked is None or self._in_project(marked):
            return
        had_cuts = bool(self.cut_spans)
        self._marked, self.cut_spans = None, ()
        self.tool.mark(None, [], self._project.crs)
        self._status.showMessage(
            "Trace Network: the network's layers were removed"
            + (", so no span is taken as cut any more" if had_cuts else ""),
            _MESSAGE_MS,
        )

    def _in_project(self, layers: NetworkLayers) -> bool:
        """Whether the node and span layers of ``layers`` are still in the project."""
        return layers.nodes in self._project.layers and layers.spans in self._project.layers

    def _on_tool_changed(self, name: str) -> None:
        self._actions.trace_network.setChecked(name == TRACE_TOOL)

    def trace_at(self, x: float, y: float) -> None:
        """Trace from the in-service node nearest to map position (x, y), in a worker."""
        try:
            layers = network_layers(self._project)
        except MapdeskError as exc:
            QMessageBox.information(self.parent_widget(), "Trace Network", str(exc))
            return
        self._serial += 1
        serial, frames, graphs = self._serial, NetworkFrames.of(layers), self._dock.graphs
        # The click's CRS and pixel size are taken now: the view may change before the worker runs.
        crs, tolerance = self._project.crs, PICK_RADIUS_PX * self._canvas.view.resolution
        cut = self.cut_spans
        building = graphs.cached(frames) is None
        self._status.show_task(
            "Building the network graph…" if building else "Tracing…", cancellable=False
        )
        self._workers.start(
            lambda _progress: _trace_near(graphs, frames, (x, y), crs, tolerance, cut),
            lambda answer: self._show(serial, layers, answer, crs),
            lambda error: self._fail(serial, error),
            description="Trace Network",
        )

    @guarded_slot
    def _show(self, serial: int, layers: NetworkLayers, answer: TraceAnswer, crs: Any) -> None:
        if serial != self._serial:
            return  # a newer click is on its way
        self._status.end_task()
        if not self._in_project(layers):
            return  # removed while the worker ran: nothing of it to mark or select
        self.last_answer = answer
        found = answer.trace
        if found is None:
            self._status.showMessage(_nothing_near(answer.pick), _MESSAGE_MS)
        else:
            self._show_trace(layers, answer, found, crs)
        self.trace_ready.emit(answer)

    def _show_trace(
        self, layers: NetworkLayers, answer: TraceAnswer, found: Trace, crs: Any
    ) -> None:
        """Show a trace; ``crs`` is the map CRS of the click (the picked node's position
        is in it: when the map's CRS changed meanwhile, the marks wait for the next trace)."""
        self._dock.panel.show_trace(found, answer.start_label)
        self._dock.raise_panel(layers)
        self._select_and_highlight(layers, found)
        self._marked = layers
        self.tool.mark(answer.pick.xy, self._cut_lines(layers, crs), crs)
        self._status.showMessage(trace_summary(found), _MESSAGE_MS)

    def _select_and_highlight(self, layers: NetworkLayers, found: Trace) -> None:
        crs = self._project.crs
        nodes = select_by_id(layers.nodes, "asset_id", found.node_ids, in_service_only=True)
        spans = select_by_id(layers.spans, "asset_id", found.span_ids, in_service_only=True)
        if layers.sites is not None:
            select_by_id(layers.sites, "site_id", [p.place_id for p in found.sites])
        if layers.towers is not None:
            select_by_id(layers.towers, "site_id", [p.place_id for p in found.towers])
        self._canvas.set_highlight(
            [
                *layers.spans.projected(crs).geometries[spans],
                *layers.nodes.projected(crs).geometries[nodes],
            ]
        )

    def _cut_lines(self, layers: NetworkLayers | None, crs: Any) -> list[Any]:
        """The cut spans' geometries in map CRS ``crs`` (none without cuts or a network)."""
        if not self.cut_spans or layers is None:
            return []
        spans = layers.spans
        rows = rows_with_ids(spans.data, "asset_id", self.cut_spans)
        return list(spans.projected(crs).geometries[rows])

    def _fail(self, serial: int, error: BaseException) -> None:
        if serial != self._serial:
            return
        self._status.end_task()
        report_exception(error, self.parent_widget())


def _trace_near(
    graphs: NetworkGraphCache,
    frames: NetworkFrames,
    xy: tuple[float, float],
    crs: Any,
    tolerance: float,
    cut: tuple[str, ...],
) -> TraceAnswer:
    """The work of one click (in a worker): the graph, the node picked, its trace."""
    network: NetworkGraph = graphs.graph(frames)
    pick = pick_node(network, frames.nodes, xy, crs, tolerance)
    if pick.node_id is None:
        return TraceAnswer(pick, None)
    return TraceAnswer(pick, trace(network, pick.node_id, cut), node_label(network, pick.node_id))


def _nothing_near(pick: NodePick) -> str:
    if pick.retired_id is not None:
        return (
            f"Node {pick.retired_id} here is retired (not in service): it carries no traffic, "
            "so there is nothing to trace from it"
        )
    return (
        f"No network node in service within {PICK_RADIUS_PX:g} pixels of the click: click on "
        "a node (a site, switch, splice closure, tower...) to trace from it"
    )


def trace_summary(found: Trace) -> str:
    """One status-bar line: what the trace reached, the core and the 9-1-1 centre."""
    spans = len(found.span_ids)
    parts = [
        f"Traced from {found.start}"
        + (f" with {', '.join(found.cut_spans)} cut" if found.cut_spans else "")
        + f": {len(found.node_ids)} node{'s' if len(found.node_ids) != 1 else ''}, "
        f"{spans} span{'s' if spans != 1 else ''} ({format_length(found.length_m, 'km')})"
    ]
    if found.core_reached is not None:
        parts.append("core reached" if found.core_reached else "core NOT reached")
    if found.psap_reached is not None:
        parts.append("9-1-1 centre reached" if found.psap_reached else "9-1-1 centre NOT reached")
    return "; ".join(parts)
