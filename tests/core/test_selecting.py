"""Which features a click, an area or a location query picks, in the map CRS."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point, box

from mapdesk.core.crs import parse_crs
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.selecting import (
    SpatialRelation,
    fids_of,
    rows_by_location,
    rows_clicked,
    rows_in_area,
)

UTM = parse_crs("EPSG:26919")


def layer(geoms, crs=26919, name="l", fids=None):
    frame = gpd.GeoDataFrame(geometry=list(geoms), crs=crs)
    if fids is not None:
        frame.index = fids
    return VectorLayer(frame, name)


def test_a_click_picks_the_nearest_then_the_one_on_top():
    stacked = layer([box(0, 0, 10, 10), box(5, 5, 15, 15), Point(30, 30)], fids=[7, 8, 9])
    assert rows_clicked(stacked, UTM, 7, 7, 1.0).tolist() == [1]  # both contain it: the top one
    assert rows_clicked(stacked, UTM, 30.5, 30, 1.0).tolist() == [2]
    assert rows_clicked(stacked, UTM, 50, 50, 1.0).tolist() == []
    assert fids_of(stacked, rows_clicked(stacked, UTM, 2, 2, 1.0)).tolist() == [7]


def test_an_area_picks_what_it_meets():
    points = layer([Point(1, 1), Point(5, 5), Point(9, 9)])
    assert rows_in_area(points, UTM, box(0, 0, 5, 5)).tolist() == [0, 1]
    circle = Point(9, 9).buffer(1)
    assert rows_in_area(points, UTM, circle).tolist() == [2]
    assert rows_in_area(points, UTM, shapely.Polygon()).tolist() == []


def test_location_queries_compare_layers_in_the_map_crs():
    # Stations in UTM 19N, incidents in WGS 84: compared where the map shows them.
    station = layer([Point(398000, 4835000)], name="stations")
    near, far = Point(398100, 4835000), Point(400000, 4835000)
    wgs = gpd.GeoSeries([near, far], crs=26919).to_crs(4326)
    incidents = layer(list(wgs), crs=4326, name="incidents")
    rows = rows_by_location(incidents, UTM, station, SpatialRelation.ARE_WITHIN_DISTANCE, 500)
    assert rows.tolist() == [0]
    zones = layer([box(397000, 4834000, 399000, 4836000)], name="zones")
    within = rows_by_location(incidents, UTM, zones, SpatialRelation.ARE_WITHIN)
    assert within.tolist() == [0]
    assert rows_by_location(zones, UTM, incidents, SpatialRelation.INTERSECT).tolist() == [0]


def test_location_query_on_some_reference_features_and_bad_distance():
    points = layer([Point(0, 0), Point(100, 0)])
    refs = layer([Point(1, 0), Point(101, 0)])
    relation = SpatialRelation.ARE_WITHIN_DISTANCE
    assert rows_by_location(points, UTM, refs, relation, 5, reference_rows=[1]).tolist() == [1]
    with pytest.raises(MapdeskError, match="must not be negative"):
        rows_by_location(points, UTM, refs, relation, -1)
