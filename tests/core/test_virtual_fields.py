"""Virtual fields: computed columns kept with the project, never written to the file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from mapdesk import Project
from mapdesk.core.errors import ExpressionError, MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.virtual_fields import (
    add_virtual_field,
    check_field_name,
    remove_virtual_field,
    stored_columns,
)


def parcels() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"acreage": [0.5, 1.25, None], "land_use": ["Residential", "Office", "Park"]},
        geometry=[Point(i * 100, 0).buffer(10) for i in range(3)],
        crs=26984,
    )


def test_a_virtual_field_is_a_column_for_everything_but_the_file():
    layer = VectorLayer(parcels(), "Parcels")
    values = add_virtual_field(layer, "sq_ft", "round(acreage * 43560)")
    assert values.tolist()[:2] == [21780, 54450]
    assert "sq_ft" in layer.data.columns and layer.virtual_fields == {
        "sq_ft": "round(acreage * 43560)"
    }
    assert layer.select_by_expression("sq_ft > 30000") == 1  # usable in expressions
    assert stored_columns(layer) == ["acreage", "land_use", "geometry"]
    remove_virtual_field(layer, "sq_ft")
    assert "sq_ft" not in layer.data.columns and layer.virtual_fields == {}


def test_names_and_expressions_are_checked_and_the_layer_left_alone():
    layer = VectorLayer(parcels(), "Parcels")
    for bad in ("", "1st", "acreage", "ACREAGE", "a;b", "x" * 70):
        with pytest.raises(MapdeskError):
            check_field_name(layer, bad)
    with pytest.raises(ExpressionError):
        add_virtual_field(layer, "x", "acerage * 2")
    assert list(layer.data.columns) == ["acreage", "land_use", "geometry"]
    with pytest.raises(MapdeskError, match="not a virtual field"):
        remove_virtual_field(layer, "acreage")


def test_virtual_fields_are_saved_as_expressions_and_computed_on_opening(tmp_path: Path):
    data = tmp_path / "parcels.geojson"
    parcels().to_file(data)
    project = Project(crs=26984)
    layer = project.add_layer(data)
    add_virtual_field(layer, "label", "upper(land_use)")
    project.save(tmp_path / "p.mapdesk")
    gpd.read_file(data).assign(land_use=["School", "Office", "Park"]).to_file(data)
    reopened = Project.open(tmp_path / "p.mapdesk").layers[0]
    assert reopened.data["label"].tolist() == ["SCHOOL", "OFFICE", "PARK"]
    assert "label" not in gpd.read_file(data).columns


def test_a_virtual_field_can_be_updated_a_stored_one_only_in_edit_mode():
    from mapdesk.core.virtual_fields import update_virtual_field

    layer = VectorLayer(parcels(), "Parcels")
    add_virtual_field(layer, "sq_ft", "acreage * 43560")
    update_virtual_field(layer, "sq_ft", "round(acreage * 43560 / 1000)")
    assert layer.data["sq_ft"].tolist()[:2] == [22, 54]
    assert layer.virtual_fields["sq_ft"] == "round(acreage * 43560 / 1000)"
    with pytest.raises(MapdeskError, match="only in edit mode"):
        update_virtual_field(layer, "acreage", "1")
    assert layer.data["acreage"].tolist()[:2] == [0.5, 1.25]
