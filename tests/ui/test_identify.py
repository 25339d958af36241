"""Identify: clicking a feature lists its attributes in the Identify Results panel."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from mapdesk.core.crs import transform_xy
from mapdesk.core.project import Project
from mapdesk.ui.app import create_main_window


def _identify_click(qtbot: Any, window: Any, x: float, y: float) -> None:
    window.map_actions.identify.trigger()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))


def test_identify_lists_the_feature_under_the_cursor(
    qtbot: Any, window: Any, feature_pixel: Any
) -> None:
    layer = window.project.layers.by_name("Stations")
    px, py = feature_pixel(window.canvas.view, layer, window.project.crs, row=1)
    _identify_click(qtbot, window, px, py)
    texts = window.identify_panel.texts()
    assert "Bramhall" in texts
    assert "Stations" in texts
    assert "Central Fire" not in texts  # 1.5 km away


def test_identify_searches_every_visible_layer(qtbot: Any, window: Any, feature_pixel: Any) -> None:
    layer = window.project.layers.by_name("Stations")
    px, py = feature_pixel(window.canvas.view, layer, window.project.crs, row=0)
    _identify_click(qtbot, window, px, py)
    texts = window.identify_panel.texts()
    assert "Central Fire" in texts and "Districts" in texts  # the point and its polygon
    window.project.layers.by_name("Districts").visible = False
    _identify_click(qtbot, window, px, py)
    assert "Districts" not in window.identify_panel.texts()


def test_identify_on_empty_map_area_clears_the_panel(qtbot: Any, window: Any) -> None:
    _identify_click(qtbot, window, 3, 3)
    assert window.identify_panel.summary.text().startswith("0 features")


def test_identify_a_demo_station(qtbot: Any, demo_project: Project, feature_pixel: Any) -> None:
    win = create_main_window(demo_project)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.canvas.rendered, timeout=30000):
        win.show()
    stations = demo_project.layers.by_name("Fire / police / EMS stations")
    row = int((stations.data["station_id"] == "ST-F01").to_numpy().nonzero()[0][0])
    expected = "Central Fire Station"
    assert stations.data["name"].iloc[row] == expected
    # Zoom to the station so that no neighbour lies within the click tolerance.
    geom = stations.data.geometry.iloc[row]
    x, y = transform_xy([geom.x], [geom.y], stations.crs, demo_project.crs)
    win.canvas.set_view(win.canvas.view.fitted((x[0] - 200, y[0] - 200, x[0] + 200, y[0] + 200)))
    px, py = feature_pixel(win.canvas.view, stations, demo_project.crs, row=row)
    assert 0 <= px < win.canvas.width() and 0 <= py < win.canvas.height()
    _identify_click(qtbot, win, px, py)
    texts = win.identify_panel.texts()
    assert expected in texts and "ST-F01" in texts and "Fire" in texts
    hit_layers = {hit.layer_name for hit in win.identify.last_hits}
    assert "Fire / police / EMS stations" in hit_layers
    win.close()


@pytest.mark.parametrize("row", [0, 2])
def test_identify_tolerance_is_in_pixels(
    qtbot: Any, window: Any, row: int, feature_pixel: Any
) -> None:
    layer = window.project.layers.by_name("Stations")
    px, py = feature_pixel(window.canvas.view, layer, window.project.crs, row=row)
    _identify_click(qtbot, window, px + 4, py)  # a near miss still finds it
    names = [hit.attributes.get("name") for hit in window.identify.last_hits]
    assert layer.data["name"].iloc[row] in names
