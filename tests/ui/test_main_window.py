"""The main window: objectNames, actions, menus, title, initial view."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar, QWidget

from mapdesk.core.project import Project
from mapdesk.ui.app import DEMO_NAME, create_main_window


def test_required_object_names_exist(window: Any) -> None:
    assert window.objectName() == "mapdeskMainWindow"
    assert isinstance(window, QMainWindow)
    assert window.findChild(QWidget, "mapCanvas") is window.canvas
    assert isinstance(window.findChild(QDockWidget, "layerPanel"), QDockWidget)
    assert isinstance(window.findChild(QDockWidget, "identifyPanel"), QDockWidget)


@pytest.mark.parametrize(
    ("name", "shortcut"),
    [
        ("actionAddLayer", "Ctrl+Shift+V"),
        ("actionPan", ""),
        ("actionZoomIn", "Ctrl+Alt++"),
        ("actionZoomOut", "Ctrl+Alt+-"),
        ("actionZoomFull", "Ctrl+Shift+F"),
        ("actionIdentify", "Ctrl+Shift+I"),
        ("actionOpenProject", "Ctrl+O"),
        ("actionSaveProject", "Ctrl+S"),
        ("actionQuit", "Ctrl+Q"),
    ],
)
def test_actions_have_qgis_shortcuts(window: Any, name: str, shortcut: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    assert action.shortcut() == QKeySequence(shortcut)
    assert action.shortcut().toString() == shortcut
    assert not action.icon().isNull() or name == "actionQuit"


def test_map_tools_are_exclusive(window: Any) -> None:
    actions = window.map_actions
    assert actions.pan.isChecked()
    actions.identify.trigger()
    assert window.canvas.map_tool.name == "identify"
    assert actions.identify.isChecked() and not actions.pan.isChecked()
    actions.zoom_in.trigger()
    assert window.canvas.map_tool.name == "zoom_in"


def test_title_size_and_menus(qtbot: Any, small_project: Project) -> None:
    win = create_main_window(small_project)
    qtbot.addWidget(win)
    assert win.windowTitle() == f"mapdesk — {DEMO_NAME}"
    assert (win.width(), win.height()) == (1280, 800)
    menus = [a.text().replace("&", "") for a in win.menuBar().actions()]
    assert menus == ["Project", "Edit", "Layer", "View", "Analysis", "Help"]


def test_initial_view_shows_the_visible_layers(window: Any, small_project: Project) -> None:
    xmin, ymin, xmax, ymax = small_project.full_extent(visible_only=True)
    vx0, vy0, vx1, vy1 = window.canvas.view.extent
    assert vx0 <= xmin and vy0 <= ymin and vx1 >= xmax and vy1 >= ymax
    # ...and fits them snugly (5% margin), not the whole world.
    assert (vx1 - vx0) < 1.5 * (xmax - xmin) or (vy1 - vy0) < 1.5 * (ymax - ymin)


def test_initial_view_ignores_hidden_layers(qtbot: Any, small_project: Project) -> None:
    small_project.layers.by_name("Districts").visible = False
    win = create_main_window(small_project)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.canvas.rendered, timeout=10000):
        win.show()
    visible = small_project.full_extent(visible_only=True)
    everything = small_project.full_extent()
    assert visible != everything
    vx0, _, vx1, _ = win.canvas.view.extent
    assert vx1 - vx0 < (everything[2] - everything[0])


def test_quit_closes_the_window(window: Any) -> None:
    window.map_actions.quit.trigger()
    assert not window.isVisible()


def test_run_opens_the_given_file_and_returns_the_exit_code(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, stations: Any
) -> None:
    import sys

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from mapdesk.ui import app as app_module

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run() installs its own
    path = tmp_path / "hydrants.gpkg"
    stations.to_file(path, layer="hydrants", driver="GPKG")
    seen: dict[str, Any] = {}

    def inspect_then_close() -> None:
        windows = [
            w for w in QApplication.topLevelWidgets() if w.objectName() == "mapdeskMainWindow"
        ]
        window = next(w for w in windows if w.isVisible())
        if not window.project.layers:
            QTimer.singleShot(50, inspect_then_close)
            return
        seen["layers"] = [layer.name for layer in window.project.layers]
        seen["title"] = window.windowTitle()
        seen["hook"] = sys.excepthook
        window.close()

    QTimer.singleShot(50, inspect_then_close)
    assert app_module.run([str(path)]) == 0
    assert seen["layers"] == ["hydrants"]
    assert seen["title"] == "mapdesk — Untitled"
    assert seen["hook"] is app_module.guarded_excepthook


def test_window_and_panel_layout_is_remembered(
    qtbot: Any, small_project: Project, user_settings: Any
) -> None:
    from PySide6.QtCore import Qt

    first = create_main_window(small_project)
    qtbot.addWidget(first)
    first.show()
    first.resize(720, 540)  # inside the offscreen screen (800 x 600)
    first.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, first.layer_panel)
    first.identify_panel.show()
    first.findChild(QToolBar, "attributesToolbar").hide()
    first.close()
    settings = list(user_settings.rglob("*.ini"))
    assert [path.name for path in settings] == ["mapdesk.ini"]  # the test's folder only
    assert settings[0].parent.name == "mapdesk"

    second = create_main_window(Project())
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (720, 540)
    area = second.dockWidgetArea(second.layer_panel)
    assert area == Qt.DockWidgetArea.RightDockWidgetArea
    assert second.identify_panel.isVisible()
    assert not second.findChild(QToolBar, "attributesToolbar").isVisible()
    second.close()


def test_a_first_start_uses_the_default_layout(qtbot: Any, small_project: Project) -> None:
    from PySide6.QtCore import Qt

    win = create_main_window(small_project)
    qtbot.addWidget(win)
    assert not win.restore_layout()  # nothing saved yet (and not the user's settings)
    assert win.dockWidgetArea(win.layer_panel) == Qt.DockWidgetArea.LeftDockWidgetArea


def test_controllers_share_one_parent_widget_helper(window: Any) -> None:
    from mapdesk.ui.controllers.base import WindowController

    controllers = [
        window.map_view,
        window.layer_panel_controller,
        window.identify,
        window.project_files,
        window.layer_loader,
    ]
    for controller in controllers:
        assert isinstance(controller, WindowController)
        assert controller.parent_widget() is window
        assert "parent_widget" not in type(controller).__dict__  # not repeated
