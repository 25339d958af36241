"""The pre-export check names every change, and the export refuses what it cannot hold."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
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
    assert any("'request_id': 1 integer too long for ESRI Shapefile" in n for n in notes)
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


def test_an_export_never_writes_over_its_source_or_other_data(tmp_path: Path) -> None:
    roads = tmp_path / "roads.shp"
    incidents().to_file(roads)
    prj_before = roads.with_suffix(".prj").read_text()
    frame = load_layer(str(roads), None).data
    with pytest.raises(ExportError, match=r"roads\.prj belongs to roads\.shp"):
        export_vector(frame, tmp_path / "roads.csv")  # its .prj would replace the shapefile's
    assert roads.with_suffix(".prj").read_text() == prj_before
    with pytest.raises(ExportError, match=r"roads\.shp is the file being exported from"):
        export_vector(frame, roads, source=roads)
    city = tmp_path / "city.gpkg"
    for name in ("parcels", "hydrants"):
        incidents().to_file(city, layer=name)
    with pytest.raises(ExportError, match=r"city\.gpkg holds 2 layers \(parcels, hydrants\)"):
        export_vector(frame, city)
    assert [row[0] for row in pyogrio.list_layers(city)] == ["parcels", "hydrants"]


def test_integer_fields_with_nulls_are_written_as_integers(tmp_path: Path) -> None:
    source = tmp_path / "counts.gpkg"
    gpd.GeoDataFrame(
        {"count": pd.array([3, None], dtype="Int32")},
        geometry=[Point(0, 0), Point(1, 1)],
        crs="EPSG:26919",
    ).to_file(source)
    read = load_layer(str(source), None).data  # NULLs make pandas read float64
    assert read["count"].dtype == "float64"
    out = tmp_path / "out.gpkg"
    export_vector(read, out, field_types=read.attrs["field_types"])
    assert pyogrio.read_info(out)["dtypes"].tolist() == ["int32"]


def test_names_formats_keep_for_themselves_are_renamed_and_said(tmp_path: Path) -> None:
    frame = incidents().assign(WKT=["a", "b"], fid=[10, 20], begin=["x", "y"])
    csv_notes = messages("out.csv", frame)
    assert any("'WKT' renamed 'WKT_1'" in n for n in csv_notes)
    assert any("'fid' renamed 'fid_1'" in n for n in messages("out.gpkg", frame))
    assert any("'begin' renamed 'begin_1'" in n for n in messages("out.kml", frame))
    back = load_layer(str(export_vector(frame, tmp_path / "out.csv").path), None).data
    assert back["WKT_1"].tolist() == ["a", "b"]


def test_lists_are_written_as_json_and_stale_side_files_go(tmp_path: Path) -> None:
    frame = incidents().assign(tags=[np.arange(1500), ["x", "y"]])
    export_vector(frame, tmp_path / "tagged.gpkg")
    back = load_layer(str(tmp_path / "tagged.gpkg"), None).data
    assert json.loads(back["tags"].iloc[1]) == ["x", "y"]
    assert json.loads(back["tags"].iloc[0])[-1] == 1499  # whole, not "[0 1 2 ... 1499]"
    export_vector(frame, tmp_path / "tagged.shp")
    assert (tmp_path / "tagged.fields.csv").exists()
    plain = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)])  # no CRS, short names
    export_vector(plain, tmp_path / "tagged.shp")
    assert not (tmp_path / "tagged.fields.csv").exists()  # it described the old fields
    assert not (tmp_path / "tagged.prj").exists()  # the old CRS is not this file's


def test_reprojecting_measured_geometries_says_m_is_dropped(tmp_path: Path) -> None:
    from shapely import wkt

    frame = gpd.GeoDataFrame(
        {"km": [1]}, geometry=[wkt.loads("POINT ZM (398000 4835000 10 5)")], crs="EPSG:26919"
    )
    kept = export_vector(frame, tmp_path / "kept.gpkg")  # no reprojection: M stays
    assert not kept.plan.issues
    assert load_layer(str(kept.path), None).data.geometry.iloc[0].has_m
    result = export_vector(frame, tmp_path / "route.gpkg", crs="EPSG:2802")
    assert any(
        "M values dropped from 1 features: reprojecting" in i.message for i in result.plan.issues
    )
    back = load_layer(str(result.path), None).data.geometry.iloc[0]
    assert back.has_z and back.z == pytest.approx(10.0)  # Z reprojected, not lost
