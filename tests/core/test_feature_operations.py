"""Moving, merging, copying and pasting features: one undo step each."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from mapdesk.core.editing.clipboard import copy_features, paste_features
from mapdesk.core.editing.reshape import ReshapeError, reshaped
from mapdesk.core.editing.session import EditError
from mapdesk.core.editing.tracking import EditorIdentity
from mapdesk.core.layer import VectorLayer

EDITOR = EditorIdentity("jsmith")


def _square(x: float, y: float, size: float = 10) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def _lots(declared: str = "MultiPolygon") -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"lot": ["A", "B", "C"], "acres": [1.5, 2.0, 0.5]},
        geometry=[_square(0, 0), _square(10, 0), _square(50, 50)],
        index=pd.Index([1, 2, 3], name="fid"),
        crs="EPSG:26919",
    )
    frame.attrs["geometry_type"] = declared
    layer = VectorLayer(frame, "lots")
    layer.start_editing(EDITOR)
    return layer


def test_moving_several_features_is_one_step() -> None:
    layer = _lots()
    session = layer.edit_session
    moved = {fid: shapely.affinity.translate(layer.data.geometry[fid], 5, 5) for fid in (1, 3)}
    session.change_geometries(moved, "Move 2 features")
    assert layer.data.geometry[3].equals(_square(55, 55))
    assert session.undo_stack.texts() == ["Move 2 features"]
    layer.undo()
    assert layer.data.geometry[1].equals(_square(0, 0))


def test_merging_keeps_one_features_attributes_and_the_union_of_shapes() -> None:
    layer = _lots()
    layer.edit_session.merge_features([1, 2], keep=2)
    assert list(layer.data.index) == [2, 3]
    assert layer.data.at[2, "lot"] == "B"
    assert layer.data.geometry[2].area == pytest.approx(200)
    layer.undo()
    assert list(layer.data.index) == [1, 2, 3]


def test_merging_apart_pieces_into_a_single_part_layer_is_refused() -> None:
    layer = _lots(declared="Polygon")
    with pytest.raises(EditError, match=r"2 separate parts.*single Polygons"):
        layer.edit_session.merge_features([1, 3], keep=1)
    with pytest.raises(EditError, match="two or more"):
        layer.edit_session.merge_features([1], keep=1)
    assert layer.edit_session.undo_stack.texts() == []


def test_pasting_reprojects_and_matches_fields_by_name() -> None:
    source = gpd.GeoDataFrame(
        {"LOT": ["Z"], "acres": ["lots"], "owner": ["City"]},
        geometry=[Point(-70.2568, 43.6591).buffer(0.0001)],
        crs="EPSG:4326",
    )
    copied = copy_features(VectorLayer(source, "survey"), [0])
    layer = _lots()
    report = paste_features(layer, copied)
    [fid] = report.fids
    assert layer.data.at[fid, "lot"] == "Z"  # LOT -> lot
    assert pd.isna(layer.data.at[fid, "acres"])  # "lots" is not a number: left empty
    assert report.dropped_fields == ["owner"]
    assert "acres of feature 1 ('lots')" in report.summary()
    x, y = layer.data.geometry[fid].centroid.coords[0]
    assert x == pytest.approx(398_250, abs=1_000) and y == pytest.approx(4_835_200, abs=1_000)
    assert layer.edit_session.undo_stack.texts() == ["Paste feature"]


def test_splitting_a_parcel_keeps_the_larger_piece_and_adds_the_rest() -> None:
    layer = _lots()
    session = layer.edit_session
    new = session.split_features("LINESTRING (3 -5, 3 15)", [1, 2, 3])
    assert new == [4]  # only lot A is crossed
    assert layer.data.geometry[1].area == pytest.approx(70)  # the larger piece keeps fid 1
    assert layer.data.geometry[4].area == pytest.approx(30)
    assert layer.data.at[4, "lot"] == "A" and layer.data.geometry[4].geom_type == "MultiPolygon"
    assert session.undo_stack.texts() == ["Split feature"]
    layer.undo()
    assert list(layer.data.index) == [1, 2, 3] and layer.data.geometry[1].area == 100
    assert session.split_features("LINESTRING (0 -5, 0 15)", [1]) == []  # along an edge: no cut


def test_reshaping_a_polygon_adds_a_pocket_or_cuts_off_the_smaller_side() -> None:
    lot = _square(0, 0)
    grown = reshaped(lot, LineString([(3, 0.5), (3, -4), (7, -4), (7, 0.5)]), 0.1)
    assert grown.area == pytest.approx(116) and grown.is_valid
    cut = reshaped(lot, LineString([(-1, 3), (5, 5), (11, 3)]), 0.1)
    assert cut.area == pytest.approx(58.333, abs=0.01)
    with pytest.raises(ReshapeError, match="across the polygon's outline"):
        reshaped(lot, LineString([(20, 20), (30, 30)]), 0.1)


def test_reshaping_a_line_replaces_the_stretch_between_the_ends() -> None:
    street = LineString([(0, 0), (10, 0)])
    detour = reshaped(street, LineString([(7, 0), (5, 4), (3, 0)]), 0.1)  # drawn backwards
    assert list(detour.coords) == [(0, 0), (3, 0), (5, 4), (7, 0), (10, 0)]
    with pytest.raises(ReshapeError, match="Start and end the reshape line on the line"):
        reshaped(street, LineString([(3, 2), (7, 2)]), 0.1)


def test_a_reshape_is_one_undo_step() -> None:
    layer = _lots()
    grown = reshaped(layer.data.geometry[3], LineString([(53, 50.5), (53, 45), (57, 50.5)]), 0.1)
    layer.edit_session.change_geometries({3: grown}, "Reshape feature")
    assert layer.data.geometry[3].area > 100
    layer.undo()
    assert layer.data.geometry[3].area == 100


def test_reshape_keeps_holes_and_the_other_parts() -> None:
    holed = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(4, 4), (6, 4), (6, 6), (4, 6)]])
    grown = reshaped(holed, LineString([(9, 2), (12, 5), (9, 8)]), 0.1)
    assert len(grown.interiors) == 1 and grown.area == pytest.approx(100)  # 96 + a 4 m² pocket
    two = shapely.MultiPolygon([_square(0, 0), _square(20, 0)])
    cut = reshaped(two, LineString([(-1, 3), (5, 5), (11, 3)]), 0.1)
    assert cut.geom_type == "MultiPolygon" and cut.area == pytest.approx(158.333, abs=0.01)


def test_reshaping_a_3d_line_keeps_its_heights() -> None:
    street = LineString([(0, 0, 1), (10, 0, 3)])
    detour = reshaped(street, LineString([(3, 0), (5, 4), (7, 0)]), 0.1)
    assert detour.has_z and [c[2] for c in detour.coords] == pytest.approx([1, 1.6, 2, 2.4, 3])


def test_a_multi_part_layer_gets_multi_part_geometries_from_every_edit() -> None:
    layer = _lots(declared="MultiPolygon")
    layer.edit_session.merge_features([1, 2], keep=1)
    assert layer.data.geometry[1].geom_type == "MultiPolygon"
    layer.change_geometry(3, _square(60, 60))
    assert layer.data.geometry[3].geom_type == "MultiPolygon"


def test_points_cannot_be_split_and_a_line_along_an_edge_is_refused() -> None:
    points = gpd.GeoDataFrame(
        {"n": [1]}, geometry=[Point(0, 0)], index=pd.Index([1], name="fid"), crs=26919
    )
    layer = VectorLayer(points, "hydrants")
    layer.start_editing(EDITOR)
    with pytest.raises(EditError, match="holds points: they cannot be split"):
        layer.edit_session.split_features(LineString([(-1, 0), (1, 0)]), [1])
    streets = gpd.GeoDataFrame(
        {"n": [1]}, geometry=[LineString([(0, 0), (10, 0)])], index=pd.Index([1], name="fid")
    )
    lines = VectorLayer(streets, "streets")
    lines.start_editing(EDITOR)
    with pytest.raises(EditError, match="runs along the feature"):
        lines.edit_session.split_features(LineString([(2, 0), (5, 0)]), [1])


def test_pasted_features_are_tracked_as_the_paster_s_and_lists_stay_lists() -> None:
    source = gpd.GeoDataFrame(
        {"lot": ["Z"], "last_edited_by": ["someone else"], "tags": [np.array(["a", "b"])]},
        geometry=[_square(100, 100)],
        crs="EPSG:26919",
    )
    copied = copy_features(VectorLayer(source, "survey"), [0])
    frame = _lots().data.assign(last_edited_by="x", tags=None)
    target = VectorLayer(frame, "lots")
    target.start_editing(EDITOR)
    [fid] = paste_features(target, copied).fids
    assert target.data.at[fid, "last_edited_by"] == "jsmith"
    assert target.data.at[fid, "tags"] == ["a", "b"]
