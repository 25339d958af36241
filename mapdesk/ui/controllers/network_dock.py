"""The Network dock's shared side: the graph cache, showing results, zooming to rows.

Cut Impact, Check Network Connectivity and Trace Network all answer in the
one Network panel and read the one network graph. This object holds what
they share: the graph kept while the layers are unchanged, the layers the
panel's rows come from, and the zoom when a row is double-clicked.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from pyproj import CRS

from mapdesk.core.analysis.network import NetworkGraph, NetworkProblem
from mapdesk.core.analysis.network.cache import NetworkGraphCache
from mapdesk.core.analysis.network.frames import in_service, rows_with_ids
from mapdesk.core.analysis.network.project_layers import NetworkLayers
from mapdesk.core.crs import transform_xy
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.view import padded_extent
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.views.cut_impact_panel import CutImpactPanel


class NetworkDock:
    """The Network panel with the project it zooms in and the graph cache.

    Attributes
    ----------
    panel
        The Network panel.
    graphs
        The network graph kept between analyses (see ``NetworkGraphCache``).
    """

    def __init__(self, panel: CutImpactPanel, project: Project, canvas: MapCanvas) -> None:
        self.panel = panel
        self.graphs = NetworkGraphCache()
        self._project, self._canvas = project, canvas
        self._layers: NetworkLayers | None = None
        self._problems: tuple[NetworkProblem, ...] = ()
        self._problem_crs: CRS | None = None
        panel.place_activated.connect(self.zoom_to_place)
        panel.problem_activated.connect(self.zoom_to_problem)

    def raise_panel(self, layers: NetworkLayers | None = None) -> None:
        """Show the panel on top; its rows now zoom within ``layers`` (when given)."""
        if layers is not None:
            self._layers = layers
        self.panel.show()
        self.panel.raise_()

    def show_problems(self, network: NetworkGraph) -> None:
        """List the data's connectivity problems; a double-click zooms to one."""
        self._problems, self._problem_crs = network.problems, network.crs
        self.panel.show_problems(network.problems)
        self.raise_panel()

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

    def zoom_to_place(self, kind: str, place_id: str) -> None:
        """Zoom to a site, tower or node listed in the panel.

        A tower is looked up in the towers layer, else by its node (a
        project may have tower nodes and no Radio towers layer).
        """
        layers = self._layers
        if layers is None:
            return
        if kind == "node":
            self._zoom_to(layers.nodes, "asset_id", place_id)
        elif kind == "site" and layers.sites is not None:
            self._zoom_to(layers.sites, "site_id", place_id)
        elif kind == "tower" and (
            layers.towers is None or not self._zoom_to(layers.towers, "site_id", place_id)
        ):
            self._zoom_to(layers.nodes, "site_id", place_id)

    def _zoom_to(self, layer: VectorLayer, id_field: str, value: str) -> bool:
        if id_field not in layer.data.columns:
            return False
        rows = np.flatnonzero(rows_with_ids(layer.data, id_field, [value]))
        found = layer.projected(self._project.crs).geometries[rows]
        geometries = [g for g in found if g is not None and not g.is_empty]
        if not geometries:
            return False
        xmin = min(g.bounds[0] for g in geometries)
        ymin = min(g.bounds[1] for g in geometries)
        xmax = max(g.bounds[2] for g in geometries)
        ymax = max(g.bounds[3] for g in geometries)
        extent = padded_extent((xmin, ymin, xmax, ymax), 4 * self._project.min_view_span)
        self._canvas.zoom_to_extent(extent)
        return True


def select_by_id(
    layer: VectorLayer, id_field: str, ids: Iterable[str], in_service_only: bool = False
) -> npt.NDArray[np.bool_]:
    """Select the features of ``layer`` whose ``id_field`` is one of ``ids``.

    With ``in_service_only`` a retired feature that shares an id with one in
    service stays unselected: it is not part of the network traced.

    Returns
    -------
    numpy.ndarray
        Which rows (by position) were selected.
    """
    if id_field not in layer.data.columns:
        return np.zeros(len(layer.data), dtype=bool)
    wanted = rows_with_ids(layer.data, id_field, ids)
    if in_service_only:
        wanted = wanted & in_service(layer.data)
    layer.selection.apply(layer.data.index[wanted])
    return wanted
