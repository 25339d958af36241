"""NENA validation reads real, NENA-like files of the shared corpus without crashing.

Maine E911 address points (Westbrook), TIGER and OSM street lines, Census town
polygons and two layers with invalid polygons: none is NENA v3, so each gives
schema findings, but every check must run to the end on them.
"""

from __future__ import annotations

import json

import pytest

from mapdesk.core.analysis.nena import RULES, validate_nena
from mapdesk.export.nena_report import report_html
from mapdesk.io.nena_dataset import read_nena_dataset
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus

CASES = [
    (
        "portland_me/osmpipeline_westbrook_e911/Reference.osm",
        {"SiteStructureAddressPoint": "points"},
    ),
    (
        "portland_me/josiahparry_anime/maine-tigris-sources.fgb",
        {"RoadCenterLine": "maine-tigris-sources"},
    ),
    (
        "portland_me/josiahparry_anime/maine-osm-targets.fgb",
        {"RoadCenterLine": "maine-osm-targets"},
    ),
    ("portland_me/cbep_cb_census/Casco_Bay_Towns.shp", {}),
    (
        "portland_me/ds5110_stinky/Portland_Zoning_2019.zip",
        {"A3Polygon": "Portland_Zoning_2019.shp"},
    ),
    ("portland_me/cbep_ms4_areas/CB_MS4_Areas.shp", {"PsapPolygon": "CB_MS4_Areas"}),
]


@pytest.mark.parametrize(("name", "chosen"), CASES, ids=[c[0].rsplit("/", 1)[1] for c in CASES])
def test_nena_like_files_validate_to_the_end(name: str, chosen: dict[str, str]) -> None:
    dataset = read_nena_dataset(corpus_path() / name, chosen)
    result = validate_nena(dataset.frames, dataset.roles)
    assert not result.cancelled
    assert set(result.counts) == set(RULES)
    assert result.counts["schema.missing_layer"] >= 1  # none of them is complete NENA data
    json.dumps(result.to_report())
    assert "<script" not in report_html(result, name)
    for finding in result.findings:
        if finding.x is not None:
            assert -180 <= finding.x <= 180 and -90 <= finding.y <= 90, finding


def test_the_towns_are_recognised_as_municipalities_by_their_name() -> None:
    dataset = read_nena_dataset(corpus_path() / "portland_me/cbep_cb_census/Casco_Bay_Towns.shp")
    assert {r: m.layer for r, m in dataset.roles.items()} == {"A3Polygon": "Casco_Bay_Towns"}
    assert dataset.roles["A3Polygon"].reason == "its name"


def test_invalid_polygons_of_real_files_are_found() -> None:
    zoning = read_nena_dataset(corpus_path() / CASES[4][0], CASES[4][1])
    result = validate_nena(zoning.frames, zoning.roles)
    invalid = [f for f in result.findings if f.rule == "geometry.invalid"]
    assert len(invalid) == 1 and "Self-intersection" in invalid[0].message
    ms4 = read_nena_dataset(corpus_path() / CASES[5][0], CASES[5][1])
    found = validate_nena(ms4.frames, ms4.roles)
    assert found.counts["geometry.invalid"] == 2
