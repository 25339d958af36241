"""mapdesk's own NENA v3 definition: what it carries, and that it is made from NENA's yaml."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from importlib.resources import files
from pathlib import Path

import pytest

from mapdesk.core.analysis.nena.check_values import allowed_codes, field_problems
from mapdesk.core.analysis.nena.schema import V2_RENAMES, load_schema, v3_field_name

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference" / "nena_v3.yaml"
SHIPPED = files("mapdesk") / "resources" / "nena" / "nena_v3.json"


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_nena_schema", REPO / "scripts" / "make_nena_schema.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_layers_the_checks_use_are_all_there_with_their_indicators() -> None:
    schema = load_schema()
    indicators = {
        "RoadCenterLine": "RCL",
        "SiteStructureAddressPoint": "SSAP",
        "PsapPolygon": "Psap",
        "PolicePolygon": "Pol",
        "FirePolygon": "Fire",
        "EmsPolygon": "Ems",
        "ProvisioningPolygon": "Provisioning",
        "A1Polygon": "A1",
        "A2Polygon": "A2",
        "A3Polygon": "A3",
        "A4Polygon": "A4",
        "A5Polygon": "A5",
    }
    for name, indicator in indicators.items():
        assert schema.layer(name).indicator == indicator
        assert schema.layer_indicators[name] == indicator
    assert schema.layer("RoadCenterLine").geometry == "POLYLINE"
    assert schema.layer("SiteStructureAddressPoint").geometry_types == {"Point", "MultiPoint"}


def test_fields_carry_type_length_required_and_domain() -> None:
    schema = load_schema()
    roads = schema.layer("RoadCenterLine")
    parity = roads.field("Parity_L")
    assert parity is not None
    assert (parity.field_type, parity.length, parity.required, parity.domain) == (
        "TEXT",
        1,
        True,
        "Parity",
    )
    speed = roads.field("speedlimit")  # any case
    assert speed is not None and speed.name == "SpeedLimit" and not speed.required
    assert [f.name for f in roads.fields[:5]] == [
        "DiscrpAgID",
        "DateUpdate",
        "Effective",
        "Expire",
        "NGUID",
    ]
    assert "AddCode_L" not in {f.name for f in roads.fields_for("US")}
    assert "AddCode_L" in {f.name for f in roads.fields_for("CA")}


def test_domains_are_coded_values_or_ranges() -> None:
    schema = load_schema()
    parity = schema.domains["Parity"]
    assert parity.values == (("O", "Odd"), ("E", "Even"), ("B", "Both"), ("Z", "Address Range 0-0"))
    number = schema.domains["AddressNumber"]
    assert number.is_range and (number.minimum, number.maximum) == (0, 999999)
    assert not schema.domains["AgencyID"].checkable  # left to each 9-1-1 authority
    assert "Street" in schema.domains["StreetNameType"].codes


def test_a_service_boundary_urn_must_be_its_own_service() -> None:
    schema = load_schema()
    police = schema.layer("PolicePolygon").field("ServiceURN")
    assert police is not None and police.default == "urn:emergency:service:responder.police"
    codes = allowed_codes(police, schema.domains["ServiceURNResponder"])
    assert "urn:emergency:service:responder.police.sheriff" in codes
    assert "urn:emergency:service:responder.fire" not in codes


def test_v2_names_map_to_v3() -> None:
    renamed = "State A1 County A2 Inc_Muni A3 Uninc_Comm A4 Nbrhd_Comm A5 Building Structure"
    words = renamed.split()
    for v2, v3 in zip(words[::2], words[1::2], strict=True):
        assert v3_field_name(v2) == v3
    assert v3_field_name("St_Name") == "St_Name"
    assert all(
        v3 in {f.name for layer in load_schema().layers.values() for f in layer.fields}
        for v3 in V2_RENAMES.values()
    )


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        (
            "St_PosTyp",
            "Ave",
            "is not in NENA's StreetNameType domain (NENA spells it out: 'Avenue')",
        ),
        (
            "St_PreDir",
            "N",
            "is not in NENA's StreetNameDirectional domain (NENA spells it out: 'North')",
        ),
        (
            "Placement",
            "structure",
            "is not in NENA's PlacementMethodPoint domain (NENA writes it 'Structure')",
        ),
        ("Add_Number", "12A", "is not a whole number"),
        ("Add_Number", 1_000_000, "is outside 0-999999 (AddressNumber)"),
        ("Country", "USA", "is 3 characters long; NENA's Country holds 2"),
        ("DateUpdate", "2026-13-45", "is not a date and time"),
    ],
)
def test_value_problems_quote_the_value_and_say_why(
    field: str, value: object, problem: str
) -> None:
    import pandas as pd

    schema = load_schema()
    spec = schema.layer("SiteStructureAddressPoint").field(field)
    assert spec is not None
    rows, problems = field_problems(pd.Series([value]), spec, schema.domain_of(spec))
    assert list(rows) == [0]
    assert problems == [f"{field} {str(value)!r} {problem}"]


def test_values_of_the_right_kind_pass() -> None:
    import pandas as pd

    schema = load_schema()
    layer = schema.layer("SiteStructureAddressPoint")
    for field, values in {
        "Add_Number": [0, 12, 999999, None, 12.0, "12"],
        "St_PosTyp": ["Street", "Avenue", None, ""],
        "DateUpdate": [pd.Timestamp("2026-01-01T00:00:00Z"), "2026-01-01T12:00:00-05:00", None],
        "Longitude": [-70.25, "-70.25", None],
    }.items():
        spec = layer.field(field)
        assert spec is not None
        _, problems = field_problems(pd.Series(values, dtype=object), spec, schema.domain_of(spec))
        assert problems == [], field


def test_the_shipped_definition_is_built_the_same_way_twice() -> None:
    script = _script()
    document = {
        "domains": [
            {
                "domain_name": "Parity",
                "field_type": "TEXT",
                "domain_type": "CODED",
                "values": {"O": "Odd", "E": "Even"},
            },
            {"domain_name": "Free", "field_type": "TEXT", "domain_type": "CODED", "values": None},
        ],
        "feature_classes": [
            {
                "name": "RoadCenterLine",
                "alias": "Roads",
                "geometry_type": "POLYLINE",
                "has_z": True,
                "country_specific_field_removals": {"US": [], "CA": []},
                "fields": [
                    {
                        "field_name": "Parity_L",
                        "field_alias": "P",
                        "field_type": "TEXT",
                        "field_length": 1,
                        "field_precision": None,
                        "field_scale": None,
                        "field_is_nullable": False,
                        "field_is_required": True,
                        "field_domain": "Parity",
                        "field_default": "",
                    }
                ],
            }
        ],
        "gis_data_layers_registry": [{"layer_name": "RoadCenterLine", "layer_indicator": "RCL"}],
    }
    first = script.dump(script.build(document, "abc"))
    assert first == script.dump(script.build(document, "abc"))
    built = json.loads(first)
    assert built["layers"][0]["fields"][0] == {
        "name": "Parity_L",
        "alias": "P",
        "type": "TEXT",
        "required": True,
        "length": 1,
        "domain": "Parity",
    }
    assert built["domains"]["Free"] == {"type": "TEXT", "values": []}
    assert built["source"]["licence"] == "Apache-2.0" and built["source"]["sha256"] == "abc"


def test_the_shipped_definition_notes_its_source_and_licence() -> None:
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    source = shipped["source"]
    assert source["licence"] == "Apache-2.0"
    assert "NENA-STA-006.3" in source["standard"]
    folder = files("mapdesk") / "resources" / "nena"
    assert "Apache License" in (folder / "LICENSE-Apache-2.0.txt").read_text(encoding="utf-8")
    assert "Apache" in (folder / "README.md").read_text(encoding="utf-8")


@pytest.mark.skipif(not REFERENCE.exists(), reason="NENA's yaml is not beside the project")
def test_the_shipped_definition_is_from_the_reference_yaml() -> None:
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert shipped["source"]["sha256"] == hashlib.sha256(REFERENCE.read_bytes()).hexdigest()
    import yaml  # the dev extra has PyYAML: a missing one must fail here, not skip

    script = _script()
    rebuilt = script.dump(
        script.build(yaml.safe_load(REFERENCE.read_bytes()), shipped["source"]["sha256"])
    )
    assert rebuilt + "\n" == SHIPPED.read_text(encoding="utf-8")
