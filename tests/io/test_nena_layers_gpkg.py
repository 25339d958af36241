"""NENA layers in a GeoPackage: created as GDAL reads them, imported atomically and valid."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from pyproj import CRS
from shapely.geometry import LineString, MultiPoint, Point

from mapdesk.core.analysis.nena import ValidationOptions, load_schema, nguid_problem, validate_nena
from mapdesk.core.analysis.nena.field_mapping import suggest_mapping
from mapdesk.core.errors import LayerExistsError, MapdeskError
from mapdesk.io.gpkg_rules import field_rules
from mapdesk.io.nena_dataset import read_nena_dataset
from mapdesk.io.nena_gpkg import create_nena_layers
from mapdesk.io.nena_import import (
    ImportValuesError,
    NenaImportRequest,
    import_into_nena,
    read_mapping,
    read_source,
    write_mapping,
)

SCHEMA = load_schema()
MAINE_WEST = CRS.from_epsg(26984)
AGENCY = "portlandmaine.gov"
X, Y = 884_000.0, 92_000.0


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def county_roads(tmp_path: Path) -> Path:
    """A county road layer with legacy names, in UTM 19N; one NGUID missing, one v2."""
    path = tmp_path / "county_roads.gpkg"
    gpd.GeoDataFrame(
        {
            "L_F_ADD": [1, 101, 2],
            "L_T_ADD": [99, 199, 98],
            "R_F_ADD": [2, 102, 1],
            "R_T_ADD": [98, 198, 99],
            "Parity_L": ["O", "O", "E"],
            "Parity_R": ["E", "E", "O"],
            "STREET": ["Congress", "Congress", "Forest"],
            "ST_TYPE": ["Street", "Street", "Ave"],
            "IncMuni_L": ["Portland"] * 3,
            "IncMuni_R": ["Portland"] * 3,
            "RoadClass": ["Primary", "Primary", "Local"],
            "OneWay": ["B", "B", "FT"],
            "NGUID": [f"urn:emergency:uid:gis:RCL:1:{AGENCY}", None, f"RCL3@{AGENCY}"],
        },
        geometry=[
            LineString([(398_000, 4_834_000), (398_100, 4_834_000)]),
            LineString([(398_100, 4_834_000), (398_200, 4_834_000)]),
            LineString([(398_100, 4_834_000), (398_100, 4_834_100)]),
        ],
        crs="EPSG:26919",
    ).to_file(path, layer="roads", engine="pyogrio")
    return path


def _request(target: Path, frame: gpd.GeoDataFrame, **options: object) -> NenaImportRequest:
    mapping = suggest_mapping([str(c) for c in frame.columns], SCHEMA.layer("RoadCenterLine"))
    return NenaImportRequest(target, "RoadCenterLine", mapping, AGENCY, **options)  # type: ignore[arg-type]


# --- creating ----------------------------------------------------------------------------------
def test_created_layers_have_nenas_fields_types_and_widths_as_gdal_reads_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nena.gpkg"
    assert create_nena_layers(path, MAINE_WEST, ["RoadCenterLine", "PolicePolygon"]) == [
        "RoadCenterLine",
        "PolicePolygon",
    ]
    roads = pyogrio.read_info(path, layer="RoadCenterLine")
    spec = SCHEMA.layer("RoadCenterLine")
    assert list(roads["fields"]) == [f.name for f in spec.fields_for("US")]
    assert roads["geometry_type"] == "MultiLineString Z"
    assert CRS.from_user_input(roads["crs"]).to_epsg() == 26984
    types = dict(zip(roads["fields"], roads["ogr_types"], strict=True))
    assert types["DateUpdate"] == "OFTDateTime" and types["FromAddr_L"] == "OFTInteger64"
    assert pyogrio.read_info(path, layer="PolicePolygon")["geometry_type"] == "MultiPolygon"
    assert [p.name for p in tmp_path.iterdir()] == ["nena.gpkg"]


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs GDAL's ogrinfo")
def test_gdal_sees_the_domains_widths_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "nena.gpkg"
    create_nena_layers(path, MAINE_WEST, ["RoadCenterLine", "PolicePolygon"])
    roads = _ogrinfo(path, "RoadCenterLine")
    assert "Parity_L: String (1.0), domain name=Parity" in roads
    assert "OneWay: String (2.0), domain name=OneWay" in roads
    assert "RoadClass: String (24.0), domain name=RoadClass" in roads
    assert "FromAddr_L: Integer64 (0.0), domain name=AddressNumber" in roads
    assert "A1_L: String (2.0), domain name=AdministrativeLevels1" in roads
    police = _ogrinfo(path, "PolicePolygon")
    assert (
        "ServiceURN: String (100.0) DEFAULT 'urn:emergency:service:responder.police', "
        "domain name=ServiceURNResponder_PolicePolygon"
    ) in police
    parity = _ogrinfo(path, "-fielddomain", "Parity")
    assert "Type: coded" in parity and "O: Odd" in parity and "Z: Address Range 0-0" in parity
    numbers = _ogrinfo(path, "-fielddomain", "AddressNumber")
    assert "Minimum value: 0" in numbers and "Maximum value: 999999" in numbers


def _ogrinfo(path: Path, *args: str) -> str:
    command = ["ogrinfo", "-so", str(path), *args] if args[0] != "-fielddomain" else [
        "ogrinfo", *args, str(path)
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_the_attribute_form_gets_the_codes_and_the_police_list_is_narrowed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nena.gpkg"
    create_nena_layers(path, MAINE_WEST, ["RoadCenterLine", "PolicePolygon"])
    roads = field_rules(path, "RoadCenterLine")
    assert list(roads["Parity_L"]["codes"]) == ["O", "E", "B", "Z"]
    assert set(roads["OneWay"]["codes"]) == {"B", "FT", "TF"}
    assert roads["SpeedLimit"]["range"][:2] == [0, 999]
    urns = field_rules(path, "PolicePolygon")["ServiceURN"]
    assert all(".police" in code for code in urns["codes"])
    assert urns["default"] == "urn:emergency:service:responder.police"


def test_an_existing_geopackage_keeps_its_layers_and_is_never_overwritten_unasked(
    county_roads: Path,
) -> None:
    create_nena_layers(county_roads, MAINE_WEST, ["PsapPolygon"])
    assert {"roads", "PsapPolygon"} <= set(pyogrio.list_layers(county_roads)[:, 0])
    before = _sha(county_roads)
    with pytest.raises(LayerExistsError, match="already has a layer named PsapPolygon"):
        create_nena_layers(county_roads, MAINE_WEST, ["PsapPolygon"])
    assert _sha(county_roads) == before
    with pytest.raises(MapdeskError, match="No NENA layer 'Roads'"):
        create_nena_layers(county_roads, MAINE_WEST, ["Roads"])


# --- importing ---------------------------------------------------------------------------------
def test_an_import_passes_validation_of_schema_values_and_nguids(
    county_roads: Path, tmp_path: Path
) -> None:
    before = _sha(county_roads)
    frame, name = read_source(county_roads, "roads")
    target = tmp_path / "nena.gpkg"
    now = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
    result = import_into_nena(frame, name, _request(target, frame, fix_codes=True), now=now)
    assert (result.count, result.generated) == (3, 2)
    assert _sha(county_roads) == before  # the source is only read
    written = gpd.read_file(target, layer="RoadCenterLine")
    assert written.crs.to_epsg() == 26919  # the source's CRS, as none was asked for
    assert list(written["St_PosTyp"]) == ["Street", "Street", "Avenue"]
    assert (written["DiscrpAgID"] == AGENCY).all()
    assert all(nguid_problem(n, "RCL") is None for n in written["NGUID"])
    assert written["NGUID"].is_unique
    assert str(written["DateUpdate"].iloc[0])[:16] == "2026-11-02 14:30"
    assert written.geometry.has_z.all()
    dataset = read_nena_dataset(target)
    counts = validate_nena(dataset.frames, dataset.roles, ValidationOptions()).counts
    for rule in ("schema.missing_field", "domain.value", "nguid.format", "nguid.duplicate"):
        assert counts[rule] == 0, rule


def test_importing_into_an_existing_layer_adds_with_unique_nguids(
    county_roads: Path, tmp_path: Path
) -> None:
    target = tmp_path / "nena.gpkg"
    create_nena_layers(target, MAINE_WEST, ["RoadCenterLine", "PsapPolygon"])
    frame, name = read_source(county_roads, "roads")
    for _ in range(2):
        import_into_nena(frame, name, _request(target, frame, fix_codes=True))
    written = gpd.read_file(target, layer="RoadCenterLine")
    assert len(written) == 6 and written["NGUID"].is_unique
    assert written.crs.to_epsg() == 26984  # the layer's CRS: the features were reprojected
    assert written.geometry.iloc[0].bounds[0] == pytest.approx(
        gpd.GeoSeries([Point(398_000, 4_834_000)], crs=26919).to_crs(26984).iloc[0].x, abs=0.01
    )
    assert "PsapPolygon" in pyogrio.list_layers(target)[:, 0]
    import_into_nena(frame, name, _request(target, frame, fix_codes=True, replace=True))
    assert len(gpd.read_file(target, layer="RoadCenterLine")) == 3


def test_bad_values_are_listed_with_their_row_and_nothing_is_written(
    county_roads: Path, tmp_path: Path
) -> None:
    target = tmp_path / "nena.gpkg"
    create_nena_layers(target, MAINE_WEST, ["RoadCenterLine"])
    before = _sha(target)
    frame, name = read_source(county_roads, "roads")
    with pytest.raises(ImportValuesError) as raised:
        import_into_nena(frame, name, _request(target, frame))
    assert "county_roads.gpkg:roads row 3: St_PosTyp 'Ave' is not in NENA's StreetNameType" in str(
        raised.value
    )
    assert len(raised.value.problems) == 1
    assert _sha(target) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_point_layer_is_not_imported_into_road_centrelines(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"STREET": ["Congress"]}, geometry=[Point(X, Y)], crs=26984)
    with pytest.raises(MapdeskError, match="has Point geometries; RoadCenterLine holds polylines"):
        import_into_nena(frame, "points", _request(tmp_path / "nena.gpkg", frame))
    assert not (tmp_path / "nena.gpkg").exists()


def test_a_mapping_file_round_trips(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"STREET": ["Congress"], "L_F_ADD": [1]}, geometry=[None])
    mapping = _request(tmp_path / "x.gpkg", frame).mapping
    write_mapping(tmp_path / "roads.json", mapping)
    assert read_mapping(tmp_path / "roads.json", "RoadCenterLine") == mapping
    with pytest.raises(MapdeskError, match=r"roads\.json is for the NENA layer RoadCenterLine"):
        read_mapping(tmp_path / "roads.json", "PsapPolygon")


# --- the target is written in place, in one transaction (RELIABILITY.md) ---------------------
def test_a_target_another_program_has_open_in_wal_mode_keeps_its_data(
    county_roads: Path, tmp_path: Path
) -> None:
    """QGIS keeps a GeoPackage it shows in WAL mode: recent commits live in ``-wal``.

    Copying the file and renaming the copy over it lost them, and the old ``-wal``
    was then applied to the new file: a malformed database.
    """
    target = tmp_path / "nena.gpkg"
    create_nena_layers(target, MAINE_WEST, ["PsapPolygon"])
    other = sqlite3.connect(target)
    try:
        other.execute("PRAGMA journal_mode=WAL")
        other.execute("PRAGMA wal_autocheckpoint=0")  # the commit stays in the -wal file
        other.execute("CREATE TABLE notes (note TEXT)")
        other.execute("INSERT INTO notes VALUES ('edited in QGIS')")
        other.commit()
        frame, name = read_source(county_roads, "roads")
        import_into_nena(frame, name, _request(target, frame, fix_codes=True))
        assert other.execute("SELECT note FROM notes").fetchall() == [("edited in QGIS",)]
    finally:
        other.close()
    with closing(sqlite3.connect(target)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT note FROM notes").fetchall() == [("edited in QGIS",)]
    assert len(gpd.read_file(target, layer="RoadCenterLine")) == 3
    assert "PsapPolygon" in pyogrio.list_layers(target)[:, 0]


_IMPORT_AS_NOBODY = """
import json, os, sys
from pathlib import Path
from mapdesk.core.analysis.nena.field_mapping import suggest_mapping
from mapdesk.core.analysis.nena import load_schema
from mapdesk.core.errors import MapdeskError
from mapdesk.io.nena_import import NenaImportRequest, import_into_nena, read_source
frame, name = read_source(Path(sys.argv[1]), "roads")
mapping = suggest_mapping(list(frame.columns), load_schema().layer("RoadCenterLine"))
if os.geteuid() == 0:
    os.setuid(65534)  # nobody: root writes anywhere
said = []
for replace in (False, True):
    request = NenaImportRequest(Path(sys.argv[2]), "RoadCenterLine", mapping,
                                "portlandmaine.gov", replace=replace, fix_codes=True)
    try:
        import_into_nena(frame, name, request)
        said.append(None)
    except MapdeskError as exc:
        said.append(str(exc))
print(json.dumps(said))
"""


def test_a_read_only_target_is_refused_and_left_as_it_was(county_roads: Path) -> None:
    """A file the user may not write is not replaced by a copy, though its folder allows it."""
    # Not under tmp_path: run as root, the script drops to "nobody", who must reach it.
    folder = Path(tempfile.mkdtemp(prefix="mapdesk-read-only-"))
    try:
        folder.chmod(0o777)
        source = folder / "county_roads.gpkg"
        shutil.copyfile(county_roads, source)
        source.chmod(0o644)
        target = folder / "nena.gpkg"
        create_nena_layers(target, MAINE_WEST, ["RoadCenterLine"])
        target.chmod(0o444)
        before = _sha(target)
        script = [sys.executable, "-c", _IMPORT_AS_NOBODY, str(source), str(target)]
        run = subprocess.run(script, capture_output=True, text=True)
        said = json.loads(run.stdout or "null")
        assert _sha(target) == before
        assert target.stat().st_mode & 0o777 == 0o444
        assert sorted(p.name for p in folder.iterdir()) == ["county_roads.gpkg", "nena.gpkg"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert said is not None, run.stderr
    assert all(message and "nena.gpkg is read-only" in message for message in said), said


def test_a_target_locked_by_another_program_is_refused_and_left_as_it_was(
    county_roads: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "nena.gpkg"
    create_nena_layers(target, MAINE_WEST, ["RoadCenterLine"])
    monkeypatch.setattr("mapdesk.io.gpkg_layers.BUSY_TIMEOUT_S", 0.2)
    frame, name = read_source(county_roads, "roads")
    with closing(sqlite3.connect(target, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(MapdeskError, match=r"nena\.gpkg is locked by another program"):
            import_into_nena(frame, name, _request(target, frame, fix_codes=True))
        other.execute("ROLLBACK")
    assert len(gpd.read_file(target, layer="RoadCenterLine")) == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- geometries the NENA layer's type cannot hold as they are ---------------------------------
def test_an_empty_line_is_imported_without_geometry_not_a_crash(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"STREET": ["Congress", "Forest"]},
        geometry=[LineString(), LineString([(X, Y), (X + 100, Y)])],
        crs=26984,
    )
    target = tmp_path / "nena.gpkg"
    assert import_into_nena(frame, "roads", _request(target, frame)).count == 2
    written = gpd.read_file(target, layer="RoadCenterLine")
    assert written.geometry.isna().tolist() == [True, False]


def test_single_part_multipoints_become_points_and_multi_part_ones_are_named(
    tmp_path: Path,
) -> None:
    spec = SCHEMA.layer("SiteStructureAddressPoint")
    target = tmp_path / "nena.gpkg"
    frame = gpd.GeoDataFrame(
        {"Add_Number": [12, 14]}, geometry=[MultiPoint([(X, Y)]), Point(X, Y + 10)], crs=26984
    )
    request = NenaImportRequest(target, spec.name, suggest_mapping(["Add_Number"], spec), AGENCY)
    import_into_nena(frame, "sites", request)
    assert pyogrio.read_info(target, layer=spec.name)["geometry_type"] == "Point Z"
    assert set(gpd.read_file(target, layer=spec.name).geom_type) == {"Point"}
    frame.loc[1, "geometry"] = MultiPoint([(X, Y), (X + 5, Y)])
    with pytest.raises(MapdeskError, match=r"sites row 2 has a MultiPoint of 2 points"):
        import_into_nena(frame, "sites", request)
