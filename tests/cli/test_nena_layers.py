"""``mapdesk nena create`` and ``mapdesk nena import``: layers made, data imported, exit status."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString

from mapdesk.cli import main
from mapdesk.core.analysis.nena import REQUIRED_LAYERS

DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def roads_shp(tmp_path: Path) -> Path:
    path = tmp_path / "roads.shp"
    gpd.GeoDataFrame(
        {"L_F_ADD": [1, 2], "STREET": ["Congress", "Forest"], "ST_TYPE": ["St", "Avenue"]},
        geometry=[LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 100)])],
        crs="EPSG:26984",
    ).to_file(path, engine="pyogrio")
    return path


def test_create_writes_the_required_layers_by_default(tmp_path: Path, capsys) -> None:
    out = tmp_path / "nena.gpkg"
    assert main(["nena", "create", str(out), "--crs", "26984"]) == 0
    names = set(pyogrio.list_layers(out)[:, 0])
    assert names == set(REQUIRED_LAYERS)
    assert "EPSG:26984" in capsys.readouterr().out
    assert main(["nena", "create", str(out), "--layers", "PsapPolygon"]) == 2
    assert "use --replace" in capsys.readouterr().err
    assert main(["nena", "create", str(out), "--layers", "A3Polygon,HydrologyLine"]) == 0
    assert {"A3Polygon", "HydrologyLine"} <= set(pyogrio.list_layers(out)[:, 0])


def test_import_suggests_a_mapping_saves_it_and_refuses_bad_values(
    roads_shp: Path, tmp_path: Path, capsys
) -> None:
    out, saved = tmp_path / "nena.gpkg", tmp_path / "roads.json"
    before = _sha(roads_shp)
    args = ["nena", "import", str(roads_shp), "--layer", "RoadCenterLine", "-o", str(out),
            "--agency", "portlandmaine.gov", "--save-mapping", str(saved)]  # fmt: skip
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "roads.shp row 1: St_PosTyp 'St' is not in NENA's StreetNameType domain" in err
    assert "--fix-codes" in err
    assert not out.exists()
    assert json.loads(saved.read_text())["fields"] == {
        "FromAddr_L": "L_F_ADD", "St_Name": "STREET", "St_PosTyp": "ST_TYPE"
    }  # fmt: skip
    assert main([*args[:-2], "--mapping", str(saved), "--fix-codes"]) == 0
    assert "Imported 2 feature(s) of roads.shp into RoadCenterLine" in capsys.readouterr().out
    written = gpd.read_file(out, layer="RoadCenterLine")
    assert list(written["St_PosTyp"]) == ["Street", "Avenue"]
    assert _sha(roads_shp) == before


def test_map_overrides_the_suggestion_and_an_empty_source_leaves_a_field_empty(
    roads_shp: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "nena.gpkg"
    args = ["nena", "import", str(roads_shp), "--layer", "RoadCenterLine", "-o", str(out),
            "--agency", "portlandmaine.gov",
            "--map", "St_PosTyp=", "--map", "LSt_Name=STREET"]  # fmt: skip
    assert main(args) == 0
    written = gpd.read_file(out, layer="RoadCenterLine")
    assert written["St_PosTyp"].isna().all()
    assert list(written["LSt_Name"]) == ["Congress", "Forest"]
    assert main([*args, "--map", "Street=STREET"]) == 2
    assert "--map 'Street=STREET'" in capsys.readouterr().err


def test_import_refuses_a_bad_agency_and_an_unknown_nena_layer(roads_shp: Path, tmp_path: Path,
                                                               capsys) -> None:  # fmt: skip
    base = ["nena", "import", str(roads_shp), "-o", str(tmp_path / "n.gpkg")]
    assert main([*base, "--layer", "RoadCenterLine", "--agency", "Portland PD"]) == 2
    assert "must be a domain name" in capsys.readouterr().err
    assert main([*base, "--layer", "Roads", "--agency", "portlandmaine.gov"]) == 2
    assert "No NENA layer 'Roads'" in capsys.readouterr().err


def test_the_demo_addresses_import_with_fix_codes_and_validate_without_value_errors(
    tmp_path: Path, capsys
) -> None:
    out, report = tmp_path / "nena.gpkg", tmp_path / "report.json"
    args = ["nena", "import", str(DEMO), "--source-layer", "address_points",
            "--layer", "SiteStructureAddressPoint", "-o", str(out),
            "--agency", "portlandmaine.gov", "--fix-codes"]  # fmt: skip
    assert main(args) == 0
    assert "Imported 10,218 feature(s)" in capsys.readouterr().out
    main(["nena", "validate", str(out), "--report", str(report)])
    rules = json.loads(report.read_text())["rules"]
    assert rules["domain.value"] == 0 and rules["nguid.format"] == 0
    assert rules["nguid.duplicate"] == 0 and rules["schema.missing_field"] == 0
