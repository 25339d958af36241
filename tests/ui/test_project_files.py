"""Opening a project file restores its layers, background and saved view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from mapdesk.core.project import Project
from mapdesk.core.view import ViewState

#: Portland City Hall in EPSG:26984, as in conftest.
PORTLAND_X, PORTLAND_Y = 892_630.0, 91_540.0


@pytest.fixture
def harbour_project(tmp_path: Path, stations: gpd.GeoDataFrame) -> tuple[Path, ViewState]:
    """A saved project: hydrants on a water-blue background, zoomed in on one of them."""
    data = tmp_path / "hydrants.gpkg"
    stations.to_file(data, layer="hydrants", driver="GPKG")
    project = Project(crs="EPSG:26984")
    project.add_layer(data)
    project.background = "#cfe2f0"
    view = ViewState(PORTLAND_X + 250, PORTLAND_Y - 120, 0.75, 900, 700)
    project.view = view
    path = tmp_path / "harbour.mapdesk"
    project.save(path)
    return path, view


def _names(window: Any) -> list[str]:
    return [layer.name for layer in window.project.layers]


def test_opening_a_project_restores_background_view_and_layers(
    qtbot: Any, window: Any, harbour_project: tuple[Path, ViewState], monkeypatch: Any
) -> None:
    path, saved = harbour_project
    zooms: list[str] = []
    real_zoom_full = window.canvas.zoom_full
    monkeypatch.setattr(
        window.canvas, "zoom_full", lambda: (zooms.append("zoom_full"), real_zoom_full())
    )
    project = window.project
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: _names(window) == ["hydrants"], timeout=10000)
    assert window.project is project  # same object: every widget stays connected
    assert project.background == "#cfe2f0"  # the demo's water no longer turns white
    view = window.canvas.view
    assert (view.center_x, view.center_y, view.resolution) == pytest.approx(
        (saved.center_x, saved.center_y, saved.resolution)
    )
    assert (view.width, view.height) == (window.canvas.width(), window.canvas.height())
    assert project.view == view
    assert zooms == []  # no zoom to the layers before the saved view is applied
    assert window.windowTitle() == "mapdesk — harbour"
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000) as rendered:
        pass
    assert rendered.args[0].view == view


def test_a_project_without_a_saved_view_shows_all_its_layers(
    qtbot: Any, window: Any, tmp_path: Path, stations: gpd.GeoDataFrame
) -> None:
    data = tmp_path / "hydrants.gpkg"
    stations.to_file(data, layer="hydrants", driver="GPKG")
    project = Project(crs="EPSG:26984")
    project.add_layer(data)
    path = tmp_path / "plain.mapdesk"
    project.save(path)
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: _names(window) == ["hydrants"], timeout=10000)
    xmin, ymin, xmax, ymax = window.project.full_extent()
    vx0, vy0, vx1, vy1 = window.canvas.view.extent
    assert vx0 <= xmin and vy0 <= ymin and vx1 >= xmax and vy1 >= ymax
    assert window.project.background == "#ffffff"


def test_cancelling_a_project_open_keeps_the_current_map(
    qtbot: Any, window: Any, harbour_project: tuple[Path, ViewState], monkeypatch: Any
) -> None:
    import threading

    release = threading.Event()
    real_open = Project.open

    def slow_open(path: Any) -> Project:
        release.wait(10)
        return real_open(path)

    monkeypatch.setattr(Project, "open", staticmethod(slow_open))
    before = _names(window)
    window.open_paths([str(harbour_project[0])])
    assert window.status.cancel_button.isVisibleTo(window.status)
    window.status.cancel_button.click()
    assert window.status.task_label.isHidden() and window.status.cancel_button.isHidden()
    assert "cancelled" in window.status.currentMessage()
    release.set()
    assert window.workers.wait(10000)
    qtbot.wait(100)  # let the late result reach the event loop: it must be dropped
    assert _names(window) == before
    assert window.windowTitle() == "mapdesk — Test project"


def test_a_project_whose_file_moved_opens_flagged_and_is_repaired(
    qtbot: Any, window: Any, harbour_project: tuple[Path, ViewState], messages: Any
) -> None:
    from mapdesk.ui.models.layer_tree import layer_tooltip

    path, _ = harbour_project
    moved = path.parent / "moved" / "hydrants.gpkg"
    moved.parent.mkdir()
    (path.parent / "hydrants.gpkg").rename(moved)
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: _names(window) == ["hydrants"], timeout=10000)
    [flagged] = window.project.layers
    assert flagged.unavailable is not None and flagged.feature_count == 0
    [warning] = messages.texts("warning")
    assert "1 layer of harbour.mapdesk could not be read" in warning
    assert "hydrants: " in warning and "Repair Data Source" in warning
    assert "Not found" in layer_tooltip(flagged)
    window.layer_panel.select_layer(flagged)
    assert window.map_actions.repair_source.isEnabled()
    menu = window.layer_panel_controller.build_menu(flagged)
    assert window.map_actions.repair_source in menu.actions()

    window.repair.repair(flagged, moved)
    qtbot.waitUntil(lambda: window.project.layers[0] is not flagged, timeout=10000)
    [repaired] = window.project.layers
    assert repaired.name == "hydrants" and repaired.feature_count == 3
    assert repaired.unavailable is None and not window.map_actions.repair_source.isEnabled()
    assert window.layer_panel.current_layer() is repaired


def test_open_recent_lists_projects_opened_and_saved(
    qtbot: Any, window: Any, harbour_project: tuple[Path, ViewState], tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMenu

    path, _ = harbour_project
    menu = QMenu()
    window.project_files.fill_recent_menu(menu)
    assert [a.text() for a in menu.actions()] == ["No recent projects"]
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: _names(window) == ["hydrants"], timeout=10000)
    window.project_files.fill_recent_menu(menu)
    assert menu.actions()[0].text().startswith("&1 harbour.mapdesk")
    copy = tmp_path / "copy.mapdesk"
    window.project.path = copy
    window.project_files.save()  # Project ▸ Save remembers it too, first
    copy.unlink()  # a project that is gone stays listed, disabled
    window.project_files.fill_recent_menu(menu)
    first, second = menu.actions()[:2]
    assert first.text().startswith("&1 copy.mapdesk") and first.text().endswith("(not found)")
    assert not first.isEnabled()
    assert second.text().startswith("&2 harbour.mapdesk") and second.isEnabled()
    assert window.project.path == copy
    second.trigger()  # opening from the list
    qtbot.waitUntil(lambda: window.project.path == path.resolve(), timeout=10000)
    next(a for a in menu.actions() if a.text() == "Clear List").trigger()
    window.project_files.fill_recent_menu(menu)
    assert [a.text() for a in menu.actions()] == ["No recent projects"]
