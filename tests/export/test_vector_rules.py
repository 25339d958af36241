"""A GeoPackage's field rules (coded values, ranges) go with the layer to a GeoPackage export;
other formats, and rules the data breaks, are said in the pre-export check."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import Point

import mapdesk.export.files as export_files
from mapdesk.export.formats import ExportError
from mapdesk.export.vector import export_vector, plan_export
from mapdesk.io.gpkg_rules import field_rules
from mapdesk.io.loader import load_layer

from .conftest import DEMO_GPKG

STATUS = {"Open": "In service", "Closed": "Out of service"}


def demo_layer(name: str) -> gpd.GeoDataFrame:
    frame: gpd.GeoDataFrame = load_layer(str(DEMO_GPKG), name).data
    return frame


def export(frame: gpd.GeoDataFrame, path: Path, **options: Any) -> Any:
    return export_vector(frame, path, field_rules=frame.attrs.get("field_rules"), **options)


def notes(frame: gpd.GeoDataFrame, path: str) -> list[str]:
    plan = plan_export(frame, Path(path), field_rules=frame.attrs.get("field_rules"))[1]
    return [issue.message for issue in plan.issues]


def hydrants(**columns: list[Any]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"status": ["Open", "Closed"], "grade": [1, 4], **columns},
        geometry=[Point(0, 0), Point(1, 1)],
        crs="EPSG:26919",
    )
    frame.attrs["field_rules"] = {
        "status": {"constraint": "statuses", "codes": STATUS},
        "grade": {"constraint": "grades", "range": [1, 5, True, False]},
    }
    return frame


@pytest.mark.parametrize("table", ["network_nodes", "fibre_spans"])
def test_the_demo_network_layers_keep_their_codes_in_a_geopackage_export(
    table: str, tmp_path: Path
) -> None:
    frame = demo_layer(table)
    result = export(frame, tmp_path / "handover.gpkg", layer_name=table)
    assert not result.plan.issues  # nothing to announce: the codes are carried
    back = field_rules(result.path, table)
    for field in ("type", "status"):
        assert back[field]["codes"] == frame.attrs["field_rules"][field]["codes"]
        assert back[field]["constraint"] == frame.attrs["field_rules"][field]["constraint"]
    read = load_layer(str(result.path), table).data
    assert read.attrs["field_rules"]["status"]["codes"]["retired"] == "Retired (out of service)"
    assert [p.name for p in tmp_path.iterdir()] == ["handover.gpkg"]  # no temporary file


def ogrinfo(*arguments: str) -> str:
    """What GDAL (QGIS's reader of GeoPackages) says about a file, read-only."""
    return subprocess.run(
        ["ogrinfo", "-ro", *arguments], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_gdal_sees_the_exported_domains(tmp_path: Path) -> None:
    path = export(demo_layer("fibre_spans"), tmp_path / "spans.gpkg", layer_name="spans").path
    shown = ogrinfo("-so", str(path), "spans")
    assert "type: String (0.0), domain name=network_span_type" in shown
    assert "status: String (0.0), domain name=network_status" in shown
    domain = ogrinfo(str(path), "-fielddomain", "network_span_type")
    assert "microwave_link: Microwave radio link" in domain


@pytest.mark.parametrize("suffix", [".shp", ".geojson", ".csv", ".kml", ".fgb", ".parquet"])
def test_formats_without_field_rules_say_which_fields_lose_their_codes(suffix: str) -> None:
    said = [n for n in notes(demo_layer("network_nodes"), f"nodes{suffix}") if "rules" in n]
    assert len(said) == 1
    assert "the rules of 'type', 'status' are not carried" in said[0]


def test_a_shapefile_export_warns_and_keeps_the_values(tmp_path: Path) -> None:
    result = export(demo_layer("network_nodes"), tmp_path / "nodes.shp")
    assert any(
        issue.field is None and "ESRI Shapefile has no coded values" in issue.message
        for issue in result.plan.issues
    )
    assert set(load_layer(str(result.path), None).data["status"]) <= {
        "planned",
        "active",
        "retired",
    }


def test_a_renamed_field_keeps_its_rule_under_its_new_name(tmp_path: Path) -> None:
    frame = hydrants(fid=[10, 20])  # GDAL takes "fid" as the feature id: renamed fid_1
    frame.attrs["field_rules"]["fid"] = {"codes": {"10": "Ten", "20": "Twenty"}}
    result = export(frame, tmp_path / "hydrants.gpkg", layer_name="hydrants")
    assert result.plan.renames == {"fid": "fid_1"}
    back = field_rules(result.path, "hydrants")
    assert back["fid_1"]["codes"] == {"10": "Ten", "20": "Twenty"}
    assert "fid" not in back
    assert back["status"]["codes"] == STATUS
    assert back["grade"]["range"] == [1, 5, True, False]


def test_a_rule_the_exported_values_break_is_left_out_and_said(tmp_path: Path) -> None:
    frame = hydrants()
    frame.loc[1, "status"] = "Pending"
    frame.loc[0, "grade"] = 5  # the range excludes its top
    result = export(frame, tmp_path / "hydrants.gpkg", layer_name="hydrants")
    said = {issue.field: issue.message for issue in result.plan.issues}
    assert said["status"] == (
        "'status': 1 value outside its coded values (e.g. 'Pending'): "
        "that rule is left out of the file"
    )
    assert "'grade': 1 value outside its range (e.g. 5)" in said["grade"]
    assert field_rules(result.path, "hydrants") == {}
    # The selection without the offending features keeps both rules.
    kept = export(frame.iloc[[]], tmp_path / "none.gpkg", layer_name="hydrants")
    assert set(field_rules(kept.path, "hydrants")) == {"status", "grade"}


def test_defaults_are_said_to_be_left_out(tmp_path: Path) -> None:
    frame = hydrants()
    frame.attrs["field_rules"]["status"]["default"] = "Open"
    assert "the defaults of 'status' are not written" in notes(frame, "out.gpkg")[0]


def test_a_failure_writing_the_rules_leaves_the_earlier_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "nodes.gpkg"
    export(hydrants(), target, layer_name="nodes")
    before = target.read_bytes()

    def locked(path: Path, table: str, rules: Any) -> None:
        assert path != target and path.parent == target.parent  # the temporary file
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(export_files, "add_field_rules", locked)
    with pytest.raises(ExportError, match=r"nodes\.gpkg: the save failed \(no such table"):
        export(demo_layer("network_nodes"), target, layer_name="nodes")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["nodes.gpkg"]
