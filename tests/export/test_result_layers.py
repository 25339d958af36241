"""An analysis's result layers land together in a new GeoPackage, never over user data."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from mapdesk.export.formats import ExportError
from mapdesk.export.result_layers import ResultLayer, write_result_layers

DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"


def layers() -> list[ResultLayer]:
    areas = gpd.GeoDataFrame(
        {"name": ["A"]}, geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:26984"
    )
    empty = gpd.GeoDataFrame({"address": []}, geometry=[], crs="EPSG:26984")
    return [ResultLayer("areas", areas, "MultiPolygon"), ResultLayer("points", empty, "Point")]


def test_layers_are_written_with_their_types_even_empty(tmp_path: Path) -> None:
    out = tmp_path / "result.gpkg"
    write_result_layers(out, layers())
    listed = {str(name): str(kind) for name, kind in pyogrio.list_layers(out)}
    assert listed == {"areas": "MultiPolygon", "points": "Point"}
    assert pyogrio.read_info(out, layer="areas")["features"] == 1
    write_result_layers(out, layers())  # an earlier result is replaced
    assert not list(tmp_path.glob(".result*"))


def test_an_input_or_a_file_with_other_layers_is_never_replaced(tmp_path: Path) -> None:
    data = tmp_path / "data.gpkg"
    shutil.copyfile(DEMO, data)
    before = data.read_bytes()
    with pytest.raises(ExportError, match=r"data\.gpkg is an input of the analysis"):
        write_result_layers(data, layers(), [data])
    with pytest.raises(ExportError, match=r"holds other layers \(address_points, "):
        write_result_layers(data, layers())
    assert data.read_bytes() == before


def test_a_bad_target_is_named(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"name it \.gpkg, not result\.shp"):
        write_result_layers(tmp_path / "result.shp", layers())
    with pytest.raises(ExportError, match=r"the folder .* does not exist"):
        write_result_layers(tmp_path / "absent" / "result.gpkg", layers())
