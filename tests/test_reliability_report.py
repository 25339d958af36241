"""docs/reliability.md's figures: recorded by the tests, summed without loss, none missed."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.support import reliability

TESTS = Path(__file__).resolve().parent


def _records(tree: ast.Module, recorders: set[str]) -> bool:
    """True when the module calls ``record``, or imports a helper module that does."""
    for node in ast.walk(tree):
        imports_record = (
            isinstance(node, ast.ImportFrom)
            and node.module == "tests.support.reliability"
            and any(alias.name == "record" for alias in node.names)
        )
        calls_record = (
            isinstance(node, ast.Attribute)
            and node.attr == "record"
            and isinstance(node.value, ast.Name)
            and node.value.id == "reliability"
        )
        imports_recorder = isinstance(node, ast.ImportFrom) and (
            node.module in recorders
            or any(f"{node.module}.{alias.name}" in recorders for alias in node.names)
        )
        if imports_record or calls_record or imports_recorder:
            return True
    return False


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)


def test_every_module_that_records_figures_is_run_by_the_report() -> None:
    # The report runs `pytest -m reliability`: a recording module without the
    # marker would silently drop its figures from docs/reliability.md. Helper
    # modules (a fuzz harness) may record for the test modules that use them.
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in TESTS.rglob("*.py")}
    recorders = {
        _module_name(path)
        for path, tree in trees.items()
        if not path.name.startswith("test_") and _records(tree, set())
    }
    recorders.discard("tests.support.reliability")
    unmarked = [
        str(path.relative_to(TESTS))
        for path, tree in sorted(trees.items())
        if path.name.startswith("test_")
        and _records(tree, recorders)
        and "pytest.mark.reliability" not in path.read_text(encoding="utf-8")
    ]
    assert unmarked == []


def test_figures_are_written_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "figures.jsonl"
    monkeypatch.delenv(reliability.LOG_ENV, raising=False)
    reliability.record(19, "zip-slip", inputs=3, refused=3)
    assert not log.exists()
    monkeypatch.setenv(reliability.LOG_ENV, str(log))
    reliability.record(19, "zip-slip", inputs=3, refused=3)
    reliability.record(23, "load", inputs=1_000_000, hangs=0, largest_gap_ms=143.5)
    figures = reliability.read_figures(log)
    assert figures == [
        {"row": 19, "case": "zip-slip", "inputs": 3, "refused": 3},
        {"row": 23, "case": "load", "inputs": 1_000_000, "hangs": 0, "largest_gap_ms": 143.5},
    ]


def test_a_count_that_is_not_a_whole_number_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(reliability.LOG_ENV, str(tmp_path / "figures.jsonl"))
    with pytest.raises(TypeError, match="crashes"):
        reliability.record(1, "shp", inputs=5, crashes=0.5)


def test_the_report_sums_every_case_and_shows_each_row(tmp_path: Path) -> None:
    log = tmp_path / "figures.jsonl"
    log.write_text(
        "\n".join(
            json.dumps(figure)
            for figure in [
                {
                    "row": 1,
                    "case": "GeoJSON fuzz",
                    "inputs": 500,
                    "loaded": 120,
                    "refused": 379,
                    "contained": 1,
                    "crashes": 0,
                    "hangs": 0,
                },
                {"row": 1, "case": "KML fuzz", "inputs": 510, "loaded": 10, "refused": 500},
                {"row": 11, "case": "kill during GeoPackage save", "faults": 50, "lost_edits": 0},
                {"row": 23, "case": "render", "inputs": 1_000_000, "largest_gap_ms": 87.25},
            ]
        )
    )
    figures = reliability.read_figures(log)
    assert reliability.totals(figures)["inputs"] == 1_001_010
    assert reliability.failures(figures) == []
    text = reliability.render_markdown(figures, {"Command": "test"})
    assert "| Inputs tried (files, archives, round trips, actions) | 1,001,010 |" in text
    assert "| Faults injected (kills, full disks, exceptions, crashes) | 50 |" in text
    assert "## Row 1: Truncated and corrupted files (fuzzing)" in text
    assert "| GeoJSON fuzz | 500 | 120 | 379 | 1 | 0 | 0 |  |" in text
    assert "largest gap ms 87.2" in text
    assert text.index("## Row 1:") < text.index("## Row 11:") < text.index("## Row 23:")


def test_a_recorded_failure_is_reported() -> None:
    figures = [{"row": 22, "case": "actions", "inputs": 90, "unhandled": 2, "lost_edits": 0}]
    assert reliability.failures(figures) == ["row 22 actions: unhandled=2"]
