"""The pre-export check names every change, and the export refuses what it cannot hold."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, box

from mapdesk.export.formats import ExportError, format_for
from mapdesk.export.vector import export_vector, plan_export
from mapdesk.io.loader import load_layer


def incidents() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "description_long": ["Pothole on Congress St" * 20, "Streetlight out"],
            "description_short": ["pothole", "light"],
            "request_id": pd.array([2**62 + 1, 7], dtype="Int64"),
            "reported": pd.to_datetime(["2024-05-31 14:30:00", "2024-06-01 09:00:00"]),
        },
        geometry=[Point(398000, 4835000), Point(398100, 4835100)],
        crs="EPSG:26919",
    )


def messages(path: str, frame: gpd.GeoDataFrame) -> list[str]:
    return [issue.message for issue in plan_export(frame, Path(path))[1].issues]


def test_shapefile_check_lists_every_change_and_writes_the_name_mapping(tmp_path: Path) -> None:
    notes = messages("out.shp", incidents())
    assert "'description_long' renamed 'descriptio': ESRI Shapefile field names" in notes[-2]
    assert "'description_short' renamed 'descript_1': its first 10 bytes clash" in notes[-1]
    assert any("cut to 254 bytes" in n and "'description_long'" in n for n in notes)
    assert any("'request_id': 1 integer beyond 15 digits" in n for n in notes)
    assert any("'reported': date-times written as text in ISO 8601" in n for n in notes)
    result = export_vector(incidents(), tmp_path / "requests.shp")
    mapping = (tmp_path / "requests.fields.csv").read_text().splitlines()
    assert mapping == [
        "original,in_file",
        "description_long,descriptio",
        "description_short,descript_1",
    ]
    back = load_layer(str(result.path), None).data
    assert back["request_id"].tolist() == [str(2**62 + 1), "7"]  # every digit kept
    assert back["reported"].tolist() == ["2024-05-31T14:30:00", "2024-06-01T09:00:00"]
    assert len(back["descriptio"].iloc[0].encode()) == 254


def test_geopackage_needs_no_announcement() -> None:
    assert messages("out.gpkg", incidents()) == []


def test_shapefile_refuses_mixed_kinds_and_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "assets.shp"
    export_vector(incidents(), target)
    before = target.read_bytes()
    mixed = gpd.GeoDataFrame(
        {"kind": ["switch", "fibre"]},
        geometry=[Point(398000, 4835000), LineString([(398000, 4835000), (398500, 4835500)])],
        crs="EPSG:26919",
    )
    with pytest.raises(ExportError, match=r"mixes lines and points.*export to GeoPackage"):
        export_vector(mixed, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_single_and_multi_polygons_go_to_one_shapefile(tmp_path: Path) -> None:
    zones = gpd.GeoDataFrame(
        {"psap": ["Portland", "South Portland"]},
        geometry=[box(0, 0, 10, 10), MultiPolygon([box(20, 0, 30, 10), box(40, 0, 50, 10)])],
        crs="EPSG:26919",
    )
    assert "all written as multi-part" in messages("zones.shp", zones)[-1]
    export_vector(zones, tmp_path / "zones.shp")
    assert len(load_layer(str(tmp_path / "zones.shp"), None).data) == 2


def test_kml_is_reprojected_to_wgs84_and_says_so(tmp_path: Path) -> None:
    notes = messages("crew.kml", incidents())
    assert "reprojected from EPSG:26919" in notes[-1] and "WGS 84" in notes[-1]
    export_vector(incidents(), tmp_path / "crew.kml")
    back = load_layer(str(tmp_path / "crew.kml"), None).data
    assert back.crs.to_epsg() == 4326
    assert -70.4 < back.geometry.x.iloc[0] < -70.1  # Portland, Maine


def test_target_crs_and_errors_name_the_file(tmp_path: Path) -> None:
    result = export_vector(incidents(), tmp_path / "state.gpkg", crs="EPSG:2802")
    assert load_layer(str(result.path), None).data.crs.to_epsg() == 2802
    with pytest.raises(ExportError, match=r"roads\.dxf: mapdesk cannot export to '\.dxf'"):
        format_for(Path("roads.dxf"))
    no_crs = incidents().set_crs(None, allow_override=True)
    with pytest.raises(ExportError, match="the layer has no CRS"):
        export_vector(no_crs, tmp_path / "x.gpkg", crs="EPSG:4326")
