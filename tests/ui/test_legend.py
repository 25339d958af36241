"""The Legend panel reads like the map: visible layers, their categories and counts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt

from mapdesk.core.project import Project
from mapdesk.core.style_library import FIXIT_STATUS_COLORS
from mapdesk.core.symbology import categorize
from mapdesk.ui.app import create_main_window


def test_demo_legend_shows_fixit_statuses_from_the_city_library(
    qtbot: Any, demo_project: Project
) -> None:
    window = create_main_window(demo_project)
    qtbot.addWidget(window)
    entries = window.legend_panel.entries()
    assert entries[0] == "FixIt incidents — status"
    statuses = [line.strip() for line in entries[1:4]]
    assert [s.split(" (")[0] for s in statuses] == ["open", "acknowledged", "closed"]
    counts = sum(int(s.split("(")[1].rstrip(")").replace(",", "")) for s in statuses)
    assert counts == demo_project.layers.by_name("FixIt incidents").feature_count
    assert "Network nodes" not in entries  # hidden layers are not in the legend
    fixit = demo_project.layers.by_name("FixIt incidents")
    open_style = fixit.symbology.categories[0].style
    assert open_style.fill_color == FIXIT_STATUS_COLORS["open"]


def test_legend_follows_style_and_visibility_changes(qtbot: Any, window: Any) -> None:
    legend = window.legend_panel
    stations = window.project.layers.by_name("Stations")
    stations.symbology = categorize(stations.data, "station_id", stations.style)
    assert legend.entries()[:4] == ["Stations — station_id", "  F1 (1)", "  F2 (1)", "  P1 (1)"]
    stations.visible = False
    assert legend.entries()[0] == "Roads"
    window.project.layers.remove(window.project.layers.by_name("Roads"))
    assert legend.entries() == ["Districts"]


def test_legend_counts_what_a_display_filter_shows(qtbot: Any, window: Any) -> None:
    legend = window.legend_panel
    stations = window.project.layers.by_name("Stations")
    stations.data["kind"] = ["fire", "fire", "police"]
    stations.symbology = categorize(stations.data, "kind", stations.style)
    assert legend.entries()[:3] == ["Stations — kind", "  fire (2)", "  police (1)"]
    stations.display_filter.show_only(stations.data.index, [1], "test")
    assert legend.entries()[:3] == ["Stations — kind", "  fire (1 of 2)", "  police (0 of 1)"]
    stations.display_filter.clear()
    assert legend.entries()[1] == "  fire (2)"


def test_legend_colours_are_the_canvas_colours(qtbot: Any, window: Any, feature_pixel: Any) -> None:
    stations = window.project.layers.by_name("Stations")
    colors = {"F1": "#00ff00", "F2": "#ff00ff", "P1": "#00ffff"}
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        stations.symbology = categorize(stations.data, "station_id", stations.style, colors=colors)
    image = window.canvas.grab().toImage()
    item = window.legend_panel.tree.topLevelItem(0)
    for row, station in enumerate(["F1", "F2", "P1"]):
        px, py = feature_pixel(window.canvas.view, stations, window.project.crs, row=row)
        on_map = image.pixelColor(QPoint(round(px), round(py))).name()
        icon = item.child(row).icon(0).pixmap(16, 16).toImage()
        in_legend = icon.pixelColor(8, 8).name()
        assert on_map == in_legend == colors[station]


def test_a_heatmap_shows_its_ramp_sparse_to_dense(qtbot: Any, window: Any) -> None:
    from mapdesk.core.heatmap import HEAT_RAMPS, Heatmap

    stations = window.project.layers.by_name("Stations")
    stations.symbology = Heatmap(ramp=HEAT_RAMPS["Heat"])
    assert window.legend_panel.entries()[:2] == ["Stations — heatmap", "  sparse → dense"]
    icon = window.legend_panel.tree.topLevelItem(0).child(0).icon(0).pixmap(16, 16).toImage()
    dense, sparse = icon.pixelColor(14, 8), icon.pixelColor(2, 8)
    assert dense.red() > 200 and dense.green() < 100 and dense.blue() < 60  # the ramp's red end
    assert sparse.blue() > sparse.red()  # its faint blue start
    model = window.layer_panel.model
    layer_icon = model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole)
    assert layer_icon.pixmap(16, 16).toImage().pixelColor(14, 8) == dense  # the layer panel too
