"""Round trips: a layer written with pyogrio/geopandas reads back through mapdesk.io."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from mapdesk.core.errors import LayerNotFoundError
from mapdesk.io import describe, list_layers, read_layer


def _same_features(read: gpd.GeoDataFrame, written: gpd.GeoDataFrame) -> None:
    assert len(read) == len(written)
    assert read.geometry.name == "geometry"
    assert read.crs is not None and read.crs.equals(written.crs)
    assert read.geometry.geom_equals_exact(written.geometry, 1e-9, align=False).all()


def test_geopackage_lists_layers_and_reads_the_chosen_one(tmp_path, stations, roads):
    path = tmp_path / "city.gpkg"
    stations.to_file(path, layer="stations", engine="pyogrio")
    roads.to_file(path, layer="roads", engine="pyogrio")

    infos = {info.name: info for info in list_layers(path)}
    result = read_layer(path, "roads")

    assert set(infos) == {"stations", "roads"}
    assert infos["stations"].geometry_type == "Point"
    assert infos["stations"].feature_count == 3
    assert infos["roads"].crs.to_epsg() == 4326
    assert ("lanes", "Integer64") in infos["roads"].fields
    _same_features(result.frame, roads)
    assert result.source.layer == "roads"
    assert (result.source.driver, result.source.reader) == ("GPKG", "pyogrio")


def test_geopackage_without_layer_names_its_layers(tmp_path, stations, roads):
    path = tmp_path / "city.gpkg"
    stations.to_file(path, layer="stations", engine="pyogrio")
    roads.to_file(path, layer="roads", engine="pyogrio")

    with pytest.raises(LayerNotFoundError, match=r"city\.gpkg has 2 layers.*stations.*roads"):
        read_layer(path)
    with pytest.raises(LayerNotFoundError, match="no layer 'rail'"):
        read_layer(path, "rail")


def test_geopackage_attribute_table_reads_without_geometry(tmp_path, stations):
    path = tmp_path / "assets.gpkg"
    stations.to_file(path, layer="stations", engine="pyogrio")
    pyogrio.write_dataframe(stations.drop(columns="geometry"), path, layer="inventory")

    result = read_layer(path, "inventory")

    assert len(result.frame) == 3
    assert result.frame.geometry.isna().all()
    assert any("no geometries" in w for w in result.warnings)


def test_shapefile_reads_with_its_crs(tmp_path, stations):
    path = tmp_path / "stations.shp"
    stations.to_file(path, engine="pyogrio")

    result = read_layer(path)

    _same_features(result.frame, stations)
    assert result.frame["station_id"].tolist() == ["007", "012", "101"]
    assert result.source.layer is None
    assert result.source.driver == "ESRI Shapefile"
    assert result.warnings == ()


def _zip(folder: Path, zip_path: Path, prefix: str = "", upper: bool = False) -> None:
    with zipfile.ZipFile(zip_path, "w") as archive:
        for part in sorted(folder.iterdir()):
            name = part.stem + (part.suffix.upper() if upper else part.suffix)
            archive.write(part, prefix + name)


def test_zipped_shapefile_in_a_subfolder_reads_in_place(tmp_path, stations):
    folder = tmp_path / "export"
    folder.mkdir()
    stations.to_file(folder / "stations.shp", engine="pyogrio")
    zip_path = tmp_path / "stations.zip"
    _zip(folder, zip_path, prefix="export/")

    (info,) = list_layers(zip_path)
    result = read_layer(zip_path)

    assert info.name == "export/stations.shp"
    assert info.feature_count == 3
    _same_features(result.frame, stations)
    assert result.source.layer == "export/stations.shp"
    assert result.source.path == str(zip_path)


def test_zip_with_two_shapefiles_and_upper_case_extensions(tmp_path, stations, roads):
    for name, frame in (("stations", stations), ("roads", roads)):
        (tmp_path / name).mkdir()
        frame.to_file(tmp_path / name / f"{name}.shp", engine="pyogrio")
    zip_path = tmp_path / "both.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        for part in sorted((tmp_path / "stations").iterdir()):
            archive.write(part, part.name)
        for part in sorted((tmp_path / "roads").iterdir()):
            archive.write(part, part.stem + part.suffix.upper())

    names = [info.name for info in list_layers(zip_path)]

    assert names == ["roads.SHP", "stations.shp"]
    with pytest.raises(LayerNotFoundError, match=r"roads\.SHP"):
        read_layer(zip_path)
    _same_features(read_layer(zip_path, "roads.SHP").frame, roads)
    _same_features(read_layer(zip_path, "stations").frame, stations)


def test_geojson_round_trip(tmp_path, roads):
    path = tmp_path / "roads.geojson"
    roads.to_file(path, driver="GeoJSON", engine="pyogrio")

    result = read_layer(path)

    _same_features(result.frame, roads)
    assert result.source.driver == "GeoJSON"


def test_kml_folders_are_layers(tmp_path, roads, parcels):
    path = tmp_path / "map.kml"
    roads.to_file(path, layer="Roads", driver="KML", engine="pyogrio")
    parcels.to_file(path, layer="Parcels", driver="KML", engine="pyogrio", append=True)

    names = [info.name for info in list_layers(path)]
    result = read_layer(path, "Parcels")

    assert names == ["Roads", "Parcels"]
    assert len(result.frame) == 1
    assert result.frame.geom_type.tolist() == ["Polygon"]
    assert result.source.layer == "Parcels"


def test_flatgeobuf_round_trip(tmp_path, stations):
    path = tmp_path / "stations.fgb"
    # Without the spatial index GDAL keeps the features in the order written.
    stations.to_file(path, driver="FlatGeobuf", engine="pyogrio", SPATIAL_INDEX="NO")

    result = read_layer(path)

    _same_features(result.frame, stations)
    assert result.source.driver == "FlatGeobuf"


def test_geoparquet_round_trip(tmp_path, parcels):
    path = tmp_path / "parcels.parquet"
    parcels.to_parquet(path)

    (info,) = describe(path)
    result = read_layer(path)

    assert (info.name, info.driver, info.feature_count) == ("parcels", "GeoParquet", 1)
    assert info.geometry_type == "Polygon"
    _same_features(result.frame, parcels)
    assert result.source.reader == "geoparquet"


def test_parquet_without_geo_metadata_reads_its_wkb_column(tmp_path, parcels):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"parcel": ["A-1"], "geometry": parcels.geometry.to_wkb().tolist()})
    path = tmp_path / "plain.parquet"
    pq.write_table(table, path)

    result = read_layer(path)

    assert result.frame.geometry.iloc[0].equals(parcels.geometry.iloc[0])
    assert result.frame.crs is None
    assert any("no GeoParquet metadata" in w for w in result.warnings)


GPX = """<?xml version="1.0"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="43.656" lon="-70.26"><name>Hydrant 12</name></wpt>
  <wpt lat="43.660" lon="-70.25"><name>Hydrant 13</name></wpt>
  <trk><name>Patrol</name><trkseg>
    <trkpt lat="43.65" lon="-70.26"/><trkpt lat="43.66" lon="-70.25"/>
  </trkseg></trk>
</gpx>
"""


def test_gpx_layers_list_and_read(tmp_path):
    path = tmp_path / "patrol.gpx"
    path.write_text(GPX)

    infos = {info.name: info for info in describe(path)}
    waypoints = read_layer(path, "waypoints")

    assert {"waypoints", "tracks", "track_points"} <= set(infos)
    assert infos["waypoints"].feature_count == 2
    assert waypoints.frame["name"].tolist() == ["Hydrant 12", "Hydrant 13"]
    assert waypoints.frame.crs.to_epsg() == 4326
    with pytest.raises(LayerNotFoundError, match=r"patrol\.gpx has 5 layers"):
        read_layer(path)


def test_describe_gives_counts_extent_and_fields(tmp_path, stations):
    path = tmp_path / "stations.gpkg"
    stations.to_file(path, layer="stations", engine="pyogrio")

    (info,) = describe(path)

    assert info.feature_count == 3
    assert info.extent == pytest.approx((869500, 91500, 871200, 92300))
    assert info.fields == (("station_id", "String"), ("name", "String"))
    assert info.crs.to_epsg() == 26984


def test_kmz_is_read_in_place(tmp_path, roads):
    roads.to_file(tmp_path / "doc.kml", layer="Roads", driver="KML", engine="pyogrio")
    path = tmp_path / "roads.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(tmp_path / "doc.kml", "doc.kml")

    result = read_layer(path)

    assert len(result.frame) == 2
    assert result.source.layer == "Roads"
