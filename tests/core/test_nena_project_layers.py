"""NENA validation of a project's layers: the roles proposed and the user's choices."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mapdesk.core.analysis.nena import RoleMatch, candidate_from_frame, resolve_roles
from mapdesk.core.analysis.nena.project_layers import CHOSEN, nena_layers, proposed_roles
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from nena_data import clean_dataset


def _layers() -> list[VectorLayer]:
    return [VectorLayer(frame, name) for name, frame in clean_dataset().items()]


def test_proposed_roles_are_those_the_cli_finds() -> None:
    layers = _layers()
    expected = resolve_roles(candidate_from_frame(x.name, x.data) for x in layers)
    assert proposed_roles(layers) == expected
    assert proposed_roles(layers)["RoadCenterLine"].layer == "road_centerlines"


def test_a_kept_proposal_keeps_its_reason_and_a_change_is_chosen() -> None:
    layers = {x.name: x for x in _layers()}
    proposed = proposed_roles(layers.values())
    chosen = {"RoadCenterLine": layers["road_centerlines"], "A3Polygon": layers["counties"]}
    found = nena_layers(chosen, proposed)
    assert found.roles["RoadCenterLine"] == proposed["RoadCenterLine"]
    assert found.roles["A3Polygon"] == RoleMatch("A3Polygon", "counties", CHOSEN)
    assert set(found.frames) == {"road_centerlines", "counties"}
    assert found.frames["counties"] is layers["counties"].data
    assert found.layers["counties"] is layers["counties"]


def test_one_layer_for_two_parts_or_two_layers_of_one_name_are_refused() -> None:
    layers = {x.name: x for x in _layers()}
    psap = layers["psap"]
    with pytest.raises(MapdeskError, match="both PsapPolygon and PolicePolygon"):
        nena_layers({"PsapPolygon": psap, "PolicePolygon": psap})
    twin = VectorLayer(layers["police"].data, "psap")
    with pytest.raises(MapdeskError, match="Two layers are called 'psap'"):
        nena_layers({"PsapPolygon": psap, "PolicePolygon": twin})
