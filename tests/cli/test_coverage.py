"""``mapdesk coverage`` as a planner runs it: the demo's fire stations, what-ifs, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, Point

from mapdesk.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "greater_portland_demo.gpkg"
FIRE = "\"type\" = 'Fire'"


def _demo_args(out: Path, *extra: str) -> list[str]:
    demo = str(DEMO)
    return [
        "coverage",
        demo,
        demo,
        "--stations-where",
        FIRE,
        "--addresses",
        demo,
        "--incidents",
        demo,
        "--psap",
        demo,
        "--minutes",
        "4,8",
        "-o",
        str(out / "coverage.gpkg"),
        "--report",
        str(out / "report.json"),
        *extra,
    ]


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("coverage")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "mapdesk", *_demo_args(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=REPO,
    )
    return done, out


def test_the_demo_fire_stations_cover_the_demo_addresses(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = demo_run
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Coverage by 13 stations, bands 4, 8 min (turnout included)\n")
    assert "Addresses: 10,218 (10,218 near a road)\n  within 4 min: " in done.stdout
    report = json.loads((out / "report.json").read_text())
    addresses = report["addresses"]
    assert addresses["total"] == 10_218
    four, eight = addresses["bands"]["4"]["percent"], addresses["bands"]["8"]["percent"]
    assert 0 < four < eight <= 100
    assert report["incidents"]["total"] == 5_000
    assert set(addresses["per_psap"]) == {"Greater Portland Regional 9-1-1 PSAP"}
    assert len(addresses["per_station"]) == 13
    # Every address some station reaches has exactly one first-due station.
    first_due = sum(s["first_due"] for s in addresses["per_station"].values())
    assert first_due == addresses["reached_at_all"] > 10_000
    assert report["inputs"]["roads"].endswith("greater_portland_demo.gpkg:road_centerlines")
    assert {s["status"] for s in report["stations"]} == {"in service"}


def test_the_demo_output_has_every_layer(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, out = demo_run
    layers = dict(pyogrio.list_layers(out / "coverage.gpkg"))
    assert layers == {
        "first_due_zones": "MultiPolygon",
        "coverage_bands": "MultiPolygon",
        "station_bands": "MultiPolygon",
        "first_due_roads": "LineString",
        "coverage_gaps": "MultiPolygon",
        "gap_addresses": "Point",
        "address_coverage": "Point",
        "coverage_stations": "Point",
    }
    zones = gpd.read_file(out / "coverage.gpkg", layer="first_due_zones")
    assert len(zones) == 13 and zones.crs.to_epsg() == 26984  # the roads' CRS
    addresses = gpd.read_file(out / "coverage.gpkg", layer="address_coverage")
    assert zones["addresses"].sum() == addresses["first_due"].notna().sum()
    bands = gpd.read_file(out / "coverage.gpkg", layer="station_bands")
    assert len(bands) == 26 and set(bands["minutes"]) == {4.0, 8.0}
    gaps = gpd.read_file(out / "coverage.gpkg", layer="gap_addresses")
    assert not gaps["within_8min"].any()


def _small_files(folder: Path) -> tuple[Path, Path]:
    """A 2 km street with a side street, two stations, addresses along it, in one GeoPackage."""
    path = folder / "town.gpkg"
    roads = gpd.GeoDataFrame(
        {"NGUID": ["R1", "R2", "R3"], "OneWay": ["B", "B", "B"], "SpeedLimit": [25, 25, 25]},
        geometry=[
            LineString([(0, 0), (1000, 0)]),
            LineString([(1000, 0), (2000, 0)]),
            LineString([(1000, 0), (1000, 1000)]),
        ],
        crs="EPSG:26919",
    )
    stations = gpd.GeoDataFrame(
        {"station_id": ["E1", "E2"], "turnout_s": [60, 60]},
        geometry=[Point(0, 10), Point(2000, 10)],
        crs="EPSG:26919",
    )
    addresses = gpd.GeoDataFrame(
        {"FullAddr": ["1 Main St", "2 Main St", "3 Side St"]},
        geometry=[Point(200, 15), Point(1800, 15), Point(1010, 900)],
        crs="EPSG:26919",
    )
    for name, frame in (
        ("road_centerlines", roads),
        ("stations", stations),
        ("address_points", addresses),
    ):
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path, folder / "out.gpkg"


def test_a_what_if_reports_the_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    town, out = _small_files(tmp_path)
    report = tmp_path / "report.json"
    args = [
        "coverage",
        str(town),
        str(town),
        "--addresses",
        str(town),
        "--minutes",
        "2",
        "-o",
        str(out),
        "--report",
        str(report),
    ]
    assert main([*args, "--disable", "E2", "--close", "R3"]) == 0
    text = capsys.readouterr().out
    assert "within 2 min: 1 (33.3 %), 66.7 % without the what-if" in text
    figures = json.loads(report.read_text())
    assert figures["what_if"] == {"disabled_stations": ["E2"], "closed_roads": ["R3"]}
    assert figures["baseline"]["change_percent_points"]["addresses"] == {"2": -33.33}
    roads = gpd.read_file(out, layer="first_due_roads")
    assert roads["closed"].tolist() == [False, False, True]
    assert main([*args, "--close-where", "\"NGUID\" = 'R2'"]) == 0
    assert json.loads(report.read_text())["what_if"]["closed_roads"] == ["R2"]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--minutes", "four"], "--minutes 'four'"),
        (["--minutes", "0,8"], "more than 0"),
        (["--disable", "E9"], "E9"),
        (["--close", "R9"], "R9"),
        (["--stations-where", "\"station_id\" = 'X'"], "keeps none"),
        (["--station-id", "callsign"], "callsign"),
        (["--turnout", "-1"], "turnout"),
        (["--access", "0"], "access"),
        (["--report", "no-such-folder/report.json"], "does not exist"),
    ],
)
def test_bad_choices_exit_2_with_one_line(
    extra: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    town, out = _small_files(tmp_path)
    assert main(["coverage", str(town), str(town), "-o", str(out), *extra]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("mapdesk: error: ") and named in error
    assert not out.exists()


def test_stations_left_out_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    town, out = _small_files(tmp_path)
    stations = gpd.GeoDataFrame(
        {"station_id": ["E1", "E3", "E4"], "name": ["Central", "Harbor", "Unplaced"]},
        geometry=[Point(0, 10), Point(500, 700), None],
        crs="EPSG:26919",
    )
    placed = tmp_path / "stations.geojson"
    stations.to_file(placed)
    assert main(["coverage", str(town), str(placed), "-o", str(out)]) == 0
    errors = capsys.readouterr().err
    assert "station E3 (Harbor) is 500 m from the nearest road, more than the 100 m" in errors
    assert "station E4 (Unplaced) has no location: left out" in errors
    status = gpd.read_file(out, layer="coverage_stations")["status"].tolist()
    assert status == ["in service", "off network", "off network"]


def test_unreadable_input_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "roads.gpkg"
    broken.write_text("not a geopackage")
    town, out = _small_files(tmp_path)
    assert main(["coverage", str(broken), str(town), "-o", str(out)]) == 2
    assert "roads.gpkg" in capsys.readouterr().err
    assert main(["coverage", str(tmp_path / "missing.shp"), str(town), "-o", str(out)]) == 2
    assert "missing.shp" in capsys.readouterr().err


def test_a_file_of_many_layers_needs_the_layer_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    town, out = _small_files(tmp_path)
    extra = gpd.GeoDataFrame({"a": [1]}, geometry=[LineString([(0, 0), (1, 1)])], crs="EPSG:26919")
    pyogrio.write_dataframe(extra, town, layer="rails", driver="GPKG")
    pyogrio.write_dataframe(extra, town, layer="trails", driver="GPKG")
    assert main(["coverage", str(town), str(town), "--roads-layer", "nope", "-o", str(out)]) == 2
    assert "--roads-layer" in capsys.readouterr().err
    assert (
        main(
            ["coverage", str(town), str(town), "--roads-layer", "road_centerlines", "-o", str(out)]
        )
        == 0
    )


def test_the_output_never_replaces_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    town, _ = _small_files(tmp_path)
    before = town.read_bytes()
    assert main(["coverage", str(town), str(town), "-o", str(town)]) == 2
    assert "is an input" in capsys.readouterr().err
    assert town.read_bytes() == before
    assert main(["coverage", str(town), str(town), "-o", str(tmp_path / "out.shp")]) == 2
    assert "GeoPackage" in capsys.readouterr().err
