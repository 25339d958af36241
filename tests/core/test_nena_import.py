"""Importing into NENA v3: the suggested field mapping, NGUIDs made, stamps, values refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from mapdesk.core.analysis.nena import load_schema, nguid_problem
from mapdesk.core.analysis.nena.code_fixes import known_code
from mapdesk.core.analysis.nena.conform import conform
from mapdesk.core.analysis.nena.field_mapping import (
    FieldMapping,
    check_mapping,
    mapping_from_json,
    suggest_mapping,
)

SCHEMA = load_schema()
ROADS = SCHEMA.layer("RoadCenterLine")
ADDRESSES = SCHEMA.layer("SiteStructureAddressPoint")
AGENCY = "portlandmaine.gov"
NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
VALID = "urn:emergency:uid:gis:RCL:17:portlandmaine.gov"


def _roads(**columns: list[object]) -> pd.DataFrame:
    base: dict[str, list[object]] = {
        "L_F_ADD": [1, 101, 201],
        "STREET": ["Congress", "Forest", "Brighton"],
        "ST_TYPE": ["Street", "Avenue", "Avenue"],
        "Parity_L": ["O", "O", "O"],
        "IncMuni_L": ["Portland", "Portland", "South Portland"],
    }
    return pd.DataFrame({**base, **columns}, index=[10, 11, 12])


def _conform(frame: pd.DataFrame, **options: object) -> object:
    mapping = suggest_mapping(frame.columns, ROADS)
    return conform(
        frame, ROADS, SCHEMA, mapping, agency=AGENCY, now=NOW, source_name="roads.shp",
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


# --- the suggested mapping -----------------------------------------------------------------
def test_the_suggestion_matches_names_v2_renames_and_legacy_names_ignoring_case() -> None:
    fields = ["l_f_add", "L_T_ADD", "R_F_ADD", "r_t_add", "STREET", "st_type", "IncMuni_L",
              "INCMUNI_R", "oneway", "SpeedLimit", "PRE_DIR", "objectid", "Shape_Leng"]  # fmt: skip
    mapping = suggest_mapping(fields, ROADS)
    assert mapping.fields == {
        "FromAddr_L": "l_f_add",
        "ToAddr_L": "L_T_ADD",
        "FromAddr_R": "R_F_ADD",
        "ToAddr_R": "r_t_add",
        "St_PreDir": "PRE_DIR",
        "St_Name": "STREET",
        "St_PosTyp": "st_type",
        "A3_L": "IncMuni_L",
        "A3_R": "INCMUNI_R",
        "OneWay": "oneway",
        "SpeedLimit": "SpeedLimit",
    }


def test_the_same_name_wins_over_a_rename_and_a_source_field_fills_one_nena_field() -> None:
    mapping = suggest_mapping(["St_Name", "STREET", "Zip", "Inc_Muni", "DateUpdate"], ADDRESSES)
    assert mapping.fields["St_Name"] == "St_Name"
    assert mapping.fields["Post_Code"] == "Zip"
    assert mapping.fields["A3"] == "Inc_Muni"
    assert "DateUpdate" not in mapping.fields  # stamped by the import, never mapped
    assert list(mapping.fields.values()).count("STREET") == 0


def test_a_saved_mapping_reads_back_and_a_wrong_one_is_named() -> None:
    mapping = FieldMapping("RoadCenterLine", {"St_Name": "STREET", "FromAddr_L": "L_F_ADD"})
    assert mapping_from_json(mapping.to_json(), ROADS) == mapping
    with pytest.raises(ValueError, match="for the NENA layer RoadCenterLine, not"):
        mapping_from_json(mapping.to_json(), ADDRESSES)
    with pytest.raises(ValueError, match=r"roads\.json: RoadCenterLine has no field 'Street'"):
        mapping_from_json('{"fields": {"Street": "STREET"}}', ROADS, "roads.json")
    with pytest.raises(ValueError, match="is not JSON"):
        mapping_from_json("{St_Name: STREET", ROADS)


def test_check_mapping_names_missing_source_fields_stamped_and_dropped_fields() -> None:
    mapping = FieldMapping(
        "SiteStructureAddressPoint", {"St_Name": "STREET", "DateUpdate": "EDITED", "Unit": "Apt"}
    )
    problems = check_mapping(mapping, ADDRESSES, ["STREET", "EDITED"])
    assert problems == [
        "Unit is to come from 'Apt', which the source does not have",
        "DateUpdate is stamped by the import (it cannot come from 'EDITED')",
        "SiteStructureAddressPoint has no Unit in US data (NENA leaves it out there)",
    ]


# --- NGUIDs and stamps ---------------------------------------------------------------------
def test_every_feature_gets_a_valid_unique_nguid_and_good_ones_are_kept() -> None:
    given = [VALID, None, "RCL17@portlandmaine.gov"]  # kept, missing, v2 form
    done = _conform(_roads(NGUID=given))
    nguids = list(done.frame["NGUID"])
    assert nguids[0] == VALID
    assert done.generated == 2
    assert len(set(nguids)) == 3
    assert all(nguid_problem(n, "RCL") is None for n in nguids)
    assert all(n.endswith(":portlandmaine.gov") for n in nguids)


def test_a_duplicate_or_already_taken_nguid_is_replaced() -> None:
    other = "urn:emergency:uid:gis:RCL:18:portlandmaine.gov"
    done = _conform(_roads(NGUID=[VALID, VALID, other]), taken_nguids={other})
    nguids = list(done.frame["NGUID"])
    assert nguids[0] == VALID and nguids[1] != VALID and nguids[2] != other
    assert done.generated == 2 and len(set(nguids) | {other}) == 4


def test_an_nguid_of_another_layer_is_replaced() -> None:
    address = "urn:emergency:uid:gis:SSAP:1:portlandmaine.gov"
    done = _conform(_roads(NGUID=[address, VALID, None]))
    assert done.frame["NGUID"].iloc[0] != address


def test_date_update_and_agency_are_stamped_on_every_feature() -> None:
    frame = _roads(DiscrpAgID=["old.example.gov"] * 3)
    later = datetime(2026, 11, 2, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    done = conform(
        frame, ROADS, SCHEMA, suggest_mapping(frame.columns, ROADS), agency=AGENCY,
        now=later, source_name="roads.shp",
    )  # fmt: skip
    assert list(done.frame["DiscrpAgID"]) == [AGENCY] * 3
    assert list(done.frame["DateUpdate"]) == [pd.Timestamp("2026-11-02T14:30:00Z")] * 3
    assert list(done.frame.index) == [10, 11, 12]  # the source's order and index


def test_an_agency_that_is_not_a_domain_name_is_refused() -> None:
    with pytest.raises(ValueError, match="'Portland PD' must be a domain name"):
        conform(_roads(), ROADS, SCHEMA, FieldMapping("RoadCenterLine"), agency="Portland PD",
                now=NOW, source_name="roads.shp")  # fmt: skip


# --- values ------------------------------------------------------------------------------------
def test_values_outside_type_or_domain_are_named_with_their_row_and_value() -> None:
    frame = _roads(L_F_ADD=[1, "12B", 201], Parity_L=["O", "O", "X"])
    done = _conform(frame)
    assert [str(p) for p in done.problems] == [
        "roads.shp row 2: FromAddr_L '12B' is not a whole number (from L_F_ADD)",
        "roads.shp row 3: Parity_L 'X' is not in NENA's Parity domain (B, E, O, Z)",
    ]


def test_values_are_written_in_the_fields_types() -> None:
    frame = _roads(L_F_ADD=["1", "101", None], SpeedLimit=[25.0, None, 30.0])
    done = _conform(frame)
    assert not done.problems
    assert list(done.frame["FromAddr_L"].astype(object)) == [1, 101, pd.NA]
    assert str(done.frame["FromAddr_L"].dtype) == "Int64"
    assert list(done.frame["St_Name"]) == ["Congress", "Forest", "Brighton"]
    assert done.frame["St_PreDir"].isna().all()  # not mapped: left empty


def test_usps_abbreviations_are_refused_unless_the_user_asks_to_spell_them_out() -> None:
    frame = _roads(ST_TYPE=["St", "Ave", "Avenue"], OneWay=["ft", None, "B"])
    refused = _conform(frame)
    assert "St_PosTyp 'St' is not in NENA's StreetNameType domain" in str(refused.problems[0])
    fixed = _conform(frame, fix_codes=True)
    assert not fixed.problems
    assert list(fixed.frame["St_PosTyp"]) == ["Street", "Avenue", "Avenue"]
    assert list(fixed.frame["OneWay"]) == ["FT", None, "B"]
    assert any("'Ave' -> 'Avenue' 1" in note for note in fixed.notes)


def test_a_value_that_means_no_single_code_is_not_guessed() -> None:
    codes = SCHEMA.domains["StreetNameType"].codes
    assert known_code("Stret", codes) is None
    assert known_code("Blvd.", codes) == "Boulevard"
    assert known_code("Street", codes) is None  # already a code


def test_required_fields_left_empty_are_noted_not_refused() -> None:
    done = _conform(_roads())
    assert not done.problems
    assert "3 feature(s) have no ToAddr_L, which NENA requires" in done.notes
