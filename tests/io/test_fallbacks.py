"""The slower readers behind pyogrio's Arrow path, each on a file that needs it."""

from __future__ import annotations

import pytest
import shapely.errors

from mapdesk.io import is_supported_path, list_layers, read_layer, supported_file_filter
from mapdesk.io import ogr as ogr_reader

KML_UNCLOSED_RING = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>Zones</name>
<Placemark><name>open ring</name><Polygon><outerBoundaryIs><LinearRing>
<coordinates>-70.26,43.65 -70.25,43.65 -70.25,43.66 -70.26,43.66</coordinates>
</LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>fine</name><Point><coordinates>-70.26,43.65</coordinates></Point></Placemark>
</Folder></Document></kml>
"""

GPX_ONE_POINT_ROUTE = """<?xml version="1.0"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <rte><name>stub</name><rtept lat="43.65" lon="-70.26"/></rte>
  <rte><name>real</name><rtept lat="43.65" lon="-70.26"/><rtept lat="43.66" lon="-70.25"/></rte>
</gpx>
"""

# Maine E911 exports use negative node ids, which GDAL's default OSM index refuses.
OSM_NEGATIVE_IDS = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="-3" lat="43.66" lon="-70.25"><tag k="addr:housenumber" v="12"/></node>
  <node id="-1" lat="43.65" lon="-70.26"/>
  <node id="-2" lat="43.655" lon="-70.255"/>
  <way id="-10"><nd ref="-1"/><nd ref="-2"/><nd ref="-3"/><tag k="highway" v="residential"/></way>
</osm>
"""


@pytest.mark.filterwarnings("ignore:Non closed ring detected:RuntimeWarning")
def test_a_broken_ring_is_repaired_and_reported(tmp_path):
    path = tmp_path / "zones.kml"
    path.write_text(KML_UNCLOSED_RING)

    result = read_layer(path, "Zones")

    assert result.frame.geom_type.tolist() == ["Polygon", "Point"]
    assert result.source.reader == "pyogrio"
    assert any("repaired on reading: feature #1" in w for w in result.warnings)


def test_an_unreadable_geometry_loses_only_its_feature(tmp_path):
    path = tmp_path / "routes.gpx"
    path.write_text(GPX_ONE_POINT_ROUTE)

    result = read_layer(path, "routes")

    assert result.frame["name"].tolist() == ["stub", "real"]
    assert result.frame.geometry.isna().tolist() == [True, False]
    assert any("could not read and now has no geometry: feature #1" in w for w in result.warnings)


def test_osm_with_negative_node_ids_reads_its_ways(tmp_path):
    path = tmp_path / "reference.osm"
    path.write_text(OSM_NEGATIVE_IDS)

    lines = read_layer(path, "lines")
    points = read_layer(path, "points")

    assert len(lines.frame) == 1
    assert lines.frame["highway"].tolist() == ["residential"]
    assert len(points.frame) == 1
    assert lines.source.layer == "lines"


def test_a_name_with_an_exclamation_mark_is_read_by_fiona(tmp_path, roads):
    # pyogrio takes "!" for the archive separator of a URI and opens "odd.geojson".
    roads.to_file(tmp_path / "odd.geojson", driver="GeoJSON", engine="pyogrio")
    path = (tmp_path / "odd.geojson").rename(tmp_path / "!odd.geojson")

    (info,) = list_layers(path)
    result = read_layer(path)

    assert info.name == "odd"  # GDAL wrote the layer name into the file
    assert info.driver == "GeoJSON"
    assert len(result.frame) == 2
    assert result.frame.crs.to_epsg() == 4326
    assert (result.source.reader, result.source.driver) == ("fiona", "GeoJSON")


def test_geometry_types_shapely_cannot_hold_go_to_fiona(tmp_path, roads, monkeypatch):
    path = tmp_path / "roads.geojson"
    roads.to_file(path, driver="GeoJSON", engine="pyogrio")

    def tin(*args, **kwargs):
        raise shapely.errors.GEOSException("ParseException: Unknown WKB type 16")

    monkeypatch.setattr(ogr_reader, "_read_arrow", tin)
    monkeypatch.setattr(ogr_reader, "_ATTEMPTS", (tin,))
    result = read_layer(path)

    assert result.source.reader == "fiona"
    assert result.frame["name"].tolist() == ["Congress St", "Forest Ave"]


def test_supported_paths_and_the_file_filter():
    file_filter = supported_file_filter()

    assert file_filter.startswith("Vector files (*.gpkg *.shp *.zip ")
    assert file_filter.endswith(";;All files (*)")
    for ext in ("geojson", "kml", "kmz", "fgb", "parquet", "gpx", "csv"):
        assert f"*.{ext}" in file_filter
    assert is_supported_path("C:/GIS/Zoning.SHP")
    assert is_supported_path("/data/testopenfilegdb.gdb.zip")
    assert not is_supported_path("/data/readme.txt")
    assert not is_supported_path("https://example.com/parcels.geojson")
    assert not is_supported_path(42)


@pytest.mark.parametrize("classified", ["open", "exotic", "decode", "retry"])
def test_failure_classes_are_distinct(classified):
    import pyogrio.errors

    samples = {
        "open": pyogrio.errors.DataSourceError("x.shp: No such file or directory"),
        "exotic": pyogrio.errors.GeometryError("Geometry type is not supported: 17"),
        "decode": shapely.errors.GEOSException("IllegalArgumentException: bad ring"),
        "retry": ValueError("setting an array element with a sequence."),
    }
    assert ogr_reader.classify(samples[classified]) == classified
