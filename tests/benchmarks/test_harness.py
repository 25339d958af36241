"""Smoke test of the benchmark harness on tiny data, so it cannot silently rot.

It checks the generator and the timing code run end to end and that the JSON
has exactly the PERFORMANCE.md keys and the heatmap and coverage figures; it asserts
nothing about speed.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import pyogrio
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

SPEC_KEYS = {
    "render_full": {"points", "parcels", "streets", "all"},
    "render_zoom50": {"points", "parcels", "streets", "all"},
    "first_picture": {"points"},
    "identify_s": None,
    "table": {"open_s", "sort_s"},
    "save_one_edit_s": None,
    "web_export": {"seconds", "bytes"},
    "heatmap": {"points_100k", "points_100k_hidpi"},
    "nena_validate_s": None,
    "coverage_s": {"demo", "segments_50k"},
    "postgis_load_ratio": None,
    "peak_rss_mb": None,
    "responsiveness": {"load"},
}


def _script(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench-data")
    _script("make_data").make_all(folder, scale=0.0005)
    return folder


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def test_make_data_writes_the_three_layers_with_their_fields(tiny_data: Path) -> None:
    expected = {
        "points": (500, 5, "Point"),
        "parcels": (100, 8, "Polygon"),
        "streets": (25, 4, "LineString"),
    }
    for name, (count, fields, geometry_type) in expected.items():
        info = pyogrio.read_info(tiny_data / f"{name}.gpkg", layer=name)
        assert info["features"] == count
        assert len(info["fields"]) == fields
        assert info["geometry_type"] == geometry_type
        assert info["crs"] == "EPSG:26919"
        xmin, ymin, xmax, ymax = info["total_bounds"]
        assert xmin >= 390_500 and xmax <= 405_500
        assert ymin >= 4_827_500 and ymax <= 4_842_500


def test_make_data_is_deterministic() -> None:
    make_data = _script("make_data")
    first, second = make_data.make_streets(30), make_data.make_streets(30)
    assert first.geometry.geom_equals_exact(second.geometry, 0).all()
    assert make_data.make_points(50).equals(make_data.make_points(50))


def test_run_produces_exactly_the_performance_keys(
    tiny_data: Path, tmp_path: Path, qapp: object, postgis_server: object
) -> None:
    # qapp: the harness renders in this process; pytest-qt's QApplication must
    # exist first, or the harness's plain QGuiApplication breaks later UI tests.
    # postgis_server: the session's one throw-away server, instead of the harness's own.
    run = _script("run")
    # The heartbeat phases drive the real window on 1M points in a child pytest
    # (minutes; tests/ui/test_ui_responsive.py runs them in the suite): here a
    # figure in their shape stands in, and figures_by_phase is tested below.
    results, job, theirs = run.measure(
        tiny_data,
        runs=1,
        images=tmp_path,
        clicks=3,
        children=1,
        postgis_server=postgis_server,
        responsiveness=lambda: {"load": {"largest_gap_ms": 84.0, "p99_ms": 24.0}},
    )
    assert theirs is None  # no QGIS asked for
    json.dumps(results)  # serialisable
    assert set(results) == set(SPEC_KEYS)
    for key, sub in SPEC_KEYS.items():
        value = results[key]
        if sub is None:
            assert _is_number(value), key
        else:
            assert set(value) == sub, key
            numbers = [
                v for f in value.values() for v in (f.values() if isinstance(f, dict) else [f])
            ]
            assert all(_is_number(v) for v in numbers), key
    assert (tmp_path / "points_full.png").stat().st_size > 0
    assert (tmp_path / "all_zoom50.png").stat().st_size > 0
    assert set(job["views"]) == {"full", "zoom50"}
    table = run.format_table(results)
    assert "render_zoom50.all" in table
    assert "peak_rss_mb" in table
    assert "web_export.bytes" in table
    assert "heatmap.points_100k" in table
    assert "nena_validate_s" in table
    assert "coverage_s.segments_50k" in table
    assert "postgis_load_ratio" in table


def test_ratios_and_table_with_qgis_figures() -> None:
    run = _script("run")
    ours = {"render_full": {"points": 0.2}, "identify_s": 0.0001, "peak_rss_mb": 700.0}
    theirs = {"render_full": {"points": 2.0}, "identify_s": 0.0002, "peak_rss_mb": 200.0}
    assert run.ratios(ours, theirs) == {
        "render_full": {"points": 0.1},
        "identify_s": 0.5,
        "peak_rss_mb": 3.5,
    }
    results = {**ours, "qgis": theirs, "ratio": run.ratios(ours, theirs)}
    rows = {row[0]: row for row in run.table_rows(results)}
    assert rows["render_full.points"][-1] == "PASS"
    assert rows["identify_s"][-1] == "PASS"
    assert rows["peak_rss_mb"][-1] == "PASS"
    tables = run.table_rows({**results, "table": {"open_s": 0.1, "sort_s": 1.5}})
    verdicts = {row[0]: row[-1] for row in tables}
    assert verdicts["table.open_s"] == "PASS" and verdicts["table.sort_s"] == "FAIL"


FAKE_QGIS = """
import json, sys, time
print("QGIS says hello on stdout")  # noise the session must skip
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    request = line.split()
    if request[0] == "quit":
        break
    if request[0] == "render":
        time.sleep(0.01 if request[1] == "render_full" else 0.002)
        print(json.dumps({"seconds": 2.0 if request[1] == "render_full" else 0.5}), flush=True)
    elif request[0] == "identify":
        print(json.dumps({"identify_s": 0.0004}), flush=True)
    elif request[0] == "image":
        print(json.dumps({"saved": request[3]}), flush=True)
    else:
        print(json.dumps({"error": "unknown"}), flush=True)
"""


def test_renders_are_timed_turn_about_with_qgis(
    tiny_data: Path, tmp_path: Path, qapp: object
) -> None:
    """The QGIS side answers render by render; its medians land beside mapdesk's."""
    run = _script("run")
    session_module = _script("qgis_session")
    fake = tmp_path / "fake_qgis.py"
    fake.write_text(FAKE_QGIS)
    scene = run.load_scene(run.dataset_paths(tiny_data))
    job = {"views": {}, "figures": run.FIGURES}
    with session_module.QgisSession(sys.executable, job, script=fake) as qgis:
        ours, theirs = run.measure_renders(scene, runs=2, images=None, qgis=qgis)
        assert qgis.identify_s() == 0.0004
        with pytest.raises(RuntimeError, match="unknown"):
            qgis._ask("nonsense")
    assert theirs == {
        "render_full": dict.fromkeys(run.FIGURES, 2.0),
        "render_zoom50": dict.fromkeys(run.FIGURES, 0.5),
    }
    assert set(ours) == set(theirs) and all(_is_number(v) for v in ours["render_full"].values())


def test_responsiveness_figures_are_grouped_by_phase() -> None:
    figures_by_phase = _script("responsiveness").figures_by_phase
    records = [
        {"row": 23, "case": "load", "phase": "load", "largest_gap_ms": 84.5, "p99_ms": 24.0},
        {"row": 23, "case": "cancel", "phase": "cancel_load", "cancel_ms": 116.0, "hangs": 0},
        {"row": 9, "case": "hang", "phase": "load", "largest_gap_ms": 999.0},
        {"row": 23, "case": "GDAL datasets shared across threads", "inputs": 4},
    ]
    assert figures_by_phase(records) == {
        "load": {"largest_gap_ms": 84.5, "p99_ms": 24.0},
        "cancel_load": {"cancel_ms": 116.0},
    }
