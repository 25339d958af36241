"""Identify: clicking a feature lists its attributes in the Identify Results panel."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

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


def test_identify_and_select_skip_a_station_the_display_filter_hides(
    qtbot: Any, window: Any, feature_pixel: Any
) -> None:
    layer = window.project.layers.by_name("Stations")
    px, py = feature_pixel(window.canvas.view, layer, window.project.crs, row=1)
    layer.display_filter.show_only(layer.data.index, [0, 2], "test: Bramhall hidden")
    _identify_click(qtbot, window, px, py)
    assert "Bramhall" not in window.identify_panel.texts()
    window.layer_panel.select_layer(layer)
    window.map_actions.select.trigger()
    # The Identify Results panel opened and narrowed the map: where is it now?
    px, py = feature_pixel(window.canvas.view, layer, window.project.crs, row=1)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(px), round(py)))
    assert layer.selection.count == 0
    layer.display_filter.clear()
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # a new click, not a double-click
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(px), round(py)))
    assert layer.selection.count == 1  # shown again: the same click picks it


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


# --- labels, fids, order, limit ------------------------------------------------
def test_label_falls_back_to_the_first_text_value() -> None:
    from mapdesk.ui.views.identify_panel import feature_label

    nena = {
        "objectid": 1,
        "DiscrpAgID": "portlandmaine.gov",
        "NGUID": "urn:emergency:uid:gis:A3:1:portlandmaine.gov",
        "A1": "ME",
        "A3": "Portland",
    }
    assert feature_label(nena) == "Portland"  # NENA's municipality field
    assert feature_label({"objectid": 7, "asset_id": "FS-0001", "type": "fibre"}) == "FS-0001"
    assert feature_label({"objectid": 7, "note": "  ", "kind": "hydrant"}) == "hydrant"
    assert feature_label({"objectid": 7, "height_m": 12.5}) == ""


def _points_layer(offsets: list[float], name: str = "Hydrants") -> Any:
    import geopandas as gpd
    from shapely.geometry import Point

    from mapdesk.core.layer import VectorLayer

    from_x, from_y = 892_630.0, 91_540.0
    frame = gpd.GeoDataFrame(
        {"kind": [f"h{i}" for i in range(len(offsets))]},
        geometry=[Point(from_x + dx, from_y) for dx in offsets],
        crs="EPSG:26984",
        index=list(range(1, len(offsets) + 1)),  # GDAL fids: a GeoPackage starts at 1
    )
    return VectorLayer(frame, name)


def test_hits_are_ordered_by_distance_and_show_the_real_fid(
    window: Any, portland_xy: tuple[float, float]
) -> None:
    window.project.add_layer(_points_layer([9.0, 1.0, -4.0, 6.5]))
    x, y = portland_xy
    hits = window.identify.identify(x, y, 10.0)
    hydrants = [hit for hit in hits if hit.layer_name == "Hydrants"]
    assert [hit.fid for hit in hydrants] == [2, 3, 4, 1]  # 1 m, 4 m, 6.5 m, 9 m away
    texts = window.identify_panel.texts()
    assert texts.index("fid 2") < texts.index("fid 3") < texts.index("fid 4")


def test_the_layer_row_says_when_the_limit_cut_the_list(
    window: Any, portland_xy: tuple[float, float]
) -> None:
    offsets = [float(d) for d in range(120, 0, -1)]  # the farthest first in the file
    window.project.add_layer(_points_layer(offsets))
    x, y = portland_xy
    hits = window.identify.identify(x, y, 200.0)
    hydrants = [hit for hit in hits if hit.layer_name == "Hydrants"]
    assert len(hydrants) == 50
    assert {hit.attributes["kind"] for hit in hydrants} == {f"h{i}" for i in range(70, 120)}
    tree = window.identify_panel.tree
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    counts = {row.text(0): row.text(1) for row in rows}
    assert counts["Hydrants"] == "50 of 120 shown"
    assert counts["Stations"] == "1 found"
    everything = len(hits) - 50 + 120  # the summary counts what was found, not shown
    assert window.identify_panel.summary.text().startswith(f"{everything} features at")


def test_a_geopackage_layer_shows_fids_from_1(
    qtbot: Any, window: Any, tmp_path: Any, stations: Any, feature_pixel: Any
) -> None:
    path = tmp_path / "stations.gpkg"
    stations.to_file(path, layer="hydrants", driver="GPKG")
    window.project.add_layer(path)
    layer = window.project.layers.by_name("hydrants")
    assert list(layer.data.index) == [1, 2, 3]
    px, py = feature_pixel(window.canvas.view, layer, window.project.crs, row=0)
    _identify_click(qtbot, window, px, py)
    first = next(hit for hit in window.identify.last_hits if hit.layer_name == "hydrants")
    assert first.fid == 1 and "fid 1" in window.identify_panel.texts()


# --- the highlight on the map ------------------------------------------------------
def _redness(image: Any, x: float, y: float, radius: int = 9) -> int:
    """The reddest pixel near (x, y): red minus the larger of green and blue."""
    best = -255
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            colour = image.pixelColor(round(x) + dx, round(y) + dy)
            best = max(best, colour.red() - max(colour.green(), colour.blue()))
    return best


def test_identified_features_are_highlighted_in_red(
    qtbot: Any, window: Any, feature_pixel: Any
) -> None:
    canvas = window.canvas
    layer = window.project.layers.by_name("Stations")
    px, py = feature_pixel(canvas.view, layer, window.project.crs, row=1)
    before = _redness(canvas.grab().toImage(), px, py)
    _identify_click(qtbot, window, px, py)
    assert canvas.highlight is not None
    assert len(canvas.highlight.points) == 1  # Bramhall; its district polygon too:
    assert len(canvas.highlight.areas) == 1
    px, py = feature_pixel(canvas.view, layer, window.project.crs, row=1)  # the panel opened
    after = _redness(canvas.grab().toImage(), px, py)
    assert after > 150 and after > before + 100
    # The highlight follows the view at once, like the tool overlays.
    canvas.pan_by(40, 0)
    moved = canvas.grab().toImage()
    assert _redness(moved, px + 40, py) > 150
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.highlight is None


def _identify_bramhall(qtbot: Any, window: Any, feature_pixel: Any) -> None:
    layer = window.project.layers.by_name("Stations")
    px, py = feature_pixel(window.canvas.view, layer, window.project.crs, row=1)
    _identify_click(qtbot, window, px, py)
    assert window.canvas.highlight is not None


def test_the_next_identify_replaces_the_highlight(
    qtbot: Any, window: Any, feature_pixel: Any
) -> None:
    _identify_bramhall(qtbot, window, feature_pixel)
    _identify_click(qtbot, window, 3, 3)  # nothing there
    assert window.canvas.highlight is None


def test_closing_identify_results_clears_the_highlight(
    qtbot: Any, window: Any, feature_pixel: Any
) -> None:
    _identify_bramhall(qtbot, window, feature_pixel)
    window.identify_panel.close()
    assert window.canvas.highlight is None
