"""Saving edits: GeoPackage in place, other formats rewritten atomically."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, Polygon

import mapdesk  # noqa: F401  (registers the reader and the edit writer)
from mapdesk.core.backups import BACKUPS_KEPT
from mapdesk.core.editing.saving import SaveError
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.virtual_fields import add_virtual_field
from mapdesk.io import whole_file
from mapdesk.io.edit_writer import save_as_geopackage
from mapdesk.io.gpkg_edit import blob_envelope, gpkg_blob
from mapdesk.io.gpkg_rules import field_rules
from mapdesk.io.loader import load_layer


def _parcels(count: int = 20) -> gpd.GeoDataFrame:
    squares = [Polygon([(i, 0), (i + 1, 0), (i + 1, 1), (i, 1)]) for i in range(count)]
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"P-{i:03d}" for i in range(count)],
            "owner": ["City"] * count,
            "value": np.arange(count) * 1000,
            "assessed": pd.to_datetime(["2024-05-01T10:00:00"] * count),
            "exempt": [False] * count,
        },
        geometry=squares,
        crs="EPSG:26919",
    )


@pytest.fixture
def city_gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "city.gpkg"
    _parcels().to_file(path, layer="parcels", engine="pyogrio")
    gpd.GeoDataFrame({"name": ["Central"]}, geometry=[Point(5, 5)], crs="EPSG:26919").to_file(
        path, layer="stations", engine="pyogrio"
    )
    return path


def _table_rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()


def test_one_gpkg_edit_writes_one_row_and_keeps_fids_other_layers_and_the_index(
    city_gpkg: Path,
) -> None:
    before = _table_rows(city_gpkg, "parcels")
    stations = _table_rows(city_gpkg, "stations")
    layer = load_layer(str(city_gpkg), "parcels")
    layer.start_editing()
    layer.change_attribute_value(5, "owner", "Portland Water District")
    layer.commit_changes()
    after = _table_rows(city_gpkg, "parcels")
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1
    assert changed[0][1][0] == 5 and "Portland Water District" in changed[0][1]
    assert _table_rows(city_gpkg, "stations") == stations
    with sqlite3.connect(city_gpkg) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not layer.is_modified


def test_gpkg_adds_deletes_and_geometry_changes_read_back_with_their_types(
    city_gpkg: Path,
) -> None:
    layer = load_layer(str(city_gpkg), "parcels")
    layer.start_editing()
    moved = Polygon([(100, 100), (102, 100), (102, 102), (100, 102)])
    layer.change_geometry(3, moved)
    layer.delete_features([1, 2])
    fid = layer.add_feature(
        Polygon([(50, 50), (51, 50), (51, 51)]),
        {"parcel_id": "P-NEW", "value": 7, "assessed": "2025-01-02T03:04:05", "exempt": True},
    )
    layer.commit_changes()
    back = load_layer(str(city_gpkg), "parcels").data
    assert fid == 21 and fid in back.index and 1 not in back.index and 2 not in back.index
    assert back.geometry[3].equals(moved)
    new = back.loc[fid]
    assert (new["parcel_id"], new["value"], bool(new["exempt"])) == ("P-NEW", 7, True)
    assert new["assessed"] == pd.Timestamp("2025-01-02T03:04:05")
    assert back["value"].dtype.kind == "i" and back["exempt"].dtype == bool
    # GDAL's R-tree follows: a spatial filter finds the moved and the new parcel.
    found = pyogrio.read_dataframe(city_gpkg, layer="parcels", bbox=(99, 99, 103, 103))
    assert found["parcel_id"].tolist() == ["P-002"]  # fid 3: fids count from 1
    found = pyogrio.read_dataframe(city_gpkg, layer="parcels", bbox=(49.5, 49.5, 52, 52))
    assert found["parcel_id"].tolist() == ["P-NEW"]
    with sqlite3.connect(city_gpkg) as connection:
        extent = connection.execute(
            "SELECT max_x, max_y FROM gpkg_contents WHERE table_name = 'parcels'"
        ).fetchone()
    assert extent == (102.0, 102.0)


def test_gpkg_blobs_carry_the_envelope_the_rtree_triggers_read() -> None:
    square = Polygon([(1, 2), (3, 2), (3, 5), (1, 5)])
    assert blob_envelope(gpkg_blob(square, 26919)) == (1.0, 3.0, 2.0, 5.0)
    assert blob_envelope(gpkg_blob(Point(7, 8), 26919)) == (7.0, 7.0, 8.0, 8.0)
    assert blob_envelope(gpkg_blob(shapely.Point(), 26919)) is None
    assert gpkg_blob(None, 26919) is None


def test_a_locked_gpkg_gives_a_message_within_the_busy_timeout_and_keeps_the_edits(
    city_gpkg: Path,
) -> None:
    layer = load_layer(str(city_gpkg), "parcels")
    layer.start_editing()
    layer.change_attribute_value(4, "owner", "School Department")
    before = _table_rows(city_gpkg, "parcels")
    holder = sqlite3.connect(city_gpkg, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program, mid-write
    released = threading.Timer(10.0, holder.rollback)
    released.start()
    started = time.monotonic()
    try:
        with pytest.raises(SaveError, match=r"locked by another program.*edits are kept"):
            layer.commit_changes()
        assert time.monotonic() - started < 6.5
    finally:
        released.cancel()
        holder.rollback()
        holder.close()
    assert layer.is_modified
    assert _table_rows(city_gpkg, "parcels") == before
    layer.commit_changes()  # once the other program lets go, the same edits save
    assert load_layer(str(city_gpkg), "parcels").data.at[4, "owner"] == "School Department"


def test_a_failing_row_rolls_back_the_whole_save_and_names_the_feature(city_gpkg: Path) -> None:
    with sqlite3.connect(city_gpkg) as connection:
        connection.execute(
            "CREATE TRIGGER no_demolition BEFORE DELETE ON parcels WHEN OLD.fid = 7 "
            "BEGIN SELECT RAISE(ABORT, 'parcel 7 is protected'); END"
        )
    before = _table_rows(city_gpkg, "parcels")
    layer = load_layer(str(city_gpkg), "parcels")
    layer.start_editing()
    layer.change_attribute_value(3, "owner", "Someone")
    layer.delete_features([6, 7, 8])
    with pytest.raises(SaveError, match=r"feature 7.*parcel 7 is protected.*edits are kept"):
        layer.commit_changes()
    assert _table_rows(city_gpkg, "parcels") == before
    assert layer.is_modified and 6 not in layer.data.index


WHOLE_FILES = {
    "shapefile": ("parcels.shp", "ESRI Shapefile"),
    "geojson": ("parcels.geojson", "GeoJSON"),
    "flatgeobuf": ("parcels.fgb", "FlatGeobuf"),
    "kml": ("parcels.kml", "LIBKML"),
}


@pytest.mark.parametrize("kind", list(WHOLE_FILES))
def test_whole_file_formats_are_rewritten_with_the_edits(kind: str, tmp_path: Path) -> None:
    name, driver = WHOLE_FILES[kind]
    path = tmp_path / name
    frame = _parcels(6)[["parcel_id", "geometry"]]
    if kind == "kml":
        frame = frame.to_crs(4326).rename(columns={"parcel_id": "Name"})
    frame.to_file(path, driver=driver, engine="pyogrio")
    layer = load_layer(str(path), None)
    field = "Name" if kind == "kml" else "parcel_id"
    layer.start_editing()
    first, last = layer.data.index[0], layer.data.index[-1]
    untouched = list(layer.data[field].iloc[1:-1])
    layer.change_attribute_value(first, field, "EDITED")
    layer.delete_feature(last)
    layer.add_feature(layer.data.geometry[first], {field: "ADDED"})
    layer.commit_changes()
    back = load_layer(str(path), None).data
    assert sorted(back[field]) == sorted(["EDITED", "ADDED", *untouched])
    assert sorted(layer.data[field]) == sorted(back[field])  # the layer shows what is on disk
    assert not [p for p in tmp_path.iterdir() if "mapdesk" in p.name]


def test_backups_of_saved_files_rotate(tmp_path: Path, user_data_folder: Path) -> None:
    path = tmp_path / "parcels.geojson"
    _parcels(3).to_file(path, driver="GeoJSON", engine="pyogrio")
    layer = load_layer(str(path), None)
    layer.start_editing()
    for value in range(BACKUPS_KEPT + 2):
        layer.change_attribute_value(layer.data.index[0], "value", value)
        layer.commit_changes()
    kept = sorted((user_data_folder / "backups").glob("parcels-*/*/parcels.geojson"))
    assert len(kept) == BACKUPS_KEPT
    newest = gpd.read_file(kept[-1])
    assert newest["value"].iloc[0] == BACKUPS_KEPT  # the file before the last save


def test_a_crash_between_shapefile_renames_is_rolled_forward_on_next_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "parcels.shp"
    _parcels(4).to_file(path, engine="pyogrio")
    layer = load_layer(str(path), None)
    layer.start_editing()
    layer.change_attribute_value(0, "owner", "Portland Housing Authority")
    real_replace = os.replace
    renames: list[str] = []

    def crash_after_two(source: str, target: str) -> None:
        if str(target).endswith(".dbf"):  # after .shp and .shx were renamed
            raise SystemExit("power cut")  # stands in for the process dying here
        renames.append(str(target))
        real_replace(source, target)

    monkeypatch.setattr(whole_file.os, "replace", crash_after_two)
    monkeypatch.setattr(whole_file.os, "getpid", lambda: 2**22 + 17)  # a process now gone
    with pytest.raises(SystemExit):
        layer.commit_changes()
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".commit.json")]
    assert [Path(t).suffix for t in renames] == [".json", ".shp", ".shx"]
    reopened = load_layer(str(path), None)  # recovery runs before the read
    assert reopened.data.at[0, "owner"] == "Portland Housing Authority"
    assert any("interrupted save was completed" in w for w in reopened.warnings)
    assert not [p for p in tmp_path.iterdir() if "mapdesk" in p.name]


def test_temporary_files_of_a_save_that_never_committed_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "parcels.geojson"
    _parcels(2).to_file(path, driver="GeoJSON", engine="pyogrio")
    original = path.read_bytes()
    (tmp_path / ".parcels.mapdesk-save-0badf00d.geojson").write_text("{half a file")
    layer = load_layer(str(path), None)
    assert path.read_bytes() == original
    assert any("interrupted save was undone" in w for w in layer.warnings)
    assert [p.name for p in tmp_path.iterdir()] == ["parcels.geojson"]


def test_sources_that_cannot_take_edits_say_save_as(tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    path.write_text("id,x,y\n1,-70.25,43.66\n")
    layer = load_layer(str(path), None)
    layer.start_editing()
    layer.change_attribute_value(layer.data.index[0], "id", 2)
    with pytest.raises(SaveError, match=r"cannot write edits back into incidents\.csv.*Save As"):
        layer.commit_changes()
    assert layer.is_modified


def test_a_zipped_shapefile_says_save_as_and_stays_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "download"
    folder.mkdir()
    _parcels(2).to_file(folder / "parcels.shp")
    archive = tmp_path / "parcels.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for member in sorted(folder.iterdir()):
            zipped.write(member, member.name)
    before = archive.read_bytes()
    layer = load_layer(str(archive), None)
    layer.start_editing()
    layer.delete_feature(layer.data.index[0])
    with pytest.raises(SaveError, match=r"cannot write edits back into parcels\.zip.*Save As"):
        layer.commit_changes()
    assert layer.is_modified
    assert archive.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download", "parcels.zip"]


def test_an_in_memory_layer_needs_no_file() -> None:
    layer = VectorLayer(_parcels(2), "scratch")
    layer.start_editing()
    layer.delete_feature(0)
    assert layer.commit_changes().deleted == (0,)


KILLED_MID_TRANSACTION = """
import os, signal, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA cache_size = 1")  # changed pages go to the file at once
connection.execute("BEGIN IMMEDIATE")
connection.execute("DELETE FROM parcels WHERE fid > 5")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_geopackage_left_mid_transaction_by_a_killed_save_reads_as_before(
    city_gpkg: Path,
) -> None:
    before = _table_rows(city_gpkg, "parcels")
    done = subprocess.run([sys.executable, "-c", KILLED_MID_TRANSACTION, str(city_gpkg)])
    assert done.returncode == -9
    assert city_gpkg.with_name("city.gpkg-journal").exists()  # SQLite's hot journal
    layer = load_layer(str(city_gpkg), "parcels")
    assert any("interrupted was undone" in warning for warning in layer.warnings)
    assert _table_rows(city_gpkg, "parcels") == before
    assert len(layer.data) == 20


def test_a_save_still_running_keeps_its_temporary_files_when_the_file_is_opened(
    tmp_path: Path,
) -> None:
    path = tmp_path / "roads.geojson"
    _parcels(2).to_file(path, driver="GeoJSON", engine="pyogrio")
    # Another thread of this mapdesk is writing roads.shp's new version.
    boot = whole_file._boot_tag()
    writing = tmp_path / f".roads.mapdesk-save-{os.getpid()}-{boot}-0a1b2c3d.shp"
    writing.write_bytes(b"half written")
    # The same process id before the machine restarted: a leftover to remove.
    stale = tmp_path / f".roads.mapdesk-save-{os.getpid()}-0ther8oo-0a1b2c3d.dbf"
    stale.write_bytes(b"left by a crash")
    load_layer(str(path), None)
    assert writing.exists() and not stale.exists()


def test_rewrites_keep_integer_fields_the_layer_name_and_virtual_fields(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"lanes": pd.array([2, None, 4], dtype="Int32"), "name": ["A", "B", "C"]},
        geometry=[Point(0, 0), Point(50, 50), Point(100, 0)],
        crs="EPSG:26919",
    )
    for name, driver in (("roads.shp", "ESRI Shapefile"), ("roads.fgb", "FlatGeobuf")):
        path = tmp_path / name
        frame.to_file(path, driver=driver, engine="pyogrio")
        layer = load_layer(str(path), None)
        assert layer.data.attrs["field_types"]["lanes"] == "OFTInteger"
        add_virtual_field(layer, "double", "lanes * 2")
        layer.start_editing()
        layer.add_feature(Point(70, 70), {"name": "D", "lanes": 6})
        layer.commit_changes()
        info = pyogrio.read_info(path)
        assert dict(zip(info["fields"], info["ogr_types"], strict=True))["lanes"] == "OFTInteger"
        assert [str(row[0]) for row in pyogrio.list_layers(path)] == ["roads"]
        data = layer.data
        assert "double" not in info["fields"]
        assert (data["double"].fillna(-1) == (data["lanes"] * 2).fillna(-1)).all()


@pytest.fixture
def ruled_gpkg(tmp_path: Path) -> Path:
    """Hydrants with a default status, coded statuses and a 1-5 priority range."""
    path = tmp_path / "hydrants.gpkg"
    gpd.GeoDataFrame(
        {"asset_id": ["H-1"], "priority": [3]}, geometry=[Point(0, 0)], crs="EPSG:26919"
    ).to_file(path, layer="hydrants", engine="pyogrio")
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            ALTER TABLE hydrants ADD COLUMN status TEXT DEFAULT 'Open';
            CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
                name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT);
            CREATE TABLE gpkg_data_column_constraints (constraint_name TEXT NOT NULL,
                constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN,
                max NUMERIC, max_is_inclusive BOOLEAN, description TEXT);
            INSERT INTO gpkg_data_columns (table_name, column_name, constraint_name)
                VALUES ('hydrants', 'status', 'statuses'), ('hydrants', 'priority', 'one_to_five');
            INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type, value,
                description) VALUES ('statuses', 'enum', 'Open', 'In service'),
                ('statuses', 'enum', 'Closed', 'Out of service'),
                ('statuses', 'enum', 'Assigned', 'Crew assigned');
            INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type, min, max)
                VALUES ('one_to_five', 'range', 1, 5);
            """
        )
    return path


def test_defaults_and_coded_values_the_geopackage_declares_are_kept(ruled_gpkg: Path) -> None:
    layer = load_layer(str(ruled_gpkg), "hydrants")
    rules = layer.data.attrs["field_rules"]
    assert rules["status"]["default"] == "Open"
    assert rules["status"]["codes"] == {
        "Open": "In service",
        "Closed": "Out of service",
        "Assigned": "Crew assigned",
    }
    layer.start_editing()
    fid = layer.add_feature(Point(5, 5), {"asset_id": "H-2", "priority": 2})
    assert layer.data.at[fid, "status"] == "Open"  # the default
    with pytest.raises(MapdeskError, match=r'"status" takes one of Open, Closed, Assigned'):
        layer.change_attribute_value(fid, "status", "Pending")
    with pytest.raises(MapdeskError, match=r'"priority" of layer "hydrants" takes values from 1'):
        layer.change_attribute_value(fid, "priority", 9)
    layer.change_attribute_value(fid, "status", "Assigned")
    layer.commit_changes()
    saved = load_layer(str(ruled_gpkg), "hydrants").data
    assert saved.at[fid, "status"] == "Assigned"
    assert saved.attrs["field_rules"] == rules  # a save in place leaves the rules be


def test_save_as_geopackage_writes_the_layers_rules_into_the_new_file(
    ruled_gpkg: Path, tmp_path: Path
) -> None:
    layer = load_layer(str(ruled_gpkg), "hydrants")
    rules = layer.data.attrs["field_rules"]
    target = tmp_path / "copy.gpkg"
    saved = save_as_geopackage(target, "hydrants", layer.data, rules)
    # Read back from the temporary file, before it was renamed into place.
    assert saved.attrs["field_rules"]["status"]["codes"] == rules["status"]["codes"]
    copied = field_rules(target, "hydrants")
    assert copied["status"]["codes"] == rules["status"]["codes"]
    assert copied["status"]["constraint"] == "statuses"
    assert copied["priority"]["range"] == [1, 5, True, True]
    # The layer's edits then stay checked against them (Save As makes it the layer's file).
    copy = load_layer(str(target), "hydrants")
    copy.start_editing()
    with pytest.raises(MapdeskError, match=r'"status" takes one of Open, Closed, Assigned'):
        copy.change_attribute_value(copy.data.index[0], "status", "Pending")
    copy.rollback(stop_editing=True)


def test_list_fields_of_a_geojson_stay_lists_after_a_save(tmp_path: Path) -> None:
    path = tmp_path / "assets.geojson"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-70.25, 43.66]},
        "properties": {"tags": ["fibre", "conduit"], "n": 1},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    layer = load_layer(str(path), None)
    layer.start_editing()
    layer.change_attribute_value(0, "n", 2)
    layer.commit_changes()
    saved = json.loads(path.read_text())["features"][0]["properties"]
    assert saved == {"tags": ["fibre", "conduit"], "n": 2}
