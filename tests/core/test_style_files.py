"""Styles saved as files and reused on another layer."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.style_files import load_style, save_style
from mapdesk.core.style_library import fixit_status_symbology


def reports(statuses: list[str | None], name: str = "FixIt") -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"status": statuses, "priority": list(range(len(statuses)))},
        geometry=[Point(i, i) for i in range(len(statuses))],
        crs=26919,
    )
    return VectorLayer(frame, name)


def test_a_saved_style_applies_to_another_layer(tmp_path: Path) -> None:
    this_year = reports(["Open", "Closed", "Acknowledged", None])
    this_year.style = this_year.style.with_changes(marker_size=6.0)
    this_year.symbology = fixit_status_symbology(this_year.data)
    path = save_style(this_year, tmp_path / "fixit.mapdesk-style.json")
    last_year = reports(["Closed", "Open"], name="FixIt 2025")
    load_style(last_year, path)
    assert last_year.symbology == this_year.symbology
    assert last_year.style.marker_size == 6.0
    # Open on top of the legend, in the library's red.
    assert last_year.symbology.categories[0].label == "Open"


def test_bad_style_files_leave_the_layer_alone(tmp_path: Path) -> None:
    layer = reports(["Open"])
    before = (layer.style, layer.symbology)
    cases = {
        "missing.json": None,
        "notjson.json": "{not json",
        "other.json": json.dumps({"type": "FeatureCollection"}),
        "newer.json": json.dumps({"mapdesk_style": 99, "style": {}}),
        "damaged.json": json.dumps({"mapdesk_style": 1, "style": {"fill_color": "red"}}),
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        with pytest.raises(MapdeskError, match=name):
            load_style(layer, path)
        assert (layer.style, layer.symbology) == before, name
    other = reports(["Open"])
    other.data["kind"] = ["x"]
    from mapdesk.core.symbology import categorize

    other.symbology = categorize(other.data, "kind", other.style)
    path = save_style(other, tmp_path / "kind.mapdesk-style.json")
    with pytest.raises(MapdeskError, match='no field "kind"'):
        load_style(layer, path)
    assert (layer.style, layer.symbology) == before
