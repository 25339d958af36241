"""Location Dossier: a click with the dossier tool fills the panel with what is known there.

The action is made here (``actionLocationDossier``) and joins the window's
map-tool group, so choosing any other tool unchecks it; the lookup runs in a
worker (the first one projects and indexes the layers) and a newer click
drops an older answer.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from mapdesk.core.analysis.dossier import Dossier, location_dossier
from mapdesk.core.analysis.dossier_text import dossier_sections
from mapdesk.core.project import Project
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.canvas.dossier_tool import DOSSIER_TOOL, DossierTool
from mapdesk.ui.canvas.units import format_map_xy
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.icons import icon
from mapdesk.ui.views.dossier_panel import DossierPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import WorkerPool, error_message, guarded_slot

TOOL_TIP = (
    "Location Dossier: click the map to list the municipality, PSAP and response zones, "
    "the nearest address, open incidents, network node and radio coverage there"
)


class DossierController(WindowController):
    """Owns the dossier action and tool; fills the panel from a worker.

    Signals
    -------
    dossier_ready(Dossier)
        A dossier was shown in the panel.
    """

    dossier_ready = Signal(object)

    def __init__(
        self,
        panel: DossierPanel,
        project: Project,
        canvas: MapCanvas,
        actions: MapActions | None,
        status: MapStatusBar,
        parent_widget: QWidget,
        workers: WorkerPool | None = None,
    ) -> None:
        super().__init__(parent_widget)
        self._panel, self._project, self._canvas, self._status = panel, project, canvas, status
        self._workers = workers if workers is not None else WorkerPool(self, max_workers=1)
        self._serial = 0
        self.last_dossier: Dossier | None = None
        self.action = self._make_action(parent_widget)
        if actions is not None:
            actions.map_tools.addAction(self.action)  # exclusive with the other tools
        self.tool = DossierTool(canvas, self.look_up)
        canvas.add_tool(self.tool)
        self.action.triggered.connect(guarded_slot(lambda _checked=False: self.activate()))
        canvas.map_tool_changed.connect(self._on_tool_changed)

    @staticmethod
    def _make_action(parent: QWidget) -> QAction:
        action = QAction(icon("location_dossier"), "Location &Dossier", parent)
        action.setObjectName("actionLocationDossier")
        action.setCheckable(True)
        action.setToolTip(TOOL_TIP)
        action.setStatusTip(TOOL_TIP)
        return action

    def activate(self) -> None:
        """Make the dossier tool the canvas's tool and show the panel."""
        self._canvas.set_map_tool(DOSSIER_TOOL)
        self._panel.show()
        self._panel.raise_()

    def _on_tool_changed(self, name: str) -> None:
        self.action.setChecked(name == DOSSIER_TOOL)

    def look_up(self, x: float, y: float) -> None:
        """Put together the dossier of map position (x, y) in a worker."""
        self._serial += 1
        serial = self._serial
        clicked_crs = self._project.crs
        where = format_map_xy(x, y, clicked_crs, self._canvas.view.resolution)
        self._panel.show_busy(where)
        self._panel.show()
        self._workers.start(
            # The click's CRS is taken now: the map's may change before the worker runs.
            lambda _progress: location_dossier(self._project, x, y, crs=clicked_crs),
            lambda dossier: self._show(serial, dossier, where),
            lambda error: self._fail(serial, error),
            description=f"Location dossier at {where}",
        )

    def _show(self, serial: int, dossier: Dossier, where: str) -> None:
        if serial != self._serial:
            return  # a newer click is on its way
        self.last_dossier = dossier
        self._panel.show_sections(dossier_sections(dossier), where)
        self._panel.raise_()
        self._status.showMessage(f"Location dossier for {where}", 5000)
        self.dossier_ready.emit(dossier)

    def _fail(self, serial: int, error: BaseException) -> None:
        if serial == self._serial:
            self._panel.show_problem(error_message(error))
