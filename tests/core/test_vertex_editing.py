"""Vertex edits and snapping, on plain shapely geometries."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from mapdesk.core.editing.snapping import SnapSettings, snap_point
from mapdesk.core.editing.vertices import (
    VertexError,
    inserted_vertex,
    moved_vertex,
    nearest_segment,
    nearest_vertex,
    removed_vertex,
)
from mapdesk.core.spatial import project_geometry

SQUARE = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])


def test_moving_a_rings_first_vertex_keeps_the_ring_closed() -> None:
    hit = nearest_vertex(SQUARE, 0.5, -0.4, tolerance=1.0)
    assert hit is not None and (hit.index, hit.x, hit.y) == (0, 0.0, 0.0)
    assert set(hit.neighbours) == {(10.0, 0.0), (0.0, 10.0)}
    moved = moved_vertex(SQUARE, hit.index, -2, -2)
    ring = list(moved.exterior.coords)
    assert moved.is_valid and ring[0] == ring[-1] == (-2.0, -2.0)
    assert moved.area == pytest.approx(100 + 2 * 10 / 2 * 2)


def test_the_closing_vertex_is_the_first_one() -> None:
    last = len(SQUARE.exterior.coords) - 1
    assert nearest_vertex(SQUARE, 0, 0, 0.1).index == 0
    assert shapely.get_coordinates(SQUARE)[last].tolist() == [0.0, 0.0]


def test_inserting_on_a_segment_and_deleting_it_again() -> None:
    on = nearest_segment(SQUARE, 5, -0.3, tolerance=1.0)
    assert on is not None and (on.index, on.x, on.y) == (0, 5.0, 0.0)
    bent = inserted_vertex(SQUARE, on.index, 5, -3)
    assert len(bent.exterior.coords) == 6 and bent.area == pytest.approx(115)
    assert removed_vertex(bent, 1).equals(SQUARE)


def test_vertices_of_multipart_geometries_and_lines() -> None:
    two = MultiPolygon([SQUARE, shapely.affinity.translate(SQUARE, 20)])
    hit = nearest_vertex(two, 30, 10, 0.5)
    assert hit is not None
    moved = moved_vertex(two, hit.index, 31, 11)
    assert moved.geoms[0].equals(SQUARE) and moved.geoms[1].area > 100
    line = LineString([(0, 0), (5, 0), (10, 0)])
    assert removed_vertex(line, 1).equals(LineString([(0, 0), (10, 0)]))


def test_a_vertex_that_would_break_the_geometry_is_not_deleted() -> None:
    triangle = Polygon([(0, 0), (1, 0), (0, 1)])
    with pytest.raises(VertexError, match="three corners"):
        removed_vertex(triangle, 1)
    with pytest.raises(VertexError, match="two vertices"):
        removed_vertex(LineString([(0, 0), (1, 1)]), 0)


def test_snapping_prefers_vertices_then_segments_within_the_tolerance() -> None:
    parcels = project_geometry(gpd.GeoSeries([SQUARE]), None, None)
    roads = project_geometry(gpd.GeoSeries([LineString([(0, 20), (10, 20)])]), None, None)
    layers = [("Parcels", parcels), ("Roads", roads)]
    settings = SnapSettings()
    corner = snap_point(layers, 9.5, 0.4, 1.0, settings)
    assert corner is not None and (corner.x, corner.y, corner.kind) == (10.0, 0.0, "vertex")
    edge = snap_point(layers, 5.0, 19.4, 1.0, settings)
    assert edge is not None and (edge.x, edge.y, edge.kind, edge.layer_name) == (
        5.0,
        20.0,
        "segment",
        "Roads",
    )
    assert snap_point(layers, 5.0, 5.0, 1.0, settings) is None  # inside, far from edges
    assert snap_point(layers, 9.5, 0.4, 1.0, SnapSettings(enabled=False)) is None
    only_edges = SnapSettings(vertices=False)
    along = snap_point(layers, 9.5, 0.4, 1.0, only_edges)
    assert along is not None and along.kind == "segment"


def test_points_snap_to_their_position() -> None:
    stations = project_geometry(gpd.GeoSeries([Point(3, 4)]), None, None)
    target = snap_point([("Stations", stations)], 3.5, 4.2, 1.0, SnapSettings())
    assert target is not None and (target.x, target.y, target.kind) == (3.0, 4.0, "vertex")


def test_vertex_edits_keep_heights() -> None:
    ridge = Polygon([(0, 0, 5), (10, 0, 6), (10, 10, 7), (0, 10, 8)])
    moved = moved_vertex(ridge, 1, 12, 0)
    assert moved.has_z and list(moved.exterior.coords)[1] == (12.0, 0.0, 6.0)
    first = moved_vertex(ridge, 0, -1, -1)
    ring = list(first.exterior.coords)
    assert ring[0] == ring[-1] == (-1.0, -1.0, 5.0)
    bent = inserted_vertex(ridge, 0, 5, -1)
    assert list(bent.exterior.coords)[1] == (5.0, -1.0, 5.5)  # Z between its neighbours


def test_geometry_collections_are_not_snapped_to() -> None:
    mixed = project_geometry(
        gpd.GeoSeries([shapely.GeometryCollection([Point(0, 0), LineString([(0, 0), (5, 5)])])]),
        None,
        None,
    )
    assert snap_point([("Mixed", mixed)], 0.1, 0.1, 1.0, SnapSettings()) is None
