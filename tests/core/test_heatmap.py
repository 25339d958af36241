"""The heatmap symbology: its settings, ramps, weights, and how projects keep it."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPoint, Point, box

from mapdesk.core.errors import MapdeskError
from mapdesk.core.heatmap import (
    DEFAULT_HEAT_RAMP,
    HEAT_RAMPS,
    ColorRamp,
    Heatmap,
    point_weights,
    radius_in_pixels,
)
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import (
    Categorized,
    SingleSymbol,
    categorize,
    class_rows,
    symbology_from_dict,
    symbology_to_dict,
)


@pytest.fixture
def reports() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {
            "status": ["open", "closed", "open"],
            "priority": [1.0, None, 3.0],
            "note": ["a", "b", "c"],
            "urgent": [True, False, True],
        },
        geometry=[Point(0, 0), MultiPoint([(1, 1), (2, 2)]), Point(3, 3)],
        crs="EPSG:26919",
    )
    return VectorLayer(frame, "Reports")


def test_defaults_follow_qgis_a_ten_millimetre_screen_radius_and_automatic_maximum() -> None:
    heatmap = Heatmap()
    assert (heatmap.radius, heatmap.radius_unit, heatmap.maximum) == (10.0, "mm", None)
    assert heatmap.weight_field is None
    assert heatmap.ramp is HEAT_RAMPS[DEFAULT_HEAT_RAMP]


@pytest.mark.parametrize("name", list(HEAT_RAMPS))
def test_every_built_in_ramp_is_transparent_at_zero_and_opaque_at_the_top(name: str) -> None:
    table = HEAT_RAMPS[name].rgba(256)
    assert table[0, 3] == 0
    assert table[-1, 3] == 255
    assert (np.diff(table[:, 3].astype(int)) >= 0).all()  # never fades out again


def test_a_ramp_blends_each_channel_alpha_included_between_its_stops() -> None:
    ramp = ColorRamp("test", ((0.0, "#00000000"), (0.5, "#ff000080"), (1.0, "#ffffff")))
    table = ramp.rgba(5)  # positions 0, .25, .5, .75, 1
    assert table.tolist() == [
        [0, 0, 0, 0],
        [128, 0, 0, 64],
        [255, 0, 0, 128],
        [255, 128, 128, 192],
        [255, 255, 255, 255],
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"radius": 0.0}, "radius must be a positive"),
        ({"radius": float("nan")}, "radius must be a positive"),
        ({"radius_unit": "ft"}, "Unknown heatmap radius unit 'ft'"),
        ({"maximum": -2.0}, "maximum must be a positive"),
    ],
)
def test_impossible_settings_are_refused_saying_which(settings: dict, message: str) -> None:
    with pytest.raises(MapdeskError, match=message):
        Heatmap(**settings)


@pytest.mark.parametrize(
    "stops",
    [
        ((0.0, "#ffffff"),),
        ((0.1, "#ffffff"), (1.0, "#000000")),
        ((0.0, "#ffffff"), (0.7, "#ff0000"), (0.3, "#00ff00"), (1.0, "#000000")),
        ((0.0, "white"), (1.0, "#000000")),
    ],
)
def test_a_damaged_ramp_is_refused(stops: tuple) -> None:
    with pytest.raises(MapdeskError, match="Colour ramp 'bad'"):
        ColorRamp("bad", stops)


def test_radius_in_device_pixels_for_each_unit() -> None:
    assert radius_in_pixels(Heatmap(10.0, "mm"), 1.0, None) == pytest.approx(37.795, abs=1e-3)
    assert radius_in_pixels(Heatmap(10.0, "mm"), 2.0, None) == pytest.approx(75.591, abs=1e-3)
    assert radius_in_pixels(Heatmap(12.0, "px"), 2.0, None) == 24.0
    assert radius_in_pixels(Heatmap(150.0, "m"), 2.0, 2.5) == 60.0  # 2.5 m a device pixel
    assert radius_in_pixels(Heatmap(150.0, "m"), 1.0, None) == 150.0  # unknown units: as is


def test_weights_count_null_as_nothing(reports: VectorLayer) -> None:
    weights = point_weights(Heatmap(weight_field="priority"), reports.data)
    assert weights is not None and weights.tolist() == [1.0, 0.0, 3.0]
    assert point_weights(Heatmap(), reports.data) is None


def test_the_layer_takes_a_heatmap_and_classes_are_none(reports: VectorLayer) -> None:
    reports.symbology = Heatmap(weight_field="priority")
    assert isinstance(reports.symbology, Heatmap)
    assert class_rows(reports.symbology, reports.data).classes == ()


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ("missing", 'no field "missing"'),
        ("note", 'Field "note" of layer "Reports" holds no numbers'),
        ("urgent", 'Field "urgent" of layer "Reports" holds no numbers'),
    ],
)
def test_a_weight_that_is_not_a_number_field_is_refused(
    reports: VectorLayer, weight: str, message: str
) -> None:
    before = categorize(reports.data, "status", LayerStyle())
    reports.symbology = before
    with pytest.raises(MapdeskError, match=message):
        reports.symbology = Heatmap(weight_field=weight)
    assert reports.symbology is before


def test_only_point_layers_take_a_heatmap() -> None:
    parcels = VectorLayer(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=26919), "Parcels")
    with pytest.raises(MapdeskError, match='Layer "Parcels" has no points'):
        parcels.symbology = Heatmap()
    assert isinstance(parcels.symbology, SingleSymbol)


def test_the_dict_form_survives_json_and_comes_back_equal() -> None:
    custom = ColorRamp("From QGIS", ((0.0, "#ffffff00"), (0.25, "#fecc5c"), (1.0, "#bd0026")))
    heatmap = Heatmap(25.0, "m", custom, "priority", 40.0)
    data = json.loads(json.dumps(symbology_to_dict(heatmap)))
    assert data["kind"] == "heatmap"
    assert symbology_from_dict(data) == heatmap


def test_a_heatmap_entry_missing_optional_keys_takes_the_defaults() -> None:
    assert symbology_from_dict({"kind": "heatmap"}) == Heatmap()


def test_a_damaged_heatmap_entry_names_the_problem() -> None:
    with pytest.raises(MapdeskError, match="radius must be a positive"):
        symbology_from_dict({"kind": "heatmap", "radius": -1})
    with pytest.raises(MapdeskError, match="damaged"):
        symbology_from_dict({"kind": "heatmap", "ramp": {"name": "x"}})


def test_a_project_saves_and_reopens_the_heatmap(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"calls": [2, 5], "status": ["open", "closed"]},
        geometry=[Point(0, 0), Point(10, 10)],
        crs="EPSG:26919",
    )
    frame.to_file(tmp_path / "calls.gpkg", layer="calls", driver="GPKG")
    project = Project(crs="EPSG:26919")
    layer = project.add_layer(tmp_path / "calls.gpkg", layer="calls")
    heatmap = Heatmap(300.0, "m", HEAT_RAMPS["Magma"], "calls", 12.5)
    layer.symbology = heatmap
    project.save(tmp_path / "calls.mapdesk")

    reopened = Project.open(tmp_path / "calls.mapdesk")

    back = reopened.layers.by_name(layer.name)
    assert back.symbology == heatmap
    assert back.warnings == ()


def test_a_project_written_before_heatmaps_still_opens(tmp_path: Path) -> None:
    """A version-1 file from before heatmaps (categories only) opens unchanged."""
    frame = gpd.GeoDataFrame(
        {"status": ["open", "closed"]}, geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:26919"
    )
    frame.to_file(tmp_path / "r.gpkg", layer="r", driver="GPKG")
    categories = categorize(pd.DataFrame({"status": ["open", "closed"]}), "status", LayerStyle())
    document = {
        "format": "mapdesk-project",
        "version": 1,
        "crs": None,
        "layers": [
            {
                "path": "r.gpkg",
                "layer": "r",
                "name": "Reports",
                "style": {"fill_color": "#ff0000"},
                "symbology": symbology_to_dict(categories),
            }
        ],
    }
    (tmp_path / "old.mapdesk").write_text(json.dumps(document))

    reopened = Project.open(tmp_path / "old.mapdesk")

    layer = reopened.layers.by_name("Reports")
    assert isinstance(layer.symbology, Categorized)
    assert layer.symbology == categories
