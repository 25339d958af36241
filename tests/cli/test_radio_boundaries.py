"""``mapdesk radio-coverage`` and ``mapdesk boundaries check`` on the demo and planted data.

The demo's figures are the ones docs/radio-coverage.md and docs/boundary-qa.md
quote: at the towers' own ranges every address and road is covered; the
4 km what-if leaves 330 addresses outside (264 with the planned Peaks Island
tower); the demo's boundaries are clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from mapdesk.cli import main

DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        status = main(list(args))
    except SystemExit as exc:  # argparse's refusal of an option value
        status = int(exc.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_radio_coverage_of_the_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, report = tmp_path / "radio.gpkg", tmp_path / "radio.json"
    status, text, _ = run(
        capsys, "radio-coverage", str(DEMO), "-o", str(out), "--report", str(report)
    )
    assert status == 0
    assert "Towers in use: 7 of 8; left out: TWR-08 Peaks Island tower (planned)" in text
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["overall"]["addresses"] == 10218
    assert figures["overall"]["addresses_outside"] == 0
    assert figures["overall"]["road_outside_m"] == 0.0
    assert figures["psaps"][0]["name"] == "Greater Portland Regional 9-1-1 PSAP"
    assert figures["layers"] == {
        "towers": "radio_towers",
        "psap": "psap_boundary",
        "addresses": "address_points",
        "roads": "road_centerlines",
    }
    listed = {str(name) for name, _ in pyogrio.list_layers(out)}
    assert listed == {"radio_coverage_areas", "uncovered_addresses", "uncovered_roads"}
    assert pyogrio.read_info(out, layer="radio_coverage_areas")["features"] == 7


@pytest.mark.parametrize(
    ("planned", "addresses", "road_km"), [(False, 330, 54.43), (True, 264, 41.26)]
)
def test_the_4_km_what_if(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    planned: bool,
    addresses: int,
    road_km: float,
) -> None:
    out, report = tmp_path / "radio.gpkg", tmp_path / "radio.json"
    args = ["radio-coverage", str(DEMO), "-o", str(out), "--report", str(report), "--range-km", "4"]
    status, _, _ = run(capsys, *args, *(["--include-planned"] if planned else []))
    assert status == 0
    overall = json.loads(report.read_text(encoding="utf-8"))["overall"]
    assert overall["addresses_outside"] == addresses
    assert overall["road_outside_m"] / 1000 == pytest.approx(road_km, abs=0.01)
    assert pyogrio.read_info(out, layer="uncovered_addresses")["features"] == addresses


def test_radio_coverage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "radio.gpkg")
    status, _, err = run(capsys, "radio-coverage", str(tmp_path / "absent.gpkg"), "-o", out)
    assert status == 2 and "absent.gpkg: no such file" in err
    status, _, err = run(capsys, "radio-coverage", str(DEMO), "-o", out, "--towers", "masts")
    assert status == 2 and "No layer called 'masts' (--towers); the layers are" in err
    status, _, err = run(capsys, "radio-coverage", str(DEMO), "-o", out, "--signal", "x.tif")
    assert status == 2 and "--signal needs --threshold" in err
    status, _, err = run(capsys, "radio-coverage", str(DEMO), "-o", out, "--range-km", "-1")
    assert status == 2 and "-1 is not between 0 and 500 km" in err
    status, _, err = run(capsys, "radio-coverage", str(DEMO), "-o", str(DEMO))
    assert status == 2 and "is an input of the analysis" in err


def test_boundaries_of_the_demo_are_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, report = tmp_path / "qa.gpkg", tmp_path / "qa.json"
    status, text, _ = run(
        capsys, "boundaries", "check", str(DEMO), "-o", str(out), "--report", str(report)
    )
    assert status == 0
    assert "Findings: 0 overlap, 0 gap, 0 uncovered, 0 overshoot, 0 municipality_split" in text
    found = json.loads(report.read_text(encoding="utf-8"))
    assert set(found["layers"]) == {"psap", "police", "fire", "ems", "municipalities", "addresses"}
    assert [e["share_pct"] for e in found["expected_psaps"]] == [100.0, 100.0, 100.0]
    assert {str(n) for n, _ in pyogrio.list_layers(out)} == {
        "boundary_findings",
        "misrouting_candidates",
    }


def planted(path: Path) -> Path:
    """Two PSAPs that overlap 10 m into each other, two towns, three addresses."""
    crs = "EPSG:26984"
    x, y = 880_000.0, 90_000.0
    north, south = shapely.box(x, y + 490, x + 1000, y + 1000), shapely.box(x, y, x + 1000, y + 500)
    psap = gpd.GeoDataFrame(
        {"DsplayName": ["North PSAP", "South PSAP"],
         "ServiceURN": ["urn:emergency:service:sos.psap"] * 2},
        geometry=[north, south],
        crs=crs,
    )  # fmt: skip
    towns = gpd.GeoDataFrame(
        {"A3": ["Northtown", "Southtown"]},
        geometry=[
            shapely.box(x, y + 500, x + 1000, y + 1000),
            shapely.box(x, y, x + 1000, y + 500),
        ],
        crs=crs,
    )
    addresses = gpd.GeoDataFrame(
        {"Add_Number": [1, 2, 3], "St_Name": ["Line Rd"] * 3},
        geometry=gpd.points_from_xy([x + 100, x + 200, x + 300], [y + 495, y + 800, y + 200]),
        crs=crs,
    )
    pyogrio.write_dataframe(psap, path, layer="psap")
    pyogrio.write_dataframe(towns, path, layer="towns")
    pyogrio.write_dataframe(addresses, path, layer="addresses")
    return path


def test_boundaries_with_findings_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, out, report = planted(tmp_path / "data.gpkg"), tmp_path / "qa.gpkg", tmp_path / "qa.json"
    status, text, _ = run(
        capsys, "boundaries", "check", str(data), "-o", str(out), "--report", str(report),
        "--municipalities", "towns",
    )  # fmt: skip
    assert status == 1
    found = json.loads(report.read_text(encoding="utf-8"))
    assert found["counts"]["overlap"] == 1 and found["counts"]["municipality_split"] == 1
    assert found["findings"][0]["area_m2"] == pytest.approx(10_000, rel=2e-4)
    assert found["findings"][0]["polygons"] == ["North PSAP (fid 1)", "South PSAP (fid 2)"]
    (candidate,) = found["misrouting"]
    assert candidate["address"] == "1 Line Rd" and candidate["municipality"] == "Southtown"
    assert candidate["psap_found"] == "North PSAP; South PSAP"
    assert pyogrio.read_info(out, layer="boundary_findings")["features"] == 2
    assert "1 Line Rd (Southtown): in North PSAP; South PSAP, expected South PSAP" in text


def test_boundaries_with_a_table_and_a_tolerance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, out = planted(tmp_path / "data.gpkg"), tmp_path / "qa.gpkg"
    table = tmp_path / "expected.csv"
    table.write_text("municipality,psap\nSouthtown,North PSAP\n", encoding="utf-8")
    args = ["boundaries", "check", str(data), "-o", str(out), "--municipalities", "towns"]
    status, text, _ = run(capsys, *args, "--expected-psap", str(table), "--sliver-area", "20000")
    assert status == 1  # the two Southtown addresses in South PSAP are now the candidates
    assert "Misrouting candidates: 2" in text and "Slivers under 2.00 ha ignored: 1" in text
    assert "1 municipality_split" in text and "0 overlap" in text
    table.write_text("municipality,psap\nEasttown,North PSAP\n", encoding="utf-8")
    status, _, err = run(capsys, *args, "--expected-psap", str(table))
    assert status == 2 and "expected.csv line 2: 'Easttown' is not a polygon of towns" in err


def test_boundaries_unreadable_input_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.gpkg"
    junk.write_text("not a GeoPackage")
    status, _, err = run(capsys, "boundaries", "check", str(junk), "-o", str(tmp_path / "qa.gpkg"))
    assert status == 2 and "junk.gpkg" in err
    roads_only = tmp_path / "roads.gpkg"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs="EPSG:26984"),
        roads_only,
        layer="roads",
    )
    status, _, err = run(
        capsys, "boundaries", "check", str(roads_only), "-o", str(tmp_path / "q.gpkg")
    )
    assert status == 2 and "No PSAP, police, fire or EMS layer found" in err


def test_radio_coverage_from_a_signal_raster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Data without towers: the raster alone covers (the north half of the planted towns)."""
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    data, out, report = planted(tmp_path / "data.gpkg"), tmp_path / "r.gpkg", tmp_path / "r.json"
    raster = tmp_path / "dbm.tif"
    values = np.full((10, 10), -110.0, dtype=np.float32)
    values[:5, :] = -70.0  # rows 0-4: the north half, y 500-1000
    with rasterio.open(
        raster, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
        crs="EPSG:26984", transform=from_origin(880_000.0, 91_000.0, 100, 100),
    ) as grid:  # fmt: skip
        grid.write(values, 1)
    args = ["radio-coverage", str(data), "-o", str(out), "--report", str(report)]
    status, text, err = run(capsys, *args, "--signal", str(raster), "--threshold", "-95")
    assert status == 0, err
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["towers"] == [] and figures["signal_rasters"][0]["cells_covered"] == 50
    north, south = figures["psaps"]
    assert (north["addresses"], north["addresses_outside"]) == (2, 1)  # 1 Line Rd at y 495
    assert (south["addresses"], south["addresses_outside"]) == (2, 2)
    assert "Signal raster dbm.tif: cells at or above -95" in text
