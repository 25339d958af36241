"""Bad paths and bad files give a MapdeskError naming the file; sources stay untouched."""

from __future__ import annotations

import json
import os
import zipfile

import pytest

from mapdesk.core.errors import (
    DataSourceError,
    LayerNotFoundError,
    MapdeskError,
    UnsupportedFormatError,
)
from mapdesk.io import describe, list_layers, read_layer


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataSourceError, match=r"parcels\.gpkg: file not found"):
        read_layer(tmp_path / "parcels.gpkg")
    with pytest.raises(DataSourceError, match=r"parcels\.gpkg: file not found"):
        list_layers(tmp_path / "parcels.gpkg")


@pytest.mark.parametrize("name", ["notes.txt", "blob.bin", "mystery"])
def test_random_bytes_are_an_unsupported_format(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(os.urandom(2048))

    with pytest.raises(UnsupportedFormatError, match=rf"^{name}: "):
        read_layer(path)
    with pytest.raises(UnsupportedFormatError, match=rf"^{name}: "):
        list_layers(path)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("https://gis.portlandmaine.gov/parcels.geojson", "web addresses"),
        ("http://example.com/x.zip", "web addresses"),
        ("s3://bucket/x.gpkg", "web addresses"),
        ("/vsicurl/https://example.com/x.fgb", "GDAL virtual paths"),
        ("/vsizip//tmp/x.zip/x.shp", "GDAL virtual paths"),
        ('{"type": "FeatureCollection", "features": []}', "GeoJSON text"),
        ("", "No file was given"),
    ],
)
def test_urls_vsi_paths_and_inline_json_are_refused(given, words):
    for call in (read_layer, list_layers, describe):
        with pytest.raises(DataSourceError, match=words) as caught:
            call(given)
        assert given[:20] in str(caught.value)


def test_folder_is_refused(tmp_path):
    with pytest.raises(DataSourceError, match="this is a folder"):
        read_layer(tmp_path)


def test_missing_shx_is_explained_and_not_rebuilt(tmp_path, stations, folder_digest):
    stations.to_file(tmp_path / "stations.shp", engine="pyogrio")
    (tmp_path / "stations.shx").unlink()
    before = folder_digest(tmp_path)

    with pytest.raises(DataSourceError, match=r"stations\.shp: the \.shx index file is missing"):
        read_layer(tmp_path / "stations.shp")
    with pytest.raises(DataSourceError, match="does not rebuild it in place"):
        list_layers(tmp_path / "stations.shp")
    assert folder_digest(tmp_path) == before  # no .shx was written beside it


def test_missing_shx_inside_a_zip(tmp_path, stations):
    stations.to_file(tmp_path / "stations.shp", engine="pyogrio")
    zip_path = tmp_path / "stations.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        for suffix in (".shp", ".dbf", ".prj"):
            archive.write(tmp_path / f"stations{suffix}", f"stations{suffix}")

    with pytest.raises(DataSourceError, match=r"stations\.zip \(stations\.shp\): the \.shx"):
        read_layer(zip_path)


def test_missing_prj_gives_no_crs_and_a_warning(tmp_path, stations):
    stations.to_file(tmp_path / "stations.shp", engine="pyogrio")
    (tmp_path / "stations.prj").unlink()

    result = read_layer(tmp_path / "stations.shp")

    assert result.frame.crs is None
    assert result.warnings == (
        "No CRS: stations.shp has no .prj file; choose its coordinate reference system",
    )


def test_a_lone_dbf_reads_as_a_table(tmp_path, stations):
    stations.to_file(tmp_path / "stations.shp", engine="pyogrio")
    for suffix in (".shp", ".shx"):
        (tmp_path / f"stations{suffix}").unlink()

    result = read_layer(tmp_path / "stations.dbf")

    assert result.frame["name"].tolist() == ["Central", "Bramhall", "Ocean Ave"]
    assert result.frame.geometry.isna().all()


def test_not_a_shapefile(tmp_path):
    path = tmp_path / "bad.shp"
    path.write_bytes(b"\x03\x71\x09\x0a" + bytes(200))

    with pytest.raises(UnsupportedFormatError, match=r"bad\.shp: this is not a valid shapefile"):
        read_layer(path)


def test_not_a_zip(tmp_path):
    path = tmp_path / "badzip.zip"
    path.write_bytes(b"\x03\x71\x09\x0a" + bytes(200))

    with pytest.raises(DataSourceError, match=r"badzip\.zip: this is not a valid zip archive"):
        list_layers(path)


def test_zip_without_gis_files_lists_what_it_holds(tmp_path):
    path = tmp_path / "empty_zipfile.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("dummyfile.txt", "")

    with pytest.raises(UnsupportedFormatError, match=r"empty_zipfile\.zip.*dummyfile\.txt"):
        read_layer(path)


def test_zip_holding_one_geojson_reads_it(tmp_path, roads):
    roads.to_file(tmp_path / "roads.geojson", driver="GeoJSON", engine="pyogrio")
    path = tmp_path / "roads.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(tmp_path / "roads.geojson", "data/roads.geojson")

    assert len(read_layer(path).frame) == 2


def test_json_that_is_not_geojson(tmp_path):
    path = tmp_path / "issues_sf.json"
    path.write_text(json.dumps({"issues": [{"lat": 37.7, "lng": -122.4}]}))

    with pytest.raises(UnsupportedFormatError, match=r"issues_sf\.json: this JSON file is not"):
        read_layer(path)


def test_unknown_layer_lists_the_real_ones(tmp_path, roads):
    path = tmp_path / "roads.geojson"
    roads.to_file(path, driver="GeoJSON", engine="pyogrio")

    with pytest.raises(LayerNotFoundError, match=r"roads\.geojson: there is no layer 'x'.*'roads'"):
        read_layer(path, "x")


def test_a_library_exception_is_wrapped_with_its_cause(tmp_path, roads, monkeypatch):
    import pyogrio

    path = tmp_path / "roads.geojson"
    roads.to_file(path, driver="GeoJSON", engine="pyogrio")

    def explode(*args, **kwargs):
        raise RuntimeError("something GDAL said")

    monkeypatch.setattr(pyogrio, "read_arrow", explode)
    monkeypatch.setattr(pyogrio, "read_dataframe", explode)
    with pytest.raises(MapdeskError, match=r"roads\.geojson.*something GDAL said") as caught:
        read_layer(path)
    assert isinstance(caught.value.__cause__, RuntimeError)


def test_reading_leaves_every_source_file_byte_identical(tmp_path, stations, roads, folder_digest):
    stations.to_file(tmp_path / "stations.shp", engine="pyogrio")
    roads.to_file(tmp_path / "city.gpkg", layer="roads", engine="pyogrio")
    roads.to_file(tmp_path / "roads.fgb", driver="FlatGeobuf", engine="pyogrio")
    (tmp_path / "scf.csv").write_text("Lat,Lng\n43.6,-70.2\n")
    with zipfile.ZipFile(tmp_path / "stations.zip", "w") as archive:
        for part in tmp_path.glob("stations.*"):
            archive.write(part, part.name)
    (tmp_path / "orphan.shp").write_bytes((tmp_path / "stations.shp").read_bytes())
    before = folder_digest(tmp_path)

    for name in ("stations.shp", "city.gpkg", "roads.fgb", "scf.csv", "stations.zip"):
        describe(tmp_path / name)
        read_layer(tmp_path / name)
    with pytest.raises(DataSourceError):
        read_layer(tmp_path / "orphan.shp")

    assert folder_digest(tmp_path) == before
