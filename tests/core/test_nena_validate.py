"""NENA validation finds exactly the errors planted in a test-built dataset, and no others."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mapdesk.core.analysis.nena import (
    RULES,
    ValidationOptions,
    candidate_from_frame,
    resolve_roles,
    validate_nena,
)
from mapdesk.core.errors import MapdeskError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from nena_data import AGENCY, clean_dataset, found, planted_dataset, xy


def test_clean_data_passes_with_no_finding_and_no_note() -> None:
    result = validate_nena(clean_dataset())
    assert result.findings == ()
    assert result.notes == ()
    assert result.ok and set(result.counts.values()) == {0}


def test_every_planted_error_is_found_and_nothing_else() -> None:
    data, expected = planted_dataset()
    result = validate_nena(data)
    assert {rule for rule, _, _ in expected} == set(RULES), "the test plants every rule"
    assert found(result) == expected


def test_findings_come_in_rule_order_with_counts_per_rule() -> None:
    data, _ = planted_dataset()
    result = validate_nena(data)
    order = list(RULES)
    assert [order.index(f.rule) for f in result.findings] == sorted(
        order.index(f.rule) for f in result.findings
    )
    assert result.counts["geometry.invalid"] == 3
    assert result.counts["road.range_overlap"] == 2
    assert sum(result.counts.values()) == len(result.findings)


def _finding(result, rule: str, layer: str):
    return next(f for f in result.findings if f.rule == rule and f.layer == layer)


def test_messages_name_the_feature_and_quote_the_value() -> None:
    data, _ = planted_dataset()
    result = validate_nena(data)
    domain = _finding(result, "domain.value", "address_points")
    assert domain.message == (
        "address_points fid 2 (12 Main Street, Westtown): Place_Type 'house' is not in "
        "NENA's PlaceType domain"
    )
    assert domain.nguid == f"urn:emergency:uid:gis:SSAP:2:{AGENCY}"
    mismatch = _finding(result, "address.municipality_mismatch", "address_points")
    assert "A3 'Easttown', but it lies in 'Westtown' (municipalities fid 1)" in mismatch.message
    ranges = _finding(result, "address.range_mismatch", "address_points")
    assert "150 is not in the ranges of the nearest 'Main Street' centreline" in ranges.message
    assert "left 101-199 O, right 100-198 E; the point is on its left" in ranges.message
    duplicate = _finding(result, "nguid.duplicate", "road_centerlines")
    assert "is already the NGUID of road_centerlines fid 5" in duplicate.message


def test_places_are_longitude_latitude_at_the_problem() -> None:
    data, _ = planted_dataset()
    result = validate_nena(data)
    dangle = _finding(result, "road.dangle", "road_centerlines")
    end = gpd.GeoSeries([shapely.Point(xy(600, 400))], crs="EPSG:26919").to_crs(4326)[0]
    assert (dangle.x, dangle.y) == pytest.approx((end.x, end.y), abs=1e-7)
    invalid = _finding(result, "geometry.invalid", "neighbourhoods")
    bowtie = gpd.GeoSeries([shapely.Point(xy(125, 750))], crs="EPSG:26919").to_crs(4326)[0]
    assert (invalid.x, invalid.y) == pytest.approx((bowtie.x, bowtie.y), abs=1e-7)
    looped = _finding(result, "geometry.invalid", "road_centerlines")
    assert looped.message.endswith("(Second Avenue, Easttown): crosses or runs over itself")
    crossing = gpd.GeoSeries([shapely.Point(xy(750, 550))], crs="EPSG:26919").to_crs(4326)[0]
    assert (looped.x, looped.y) == pytest.approx((crossing.x, crossing.y), abs=1e-7)
    missing = _finding(result, "schema.missing_layer", "EmsPolygon")
    assert (missing.x, missing.y, missing.fid, missing.nguid) == (None, None, None, None)
    for finding in result.findings:
        if finding.x is not None:
            assert -70.4 < finding.x < -70.2 and 43.5 < finding.y < 43.7, finding


def test_exception_flags_silence_only_the_rules_they_name() -> None:
    data, expected = planted_dataset()
    roads = data["road_centerlines"]
    roads.loc[15, "QA_Except"] = "road.dangle"
    points = data["address_points"]
    points.loc[12, "QA_Except"] = "address.*"
    points.loc[2, "QA_Except"] = "road.dangle"  # names another rule: domain.value stays
    result = validate_nena(data)
    silenced = {
        ("road.dangle", "road_centerlines", 15),
        ("address.range_mismatch", "address_points", 12),
    }
    assert found(result) == expected - silenced


def test_removing_a_flag_reports_what_it_hid() -> None:
    data, expected = planted_dataset()
    data["road_centerlines"]["QA_Except"] = None
    data["address_points"]["QA_Except"] = None
    result = validate_nena(data)
    assert found(result) - expected == {
        ("road.dangle", "road_centerlines", 16),
        ("road.dangle", "road_centerlines", 17),
        ("address.range_mismatch", "address_points", 13),
    }


def test_a_flag_naming_no_rule_is_noted() -> None:
    data = clean_dataset()
    data["road_centerlines"]["QA_Except"] = None
    data["road_centerlines"].loc[3, "QA_Except"] = "dangle; road.dangle"
    result = validate_nena(data)
    assert result.notes == (
        "road_centerlines fid 3: QA_Except 'dangle' names no rule that can be excepted; ignored",
    )


def test_another_exception_field_can_be_named() -> None:
    data, expected = planted_dataset()
    for name in ("road_centerlines", "address_points"):
        data[name] = data[name].rename(columns={"QA_Except": "Exc"})
    result = validate_nena(data, options=ValidationOptions(exception_field="Exc"))
    assert found(result) == expected


def test_data_in_longitude_latitude_gives_the_same_findings() -> None:
    data, expected = planted_dataset()
    moved = {name: frame.to_crs(4326) for name, frame in data.items()}
    assert found(validate_nena(moved)) == expected


def test_validation_does_not_change_the_data() -> None:
    data, _ = planted_dataset()
    before = {name: frame.copy() for name, frame in data.items()}
    validate_nena(data)
    for name, frame in data.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_a_layer_without_crs_is_read_in_the_others_and_noted() -> None:
    data = clean_dataset()
    data["fire"] = data["fire"].set_crs(None, allow_override=True)
    result = validate_nena(data)
    assert result.findings == ()
    assert result.notes == (
        "fire has no CRS: read in NAD83 / UTM zone 19N, the CRS of road_centerlines",
    )


def test_no_crs_anywhere_is_a_clear_error() -> None:
    data = {n: f.set_crs(None, allow_override=True) for n, f in clean_dataset().items()}
    with pytest.raises(MapdeskError, match="has a coordinate reference system"):
        validate_nena(data)


def test_without_provisioning_the_municipalities_stand_in_and_a_note_says_so() -> None:
    data = clean_dataset()
    del data["provisioning"]
    result = validate_nena(data)
    assert found(result) == {("schema.missing_layer", "ProvisioningPolygon", None)}
    assert result.notes == (
        "No ProvisioningPolygon layer: the provisioning area is taken as the municipality (A3) "
        "polygons of municipalities, for polygon.gap, road.outside_provisioning and "
        "address.outside_provisioning",
    )


def test_progress_is_reported_and_cancel_stops_between_checks() -> None:
    steps: list[tuple[int, str]] = []
    result = validate_nena(clean_dataset(), progress=lambda p, s: steps.append((p, s)))
    assert steps[0] == (0, "Preparing the layers") and steps[-1] == (100, "Done")
    assert [p for p, _ in steps] == sorted(p for p, _ in steps)
    assert not result.cancelled
    data, _ = planted_dataset()
    asked = iter([False, False, True])
    stopped = validate_nena(data, is_cancelled=lambda: next(asked))
    assert stopped.cancelled and not stopped.ok
    assert {f.rule for f in stopped.findings} <= {
        "schema.missing_layer",
        "schema.missing_field",
        "value.required_null",
    }


def test_the_report_has_every_rule_and_the_error_keys() -> None:
    data, _ = planted_dataset()
    report = validate_nena(data).to_report()
    assert list(report) == ["rules", "errors"]
    assert list(report["rules"]) == list(RULES)
    assert all(
        list(error) == ["rule", "layer", "fid", "nguid", "message", "x", "y"]
        for error in report["errors"]
    )


def test_roles_can_be_chosen_when_names_say_nothing() -> None:
    data = clean_dataset()
    data["layer_7"] = data.pop("provisioning")
    roles = resolve_roles([candidate_from_frame(n, f) for n, f in data.items()])
    assert "ProvisioningPolygon" not in roles
    chosen = resolve_roles(
        [candidate_from_frame(n, f) for n, f in data.items()],
        {"provisioningpolygon": "layer_7"},
    )
    assert validate_nena(data, chosen).findings == ()


def test_v2_field_names_are_missing_fields_but_still_checked() -> None:
    data = clean_dataset()
    data["municipalities"] = data["municipalities"].rename(columns={"A3": "Inc_Muni"})
    data["address_points"].loc[3, "A3"] = "Easttown"  # lies in Westtown
    result = validate_nena(data)
    assert found(result) == {
        ("schema.missing_field", "municipalities", None),
        ("address.municipality_mismatch", "address_points", 3),
    }
    field = _finding(result, "schema.missing_field", "municipalities")
    assert field.message.endswith("(it has the v2 field Inc_Muni: rename it A3)")
