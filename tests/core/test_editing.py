"""Edit sessions: every edit undoable, values that fit their fields, tracking, validity."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from mapdesk.core.editing.session import EditError
from mapdesk.core.editing.tracking import EditorIdentity
from mapdesk.core.editing.validity import fixed_geometry, geometry_problem
from mapdesk.core.editing.values import AttributeValueError, is_missing
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

EDITOR = EditorIdentity(user="jsmith", agency="portlandmaine.gov")


@pytest.fixture
def hydrants() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {
            "asset_id": ["H-1", "H-2", "H-3"],
            "pressure": [60, 72, 55],
            "flow": [1.5, 2.0, 1.25],
            "in_service": [True, True, False],
        },
        geometry=[Point(0, 0), Point(10, 0), Point(20, 0)],
        index=pd.Index([1, 2, 3], name="fid"),
        crs="EPSG:26919",
    )
    layer = VectorLayer(frame, "hydrants")
    layer.start_editing(EDITOR)
    return layer


def _snapshot(layer: VectorLayer) -> list[tuple[object, ...]]:
    frame = layer.data
    fields = [c for c in frame.columns if c != "geometry"]
    return [
        (fid, *(None if is_missing(row[c]) else row[c] for c in fields), row.geometry.wkt)
        for fid, row in frame.iterrows()
    ]


def test_edits_need_edit_mode() -> None:
    layer = VectorLayer(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=4326), "x")
    with pytest.raises(MapdeskError, match=r"not in edit mode.*Toggle Editing"):
        layer.change_geometry(0, Point(1, 1))


def test_each_edit_is_one_undo_step_and_undo_restores_the_features(hydrants: VectorLayer) -> None:
    original = _snapshot(hydrants)
    fid = hydrants.add_feature(Point(30, 0), {"asset_id": "H-4", "pressure": 65})
    hydrants.change_attribute_value(2, "pressure", "80")
    hydrants.change_geometry(1, "POINT (1 1)")
    hydrants.delete_feature(3)
    stack = hydrants.edit_session.undo_stack
    assert fid == 4
    assert stack.texts() == [
        "Add feature",
        "Change pressure of feature 2",
        "Change geometry of feature 1",
        "Delete feature",
    ]
    assert list(hydrants.data.index) == [1, 2, 4]
    assert hydrants.data.at[2, "pressure"] == 80
    edited = _snapshot(hydrants)
    for _ in range(4):
        hydrants.undo()
    assert _snapshot(hydrants) == original
    assert not hydrants.is_modified
    for _ in range(4):
        hydrants.redo()
    assert _snapshot(hydrants) == edited
    assert hydrants.is_modified


def test_values_that_do_not_fit_the_field_are_refused_with_the_field_and_value(
    hydrants: VectorLayer,
) -> None:
    with pytest.raises(AttributeValueError, match=r'"pressure" holds whole numbers: .abc.'):
        hydrants.change_attribute_value(1, "pressure", "abc")
    with pytest.raises(AttributeValueError, match="fractional part"):
        hydrants.change_attribute_value(1, "pressure", 2.5)
    with pytest.raises(AttributeValueError, match='"in_service" holds true/false'):
        hydrants.change_attribute_value(1, "in_service", "maybe")
    with pytest.raises(EditError, match='no field "colour"'):
        hydrants.change_attribute_value(1, "colour", "red")
    with pytest.raises(EditError, match="no feature with fid 99"):
        hydrants.change_attribute_value(99, "pressure", 1)
    assert hydrants.edit_session.undo_stack.texts() == []


def test_an_empty_value_in_a_whole_number_field_keeps_the_numbers_whole(
    hydrants: VectorLayer,
) -> None:
    hydrants.change_attribute_value(2, "pressure", None)
    column = hydrants.data["pressure"]
    assert str(column.dtype) == "Int64"
    assert column.isna().tolist() == [False, True, False]
    assert column[1] == 60


def test_a_geometry_of_another_kind_is_refused(hydrants: VectorLayer) -> None:
    with pytest.raises(EditError, match='"hydrants" holds points: a LineString'):
        hydrants.add_feature(LineString([(0, 0), (1, 1)]))


def test_virtual_fields_cannot_be_edited(hydrants: VectorLayer) -> None:
    hydrants.virtual_fields["double"] = "pressure * 2"
    hydrants.replace_data(hydrants.data.assign(double=hydrants.data["pressure"] * 2))
    with pytest.raises(EditError, match="virtual field"):
        hydrants.change_attribute_value(1, "double", 3)


def test_geometry_edits_with_one_merge_key_are_one_undo_step(hydrants: VectorLayer) -> None:
    session = hydrants.edit_session
    assert session is not None
    for step in range(1, 6):  # a vertex drag: many moves, one step
        session.change_geometry(1, Point(step, step), merge_key=("drag", 1))
    assert session.undo_stack.texts() == ["Change geometry of feature 1"]
    assert hydrants.data.geometry[1].equals(Point(5, 5))
    hydrants.undo()
    assert hydrants.data.geometry[1].equals(Point(0, 0))


def test_a_macro_is_one_step_and_a_failing_macro_leaves_nothing(hydrants: VectorLayer) -> None:
    session = hydrants.edit_session
    assert session is not None
    with session.undo_stack.macro("Renumber"):
        session.change_attribute_value(1, "asset_id", "A")
        session.change_attribute_value(2, "asset_id", "B")
    assert session.undo_stack.texts() == ["Renumber"]
    with pytest.raises(AttributeValueError), session.undo_stack.macro("Broken"):
        session.change_attribute_value(3, "asset_id", "C")
        session.change_attribute_value(3, "pressure", "high")
    assert hydrants.data.at[3, "asset_id"] == "H-3"
    assert session.undo_stack.texts() == ["Renumber"]
    hydrants.undo()
    assert hydrants.data["asset_id"].tolist() == ["H-1", "H-2", "H-3"]


def test_rollback_drops_every_edit_and_stop_editing_refuses_unsaved_edits(
    hydrants: VectorLayer,
) -> None:
    before = _snapshot(hydrants)
    hydrants.delete_features([1, 2])
    with pytest.raises(EditError, match="unsaved edits"):
        hydrants.stop_editing()
    hydrants.rollback(stop_editing=True)
    assert _snapshot(hydrants) == before
    assert not hydrants.is_editing


def test_commit_of_an_in_memory_layer_makes_the_edits_its_features(hydrants: VectorLayer) -> None:
    hydrants.change_attribute_value(1, "flow", 3)
    changes = hydrants.commit_changes()
    assert changes.changed == {1: frozenset({"flow"})}
    assert not hydrants.is_modified
    assert hydrants.edit_session.undo_stack.texts() == []
    assert hydrants.data.at[1, "flow"] == 3.0


def test_changing_a_value_back_saves_nothing(hydrants: VectorLayer) -> None:
    hydrants.change_attribute_value(1, "pressure", 99)
    hydrants.change_attribute_value(1, "pressure", 60)
    assert hydrants.edit_session.changes().is_empty


def test_editor_tracking_and_nena_fields_are_filled_on_each_edit() -> None:
    frame = gpd.GeoDataFrame(
        {
            "Site_NGUID": ["a"],
            "DiscrpAgID": ["old.example"],
            "DateUpdate": pd.to_datetime(["2020-01-01"]).tz_localize("UTC"),
            "created_user": ["someone"],
        },
        geometry=[Point(0, 0)],
        index=pd.Index([1], name="fid"),
        crs=4326,
    )
    layer = VectorLayer(frame, "address points")
    layer.start_editing(EDITOR)
    layer.change_attribute_value(1, "Site_NGUID", "b")
    row = layer.data.loc[1]
    assert row["DiscrpAgID"] == "portlandmaine.gov"
    assert row["DateUpdate"] > pd.Timestamp("2026-01-01", tz="UTC")
    assert row["created_user"] == "someone"  # set when made, not on change
    fid = layer.add_feature(Point(1, 1), {"Site_NGUID": "c"})
    assert layer.data.at[fid, "created_user"] == "jsmith"


def test_an_invalid_geometry_is_flagged_with_where_and_never_fixed_silently() -> None:
    frame = gpd.GeoDataFrame(
        {"name": ["lot"]},
        geometry=[Polygon([(0, 0), (4, 0), (4, 4), (0, 4)])],
        index=pd.Index([1], name="fid"),
        crs="EPSG:26919",
    )
    layer = VectorLayer(frame, "parcels")
    layer.start_editing(EDITOR)
    bow_tie = Polygon([(0, 0), (4, 4), (4, 0), (0, 4)])
    layer.change_geometry(1, bow_tie)
    problem = layer.edit_session.problems[1]
    assert problem.reason == "Self-intersection"
    assert problem.location == pytest.approx((2.0, 2.0))
    assert "at 2.000, 2.000" in problem.describe()
    assert layer.data.geometry[1].equals_exact(bow_tie, 0)  # kept as drawn
    fixed = fixed_geometry(bow_tie)
    assert fixed.is_valid and geometry_problem(fixed) is None
    layer.change_geometry(1, fixed)
    assert 1 not in layer.edit_session.problems
    assert shapely.area(layer.data.geometry[1]) == pytest.approx(8.0)


def test_a_change_of_height_alone_is_a_change_to_save() -> None:
    frame = gpd.GeoDataFrame(
        {"name": ["mast"]},
        geometry=[Point(0, 0, 1)],
        index=pd.Index([1], name="fid"),
        crs="EPSG:26919",
    )
    layer = VectorLayer(frame, "towers")
    layer.start_editing(EDITOR)
    layer.change_geometry(1, Point(0, 0, 99))
    assert layer.edit_session.changes().changed == {1: frozenset({"geometry"})}


def test_a_journal_that_cannot_write_stops_the_edit_with_nothing_half_done(
    hydrants: VectorLayer,
) -> None:
    session = hydrants.edit_session
    before = _snapshot(hydrants)

    def disk_gone(_fids: object, _rows: object) -> None:
        raise OSError("No space left on device")

    session.row_listeners.append(disk_gone)
    with pytest.raises(OSError):
        hydrants.change_attribute_value(1, "pressure", 99)
    assert _snapshot(hydrants) == before and session.current.at[1, "pressure"] == 60
    assert session.undo_stack.texts() == [] and session.changes().is_empty
    session.row_listeners.remove(disk_gone)
    hydrants.change_attribute_value(1, "pressure", 99)
    session.row_listeners.append(disk_gone)
    with pytest.raises(OSError):
        hydrants.undo()
    assert hydrants.data.at[1, "pressure"] == 99 and session.undo_stack.can_undo


def test_the_files_own_field_types_win_over_what_pandas_made_of_them() -> None:
    frame = gpd.GeoDataFrame(
        {"lanes": [2.0, np.nan], "opened": ["2024-05-01", None]},  # INTEGER with NULL, DATE
        geometry=[Point(0, 0), Point(1, 1)],
        index=pd.Index([1, 2], name="fid"),
        crs="EPSG:26919",
    )
    frame.attrs["field_types"] = {"lanes": "OFTInteger", "opened": "OFTDate"}
    layer = VectorLayer(frame, "roads")
    layer.start_editing(EDITOR)
    with pytest.raises(AttributeValueError, match='"lanes" holds whole numbers'):
        layer.change_attribute_value(1, "lanes", 2.5)
    with pytest.raises(AttributeValueError, match='"opened" holds dates'):
        layer.change_attribute_value(1, "opened", "next tuesday")
    layer.change_attribute_value(2, "lanes", "4")
    layer.change_attribute_value(2, "opened", "2025-01-31")
    assert layer.data.at[2, "lanes"] == 4.0 and layer.data.at[2, "opened"] == "2025-01-31"


def test_an_empty_layer_takes_only_its_declared_geometry_type() -> None:
    frame = gpd.GeoDataFrame(
        {"name": pd.Series([], dtype=str)}, geometry=[], crs="EPSG:26919"
    ).rename_axis("fid")
    frame.attrs["geometry_type"] = "Point"
    layer = VectorLayer(frame, "new hydrants")
    layer.start_editing(EDITOR)
    with pytest.raises(EditError, match="holds points"):
        layer.add_feature(LineString([(0, 0), (1, 1)]))
    assert layer.add_feature(Point(1, 1), {"name": "H-1"}) == 1


def test_coded_values_match_as_numbers_in_numeric_columns() -> None:
    frame = gpd.GeoDataFrame(
        {"cls": [1.0, np.nan]},  # an INTEGER column with NULLs reads as float
        geometry=[Point(0, 0), Point(1, 1)],
        index=pd.Index([1, 2], name="fid"),
        crs="EPSG:26919",
    )
    frame.attrs["field_types"] = {"cls": "OFTInteger"}
    frame.attrs["field_rules"] = {"cls": {"codes": {"1": "Arterial", "2": "Local"}}}
    layer = VectorLayer(frame, "roads")
    layer.start_editing(EDITOR)
    layer.change_attribute_value(2, "cls", "2")
    assert layer.data.at[2, "cls"] == 2.0
    with pytest.raises(AttributeValueError, match='"cls" takes one of 1, 2'):
        layer.change_attribute_value(2, "cls", 3)
    with pytest.raises(AttributeValueError, match="32-bit"):
        layer.change_attribute_value(1, "cls", 2**40)


def test_rules_and_field_types_outlive_a_save_and_a_new_session() -> None:
    frame = gpd.GeoDataFrame(
        {"status": ["Open"]}, geometry=[Point(0, 0)], index=pd.Index([1], name="fid"), crs=26919
    )
    frame.attrs["field_rules"] = {"status": {"codes": {"Open": "Open", "Closed": "Closed"}}}
    layer = VectorLayer(frame, "hydrants")
    layer.start_editing(EDITOR)
    layer.change_attribute_value(1, "status", "Closed")
    layer.commit_changes(stop_editing=True)
    layer.start_editing(EDITOR)
    with pytest.raises(AttributeValueError, match="takes one of Open, Closed"):
        layer.change_attribute_value(1, "status", "Bogus")
