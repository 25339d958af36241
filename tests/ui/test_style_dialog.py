"""The Symbology dialog: live preview on the map, Cancel restores, style files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog

from mapdesk.core.symbology import Categorized, Graduated, SingleSymbol


@pytest.fixture
def stations(window: Any) -> Any:
    layer = window.project.layers.by_name("Stations")
    window.layer_panel.select_layer(layer)
    return layer


def test_f7_opens_the_dialog_and_changes_show_at_once(
    qtbot: Any, window: Any, stations: Any
) -> None:
    window.map_actions.layer_style.trigger()
    dialog = window.styles.dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        dialog.point_size.setValue(14.0)
    assert stations.style.marker_size == 14.0  # the map already shows it
    dialog.kind.setCurrentIndex(dialog.kind.findData("categorized"))
    dialog.field.setCurrentIndex(dialog.field.findData("station_id"))
    assert isinstance(stations.symbology, Categorized)
    assert stations.symbology.field == "station_id"
    assert dialog.classes.count() == 3
    assert "F1  (1)" in [dialog.classes.item(i).text() for i in range(3)]
    assert window.legend_panel.entries()[0] == "Stations — station_id"


def test_cancel_puts_back_the_style_it_had(qtbot: Any, window: Any, stations: Any) -> None:
    before = (stations.style, stations.symbology)
    dialog = window.styles.open_dialog(stations)
    dialog.point_size.setValue(20.0)
    dialog.kind.setCurrentIndex(dialog.kind.findData("categorized"))
    dialog.reject()
    assert (stations.style, stations.symbology) == before


def test_graduated_on_text_explains_and_keeps_the_last_good_style(qtbot: Any, window: Any) -> None:
    districts = window.project.layers.by_name("Districts")
    dialog = window.styles.open_dialog(districts)
    dialog.kind.setCurrentIndex(dialog.kind.findData("graduated"))
    assert "no numbers" in dialog.problem.text()
    assert isinstance(districts.symbology, SingleSymbol)
    import geopandas as gpd

    districts.replace_data(
        gpd.GeoDataFrame(
            districts.data.assign(calls=[120.0, 480.0]), geometry="geometry", crs=districts.crs
        )
    )
    dialog.close()
    dialog = window.styles.open_dialog(districts)
    dialog.kind.setCurrentIndex(dialog.kind.findData("graduated"))
    dialog.field.setCurrentIndex(dialog.field.findData("calls"))
    assert isinstance(districts.symbology, Graduated)
    dialog.accept()
    assert isinstance(districts.symbology, Graduated)  # OK keeps it


def test_save_and_load_style_files(
    qtbot: Any, window: Any, stations: Any, tmp_path: Path, monkeypatch: Any, messages: Any
) -> None:
    dialog = window.styles.open_dialog(stations)
    dialog.kind.setCurrentIndex(dialog.kind.findData("categorized"))
    dialog.accept()
    target = tmp_path / "stations"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.map_actions.save_style.trigger()
    saved = tmp_path / "stations.mapdesk-style.json"
    assert saved.exists()
    saved_symbology = stations.symbology
    stations.symbology = SingleSymbol()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(saved), ""))
    window.map_actions.load_style.trigger()
    assert stations.symbology == saved_symbology
    broken = tmp_path / "broken.mapdesk-style.json"
    broken.write_text("{")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(broken), ""))
    window.map_actions.load_style.trigger()
    assert any("broken.mapdesk-style.json" in text for text in messages.texts("warning"))
    assert stations.symbology == saved_symbology


def test_labels_from_the_dialog_show_and_cancel_removes_them(
    qtbot: Any, window: Any, stations: Any
) -> None:
    dialog = window.styles.open_dialog(stations)
    dialog.label_on.setChecked(True)
    dialog.label_text.setCurrentText("name")
    assert stations.labels is not None and stations.labels.text == "name"
    dialog.label_text.setCurrentText("upper(nmae)")
    assert 'did you mean "name"' in dialog.problem.text()
    assert stations.labels.text == "name"  # the last good labels stay
    dialog.reject()
    assert stations.labels is None


def test_scale_range_from_the_dialog_hides_the_layer(
    qtbot: Any, window: Any, stations: Any
) -> None:
    dialog = window.styles.open_dialog(stations)
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        dialog.min_scale.setValue(1_000)  # only from 1:1,000 in: not at this view
    assert stations.scale_range == (1000.0, 0.0)
    assert all(s.layer is not stations for s in window.canvas._latest.layers)
    dialog.reject()
    assert stations.scale_range == (0.0, 0.0)


def test_symbol_changes_keep_the_classes_and_their_colours(
    qtbot: Any, window: Any, stations: Any
) -> None:
    from mapdesk.core.symbology import categorize

    custom = {"F1": "#00ff00", "F2": "#ff00ff", "P1": "#00ffff"}
    stations.symbology = categorize(stations.data, "station_id", stations.style, colors=custom)
    dialog = window.styles.open_dialog(stations)
    assert dialog.kind.currentData() == "categorized"
    dialog.line_width.setValue(2.5)  # a symbol change: restyle, do not reclassify
    categories = stations.symbology.categories
    assert [c.style.fill_color for c in categories] == ["#00ff00", "#ff00ff", "#00ffff"]
    assert all(c.style.stroke_width == 2.5 for c in categories)
    dialog.palette_box.setCurrentIndex(dialog.palette_box.findData("Dark2"))  # reclassify
    assert stations.symbology.categories[0].style.fill_color == "#1b9e77"


def test_a_point_layer_can_be_drawn_as_a_heatmap_live(
    qtbot: Any, window: Any, stations: Any
) -> None:
    from mapdesk.core.heatmap import HEAT_RAMPS, Heatmap

    stations.replace_data(stations.data.assign(calls=[3.0, 1.0, 2.0], code=["a", "b", "c"]))
    before = (stations.style, stations.symbology)
    dialog = window.styles.open_dialog(stations)
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        dialog.kind.setCurrentIndex(dialog.kind.findData("heatmap"))
    assert stations.symbology == Heatmap()  # QGIS's defaults: 10 mm, automatic maximum
    assert dialog.heat.radius.isVisible() and not dialog.field.isVisible()
    weights = [dialog.heat.weight.itemData(i) for i in range(dialog.heat.weight.count())]
    assert weights == [None, "calls"]  # numbers only: not "code", nor the station id text
    dialog.heat.unit.setCurrentIndex(dialog.heat.unit.findData("m"))
    dialog.heat.radius.setValue(250.0)  # up to 100 km in metres (200 in mm)
    dialog.heat.ramp.setCurrentIndex(dialog.heat.ramp.findData("Viridis"))
    dialog.heat.weight.setCurrentIndex(dialog.heat.weight.findData("calls"))
    dialog.heat.automatic.setChecked(False)
    dialog.heat.maximum.setValue(6.0)
    assert stations.symbology == Heatmap(250.0, "m", HEAT_RAMPS["Viridis"], "calls", 6.0)
    assert dialog.classes.item(0).text() == "sparse → dense (weighted by calls)  (3 points)"
    dialog.accept()
    again = window.styles.open_dialog(stations)  # opens on the layer's heatmap
    assert again.kind.currentData() == "heatmap" and again.heat.heatmap() == stations.symbology
    again.kind.setCurrentIndex(again.kind.findData("single"))
    again.reject()  # Cancel: the heatmap it opened with
    assert stations.symbology == Heatmap(250.0, "m", HEAT_RAMPS["Viridis"], "calls", 6.0)
    stations.symbology = before[1]


def test_only_point_layers_offer_a_heatmap(qtbot: Any, window: Any) -> None:
    for name, offered in (("Stations", True), ("Roads", False), ("Districts", False)):
        dialog = window.styles.open_dialog(window.project.layers.by_name(name))
        assert (dialog.kind.findData("heatmap") >= 0) == offered, name
        dialog.reject()
