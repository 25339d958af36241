"""``mapdesk self-check``: passes on a whole installation, names what a broken one lacks."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from mapdesk.cli import main, self_check
from mapdesk.cli.self_check import run_self_check
from mapdesk.io.versions import SoftwareReport, software_report
from mapdesk.render.diagnostics import painted_pixels

REPO = Path(__file__).resolve().parents[2]


def self_check_process(**env: str) -> subprocess.CompletedProcess[str]:
    """``mapdesk self-check`` as a user runs it: no display and no Qt platform set."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    clean.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "mapdesk", "self-check"],
        capture_output=True,
        text=True,
        timeout=240,
        env={**clean, **env},
        cwd=REPO,
    )


def failed_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "FAILED:" in line]


def test_passes_headless_on_this_installation() -> None:
    result = self_check_process()
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("mapdesk", "Python", "Qt", "PySide6", "GDAL", "PROJ", "GEOS", "pyarrow"):
        assert f"\n{name} " in result.stdout
    assert "proj.db found" in result.stdout
    assert str(REPO / "data" / "greater_portland_demo.gpkg") in result.stdout
    assert result.stdout.count(": ok") == len(self_check.CHECKS)
    assert "all checks passed" in result.stdout


def test_a_proj_data_folder_without_proj_db_fails_naming_proj(tmp_path: Path) -> None:
    result = self_check_process(PROJ_DATA=str(tmp_path))
    assert result.returncode != 0
    failed = failed_lines(result.stdout)
    assert len(failed) == 1
    assert "PROJ_DATA" in failed[0] and str(tmp_path) in failed[0] and "proj.db" in failed[0]


def test_a_missing_demo_file_fails_naming_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mapdesk.io.demo.DEMO_FILE", "city_demo_gone.gpkg")
    out = io.StringIO()
    assert run_self_check(out) == self_check.EXIT_FAILED
    failed = failed_lines(out.getvalue())
    assert any("Demo data" in line and "city_demo_gone.gpkg" in line for line in failed)


def test_a_point_off_by_more_than_a_millimetre_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    x, y = self_check.CITY_HALL_EXPECTED["EPSG:26984"]
    monkeypatch.setitem(self_check.CITY_HALL_EXPECTED, "EPSG:26984", (x + 0.0005, y))
    assert "within 1 mm" in self_check.check_reprojection(_report())
    monkeypatch.setitem(self_check.CITY_HALL_EXPECTED, "EPSG:26984", (x, y + 0.002))
    with pytest.raises(self_check.CheckFailed, match="EPSG:26984"):
        self_check.check_reprojection(_report())


def test_reader_process_turned_off_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPDESK_SANDBOX", "0")
    with pytest.raises(self_check.CheckFailed, match="MAPDESK_SANDBOX=0"):
        self_check.check_reader_process(_report())


def test_reader_process_reads_the_sample_in_a_child() -> None:
    detail = self_check.check_reader_process(_report())
    pid = int(detail.rsplit(" ", 1)[1])
    assert pid != os.getpid()


def test_json_output_lists_checks_and_versions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["self-check", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True
    assert [c["name"] for c in document["checks"]] == [n for n, _ in self_check.CHECKS]
    assert document["versions"]["GDAL"].startswith(tuple("0123456789"))
    proj = next(p for p in document["data_paths"] if p["name"] == "PROJ data")
    assert proj["ok"] and Path(proj["path"], "proj.db").is_file()


def test_painted_pixels_counts_what_differs_from_the_background(tmp_path: Path) -> None:
    image = QImage(20, 10, QImage.Format.Format_RGB32)
    image.fill(QColor("#cfe2f0"))
    blank = tmp_path / "blank.png"
    assert image.save(str(blank))
    assert painted_pixels(blank, "#cfe2f0") == 0
    image.setPixelColor(3, 4, QColor("#000000"))
    image.setPixelColor(19, 9, QColor("#cfe2f1"))
    image.save(str(blank))
    assert painted_pixels(blank, "#cfe2f0") == 2


def _report() -> SoftwareReport:
    return software_report({})


def test_gui_option_opens_the_main_window_and_lists_it_last() -> None:
    """``self-check --gui`` as a user runs it on a machine without a display."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    clean.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "mapdesk", "self-check", "--gui"],
        capture_output=True,
        text=True,
        timeout=240,
        env=clean,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checks = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert checks[-1].startswith("  Desktop window: ok (Greater Portland demo: main window drew")
    assert len(checks) == len(self_check.CHECKS) + 1


def test_a_window_that_fails_fails_the_self_check() -> None:
    out = io.StringIO()
    status = run_self_check(out, check_window=lambda: ("", "the map was not drawn within 60 s"))
    assert status == self_check.EXIT_FAILED
    assert "  Desktop window: FAILED: the map was not drawn within 60 s" in out.getvalue()
    assert "1 of 6 checks FAILED" in out.getvalue()


def test_without_the_desktop_app_the_gui_option_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["self-check", "--gui", "--json"]) == self_check.EXIT_FAILED
    document = json.loads(capsys.readouterr().out)
    (window,) = [c for c in document["checks"] if c["name"] == "Desktop window"]
    assert window["problem"] == "the desktop app is not available here"
