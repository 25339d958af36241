"""Location Dossier tool: a click on the map fills the dossier panel."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from PySide6.QtCore import QPoint, Qt
from shapely.geometry import box

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.ui.app import create_main_window
from mapdesk.ui.canvas.dossier_tool import DOSSIER_TOOL
from mapdesk.ui.controllers.dossier import DossierController
from mapdesk.ui.views.dossier_panel import DossierPanel

#: Portland City Hall, 389 Congress St, in the demo (EPSG:26984).
CITY_HALL = (892_658.18, 91_567.74)


def _wire(window: Any) -> DossierController:
    """What main_window.py does: the panel as a right dock, the controller on the window."""
    panel = DossierPanel(window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    panel.hide()
    return DossierController(
        panel,
        window.project,
        window.canvas,
        window.map_actions,
        window.status,
        window,
        workers=window.workers,
    )


def _click_map(qtbot: Any, window: Any, controller: DossierController, x: float, y: float) -> Any:
    px, py = window.canvas.view.to_screen([x], [y])
    pos = QPoint(round(float(px[0])), round(float(py[0])))
    with qtbot.waitSignal(controller.dossier_ready, timeout=30000) as ready:
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pos)
    return ready.args[0]


def test_action_joins_the_map_tool_group(window: Any) -> None:
    controller = _wire(window)
    action = controller.action
    assert action.objectName() == "actionLocationDossier"
    assert action.isCheckable() and action.actionGroup() is window.map_actions.map_tools
    action.trigger()
    assert window.canvas.map_tool.name == DOSSIER_TOOL
    assert controller._panel.isVisible()
    window.map_actions.pan.trigger()
    assert not action.isChecked()
    window.canvas.set_map_tool(DOSSIER_TOOL)  # chosen some other way: the action follows
    assert action.isChecked()


def test_click_on_small_project_finds_the_zone(qtbot: Any, window: Any) -> None:
    x, y = window.canvas.view.center_x, window.canvas.view.center_y
    towns = gpd.GeoDataFrame(
        {"A3": ["Portland"]}, geometry=[box(x - 5000, y - 5000, x + 5000, y + 5000)], crs=26984
    )
    window.project.add_layer(VectorLayer(towns, "Municipal boundaries"))
    controller = _wire(window)
    controller.action.trigger()
    dossier = _click_map(qtbot, window, controller, x + 100, y + 100)
    assert dossier.zone("municipality").names == ("Portland",)
    panel = controller._panel
    assert panel.section_summary("Municipality") == "Portland"
    assert panel.section_summary("PSAP") == "no layer"
    assert panel.section_summary("Nearest address") == "no layer"
    assert panel.summary.text().startswith("Dossier for ")


def test_click_at_demo_city_hall(qtbot: Any, demo_project: Project) -> None:
    window = create_main_window(demo_project)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.canvas.rendered, timeout=30000):
        window.show()
    x, y = CITY_HALL
    window.canvas.set_view(window.canvas.view.fitted((x - 400, y - 400, x + 400, y + 400)))
    controller = _wire(window)
    controller.action.trigger()
    _click_map(qtbot, window, controller, x, y)
    panel = controller._panel
    assert panel.section_summary("Municipality") == "Portland"
    assert panel.section_summary("PSAP") == "Greater Portland Regional 9-1-1 PSAP"
    assert panel.section_summary("Police") == "Portland Police Department"
    assert panel.section_summary("Fire") == "Central Fire Station first-due district"
    assert panel.section_summary("EMS") == "MEDCU 1 Central first-due district"
    assert panel.section_summary("Nearest address") == "389 Congress St, Portland"
    assert "Central Fire Station mast (range 7.5 km)" in panel.texts()
    window.close()


def test_a_newer_click_wins(qtbot: Any, window: Any) -> None:
    controller = _wire(window)
    controller.action.trigger()
    x, y = window.canvas.view.center_x, window.canvas.view.center_y
    controller.look_up(x, y)
    with qtbot.waitSignal(controller.dossier_ready, timeout=30000) as ready:
        controller.look_up(x + 10, y)
    window.workers.wait()
    assert ready.args[0].x == x + 10
    assert controller.last_dossier is ready.args[0]
