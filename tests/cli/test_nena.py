"""``mapdesk nena validate``: exit status, report.json, HTML report and error layer."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pyogrio
import pytest

from mapdesk.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from nena_data import clean_dataset, planted_dataset, write_gpkg

DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"

#: What the demo deliberately is: see docs/nena-validation.md, "The demo data".
DEMO_COUNTS = {
    "schema.missing_layer": 1,
    "schema.missing_field": 4,
    "value.required_null": 0,
    "domain.value": 12944,
    "nguid.format": 0,
    "nguid.duplicate": 0,
    "geometry.invalid": 0,
    "polygon.overlap": 0,
    "polygon.gap": 0,
    "road.dangle": 454,
    "road.outside_provisioning": 26,
    "address.outside_provisioning": 0,
    "address.municipality_mismatch": 0,
    "address.no_matching_road": 0,
    "address.range_mismatch": 0,
    "road.range_overlap": 0,
    "address.duplicate": 0,
}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set]:
    data, expected = planted_dataset()
    path = tmp_path_factory.mktemp("nena") / "planted.gpkg"
    write_gpkg(data, path)
    return path, expected


def test_clean_data_exits_0_with_an_empty_report(tmp_path: Path, capsys) -> None:
    data = tmp_path / "clean.gpkg"
    write_gpkg(clean_dataset(), data)
    report = tmp_path / "report.json"
    assert main(["nena", "validate", str(data), "--report", str(report)]) == 0
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["errors"] == [] and set(written["rules"].values()) == {0}
    assert capsys.readouterr().out.endswith("\nNo errors\n")


def test_planted_errors_exit_1_and_the_report_lists_exactly_them(
    planted: tuple[Path, set], tmp_path: Path, capsys
) -> None:
    data, expected = planted
    report = tmp_path / "report.json"
    assert main(["nena", "validate", str(data), "--report", str(report)]) == 1
    written = json.loads(report.read_text(encoding="utf-8"))
    assert {(e["rule"], e["layer"], e["fid"]) for e in written["errors"]} == expected
    assert sum(written["rules"].values()) == len(written["errors"])
    out = capsys.readouterr().out
    assert "  PsapPolygon: psap (its NENA name)\n" in out
    assert f"{len(written['errors'])} errors found\n" in out


def test_the_demo_gives_its_documented_findings(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    assert main(["nena", "validate", str(DEMO), "--report", str(report)]) == 1
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["rules"] == DEMO_COUNTS
    errors = written["errors"]
    assert {e["layer"] for e in errors if e["rule"] == "schema.missing_layer"} == {
        "ProvisioningPolygon"
    }
    domain = [e["message"] for e in errors if e["rule"] == "domain.value"]
    assert all("St_PosTyp" in m and "NENA spells it out" in m for m in domain)
    missing = sorted(
        e["message"].split(" has no field ")[1]
        for e in errors
        if e["rule"] == "schema.missing_field"
    )
    assert missing == [
        f"{f}, which NENA requires" for f in ("A1_L", "A1_R", "Country_L", "Country_R")
    ]


def test_the_html_report_escapes_what_the_data_says(tmp_path: Path) -> None:
    data = clean_dataset()
    data["address_points"].loc[2, "Place_Type"] = "<script>alert(`x${1}`)</script>"
    path = tmp_path / "hostile.gpkg"
    write_gpkg(data, path)
    html = tmp_path / "report.html"
    assert main(["nena", "validate", str(path), "--html", str(html)]) == 1
    page = html.read_text(encoding="utf-8")
    assert "<script" not in page and "`" not in page and "${" not in page
    assert "&lt;script&gt;alert(&#96;x&#36;&#123;1&#125;&#96;)&lt;/script&gt;" in page
    assert "default-src 'none'" in page
    assert '<td class="n">1</td>' in page


def test_the_error_layer_puts_each_error_at_its_place(
    planted: tuple[Path, set], tmp_path: Path
) -> None:
    data, expected = planted
    errors = tmp_path / "errors.gpkg"
    assert main(["nena", "validate", str(data), "--errors", str(errors)]) == 1
    layer = pyogrio.read_dataframe(errors, layer="nena_errors")
    assert str(layer.crs) == "EPSG:4326"
    assert len(layer) == len(expected)  # one finding per planted error
    fids = [None if fid != fid else int(fid) for fid in layer["feature_fid"]]  # NaN: none
    assert set(zip(layer["rule"], layer["layer"], fids, strict=True)) == expected
    placed = layer[layer.geometry.notna()]
    assert placed.geometry.x.between(-70.4, -70.2).all()
    assert placed.geometry.y.between(43.5, 43.7).all()
    # No place: the missing layer and field, and the address point without a geometry.
    assert sorted(layer[layer.geometry.isna()]["rule"]) == [
        "geometry.invalid",
        "schema.missing_field",
        "schema.missing_layer",
    ]


def test_the_error_layer_never_replaces_the_data(planted: tuple[Path, set], tmp_path: Path) -> None:
    data, _ = planted
    copy = tmp_path / "data.gpkg"
    shutil.copyfile(data, copy)
    before = copy.read_bytes()
    assert main(["nena", "validate", str(copy), "--errors", str(copy)]) == 2
    assert copy.read_bytes() == before


@pytest.mark.parametrize("make", ["missing", "not_gis"])
def test_input_that_cannot_be_read_exits_2(make: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "data.gpkg"
    if make == "not_gis":
        path.write_text("this is not a GeoPackage", encoding="utf-8")
    report = tmp_path / "report.json"
    assert main(["nena", "validate", str(path), "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("mapdesk: error: data.gpkg: ")
    assert not report.exists()


def test_a_bad_layer_choice_exits_2_naming_the_layers(planted: tuple[Path, set], capsys) -> None:
    data, _ = planted
    assert main(["nena", "validate", str(data), "--layer", "PsapPolygon=nowhere"]) == 2
    assert "No layer 'nowhere' to validate as PsapPolygon" in capsys.readouterr().err
    assert main(["nena", "validate", str(data), "--layer", "PsapPolygon"]) == 2
    assert "write it NENA=LAYER" in capsys.readouterr().err


def test_a_chosen_layer_plays_its_part(tmp_path: Path) -> None:
    data = clean_dataset()
    data["layer_7"] = data.pop("provisioning")
    path = tmp_path / "renamed.gpkg"
    write_gpkg(data, path)
    assert main(["nena", "validate", str(path)]) == 1  # no provisioning layer found
    assert main(["nena", "validate", str(path), "--layer", "ProvisioningPolygon=layer_7"]) == 0


def test_dangle_within_reports_only_near_misses(planted: tuple[Path, set], tmp_path: Path) -> None:
    data, _ = planted
    report = tmp_path / "report.json"
    main(["nena", "validate", str(data), "--report", str(report), "--dangle-within", "5"])
    assert json.loads(report.read_text(encoding="utf-8"))["rules"]["road.dangle"] == 0
