"""``run_cut_impact``: the network cut report from a GeoPackage, headless."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from mapdesk.cli.network import run_cut_impact, run_trace
from mapdesk.core.errors import MapdeskError

DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"


@pytest.fixture(scope="module")
def network_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("network") / "network.gpkg"
    shutil.copyfile(DEMO, copy)
    return copy


def test_a_cut_spur_reports_the_sites_and_towers_it_loses(network_file: Path) -> None:
    out = io.StringIO()
    assert run_cut_impact(network_file, ["FS-0121"], out) == 0
    text = out.getvalue()
    assert text.startswith("Spans cut: FS-0121\nCore: NN-0001, NN-0002, NN-0003, NN-0004\n")
    assert "9-1-1 centre (CS-911 Regional 9-1-1 Communications Center): still connected" in text
    assert "Sites lost (2):\n  CS-016  Peaks Island School\n  CS-019  Peaks Island Branch" in text
    assert "Towers lost (1):\n  TWR-08  Peaks Island tower\n" in text
    assert "Not connected even before the cut (1):\n  TWR-02  Central Fire Station mast" in text


def test_a_ring_cut_loses_nothing(network_file: Path) -> None:
    out = io.StringIO()
    run_cut_impact(network_file, ["FS-0004"], out)
    assert "Sites lost: none\nTowers lost: none\n" in out.getvalue()
    assert "(0 nodes lost)" in out.getvalue()


def test_an_unknown_span_is_named_with_valid_ones(network_file: Path) -> None:
    with pytest.raises(MapdeskError) as caught:
        run_cut_impact(network_file, ["FS-9999"], io.StringIO())
    message = str(caught.value)
    assert "FS-9999" in message and "FS-0001" in message


def test_a_trace_lists_what_the_node_reaches(network_file: Path) -> None:
    out = io.StringIO()
    assert run_trace(network_file, "NN-0041", ["FS-0121"], out) == 0
    text = out.getvalue()
    assert text.startswith(
        "Traced from NN-0041 (site, CS-016 Peaks Island School)\nSpans cut: FS-0121\n\n"
        "Reached: 5 nodes, 2 spans (0.417 km of span)\n"
        "Core (NN-0001, NN-0002, NN-0003, NN-0004): NOT reached\n"
        "9-1-1 centre (CS-911 Regional 9-1-1 Communications Center): NOT reached\n"
    )
    assert "Sites reached (2):\n  CS-016  Peaks Island School\n  CS-019  Peaks Island" in text
    assert "Towers reached (1):\n  TWR-08  Peaks Island tower\n" in text
    assert "Spans reached (2):\n  FS-0123, FS-0124\n" in text


def test_a_trace_without_cuts_reaches_the_core(network_file: Path) -> None:
    out = io.StringIO()
    run_trace(network_file, "NN-0041", [], out, as_json=True)
    answer = json.loads(out.getvalue())
    assert answer["core_reached"] is True and answer["psap_reached"] is True
    assert answer["node_count"] == 182 and answer["length_m"] == pytest.approx(81348.3, abs=0.1)
    assert answer["cut_spans"] == [] and answer["problem_count"] == 9


def test_a_trace_names_bad_nodes_and_cuts(network_file: Path) -> None:
    with pytest.raises(MapdeskError, match="Node NN-9999 is not an in-service node"):
        run_trace(network_file, "NN-9999", [], io.StringIO())
    with pytest.raises(MapdeskError, match="Span FS-0154 is retired"):
        run_trace(network_file, "NN-0001", ["FS-0154"], io.StringIO())


def test_a_trace_that_reaches_one_node_says_so_in_the_singular(network_file: Path) -> None:
    out = io.StringIO()
    run_trace(network_file, "NN-0159", [], out)  # a camera whose drop dangles
    assert "\nReached: 1 node, 0 spans (0.000 km of span)\n" in out.getvalue()
