"""New network layers in a GeoPackage: fields, coded domains per the spec, all-or-nothing writes."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from pyproj import CRS
from shapely.geometry import LineString, Point

import mapdesk.io.network_gpkg as network_gpkg
from mapdesk.core.analysis.network.assets import NODE_LAYER, SPAN_LAYER
from mapdesk.core.editing.values import AttributeValueError
from mapdesk.core.errors import DataSourceError, LayerExistsError, MapdeskError
from mapdesk.io.gpkg_rules import field_rules
from mapdesk.io.loader import load_layer
from mapdesk.io.network_gpkg import create_network_layers

UTM = CRS.from_epsg(26919)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture
def sites_gpkg(tmp_path: Path) -> Path:
    """A GeoPackage with one layer of the user's own (city sites, Maine West metres)."""
    path = tmp_path / "city.gpkg"
    gpd.GeoDataFrame(
        {"site_id": ["CS-001", "CS-002"], "name": ["City Hall", "Library"]},
        geometry=[Point(892_658, 91_567), Point(893_000, 91_600)],
        crs="EPSG:26984",
    ).to_file(path, layer="city_sites", engine="pyogrio")
    return path


def test_a_new_geopackage_gets_both_layers_with_the_models_fields(tmp_path: Path) -> None:
    path = tmp_path / "network.gpkg"
    written = create_network_layers(path, UTM)
    assert (written.nodes, written.spans) == ("network_nodes", "fibre_spans")
    for table, model in (("network_nodes", NODE_LAYER), ("fibre_spans", SPAN_LAYER)):
        info = pyogrio.read_info(path, layer=table)
        assert info["features"] == 0
        assert info["geometry_type"] == model.geometry_type
        assert CRS.from_user_input(info["crs"]).to_epsg() == 26919
        assert list(info["fields"]) == [f.name for f in model.fields]
    spans = pyogrio.read_info(path, layer="fibre_spans")
    types = dict(zip(spans["fields"], spans["ogr_types"], strict=True))
    assert types["install_date"] == "OFTDate" and types["strand_count"] == "OFTInteger"
    assert types["length_m"] == "OFTReal" and types["type"] == "OFTString"
    assert [p.name for p in tmp_path.iterdir()] == ["network.gpkg"]  # no temporary file left


def test_type_and_status_are_coded_values_the_attribute_form_and_editing_use(
    tmp_path: Path,
) -> None:
    path = tmp_path / "network.gpkg"
    create_network_layers(path, UTM)
    rules = field_rules(path, "network_nodes")
    assert rules["type"]["codes"]["splice_closure"] == "Splice closure"
    assert list(rules["status"]["codes"]) == ["planned", "active", "retired"]
    assert list(field_rules(path, "fibre_spans")["type"]["codes"]) == [
        "fibre_cable",
        "conduit",
        "microwave_link",
    ]
    layer = load_layer(str(path), "network_nodes")
    layer.start_editing()
    fid = layer.add_feature(Point(400_000, 4_835_000), {"asset_id": "NN-0001", "type": "handhole"})
    with pytest.raises(AttributeValueError, match='"type" takes one of site, switch'):
        layer.change_attribute_value(fid, "type", "cabinet")


def test_the_constraints_follow_the_geopackage_specification(tmp_path: Path) -> None:
    path = tmp_path / "network.gpkg"
    create_network_layers(path, UTM)
    # Requirement 141 (schema extension): exactly two rows, read-write, no column.
    assert sorted(
        _rows(path, "SELECT table_name, column_name, scope FROM gpkg_extensions "
              "WHERE extension_name = 'gpkg_schema'")
    ) == [
        ("gpkg_data_column_constraints", None, "read-write"),
        ("gpkg_data_columns", None, "read-write"),
    ]  # fmt: skip
    columns = [row[1] for row in _rows(path, "PRAGMA table_info(gpkg_data_column_constraints)")]
    assert columns == [
        "constraint_name",
        "constraint_type",
        "value",
        "min",
        "min_is_inclusive",
        "max",
        "max_is_inclusive",
        "description",
    ]
    # Requirements 113-114: enum rows have a value and no range parts.
    assert _rows(
        path,
        "SELECT count(*) FROM gpkg_data_column_constraints WHERE constraint_type != 'enum' "
        "OR value IS NULL OR min IS NOT NULL OR max IS NOT NULL "
        "OR min_is_inclusive IS NOT NULL OR max_is_inclusive IS NOT NULL",
    ) == [(0,)]
    # Requirements 104-105: each data column names a real table and column.
    tied = _rows(path, "SELECT table_name, column_name, constraint_name FROM gpkg_data_columns")
    assert sorted(tied) == [
        ("fibre_spans", "status", "network_status"),
        ("fibre_spans", "type", "network_span_type"),
        ("network_nodes", "status", "network_status"),
        ("network_nodes", "type", "network_node_type"),
    ]
    for table, column, _ in tied:
        assert column in pyogrio.read_info(path, layer=table)["fields"]


def test_an_existing_geopackage_keeps_its_layers_and_gains_the_network(sites_gpkg: Path) -> None:
    before = gpd.read_file(sites_gpkg, layer="city_sites")
    create_network_layers(sites_gpkg, UTM)
    names = [name for name, _ in pyogrio.list_layers(sites_gpkg)]
    assert names == ["city_sites", "network_nodes", "fibre_spans"]
    after = gpd.read_file(sites_gpkg, layer="city_sites")
    assert after.equals(before)
    assert CRS.from_user_input(pyogrio.read_info(sites_gpkg, layer="fibre_spans")["crs"]) == UTM
    assert field_rules(sites_gpkg, "fibre_spans")["status"]["codes"]["retired"]
    assert _rows(sites_gpkg, "PRAGMA integrity_check") == [("ok",)]


def test_layers_already_there_are_never_replaced_without_asking(sites_gpkg: Path) -> None:
    create_network_layers(sites_gpkg, UTM)
    digest = _sha(sites_gpkg)
    with pytest.raises(LayerExistsError) as caught:
        create_network_layers(sites_gpkg, CRS.from_epsg(26984))
    assert caught.value.layers == ("network_nodes", "fibre_spans")
    assert "already has layers named network_nodes and fibre_spans" in str(caught.value)
    assert _sha(sites_gpkg) == digest
    with pytest.raises(LayerExistsError):  # names differ from the file's only in case
        create_network_layers(sites_gpkg, UTM, "Network_Nodes", "new_spans")
    assert _sha(sites_gpkg) == digest


def test_replacing_drops_the_old_layers_features_when_asked(sites_gpkg: Path) -> None:
    create_network_layers(sites_gpkg, UTM)
    old = load_layer(str(sites_gpkg), "network_nodes")
    old.start_editing()
    old.add_feature(Point(400_000, 4_835_000), {"asset_id": "NN-0001", "type": "site"})
    old.commit_changes()
    create_network_layers(sites_gpkg, CRS.from_epsg(26984), replace=True)
    info = pyogrio.read_info(sites_gpkg, layer="network_nodes")
    assert info["features"] == 0 and CRS.from_user_input(info["crs"]).to_epsg() == 26984
    assert [name for name, _ in pyogrio.list_layers(sites_gpkg)] == [
        "city_sites",
        "network_nodes",
        "fibre_spans",
    ]
    assert _rows(sites_gpkg, "SELECT count(*) FROM gpkg_data_columns") == [(4,)]
    assert _rows(sites_gpkg, "PRAGMA integrity_check") == [("ok",)]


def test_a_failure_half_way_leaves_the_file_exactly_as_it_was(
    sites_gpkg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = _sha(sites_gpkg)
    calls = []

    def fail_on_spans(connection: sqlite3.Connection, table: str, *args: Any) -> Any:
        calls.append(table)
        if table == "fibre_spans":  # the nodes and their domains are written by then
            raise sqlite3.OperationalError("disk I/O error")
        return original(connection, table, *args)

    original = network_gpkg.write_coded_domains
    monkeypatch.setattr(network_gpkg, "write_coded_domains", fail_on_spans)
    with pytest.raises(MapdeskError, match="nothing was changed"):
        create_network_layers(sites_gpkg, UTM)
    assert calls == ["network_nodes", "fibre_spans"]
    assert _sha(sites_gpkg) == digest
    assert [p.name for p in sites_gpkg.parent.iterdir()] == ["city.gpkg"]


def test_a_new_file_that_fails_is_not_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("GDAL refused")

    monkeypatch.setattr(network_gpkg.pyogrio, "write_arrow", broken)
    with pytest.raises(MapdeskError, match="GDAL refused"):
        create_network_layers(tmp_path / "network.gpkg", UTM)
    assert list(tmp_path.iterdir()) == []


def test_bad_requests_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(MapdeskError, match="GeoPackage"):
        create_network_layers(tmp_path / "network.shp", UTM)
    with pytest.raises(MapdeskError, match="does not exist"):
        create_network_layers(tmp_path / "missing" / "network.gpkg", UTM)
    with pytest.raises(MapdeskError, match="two names"):
        create_network_layers(tmp_path / "network.gpkg", UTM, "assets", "Assets")
    with pytest.raises(MapdeskError, match="cannot name"):
        create_network_layers(tmp_path / "network.gpkg", UTM, "gpkg_contents", "spans")
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database, just notes\n" * 100)
    with pytest.raises(DataSourceError, match=r"notes\.gpkg is not a GeoPackage"):
        create_network_layers(text, UTM)
    assert text.read_text() == "not a database, just notes\n" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.gpkg"]


_AS_NOBODY = """
import json, os, sys
from pathlib import Path
from pyproj import CRS
import mapdesk
from mapdesk.core.errors import MapdeskError
from mapdesk.io.network_gpkg import create_network_layers
crs = CRS.from_epsg(26919)
crs.to_wkt()
if os.geteuid() == 0:
    os.setuid(65534)  # nobody: root writes anywhere
said = []
for name in sys.argv[1:]:
    try:
        create_network_layers(Path(name), crs)
        said.append(None)
    except MapdeskError as exc:
        said.append(str(exc))
print(json.dumps(said))
"""


def test_a_read_only_folder_is_named_and_left_as_it_was() -> None:
    # Not under tmp_path: run as root, the script drops to "nobody", who must reach it.
    folder = Path(tempfile.mkdtemp(prefix="mapdesk-read-only-"))
    try:
        city = folder / "city.gpkg"
        gpd.GeoDataFrame({"n": [1]}, geometry=[Point(0, 0)], crs="EPSG:26919").to_file(
            city, layer="city_sites", engine="pyogrio"
        )
        city.chmod(0o666)  # the file may be written, its folder may not
        folder.chmod(0o555)
        digest = _sha(city)
        script = [sys.executable, "-c", _AS_NOBODY, str(city), str(folder / "new.gpkg")]
        said = json.loads(subprocess.run(script, capture_output=True, text=True).stdout)
        assert sorted(p.name for p in folder.iterdir()) == ["city.gpkg"]
        assert _sha(city) == digest
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)
    for message in said:
        assert message == (
            f"Cannot write in the folder {folder}: it is read-only (or not yours); "
            "nothing was changed. Choose another folder"
        )


def test_a_folder_named_like_a_geopackage_is_not_called_read_only(tmp_path: Path) -> None:
    (tmp_path / "network.gpkg").mkdir()
    with pytest.raises(MapdeskError, match=r"network\.gpkg is a folder, not a GeoPackage"):
        create_network_layers(tmp_path / "network.gpkg", UTM)


def test_a_layer_titled_like_a_new_one_is_named_in_the_message(sites_gpkg: Path) -> None:
    # gpkg_contents.identifier is UNIQUE: a layer whose title is network_nodes (its
    # table renamed) leaves that title to no other layer.
    with closing(sqlite3.connect(sites_gpkg)) as connection, connection:
        connection.execute("UPDATE gpkg_contents SET identifier = 'network_nodes'")
    digest = _sha(sites_gpkg)
    with pytest.raises(MapdeskError) as caught:
        create_network_layers(sites_gpkg, UTM)
    assert str(caught.value) == (
        "city.gpkg already has a layer titled network_nodes (its table is city_sites): "
        "choose another name; nothing was changed in it"
    )
    assert _sha(sites_gpkg) == digest


def test_a_crs_id_the_file_uses_for_another_crs_is_not_reused(sites_gpkg: Path) -> None:
    with closing(sqlite3.connect(sites_gpkg)) as connection, connection:
        connection.execute(
            "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, "
            "organization_coordsys_id, definition) VALUES ('City grid', 26919, 'CITY', 1, 'x')"
        )
    create_network_layers(sites_gpkg, UTM)
    srs_id = _rows(sites_gpkg, "SELECT srs_id FROM gpkg_contents WHERE table_name = 'fibre_spans'")
    assert srs_id[0][0] >= 100000
    assert CRS.from_user_input(pyogrio.read_info(sites_gpkg, layer="fibre_spans")["crs"]) == UTM


def test_a_geopackage_with_the_crs_wkt_extension_gets_the_crs_in_both_definitions(
    tmp_path: Path,
) -> None:
    # A file with the CRS WKT extension (GDAL's CRS_WKT_EXTENSION, or a CRS that
    # WKT 1 cannot say) has definition_12_063 NOT NULL: a new CRS row fills it in.
    path = tmp_path / "arcgis.gpkg"
    gpd.GeoDataFrame({"n": [1]}, geometry=[Point(892_658, 91_567)], crs="EPSG:26984").to_file(
        path, layer="city_sites", engine="pyogrio", CRS_WKT_EXTENSION="YES"
    )
    create_network_layers(path, UTM)
    wkt2 = _rows(path, "SELECT s.definition_12_063 FROM gpkg_spatial_ref_sys s JOIN gpkg_contents "
                       "c ON c.srs_id = s.srs_id WHERE c.table_name = 'fibre_spans'")  # fmt: skip
    assert CRS.from_wkt(wkt2[0][0]) == UTM
    assert CRS.from_user_input(pyogrio.read_info(path, layer="fibre_spans")["crs"]) == UTM
    assert _rows(path, "PRAGMA integrity_check") == [("ok",)]


@pytest.fixture
def saved_span(sites_gpkg: Path) -> Iterator[Path]:
    create_network_layers(sites_gpkg, CRS.from_epsg(26984))
    spans = load_layer(str(sites_gpkg), "fibre_spans")
    spans.start_editing()
    line = LineString([(892_658, 91_567), (893_000, 91_600)])
    spans.add_feature(line, {"asset_id": "FS-0001", "type": "conduit", "status": "planned"})
    spans.commit_changes()
    yield sites_gpkg


def test_features_saved_into_the_new_layers_are_indexed_and_read_back(saved_span: Path) -> None:
    read = gpd.read_file(saved_span, layer="fibre_spans")
    assert list(read["asset_id"]) == ["FS-0001"] and list(read["type"]) == ["conduit"]
    # GDAL's R-tree triggers ran in the copied layer: the spatial index has the span.
    assert _rows(saved_span, "SELECT count(*) FROM rtree_fibre_spans_geom") == [(1,)]
    assert _rows(saved_span, "SELECT feature_count FROM gpkg_ogr_contents "
                             "WHERE table_name = 'fibre_spans'") == [(1,)]  # fmt: skip
    near = pyogrio.read_dataframe(
        saved_span, layer="fibre_spans", bbox=(892_600, 91_500, 892_700, 91_600)
    )
    assert len(near) == 1


def test_constraints_of_a_geopackage_1_0_are_read_with_their_camel_case_flags(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.gpkg"
    gpd.GeoDataFrame({"grade": [3]}, geometry=[Point(0, 0)], crs="EPSG:26919").to_file(
        path, layer="hydrants", engine="pyogrio"
    )
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(
            """
            CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
                name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT);
            CREATE TABLE gpkg_data_column_constraints (constraint_name TEXT NOT NULL,
                constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, minIsInclusive BOOLEAN,
                max NUMERIC, maxIsInclusive BOOLEAN, description TEXT);
            INSERT INTO gpkg_data_columns (table_name, column_name, constraint_name)
                VALUES ('hydrants', 'grade', 'grades');
            INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type, min,
                minIsInclusive, max, maxIsInclusive) VALUES ('grades', 'range', 1, 1, 5, 0);
            """
        )
    assert field_rules(path, "hydrants")["grade"]["range"] == [1, 5, True, False]
