"""The corpus harness itself: a crash or a hang fails one file, not the run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# pytest runs with --import-mode=importlib, which puts no test folder on sys.path.
sys.path.insert(0, str(Path(__file__).parent))
from corpus_runner import attempt_all, is_data_file


def test_a_crash_and_a_hang_are_outcomes_and_the_rest_still_runs(tmp_path, roads):
    roads.to_file(tmp_path / "roads.geojson", driver="GeoJSON", engine="pyogrio")
    (tmp_path / "notes.json").write_text('{"issues": []}')

    outcomes = attempt_all(
        ["<crash>", "roads.geojson", "<hang>", "notes.json"], root=tmp_path, workers=1, timeout=3
    )

    assert "exit code -6" in outcomes["<crash>"]["crash"]  # SIGABRT, like a segfault
    assert "timed out" in outcomes["<hang>"]["crash"]
    assert outcomes["roads.geojson"] == {
        "path": "roads.geojson",
        "layers": {"roads": {"count": 2, "reader": "pyogrio"}},
    }
    assert outcomes["notes.json"]["error"] == "UnsupportedFormatError"
    assert "notes.json" in outcomes["notes.json"]["message"]


@pytest.mark.parametrize(
    ("name", "attempted"),
    [
        ("x.shp", True),
        ("x.shx", False),
        ("x.prj", False),
        ("x.shp.xml", False),
        ("LICENSE", False),
        ("README.md", False),
        ("x.json", True),
        ("clusterfuzz-testcase", True),
    ],
)
def test_which_files_are_attempted(tmp_path, name, attempted):
    path = tmp_path / name
    path.write_bytes(b"")
    assert is_data_file(path) is attempted


def test_a_lone_dbf_is_attempted_but_not_a_shapefile_part(tmp_path):
    (tmp_path / "lone.dbf").write_bytes(b"")
    (tmp_path / "part.dbf").write_bytes(b"")
    (tmp_path / "part.shp").write_bytes(b"")
    assert is_data_file(tmp_path / "lone.dbf")
    assert not is_data_file(tmp_path / "part.dbf")
