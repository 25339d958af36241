"""Layer ▸ Import FixIt Reports…: a worker reads the file, the layer arrives, the report is told."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CSV = (
    "\ufeffId,Report Source,Category,Created at local,Closed at local,Status,Address,"
    "Description,URL,Lat,Lng,Export tagged places\r\n"
    "7181157,iPhone,Odor,01/07/2020 - 08:26AM,,Open,315 Spring St,smell,,43.64774,-70.26945,D2\r\n"
    "7181158,iPhone,Odor,01/07/2020 - 08:27AM,,Open,Nowhere,lost,,,,D2\r\n"
)


def test_imported_reports_become_a_layer_and_the_report_is_shown(
    window: Any, qtbot: Any, tmp_path: Path, messages: Any
) -> None:
    source = tmp_path / "scf.csv"
    source.write_bytes(CSV.encode("utf-8"))
    window.incidents.start(source)
    qtbot.waitUntil(
        lambda: "FixIt reports (scf.csv)" in [layer.name for layer in window.project.layers],
        timeout=10000,
    )
    layer = window.project.layers.by_name("FixIt reports (scf.csv)")
    assert layer.feature_count == 1 and not layer.sensitive
    assert window.status.currentMessage() == "Imported 1 of 2 FixIt reports from scf.csv"
    (shown,) = messages.texts("information")
    assert "1 of 2 reports imported" in shown
    assert "• record 2 (id 7181158): it has no coordinates" in shown


def test_a_file_without_reports_is_reported_not_added(
    window: Any, qtbot: Any, tmp_path: Path, messages: Any
) -> None:
    source = tmp_path / "comments.json"
    source.write_text('[{"comment": "hi", "issue_id": 3}]', encoding="utf-8")
    before = len(window.project.layers)
    window.incidents.start(source)
    qtbot.waitUntil(lambda: bool(messages.texts("warning")), timeout=10000)
    assert "comments.json: holds no FixIt reports" in messages.texts("warning")[0]
    assert len(window.project.layers) == before
