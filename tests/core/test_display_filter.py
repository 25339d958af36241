"""A layer's display filter: what the map draws and a click can pick, never saved."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, box

from mapdesk import Project
from mapdesk.core.display_filter import among_shown
from mapdesk.core.editing.snapping import SnapSettings, snap_point
from mapdesk.core.identify import identify_at
from mapdesk.core.layer import VectorLayer
from mapdesk.core.selecting import rows_clicked, rows_in_area


def _reports() -> VectorLayer:
    """Four reports 10 m apart along y = 0, fids 10..13; the third and fourth share a spot."""
    frame = gpd.GeoDataFrame(
        {"service_name": ["Pothole", "Graffiti", "Pothole", "Snow/Ice"]},
        geometry=[Point(0, 0), Point(10, 0), Point(20, 0), Point(20, 0)],
        crs="EPSG:26984",
        index=pd.Index([10, 11, 12, 13], name="fid"),
    )
    return VectorLayer(frame, "FixIt")


def test_a_new_layer_draws_everything() -> None:
    layer = _reports()
    assert not layer.display_filter.active
    assert layer.shown_rows() is None
    assert layer.display_filter.describe(layer.data.index) == ""


def test_show_only_then_clear_with_signals_and_a_count() -> None:
    layer = _reports()
    heard: list[object] = []
    layer.display_filter_changed.connect(heard.append)
    layer.display_filter.show_only(
        layer.data.index, [2, 0], "FixIt time slider: week of 2020-01-06"
    )
    assert layer.display_filter.active
    assert layer.shown_rows().tolist() == [0, 2]
    assert layer.shown_rows() is layer.shown_rows()  # one array while nothing changes
    assert layer.display_filter.describe(layer.data.index) == (
        "FixIt time slider: week of 2020-01-06 (2 of 4 shown)"
    )
    layer.display_filter.clear()
    layer.display_filter.clear()  # nothing to clear: no second signal
    assert heard == ["FixIt time slider: week of 2020-01-06", None]
    assert layer.shown_rows() is None


def test_features_added_later_show_and_removed_ones_are_forgotten() -> None:
    layer = _reports()
    layer.display_filter.show_only(layer.data.index, [1], "test")
    extra = gpd.GeoDataFrame(
        {"service_name": ["Other"]}, geometry=[Point(5, 5)], crs="EPSG:26984", index=[99]
    )
    grown = pd.concat([layer.data.iloc[1:], extra])  # fid 10 deleted, fid 99 added
    layer.replace_data(grown)
    assert layer.data.index[layer.shown_rows()].tolist() == [11, 99]


def test_rows_outside_the_layer_are_ignored() -> None:
    layer = _reports()
    layer.display_filter.show_only(layer.data.index, [3, 7, -1], "test")
    assert layer.shown_rows().tolist() == [3]


def test_among_shown_keeps_rows_in_their_order() -> None:
    shown = np.array([1, 4, 7, 9], dtype=np.intp)
    rows = np.array([9, 2, 4, 10, 0], dtype=np.intp)
    assert among_shown(rows, shown).tolist() == [9, 4]
    assert among_shown(rows, None) is rows
    assert among_shown(rows, shown[:0]).tolist() == []


def test_identify_does_not_find_hidden_features() -> None:
    project = Project(crs=26984)
    layer = project.add_layer(_reports())
    [found] = identify_at(project.layers, project.crs, 20, 0, tolerance=1)
    assert [hit.fid for hit in found.hits] == [12, 13] and found.total == 2
    layer.display_filter.show_only(layer.data.index, [0, 3], "test")
    [found] = identify_at(project.layers, project.crs, 20, 0, tolerance=1)
    assert [hit.fid for hit in found.hits] == [13] and found.total == 1
    assert identify_at(project.layers, project.crs, 10, 0, tolerance=1) == []


def test_a_click_picks_the_shown_feature_under_a_hidden_one() -> None:
    layer = _reports()
    assert rows_clicked(layer, layer.crs, 20, 0, 1).tolist() == [3]  # the later row, on top
    layer.display_filter.show_only(layer.data.index, [0, 1, 2], "test")
    assert rows_clicked(layer, layer.crs, 20, 0, 1).tolist() == [2]
    layer.display_filter.show_only(layer.data.index, [0], "test")
    assert rows_clicked(layer, layer.crs, 20, 0, 1).tolist() == []


def test_an_area_selects_only_shown_features() -> None:
    layer = _reports()
    area = box(-1, -1, 21, 1)
    assert rows_in_area(layer, layer.crs, area).tolist() == [0, 1, 2, 3]
    layer.display_filter.show_only(layer.data.index, [1, 3], "test")
    assert rows_in_area(layer, layer.crs, area).tolist() == [1, 3]
    assert rows_in_area(layer, layer.crs, shapely.Point(0, 0).buffer(1)).tolist() == []


def test_snapping_skips_hidden_features() -> None:
    # Dragging a report onto a spot must not snap to a report the map hides.
    layer = _reports()
    projected = layer.projected(layer.crs)
    assert snap_point([("FixIt", projected)], 10.5, 0, 1, SnapSettings()) is not None
    layer.display_filter.show_only(layer.data.index, [0, 2], "test")
    shown = [("FixIt", projected, layer.shown_rows())]
    assert snap_point(shown, 10.5, 0, 1, SnapSettings()) is None  # fid 11 hidden
    target = snap_point(shown, 19.5, 0, 1, SnapSettings())
    assert target is not None and (target.x, target.y) == (20, 0)  # fid 12 shown


def test_the_project_file_does_not_keep_the_filter(tmp_path: Path) -> None:
    data = tmp_path / "reports.geojson"
    _reports().data.to_file(data)
    project = Project(crs=26984)
    layer = project.add_layer(data)
    layer.display_filter.show_only(layer.data.index, [0], "FixIt time slider: January 2026")
    project.save(tmp_path / "p.mapdesk")
    text = (tmp_path / "p.mapdesk").read_text(encoding="utf-8")
    assert "January 2026" not in text and "filter" not in json.loads(text)["layers"][0]
    assert layer.display_filter.active  # saving leaves the map as it is
    reopened = Project.open(tmp_path / "p.mapdesk").layers[0]
    assert reopened.shown_rows() is None
