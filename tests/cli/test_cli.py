"""The `mapdesk` command as a user runs it: a real process, exit codes, output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from PySide6.QtGui import QImage
from shapely.geometry import Point

from mapdesk.io.gpkg_rules import field_rules

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "greater_portland_demo.gpkg"


def mapdesk(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "mapdesk", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=cwd or REPO,
    )


@pytest.fixture
def towers_file(tmp_path: Path) -> Path:
    path = tmp_path / "towers.geojson"
    gpd.GeoDataFrame(
        {"site_id": ["T1", "T2"], "height_m": [45.0, 60.5]},
        geometry=[Point(-70.26, 43.66), Point(-70.22, 43.60)],
        crs=4326,
    ).to_file(path)
    return path


def test_version() -> None:
    result = mapdesk("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "mapdesk 0.1.0"


def test_info_lists_the_demo_layers() -> None:
    result = mapdesk("info", str(DEMO))
    assert result.returncode == 0, result.stderr
    assert "Layer: road_centerlines" in result.stdout
    assert "CRS: EPSG:26919 NAD83 / UTM zone 19N" in result.stdout  # radio towers
    assert "CRS: EPSG:4326 WGS 84" in result.stdout  # FixIt incidents


def test_info_json_for_machines(towers_file: Path) -> None:
    result = mapdesk("info", str(towers_file), "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    [layer] = info["layers"]
    assert layer["feature_count"] == 2
    assert layer["crs"]["epsg"] == 4326
    assert [f["name"] for f in layer["fields"]] == ["site_id", "height_m"]
    assert layer["extent"] == pytest.approx([-70.26, 43.60, -70.22, 43.66])


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["info", "no_such_file.gpkg"], "no_such_file.gpkg"),
        (["render", "no_such_file.shp", "-o", "x.png"], "no_such_file.shp"),
        (["render", "-o", "out.png", "--width", "0"], "--width"),
        (["render", "data.gpkg"], "--output"),
        (["info"], "path"),
        (["export", "vector", "no_such_file.gpkg", "-o", "out.shp"], "no_such_file.gpkg"),
        (["export", "vector", str(DEMO), "-o", "out.dxf", "--layer", "radio_towers"], ".dxf"),
        (["export", "vector", str(DEMO), "-o", "out.gpkg", "--crs", "EPSG:999999"], "999999"),
        (["export", "vector", str(DEMO), "-o", "out.gpkg"], "road_centerlines"),
    ],
)
def test_errors_are_one_line_and_exit_2(args: list[str], named: str, tmp_path: Path) -> None:
    result = mapdesk(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    # One error line, the last; before it at most the steps already under way.
    errors = [line for line in lines if line.startswith("mapdesk: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0]
    assert all(line.endswith(" ...") for line in lines[:-1])


def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "notes.geojson"
    bad.write_text("this is not GeoJSON")
    result = mapdesk("info", str(bad))
    assert result.returncode == 2
    assert "notes.geojson" in result.stderr and "Traceback" not in result.stderr


def test_render_given_files_to_png(towers_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "towers.png"
    result = mapdesk(
        "render", str(towers_file), "-o", str(out), "--width", "320", "--height", "200"
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (320, 200)


def test_render_demo_draws_a_map(tmp_path: Path) -> None:
    out = tmp_path / "demo.png"
    result = mapdesk("render", "-o", str(out), "--width", "400", "--height", "300")
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (400, 300)
    colours = {image.pixel(x, y) for x in range(0, 400, 7) for y in range(0, 300, 7)}
    assert len(colours) > 20  # a map, not a blank page


def test_export_vector_announces_changes_and_writes_the_file(tmp_path: Path) -> None:
    source = tmp_path / "requests.geojson"
    gpd.GeoDataFrame(
        {"service_request_id": ["1001", "1002"], "description": ["Pothole", "Graffiti"]},
        geometry=[Point(-70.26, 43.66), Point(-70.25, 43.65)],
        crs=4326,
    ).to_file(source)
    result = mapdesk(
        "export", "vector", str(source), "-o", "requests.shp", "--crs", "EPSG:26919", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Wrote 2 features to requests.shp, requests.fields.csv" in result.stdout
    assert "'service_request_id' renamed 'service_re'" in result.stderr
    assert "reprojected from EPSG:4326 WGS 84 to EPSG:26919" in result.stderr
    back = gpd.read_file(tmp_path / "requests.shp")
    assert back.crs.to_epsg() == 26919 and list(back["service_re"]) == ["1001", "1002"]


def test_export_vector_keeps_the_network_codes_in_a_geopackage_and_says_a_shapefile_cannot(
    tmp_path: Path,
) -> None:
    kept = mapdesk(
        "export", "vector", str(DEMO), "--layer", "fibre_spans", "-o", "spans.gpkg", cwd=tmp_path
    )
    assert kept.returncode == 0, kept.stderr
    assert "note:" not in kept.stderr
    assert list(field_rules(tmp_path / "spans.gpkg", "fibre_spans")) == ["type", "status"]
    told = mapdesk(
        "export", "vector", str(DEMO), "--layer", "fibre_spans", "-o", "spans.shp", cwd=tmp_path
    )
    assert told.returncode == 0, told.stderr
    said = "note: ESRI Shapefile has no coded values, ranges or defaults: the rules of 'type'"
    assert said in told.stderr


def test_export_map_writes_a_pdf_of_the_demo(tmp_path: Path) -> None:
    target = tmp_path / "council.pdf"
    result = mapdesk(
        "export", "map", "-o", str(target), "--title", "Council map", "--page", "a3-portrait"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote 1 page: {target}"
    assert "mapdesk: drawing page 1 of 1 ..." in result.stderr  # progress on stderr
    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Council map" in text and "Legend" in text and "Source:" in text
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True).stdout
    assert "842 x 1191 pts" in info


def test_export_map_series_of_data_files_to_pngs(towers_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "towers.png"
    result = mapdesk(
        "export", "map", str(towers_file), "-o", str(target), "--series", "towers",
        "--series-label", "site_id", "--dpi", "40",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.glob("towers-*.png")) == [
        "towers-001.png",
        "towers-002.png",
    ]
    assert QImage(str(tmp_path / "towers-001.png")).width() == round(792 * 40 / 72)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--dpi", "2000"], "2000 dpi is not between 36 and 600"),
        (["--page", "b5"], "Unknown page size 'b5'"),
        (["--series", "Wards"], "No layer 'Wards'"),
    ],
)
def test_export_map_bad_options_exit_2_with_one_line(
    args: list[str], named: str, tmp_path: Path
) -> None:
    result = mapdesk("export", "map", "-o", str(tmp_path / "map.pdf"), *args)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and named in errors[0], result.stderr
    assert not (tmp_path / "map.pdf").exists()


def test_export_web_writes_a_safe_page_and_says_what_it_left_out(tmp_path: Path) -> None:
    source = tmp_path / "fixit.geojson"
    gpd.GeoDataFrame(
        {
            "description": ["<script>alert(1)</script> pothole", "`${alert(2)}` sidewalk"],
            "reporter": ["Jane Roe", "John Doe"],
        },
        geometry=[Point(-70.26, 43.66), Point(-70.25, 43.65)],
        crs=4326,
    ).to_file(source)
    target = tmp_path / "fixit.html"
    result = mapdesk("export", "web", str(source), "-o", str(target), "--basemap", "none")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {target} (")
    assert 'note: left out field "reporter" of layer "fixit"' in result.stderr
    page = target.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in page
    assert "Jane Roe" not in page and "<script>alert(1)" not in page


def test_export_web_bad_field_choice_exits_2(tmp_path: Path) -> None:
    result = mapdesk("export", "web", "-o", str(tmp_path / "m.html"), "--popup", "Parcels")
    assert result.returncode == 2
    assert "--popup 'Parcels' is not LAYER=FIELD1,FIELD2" in result.stderr


def test_export_qgis_writes_a_project_qgis_can_read(towers_file: Path, tmp_path: Path) -> None:
    import zipfile

    target = tmp_path / "towers.qgz"
    result = mapdesk("export", "qgis", str(towers_file), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote {target} (1 layer)"
    with zipfile.ZipFile(target) as archive:
        (name,) = archive.namelist()
        text = archive.read(name).decode("utf-8")
    assert name == "towers.qgs"
    assert 'source="./towers.geojson' in text or "./towers.geojson" in text


def test_export_qgis_refuses_other_suffixes(tmp_path: Path) -> None:
    result = mapdesk("export", "qgis", "-o", str(tmp_path / "map.txt"))
    assert result.returncode == 2
    assert "a QGIS project is a .qgz or .qgs file" in result.stderr


def test_incidents_import_writes_the_layer_and_the_report(tmp_path: Path) -> None:
    source = tmp_path / "scf.csv"
    source.write_bytes(
        (
            "\ufeffId,Report Source,Category,Created at local,Closed at local,Status,Address,"
            "Description,URL,Lat,Lng,Export tagged places\r\n"
            '7181157,iPhone,Odor,01/07/2020 - 08:26AM,,Open,315 Spring St,"two\r\nlines",'
            ",43.64774,-70.2694545,District 2\r\n"
            "7181158,iPhone,Odor,01/07/2020 - 08:27AM,,Open,Nowhere,lost,,,,District 2\r\n"
        ).encode("utf-8")
    )
    target, report = tmp_path / "fixit.gpkg", tmp_path / "report.json"
    result = mapdesk("incidents", "import", str(source), "-o", str(target), "--report", str(report))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"Imported 1 of 2 reports to {target}; 1 rejected, 0 duplicates merged"
    )
    assert "mapdesk: rejected record 2 (id 7181158): it has no coordinates" in result.stderr
    written = gpd.read_file(target)
    assert list(written["service_request_id"]) == ["7181157"]
    assert written["description"].iloc[0] == "two\r\nlines"
    assert json.loads(report.read_text())["rejected"] == [
        {"position": 2, "id": "7181158", "reason": "it has no coordinates"}
    ]


def test_incidents_import_of_a_file_without_reports_exits_2(tmp_path: Path) -> None:
    source = tmp_path / "comments.json"
    source.write_text('[{"comment": "hi", "issue_id": 3}]', encoding="utf-8")
    result = mapdesk("incidents", "import", str(source), "-o", str(tmp_path / "x.gpkg"))
    assert result.returncode == 2
    assert "comments.json: holds no FixIt reports" in result.stderr


def test_network_cut_impact_names_what_a_cut_takes_down() -> None:
    result = mapdesk("network", "cut-impact", str(DEMO), "--span", "FS-0121")
    assert result.returncode == 0, result.stderr
    assert "9-1-1 centre (CS-911 Regional 9-1-1 Communications Center): still connected" in (
        result.stdout
    )
    assert "TWR-08  Peaks Island tower" in result.stdout


def test_network_cut_impact_of_an_unknown_span_exits_2() -> None:
    result = mapdesk("network", "cut-impact", str(DEMO), "--span", "FS-9999")
    assert result.returncode == 2
    assert "Span FS-9999 is not in the network" in result.stderr


def test_network_trace_as_json_with_cuts_given_both_ways() -> None:
    result = mapdesk(
        "network", "trace", str(DEMO), "--node", "NN-0019", "--cut", "FS-0033", "--cut", "FS-0040",
        "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["cut_spans"] == ["FS-0033", "FS-0040"]
    assert (answer["node_count"], answer["span_count"]) == (14, 9)
    assert answer["core_reached"] is False and answer["psap_reached"] is False
    assert [site["id"] for site in answer["sites"]] == ["CS-006", "CS-015", "CS-017"]
    listed = mapdesk(
        "network", "trace", str(DEMO), "--node", "NN-0019", "--cut", "FS-0033", "FS-0040"
    )
    assert listed.returncode == 0 and "Spans cut: FS-0033, FS-0040" in listed.stdout


def test_network_trace_of_an_unknown_node_exits_2() -> None:
    result = mapdesk("network", "trace", str(DEMO), "--node", "NN-9999")
    assert result.returncode == 2
    assert "Node NN-9999 is not an in-service node of the network" in result.stderr
    assert mapdesk("network", "trace", str(DEMO)).returncode == 2  # --node is required


def test_network_create_writes_empty_coded_layers_and_never_replaces_unasked(
    tmp_path: Path,
) -> None:
    out = tmp_path / "network.gpkg"
    result = mapdesk("network", "create", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Created network_nodes (points: site, switch, router,")
    assert "EPSG:26919 NAD83 / UTM zone 19N" in result.stdout
    assert [name for name, _ in pyogrio.list_layers(out)] == ["network_nodes", "fibre_spans"]
    digest = out.read_bytes()
    again = mapdesk("network", "create", str(out), "--crs", "EPSG:26984")
    assert again.returncode == 2
    assert "already has layers named network_nodes and fibre_spans" in again.stderr
    assert "--replace" in again.stderr and out.read_bytes() == digest
    replaced = mapdesk("network", "create", str(out), "--crs", "26984", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    crs = pyogrio.read_info(out, layer="fibre_spans")["crs"]
    assert crs == "EPSG:26984"


def test_network_create_beside_other_layers_with_other_names(tmp_path: Path) -> None:
    out = tmp_path / "city.gpkg"
    gpd.GeoDataFrame({"n": [1]}, geometry=[Point(0, 0)], crs="EPSG:26919").to_file(
        out, layer="hydrants", engine="pyogrio"
    )
    result = mapdesk("network", "create", str(out), "--nodes", "plant", "--spans", "cables")
    assert result.returncode == 0, result.stderr
    assert [name for name, _ in pyogrio.list_layers(out)] == ["hydrants", "plant", "cables"]
    bad = mapdesk("network", "create", str(tmp_path / "x.gpkg"), "--crs", "not a crs")
    assert bad.returncode == 2 and "'not a crs' is not a coordinate reference system" in bad.stderr
