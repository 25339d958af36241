"""Which layer plays which NENA layer: by choice, NENA name, content, then layer name."""

from __future__ import annotations

import pytest

from mapdesk.core.analysis.nena import LayerCandidate, resolve_roles
from mapdesk.core.analysis.nena.layer_roles import geometry_family
from mapdesk.core.errors import MapdeskError

SERVICE_FIELDS = ("DiscrpAgID", "NGUID", "ServiceURN", "DsplayName")
URN = "urn:emergency:service:"


def _service(name: str, urn: str) -> LayerCandidate:
    return LayerCandidate(name, "POLYGON", SERVICE_FIELDS, frozenset({URN + urn}))


#: The demo's NENA layers, as its GeoPackage lists them.
DEMO = [
    LayerCandidate("municipal_boundaries", "POLYGON", ("NGUID", "Country", "A1", "A2", "A3")),
    _service("psap_boundary", "sos.psap"),
    _service("police_boundaries", "responder.police"),
    _service("fire_boundaries", "responder.fire"),
    _service("ems_boundaries", "responder.ems"),
    LayerCandidate(
        "road_centerlines",
        "POLYLINE",
        ("St_Name", "FromAddr_L", "ToAddr_L", "FromAddr_R", "ToAddr_R"),
    ),
    LayerCandidate("address_points", "POINT", ("Add_Number", "St_Name", "A3")),
    LayerCandidate("parcels", "POLYGON", ("parcel_id", "address", "town")),
    LayerCandidate("stations", "POINT", ("station_id", "name", "type")),
    LayerCandidate("fixit_incidents", "POINT", ("service_request_id", "address")),
]


def _layers(roles) -> dict[str, str]:
    return {role: match.layer for role, match in roles.items()}


def test_the_demo_layers_are_found_by_what_they_hold() -> None:
    roles = resolve_roles(DEMO)
    assert _layers(roles) == {
        "RoadCenterLine": "road_centerlines",
        "SiteStructureAddressPoint": "address_points",
        "PsapPolygon": "psap_boundary",
        "PolicePolygon": "police_boundaries",
        "FirePolygon": "fire_boundaries",
        "EmsPolygon": "ems_boundaries",
        "A3Polygon": "municipal_boundaries",
    }
    assert roles["PsapPolygon"].reason == f"its ServiceURN {URN}sos.psap"
    assert roles["A3Polygon"].reason == "its fields"


def test_nena_names_win_over_content() -> None:
    layers = [
        _service("fire_districts", "responder.fire"),
        _service("FirePolygon", "responder.fire"),
    ]
    roles = resolve_roles(layers)
    assert roles["FirePolygon"].layer == "FirePolygon"
    assert roles["FirePolygon"].reason == "its NENA name"


def test_a_psap_named_like_fire_is_not_taken_for_fire() -> None:
    roles = resolve_roles([_service("Fire and police dispatch", "sos.psap")])
    assert _layers(roles) == {"PsapPolygon": "Fire and police dispatch"}


def test_a_sub_service_urn_counts_as_its_service() -> None:
    roles = resolve_roles([_service("county_sheriff", "responder.police.sheriff")])
    assert _layers(roles) == {"PolicePolygon": "county_sheriff"}


def test_names_are_the_last_resort_and_geometry_must_fit() -> None:
    layers = [
        LayerCandidate("Provisioning boundary", "POLYGON", ("NGUID",)),
        LayerCandidate("Street centrelines", "POLYLINE", ("NAME",)),
        LayerCandidate("fire stations", "POINT", ("name",)),  # a point layer: never FirePolygon
        LayerCandidate("Towns", "POLYGON", ("NAME",)),
    ]
    assert _layers(resolve_roles(layers)) == {
        "RoadCenterLine": "Street centrelines",
        "ProvisioningPolygon": "Provisioning boundary",
        "A3Polygon": "Towns",
    }


def test_the_deepest_admin_level_a_layer_has_is_its_level() -> None:
    layers = [
        LayerCandidate("hoods", "POLYGON", ("A1", "A2", "A3", "A5")),
        LayerCandidate("towns", "POLYGON", ("A1", "A2", "A3")),
        LayerCandidate("county", "POLYGON", ("A1", "A2")),
        LayerCandidate("v2 towns", "POLYGON", ("State", "County", "Inc_Muni")),
    ]
    assert _layers(resolve_roles(layers)) == {
        "A2Polygon": "county",
        "A3Polygon": "towns",
        "A5Polygon": "hoods",
    }
    assert _layers(resolve_roles(layers[3:])) == {"A3Polygon": "v2 towns"}


def test_a_choice_wins_and_each_layer_plays_one_part() -> None:
    roles = resolve_roles(DEMO, {"provisioningpolygon": "municipal_boundaries"})
    assert roles["ProvisioningPolygon"].layer == "municipal_boundaries"
    assert roles["ProvisioningPolygon"].reason == "chosen"
    assert "A3Polygon" not in roles


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (
            {"PsapPolgon": "psap_boundary"},
            "'PsapPolgon' is not a NENA layer; use one of: RoadCenterLine",
        ),
        (
            {"PsapPolygon": "psap"},
            "No layer 'psap' to validate as PsapPolygon; the data has: "
            "municipal_boundaries, psap_boundary",
        ),
        (
            {"RoadCenterLine": "address_points"},
            "Layer 'address_points' holds points and cannot be RoadCenterLine, a polyline layer",
        ),
    ],
)
def test_a_wrong_choice_is_refused_naming_what_would_do(choice, message) -> None:
    with pytest.raises(MapdeskError) as caught:
        resolve_roles(DEMO, choice)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("declared", "family"),
    [
        ("Point", "POINT"),
        ("MultiPoint Z", "POINT"),
        ("3D MultiPolygon", "POLYGON"),
        ("LineString M", "POLYLINE"),
        ("MultiLineString ZM", "POLYLINE"),
        ("GeometryCollection", None),
        (None, None),
        ("Unknown", None),
    ],
)
def test_geometry_families_from_declared_types(declared, family) -> None:
    assert geometry_family(declared) == family
